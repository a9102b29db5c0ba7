import "server-only";
import { notFound } from "next/navigation";
import { withTenantDb } from "../db/with-tenant-db.server.ts";
import { instantToZoned } from "../format/zoned.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { parseQuestions } from "./questions.ts";
import { questionLines } from "./staff.server.ts";

/** What staff pages read: any event by slug (drafts too), and the edit form's values. */
export async function staffEvent(tenant: ResolvedTenant, slug: string) {
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) notFound();
  const event = await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug } }));
  if (!event) notFound();
  return event;
}

export function formValues(event: Awaited<ReturnType<typeof staffEvent>>) {
  const z = (d: Date | null) => (d ? instantToZoned(d, event.timeZone) : "");
  return {
    existing: event.slug, title: event.title, slug: event.slug, summary: event.summary, description: event.description, timeZone: event.timeZone,
    startsLocal: z(event.startsAt), endsLocal: z(event.endsAt), opensLocal: z(event.registrationOpensAt), closesLocal: z(event.registrationClosesAt),
    venue: event.venue ?? "", onlineUrl: event.onlineUrl ?? "", capacity: event.capacity === null ? "" : String(event.capacity), questions: questionLines(parseQuestions(event.questions)),
  };
}

import "server-only";
import { notFound } from "next/navigation";
import type { AgencyUser } from "../auth/agency-guard.server.ts";
import type { Prisma } from "../db/generated/control/client.ts";
import { platform } from "../platform/platform.server.ts";
import { checkSlug } from "../tenancy/slug.ts";
import type { DraftData } from "./wizard.ts";

/** Onboarding drafts: each belongs to the agency user who started it. */
export async function createDraft(user: AgencyUser): Promise<string> {
  const draft = await platform().control.tenantDraft.create({
    data: { agencyUserId: user.id, data: {} },
    select: { id: true },
  });
  return draft.id;
}

export interface LoadedDraft {
  id: string;
  data: DraftData;
  logo: { sha: string; type: string } | null;
  operationId: string | null;
}

export async function loadDraft(user: AgencyUser, id: string): Promise<LoadedDraft> {
  if (!/^[0-9a-f-]{36}$/.test(id)) notFound();
  const draft = await platform().control.tenantDraft.findUnique({ where: { id } });
  if (!draft || draft.agencyUserId !== user.id) notFound();
  const { createHash } = await import("node:crypto");
  return {
    id: draft.id,
    data: draft.data as DraftData,
    logo:
      draft.logo && draft.logoType
        ? { sha: createHash("sha256").update(draft.logo).digest("hex").slice(0, 16), type: draft.logoType }
        : null,
    operationId: draft.operationId,
  };
}

export async function saveDraft(id: string, data: DraftData, logo?: { bytes: Buffer; type: string }): Promise<void> {
  await platform().control.tenantDraft.update({
    where: { id },
    data: {
      data: data as Prisma.InputJsonValue,
      ...(logo ? { logo: new Uint8Array(logo.bytes), logoType: logo.type } : {}),
    },
  });
}

export async function registeredServers(): Promise<
  Array<{ name: string; host: string; port: number; region: string; tenants: number }>
> {
  const servers = await platform().control.databaseServer.findMany({
    orderBy: { name: "asc" },
    select: { name: true, host: true, port: true, region: true, _count: { select: { databases: true } } },
  });
  return servers.map((s) => ({
    name: s.name,
    host: s.host,
    port: s.port,
    region: s.region,
    tenants: s._count.databases,
  }));
}

/** Whether a slug can be used now: valid, not reserved, not taken, not being provisioned. */
export async function slugAvailability(raw: string): Promise<{ ok: boolean; message: string }> {
  const check = checkSlug(raw);
  if (!check.ok) return { ok: false, message: check.message };
  const { control, hosts } = platform();
  const [tenant, pending] = await Promise.all([
    control.tenant.findUnique({ where: { slug: check.slug }, select: { status: true } }),
    control.operation.findFirst({
      where: { kind: "provision", slug: check.slug, status: { in: ["queued", "running"] } },
      select: { id: true },
    }),
  ]);
  if (tenant)
    return {
      ok: false,
      message: `"${check.slug}" is taken${tenant.status === "offboarded" ? " by an offboarded tenant" : ""}; choose another slug.`,
    };
  if (pending)
    return {
      ok: false,
      message: `"${check.slug}" is being provisioned by another wizard right now; choose another slug.`,
    };
  return { ok: true, message: `${check.slug}.${hosts.rootDomain} is available.` };
}

/**
 * Where a submitted draft leads: to its operation, unless that operation failed before it
 * reserved anything (the slug was taken meanwhile); then the draft can be changed and submitted
 * again.
 */
export async function submittedOperation(draft: LoadedDraft): Promise<string | null> {
  if (!draft.operationId) return null;
  const op = await platform().control.operation.findUnique({
    where: { id: draft.operationId },
    select: { status: true, progress: true },
  });
  if (op?.status === "failed" && (op.progress as { reserved?: boolean }).reserved !== true) return null;
  return draft.operationId;
}

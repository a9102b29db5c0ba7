/**
 * The tenant audit trail viewer's filters (/manage/audit and its CSV), from the query string.
 * Nonsense is refused with a message per field rather than ignored, so nobody mistakes an
 * unfiltered page for a filtered one. Messages are keys of the "audit" catalogue.
 */

/** What each category shows, by the trail's action names (decision 048). */
export const TRAIL_CATEGORIES = {
  "sign-in": { prefixes: ["auth."], exact: [] },
  team: { prefixes: ["team."], exact: [] },
  settings: { prefixes: ["settings."], exact: [] },
  events: { prefixes: [], exact: ["event.save", "event.status"] },
  "check-ins": { prefixes: [], exact: ["event.check-in"] },
  exports: { prefixes: ["export."], exact: ["agency.export", "agency.offboard", "agency.backup"] },
  messages: { prefixes: ["message."], exact: [] },
  agency: { prefixes: ["agency."], exact: [] },
} as const satisfies Record<string, { prefixes: readonly string[]; exact: readonly string[] }>;

export type TrailCategory = keyof typeof TRAIL_CATEGORIES;
export const TRAIL_ACTORS = ["member", "agency", "system", "anonymous"] as const;
export type TrailActor = (typeof TRAIL_ACTORS)[number];

export interface TrailFilter {
  category?: TrailCategory;
  actor?: TrailActor;
  /** An email address: entries by or about that person. */
  person?: string;
  from?: Date;
  /** Exclusive: the day after the last day asked for. */
  to?: Date;
  /** Entries older than this id (the "Older" link's cursor). */
  before?: bigint;
}

export type TrailFilterError = "badCategory" | "badActor" | "badPerson" | "badDate" | "endBeforeStart" | "badCursor";

export type TrailFilterResult =
  | { ok: true; filter: TrailFilter }
  | { ok: false; errors: Partial<Record<keyof TrailFilter, TrailFilterError>>; filter: TrailFilter };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parseTrailFilter(query: Record<string, string | string[] | undefined>): TrailFilterResult {
  const one = (k: string) => {
    const v = query[k];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
  };
  const errors: Partial<Record<keyof TrailFilter, TrailFilterError>> = {};
  const filter: TrailFilter = {};
  const category = one("category");
  if (category) {
    if (Object.hasOwn(TRAIL_CATEGORIES, category)) filter.category = category as TrailCategory;
    else errors.category = "badCategory";
  }
  const actor = one("actor");
  if (actor) {
    if ((TRAIL_ACTORS as readonly string[]).includes(actor)) filter.actor = actor as TrailActor;
    else errors.actor = "badActor";
  }
  const person = one("person");
  if (person) {
    if (person.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(person)) errors.person = "badPerson";
    else filter.person = person.toLowerCase();
  }
  for (const key of ["from", "to"] as const) {
    const v = one(key);
    if (!v) continue;
    const date = DAY.test(v) ? new Date(`${v}T00:00:00Z`) : null;
    if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== v) errors[key] = "badDate";
    else filter[key] = key === "to" ? new Date(date.getTime() + 86_400_000) : date;
  }
  if (filter.from && filter.to && filter.to <= filter.from) errors.to = "endBeforeStart";
  const before = one("before");
  if (before) {
    if (/^[1-9]\d{0,18}$/.test(before)) filter.before = BigInt(before);
    else errors.before = "badCursor";
  }
  return Object.keys(errors).length ? { ok: false, errors, filter } : { ok: true, filter };
}

/** The query string that asks for `filter` again (dates as typed), optionally from a cursor. */
export function trailQuery(filter: TrailFilter, before?: bigint): string {
  const params = new URLSearchParams();
  if (filter.category) params.set("category", filter.category);
  if (filter.actor) params.set("actor", filter.actor);
  if (filter.person) params.set("person", filter.person);
  if (filter.from) params.set("from", filter.from.toISOString().slice(0, 10));
  if (filter.to) params.set("to", new Date(filter.to.getTime() - 86_400_000).toISOString().slice(0, 10));
  if (before !== undefined) params.set("before", String(before));
  const text = params.toString();
  return text ? `?${text}` : "";
}

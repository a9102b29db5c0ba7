/**
 * The audit log viewer's filters, from the query string. Nonsense is refused with a message per
 * field rather than silently ignored, so nobody mistakes an unfiltered page for a filtered one.
 */
export interface AuditFilter {
  actor?: string;
  tenant?: string;
  action?: string;
  from?: Date;
  to?: Date;
  page: number;
}

export type AuditFilterResult =
  { ok: true; filter: AuditFilter } | { ok: false; errors: Record<string, string>; filter: AuditFilter };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parseAuditFilter(query: Record<string, string | string[] | undefined>): AuditFilterResult {
  const one = (k: string) => {
    const v = query[k];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
  };
  const errors: Record<string, string> = {};
  const filter: AuditFilter = { page: 1 };
  const actor = one("actor");
  if (actor) {
    if (actor.length > 254) errors.actor = "An actor is an email address or a name of at most 254 characters.";
    else filter.actor = actor.toLowerCase();
  }
  const tenant = one("tenant");
  if (tenant) {
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(tenant))
      errors.tenant = `"${tenant.slice(0, 40)}" is not a tenant slug (lower-case letters, digits, hyphens).`;
    else filter.tenant = tenant;
  }
  const action = one("action");
  if (action) {
    if (!/^[a-z][a-z0-9.-]{0,63}$/.test(action))
      errors.action = `"${action.slice(0, 64)}" is not an action such as tenant.suspend or agency.sign-in.`;
    else filter.action = action;
  }
  for (const key of ["from", "to"] as const) {
    const v = one(key);
    if (!v) continue;
    const date = DAY.test(v) ? new Date(`${v}T00:00:00Z`) : null;
    if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== v)
      errors[key] = `"${v.slice(0, 20)}" is not a date like 2026-11-23.`;
    else filter[key] = key === "to" ? new Date(date.getTime() + 86_400_000) : date;
  }
  if (filter.from && filter.to && filter.to <= filter.from) errors.to = "The end date is before the start date.";
  const page = one("page");
  if (page) {
    const n = Number(page);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) errors.page = "A page is a whole number from 1.";
    else filter.page = n;
  }
  return Object.keys(errors).length ? { ok: false, errors, filter } : { ok: true, filter };
}

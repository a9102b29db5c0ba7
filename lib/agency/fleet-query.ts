import { PLAN_NAMES } from "../tenancy/plans.ts";

/**
 * The fleet overview's URL: search, filters, sort and page. Parsed leniently: a value that makes
 * no sense is dropped with a sentence saying what was expected, and the page shows the rest.
 */

export const STATUSES = ["provisioning", "active", "suspended", "failed", "offboarded"] as const;
export const HEALTH = ["healthy", "degraded", "unknown"] as const;
export const SORTS = {
  slug: "slug",
  name: "name",
  status: "status",
  plan: "plan",
  region: "region",
  server: "server",
  schema: "schema version",
  members: "members",
  events: "events",
  registrations: "registrations (30 days)",
  size: "database size",
  connections: "open connections",
  activity: "last activity",
  latency: "query latency",
  created: "created",
} as const;
export type SortKey = keyof typeof SORTS;
export const PAGE_SIZES = [25, 50, 100] as const;

export interface FleetQuery {
  q: string;
  status: Array<(typeof STATUSES)[number]>;
  plan: string[];
  /** Data residency (decision 053): tenants of one region. */
  region: string | null;
  server: string | null;
  health: (typeof HEALTH)[number] | null;
  sort: SortKey;
  dir: "asc" | "desc";
  page: number;
  per: (typeof PAGE_SIZES)[number];
}

export const DEFAULT_QUERY: FleetQuery = {
  q: "",
  status: [],
  plan: [],
  region: null,
  server: null,
  health: null,
  sort: "slug",
  dir: "asc",
  page: 1,
  per: 50,
};

type Params = Record<string, string | string[] | undefined>;

function values(params: Params, key: string): string[] {
  const v = params[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseFleetQuery(params: Params): { query: FleetQuery; problems: string[] } {
  const problems: string[] = [];
  const query: FleetQuery = { ...DEFAULT_QUERY, status: [], plan: [] };

  const q = values(params, "q").join(" ");
  if (q.length > 100) problems.push("The search was longer than 100 characters and was ignored.");
  else query.q = q;

  for (const s of values(params, "status")) {
    if ((STATUSES as readonly string[]).includes(s)) query.status.push(s as FleetQuery["status"][number]);
    else problems.push(`Status "${s.slice(0, 40)}" is not one of ${STATUSES.join(", ")}; it was ignored.`);
  }
  for (const p of values(params, "plan")) {
    if ((PLAN_NAMES as readonly string[]).includes(p)) query.plan.push(p);
    else problems.push(`Plan "${p.slice(0, 40)}" is not one of ${PLAN_NAMES.join(", ")}; it was ignored.`);
  }
  const server = values(params, "server")[0];
  if (server !== undefined) {
    if (/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(server)) query.server = server;
    else problems.push(`Server "${server.slice(0, 40)}" is not a server name; it was ignored.`);
  }
  const region = values(params, "region")[0];
  if (region !== undefined) {
    if (/^[a-z][a-z0-9-]{0,39}$/.test(region)) query.region = region;
    else problems.push(`Region "${region.slice(0, 40)}" is not a region key such as eu; it was ignored.`);
  }
  const health = values(params, "health")[0];
  if (health !== undefined) {
    if ((HEALTH as readonly string[]).includes(health)) query.health = health as FleetQuery["health"];
    else problems.push(`Health "${health.slice(0, 40)}" is not one of ${HEALTH.join(", ")}; it was ignored.`);
  }
  const sort = values(params, "sort")[0];
  if (sort !== undefined) {
    if (Object.hasOwn(SORTS, sort)) query.sort = sort as SortKey;
    else problems.push(`Cannot sort by "${sort.slice(0, 40)}"; choose one of ${Object.keys(SORTS).join(", ")}.`);
  }
  const dir = values(params, "dir")[0];
  if (dir !== undefined) {
    if (dir === "asc" || dir === "desc") query.dir = dir;
    else problems.push(`Direction "${dir.slice(0, 40)}" is neither asc nor desc; ascending is used.`);
  }
  const per = values(params, "per")[0];
  if (per !== undefined) {
    const n = Number(per);
    if ((PAGE_SIZES as readonly number[]).includes(n)) query.per = n as FleetQuery["per"];
    else problems.push(`${per.slice(0, 20)} tenants per page is not offered; choose ${PAGE_SIZES.join(", ")}.`);
  }
  const page = values(params, "page")[0];
  if (page !== undefined) {
    const n = Number(page);
    if (Number.isInteger(n) && n >= 1 && n <= 1_000_000) query.page = n;
    else problems.push(`Page "${page.slice(0, 20)}" is not a page number; the first page is shown.`);
  }
  return { query, problems };
}

/** The URL of the overview with `patch` applied (page reset unless given). */
export function fleetHref(query: FleetQuery, patch: Partial<FleetQuery>): string {
  const next = { ...query, page: 1, ...patch };
  const params = new URLSearchParams();
  if (next.q) params.set("q", next.q);
  if (next.status.length) params.set("status", next.status.join(","));
  if (next.plan.length) params.set("plan", next.plan.join(","));
  if (next.region) params.set("region", next.region);
  if (next.server) params.set("server", next.server);
  if (next.health) params.set("health", next.health);
  if (next.sort !== DEFAULT_QUERY.sort) params.set("sort", next.sort);
  if (next.dir !== DEFAULT_QUERY.dir) params.set("dir", next.dir);
  if (next.per !== DEFAULT_QUERY.per) params.set("per", String(next.per));
  if (next.page !== 1) params.set("page", String(next.page));
  const s = params.toString();
  return s ? `/?${s}` : "/";
}

import { readdirSync } from "node:fs";
import path from "node:path";

/**
 * Every page and route handler under app/, read from the file system so the list cannot go
 * stale: a page added tomorrow is requested by the route-inventory test without anyone
 * remembering to list it (e2e/route-inventory.spec.ts).
 */
export type Realm = "tenant" | "agency";
export interface AppRoute {
  realm: Realm;
  /** The file, relative to the repository, e.g. app/t/[domain]/manage/page.tsx. */
  file: string;
  kind: "page" | "route";
  /** The path segments a visitor types on the realm's host, dynamic ones still in brackets. */
  segments: string[];
}

const ENTRY = /^(page|route)\.(tsx|ts|jsx|js)$/;

export function appRoutes(appDir: string): AppRoute[] {
  const found: AppRoute[] = [];
  const walk = (dir: string, rel: string[]) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) {
        // Private folders (_x) are not routes; everything else may hold one.
        if (!entry.name.startsWith("_")) walk(path.join(dir, entry.name), [...rel, entry.name]);
        continue;
      }
      const match = ENTRY.exec(entry.name);
      if (!match) continue;
      const realm = realmOf(rel);
      if (!realm)
        throw new Error(
          `app/${[...rel, entry.name].join("/")} is outside app/t/[domain] and app/agency: say in test/support/routes.ts which host serves it`,
        );
      const visible = rel.slice(realm === "tenant" ? 2 : 1).filter((s) => !/^\(.*\)$/.test(s));
      found.push({
        realm,
        file: path.join(path.basename(appDir), ...rel, entry.name),
        kind: match[1] === "page" ? "page" : "route",
        segments: visible,
      });
    }
  };
  walk(appDir, []);
  return found;
}

function realmOf(rel: string[]): Realm | null {
  if (rel[0] === "t" && rel[1] === "[domain]") return "tenant";
  if (rel[0] === "agency") return "agency";
  return null;
}

/**
 * The concrete paths to request for a route: each dynamic segment takes every value the test
 * gives for its name. A segment with no values is an error that says what to add, so a new
 * dynamic route is never silently left out.
 */
export function concretePaths(route: AppRoute, values: Record<string, readonly string[]>): string[] {
  let paths: string[][] = [[]];
  for (const segment of route.segments) {
    const dynamic = /^\[{1,2}(?:\.\.\.)?([^\]]+)\]{1,2}$/.exec(segment);
    if (!dynamic) {
      paths = paths.map((p) => [...p, segment]);
      continue;
    }
    const options = values[`${route.realm}:${dynamic[1]}`] ?? values[dynamic[1]!];
    if (!options?.length)
      throw new Error(
        `${route.file}: no value for the dynamic segment ${segment}; add one for "${route.realm}:${dynamic[1]}" to the route inventory's values`,
      );
    paths = paths.flatMap((p) => options.map((o) => [...p, o]));
  }
  return paths.map((p) => `/${p.join("/")}`);
}

/** What a browser suite seeded, to fill in the inventory's dynamic segments. */
export interface InventorySeed {
  tenantSlug: string;
  /** Event slugs on the tenant (published first; a draft too where the test needs one). */
  eventSlugs: string[];
  ticketCode: string;
  /** A wizard draft and one of its steps; the zero UUID and "basics" when none was made. */
  draftId?: string;
  step?: string;
  operationId?: string;
}

/**
 * The values of every dynamic segment in the inventory, in one place so that every suite that
 * walks the inventory (the security sweep, the layout and accessibility sweep) requests the same
 * paths, and a new dynamic route is added to all of them at once.
 */
export function inventoryValues(seed: InventorySeed): Record<string, string[]> {
  const none = "00000000-0000-4000-8000-000000000000";
  return {
    "tenant:slug": seed.eventSlugs,
    "tenant:code": [seed.ticketCode],
    "tenant:file": ["logo.png"],
    "tenant:nextauth": ["session", "csrf", "providers"],
    "tenant:missing": ["no-such-page", "manage/no-such-page"],
    "agency:slug": [seed.tenantSlug],
    "agency:draft": [seed.draftId ?? none],
    "agency:step": [seed.step ?? "basics"],
    "agency:id": [seed.operationId ?? none],
    "agency:file": [`${seed.tenantSlug}.tar.gz`],
    "agency:nextauth": ["session", "csrf", "providers"],
    "agency:missing": ["no-such-page", "tenants/no-such-tenant/no-such-page"],
  };
}

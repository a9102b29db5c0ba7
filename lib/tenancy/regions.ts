/**
 * Data residency (docs/decisions/053): the regions tenant database servers sit in, and the one
 * each tenant is pinned to. Configured with PORTICO_REGIONS ("eu=Europe (Frankfurt),us=United
 * States (Virginia)") and PORTICO_DEFAULT_REGION; unset, there is one region, "default", so an
 * installation that never configures regions behaves as before.
 *
 * Placement, moves and backup storage stay within a tenant's region; leaving it takes an agency
 * owner's typed confirmation, which is audited (lib/lifecycle/move.server.ts).
 */
import type { ControlDb } from "../db/control.server.ts";
import { ConfigError, InvalidInput, TenantNotFound } from "../util/errors.ts";

export interface Region {
  /** Stored in DatabaseServer.region and Tenant.region: lower-case letters, digits, hyphens. */
  key: string;
  /** Shown to people, e.g. "Europe (Frankfurt)". */
  label: string;
}

export interface RegionConfig {
  regions: Region[];
  /** Where tenants without a chosen region, and servers without a configured one, go. */
  defaultRegion: string;
}

/** The region every row has before regions are configured (the migration's column default). */
export const BUILT_IN_REGION = "default";

export const REGION_KEY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * Parses PORTICO_REGIONS and PORTICO_DEFAULT_REGION. Throws a ConfigError naming the variable
 * and what to write instead.
 */
export function parseRegions(value: string | undefined, defaultValue: string | undefined): RegionConfig {
  const regions: Region[] = [];
  if (value?.trim()) {
    for (const [i, raw] of value.split(",").entries()) {
      const eq = raw.indexOf("=");
      const key = (eq < 0 ? raw : raw.slice(0, eq)).trim();
      const label = eq < 0 ? key : raw.slice(eq + 1).trim();
      if (!REGION_KEY_PATTERN.test(key) || !label || label.length > 80)
        throw new ConfigError(
          `PORTICO_REGIONS: entry ${i + 1} ("${raw.trim().slice(0, 60)}") must look like key=Label, e.g. eu=Europe (Frankfurt) (key: a-z, 0-9, -, starting with a letter, at most 40; label: at most 80 characters)`,
        );
      if (regions.some((r) => r.key === key))
        throw new ConfigError(`PORTICO_REGIONS: region "${key}" is listed twice; list each region once`);
      regions.push({ key, label });
    }
  } else {
    regions.push({ key: BUILT_IN_REGION, label: "Default" });
  }
  const defaultRegion = defaultValue?.trim() || regions[0]!.key;
  if (!regions.some((r) => r.key === defaultRegion))
    throw new ConfigError(
      `PORTICO_DEFAULT_REGION: "${defaultRegion}" is not one of PORTICO_REGIONS (${regions.map((r) => r.key).join(", ")}); name one of them`,
    );
  return { regions, defaultRegion };
}

let cached: { source: string; config: RegionConfig } | undefined;

/**
 * The configured regions (REGIONS), read from the environment once per distinct value. The
 * environment was validated at start-up (lib/config/env.server.ts), so this does not throw there.
 */
export function regionConfig(source: Record<string, string | undefined> = process.env): RegionConfig {
  const key = `${source.PORTICO_REGIONS ?? ""}\u0000${source.PORTICO_DEFAULT_REGION ?? ""}`;
  if (cached?.source !== key)
    cached = { source: key, config: parseRegions(source.PORTICO_REGIONS, source.PORTICO_DEFAULT_REGION) };
  return cached.config;
}
export { regionConfig as REGIONS };

/** The region a database server is in. */
export function regionOf(server: { region: string }): string {
  return server.region;
}

/** "Europe (Frankfurt)" for "eu"; an unconfigured key is shown as itself, marked. */
export function regionLabel(key: string, config: RegionConfig = regionConfig()): string {
  return config.regions.find((r) => r.key === key)?.label ?? `${key} (not configured)`;
}

export function isRegion(value: unknown, config: RegionConfig = regionConfig()): value is string {
  return typeof value === "string" && config.regions.some((r) => r.key === value);
}

/** The region key, or an InvalidInput that lists the ones to choose from. */
export function assertRegion(value: unknown, config: RegionConfig = regionConfig()): string {
  if (isRegion(value, config)) return value;
  throw new InvalidInput(
    `${typeof value === "string" && value ? `"${value.slice(0, 40)}" is not a region` : "choose a region"}; regions: ${config.regions.map((r) => `${r.key} (${r.label})`).join(", ")}`,
  );
}

/** The region a tenant is pinned to. */
export async function tenantRegion(control: ControlDb, tenantId: string): Promise<string> {
  const tenant = await control.tenant.findUnique({ where: { id: tenantId }, select: { region: true } });
  if (!tenant) throw new TenantNotFound(`no tenant with id ${tenantId}`);
  return tenant.region;
}

/**
 * The migration gave existing servers and tenants the built-in region "default". When regions
 * are configured and "default" is not one of them, those rows are in PORTICO_DEFAULT_REGION:
 * the operator names the region the existing installation runs in. Idempotent; run at start-up.
 */
export async function adoptDefaultRegion(
  control: ControlDb,
  config: RegionConfig = regionConfig(),
): Promise<{ servers: number; tenants: number }> {
  if (config.regions.some((r) => r.key === BUILT_IN_REGION)) return { servers: 0, tenants: 0 };
  const to = { region: config.defaultRegion };
  const [servers, tenants] = await control.$transaction([
    control.databaseServer.updateMany({ where: { region: BUILT_IN_REGION }, data: to }),
    control.tenant.updateMany({ where: { region: BUILT_IN_REGION }, data: to }),
  ]);
  return { servers: servers.count, tenants: tenants.count };
}

import "server-only";
import { z } from "zod";
import { normalisePostgresUrl } from "../db/tls.ts";
import { ConfigError, errorMessage } from "../util/errors.ts";
import type { HostConfig } from "../tenancy/host.ts";
import { parseTrustedProxies } from "../http/client-ip.ts";
import { isIP } from "node:net";
import { REGION_KEY_PATTERN, parseRegions } from "../tenancy/regions.ts";

/**
 * The environment, validated once at start-up (instrumentation.ts and every script call
 * loadEnv()). A wrong value stops the process with one line per problem naming the variable.
 * Documented in README.md → Configuration.
 */

// TLS parameters (sslmode, sslrootcert) are checked and given libpq's meaning (lib/db/tls.ts).
const postgresUrl = z
  .string()
  .refine(
    (v) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(v),
    "must be a postgres:// URL with a database name, e.g. postgres://user:pass@localhost:5432/portico",
  )
  .transform((v, ctx) => {
    try {
      return normalisePostgresUrl(v);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: errorMessage(error) });
      return z.NEVER;
    }
  });

const int = (min: number, fallback: number) =>
  z.coerce.number().int(`must be a whole number`).min(min, `must be at least ${min}`).default(fallback);

const bool = z
  .enum(["true", "false", "1", "0", ""], { message: 'must be "true" or "false"' })
  .default("false")
  .transform((v) => v === "true" || v === "1");

const hostname = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
    "must be a lower-case host name without port, e.g. portico.example",
  );

const schema = z
  .object({
    DATABASE_URL: postgresUrl.optional(),
    /** Use the embedded PostgreSQL under .data/ in production (`npm start`); `npm run dev` does by default. */
    PORTICO_EMBEDDED: bool,
    PORTICO_ROOT_DOMAIN: hostname.default("localhost"),
    PORTICO_AGENCY_HOST: hostname.optional(),
    PORTICO_BARE_HOST: z
      .enum(["agency", "notFound"], { message: 'must be "agency" or "notFound"' })
      .default("notFound"),
    PORTICO_TRUST_FORWARDED_HOST: bool,
    PORTICO_SECRET_KEY: z
      .string()
      .refine(
        (v) => Buffer.from(v, "base64").length === 32,
        "must be 32 random bytes, base64-encoded (openssl rand -base64 32)",
      )
      .optional(),
    PORTICO_SECRET_KEY_ID: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/, "must be 1-32 characters a-z, 0-9, -")
      .default("k1"),
    /** Keys that may still unseal, during a rotation: "k1:<base64>,k0:<base64>". */
    PORTICO_PREVIOUS_SECRET_KEYS: z.string().optional(),
    PORTICO_TENANT_SERVERS: z.string().optional(),
    PORTICO_CONNECTION_BUDGET: int(2, 40),
    PORTICO_TENANT_POOL_SIZE: int(1, 2),
    PORTICO_TENANT_IDLE_MS: int(100, 10_000),
    PORTICO_CLIENT_IDLE_MS: int(1_000, 300_000),
    /** Spare tenant databases each server keeps cloned and warmed ahead of provisioning (0: none). */
    PORTICO_SPARE_DATABASES: int(0, 2),
    /** A backstop: every change the product makes is pushed to all instances at once (NOTIFY). */
    PORTICO_RESOLVER_TTL_MS: int(0, 300_000),
    PORTICO_TENANT_TIMEOUT_MS: int(100, 3_000),
    PORTICO_SMTP_URL: z
      .string()
      .refine(
        (v) => /^smtps?:\/\//.test(v),
        "must be an smtp:// or smtps:// URL, e.g. smtps://user:pass@mail.example.com:465",
      )
      .optional(),
    PORTICO_MAIL_FROM: z.string().email("must be an email address, e.g. no-reply@portico.example").optional(),
    /** How links in emails reach this server: scheme and (in development) port. */
    PORTICO_PUBLIC_SCHEME: z.enum(["http", "https"], { message: 'must be "http" or "https"' }).default("https"),
    PORTICO_PUBLIC_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** Show the development mail outbox at /outbox on the agency host (never in production). */
    PORTICO_DEV_OUTBOX: bool,
    /** Where tenant exports are written by the operations worker and downloaded from the dashboard. */
    PORTICO_EXPORTS_DIR: z.string().min(1).optional(),
    /** Backups (docs/decisions/052): the folder they are kept in, default <data dir>/backups. */
    PORTICO_BACKUP_DIR: z.string().min(1).optional(),
    /** Scheduled backups run hourly unless "false" (the browser and fault suites turn them off). */
    PORTICO_BACKUPS: z
      .enum(["true", "false", "1", "0", ""], { message: 'must be "true" or "false"' })
      .default("true")
      .transform((v) => v !== "false" && v !== "0"),
    /** Backup locations per region: region=folder or region=s3://bucket/prefix, comma-separated. */
    PORTICO_BACKUP_LOCATIONS: z
      .string()
      .optional()
      .refine(
        (v) =>
          !v ||
          v
            .split(",")
            .every((e) =>
              /^[a-z][a-z0-9-]{0,39}=(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?|[^,=\s][^,=]*)$/.test(e.trim()),
            ),
        "must look like eu=/srv/backups/eu,us=s3://portico-us/backups/",
      ),
    /** An S3-compatible bucket for backups instead of the folder. */
    PORTICO_BACKUP_S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name, e.g. portico-backups")
      .optional(),
    PORTICO_BACKUP_S3_ENDPOINT: z
      .string()
      .url("must be the endpoint's URL, e.g. https://s3.eu-central-1.example")
      .optional(),
    PORTICO_BACKUP_S3_REGION: z.string().min(1).max(40).default("us-east-1"),
    PORTICO_BACKUP_S3_ACCESS_KEY_ID: z.string().min(1).max(200).optional(),
    PORTICO_BACKUP_S3_SECRET_KEY: z.string().min(1).max(200).optional(),
    PORTICO_BACKUP_S3_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]{0,200}$/, "must be a key prefix such as portico/")
      .optional(),
    /**
     * Proxies whose X-Forwarded-For is believed (IPs or CIDR ranges, comma-separated); none by
     * default, so a client's address is its socket's (docs/decisions/027).
     */
    PORTICO_TRUSTED_PROXIES: z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        try {
          parseTrustedProxies(v);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      }),
    /**
     * The DNS servers email-domain checks ask (lib/auth/email-domains.server.ts), comma-separated
     * IPs with an optional port; unset, the system's resolver (docs/decisions/044).
     */
    PORTICO_DNS_SERVERS: z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        try {
          parseDnsServers(v);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      }),
    /** Log verbosity and shape (lib/observability/logger.ts reads them; checked here with the rest). */
    PORTICO_LOG_LEVEL: z
      .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"], {
        message: "must be one of trace, debug, info, warn, error, fatal, silent",
      })
      .optional(),
    PORTICO_LOG_FORMAT: z.enum(["json", "pretty"], { message: 'must be "json" or "pretty"' }).optional(),
    /** Bearer token that /metrics asks for; unset, /metrics answers 404 (docs/decisions/036). */
    PORTICO_METRICS_TOKEN: z
      .string()
      .regex(/^\S{32,256}$/, "must be 32 to 256 characters without spaces, e.g. openssl rand -hex 32")
      .optional(),
    /** Graceful shutdown (scripts/next-server.ts): /readyz says draining this long before the listener closes. */
    PORTICO_DRAIN_DELAY_MS: int(0, 0),
    /** Graceful shutdown: how long requests in flight may take to finish. */
    PORTICO_SHUTDOWN_TIMEOUT_MS: int(0, 25_000),
    /**
     * The agency realm's one OpenID Connect provider (docs/decisions/042): issuer, client id and
     * secret together, or none. Roles: "claim value=owner|operator|viewer", comma-separated.
     */
    PORTICO_AGENCY_OIDC_ISSUER: z.string().url("must be the issuer URL, e.g. https://login.agency.example").optional(),
    PORTICO_AGENCY_OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
    PORTICO_AGENCY_OIDC_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
    PORTICO_AGENCY_OIDC_NAME: z.string().trim().min(1).max(80).default("single sign-on"),
    PORTICO_AGENCY_OIDC_SCOPES: z.string().trim().max(300).default("openid email profile"),
    PORTICO_AGENCY_OIDC_ROLE_CLAIM: z
      .string()
      .regex(/^[A-Za-z0-9_.:/-]{1,100}$/, "must be a claim name, e.g. groups")
      .optional(),
    PORTICO_AGENCY_OIDC_ROLES: z
      .string()
      .optional()
      .refine(
        (v) => !v || v.split(",").every((e) => /^[^=,]+=(owner|operator|viewer)$/.test(e.trim())),
        "must look like portico-admins=owner,portico-ops=operator,everyone=viewer",
      ),
    /** Create agency users on their first SSO sign-in (through the worker); refused by default. */
    PORTICO_AGENCY_OIDC_CREATE_USERS: bool,
    /**
     * Audit stream sinks (docs/decisions/049) may point at private, loopback and link-local
     * addresses, and a loopback webhook may use plain http: tests, or a SIEM on the agency's LAN.
     */
    PORTICO_AUDIT_SINKS_ALLOW_PRIVATE: bool,
    /**
     * Data residency (docs/decisions/053): the regions servers and tenants are in, "key=Label"
     * comma-separated; unset, one region "default". PORTICO_DEFAULT_REGION: where tenants without
     * a chosen region and servers without a configured one go (default: the first region).
     */
    PORTICO_REGIONS: z.string().optional(),
    PORTICO_DEFAULT_REGION: z.string().optional(),
    /** The address `npm run dev` / `npm start` listen on (defaults in scripts/dev.ts). */
    HOST: z
      .string()
      .refine(
        (v) => isIP(v) !== 0 || /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(v),
        "must be an IP address or a host name to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::",
      )
      .optional(),
  })
  .refine((e) => e.PORTICO_TENANT_POOL_SIZE <= e.PORTICO_CONNECTION_BUDGET, {
    path: ["PORTICO_TENANT_POOL_SIZE"],
    message: "must not exceed PORTICO_CONNECTION_BUDGET",
  })
  .refine(
    (e) =>
      [e.PORTICO_AGENCY_OIDC_ISSUER, e.PORTICO_AGENCY_OIDC_CLIENT_ID, e.PORTICO_AGENCY_OIDC_CLIENT_SECRET].filter(
        Boolean,
      ).length %
        3 ===
      0,
    {
      path: ["PORTICO_AGENCY_OIDC_ISSUER"],
      message:
        "set PORTICO_AGENCY_OIDC_ISSUER, PORTICO_AGENCY_OIDC_CLIENT_ID and PORTICO_AGENCY_OIDC_CLIENT_SECRET together, or none of them",
    },
  );

export type Env = z.infer<typeof schema>;

export interface TenantServerConfig {
  name: string;
  adminUrl: string;
  /** Its region (PORTICO_TENANT_SERVERS "name@region=url"); absent: the default region. */
  region?: string;
}

export function parseTenantServers(value: string | undefined): TenantServerConfig[] {
  if (!value?.trim()) return [];
  return value.split(",").map((entry, i) => {
    const eq = entry.indexOf("=");
    const [name = "", region] = entry.slice(0, Math.max(eq, 0)).trim().split("@");
    const parsed = postgresUrl.safeParse(entry.slice(eq + 1).trim());
    if (
      eq < 1 ||
      !/^[a-z0-9-]{1,63}$/.test(name) ||
      (region !== undefined && !REGION_KEY_PATTERN.test(region)) ||
      !parsed.success
    ) {
      const tls = parsed.error?.issues.find((issue) => /ssl/.test(issue.message))?.message;
      throw new ConfigError(
        `PORTICO_TENANT_SERVERS: entry ${i + 1} must look like name=postgres://admin:pass@host:5432/postgres[?sslmode=verify-full&sslrootcert=/path/ca.pem], or name@region=… (name: a-z, 0-9, -; region: a key of PORTICO_REGIONS)${tls ? `: ${tls}` : ""}`,
      );
    }
    return region === undefined ? { name, adminUrl: parsed.data } : { name, adminUrl: parsed.data, region };
  });
}

/**
 * PORTICO_DNS_SERVERS as node:dns's Resolver.setServers takes it: "10.0.0.2,127.0.0.1:5353,[::1]:53".
 * Null when unset (the system's resolver). A wrong entry is refused with what to write instead.
 */
export function parseDnsServers(value: string | undefined): string[] | null {
  if (!value?.trim()) return null;
  return value.split(",").map((raw, i) => {
    const entry = raw.trim();
    const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(entry);
    const v4 = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(entry);
    const [ip, port] = v6 ? [v6[1]!, v6[2]] : v4 ? [v4[1]!, v4[2]] : [entry, undefined];
    const family = isIP(ip);
    const portOk = port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
    if (family === 0 || !portOk)
      throw new ConfigError(
        `entry ${i + 1} ("${entry.slice(0, 60)}") must be an IP address with an optional port, e.g. 10.0.0.2, 127.0.0.1:5353 or [2001:db8::53]:53`,
      );
    return entry;
  });
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "environment");
      const got = source[key];
      const secret = key.includes("SECRET") || key.includes("URL") || key.includes("TOKEN");
      return `  ${key}: ${issue.message}${got === undefined ? "" : ` (got "${secret ? "…" : got}")`}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}\nSee README.md → Configuration.`);
  }
  const servers = parseTenantServers(result.data.PORTICO_TENANT_SERVERS);
  const regions = parseRegions(result.data.PORTICO_REGIONS, result.data.PORTICO_DEFAULT_REGION);
  const stray = servers.find((s) => s.region !== undefined && !regions.regions.some((r) => r.key === s.region));
  if (stray)
    throw new ConfigError(
      `PORTICO_TENANT_SERVERS: server "${stray.name}" is in region "${stray.region}", which PORTICO_REGIONS does not list (${regions.regions.map((r) => r.key).join(", ")}); add the region or fix the server's`,
    );
  return result.data;
}

let cached: Env | undefined;

export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Values the running app cannot do without; scripts that start the database set them first. */
export function requireRuntime(env: Env): { databaseUrl: string; secretKey: string } {
  if (!env.DATABASE_URL || !env.PORTICO_SECRET_KEY) {
    const missing = [!env.DATABASE_URL && "DATABASE_URL", !env.PORTICO_SECRET_KEY && "PORTICO_SECRET_KEY"].filter(
      Boolean,
    );
    throw new ConfigError(
      `${missing.join(" and ")} not set. Start Portico with "npm run dev" (it starts an embedded PostgreSQL and sets both), ` +
        `or set them yourself as described in README.md → Configuration.`,
    );
  }
  return { databaseUrl: env.DATABASE_URL, secretKey: env.PORTICO_SECRET_KEY };
}

export function hostConfig(env: Env): HostConfig {
  return {
    rootDomain: env.PORTICO_ROOT_DOMAIN,
    agencyHost: env.PORTICO_AGENCY_HOST ?? `admin.${env.PORTICO_ROOT_DOMAIN}`,
    bareHost: env.PORTICO_BARE_HOST,
  };
}

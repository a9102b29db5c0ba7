import { z } from "zod";
import { InvalidInput } from "../util/errors.ts";
import { emailAddress } from "../mail/address.ts";
import { classifyHost, normaliseHost, type HostConfig } from "../tenancy/host.ts";
import { PLANS, isPlan } from "../tenancy/plans.ts";
import { checkSlug } from "../tenancy/slug.ts";
import { REGION_KEY_PATTERN } from "../tenancy/regions.ts";
import { savableThemeSchema } from "../tenancy/theme.ts";

/**
 * A tenant as declared in tenants/ (tenants as code) or entered in the CLI: everything needed
 * to provision it. Validated before anything touches a database.
 */

const slug = z.string().superRefine((value, ctx) => {
  const check = checkSlug(value);
  if (!check.ok) ctx.addIssue({ code: "custom", message: check.message });
});

export const domainSchema = z.string().transform((value, ctx) => {
  const host = normaliseHost(value);
  if (!host || !host.includes(".") || /^\d+(\.\d+){3}$/.test(host)) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a valid domain name, e.g. portal.example.com` });
    return z.NEVER;
  }
  return host.startsWith("www.") ? host.slice(4) : host;
});

export const demoEventSchema = z.object({
  slug: z.string().regex(/^[a-z0-9-]{1,80}$/),
  title: z.string().min(1).max(200),
  summary: z.string().max(500).default(""),
  description: z.string().default(""),
  /** Days from the day the tenant is seeded, so demo events stay upcoming. */
  startsInDays: z.number().int().min(-365).max(365),
  startHourUtc: z.number().int().min(0).max(23).default(14),
  durationHours: z
    .number()
    .positive()
    .max(24 * 14)
    .default(2),
  timeZone: z.string().min(1).max(64).default("UTC"),
  venue: z.string().max(200).nullable().default(null),
  capacity: z.number().int().positive().nullable().default(null),
  status: z.enum(["draft", "published", "cancelled"]).default("published"),
});

export const tenantSpecSchema = z.object({
  slug,
  name: z.string().trim().min(1, "a tenant needs a name").max(120),
  plan: z
    .string()
    .refine(isPlan, { message: `plan must be one of: ${Object.keys(PLANS).join(", ")}` })
    .default("standard"),
  /** Refused like a save in settings when a colour fails WCAG AA contrast (decision 030). */
  theme: savableThemeSchema,
  /**
   * The client's first owner. Outside development (`npm start`, `tenants sync` without --demo)
   * a newly created declared tenant invites this address by email instead of seeding demo users.
   */
  owner: z.object({ email: z.string().email().toLowerCase(), name: z.string().trim().min(1).max(120) }).optional(),
  /**
   * Data residency (decision 053): the region (a key of PORTICO_REGIONS) the tenant's database is
   * placed in when it is created; absent, the default region. A declared region that differs from
   * an existing tenant's is reported by a sync and never applied: only a move an agency owner
   * confirms changes a tenant's region.
   */
  region: z
    .string()
    .regex(REGION_KEY_PATTERN, "region must be a region key such as eu (a-z, 0-9, -), one of PORTICO_REGIONS")
    .optional(),
  /** Custom domains in addition to <slug>.<root>; the first is the primary one. */
  domains: z.array(domainSchema).max(20).default([]),
  demo: z
    .object({
      users: z
        .array(
          z.object({
            email: emailAddress("a demo user needs a valid email address, e.g. sam@client.example"),
            name: z.string().min(1).max(120),
            role: z.enum(["owner", "admin", "staff", "member"]),
            /** Demo only: a known password so a newcomer can sign in. */
            password: z.string().min(10).max(200).optional(),
          }),
        )
        .default([]),
      events: z.array(demoEventSchema).default([]),
    })
    .default({ users: [], events: [] }),
});

export type TenantSpecInput = z.input<typeof tenantSpecSchema>;
export type TenantSpec = z.output<typeof tenantSpecSchema>;

/** Identity for tenants/ files: gives type checking and autocompletion while declaring. */
export function defineTenant(spec: TenantSpecInput): TenantSpecInput {
  return spec;
}

export function parseTenantSpec(input: unknown, where = "tenant"): TenantSpec {
  const result = tenantSpecSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new InvalidInput(`${where} is invalid:\n${lines.join("\n")}`);
  }
  return result.data;
}

/**
 * Custom domains must be reachable as custom domains: not the agency host, and not under the
 * root domain, where a host always means the tenant with that slug. Returns the normalised list.
 */
export function checkCustomDomains(input: readonly string[], hosts: HostConfig): string[] {
  const out: string[] = [];
  for (const raw of input) {
    const parsed = domainSchema.safeParse(raw);
    if (!parsed.success)
      throw new InvalidInput(parsed.error.issues[0]?.message ?? `"${raw}" is not a valid domain name`);
    const kind = classifyHost(parsed.data, hosts).kind;
    if (kind !== "custom") {
      throw new InvalidInput(
        `"${raw}" cannot be a custom domain: it is ${kind === "agency" ? "the agency's host" : `under ${hosts.rootDomain}, where each tenant already has its subdomain`}. Use a domain the client owns, e.g. events.client.com`,
      );
    }
    if (!out.includes(parsed.data)) out.push(parsed.data);
  }
  return out;
}

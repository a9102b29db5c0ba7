import "server-only";
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import { z } from "zod";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import { parseDnsServers } from "../config/env.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { normaliseHost } from "../tenancy/host.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { InvalidInput } from "../util/errors.ts";
import { generateToken } from "./credentials.server.ts";
import { assertAgencyRole, assertTenantRole, type AgencyUser, type TenantUser } from "./verified.ts";

/**
 * A tenant's verified email domains (docs/decisions/044), the ground the "SSO required for our
 * domains" policy stands on. A tenant owner adds a domain; it counts only once verified, either
 * by a DNS TXT record at `_portico-verification.<domain>` whose value is exactly
 * `portico-verification=<token>` (the token is this row's own, so another tenant's record for the
 * same domain proves nothing here), or by an agency owner's explicit confirmation with a reason.
 * Only the portal's owners manage them: a verified domain decides how everyone at it signs in.
 * Every add, verification, confirmation and removal is in the control plane's audit log.
 */

/** How many domains one portal may list: enough for an organisation's brands, few enough to read. */
export const EMAIL_DOMAIN_LIMIT = 20;
export const TXT_LABEL = "_portico-verification";
export const TXT_PREFIX = "portico-verification=";
/** The whole lookup's budget; the resolver tries each server twice within it. */
export const DNS_TIMEOUT_MS = 5_000;

export class EmailDomainRefused extends InvalidInput {}

export interface DnsSettings {
  /** As Resolver.setServers takes them ("127.0.0.1:5353", "[::1]:53"); null: the system's resolver. */
  servers: string[] | null;
  timeoutMs: number;
}

/** What these functions reach; the running app's by default, a test's own in tests. */
export interface EmailDomainDeps {
  control: ControlDb;
  useTenant: <T>(tenantId: string, fn: (db: TenantDb) => Promise<T>) => Promise<T>;
  dns: DnsSettings;
  /** Names no one can own on the internet (acme.test, *.localhost) are accepted outside production only. */
  allowReservedNames: boolean;
}

export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

function appDeps(): EmailDomainDeps {
  const p = platform();
  return {
    control: p.control,
    useTenant: withTenantDb,
    dns: { servers: parseDnsServers(p.env.PORTICO_DNS_SERVERS), timeoutMs: DNS_TIMEOUT_MS },
    allowReservedNames: process.env.NODE_ENV !== "production",
  };
}

/** Top-level names reserved for tests, documentation and private networks (RFC 2606, 6761, 6762, 7686, 8375). */
const RESERVED = ["localhost", "local", "test", "example", "invalid", "internal", "onion", "arpa", "lan", "home"];

/**
 * A domain as people type it ("Acme.COM.", "@acme.com", "bücher.example") in the form it is stored
 * and compared in: lower case, ASCII (punycode), no trailing dot. Refuses, with what to do, an
 * address, a port, an IP, a single label and (in production) names reserved from the internet.
 */
export function normaliseEmailDomain(raw: unknown, allowReservedNames: boolean): string {
  const typed = typeof raw === "string" ? raw.trim().replace(/^@/, "") : "";
  if (!typed) throw new EmailDomainRefused("Enter a domain, e.g. acme.com.");
  if (typed.includes("@")) throw new EmailDomainRefused("Enter the domain alone, the part after the @, e.g. acme.com.");
  if (typed.includes(":") && !typed.startsWith("[") && isIP(typed) === 0)
    throw new EmailDomainRefused("Enter the domain without a port or scheme, e.g. acme.com.");
  if (isIP(typed) !== 0 || typed.startsWith("["))
    throw new EmailDomainRefused("Enter a domain name, not an IP address, e.g. acme.com.");
  const domain = normaliseHost(typed);
  if (!domain)
    throw new EmailDomainRefused(`"${typed.slice(0, 80)}" is not a domain name. Enter one such as acme.com.`);
  if (isIP(domain) !== 0) throw new EmailDomainRefused("Enter a domain name, not an IP address, e.g. acme.com.");
  const labels = domain.split(".");
  const top = labels[labels.length - 1]!;
  if (labels.length < 2 || !/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(top))
    throw new EmailDomainRefused(
      `Enter the whole domain, e.g. acme.com: "${domain}" is not one that can be registered.`,
    );
  if (!allowReservedNames && RESERVED.includes(top))
    throw new EmailDomainRefused(
      `${domain} is a reserved name that no one can own on the internet; enter your organisation's domain.`,
    );
  return domain;
}

/** The domain of an email address, normalised as stored; null when there is none. */
export function emailDomainOf(email: string): string | null {
  const at = email.lastIndexOf("@");
  if (at < 1 || at === email.length - 1) return null;
  return normaliseHost(email.slice(at + 1));
}

/** The TXT record that proves a domain for one tenant: where, and its exact value. */
export function verificationRecord(domain: string, token: string): { name: string; value: string } {
  return { name: `${TXT_LABEL}.${domain}`, value: `${TXT_PREFIX}${token}` };
}

export interface EmailDomainView {
  id: string;
  domain: string;
  verified: boolean;
  method: "dns" | "agency" | null;
  verifiedAt: Date | null;
  verifiedBy: string | null;
  createdAt: Date;
  createdBy: string;
  lastCheckedAt: Date | null;
  lastCheckError: string | null;
  record: { name: string; value: string };
}

type Row = Awaited<ReturnType<TenantDb["emailDomain"]["findMany"]>>[number];

function view(row: Row): EmailDomainView {
  return {
    id: row.id,
    domain: row.domain,
    verified: row.verifiedAt !== null,
    method: row.method === "dns" || row.method === "agency" ? row.method : null,
    verifiedAt: row.verifiedAt,
    verifiedBy: row.verifiedBy,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    lastCheckedAt: row.lastCheckedAt,
    lastCheckError: row.lastCheckError,
    record: verificationRecord(row.domain, row.token),
  };
}

/** Every domain of one tenant database, oldest first; read only through the checked functions below. */
async function listEmailDomains(db: TenantDb): Promise<EmailDomainView[]> {
  const rows = await db.emailDomain.findMany({ orderBy: [{ createdAt: "asc" }, { domain: "asc" }] });
  return rows.map(view);
}

/** The portal's domains as its owners see them on /manage/domains; anyone else: 403. */
export async function tenantEmailDomains(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  deps: EmailDomainDeps = appDeps(),
): Promise<EmailDomainView[]> {
  assertTenantRole(viewer, tenant, "owner");
  return deps.useTenant(tenant.id, listEmailDomains);
}

/** A tenant's domains on the agency's tenant page: agency owners only (they alone may confirm one); others 403. */
export async function agencyEmailDomains(
  viewer: AgencyUser,
  tenantId: string,
  deps: Pick<EmailDomainDeps, "useTenant"> = appDeps(),
): Promise<EmailDomainView[]> {
  assertAgencyRole(viewer, "owner");
  return deps.useTenant(tenantId, listEmailDomains);
}

/**
 * The policy's question: is this address's (or this) domain one the tenant has verified? Only a
 * verified row counts; a domain added but never proven is the same as none.
 */
export async function isVerifiedDomain(db: TenantDb, emailOrDomain: string): Promise<boolean> {
  return (await verifiedDomainFor(db, emailOrDomain)) !== null;
}

/** The verified domain an address (or a domain) falls under, exactly (subdomains are domains of their own). */
export async function verifiedDomainFor(
  db: TenantDb,
  emailOrDomain: string,
): Promise<{ domain: string; method: "dns" | "agency"; verifiedAt: Date } | null> {
  const domain = emailOrDomain.includes("@") ? emailDomainOf(emailOrDomain) : normaliseHost(emailOrDomain);
  if (!domain) return null;
  const row = await db.emailDomain.findFirst({
    where: { domain, verifiedAt: { not: null } },
    select: { domain: true, method: true, verifiedAt: true },
  });
  if (!row?.verifiedAt || (row.method !== "dns" && row.method !== "agency")) return null;
  return { domain: row.domain, method: row.method, verifiedAt: row.verifiedAt };
}

const tenantActor = (user: TenantUser): AuditActor => ({ type: "tenant-user", id: user.id, label: user.email });
const agencyActor = (user: AgencyUser): AuditActor => ({ type: "agency-user", id: user.id, label: user.email });

type Tx = Parameters<Parameters<TenantDb["$transaction"]>[0]>[0];

/** Creates a row under a table lock, so two owners adding at once cannot pass the limit or the same name twice. */
async function insertDomain(
  tx: Tx,
  domain: string,
  by: string,
  verified: { method: "agency"; by: string } | null,
): Promise<Row> {
  await tx.$executeRaw`LOCK TABLE "EmailDomain" IN SHARE ROW EXCLUSIVE MODE`;
  if ((await tx.emailDomain.count()) >= EMAIL_DOMAIN_LIMIT)
    throw new EmailDomainRefused(
      `A portal can list at most ${EMAIL_DOMAIN_LIMIT} email domains. Remove one you no longer use first.`,
    );
  return tx.emailDomain.create({
    data: {
      domain,
      token: generateToken(),
      createdBy: by,
      ...(verified ? { verifiedAt: new Date(), method: verified.method, verifiedBy: verified.by } : {}),
    },
  });
}

/** A tenant owner adds a domain; it starts unverified, with its own token. Audited. */
export async function addEmailDomain(
  tenant: ResolvedTenant,
  user: TenantUser,
  rawDomain: unknown,
  from: RequestOrigin,
  deps: EmailDomainDeps = appDeps(),
): Promise<EmailDomainView> {
  assertTenantRole(user, tenant, "owner");
  const domain = normaliseEmailDomain(rawDomain, deps.allowReservedNames);
  const row = await deps.useTenant(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      if (await tx.emailDomain.findUnique({ where: { domain }, select: { id: true } }))
        throw new EmailDomainRefused(`${domain} is already on the list.`);
      return insertDomain(tx, domain, user.email, null);
    }),
  );
  await appendAudit(deps.control, {
    actor: tenantActor(user),
    action: "email-domain.add",
    tenantId: tenant.id,
    ...from,
    details: { domain },
  });
  return view(row);
}

/** Removes a domain (verified or not): it stops counting at once. Audited. */
export async function removeEmailDomain(
  tenant: ResolvedTenant,
  user: TenantUser,
  id: unknown,
  from: RequestOrigin,
  deps: EmailDomainDeps = appDeps(),
): Promise<{ domain: string }> {
  assertTenantRole(user, tenant, "owner");
  const rowId = z.string().uuid().safeParse(id);
  if (!rowId.success) throw new EmailDomainRefused("That domain is no longer on the list.");
  const removed = await deps.useTenant(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      const row = await tx.emailDomain.findUnique({ where: { id: rowId.data }, select: { domain: true } });
      if (row) await tx.emailDomain.deleteMany({ where: { id: rowId.data } });
      return row;
    }),
  );
  if (!removed) throw new EmailDomainRefused("That domain is no longer on the list.");
  await appendAudit(deps.control, {
    actor: tenantActor(user),
    action: "email-domain.remove",
    tenantId: tenant.id,
    ...from,
    details: { domain: removed.domain },
  });
  return { domain: removed.domain };
}

export type DnsOutcome =
  { ok: true } | { ok: false; reason: "nxdomain" | "no-record" | "wrong-value" | "timeout" | "error"; message: string };

const TRY_AGAIN = "and try again; DNS changes can take a while.";

/**
 * Looks up the TXT record that proves `domain` for the holder of `token`, through the configured
 * resolver. Only a record whose whole value (its strings joined, as DNS splits long values) is
 * exactly this token's counts: a prefix, another tenant's token or a near miss does not.
 */
export async function checkVerificationRecord(domain: string, token: string, dns: DnsSettings): Promise<DnsOutcome> {
  const { name, value } = verificationRecord(domain, token);
  const publish = `Publish TXT ${value} at ${name}`;
  const resolver = new Resolver({ timeout: Math.max(50, Math.floor(dns.timeoutMs / 2)), tries: 2 });
  if (dns.servers) resolver.setServers(dns.servers);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      resolver.cancel();
      reject(Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" }));
    }, dns.timeoutMs);
  });
  let records: string[][];
  try {
    records = await Promise.race([resolver.resolveTxt(name), deadline]);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code === "ENOTFOUND")
      return { ok: false, reason: "nxdomain", message: `No DNS name ${name} exists yet. ${publish} ${TRY_AGAIN}` };
    if (code === "ENODATA")
      return { ok: false, reason: "no-record", message: `${name} has no TXT record yet. ${publish} ${TRY_AGAIN}` };
    if (code === "ETIMEOUT" || code === "ECANCELLED")
      return {
        ok: false,
        reason: "timeout",
        message: `DNS did not answer in time while looking up ${name}. ${publish} ${TRY_AGAIN}`,
      };
    return {
      ok: false,
      reason: "error",
      message: `DNS could not look up ${name} (${code || "no answer"}). ${publish} ${TRY_AGAIN}`,
    };
  } finally {
    clearTimeout(timer);
  }
  if (records.some((chunks) => chunks.join("") === value)) return { ok: true };
  return {
    ok: false,
    reason: "wrong-value",
    message: `The TXT records at ${name} do not hold this portal's value. ${publish} ${TRY_AGAIN}`,
  };
}

/**
 * "Check now": looks the record up and, when it holds this row's token, marks the domain verified
 * by DNS (audited). A failed check is kept on the row (what was found, when) and answered as a
 * refusal with what to publish. A verified domain stays verified.
 */
export async function checkEmailDomain(
  tenant: ResolvedTenant,
  user: TenantUser,
  id: unknown,
  from: RequestOrigin,
  deps: EmailDomainDeps = appDeps(),
): Promise<EmailDomainView> {
  assertTenantRole(user, tenant, "owner");
  const rowId = z.string().uuid().safeParse(id);
  if (!rowId.success) throw new EmailDomainRefused("That domain is no longer on the list.");
  const row = await deps.useTenant(tenant.id, (db) => db.emailDomain.findUnique({ where: { id: rowId.data } }));
  if (!row) throw new EmailDomainRefused("That domain is no longer on the list.");
  if (row.verifiedAt) return view(row);
  const outcome = await checkVerificationRecord(row.domain, row.token, deps.dns);
  const now = new Date();
  if (!outcome.ok) {
    await deps.useTenant(tenant.id, (db) =>
      db.emailDomain.updateMany({
        where: { id: row.id, verifiedAt: null },
        data: { lastCheckedAt: now, lastCheckError: outcome.message.slice(0, 500) },
      }),
    );
    throw new EmailDomainRefused(outcome.message);
  }
  const updated = await deps.useTenant(tenant.id, async (db) => {
    await db.emailDomain.updateMany({
      where: { id: row.id, verifiedAt: null },
      data: { verifiedAt: now, method: "dns", verifiedBy: user.email, lastCheckedAt: now, lastCheckError: null },
    });
    return db.emailDomain.findUnique({ where: { id: row.id } });
  });
  if (!updated) throw new EmailDomainRefused("That domain is no longer on the list.");
  await appendAudit(deps.control, {
    actor: tenantActor(user),
    action: "email-domain.verify",
    tenantId: tenant.id,
    ...from,
    details: { domain: row.domain, method: "dns" },
  });
  return view(updated);
}

const confirmInput = z.object({
  reason: z
    .string({ error: "Say why (at least 5 characters): it goes into the audit log." })
    .trim()
    .min(5, "Say why (at least 5 characters): it goes into the audit log.")
    .max(200, "Keep the reason under 200 characters."),
});

/**
 * An agency owner confirms a tenant's email domain without DNS (a client who cannot publish a
 * record, or whose IT confirmed ownership another way). Owners only, with a typed reason: an
 * operator's or viewer's attempt is refused and audited. Adds the domain when the tenant has not.
 */
export async function confirmEmailDomainByAgency(
  actor: AgencyUser,
  tenant: { id: string; slug: string; status: string },
  raw: { domain: unknown; reason: unknown },
  from: RequestOrigin,
  deps: EmailDomainDeps = appDeps(),
): Promise<EmailDomainView> {
  if (actor.role !== "owner") {
    await appendAudit(deps.control, {
      actor: agencyActor(actor),
      action: "email-domain.confirm-refused",
      tenantId: tenant.id,
      ...from,
      details: { why: `role ${actor.role} may not confirm email domains` },
    });
    throw new EmailDomainRefused("Only agency owners can confirm a tenant's email domain.");
  }
  if (tenant.status !== "active" && tenant.status !== "suspended")
    throw new EmailDomainRefused(`${tenant.slug} is ${tenant.status}: its email domains cannot be changed.`);
  const domain = normaliseEmailDomain(raw.domain, deps.allowReservedNames);
  const parsed = confirmInput.safeParse({ reason: raw.reason });
  if (!parsed.success) throw new EmailDomainRefused(parsed.error.issues[0]?.message ?? "Say why.");
  const row = await deps.useTenant(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      const existing = await tx.emailDomain.findUnique({ where: { domain } });
      if (existing?.verifiedAt) throw new EmailDomainRefused(`${domain} is already verified.`);
      if (!existing) return insertDomain(tx, domain, actor.email, { method: "agency", by: actor.email });
      return tx.emailDomain.update({
        where: { id: existing.id },
        data: { verifiedAt: new Date(), method: "agency", verifiedBy: actor.email, lastCheckError: null },
      });
    }),
  );
  await appendAudit(deps.control, {
    actor: agencyActor(actor),
    action: "email-domain.confirm",
    tenantId: tenant.id,
    ...from,
    details: { domain, method: "agency", reason: parsed.data.reason },
  });
  return view(row);
}

import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EMAIL_DOMAIN_LIMIT,
  addEmailDomain,
  agencyEmailDomains,
  checkEmailDomain,
  confirmEmailDomainByAgency,
  isVerifiedDomain,
  removeEmailDomain,
  tenantEmailDomains,
  verifiedDomainFor,
  type EmailDomainDeps,
} from "../../lib/auth/email-domains.server.ts";
import type { AgencyUser } from "../../lib/auth/agency-guard.server.ts";
import type { TenantUser } from "../../lib/auth/tenant-guard.server.ts";
import { markVerified } from "../../lib/auth/verified.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { withClient, withDatabase } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl, type TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { startTestDns, type TestDns } from "../support/dns-server.ts";
import { navigationDigest } from "../support/request-scope.ts";
import { tenantViewer } from "../support/viewers.ts";

/**
 * Verified email domains (docs/decisions/044) against real tenant databases, a real control plane
 * and a real DNS server on a loopback port that answers what each test publishes.
 */
let cp: TestControlPlane;
let dns: TestDns;
let silent: dgram.Socket;
const dbs = new Map<string, PooledClient<TenantDb>>();
type Portal = { tenant: ResolvedTenant; db: TenantDb; owner: TenantUser; admin: TenantUser; staff: TenantUser };
let alpha: Portal;
let beta: Portal;
const from = { ip: "198.51.100.7", userAgent: "vitest" };
let run = 0;
/** A fresh domain per test, so no test sees another's rows or records. */
const fresh = () => `d${++run}-${cp.tag}.example.com`.toLowerCase();

const deps = (over: Partial<EmailDomainDeps> = {}): EmailDomainDeps => ({
  control: cp.deps.control,
  useTenant: <T>(tenantId: string, fn: (db: TenantDb) => Promise<T>) => fn(dbs.get(tenantId)!.client),
  dns: { servers: [dns.address], timeoutMs: 3_000 },
  // The production rules: reserved names (acme.test, *.localhost) are refused.
  allowReservedNames: false,
  ...over,
});

async function portal(base: string): Promise<Portal> {
  const slug = cp.slug(base);
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({
      slug,
      name: base,
      theme: FALLBACK_THEME,
      demo: {
        users: [
          { email: `owner@${base}.example`, name: "Olu", role: "owner" },
          { email: `admin@${base}.example`, name: "Ada", role: "admin" },
          { email: `staff@${base}.example`, name: "Sid", role: "staff" },
        ],
      },
    }),
    { mode: "create" },
  );
  const pooled = await openTenantDb(cp, tenantId, `${base}-domains`);
  dbs.set(tenantId, pooled);
  const user = async (email: string) => {
    const u = await pooled.client.user.findUniqueOrThrow({ where: { email } });
    // Stands in for the guard, which verifies a signed-in user from the request's session.
    return tenantViewer(tenantId, { id: u.id, email: u.email, name: u.name, role: u.role });
  };
  // Only the id matters to the checks here (assertTenantRole and the tenant's database).
  const tenant = { id: tenantId, slug, status: "active" } as ResolvedTenant;
  return {
    tenant,
    db: pooled.client,
    owner: await user(`owner@${base}.example`),
    admin: await user(`admin@${base}.example`),
    staff: await user(`staff@${base}.example`),
  };
}

async function agencyUser(role: AgencyUser["role"]): Promise<AgencyUser> {
  const u = await cp.deps.control.agencyUser.create({
    data: { email: `${role}-${++run}@agency.example`, name: role, role },
  });
  return markVerified({ id: u.id, email: u.email, name: u.name, role });
}

const audit = (tenantId: string, action: string) =>
  cp.deps.control.auditEntry.findMany({
    where: { tenantId, action },
    orderBy: { id: "asc" },
    select: { actorLabel: true, details: true },
  });

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: Error) => error.message,
  );

beforeAll(async () => {
  // next.config.mjs turns on forbidden() (experimental.authInterrupts); Next.js reads it from here.
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  dns = await startTestDns();
  // A "DNS server" that reads every question and never answers.
  silent = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
  alpha = await portal("alpha");
  beta = await portal("beta");
});
afterAll(async () => {
  silent?.close();
  await dns?.close();
  for (const pooled of dbs.values()) await pooled.close();
  await cp?.cleanup();
});

describe("checking a domain by DNS", () => {
  it("verifies a domain whose TXT record holds this tenant's token, and audits it (positive control)", async () => {
    const domain = fresh();
    const added = await addEmailDomain(alpha.tenant, alpha.owner, ` ${domain.toUpperCase()}. `, from, deps());
    expect(added).toMatchObject({ domain, verified: false, method: null });
    expect(added.record).toEqual({
      name: `_portico-verification.${domain}`,
      value: expect.stringMatching(/^portico-verification=[A-Za-z0-9_-]{43}$/),
    });
    // Unverified: the policy's question answers "none", as for an address without a domain.
    expect(await isVerifiedDomain(alpha.db, `jo@${domain}`)).toBe(false);
    expect(await verifiedDomainFor(alpha.db, `jo@${domain}`)).toBeNull();
    expect(await verifiedDomainFor(alpha.db, "jo@")).toBeNull();

    dns.publish(added.record.name, ["v=spf1 -all"], [added.record.value]);
    const checked = await checkEmailDomain(alpha.tenant, alpha.owner, added.id, from, deps());
    expect(checked).toMatchObject({ domain, verified: true, method: "dns", verifiedBy: alpha.owner.email });
    expect(checked.lastCheckError).toBeNull();
    expect(await isVerifiedDomain(alpha.db, `Jo@${domain.toUpperCase()}`)).toBe(true);
    expect(await isVerifiedDomain(alpha.db, domain)).toBe(true);
    expect(await verifiedDomainFor(alpha.db, `jo@${domain}`)).toMatchObject({ domain, method: "dns" });
    // A subdomain is a domain of its own.
    expect(await isVerifiedDomain(alpha.db, `jo@eu.${domain}`)).toBe(false);
    expect(await audit(alpha.tenant.id, "email-domain.add")).toContainEqual({
      actorLabel: alpha.owner.email,
      details: { domain },
    });
    expect(await audit(alpha.tenant.id, "email-domain.verify")).toContainEqual({
      actorLabel: alpha.owner.email,
      details: { domain, method: "dns" },
    });
  });

  it("a long value split into several strings (as DNS stores it) counts once joined", async () => {
    const added = await addEmailDomain(alpha.tenant, alpha.owner, fresh(), from, deps());
    const { name, value } = added.record;
    dns.publish(name, [value.slice(0, 30), value.slice(30)]);
    expect((await checkEmailDomain(alpha.tenant, alpha.owner, added.id, from, deps())).verified).toBe(true);
  });

  it("two tenants claiming one domain each need their own token: another tenant's record proves nothing", async () => {
    const domain = fresh();
    const a = await addEmailDomain(alpha.tenant, alpha.owner, domain, from, deps());
    const b = await addEmailDomain(beta.tenant, beta.owner, domain, from, deps());
    expect(a.record.name).toBe(b.record.name);
    expect(a.record.value).not.toBe(b.record.value);

    // Only beta's record is published: beta verifies, alpha is refused.
    dns.publish(b.record.name, [b.record.value]);
    expect(await refusal(checkEmailDomain(alpha.tenant, alpha.owner, a.id, from, deps()))).toBe(
      `The TXT records at ${a.record.name} do not hold this portal's value. Publish TXT ${a.record.value} at ${a.record.name} and try again; DNS changes can take a while.`,
    );
    expect(await isVerifiedDomain(alpha.db, `x@${domain}`)).toBe(false);
    expect((await checkEmailDomain(beta.tenant, beta.owner, b.id, from, deps())).verified).toBe(true);
    expect(await isVerifiedDomain(beta.db, `x@${domain}`)).toBe(true);
    // The failure is kept on alpha's row, for its page to show.
    const [row] = (await tenantEmailDomains(alpha.tenant, alpha.owner, deps())).filter((d) => d.id === a.id);
    expect(row).toMatchObject({ verified: false, lastCheckError: expect.stringMatching(/do not hold/) });
    expect(row!.lastCheckedAt).toBeInstanceOf(Date);

    // Both records published (the domain's owner uses both portals): alpha verifies too.
    dns.publish(a.record.name, [b.record.value], [a.record.value]);
    expect((await checkEmailDomain(alpha.tenant, alpha.owner, a.id, from, deps())).verified).toBe(true);
  });

  it("refuses near misses of the right value: a prefix, an extension, another case, spaces, the bare token", async () => {
    const added = await addEmailDomain(alpha.tenant, alpha.owner, fresh(), from, deps());
    const { name, value } = added.record;
    const token = value.slice("portico-verification=".length);
    const misses = [
      value.slice(0, -1),
      `${value}x`,
      value.replace("portico-verification", "Portico-Verification"),
      ` ${value}`,
      token,
      `portico-verification: ${token}`,
    ];
    for (const miss of misses) {
      dns.publish(name, [miss]);
      expect(await refusal(checkEmailDomain(alpha.tenant, alpha.owner, added.id, from, deps())), miss).toMatch(
        /^The TXT records at .* do not hold this portal's value\. Publish TXT portico-verification=/,
      );
    }
    expect(await isVerifiedDomain(alpha.db, name.slice("_portico-verification.".length))).toBe(false);
    // Positive control: the exact value, from the same server, verifies.
    dns.publish(name, [value]);
    expect((await checkEmailDomain(alpha.tenant, alpha.owner, added.id, from, deps())).verified).toBe(true);
  });

  it("says what to publish when the name does not exist (NXDOMAIN) or holds no TXT record", async () => {
    const nx = await addEmailDomain(alpha.tenant, alpha.owner, fresh(), from, deps());
    expect(await refusal(checkEmailDomain(alpha.tenant, alpha.owner, nx.id, from, deps()))).toBe(
      `No DNS name ${nx.record.name} exists yet. Publish TXT ${nx.record.value} at ${nx.record.name} and try again; DNS changes can take a while.`,
    );
    const empty = await addEmailDomain(alpha.tenant, alpha.owner, fresh(), from, deps());
    dns.publish(empty.record.name);
    expect(await refusal(checkEmailDomain(alpha.tenant, alpha.owner, empty.id, from, deps()))).toBe(
      `${empty.record.name} has no TXT record yet. Publish TXT ${empty.record.value} at ${empty.record.name} and try again; DNS changes can take a while.`,
    );
    expect(dns.questions).toContain(`${nx.record.name}:TXT`);
    expect(await isVerifiedDomain(alpha.db, nx.domain)).toBe(false);
    expect(await isVerifiedDomain(alpha.db, empty.domain)).toBe(false);
    expect(await audit(alpha.tenant.id, "email-domain.verify")).not.toContainEqual(
      expect.objectContaining({ details: expect.objectContaining({ domain: nx.domain }) }),
    );
  });

  it("gives up on a resolver that does not answer, with the same advice", async () => {
    const added = await addEmailDomain(alpha.tenant, alpha.owner, fresh(), from, deps());
    dns.publish(added.record.name, [added.record.value]);
    const { port } = silent.address();
    const mute = deps({ dns: { servers: [`127.0.0.1:${port}`], timeoutMs: 600 } });
    expect(await refusal(checkEmailDomain(alpha.tenant, alpha.owner, added.id, from, mute))).toBe(
      `DNS did not answer in time while looking up ${added.record.name}. Publish TXT ${added.record.value} at ${added.record.name} and try again; DNS changes can take a while.`,
    );
    expect(await isVerifiedDomain(alpha.db, added.domain)).toBe(false);
    // Positive control: the same record through the answering server verifies.
    expect((await checkEmailDomain(alpha.tenant, alpha.owner, added.id, from, deps())).verified).toBe(true);
  });
});

describe("the list of domains", () => {
  it("normalises what is typed and refuses what is not a registrable domain, saying what to enter", async () => {
    const typed = await addEmailDomain(alpha.tenant, alpha.owner, "@Bücher-" + cp.tag + ".Example.COM.", from, deps());
    expect(typed.domain).toMatch(/^xn--bcher-.*\.example\.com$/);
    const refusals: Array<[string, RegExp]> = [
      ["", /Enter a domain/],
      ["jo@acme.com", /the part after the @/],
      ["acme.com:443", /without a port/],
      ["192.0.2.1", /not an IP address/],
      ["[2001:db8::1]", /not an IP address/],
      ["intranet", /Enter the whole domain/],
      ["acme.123", /is not a domain name/],
      ["acme.c", /Enter the whole domain/],
      ["acme.test", /reserved name/],
      ["portal.localhost", /reserved name/],
      ["acme..com", /is not a domain name/],
      ["acme_corp.com", /is not a domain name/],
    ];
    for (const [input, message] of refusals)
      expect(await refusal(addEmailDomain(alpha.tenant, alpha.owner, input, from, deps())), input).toMatch(message);
    expect(await refusal(addEmailDomain(alpha.tenant, alpha.owner, typed.domain, from, deps()))).toBe(
      `${typed.domain} is already on the list.`,
    );
    // Development and tests may use reserved names (acme.test).
    const dev = await addEmailDomain(
      alpha.tenant,
      alpha.owner,
      `${cp.tag}.test`,
      from,
      deps({ allowReservedNames: true }),
    );
    expect(dev.domain).toBe(`${cp.tag}.test`);
  });

  it("is for the portal's owners: admins and staff are refused (403), on reading as on every change", async () => {
    const forbidden = async (p: Promise<unknown>) =>
      navigationDigest(
        await p.then(
          () => null,
          (error: unknown) => error,
        ),
      );
    const row = await addEmailDomain(alpha.tenant, alpha.owner, fresh(), from, deps());
    dns.publish(row.record.name, [row.record.value]);
    for (const user of [alpha.admin, alpha.staff]) {
      expect(await forbidden(tenantEmailDomains(alpha.tenant, user, deps())), user.role).toBe(
        "NEXT_HTTP_ERROR_FALLBACK;403",
      );
      expect(await forbidden(addEmailDomain(alpha.tenant, user, fresh(), from, deps())), user.role).toBe(
        "NEXT_HTTP_ERROR_FALLBACK;403",
      );
      expect(await forbidden(checkEmailDomain(alpha.tenant, user, row.id, from, deps())), user.role).toBe(
        "NEXT_HTTP_ERROR_FALLBACK;403",
      );
      expect(await forbidden(removeEmailDomain(alpha.tenant, user, row.id, from, deps())), user.role).toBe(
        "NEXT_HTTP_ERROR_FALLBACK;403",
      );
    }
    // Another tenant's owner is refused too: the viewer must belong to this tenant.
    expect(await forbidden(tenantEmailDomains(alpha.tenant, beta.owner, deps()))).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(await forbidden(checkEmailDomain(alpha.tenant, beta.owner, row.id, from, deps()))).toBe(
      "NEXT_HTTP_ERROR_FALLBACK;403",
    );
    // Nothing the refused did took effect: the row is there, unverified, its record unchecked.
    expect(await isVerifiedDomain(alpha.db, row.domain)).toBe(false);
    // Positive control: the owner reads the list, the row still there, and verifies it.
    expect((await tenantEmailDomains(alpha.tenant, alpha.owner, deps())).map((d) => d.id)).toContain(row.id);
    expect((await checkEmailDomain(alpha.tenant, alpha.owner, row.id, from, deps())).verified).toBe(true);
  });

  it("removes a domain, verified or not: it stops counting at once, and the removal is audited", async () => {
    const added = await addEmailDomain(beta.tenant, beta.owner, fresh(), from, deps());
    dns.publish(added.record.name, [added.record.value]);
    await checkEmailDomain(beta.tenant, beta.owner, added.id, from, deps());
    expect(await isVerifiedDomain(beta.db, added.domain)).toBe(true);
    expect(await removeEmailDomain(beta.tenant, beta.owner, added.id, from, deps())).toEqual({ domain: added.domain });
    expect(await isVerifiedDomain(beta.db, added.domain)).toBe(false);
    expect(await audit(beta.tenant.id, "email-domain.remove")).toContainEqual({
      actorLabel: beta.owner.email,
      details: { domain: added.domain },
    });
    expect(await refusal(removeEmailDomain(beta.tenant, beta.owner, added.id, from, deps()))).toBe(
      "That domain is no longer on the list.",
    );
    // Added again, it has a new token: the old record no longer proves it.
    const again = await addEmailDomain(beta.tenant, beta.owner, added.domain, from, deps());
    expect(again.record.value).not.toBe(added.record.value);
    expect(await refusal(checkEmailDomain(beta.tenant, beta.owner, again.id, from, deps()))).toMatch(/do not hold/);
  });

  it(`holds at most ${EMAIL_DOMAIN_LIMIT} domains per portal`, async () => {
    const portalC = await portal("gamma");
    for (let i = 0; i < EMAIL_DOMAIN_LIMIT; i++)
      await addEmailDomain(portalC.tenant, portalC.owner, fresh(), from, deps());
    expect(await refusal(addEmailDomain(portalC.tenant, portalC.owner, fresh(), from, deps()))).toBe(
      `A portal can list at most ${EMAIL_DOMAIN_LIMIT} email domains. Remove one you no longer use first.`,
    );
    expect(await portalC.db.emailDomain.count()).toBe(EMAIL_DOMAIN_LIMIT);
  });
});

describe("an agency owner's confirmation", () => {
  it("verifies without DNS, owners only, with a reason; refusals and confirmations are audited", async () => {
    const pendingRow = await addEmailDomain(alpha.tenant, alpha.owner, fresh(), from, deps());
    const tenant = { id: alpha.tenant.id, slug: alpha.tenant.slug, status: "active" };
    for (const role of ["viewer", "operator"] as const) {
      const user = await agencyUser(role);
      expect(
        await refusal(
          confirmEmailDomainByAgency(user, tenant, { domain: pendingRow.domain, reason: "ticket 42" }, from, deps()),
        ),
      ).toBe("Only agency owners can confirm a tenant's email domain.");
    }
    expect(await audit(alpha.tenant.id, "email-domain.confirm-refused")).toHaveLength(2);
    expect(await isVerifiedDomain(alpha.db, pendingRow.domain)).toBe(false);

    const owner = await agencyUser("owner");
    expect(
      await refusal(
        confirmEmailDomainByAgency(owner, tenant, { domain: pendingRow.domain, reason: "ok" }, from, deps()),
      ),
    ).toMatch(/Say why \(at least 5 characters\)/);
    expect(await isVerifiedDomain(alpha.db, pendingRow.domain)).toBe(false);

    // Positive control: the owner, with a reason, verifies the pending row (no DNS record exists).
    const confirmed = await confirmEmailDomainByAgency(
      owner,
      tenant,
      { domain: pendingRow.domain.toUpperCase(), reason: "ticket 42: signed letter from their IT" },
      from,
      deps(),
    );
    expect(confirmed).toMatchObject({ id: pendingRow.id, verified: true, method: "agency", verifiedBy: owner.email });
    expect(await verifiedDomainFor(alpha.db, `jo@${pendingRow.domain}`)).toMatchObject({ method: "agency" });
    expect(await audit(alpha.tenant.id, "email-domain.confirm")).toContainEqual({
      actorLabel: owner.email,
      details: { domain: pendingRow.domain, method: "agency", reason: "ticket 42: signed letter from their IT" },
    });
    expect(
      await refusal(
        confirmEmailDomainByAgency(owner, tenant, { domain: pendingRow.domain, reason: "once more" }, from, deps()),
      ),
    ).toBe(`${pendingRow.domain} is already verified.`);

    // A domain the tenant never added is added and verified at once, by the owner.
    const domain = fresh();
    const added = await confirmEmailDomainByAgency(
      owner,
      tenant,
      { domain, reason: "migration of Acme" },
      from,
      deps(),
    );
    expect(added).toMatchObject({ domain, verified: true, createdBy: owner.email });
    expect(await isVerifiedDomain(alpha.db, domain)).toBe(true);
    // Only in that tenant: the other tenant's database knows nothing of it.
    expect(await isVerifiedDomain(beta.db, domain)).toBe(false);
  });

  it("lists a tenant's domains to agency owners only: operators and viewers get 403", async () => {
    const row = await addEmailDomain(beta.tenant, beta.owner, fresh(), from, deps());
    for (const role of ["viewer", "operator"] as const) {
      const refused = await agencyEmailDomains(await agencyUser(role), beta.tenant.id, deps()).then(
        () => null,
        (error: unknown) => navigationDigest(error),
      );
      expect(refused, role).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    }
    // Positive control: an owner reads the same list, the row there, unverified.
    const listed = await agencyEmailDomains(await agencyUser("owner"), beta.tenant.id, deps());
    expect(listed.find((d) => d.id === row.id)).toMatchObject({ domain: row.domain, verified: false });
  });

  it("is refused for a tenant that is not live", async () => {
    const owner = await agencyUser("owner");
    expect(
      await refusal(
        confirmEmailDomainByAgency(
          owner,
          { id: alpha.tenant.id, slug: alpha.tenant.slug, status: "offboarded" },
          { domain: fresh(), reason: "ticket 43" },
          from,
          deps(),
        ),
      ),
    ).toMatch(/is offboarded: its email domains cannot be changed/);
  });
});

describe("who can reach the table", () => {
  it("the tenant's own role owns EmailDomain, with no grant to anyone; another tenant's role is refused", async () => {
    const alphaUrl = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, alpha.tenant.id);
    const betaUrl = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, beta.tenant.id);
    const alphaRole = decodeURIComponent(new URL(alphaUrl).username);
    const { rows } = await withClient(alphaUrl, (c) =>
      c.query<{ owner: string; acl: string | null }>(
        `SELECT pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = 'EmailDomain'`,
      ),
    );
    // Owned by the role the web app uses for this tenant; no ACL: nobody else (nor PUBLIC) holds a grant.
    expect(rows).toEqual([{ owner: alphaRole, acl: null }]);
    // Positive control: alpha's role reads and writes its rows.
    const domain = fresh();
    await withClient(alphaUrl, async (c) => {
      await c.query(
        `INSERT INTO "EmailDomain" (id, domain, token, "createdBy") VALUES (gen_random_uuid(), $1, 't', 'x@y.z')`,
        [domain],
      );
      expect((await c.query(`SELECT domain FROM "EmailDomain" WHERE domain = $1`, [domain])).rows).toEqual([
        { domain },
      ]);
      await c.query(`DELETE FROM "EmailDomain" WHERE domain = $1`, [domain]);
    });
    // Beta's role, pointed at alpha's database, cannot even connect.
    const alphaDatabase = new URL(alphaUrl).pathname.slice(1);
    await expect(
      withClient(withDatabase(betaUrl, alphaDatabase), (c) => c.query(`SELECT domain FROM "EmailDomain"`)),
    ).rejects.toMatchObject({ code: "42501" });
  });
});

// First: it installs the AsyncLocalStorage Next.js's request stores need.
import { inRequest } from "../support/request-scope.ts";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { Writable } from "node:stream";
import type { AuthOptions } from "next-auth";
import { decode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agencyAuthOptions } from "../../lib/auth/agency-options.server.ts";
import { createAgencyUserFromSso, agencySsoConfig } from "../../lib/auth/agency-sso.server.ts";
import {
  ConnectionFieldErrors,
  readOidcConnection,
  saveOidcConnection,
  setOidcEnabled,
} from "../../lib/auth/sso-connection.server.ts";
import { checkIdTokenClaims } from "../../lib/auth/sso-oidc.server.ts";
import { tenantAuthRouteOptions } from "../../lib/auth/tenant-options.server.ts";
import { parseEnv } from "../../lib/config/env.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { unseal } from "../../lib/db/keyring.server.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { freePort } from "../../lib/db/embedded.server.ts";
import { createLogger } from "../../lib/observability/logger.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { idpSignIn, startOidcIdp, type IdpUser, type TestIdp } from "../support/oidc-idp.ts";
import { installTestPlatform } from "../support/platform.ts";
import { agencyViewer, tenantViewer } from "../support/viewers.ts";
import { ssoSettingsForAdmin } from "../../lib/portal/settings.server.ts";
import { tenantSsoForAgency } from "../../lib/agency/tenant-detail.server.ts";

/**
 * OpenID Connect single sign-on per tenant (docs/decisions/042, security cases 70-73) against a
 * real `oidc-provider` serving two clients, tenant A's and tenant B's, and real tenant databases.
 * next-auth's own core (AuthHandler) runs each step with the options the auth route builds, and
 * the IdP's sign-in form is filled over HTTP as a browser would.
 */

let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let idp: TestIdp;
let a: ResolvedTenant;
let b: ResolvedTenant;
let dbA: PooledClient<TenantDb>;
const SECRET_A = "client-secret-of-tenant-a-Sentinel";
const SECRET_B = "client-secret-of-tenant-b-Sentinel";
const SECRET_AGENCY = "client-secret-of-the-agency-Sentinel";

const users: IdpUser[] = [
  {
    sub: "sub-nina",
    username: "nina",
    password: "nina-pw",
    email: "nina@corp.example",
    emailVerified: true,
    name: "Nina Staff",
    groups: ["portico-staff"],
  },
  {
    sub: "sub-olga",
    username: "olga",
    password: "olga-pw",
    email: "olga@corp.example",
    emailVerified: true,
    name: "Olga Existing",
    groups: [],
  },
  {
    sub: "sub-eve",
    username: "eve",
    password: "eve-pw",
    email: "eve@corp.example",
    emailVerified: false,
    name: "Eve Unverified",
    groups: [],
  },
  {
    // The same address as nina under another subject: another person to the provider.
    sub: "sub-nina-again",
    username: "nina2",
    password: "nina2-pw",
    email: "nina@corp.example",
    emailVerified: true,
    name: "Not Nina",
    groups: ["portico-admins"],
  },
  {
    sub: "sub-ops",
    username: "ops",
    password: "ops-pw",
    email: "ops@agency.example",
    emailVerified: true,
    name: "Opal Ops",
    groups: ["agency-ops"],
  },
  {
    sub: "sub-newbie",
    username: "newbie",
    password: "newbie-pw",
    email: "newbie@agency.example",
    emailVerified: true,
    name: "New Operator",
    groups: ["agency-ops"],
  },
];

/**
 * next-auth's own request handler, which its route handlers call with the request's parts. The
 * package does not export it by name (`next-auth/core`), so it is loaded from its file.
 */
type InternalResponse = {
  redirect?: string;
  body?: unknown;
  cookies?: Array<{ name: string; value: string; options?: { maxAge?: number } }>;
};
const { AuthHandler } = createRequire(import.meta.url)(path.resolve("node_modules/next-auth/core/index.js")) as {
  AuthHandler: (params: { req: unknown; options: AuthOptions }) => Promise<InternalResponse>;
};

const hostOf = (t: ResolvedTenant) => t.primaryHost;
const originOf = (host: string) => `http://${host}`;

beforeAll(async () => {
  process.env.AUTH_TRUST_HOST = "true";
  cp = await testControlPlane();
  for (const base of ["ssoa", "ssob"])
    await provisionTenant(cp.deps, parseTenantSpec({ slug: cp.slug(base), name: base, theme: FALLBACK_THEME }), {
      mode: "create",
      seed: false,
    });
  installed = installTestPlatform(cp);
  a = await installed.tenant(cp.slug("ssoa"));
  b = await installed.tenant(cp.slug("ssob"));
  dbA = await openTenantDb(cp, a.id, "sso-test");
  idp = await startOidcIdp({
    users,
    clients: [
      { clientId: "tenant-a", clientSecret: SECRET_A, redirectUris: [`${originOf(hostOf(a))}/api/auth/callback/oidc`] },
      { clientId: "tenant-b", clientSecret: SECRET_B, redirectUris: [`${originOf(hostOf(b))}/api/auth/callback/oidc`] },
      {
        clientId: "agency",
        clientSecret: SECRET_AGENCY,
        redirectUris: ["http://admin.localhost/api/auth/callback/oidc"],
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await idp?.close();
  await dbA?.close();
  await installed?.uninstall();
  await cp?.cleanup();
});

const connection = (clientId: string, clientSecret: string, extra: Record<string, string> = {}) => ({
  displayName: "Corp Login",
  issuer: idp.issuer,
  clientId,
  clientSecret,
  scopes: "openid email profile groups",
  roleClaim: "groups",
  roleMap: "portico-staff = staff\nportico-admins = admin",
  defaultRole: "member",
  ...extra,
});

const save = (tenant: ResolvedTenant, raw: unknown) =>
  saveOidcConnection(tenant.id, raw, { keyring: cp.deps.keyring, by: "owner@test.example" });

type Jar = Record<string, string>;

function addCookies(jar: Jar, cookies: Array<{ name: string; value: string; options?: { maxAge?: number } }> = []) {
  for (const c of cookies) {
    if (c.value === "" || c.options?.maxAge === 0) delete jar[c.name];
    else jar[c.name] = c.value;
  }
}

function request(host: string, jar: Jar, action: string, extra: Record<string, unknown> = {}) {
  return {
    action,
    method: "GET",
    headers: { host, "x-forwarded-proto": "http" },
    cookies: { ...jar },
    query: {},
    ...extra,
  } as never;
}

/** What the auth route hands next-auth for an SSO step on `tenant` (test: the admin running a test sign-in). */
async function routeOptions(tenant: ResolvedTenant, step: "signin" | "callback", testBy: string | null = null) {
  const { ssoTest: _test, ...options } = await tenantAuthRouteOptions(
    tenant,
    originOf(hostOf(tenant)),
    [step, "oidc"],
    async () => testBy,
  );
  return options as AuthOptions;
}

/** next-auth's sign-in start for the `oidc` provider: the IdP's authorization URL and the check cookies. */
async function startSignIn(options: () => Promise<AuthOptions>, host: string, jar: Jar): Promise<URL> {
  const csrf = await AuthHandler({ req: request(host, jar, "csrf"), options: await options() });
  addCookies(jar, csrf.cookies);
  const token = (csrf.body as { csrfToken: string }).csrfToken;
  const started = await AuthHandler({
    req: request(host, jar, "signin", {
      method: "POST",
      providerId: "oidc",
      body: { csrfToken: token, callbackUrl: `${originOf(host)}/account` },
    }),
    options: await options(),
  });
  addCookies(jar, started.cookies);
  expect(started.redirect, "the sign-in start sends the browser to the IdP").toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  return new URL(started.redirect!);
}

async function finishSignIn(options: () => Promise<AuthOptions>, host: string, jar: Jar, returned: URL) {
  // Inside a request as Next.js builds one: a sign-in writes its session row with the request's
  // address and browser (docs/decisions/041), as the auth route does.
  const resolved = await options();
  const done = await inRequest({ host }, () =>
    AuthHandler({
      req: request(host, jar, "callback", { providerId: "oidc", query: Object.fromEntries(returned.searchParams) }),
      options: resolved,
    }),
  );
  addCookies(jar, done.cookies);
  return done;
}

/** The session a response set, decoded with the realm's secret: its user id, or null when none was set. */
async function sessionUid(options: AuthOptions, jar: Jar): Promise<string | null> {
  const name = options.cookies?.sessionToken?.name ?? "";
  if (!jar[name]) return null;
  const token = await decode({ token: jar[name], secret: options.secret as string });
  return (token?.uid as string | undefined) ?? null;
}

/** A whole SSO sign-in on a tenant host as `username`: the redirect it ended with and the session's user. */
async function ssoSignIn(tenant: ResolvedTenant, username: string, testBy: string | null = null) {
  const jar: Jar = {};
  const host = hostOf(tenant);
  const authorize = await startSignIn(() => routeOptions(tenant, "signin", testBy), host, jar);
  const user = users.find((u) => u.username === username)!;
  const returned = await idpSignIn(authorize.toString(), username, user.password);
  const done = await finishSignIn(() => routeOptions(tenant, "callback", testBy), host, jar, returned);
  return { redirect: done.redirect ?? "", uid: await sessionUid(await routeOptions(tenant, "callback"), jar) };
}

describe("saving a connection checks the issuer's discovery document (security case 73)", () => {
  it("refuses an issuer the discovery document does not name, storing nothing", async () => {
    const wrong = save(a, connection("tenant-a", SECRET_A, { issuer: `${idp.issuer}/` }));
    await expect(wrong).rejects.toBeInstanceOf(ConnectionFieldErrors);
    await expect(wrong).rejects.toMatchObject({ errors: { issuer: expect.stringContaining("names the issuer") } });
    expect(await readOidcConnection(a.id)).toBeNull();
  });

  it("refuses an unreachable discovery URL and a plain-http issuer elsewhere than this machine, storing nothing", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(save(a, connection("tenant-a", SECRET_A, { issuer: closed }))).rejects.toMatchObject({
      errors: { issuer: expect.stringContaining("Could not reach") },
    });
    await expect(save(a, connection("tenant-a", SECRET_A, { issuer: "http://idp.example.com" }))).rejects.toMatchObject(
      { errors: { issuer: expect.stringContaining("must use https") } },
    );
    expect(await readOidcConnection(a.id)).toBeNull();
  });

  it("saves the right issuer with its secret sealed, never handed back (security case 72; positive control)", async () => {
    expect(await save(a, connection("tenant-a", SECRET_A))).toMatchObject({ needsTest: true });
    const view = await readOidcConnection(a.id);
    expect(view).toMatchObject({ issuer: idp.issuer, clientId: "tenant-a", hasSecret: true, enabled: false });
    expect(JSON.stringify(view)).not.toContain(SECRET_A);
    const row = await dbA.client.ssoConnection.findUniqueOrThrow({ where: { kind: "oidc" } });
    expect(row.secretCiphertext).not.toContain(SECRET_A);
    expect(Buffer.from(row.secretCiphertext!, "base64").toString("latin1")).not.toContain(SECRET_A);
    expect(row.secretKeyId).toBe(cp.deps.keyring.currentId);
    expect(unseal({ ciphertext: row.secretCiphertext!, keyId: row.secretKeyId! }, cp.deps.keyring)).toBe(SECRET_A);
    // Saved again with the secret left empty: the stored one is kept.
    await save(a, connection("tenant-a", ""));
    const again = await dbA.client.ssoConnection.findUniqueOrThrow({ where: { kind: "oidc" } });
    expect(again.secretCiphertext).toBe(row.secretCiphertext);
    await save(b, connection("tenant-b", SECRET_B));
  });
});

describe("who may see a connection (the data functions check the viewer themselves, not a layout)", () => {
  it("shows it to the portal's admins and the agency's operators only, never its secret", async () => {
    // next.config.mjs turns on forbidden() (experimental.authInterrupts); Next.js reads it from here.
    process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
    await save(a, connection("tenant-a", SECRET_A));
    const viewer = (tenantId: string, role: "staff" | "admin" | "owner") =>
      tenantViewer(tenantId, { id: randomUUID(), email: `${role}@viewer.example`, name: role, role });
    const forbidden = { digest: "NEXT_HTTP_ERROR_FALLBACK;403" };
    // Positive controls: an admin of this portal, an agency operator.
    const shown = await ssoSettingsForAdmin(a, viewer(a.id, "admin"));
    expect(shown).toMatchObject({ issuer: idp.issuer, clientId: "tenant-a", hasSecret: true });
    expect(JSON.stringify(shown)).not.toContain(SECRET_A);
    expect(await tenantSsoForAgency(agencyViewer("operator"), a.id)).toMatchObject({ issuer: idp.issuer });
    // Refused: staff of this portal, the owner of another portal, an agency viewer.
    await expect(ssoSettingsForAdmin(a, viewer(a.id, "staff"))).rejects.toMatchObject(forbidden);
    await expect(ssoSettingsForAdmin(a, viewer(b.id, "owner"))).rejects.toMatchObject(forbidden);
    await expect(tenantSsoForAgency(agencyViewer("viewer"), a.id)).rejects.toMatchObject(forbidden);
  });
});

describe("a test sign-in comes before members may use it", () => {
  it("refuses to turn the connection on before a successful test", async () => {
    await expect(setOidcEnabled(a.id, true, "owner@test.example")).rejects.toThrow(/test sign-in/);
    // Not enabled and not a test: the route offers no SSO provider at all.
    expect((await routeOptions(a, "signin")).providers.map((p) => p.id)).not.toContain("oidc");
  });

  it("runs the real flow, creates no one, opens no session and records the test; then it can be turned on", async () => {
    const owner = await dbA.client.user.create({ data: { email: "owner@a.example", name: "Owner", role: "owner" } });
    const { redirect, uid } = await ssoSignIn(a, "nina", owner.id);
    expect(redirect).toBe(`${originOf(hostOf(a))}/manage/settings?ssoTest=ok%3Astaff#sso`);
    expect(uid).toBeNull();
    expect(await dbA.client.user.count({ where: { email: "nina@corp.example" } })).toBe(0);
    expect((await readOidcConnection(a.id))?.testedAt).toBeInstanceOf(Date);
    await setOidcEnabled(a.id, true, "owner@test.example");
    // Tenant B is tested and turned on the same way, for the isolation tests below.
    const ownerB = await installed.platform.tenants.use(b.id, (db) =>
      db.user.create({ data: { email: "owner@b.example", name: "Owner B", role: "owner" } }),
    );
    expect((await ssoSignIn(b, "olga", ownerB.id)).redirect).toContain("ssoTest=ok%3Amember");
    await setOidcEnabled(b.id, true, "owner@test.example");
  });
});

describe("just-in-time members", () => {
  it("creates the member at the first sign-in with the mapped role, and finds the same member the second time", async () => {
    const first = await ssoSignIn(a, "nina");
    expect(first.redirect).toBe(`${originOf(hostOf(a))}/account`);
    const nina = await dbA.client.user.findUniqueOrThrow({ where: { email: "nina@corp.example" } });
    expect(first.uid).toBe(nina.id);
    expect(nina).toMatchObject({ role: "staff", name: "Nina Staff", passwordHash: null });
    const second = await ssoSignIn(a, "nina");
    expect(second.uid).toBe(nina.id);
    expect(await dbA.client.user.count({ where: { email: "nina@corp.example" } })).toBe(1);
    expect(await dbA.client.ssoIdentity.count({ where: { userId: nina.id } })).toBe(1);
  });

  it("follows the provider's groups at each sign-in (a member again once out of the staff group)", async () => {
    idp.updateUser("nina", { groups: [] });
    try {
      await ssoSignIn(a, "nina");
      expect((await dbA.client.user.findUniqueOrThrow({ where: { email: "nina@corp.example" } })).role).toBe("member");
    } finally {
      idp.updateUser("nina", { groups: ["portico-staff"] });
    }
    await ssoSignIn(a, "nina");
    expect((await dbA.client.user.findUniqueOrThrow({ where: { email: "nina@corp.example" } })).role).toBe("staff");
  });

  it("links an existing password member whose verified email matches", async () => {
    const olga = await dbA.client.user.create({
      data: { email: "olga@corp.example", name: "Olga", role: "member", passwordHash: "x" },
    });
    expect((await ssoSignIn(a, "olga")).uid).toBe(olga.id);
    expect(await dbA.client.ssoIdentity.count({ where: { userId: olga.id, subject: "sub-olga" } })).toBe(1);
  });

  it("refuses an unverified email, storing no one", async () => {
    const { redirect, uid } = await ssoSignIn(a, "eve");
    expect(redirect).toBe(`${originOf(hostOf(a))}/sign-in?sso=email-unverified`);
    expect(uid).toBeNull();
    expect(await dbA.client.user.count({ where: { email: "eve@corp.example" } })).toBe(0);
  });

  it("never matches by email alone when the subject differs", async () => {
    const { redirect, uid } = await ssoSignIn(a, "nina2");
    expect(redirect).toBe(`${originOf(hostOf(a))}/sign-in?sso=linked-elsewhere`);
    expect(uid).toBeNull();
    expect((await dbA.client.user.findUniqueOrThrow({ where: { email: "nina@corp.example" } })).role).toBe("staff");
  });

  it("refuses a deactivated member; reactivated, they sign in again (positive control)", async () => {
    await dbA.client.user.update({ where: { email: "nina@corp.example" }, data: { active: false } });
    expect((await ssoSignIn(a, "nina")).redirect).toBe(`${originOf(hostOf(a))}/sign-in?sso=deactivated`);
    await dbA.client.user.update({ where: { email: "nina@corp.example" }, data: { active: true } });
    expect((await ssoSignIn(a, "nina")).uid).not.toBeNull();
  });
});

describe("OIDC state is checked (security case 70)", () => {
  it("refuses a callback whose state differs from the one bound to this browser, and one without the state cookie", async () => {
    const host = hostOf(a);
    const options = () => routeOptions(a, "callback");
    for (const tamper of ["state", "cookie"] as const) {
      const jar: Jar = {};
      const authorize = await startSignIn(() => routeOptions(a, "signin"), host, jar);
      const returned = await idpSignIn(authorize.toString(), "nina", "nina-pw");
      if (tamper === "state") returned.searchParams.set("state", "forged-state-value");
      else for (const name of Object.keys(jar)) if (name.endsWith(".state")) delete jar[name];
      const done = await finishSignIn(options, host, jar, returned);
      expect(done.redirect).toBe(`${originOf(host)}/api/auth/error?error=OAuthCallback`);
      expect(await sessionUid(await options(), jar)).toBeNull();
    }
  });
});

describe("another tenant's sign-in is refused (security case 71)", () => {
  it("refuses a code issued to tenant B's client when presented to tenant A, whatever state, PKCE and nonce say", async () => {
    const host = hostOf(a);
    const jar: Jar = {};
    const authorizeA = await startSignIn(() => routeOptions(a, "signin"), host, jar);
    // Tenant B's own authorization request, carrying A's state, PKCE challenge and nonce: only the
    // client (and its redirect URI) differ from what A's callback expects.
    const authorizeB = await startSignIn(() => routeOptions(b, "signin"), hostOf(b), {});
    for (const param of ["state", "code_challenge", "nonce"])
      authorizeB.searchParams.set(param, authorizeA.searchParams.get(param)!);
    const returnedToB = await idpSignIn(authorizeB.toString(), "nina", "nina-pw");
    expect(returnedToB.host).toBe(hostOf(b));
    const forwarded = new URL(`${originOf(host)}/api/auth/callback/oidc`);
    forwarded.search = returnedToB.search;
    const done = await finishSignIn(() => routeOptions(a, "callback"), host, jar, forwarded);
    expect(done.redirect).toBe(`${originOf(host)}/api/auth/error?error=OAuthCallback`);
    expect(await sessionUid(await routeOptions(a, "callback"), jar)).toBeNull();
    // Positive control: the same person signs in to B through B's own flow, as B's member only.
    const atB = await ssoSignIn(b, "nina");
    expect(atB.uid).not.toBeNull();
    expect(await dbA.client.user.count({ where: { id: atB.uid! } })).toBe(0);
  });

  it("checks an ID token's issuer and audience against the connection itself", () => {
    const settings = { issuer: "https://idp.example", clientId: "tenant-a" };
    const claims = { iss: "https://idp.example", aud: "tenant-a", sub: "s" };
    expect(checkIdTokenClaims(claims, settings)).toBeNull(); // positive control
    expect(checkIdTokenClaims({ ...claims, aud: "tenant-b" }, settings)).toMatch(/another client/);
    expect(checkIdTokenClaims({ ...claims, aud: ["tenant-b", "tenant-a"], azp: "tenant-b" }, settings)).toMatch(
      /another party/,
    );
    expect(checkIdTokenClaims({ ...claims, iss: "https://other.example" }, settings)).toMatch(/another issuer/);
  });
});

describe("the client secret never reaches the log (security case 72)", () => {
  it("logs a failed token exchange without the secret", async () => {
    const lines: string[] = [];
    const KEY = Symbol.for("portico.logger");
    const holder = globalThis as { [KEY]?: unknown };
    const previous = holder[KEY];
    holder[KEY] = createLogger(
      { level: "debug", format: "json" },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const WRONG = "wrong-secret-Sentinel-value";
    try {
      await save(b, connection("tenant-b", WRONG));
      const ownerB = await installed.platform.tenants.use(b.id, (db) =>
        db.user.findFirstOrThrow({ where: { role: "owner" } }),
      );
      const { redirect } = await ssoSignIn(b, "olga", ownerB.id);
      expect(redirect).toBe(`${originOf(hostOf(b))}/api/auth/error?error=OAuthCallback`);
    } finally {
      holder[KEY] = previous;
      await save(b, connection("tenant-b", SECRET_B));
    }
    const text = lines.join("");
    expect(text).toContain("OAUTH_CALLBACK_ERROR"); // the failure itself is logged
    for (const secret of [WRONG, SECRET_A, SECRET_B, Buffer.from(`tenant-b:${WRONG}`).toString("base64")])
      expect(text).not.toContain(secret);
  });
});

describe("the agency's OIDC provider", () => {
  const agencyEnv = (extra: Record<string, string> = {}) =>
    parseEnv({
      DATABASE_URL: cp.url,
      PORTICO_SECRET_KEY: cp.secretKey,
      PORTICO_SECRET_KEY_ID: "test",
      PORTICO_AGENCY_OIDC_ISSUER: idp.issuer,
      PORTICO_AGENCY_OIDC_CLIENT_ID: "agency",
      PORTICO_AGENCY_OIDC_CLIENT_SECRET: SECRET_AGENCY,
      // The provider releases the groups claim only for the groups scope.
      PORTICO_AGENCY_OIDC_SCOPES: "openid email profile groups",
      PORTICO_AGENCY_OIDC_ROLE_CLAIM: "groups",
      PORTICO_AGENCY_OIDC_ROLES: "agency-owners=owner,agency-ops=operator",
      ...extra,
    });

  async function agencySignIn(username: string) {
    const host = "admin.localhost";
    const options = async () =>
      agencyAuthOptions(originOf(host), undefined, async (input) => {
        // The operations worker's side, run here: it checks its own configuration again.
        await createAgencyUserFromSso(cp.deps.control, agencySsoConfig(installed.platform.env), input);
        return "created";
      });
    const jar: Jar = {};
    const authorize = await startSignIn(options, host, jar);
    const user = users.find((u) => u.username === username)!;
    const returned = await idpSignIn(authorize.toString(), username, user.password);
    const done = await finishSignIn(options, host, jar, returned);
    return { redirect: done.redirect ?? "", uid: await sessionUid(await options(), jar) };
  }

  it("signs in an existing agency user by verified email, then by the stored link; refuses unknown people by default", async () => {
    installed.platform.env = agencyEnv();
    const ops = await cp.deps.control.agencyUser.create({
      data: { email: "ops@agency.example", name: "Opal", role: "viewer" },
    });
    expect((await agencySignIn("ops")).uid).toBe(ops.id);
    expect((await agencySignIn("ops")).uid).toBe(ops.id);
    // The dashboard's role stays: the claim gates, it does not promote.
    expect((await cp.deps.control.agencyUser.findUniqueOrThrow({ where: { id: ops.id } })).role).toBe("viewer");
    const unknown = await agencySignIn("newbie");
    expect(unknown).toEqual({ redirect: "http://admin.localhost/sign-in?sso=unknown", uid: null });
    expect(await cp.deps.control.agencyUser.count({ where: { email: "newbie@agency.example" } })).toBe(0);
  });

  it("refuses a person the provider maps to no agency role", async () => {
    installed.platform.env = agencyEnv();
    idp.updateUser("ops", { groups: ["someone-else"] });
    try {
      expect(await agencySignIn("ops")).toEqual({ redirect: "http://admin.localhost/sign-in?sso=no-role", uid: null });
    } finally {
      idp.updateUser("ops", { groups: ["agency-ops"] });
    }
  });

  it("creates an unknown person with the mapped role where the configuration allows it", async () => {
    installed.platform.env = agencyEnv({ PORTICO_AGENCY_OIDC_CREATE_USERS: "true" });
    const { uid } = await agencySignIn("newbie");
    const created = await cp.deps.control.agencyUser.findUniqueOrThrow({ where: { email: "newbie@agency.example" } });
    expect(uid).toBe(created.id);
    expect(created.role).toBe("operator");
  });
});

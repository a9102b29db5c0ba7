// First: Next.js's request storage needs its runtime global before next/* modules load.
import { inRequest, navigationDigest, sessionCookie } from "../support/request-scope.ts";
import { notFound, redirect } from "next/navigation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidFields, type ActionState } from "../../lib/actions/action-state.ts";
import { agencyAction } from "../../lib/actions/agency-action.server.ts";
import pg from "pg";
import { privateTenantAction, tenantAction } from "../../lib/actions/tenant-action.server.ts";
import { TENANT_CONTENT_CHANGED } from "../../lib/tenancy/change-feed.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { InvalidInput } from "../../lib/util/errors.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";

/**
 * tenantAction and agencyAction against a real control plane and tenant database, inside a
 * request as Next.js builds one, so the real guards read a real session cookie.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let pooled: PooledClient<TenantDb>;
let tenant: ResolvedTenant;
const cookies: Record<"member" | "staff" | "viewer" | "operator", string> = {
  member: "",
  staff: "",
  viewer: "",
  operator: "",
};

beforeAll(async () => {
  // next.config.mjs turns on forbidden() (experimental.authInterrupts); Next.js reads it from here.
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  const slug = cp.slug("actions");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Actions Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "server-actions-test");
  for (const role of ["member", "staff"] as const) {
    const user = await pooled.client.user.create({
      data: { email: `${role}@actions.example`, name: role, role, passwordHash: "x" },
    });
    cookies[role] = await sessionCookie(tenant.primaryHost, {
      tenant,
      userId: user.id,
      sessionVersion: user.sessionVersion,
    });
  }
  for (const role of ["viewer", "operator"] as const) {
    const user = await cp.deps.control.agencyUser.create({
      data: { email: `${role}@agency.example`, name: role, role, passwordHash: "x" },
    });
    cookies[role] = await sessionCookie(installed.platform.hosts.agencyHost, {
      userId: user.id,
      sessionVersion: user.sessionVersion,
    });
  }
});
afterAll(async () => {
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

const portal = (cookie?: string) => ({ host: tenant.primaryHost, ...(cookie ? { cookie } : {}) });
const agency = (cookie?: string) => ({ host: installed.platform.hosts.agencyHost, ...(cookie ? { cookie } : {}) });
const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  return data;
};
const thrown = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe("tenantAction: the guard", () => {
  let runs = 0;
  const staffOnly = tenantAction(
    "staff",
    z.object({ note: z.string() }),
    async ({ note }, { user, tenant: t }): Promise<ActionState> => {
      runs += 1;
      return { message: `${user.email} at ${t.slug}: ${note}` };
    },
    { returnTo: "/manage/notes" },
  );

  it("sends a visitor without a session to sign in, and the body never runs", async () => {
    const error = await thrown(inRequest(portal(), () => staffOnly({}, form({ note: "hi" }))));
    expect(navigationDigest(error)).toMatch(/^NEXT_REDIRECT;replace;\/sign-in\?callbackUrl=%2Fmanage%2Fnotes;307;/);
    expect(runs).toBe(0);
  });

  it("answers 403 (forbidden()) to a member below the role, and the body never runs", async () => {
    const error = await thrown(inRequest(portal(cookies.member), () => staffOnly({}, form({ note: "hi" }))));
    expect(navigationDigest(error)).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(runs).toBe(0);
  });

  it("runs the body for staff and returns its state (positive control)", async () => {
    expect(await inRequest(portal(cookies.staff), () => staffOnly({}, form({ note: "hi" })))).toEqual({
      message: `staff@actions.example at ${tenant.slug}: hi`,
    });
    expect(runs).toBe(1);
  });

  it("answers a host that is no live portal with a message, not an error", async () => {
    expect(
      await inRequest({ host: "nobody.localhost", cookie: cookies.staff }, () => staffOnly({}, form({ note: "hi" }))),
    ).toEqual({ error: "This portal is not available right now." });
    expect(runs).toBe(1);
  });

  it("runs a public action without a session, as a form action or called directly", async () => {
    const open = tenantAction(
      "public",
      z.object({ email: z.string() }),
      async ({ email }, { user, tenant: t }): Promise<ActionState> => ({
        message: `${email} ${user === null} ${t.id === tenant.id}`,
      }),
    );
    expect(await inRequest(portal(), () => open(form({ email: "a@b.example" })))).toEqual({
      message: "a@b.example true true",
    });
    expect(await inRequest(portal(), () => open({ email: "c@d.example" }))).toEqual({
      message: "c@d.example true true",
    });
  });
});

describe("tenantAction: the page caches", () => {
  it("tells every web server's page cache after an action, even one that failed; a private action does not", async () => {
    const listener = new pg.Client({ connectionString: cp.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (n) => n.payload && heard.push(n.payload));
    await listener.query(`LISTEN ${TENANT_CONTENT_CHANGED}`);
    try {
      const edit = tenantAction("public", z.object({}), async (): Promise<ActionState> => ({ message: "done" }));
      const failing = tenantAction("public", z.object({}), async (): Promise<ActionState> => {
        throw new InvalidInput("nothing to do");
      });
      const language = privateTenantAction("public", z.object({}), async (): Promise<ActionState> => ({
        message: "ok",
      }));
      await inRequest(portal(), () => language({}));
      await inRequest(portal(), () => edit({}));
      await inRequest(portal(), () => failing({}));
      await expect.poll(() => heard.length).toBe(2);
      expect(heard).toEqual([tenant.id, tenant.id]);
      // The private one was first and said nothing (positive control: the two after it did).
      await inRequest(portal(), () => language({}));
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toHaveLength(2);
    } finally {
      await listener.end();
    }
  });
});

describe("tenantAction: input and errors", () => {
  const schema = z.object({
    title: z.string().min(1, "Give the event a title."),
    capacity: z.coerce.number({ error: "A whole number, e.g. 40." }).int("A whole number, e.g. 40."),
    password: z.string(),
  });
  let runs = 0;
  const save = tenantAction("staff", schema, async (input): Promise<ActionState> => {
    runs += 1;
    if (input.title === "taken") throw new InvalidInput("Another event already uses this title.");
    if (input.title === "dates") throw new InvalidFields({ endsLocal: "The end must be after the start." });
    if (input.title === "broken") throw new Error("a bug");
    if (input.title === "go") redirect("/manage/events/go?saved=1");
    if (input.title === "gone") notFound();
    return { message: `saved ${input.capacity}` };
  });
  const call = (fields: Record<string, string>) => inRequest(portal(cookies.staff), () => save({}, form(fields)));

  it("answers invalid input with a message per field and what was typed, and never runs the body", async () => {
    expect(await call({ title: "", capacity: "forty", password: "hunter22" })).toEqual({
      error: "Give the event a title.",
      errors: { title: "Give the event a title.", capacity: "A whole number, e.g. 40." },
      // Everything typed comes back, except the password.
      values: { title: "", capacity: "forty" },
    });
    expect(runs).toBe(0);
  });

  it("runs the body with the parsed input when it is valid (positive control)", async () => {
    expect(await call({ title: "Gala", capacity: "40", password: "x" })).toEqual({ message: "saved 40" });
    expect(runs).toBe(1);
  });

  it("answers a PorticoError with its message and keeps what was typed", async () => {
    expect(await call({ title: "taken", capacity: "1", password: "x" })).toEqual({
      error: "Another event already uses this title.",
      values: { title: "taken", capacity: "1" },
    });
  });

  it("answers InvalidFields from the body as messages beside the fields", async () => {
    expect(await call({ title: "dates", capacity: "1", password: "x" })).toEqual({
      errors: { endsLocal: "The end must be after the start." },
      values: { title: "dates", capacity: "1" },
    });
  });

  it("rethrows anything else untouched", async () => {
    const error = await thrown(call({ title: "broken", capacity: "1", password: "x" }));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("a bug");
  });

  it("lets redirect() and notFound() from the body pass through", async () => {
    expect(navigationDigest(await thrown(call({ title: "go", capacity: "1", password: "x" })))).toMatch(
      /^NEXT_REDIRECT;replace;\/manage\/events\/go\?saved=1;307;/,
    );
    expect(navigationDigest(await thrown(call({ title: "gone", capacity: "1", password: "x" })))).toBe(
      "NEXT_HTTP_ERROR_FALLBACK;404",
    );
  });
});

describe("agencyAction", () => {
  const auditCount = (action: string) => cp.deps.control.auditEntry.count({ where: { action } });

  it("answers 403 to a viewer below operator, and runs the body for an operator (positive control)", async () => {
    let runs = 0;
    const operate = agencyAction("operator", z.object({}), async (_input, { user }): Promise<ActionState> => {
      runs += 1;
      return { message: user.role };
    });
    expect(navigationDigest(await thrown(inRequest(agency(cookies.viewer), () => operate({}, form({})))))).toBe(
      "NEXT_HTTP_ERROR_FALLBACK;403",
    );
    expect(runs).toBe(0);
    expect(navigationDigest(await thrown(inRequest(agency(), () => operate({}, form({})))))).toMatch(
      /^NEXT_REDIRECT;replace;\/sign-in\?callbackUrl=%2F;307;/,
    );
    expect(await inRequest(agency(cookies.operator), () => operate({}, form({})))).toEqual({ message: "operator" });
    expect(runs).toBe(1);
  });

  it("writes its audit entry once on success, as the signed-in user, and none on failure", async () => {
    const name = "test.note";
    const note = agencyAction(
      "operator",
      z.object({ text: z.string() }),
      async ({ text }): Promise<ActionState> => {
        if (text === "no") throw new InvalidInput("Not that one.");
        return { message: "noted" };
      },
      { audit: name },
    );
    expect(await inRequest(agency(cookies.operator), () => note({}, form({ text: "no" })))).toMatchObject({
      error: "Not that one.",
    });
    expect(await inRequest(agency(cookies.operator), () => note({}, form({})))).toMatchObject({
      errors: { text: expect.any(String) },
    });
    expect(await auditCount(name)).toBe(0);
    expect(await inRequest(agency(cookies.operator), () => note({}, form({ text: "yes" })))).toEqual({
      message: "noted",
    });
    const entries = await cp.deps.control.auditEntry.findMany({ where: { action: name } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorType: "agency-user", actorLabel: "operator@agency.example" });
  });

  it("audits a public action with the actor its body names, once, even when the body then redirects", async () => {
    const name = "test.accept";
    const accept = agencyAction(
      "public",
      z.object({ email: z.string() }),
      async ({ email }, { audit }): Promise<ActionState> => {
        await audit({ actor: { type: "agency-user", label: email } });
        redirect("/sign-in?invited=1");
      },
      { audit: name },
    );
    expect(
      navigationDigest(await thrown(inRequest(agency(), () => accept({}, form({ email: "new@agency.example" }))))),
    ).toMatch(/^NEXT_REDIRECT;replace;\/sign-in\?invited=1;/);
    const entries = await cp.deps.control.auditEntry.findMany({ where: { action: name } });
    expect(entries.map((e) => e.actorLabel)).toEqual(["new@agency.example"]);
  });
});

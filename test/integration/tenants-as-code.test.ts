import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { outboxTransport } from "../../lib/mail/transport.server.ts";
import { queueOperation } from "../../lib/operations/queue.server.ts";
import { startOperationsWorker, type OperationsWorker, type WorkerDeps } from "../../lib/operations/worker.server.ts";
import { declaredFieldStatus, domainsValue, fieldValues, readDeclaredState } from "../../lib/provisioning/declared.ts";
import type { TenantSpecInput } from "../../lib/provisioning/spec.ts";
import { describeOutcome, syncTenants } from "../../lib/provisioning/sync.server.ts";
import type { Theme } from "../../lib/tenancy/theme.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * Tenants as code never overwrites a product edit (decision 020, security case 35): declare,
 * sync, the owner changes name and brand colour in Settings (the same queued operation the
 * settings page submits, carried out by the real worker), sync again as a restart does — against
 * real PostgreSQL. And production syncs seed no demo users (case 33).
 */
let cp: TestControlPlane;
let deps: WorkerDeps;
let worker: OperationsWorker;
const hosts = { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" as const };

const theme = {
  primary: "#c2410c",
  accent: "#facc15",
  background: "#fff7ed",
  surface: "#ffffff",
  text: "#1c1917",
  font: "sans",
  logo: { src: "/brand/acme.svg", alt: "Acme" },
} as const;

function declaration(slug: string, overrides: Partial<TenantSpecInput> = {}): TenantSpecInput {
  return {
    slug,
    name: "Acme Pharma Academy",
    plan: "premium",
    theme,
    owner: { email: `owner@${slug}.example`, name: "Ada Acme" },
    demo: {
      users: [{ email: `owner@${slug}.example`, name: "Ada Acme", role: "owner", password: "portico-demo" }],
      events: [{ slug: "welcome", title: "Welcome", startsInDays: 3 }],
    },
    ...overrides,
  };
}

async function tenantRow(slug: string) {
  const t = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug }, include: { domains: true } });
  return { ...t, theme: t.theme as Theme };
}

async function tenantQuery(slug: string, sql: string): Promise<unknown[]> {
  const t = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
  return withClient(
    await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, t.id),
    async (c) => (await c.query(sql)).rows,
  );
}

/** The owner's Settings → Branding save: the operation saveBranding queues, run by the worker. */
async function ownerSavesBranding(slug: string, name: string, primary: string) {
  const current = await tenantRow(slug);
  const { id } = await queueOperation(cp.deps.control, {
    kind: "set-branding",
    slug,
    input: { name, theme: { ...current.theme, primary, logo: { alt: current.theme.logo.alt } }, logo: null },
    actor: { type: "tenant-user", id: "00000000-0000-4000-8000-000000000002", label: `owner@${slug}.example` },
  });
  await worker.idle();
  const op = await cp.deps.control.operation.findUniqueOrThrow({ where: { id } });
  expect(op.error).toBeNull();
  expect(op.status).toBe("succeeded");
}

beforeAll(async () => {
  cp = await testControlPlane();
  deps = {
    ...cp.deps,
    exportsDir: "/nonexistent",
    invitations: { mail: outboxTransport(cp.deps.control), link: (host, p) => `https://${host}${p}`, hosts },
  };
  worker = startOperationsWorker(deps, { controlUrl: cp.url, pollMs: 200 });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await cp?.cleanup();
});

describe("a restart keeps what the owner changed in the product", () => {
  it("declare, sync, edit name and brand colour in Settings, sync again: the edit stays and the sync says so", async () => {
    const slug = cp.slug("acme");
    const [created] = await syncTenants(deps, [declaration(slug)], { demo: true });
    expect(created).toMatchObject({ action: "created" });
    expect((await tenantRow(slug)).name).toBe("Acme Pharma Academy");

    await ownerSavesBranding(slug, "Acme Learning (owner's name)", "#123456");
    expect(await tenantRow(slug)).toMatchObject({
      name: "Acme Learning (owner's name)",
      theme: { primary: "#123456" },
    });

    // The restart: the same declaration, synced again.
    const lines: string[] = [];
    const [again] = await syncTenants(deps, [declaration(slug)], {
      demo: true,
      onOutcome: (o) => lines.push(describeOutcome(o)),
    });
    expect(again).toMatchObject({ action: "unchanged", kept: ["name", "primary"], applied: [] });
    expect(lines[0]).toContain(`tenant ${slug}: unchanged`);
    expect(lines[0]).toContain(
      `kept product edits to name, primary colour; \`npm run tenants -- sync --force\` re-applies tenants/${slug}.ts`,
    );
    const after = await tenantRow(slug);
    expect(after.name).toBe("Acme Learning (owner's name)");
    expect(after.theme.primary).toBe("#123456");
    // Untouched fields still hold the declaration.
    expect(after.theme.accent).toBe(theme.accent);

    // The dashboard's view: which fields come from the code, which were changed in the product.
    const status = declaredFieldStatus(
      readDeclaredState(after.declared)!,
      fieldValues({ ...after, domains: domainsValue(after.domains.map((d) => d.hostname)) }),
    );
    expect(status.filter((s) => s.status === "changed-in-product").map((s) => s.field)).toEqual(["name", "primary"]);
    expect(status.find((s) => s.field === "accent")).toMatchObject({ status: "declared", declared: theme.accent });
  });

  it("a field never edited follows a changed declaration; edited ones stay kept", async () => {
    const slug = cp.slug("follow");
    await syncTenants(deps, [declaration(slug)], { demo: true });
    await ownerSavesBranding(slug, "Owner's Name", "#0f766e");
    const changed = declaration(slug, {
      name: "Acme Academy v2",
      theme: { ...theme, primary: "#1d4ed8", accent: "#22c55e" },
      domains: [`learn.${slug}.example`],
    });
    const [outcome] = await syncTenants(deps, [changed], { demo: true });
    expect(outcome).toMatchObject({ action: "updated", applied: ["domains", "accent"], kept: ["name", "primary"] });
    const row = await tenantRow(slug);
    expect(row).toMatchObject({ name: "Owner's Name", theme: { primary: "#0f766e", accent: "#22c55e" } });
    expect(row.domains.map((d) => d.hostname)).toEqual([`learn.${slug}.example`]);
  });

  it("--force re-applies the declaration over product edits, and audits what it overwrote (positive control)", async () => {
    const slug = cp.slug("force");
    await syncTenants(deps, [declaration(slug)], { demo: true });
    await ownerSavesBranding(slug, "Renamed by Owner", "#7c3aed");
    const lines: string[] = [];
    const actor = { type: "cli" as const, label: "cli:test" };
    const [outcome] = await syncTenants(deps, [declaration(slug)], {
      demo: true,
      force: true,
      actor,
      onOutcome: (o) => lines.push(describeOutcome(o)),
    });
    expect(outcome).toMatchObject({ action: "updated", overwritten: ["name", "primary"], kept: [] });
    expect(lines[0]).toContain("re-applied");
    expect(await tenantRow(slug)).toMatchObject({ name: "Acme Pharma Academy", theme: { primary: theme.primary } });
    const audit = await cp.deps.control.auditEntry.findFirstOrThrow({
      where: { action: "tenant.sync.force", tenantId: (await tenantRow(slug)).id },
    });
    expect(audit.actorLabel).toBe("cli:test");
    expect(audit.details).toMatchObject({
      file: `tenants/${slug}.ts`,
      overwritten: [
        { field: "name", from: "Renamed by Owner", to: "Acme Pharma Academy" },
        { field: "primary", from: "#7c3aed", to: theme.primary },
      ],
    });
    // Forced once, the fields follow the declaration again: the next plain sync changes nothing.
    const [next] = await syncTenants(deps, [declaration(slug)], { demo: true });
    expect(next).toMatchObject({ action: "unchanged", kept: [] });
  });
});

describe("brand colours below WCAG AA contrast", () => {
  it("a declaration with a failing colour is refused at validation and creates nothing", async () => {
    const slug = cp.slug("yellow");
    const [outcome] = await syncTenants(deps, [declaration(slug, { theme: { ...theme, primary: "#fde047" } })], {
      demo: true,
    });
    expect(outcome).toMatchObject({ action: "failed" });
    expect(outcome?.error).toMatch(/theme\.primary: The brand colour as link text on the page background is 1\.\d+:1/);
    expect(await cp.deps.control.tenant.findUnique({ where: { slug } })).toBeNull();
    // Positive control: the suggested shade is declared and the tenant is created.
    const shade = /Try (#[0-9a-f]{6})/.exec(outcome?.error ?? "")?.[1] as string;
    const [created] = await syncTenants(deps, [declaration(slug, { theme: { ...theme, primary: shade } })], {
      demo: true,
    });
    expect(created).toMatchObject({ action: "created" });
  });

  it("the worker refuses a branding save below contrast even when the form is bypassed; a readable one applies", async () => {
    const slug = cp.slug("bypass");
    await syncTenants(deps, [declaration(slug)], { demo: true });
    const current = await tenantRow(slug);
    const { id } = await queueOperation(cp.deps.control, {
      kind: "set-branding",
      slug,
      input: { name: current.name, theme: { ...current.theme, primary: "#fde047" }, logo: null },
      actor: { type: "tenant-user", id: "00000000-0000-4000-8000-000000000002", label: `owner@${slug}.example` },
    });
    await worker.idle();
    const op = await cp.deps.control.operation.findUniqueOrThrow({ where: { id } });
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(
      /the branding is invalid: The brand colour as link text on the page background is 1\.\d+:1/,
    );
    expect((await tenantRow(slug)).theme.primary).toBe(theme.primary);
    // Positive control: the shade the refusal suggests is applied.
    const shade = /Try (#[0-9a-f]{6})/.exec(op.error ?? "")?.[1] as string;
    await ownerSavesBranding(slug, current.name, shade);
    expect((await tenantRow(slug)).theme.primary).toBe(shade);
  });
});

describe("demo users only in development", () => {
  it("a production sync seeds no demo user or password and invites the declared owner once", async () => {
    const slug = cp.slug("prod");
    const [created] = await syncTenants(deps, [declaration(slug)], { demo: false });
    expect(created).toMatchObject({ action: "created", invited: `owner@${slug}.example` });
    // The owner exists without a password, invited by a single-use link; no demo event either.
    expect(await tenantQuery(slug, `SELECT email, role::text, "passwordHash" FROM "User"`)).toEqual([
      { email: `owner@${slug}.example`, role: "owner", passwordHash: null },
    ]);
    expect(await tenantQuery(slug, `SELECT slug FROM "Event"`)).toEqual([]);
    const mails = await cp.deps.control.outboxMessage.findMany({ where: { toAddress: `owner@${slug}.example` } });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toMatch(new RegExp(`https://${slug}\\.localhost/invite\\?token=`));
    // A restart invites nobody again.
    const [again] = await syncTenants(deps, [declaration(slug)], { demo: false });
    expect(again).toMatchObject({ action: "unchanged" });
    expect(again?.invited).toBeUndefined();
    expect(await cp.deps.control.outboxMessage.count({ where: { toAddress: `owner@${slug}.example` } })).toBe(1);
  });

  it("the development sync seeds the demo users with their password (positive control)", async () => {
    const slug = cp.slug("dev");
    const [created] = await syncTenants(deps, [declaration(slug)], { demo: true });
    expect(created?.invited).toBeUndefined();
    const users = (await tenantQuery(
      slug,
      `SELECT email, "passwordHash" IS NOT NULL AS "hasPassword" FROM "User"`,
    )) as Array<{ email: string; hasPassword: boolean }>;
    expect(users).toEqual([{ email: `owner@${slug}.example`, hasPassword: true }]);
    expect(await tenantQuery(slug, `SELECT slug FROM "Event"`)).toEqual([{ slug: "welcome" }]);
    expect(await cp.deps.control.outboxMessage.count({ where: { toAddress: `owner@${slug}.example` } })).toBe(0);
  });
});

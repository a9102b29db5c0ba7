import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxTransport } from "../../lib/mail/transport.server.ts";
import { queueOperation } from "../../lib/operations/queue.server.ts";
import { startOperationsWorker, type OperationsWorker, type WorkerDeps } from "../../lib/operations/worker.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { runScript } from "../support/scripts.ts";

/**
 * The CLI's agency actions run the operations worker's own handlers: the same action, asked for
 * from the dashboard (queued, run by the worker) or from `npm run tenants`, leaves the same
 * operation record and the same audit entries. And the command table is also the usage.
 */
let cp: TestControlPlane;
let worker: OperationsWorker;
const dirs: string[] = [];
const agencyActor = {
  type: "agency-user" as const,
  id: "00000000-0000-4000-8000-000000000002",
  label: "olive@agency.example",
};

/** Every command the CLI has had; none may disappear from the table (or its usage). */
const COMMANDS = [
  "list",
  "create",
  "migrate",
  "sync",
  "suspend",
  "resume",
  "retry",
  "discard",
  "rotate-credentials",
  "rename",
  "domains",
  "export",
  "import",
  "offboard",
  "move",
  "servers",
  "help",
];

const cli = (...args: string[]) => runScript(cp, "scripts/tenants.ts", ...args);

/** The worker's way: queued as the dashboard queues it, then carried out. */
async function viaWorker(kind: "rename" | "suspend" | "export", slug: string, input: unknown = {}) {
  await queueOperation(cp.deps.control, { kind, slug, input, actor: agencyActor });
  await worker.idle();
}

async function tenant(base: string): Promise<string> {
  const slug = cp.slug(base);
  await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: `Tenant ${base}`, plan: "standard", theme: FALLBACK_THEME, domains: [] }),
    { mode: "create" },
  );
  return slug;
}

/** What an action left behind, without what differs by nature (ids, times, who, the tenant's own values). */
async function trail(slug: string) {
  const entries = await cp.deps.control.auditEntry.findMany({
    where: { details: { path: ["slug"], equals: slug } },
    orderBy: { id: "asc" },
  });
  const operations = await cp.deps.control.operation.findMany({ where: { slug }, orderBy: { createdAt: "asc" } });
  const ids = new Set(operations.map((o) => o.id));
  return {
    audit: entries.map((e) => {
      const details = e.details as Record<string, unknown>;
      return {
        action: e.action,
        keys: Object.keys(details).sort(),
        outcome: details.outcome,
        ofAnOperation: ids.has(details.operationId as string),
        tenant: e.tenantId !== null,
      };
    }),
    operations: operations.map((o) => ({
      kind: o.kind,
      status: o.status,
      progress: o.progress as { attempt?: number; steps?: Array<{ name: string; status: string }> },
    })),
    actors: [
      ...new Set([
        ...entries.map((e) => `${e.actorType} ${e.actorLabel}`),
        ...operations.map((o) => `${o.actorType} ${o.actorLabel}`),
      ]),
    ],
  };
}

beforeAll(async () => {
  cp = await testControlPlane();
  const exportsDir = await mkdtemp(path.join(os.tmpdir(), "portico-cli-ops-"));
  dirs.push(exportsDir);
  const deps: WorkerDeps = {
    ...cp.deps,
    exportsDir,
    invitations: {
      mail: outboxTransport(cp.deps.control),
      link: (host, p) => `http://${host}:3000${p}`,
      hosts: { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" },
    },
  };
  worker = startOperationsWorker(deps, { controlUrl: cp.url, pollMs: 200 });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await cp?.cleanup();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("the CLI runs the worker's handlers", () => {
  it("rename and suspend leave the same operations and audit entries as through the worker", async () => {
    const [byWorker, byCli] = await Promise.all([tenant("byworker"), tenant("bycli")]);

    // Positive control: the worker's own trail.
    await viaWorker("rename", byWorker, { name: "Renamed" });
    await viaWorker("suspend", byWorker);
    await viaWorker("suspend", byWorker); // already suspended: still an operation, still audited
    const expected = await trail(byWorker);
    expect(expected.audit.map((e) => [e.action, e.outcome])).toEqual([
      ["tenant.rename", "succeeded"],
      ["tenant.suspend", "succeeded"],
      ["tenant.suspend", "succeeded"],
    ]);
    expect(expected.audit.every((e) => e.ofAnOperation && e.tenant)).toBe(true);
    expect(expected.actors).toEqual([`agency-user ${agencyActor.label}`]);

    const renamed = await cli("rename", byCli, "Renamed");
    expect([renamed.code, renamed.err]).toEqual([0, ""]);
    expect(renamed.out).toContain(`✓ ${byCli} renamed "Tenant bycli" → "Renamed"`);
    const suspended = await cli("suspend", byCli);
    expect(suspended.code).toBe(0);
    expect(suspended.out).toContain(`✓ ${byCli} suspended`);
    const again = await cli("suspend", byCli);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`${byCli} was already suspended; nothing changed`);

    const actual = await trail(byCli);
    expect(actual.audit).toEqual(expected.audit);
    expect(actual.operations).toEqual(expected.operations);
    expect(actual.actors).toHaveLength(1);
    expect(actual.actors[0]).toMatch(/^cli cli:\S+$/);
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug: byCli } })).status).toBe("suspended");
  }, 90_000);

  it("reports the same progress steps as the worker records (an export)", async () => {
    const [byWorker, byCli] = await Promise.all([tenant("expworker"), tenant("expcli")]);
    await viaWorker("export", byWorker);
    const out = await mkdtemp(path.join(os.tmpdir(), "portico-cli-ops-out-"));
    dirs.push(out);
    const exported = await cli("export", byCli, "--out", out);
    expect([exported.code, exported.err]).toEqual([0, ""]);
    expect(exported.out).toMatch(/^ {2}✓ export\s+\d+ ms$/m);
    expect(exported.out).toContain(`✓ ${out}/${byCli}-`);
    const [expected, actual] = [await trail(byWorker), await trail(byCli)];
    const steps = (t: typeof expected) => t.operations.map((o) => o.progress.steps?.map((s) => [s.name, s.status]));
    expect(steps(expected)).toEqual([[["export", "done"]]]);
    expect(steps(actual)).toEqual(steps(expected));
    expect(actual.audit).toEqual(expected.audit);
  }, 90_000);

  it("a failed action is recorded and audited as the worker does it, and exits 2 when the tenant does not exist", async () => {
    const [inWorker, inCli] = [cp.slug("ghostworker"), cp.slug("ghostcli")];
    await viaWorker("suspend", inWorker);
    const expected = await trail(inWorker);
    expect(expected.audit).toEqual([
      {
        action: "tenant.suspend",
        keys: ["error", "operationId", "outcome", "slug"],
        outcome: "failed",
        ofAnOperation: true,
        tenant: false,
      },
    ]);

    const refused = await cli("suspend", inCli);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`no tenant named "${inCli}"`);
    const actual = await trail(inCli);
    expect(actual.audit).toEqual(expected.audit);
    expect(actual.operations).toEqual(expected.operations);
  }, 60_000);
});

describe("the command table", () => {
  const listsEveryCommand = (text: string) => {
    for (const name of COMMANDS) expect(text, name).toMatch(new RegExp(`^ {2}${name}( |$)`, "m"));
  };

  it("refuses an unknown command with exit 2 and the usage; help prints the same usage and exits 0", async () => {
    const unknown = await cli("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    listsEveryCommand(unknown.err);

    const help = await cli("help");
    expect([help.code, help.err]).toEqual([0, ""]);
    listsEveryCommand(help.out);
    expect(unknown.err).toContain(help.out.trim());
    expect((await cli("--help")).code).toBe(0);

    const bare = await cli();
    expect(bare.code).toBe(2);
    listsEveryCommand(bare.out);
  }, 60_000);

  it("names the argument that is missing and exits 2", async () => {
    const slug = cp.slug("bycli");
    const cases: Array<[string[], string]> = [
      [["rename"], "rename needs a slug and the new name"],
      [["rename", slug], "rename needs the new name"],
      [["move", slug], "move needs a server name"],
      [["suspend"], "suspend needs a slug"],
      [["import", "archive.tar.gz"], "import needs the new tenant's slug"],
      [["servers", "add", "second"], "servers add needs an administrative URL"],
      [["migrate"], "migrate needs --all or one or more slugs"],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.err, args.join(" ")).toContain(message);
      expect(result.err, args.join(" ")).toContain(`usage: npm run tenants -- ${args[0]} `);
    }
  }, 90_000);
});

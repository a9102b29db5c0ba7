import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { dropDatabaseIfExists, withClient } from "../../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { writeTarGz } from "../../lib/util/tar.ts";
import { adminUrl, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";
import { runScript } from "../support/scripts.ts";

/**
 * The tenants CLI as a script would use it: a real process against a configured (not embedded)
 * control plane, checking output and exit codes (0 ok, 1 operation failed, 2 usage/config).
 */
let cp: TestControlPlane;

const cli = (...args: string[]) => run("scripts/tenants.ts", ...args);

const run = (script: string, ...args: string[]) => runScript(cp, script, ...args);

beforeAll(async () => {
  cp = await testControlPlane();
});
afterAll(async () => {
  await cp?.cleanup();
});

describe("npm run tenants", () => {
  it("creates tenants step by step and lists them", async () => {
    const created = await cli(
      "create",
      cp.slug("one"),
      "--name",
      "Tenant One",
      "--domain",
      `one-${cp.tag}.example`,
      "--primary",
      "#123456",
    );
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    for (const step of ["reserve", "create-role", "create-database", "migrate", "seed", "activate"])
      expect(created.out).toContain(`✓ ${step}`);
    expect((await cli("create", cp.slug("two"), "--name", "Tenant Two")).code).toBe(0);

    const listed = await cli("list", "--json");
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.out) as Array<{
      slug: string;
      status: string;
      hosts: string[];
      server: string;
      region: string;
      schema: string;
    }>;
    expect(rows.map((r) => [r.slug, r.status, r.server, r.schema, r.region])).toEqual([
      [cp.slug("one"), "active", "test", "current", "default"],
      [cp.slug("two"), "active", "test", "current", "default"],
    ]);
    expect(rows[0]?.hosts).toEqual([`${cp.slug("one")}.localhost`, `one-${cp.tag}.example`]);
  });

  it("exits 2 with a clear message for bad input (invalid names never reach a database)", async () => {
    const foreign = path.join(await mkdtemp(path.join(os.tmpdir(), "portico-cli-foreign-")), "foreign.tar.gz");
    await writeTarGz(foreign, [{ name: "tables/User.jsonl", content: Buffer.from("{}\n") }]);
    const cases: Array<[string[], RegExp]> = [
      [["import", foreign, cp.slug("foreign")], /does not start with manifest\.json: it is not a Portico export/],
      [["create", 'x"; DROP DATABASE postgres; --', "--name", "x"], /is not a valid slug/],
      [["create", "template0", "--name", "x"], /is reserved/],
      [["create", "t", "--name", "x"], /"t" is reserved: Portico's router uses the path \/t itself/],
      [["create", cp.slug("one"), "--name", "again"], /already exists; choose another slug/],
      [["create", cp.slug("three")], /create needs exactly one slug and --name/],
      [["create", cp.slug("three"), "--name", "x", "--primary", "red"], /primary: use a six-digit hex colour/],
      [["migrate"], /migrate needs --all or one or more slugs/],
      [["migrate", "nobody"], /no tenant named nobody/],
      [["frobnicate"], /unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.err, args.join(" ")).toMatch(message);
    }
  }, 90_000);

  it("migrates every other tenant when one fails, exits 1, and records the failure", async () => {
    await withAdmin((admin) => dropDatabaseIfExists(admin, `t_two_${cp.tag}`));
    // Both count as left to do: one never recorded a version, the other's database is gone.
    await cp.deps.control.tenantDatabase.updateMany({ data: { schemaVersion: null } });
    const result = await cli("migrate", "--all");
    expect(result.code).toBe(1);
    expect(result.out).toMatch(new RegExp(`✓ ${cp.slug("one")} up to date`));
    expect(result.out).toMatch(new RegExp(`✗ ${cp.slug("two")}`));
    expect(result.out).toMatch(/1\/2 tenant\(s\) migrated .*1 failed.*only they will be retried/);
    const recorded = await cp.deps.control.tenantDatabase.findFirstOrThrow({
      where: { databaseName: `t_two_${cp.tag}` },
    });
    expect(recorded.migrationError).toMatch(/does not exist/);
  });

  it("rotates a tenant's credentials, and refuses to guess which tenants", async () => {
    const rotated = await cli("rotate-credentials", cp.slug("one"));
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain(`✓ ${cp.slug("one")} new role password`);
    expect((await cli("rotate-credentials")).code).toBe(2);
    expect((await cli("rotate-credentials", "nobody")).code).toBe(2);
  });

  it("audits what it did, and `npm run audit -- verify` finds the chain intact", async () => {
    const entries = await cp.deps.control.auditEntry.findMany({
      orderBy: { id: "asc" },
      select: { action: true, actorType: true, actorLabel: true },
    });
    expect(entries.map((e) => e.action)).toEqual([
      "tenant.create",
      "tenant.create",
      "fleet.migrate",
      "tenant.rotate-credentials",
    ]);
    expect(entries.every((e) => e.actorType === "cli" && e.actorLabel.startsWith("cli:"))).toBe(true);
    const verified = await run("scripts/audit.ts", "verify");
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(/audit log intact: 4 entries verified/);
    expect((await run("scripts/audit.ts", "check")).code).toBe(2);
  });

  it("exports a tenant and imports the archive into a new tenant (round trip); offboarding needs confirmation", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), "portico-cli-export-"));
    try {
      const exported = await cli("export", cp.slug("one"), "--out", out);
      expect(exported.err).toBe("");
      expect(exported.code).toBe(0);
      const archive = /✓ (\S+\.tar\.gz)/.exec(exported.out)?.[1];
      expect(archive).toBeDefined();
      const imported = await cli("import", archive as string, cp.slug("copy"), "--name", "Copy of One");
      expect(imported.err).toBe("");
      expect(imported.code).toBe(0);
      expect(imported.out).toMatch(/User\s+\d+ row\(s\) restored/);
      const rows = async (slug: string) => {
        const t = await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } });
        return withClient(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, t.id), async (c) => ({
          users: (await c.query(`SELECT row_to_json(u)::text FROM "User" u ORDER BY 1`)).rows,
          events: (await c.query(`SELECT row_to_json(e)::text FROM "Event" e ORDER BY 1`)).rows,
        }));
      };
      expect(await rows(cp.slug("copy"))).toEqual(await rows(cp.slug("one")));
      expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug: cp.slug("copy") } })).name).toBe(
        "Copy of One",
      );

      const unconfirmed = await cli("offboard", cp.slug("copy"));
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.err).toMatch(new RegExp(`confirm with --confirm ${cp.slug("copy")}`));
      const again = await cli("import", archive as string, cp.slug("copy"));
      expect(again.code).toBe(2);
      expect(again.err).toMatch(/already exists; choose another slug/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("registers another database server only once it is reachable with the rights it needs", async () => {
    const unreachable = await cli("servers", "add", "offline", "postgres://admin:secret@127.0.0.1:1/postgres");
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toMatch(
      /cannot reach 127\.0\.0\.1:1 as its administrator .*check the host, port, user and password/,
    );
    expect((await cli("servers", "add", "Bad Name", adminUrl())).err).toMatch(/not a usable server name/);
    expect((await cli("servers", "add", "x", "http://example.com")).err).toMatch(/not a postgres:\/\/ URL/);
    const added = await cli("servers", "add", "second", adminUrl());
    expect(added.err).toBe("");
    expect(added.code).toBe(0);
    const listed = await cli("servers");
    expect(listed.out).toMatch(/second\s+127\.0\.0\.1:\d+\s+0/);
    expect(listed.out).not.toContain("offline");
    expect((await cli("servers", "add", "second", adminUrl())).err).toMatch(/already registered/);
  });
});

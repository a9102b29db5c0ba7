import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, verifyAuditChain } from "../../lib/audit/log.server.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

let cp: TestControlPlane;
let sql: pg.Client;

beforeAll(async () => {
  cp = await testControlPlane();
  sql = new pg.Client({ connectionString: cp.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await cp?.cleanup();
});

const actor = { type: "cli", label: "cli:test" } as const;

describe("the audit log", () => {
  it("chains entries, also when they are written concurrently", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAudit(cp.deps.control, { actor, action: "test.write", details: { i, nested: { b: 2, a: 1 } } }),
      ),
    );
    const result = await verifyAuditChain(cp.deps.control, 7); // small batches cross batch borders
    expect(result).toMatchObject({ ok: true, entries: 20 });
  });

  it("refuses UPDATE, DELETE and TRUNCATE, whoever asks", async () => {
    await expect(sql.query(`UPDATE "AuditEntry" SET "actorLabel" = 'x'`)).rejects.toMatchObject({
      code: "42501",
      message: expect.stringMatching(/append-only/),
    });
    await expect(sql.query(`DELETE FROM "AuditEntry"`)).rejects.toMatchObject({ code: "42501" });
    await expect(sql.query(`TRUNCATE "AuditEntry"`)).rejects.toMatchObject({ code: "42501" });
    await expect(cp.deps.control.auditEntry.deleteMany({})).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(cp.deps.control)).ok).toBe(true);
  });

  it("detects an entry altered behind the app's back (triggers disabled by a superuser)", async () => {
    await sql.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
    const [{ id }] = (await sql.query(`SELECT id FROM "AuditEntry" ORDER BY id OFFSET 4 LIMIT 1`)).rows;
    await sql.query(`UPDATE "AuditEntry" SET details = '{"i": 999}' WHERE id = $1`, [id]);
    await sql.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
    expect(await verifyAuditChain(cp.deps.control)).toEqual({
      ok: false,
      entries: 4,
      problem: {
        id: String(id),
        reason: `entry ${id} was altered after it was written (its content no longer matches its hash)`,
      },
    });
  });

  it("detects a deleted entry", async () => {
    const fresh = await testControlPlane();
    try {
      for (let i = 0; i < 5; i++)
        await appendAudit(fresh.deps.control, { actor, action: "test.write", details: { i } });
      expect((await verifyAuditChain(fresh.deps.control)).ok).toBe(true); // positive control
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      await client.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
      const [{ id }] = (
        await client.query(
          `DELETE FROM "AuditEntry" WHERE id = (SELECT id FROM "AuditEntry" ORDER BY id OFFSET 2 LIMIT 1) RETURNING id`,
        )
      ).rows;
      await client.end();
      const result = await verifyAuditChain(fresh.deps.control);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problem.reason).toMatch(/does not follow the entry before it/);
      expect(result.ok ? null : BigInt(result.problem.id)).toBeGreaterThan(BigInt(id));
    } finally {
      await fresh.cleanup();
    }
  });
});

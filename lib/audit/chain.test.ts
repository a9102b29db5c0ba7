import { describe, expect, it } from "vitest";
import { GENESIS_HASH, canonicalJson, entryHash, verifyRun, type StoredEntry } from "./chain.ts";

function chain(n: number): StoredEntry[] {
  const entries: StoredEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const fields = {
      at: new Date(Date.UTC(2026, 10, 23, 12, 0, i)),
      actorType: "cli",
      actorId: null,
      actorLabel: "cli:ops",
      action: "tenant.create",
      tenantId: null,
      ip: null,
      userAgent: null,
      details: { slug: `t${i}`, steps: [1, 2] },
    };
    const hash = entryHash(prev, fields);
    entries.push({ ...fields, id: BigInt(i), prevHash: prev, hash });
    prev = hash;
  }
  return entries;
}

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null }, e: undefined })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe("verifyRun", () => {
  it("accepts an intact chain (positive control)", () => {
    const entries = chain(5);
    expect(verifyRun(entries, GENESIS_HASH)).toEqual({ problem: null, last: entries[4]!.hash, verified: 5 });
  });

  it("detects an altered field", () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, actorLabel: "someone-else" };
    expect(verifyRun(entries, GENESIS_HASH).problem).toEqual({
      id: "3",
      reason: expect.stringMatching(/entry 3 was altered/),
    });
  });

  it("detects altered details, whatever their key order", () => {
    const entries = chain(3);
    entries[1] = { ...entries[1]!, details: { steps: [1, 2], slug: "t2" } }; // same content, other order
    expect(verifyRun(entries, GENESIS_HASH).problem).toBeNull();
    entries[1] = { ...entries[1]!, details: { steps: [1, 3], slug: "t2" } };
    expect(verifyRun(entries, GENESIS_HASH).problem?.id).toBe("2");
  });

  it("detects a deleted entry", () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyRun(entries, GENESIS_HASH).problem).toEqual({
      id: "3",
      reason: expect.stringMatching(/does not follow the entry before it/),
    });
  });

  it("detects a rewritten entry whose hash was recomputed, at the next entry", () => {
    const entries = chain(4);
    const forged = { ...entries[1]!, actorLabel: "forger" };
    forged.hash = entryHash(forged.prevHash, forged);
    entries[1] = forged;
    expect(verifyRun(entries, GENESIS_HASH).problem?.id).toBe("3");
  });
});

describe("entryHash (the agency log's)", () => {
  it("is pinned: a change would make every stored agency entry fail verification", () => {
    const fields = {
      at: new Date(Date.UTC(2026, 10, 23, 12, 0, 1)),
      actorType: "agency-user",
      actorId: "u1",
      actorLabel: "ops@agency.example",
      action: "fleet.read",
      tenantId: "7d1c5c1e-0000-4000-8000-000000000001",
      ip: "192.0.2.1",
      userAgent: "UA",
      details: { b: [1, { z: 1, a: "é" }], a: null },
    };
    // Computed with the hashing as it was before chainHash was factored out.
    expect(entryHash(GENESIS_HASH, fields)).toBe("9ee609656d5793507607711d338310eb4b948a08675e94e4063560b29e764fdf");
    expect(entryHash(GENESIS_HASH, { ...fields, actorId: "u2" })).not.toBe(
      "9ee609656d5793507607711d338310eb4b948a08675e94e4063560b29e764fdf",
    );
  });
});

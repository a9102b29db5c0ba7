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

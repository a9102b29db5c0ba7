import { createHash } from "node:crypto";

/**
 * The audit log's hash chain, pure: each entry's hash is sha-256 over the previous entry's hash
 * and a canonical encoding of its own content. Changing any field of any entry, or removing an
 * entry from the middle, breaks every hash after it.
 */

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedFields {
  at: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  tenantId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: unknown;
}

/** JSON with object keys sorted at every level: PostgreSQL's jsonb does not keep key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * sha-256 over the canonical JSON of `[prevHash, ...parts]`. Each chain fixes its own parts and
 * their order; the agency log's (entryHash) must never change, or its stored entries stop verifying.
 */
export function chainHash(prevHash: string, parts: readonly unknown[]): string {
  return createHash("sha256")
    .update(canonicalJson([prevHash, ...parts]), "utf8")
    .digest("hex");
}

/** The agency log's entry hash (control plane `AuditEntry`). */
export function entryHash(prevHash: string, fields: ChainedFields): string {
  return chainHash(prevHash, [
    fields.at.toISOString(),
    fields.actorType,
    fields.actorId,
    fields.actorLabel,
    fields.action,
    fields.tenantId,
    fields.ip,
    fields.userAgent,
    fields.details,
  ]);
}

export type ChainProblem = { id: string; reason: string };

export interface StoredEntry extends ChainedFields {
  id: bigint;
  prevHash: string;
  hash: string;
}

/** What verifyRun needs of any chain's stored entry. */
export interface ChainLink {
  id: bigint;
  prevHash: string;
  hash: string;
}

/**
 * Checks a run of entries in id order, given the hash the run must continue from. `hashOf`
 * recomputes an entry's hash: the agency log's by default, the tenant trail passes its own.
 */
export function verifyRun<E extends ChainLink = StoredEntry>(
  entries: E[],
  expectedPrev: string,
  hashOf: (prevHash: string, entry: E) => string = entryHash as unknown as (prevHash: string, entry: E) => string,
): { problem: ChainProblem | null; last: string; verified: number } {
  let prev = expectedPrev;
  let verified = 0;
  for (const entry of entries) {
    if (entry.prevHash !== prev) {
      return {
        problem: {
          id: String(entry.id),
          reason: `entry ${entry.id} does not follow the entry before it: an entry before it was deleted or altered`,
        },
        last: prev,
        verified,
      };
    }
    if (hashOf(entry.prevHash, entry) !== entry.hash) {
      return {
        problem: {
          id: String(entry.id),
          reason: `entry ${entry.id} was altered after it was written (its content no longer matches its hash)`,
        },
        last: prev,
        verified,
      };
    }
    prev = entry.hash;
    verified += 1;
  }
  return { problem: null, last: prev, verified };
}

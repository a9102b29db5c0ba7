import "server-only";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { hostname as osHostname } from "node:os";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { ControlDb } from "../db/control.server.ts";
import { unseal, type Keyring } from "../db/keyring.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { errorMessage } from "../util/errors.ts";
import { checkResolvedAddress } from "./sink-address.ts";
import { backoffMs, dedupId, deliveryId, frame, signBody, syslogMessage, type StreamEntry } from "./stream-format.ts";

/**
 * Delivering audit entries to their sinks (docs/decisions/049). Per sink: read the entries after
 * its cursor in id order, a batch at a time, hand each batch to the receiver strictly in order,
 * and move the cursor only once the receiver has taken the batch. A failure records the error
 * and the next attempt's time (exponential backoff, capped) and leaves the cursor where it was,
 * so the next attempt resends from there: delivery is at least once, in order, and an entry's
 * dedupId lets the receiver drop a repeat. One delivery per sink runs at a time (the
 * "audit.deliver" queue is keyed by sink); the cursor moves by compare-and-set besides, so two
 * deliveries racing could only repeat entries, never skip or reorder them.
 *
 * - Webhook: one POST per batch; a 2xx answer acknowledges it.
 * - Syslog over TLS: no application-level ack exists (RFC 5425). One connection per batch: every
 *   message is written, then Portico closes its side and waits for the receiver to close its own
 *   without error. A receiver that drops the connection (reset, or closing before Portico did)
 *   fails the batch, which is sent again from the cursor on a new connection. A receiver that
 *   accepts bytes and then loses them cannot be detected; use the webhook where that matters.
 */

export interface StreamDeps {
  control: ControlDb;
  keyring: Keyring;
  /** Runs `fn` with the tenant's database, reached with the tenant's own role. */
  withTenant<T>(tenantId: string, fn: (db: TenantDb) => Promise<T>): Promise<T>;
  /** PORTICO_AUDIT_SINKS_ALLOW_PRIVATE: private and loopback receivers allowed. */
  allowPrivate: boolean;
  /** Entries per batch (default 100). */
  batchSize?: number;
  /** Batches one delivery sends before it returns `more` (default 20). */
  maxBatches?: number;
  /** Network timeout per batch (default 10 s). */
  timeoutMs?: number;
  /** First retry's delay (default 5 s; doubled per failure, capped at 15 min). */
  retryBaseMs?: number;
  /** The HOSTNAME field of syslog messages (default this machine's name). */
  hostname?: string;
}

export type DeliveryResult =
  | { status: "delivered"; entries: number; more: boolean }
  | { status: "idle" }
  | { status: "waiting"; until: Date }
  | { status: "failed"; entries: number; error: string; retryAt: Date };

export interface AuditSinkRow {
  id: string;
  tenantId: string | null;
  kind: string;
  url: string | null;
  host: string | null;
  port: number | null;
  caPem: string | null;
  secretCiphertext: string;
  keyId: string;
  enabled: boolean;
  cursor: bigint;
  attempts: number;
  nextAttemptAt: Date | null;
}

/** The scope's name in dedup ids and payloads: the tenant's id, or "agency". */
export const scopeOf = (tenantId: string | null) => tenantId ?? "agency";

/** Delivers what `sinkId` has not had yet. Never throws for a receiver's failure: it is recorded. */
export async function deliverSink(deps: StreamDeps, sinkId: string, now = new Date()): Promise<DeliveryResult> {
  const sink = (await deps.control.auditSink.findUnique({ where: { id: sinkId } })) as AuditSinkRow | null;
  if (!sink || !sink.enabled) return { status: "idle" };
  if (sink.nextAttemptAt && sink.nextAttemptAt > now) return { status: "waiting", until: sink.nextAttemptAt };
  const secret = unseal({ ciphertext: sink.secretCiphertext, keyId: sink.keyId }, deps.keyring);
  const batchSize = deps.batchSize ?? 100;
  const maxBatches = deps.maxBatches ?? 20;
  const transport = sink.kind === "webhook" ? webhookTransport(deps, sink, secret) : syslogTransport(deps, sink);
  let cursor = sink.cursor;
  let delivered = 0;
  try {
    for (let batch = 0; batch < maxBatches; batch++) {
      const entries = await readEntries(deps, sink.tenantId, cursor, batchSize);
      if (entries.length === 0)
        return delivered ? { status: "delivered", entries: delivered, more: false } : { status: "idle" };
      await transport.send(entries);
      const last = BigInt(entries[entries.length - 1]!.id);
      const moved = await deps.control.auditSink.updateMany({
        where: { id: sink.id, cursor },
        data: { cursor: last, lastDeliveredAt: new Date(), attempts: 0, nextAttemptAt: null },
      });
      // Another delivery moved it (or the sink was deleted): stop; whoever moved it carries on.
      if (moved.count === 0) return { status: "delivered", entries: delivered, more: false };
      cursor = last;
      delivered += entries.length;
    }
    return { status: "delivered", entries: delivered, more: true };
  } catch (error) {
    const attempts = sink.attempts + 1;
    const retryAt = new Date(Date.now() + backoffMs(attempts, deps.retryBaseMs));
    const message = errorMessage(error).slice(0, 500);
    await deps.control.auditSink.updateMany({
      where: { id: sink.id },
      data: { lastError: message, lastErrorAt: new Date(), attempts, nextAttemptAt: retryAt },
    });
    return { status: "failed", entries: delivered, error: message, retryAt };
  } finally {
    transport.close();
  }
}

// ── reading entries ────────────────────────────────────────────────────────────────────────────

/** The next entries after `cursor` in id order: the control plane's for the agency, else the tenant's. */
export async function readEntries(
  deps: Pick<StreamDeps, "control" | "withTenant">,
  tenantId: string | null,
  cursor: bigint,
  limit: number,
): Promise<StreamEntry[]> {
  const scope = scopeOf(tenantId);
  if (tenantId === null) {
    const rows = await deps.control.auditEntry.findMany({
      where: { id: { gt: cursor } },
      orderBy: { id: "asc" },
      take: limit,
    });
    return rows.map((r) => ({
      dedupId: dedupId(scope, r.id, r.hash),
      id: String(r.id),
      at: r.at.toISOString(),
      action: r.action,
      actorType: r.actorType,
      actorId: r.actorId,
      actorLabel: r.actorLabel,
      tenantId: r.tenantId,
      ip: r.ip,
      userAgent: r.userAgent,
      details: r.details,
      prevHash: r.prevHash,
      hash: r.hash,
    }));
  }
  // The tenant's trail (its own database, its own role): people are ids, never emails or names.
  const rows = await deps.withTenant(
    tenantId,
    (db) =>
      db.$queryRaw<TenantEntryRow[]>`
      SELECT "id", "at", "actorType", "actorPersonId", "actorLabel", "action", "subjectPersonId",
             "ip", "userAgent", "details", "prevHash", "hash"
      FROM "AuditEntry" WHERE "id" > ${cursor} ORDER BY "id" LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    dedupId: dedupId(scope, r.id, r.hash),
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    action: r.action,
    actorType: r.actorType,
    actorPersonId: r.actorPersonId,
    actorLabel: r.actorLabel,
    subjectPersonId: r.subjectPersonId,
    tenantId,
    ip: r.ip,
    userAgent: r.userAgent,
    details: r.details,
    prevHash: r.prevHash,
    hash: r.hash,
  }));
}

interface TenantEntryRow {
  id: bigint;
  at: Date;
  actorType: string;
  actorPersonId: string | null;
  actorLabel: string;
  action: string;
  subjectPersonId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: unknown;
  prevHash: string;
  hash: string;
}

// ── transports ─────────────────────────────────────────────────────────────────────────────────

interface Transport {
  send(entries: StreamEntry[]): Promise<void>;
  close(): void;
}

/** A DNS lookup that refuses private addresses unless allowed: checked on the address connected to. */
function guardedLookup(allowPrivate: boolean): typeof dnsLookup {
  return ((host: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(host, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      for (const a of addresses) {
        const refused = checkResolvedAddress(host, a.address, allowPrivate);
        if (refused) return callback(new Error(refused));
      }
      const first = addresses[0];
      if (!first) return callback(new Error(`${host} has no address`));
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  }) as unknown as typeof dnsLookup;
}

function webhookTransport(deps: StreamDeps, sink: AuditSinkRow, secret: string): Transport {
  const url = new URL(sink.url ?? "");
  const timeout = deps.timeoutMs ?? 10_000;
  const scope = scopeOf(sink.tenantId);
  return {
    async send(entries) {
      const id = deliveryId(sink.id, entries[0]!.id, entries[entries.length - 1]!.id);
      const body = JSON.stringify({ id, scope, entries });
      const signature = signBody(secret, body, Math.floor(Date.now() / 1000));
      const request = url.protocol === "http:" ? httpRequest : httpsRequest;
      await new Promise<void>((resolve, reject) => {
        const req = request(
          url,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              "user-agent": "Portico-Audit-Stream/1",
              "portico-delivery-id": id,
              "portico-signature": signature,
            },
            // A fresh connection each time: a pooled keep-alive socket would skip the address check.
            agent: false,
            lookup: guardedLookup(deps.allowPrivate),
            ...(sink.caPem ? { ca: sink.caPem } : {}),
            timeout,
          },
          (res) => {
            res.resume();
            res.on("end", () => {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) resolve();
              else reject(new Error(`the webhook answered HTTP ${status}`));
            });
            res.on("error", reject);
          },
        );
        req.on("timeout", () => req.destroy(new Error(`the webhook did not answer within ${timeout} ms`)));
        req.on("error", (error) => reject(new Error(`the webhook could not be reached: ${errorMessage(error)}`)));
        req.end(body);
      });
    },
    close() {},
  };
}

function syslogTransport(deps: StreamDeps, sink: AuditSinkRow): Transport {
  const timeout = deps.timeoutMs ?? 10_000;
  const scope = scopeOf(sink.tenantId);
  const hostname = deps.hostname ?? osHostname();
  let socket: TLSSocket | null = null;
  return {
    async send(entries) {
      const payload = Buffer.concat(entries.map((e) => frame(syslogMessage(e, scope, hostname))));
      await new Promise<void>((resolve, reject) => {
        let ended = false;
        let settled = false;
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          s.destroy();
          reject(new Error(`the syslog receiver ${sink.host}:${sink.port}: ${error.message}`));
        };
        const s = tlsConnect({
          host: sink.host ?? "",
          port: sink.port ?? 6514,
          ...(sink.host && !isIP(sink.host) ? { servername: sink.host } : {}),
          lookup: guardedLookup(deps.allowPrivate),
          ...(sink.caPem ? { ca: sink.caPem } : {}),
        });
        socket = s;
        s.setTimeout(timeout, () => fail(new Error(`no progress within ${timeout} ms`)));
        s.on("error", fail);
        s.on("secureConnect", () => {
          s.write(payload, (error) => {
            if (error) return fail(error);
            ended = true;
            s.end();
          });
        });
        // The receiver closing before Portico finished writing means it may not have read it all.
        s.on("end", () => {
          if (!ended) fail(new Error("the receiver closed the connection mid-batch"));
        });
        s.on("close", (hadError) => {
          if (settled) return;
          if (hadError || !ended) return fail(new Error("the connection was dropped"));
          settled = true;
          resolve();
        });
      });
    },
    close() {
      socket?.destroy();
    },
  };
}

// ── the sweep ──────────────────────────────────────────────────────────────────────────────────

/** Asks for a delivery of every enabled sink whose retry is due (or that has none pending). */
export async function sweepAuditSinks(
  control: ControlDb,
  request: (sinkId: string) => Promise<unknown>,
  now = new Date(),
): Promise<number> {
  const due = await control.auditSink.findMany({
    where: { enabled: true, OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] },
    select: { id: true },
  });
  for (const sink of due) await request(sink.id);
  return due.length;
}

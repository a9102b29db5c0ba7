import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The wire formats of audit streams (docs/decisions/049), pure so the receivers in the tests and
 * a SIEM's own parser can be checked against them.
 *
 * Webhook: one POST per batch of consecutive entries, body
 *   {"id": "<delivery id>", "scope": "agency" | "<tenant id>", "entries": [StreamEntry, ...]}
 * with `Portico-Delivery-Id: <delivery id>` and
 *   `Portico-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * Each entry's `dedupId` (`<scope>:<entry id>:<first 16 hex of its hash>`) is stable across
 * retries: a receiver that has seen it may drop the repeat.
 *
 * Syslog: RFC 5424 messages framed by octet counting (RFC 5425 / RFC 6587 §3.4.1), one per entry.
 */

/** An entry as streamed: the columns of either trail; people by id, never by email or name. */
export interface StreamEntry {
  dedupId: string;
  id: string;
  at: string;
  action: string;
  actorType: string;
  actorLabel: string;
  [field: string]: unknown;
}

export const dedupId = (scope: string, id: bigint | string, hash: string) =>
  `${scope}:${String(id)}:${hash.slice(0, 16)}`;

/** The batch's delivery id: stable for a retry of the same entries. */
export const deliveryId = (sinkId: string, first: string, last: string) => `${sinkId}:${first}-${last}`;

export function signBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** For receivers (and the tests): whether `header` signs `body` with `secret`. */
export function verifySignature(secret: string, body: string, header: string): boolean {
  const parts = Object.fromEntries(
    header.split(",").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== "string") return false;
  const expected = Buffer.from(signBody(secret, body, t).split("v1=")[1]!, "hex");
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// ── syslog ──────────────────────────────────────────────────────────────────────────────────────

/** Facility 13 ("log audit"), severity 6 (informational): PRI = 13 * 8 + 6. */
export const SYSLOG_PRI = 110;
/** The enterprise number RFC 5612 reserves for documentation, used as the SD-ID's suffix. */
export const SD_ID = "portico@32473";

const printable = (value: string, max: number) => value.replace(/[^\x21-\x7e]/g, "_").slice(0, max) || "-";
const sdValue = (value: string) => value.replace(/[\\"\]]/g, (c) => `\\${c}`);

/** One RFC 5424 message: the entry's identity in structured data, the entry as JSON after a BOM. */
export function syslogMessage(entry: StreamEntry, scope: string, hostname: string): string {
  const sd = `[${SD_ID} dedupId="${sdValue(entry.dedupId)}" scope="${sdValue(scope)}" entryId="${entry.id}" actor="${sdValue(entry.actorLabel)}"]`;
  return `<${SYSLOG_PRI}>1 ${entry.at} ${printable(hostname, 255)} portico - ${printable(entry.action, 32)} ${sd} \ufeff${JSON.stringify(entry)}`;
}

/** RFC 5425 framing: "<octet count> <message>". */
export function frame(message: string): Buffer {
  const body = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
}

/** Splits received bytes into complete frames; returns them and the unfinished rest. */
export function unframe(buffer: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(buffer.subarray(at, space).toString("ascii"));
    if (!Number.isInteger(length) || length <= 0) throw new Error(`bad syslog frame length at byte ${at}`);
    if (buffer.length < space + 1 + length) break;
    messages.push(buffer.subarray(space + 1, space + 1 + length).toString("utf8"));
    at = space + 1 + length;
  }
  return { messages, rest: buffer.subarray(at) };
}

export interface ParsedSyslog {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: Record<string, Record<string, string>>;
  msg: string;
}

/** A strict-enough RFC 5424 parser for the tests and receivers: header, one or more SD elements, MSG. */
export function parseSyslog(message: string): ParsedSyslog {
  const head = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(message);
  if (!head) throw new Error(`not an RFC 5424 header: ${message.slice(0, 80)}`);
  let at = head[0].length;
  const sd: Record<string, Record<string, string>> = {};
  if (message[at] === "-") at += 1;
  else
    while (message[at] === "[") {
      const idEnd = message.indexOf(" ", at);
      const id = message.slice(at + 1, idEnd);
      const params: Record<string, string> = {};
      at = idEnd;
      while (message[at] === " ") {
        const eq = message.indexOf("=", at);
        const name = message.slice(at + 1, eq);
        let value = "";
        let i = eq + 2;
        for (; message[i] !== '"'; i++) value += message[i] === "\\" ? message[++i] : message[i];
        params[name] = value;
        at = i + 1;
      }
      if (message[at] !== "]") throw new Error("unterminated structured data");
      sd[id] = params;
      at += 1;
    }
  const rest = message.slice(at);
  const msg = rest.startsWith(" \ufeff") ? rest.slice(2) : rest.startsWith(" ") ? rest.slice(1) : rest;
  return {
    pri: Number(head[1]),
    version: Number(head[2]),
    timestamp: head[3]!,
    hostname: head[4]!,
    appName: head[5]!,
    procId: head[6]!,
    msgId: head[7]!,
    sd,
    msg,
  };
}

// ── retries ─────────────────────────────────────────────────────────────────────────────────────

/** Delay before attempt `attempts + 1` after `attempts` failures: 5 s doubling, capped at 15 min. */
export function backoffMs(attempts: number, baseMs = 5_000, capMs = 15 * 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

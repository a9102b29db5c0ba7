import { errorMessage } from "../util/errors.ts";

// What "this tenant's database cannot be reached" looks like, by structured code only (never by
// message, so an ordinary query error such as a missing table is not mistaken for an outage):
// driver-adapter error kinds, Prisma's P10xx connection family and pool timeout, PostgreSQL
// SQLSTATEs and Node socket errors from a raw pg client.
const UNAVAILABLE_KINDS = new Set([
  "DatabaseDoesNotExist",
  "DatabaseNotReachable",
  "DatabaseAccessDenied",
  "AuthenticationFailed",
  "TooManyConnections",
  "SocketTimeout",
  "ConnectionClosed",
  "TlsConnectionError",
]);
const UNAVAILABLE_PRISMA = /^P10\d\d$|^P2024$/;
const UNAVAILABLE_SQLSTATE = new Set([
  // PgBouncer reports a failed login to the server behind it (database gone, role refused, server
  // down) as 08P01, after the client's own login to PgBouncer succeeded.
  "08P01",
  "3D000",
  "28P01",
  "28000",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08001",
  "08004",
  "08006",
]);
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE"]);

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } };
}

export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const e = error as ErrorLike;
  const kind = e.meta?.driverAdapterError?.cause?.kind ?? e.kind;
  if (typeof kind === "string" && UNAVAILABLE_KINDS.has(kind)) return true;
  const adapterCode = e.meta?.driverAdapterError?.cause?.code;
  if (typeof adapterCode === "string" && UNAVAILABLE_SQLSTATE.has(adapterCode)) return true;
  if (
    typeof e.code === "string" &&
    (UNAVAILABLE_PRISMA.test(e.code) || UNAVAILABLE_SQLSTATE.has(e.code) || UNAVAILABLE_ERRNO.has(e.code))
  )
    return true;
  // pg-pool's own error carries no code: a server that took the connection but never answered.
  if (error instanceof Error && error.message === "Connection terminated due to connection timeout") return true;
  return isUnavailable(e.cause, depth + 1);
}

/**
 * pg-pool's wait for a free connection ran out: every connection of the tenant's pool was busy
 * for the whole wait. That is congestion in this process, not an outage (a server that does not
 * answer fails the connections themselves, which isUnavailable reports), so the tenant is not
 * marked down for it and its cached pages stay (decision 060).
 */
export function isPoolBusy(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  if (error instanceof Error && error.message === POOL_WAIT_TIMEOUT) return true;
  return isPoolBusy((error as ErrorLike).cause, depth + 1);
}

const POOL_WAIT_TIMEOUT = "timeout exceeded when trying to connect";

const KIND_TEXT: Record<string, string> = {
  DatabaseDoesNotExist: "its database does not exist",
  DatabaseNotReachable: "its database server does not answer",
  DatabaseAccessDenied: "its role may not connect to its database",
  AuthenticationFailed: "its database credentials were refused",
  TooManyConnections: "its database server has no connections left",
  SocketTimeout: "its database server timed out",
  ConnectionClosed: "its database connection was closed",
};

/**
 * The reason a tenant is down when the PgBouncer in front of its server does not answer; such an
 * outage is one event for every tenant behind that pooler, logged once, not once per tenant.
 */
export function poolerDownReason(address: string, problem: string): string {
  return `PgBouncer at ${address} unreachable (${problem})`;
}

/** What outage lines are rate-limited by: the pooler when it is the pooler, else the tenant. */
export function outageKey(tenantId: string, reason: string | null | undefined): string {
  const pooler = reason?.match(/^PgBouncer at (\S+) unreachable/)?.[1];
  return pooler ? `pooler ${pooler}` : tenantId;
}

/** The line said about a PgBouncer that does not answer. */
export function poolerDownLine(reason: string): string {
  return `[pooler] ${reason}: tenants behind it answer 503; start PgBouncer, or send their traffic direct with \`npm run tenants -- servers pooler <server> --off\``;
}

/** What PgBouncer relayed about its own login to the server, in the words used for a direct one. */
function throughPooler(message: string): string {
  const text = /does not exist/.test(message)
    ? KIND_TEXT.DatabaseDoesNotExist
    : /permission denied/.test(message)
      ? KIND_TEXT.DatabaseAccessDenied
      : /authentication failed/.test(message)
        ? KIND_TEXT.AuthenticationFailed
        : "PgBouncer could not log in to its database server";
  return `${text} (${message.split("\n")[0]}; through PgBouncer)`;
}

/** One line an operator can act on, without Prisma's multi-line invocation banner. */
export function describeUnavailable(error: unknown): string {
  const e = error as ErrorLike | null;
  const cause = e?.meta?.driverAdapterError?.cause as
    { kind?: string; code?: string; originalMessage?: string } | undefined;
  if (cause?.code === "08P01" && cause.originalMessage) return throughPooler(cause.originalMessage);
  if ((e as { code?: unknown } | null)?.code === "08P01" && error instanceof Error) return throughPooler(error.message);
  if (cause?.kind && KIND_TEXT[cause.kind])
    return `${KIND_TEXT[cause.kind]}${cause.originalMessage ? ` (${cause.originalMessage})` : ""}`;
  const line = errorMessage(error)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  return line ?? "its database cannot be reached";
}

/**
 * Whether a failure is one another attempt can fix: the database went away, refused a connection
 * for now, or chose this transaction as a deadlock or serialization victim. A bad input, a
 * conflict or a missing tenant fails the same way every time, so it is recorded, not retried.
 */
const TRANSIENT_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "53300", // too_many_connections
  "55P03", // lock_not_available
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "58000", // system_error
]);

const TRANSIENT_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

// Prisma's own codes for an unreachable server, a timeout and a lost connection.
const TRANSIENT_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /connection (?:was )?(?:closed|lost)/i,
  /timeout exceeded when trying to connect/i,
  /terminating connection due to administrator command/i,
  /the database system is (?:starting up|shutting down)/i,
];

export function isTransientError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string") {
    if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_PRISMA_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && (code.startsWith("08") || TRANSIENT_SQLSTATES.has(code))) return true;
  }
  if (typeof message === "string" && TRANSIENT_MESSAGES.some((re) => re.test(message))) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isTransientError(e, depth + 1))) return true;
  return isTransientError(cause, depth + 1);
}

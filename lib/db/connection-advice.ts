import { errorMessage } from "../util/errors.ts";

/**
 * Why a connection to PostgreSQL (or PgBouncer in front of it) failed, said so an operator knows
 * what to change: used by /readyz and by the refusal to start on an unusable control plane.
 * Matched on structured codes (TLS, socket, SQLSTATE), never on free text alone.
 * Never includes the URL: callers name what they connected to.
 */
const TLS_CERTIFICATE_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

interface Coded {
  code?: unknown;
  cause?: unknown;
}

function codeOf(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== "object" || depth > 4) return null;
  const code = (error as Coded).code;
  if (typeof code === "string") return code;
  return codeOf((error as Coded).cause, depth + 1);
}

function firstLine(error: unknown): string {
  return (
    errorMessage(error)
      .replace(/[a-z]+:\/\/[^\s@]*@/gi, "")
      .split("\n")[0]!
      .trim()
      .slice(0, 200) || "unknown error"
  );
}

/** What to do about a failed connection, or null when the error is not one this recognises. */
export function connectionAdvice(error: unknown): string | null {
  const code = codeOf(error);
  const said = firstLine(error);
  if (code && TLS_CERTIFICATE_CODES.has(code))
    return `TLS: the server's certificate is not signed by a CA we trust (${said}); set sslrootcert to the CA certificate (PEM) that signed the PostgreSQL server's certificate`;
  if (code === "CERT_HAS_EXPIRED")
    return `TLS: the server's certificate has expired (${said}); renew it on the PostgreSQL server`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return `TLS: the server's certificate does not name the host in the URL (${said}); connect by a name the certificate carries, or use sslmode=verify-ca`;
  if (/does not support SSL/i.test(said))
    return `TLS: the server does not accept TLS connections; turn ssl on in PostgreSQL, or use sslmode=disable on a trusted network only`;
  if (code === "ECONNREFUSED")
    return `nothing accepts connections at that address (${said}); check the host and port, and that PostgreSQL (or PgBouncer in front of it) is running`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `the host name does not resolve (${said}); check the host`;
  if (code === "ETIMEDOUT" || code === "EHOSTUNREACH")
    return `the server does not answer (${said}); check the host, the port and the network between them`;
  if (code === "28P01" || code === "28000")
    return `the credentials were refused (${said}); check the user and password in the URL`;
  if (code === "3D000") return `the database does not exist (${said}); create it, or check its name in the URL`;
  if (code === "53300") return `the server has no connection slots left (${said}); raise max_connections or use fewer`;
  if (code === "57P03") return `the server is starting up or shutting down (${said}); try again shortly`;
  return null;
}

import { randomUUID } from "node:crypto";

/**
 * Each request's id, returned as X-Request-Id and on every log line of the request. One sent by a
 * proxy listed in PORTICO_TRUSTED_PROXIES is kept, so its log and ours share it; from anyone else
 * it is replaced, since a client could otherwise make its requests look like someone else's.
 */
export const REQUEST_ID_HEADER = "x-request-id";

/** What an id may look like: a UUID, a trace id, an nginx $request_id; nothing that breaks a log line. */
const ACCEPTABLE = /^[A-Za-z0-9._:@-]{8,128}$/;

export function requestIdFor(sent: string | string[] | undefined | null, fromTrustedProxy: boolean): string {
  const value = Array.isArray(sent) ? sent[0] : sent;
  if (fromTrustedProxy && value && ACCEPTABLE.test(value)) return value;
  return randomUUID();
}

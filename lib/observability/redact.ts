/**
 * Keeps secrets out of the log: every value under a key that names a secret is replaced, and a
 * password inside a connection URL (postgres://user:pass@…, smtps://user:pass@…) is masked
 * wherever it appears in a string, messages and error texts included.
 */
export const REDACTED = "[redacted]";

/** Keys whose values are secret whatever they hold: passwords, tokens, cookies, keys, credentials. */
const SECRET_KEY =
  /pass(w(or)?d|phrase)|^pass$|pwd|secret|token|cookie|authori[sz]ation|api[-_]?key|private[-_]?key|credential|ciphertext|^key$|signature/i;

/** scheme://user:password@ — the password (up to the last @ before the host) is masked. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]*@/gi;
/** `password=…` in a query string or key=value text. */
const PARAM_PASSWORD = /\b((?:password|passwd|pwd|token|secret)=)[^\s&;,"']+/gi;
/** An Authorization header written into text. */
const BEARER = /\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}/gi;

export function scrubText(text: string): string {
  return text
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(PARAM_PASSWORD, `$1${REDACTED}`)
    .replace(BEARER, `$1 ${REDACTED}`);
}

/**
 * A request path as the log writes it: the query is never kept (sign-in links and invitations
 * carry their token there), and a ticket's code, which admits its holder, is masked.
 */
export function pathForLog(url: string): string {
  const path = url.split("?")[0] ?? "/";
  return path.replace(/^\/tickets\/[^/]+/, `/tickets/${REDACTED}`);
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of `value` safe to log: secret keys replaced, strings scrubbed, errors flattened. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubText(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]";
  if (depth > 8) return "[nested]";
  seen.add(value);
  if (value instanceof Error) {
    const { name, message, stack } = value;
    const out: Record<string, unknown> = { type: name, message: scrubText(message) };
    if (stack) out.stack = scrubText(stack);
    const cause = (value as { cause?: unknown }).cause;
    if (cause !== undefined) out.cause = redact(cause, depth + 1, seen);
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1, seen);
    return out;
  }
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (value instanceof Headers) return redact(Object.fromEntries(value.entries()), depth + 1, seen);
  if (value instanceof URL) return scrubText(value.toString());
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1, seen);
  return out;
}

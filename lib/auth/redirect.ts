/**
 * Where a user may be sent after signing in: only somewhere on the current origin
 * (security case 6). Anything else — another host, another tenant, protocol-relative or
 * backslash tricks, javascript: — becomes `fallback`.
 */
export function safeRedirect(target: string | null | undefined, origin: string, fallback = "/"): string {
  if (!target) return fallback;
  const value = target.trim();
  if (/[\u0000-\u001f\\]/.test(value)) return fallback; // control characters and backslashes: browsers read "/\evil.com" as a host
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== new URL(origin).origin) return fallback;
  if (value.startsWith("//")) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Longest return path stored with a sign-in link; longer ones are refused rather than cut. */
export const RETURN_TO_MAX = 300;

/**
 * A return path carried through an emailed sign-in link (security case 49): stricter than
 * safeRedirect because it is stored and acted on later, so it is refused rather than resolved.
 * Only a relative path on the same host: starts with a single "/", no scheme, no host, no
 * backslash or control character (browsers read "/\evil.com" as a host), nothing under /api,
 * no dot segments that would climb elsewhere. Returns the path or null.
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > RETURN_TO_MAX) return null;
  if (!value.startsWith("/") || value.startsWith("//")) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, "http://return.invalid");
  } catch {
    return null;
  }
  // Whatever the browser would make of it must still be this host and the same path.
  if (url.origin !== "http://return.invalid") return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (path !== value) return null; // dot segments or encodings the browser would rewrite
  if (/^\/api(\/|$|\?|#)/i.test(url.pathname)) return null;
  return path;
}

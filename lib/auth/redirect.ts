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

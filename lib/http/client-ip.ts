import { BlockList, isIP } from "node:net";

/**
 * The client address of a request, decided once by the HTTP server in front of Next.js
 * (scripts/next-server.ts) and handed to the app in CLIENT_IP_HEADER, which that server always
 * overwrites. X-Forwarded-For is whatever the client sent unless the hop that sent it is a proxy
 * we were told to trust (PORTICO_TRUSTED_PROXIES), so by default only the socket counts.
 * Pure: no Node.js server objects, table-tested in client-ip.test.ts.
 */
export const CLIENT_IP_HEADER = "x-portico-client-ip";

export interface TrustedProxies {
  /** The entries as configured, for messages. */
  entries: string[];
  list: BlockList;
}

/** "::ffff:10.0.0.1" (IPv4 on a dual-stack socket) → "10.0.0.1"; trims; lower-cases IPv6. */
export function normaliseIp(raw: string | undefined | null): string | null {
  if (!raw) return null;
  let ip = raw.trim().toLowerCase();
  // "[2001:db8::1]:443" or "10.0.0.1:443" as some proxies write them.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) ip = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(":"));
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/.exec(ip);
  if (mapped) ip = mapped[1]!;
  return isIP(ip) ? ip : null;
}

/**
 * Parses "10.0.0.1, 10.1.0.0/16, fd00::/8". Throws with a message naming the bad entry; an empty
 * or missing value trusts no proxy.
 */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const list = new BlockList();
  const entries: string[] = [];
  for (const [i, rawEntry] of (value ?? "").split(",").entries()) {
    const entry = rawEntry.trim();
    if (!entry) continue;
    const [address, prefixText, extra] = entry.split("/");
    const ip = normaliseIp(address);
    const family = ip ? isIP(ip) : 0;
    const prefix =
      prefixText === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!ip || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new Error(
        `entry ${i + 1} ("${entry}") must be an IP address or a CIDR range, e.g. 10.0.0.1 or 10.0.0.0/8 or fd00::/8`,
      );
    }
    list.addSubnet(ip, prefix, family === 6 ? "ipv6" : "ipv4");
    entries.push(entry);
  }
  return { entries, list };
}

function isTrusted(ip: string, trusted: TrustedProxies): boolean {
  return trusted.list.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4");
}

/** Whether the socket's peer is one of the trusted proxies (whose X-Forwarded-For and X-Request-Id count). */
export function fromTrustedProxy(remoteAddress: string | undefined, trusted: TrustedProxies): boolean {
  const peer = normaliseIp(remoteAddress);
  return peer !== null && trusted.entries.length > 0 && isTrusted(peer, trusted);
}

/**
 * What the HTTP server in front of Next.js does to every request: sets CLIENT_IP_HEADER from the
 * socket (and a trusted proxy's X-Forwarded-For), replacing any value the client sent.
 */
export function stampClientIp(
  req: { socket: { remoteAddress?: string }; headers: Record<string, string | string[] | undefined> },
  trusted: TrustedProxies,
): void {
  req.headers[CLIENT_IP_HEADER] = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
}

/**
 * The client address: the socket's peer, unless that peer is a trusted proxy, in which case the
 * right-most X-Forwarded-For address that is not itself a trusted proxy (the left-most entries
 * are the client's own claims and never count). A malformed entry stops the walk at the last
 * trusted hop, which is then the best address we know.
 */
export function clientIp(
  remoteAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  const peer = normaliseIp(remoteAddress);
  if (!peer) return "unknown";
  if (trusted.entries.length === 0 || !isTrusted(peer, trusted)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .filter((h) => h.trim() !== "");
  let current = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i]);
    if (!hop) return current;
    if (!isTrusted(hop, trusted)) return hop;
    current = hop;
  }
  return current;
}

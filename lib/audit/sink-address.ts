import { BlockList, isIP } from "node:net";

/**
 * Where an audit sink may point (docs/decisions/049). A sink's address is typed by an agency or
 * tenant owner and then reached by the worker, so a careless or hostile address must not turn
 * the worker into a probe of the agency's own network (server-side request forgery, OWASP
 * A10:2021): only public addresses, checked when the sink is saved and again for every address
 * DNS returns at delivery time (a name may be re-pointed after saving). Private networks are
 * allowed only with PORTICO_AUDIT_SINKS_ALLOW_PRIVATE=true (tests, a SIEM on the agency's LAN).
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const)
  blocked.addSubnet(net, prefix, "ipv6");

/** Whether `ip` is a public unicast address (IPv4-mapped IPv6 is judged as its IPv4). */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return !blocked.check(mapped[1]!, "ipv4");
  return !blocked.check(ip, family === 4 ? "ipv4" : "ipv6");
}

export function isLoopbackAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped ? mapped[1]! : ip;
  return v4 === "::1" || (isIP(v4) === 4 && v4.startsWith("127."));
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export type SinkTarget = { kind: "webhook"; url: string } | { kind: "syslog"; host: string; port: number };

export type AddressCheck = { ok: true; target: SinkTarget } | { ok: false; error: string };

/** Checks a webhook URL as typed: https (http only for loopback when private addresses are allowed). */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): AddressCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, error: "Enter the webhook's full address, e.g. https://siem.example.com/portico." };
  }
  if (url.username || url.password)
    return { ok: false, error: "Leave credentials out of the address: Portico signs each request instead." };
  const host = url.hostname.toLowerCase();
  if (url.protocol === "http:") {
    if (!(allowPrivate && LOOPBACK_NAMES.has(host)))
      return {
        ok: false,
        error: "The webhook must use https:// (plain http is allowed only for a local test receiver).",
      };
  } else if (url.protocol !== "https:") {
    return { ok: false, error: "The webhook must use https://." };
  }
  const hostCheck = checkHostLiteral(host.replace(/^\[|\]$/g, ""), allowPrivate);
  if (hostCheck) return { ok: false, error: hostCheck };
  url.hash = "";
  return { ok: true, target: { kind: "webhook", url: url.toString() } };
}

/** Checks a syslog-over-TLS receiver's host and port. */
export function checkSyslogTarget(rawHost: string, port: number, allowPrivate: boolean): AddressCheck {
  const host = rawHost.trim().toLowerCase().replace(/\.$/, "");
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(host) &&
    !isIP(host)
  )
    return { ok: false, error: "Enter the syslog receiver's host name, e.g. logs.siem.example.com." };
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return { ok: false, error: "Enter the receiver's TLS port (1-65535; syslog over TLS is usually 6514)." };
  const hostCheck = checkHostLiteral(host, allowPrivate);
  if (hostCheck) return { ok: false, error: hostCheck };
  return { ok: true, target: { kind: "syslog", host, port } };
}

function checkHostLiteral(host: string, allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal") || host.endsWith(".local"))
    return `"${host}" is a local name; a sink must be reachable on the internet.`;
  if (isIP(host) && !isPublicAddress(host))
    return `${host} is a private, loopback or link-local address; a sink must have a public address.`;
  return null;
}

/** Refuses a resolved address at delivery time (DNS may point a saved name anywhere later). */
export function checkResolvedAddress(host: string, ip: string, allowPrivate: boolean): string | null {
  if (allowPrivate || isPublicAddress(ip)) return null;
  return `${host} resolves to ${ip}, a private, loopback or link-local address; delivery refused`;
}

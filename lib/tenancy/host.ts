/**
 * Host parsing and classification: the first thing every request goes through.
 * Pure and synchronous, so proxy.ts, the data-access layer and the tests share one definition.
 * The Host header is attacker-controlled: anything we cannot normalise is rejected, never guessed.
 */

export interface HostConfig {
  /** Root domain tenant subdomains hang off, e.g. "localhost" or "portico.example". */
  rootDomain: string;
  /** Host name of the agency dashboard, e.g. "admin.localhost". */
  agencyHost: string;
  /** What a bare IP address, "localhost" or the root domain itself serves. */
  bareHost: "agency" | "notFound";
}

export type HostClass =
  | { kind: "agency"; hostname: string }
  | { kind: "subdomain"; hostname: string; slug: string }
  | { kind: "custom"; hostname: string }
  | { kind: "none"; reason: string };

const MAX_HOST_LENGTH = 253;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
// Characters that never belong in a Host header: userinfo, paths, queries, escapes, whitespace.
const FORBIDDEN = /[\s@/\\?#%,;"'<>`{}|^*!$&()+=~]/u;

/**
 * Normalises a Host header to a bare ASCII host name: lower case, IDN → punycode, no port,
 * no trailing dot. Returns null for anything malformed.
 */
export function normaliseHost(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const value = raw.trim();
  if (value.length === 0 || value.length > MAX_HOST_LENGTH + 6 || FORBIDDEN.test(value)) return null;
  if (value.startsWith("[")) return normaliseIpv6(value);

  const colon = value.indexOf(":");
  let name = value;
  if (colon !== -1) {
    const port = value.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return null;
    name = value.slice(0, colon);
  }
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name.length === 0 || name.includes("..")) return null;

  let ascii: string;
  try {
    // WHATWG URL parsing applies UTS #46 (IDNA) mapping: "ÄCME.example" → "xn--cme-pla.example".
    ascii = new URL(`http://${name}/`).hostname;
  } catch {
    return null;
  }
  if (ascii.endsWith(".")) ascii = ascii.slice(0, -1);
  if (ascii.length === 0 || ascii.length > MAX_HOST_LENGTH) return null;
  if (IPV4.test(ascii)) return ascii;
  if (!ascii.split(".").every((label) => LABEL.test(label))) return null;
  return ascii;
}

function normaliseIpv6(value: string): string | null {
  const end = value.indexOf("]");
  if (end === -1) return null;
  const rest = value.slice(end + 1);
  if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return null;
  try {
    return new URL(`http://${value.slice(0, end + 1)}/`).hostname;
  } catch {
    return null;
  }
}

function isBare(hostname: string, config: HostConfig): boolean {
  return hostname === "localhost" || hostname === config.rootDomain || IPV4.test(hostname) || hostname.startsWith("[");
}

/** Classifies a raw Host header. Custom domains are only candidates: the resolver decides. */
export function classifyHost(raw: string | null | undefined, config: HostConfig): HostClass {
  const normalised = normaliseHost(raw);
  if (!normalised) return { kind: "none", reason: "malformed host" };

  // "www.acme.example" is the same portal as "acme.example"; never strip the last two labels.
  const hostname = normalised.startsWith("www.") && normalised.split(".").length > 2 ? normalised.slice(4) : normalised;

  if (hostname === config.agencyHost) return { kind: "agency", hostname };
  if (isBare(hostname, config)) {
    return config.bareHost === "agency"
      ? { kind: "agency", hostname }
      : { kind: "none", reason: "bare host is not configured to serve anything" };
  }

  const suffix = `.${config.rootDomain}`;
  if (hostname.endsWith(suffix)) {
    const sub = hostname.slice(0, -suffix.length);
    if (!sub.includes(".")) return { kind: "subdomain", hostname, slug: sub };
  }
  return { kind: "custom", hostname };
}

/** The public origin of a tenant's subdomain, for links and the URLs the dev server prints. */
export function tenantSubdomainHost(slug: string, config: Pick<HostConfig, "rootDomain">): string {
  return `${slug}.${config.rootDomain}`;
}

/** Every host a tenant answers on: its subdomain, then its custom domains. */
export function tenantHosts(
  slug: string,
  domains: ReadonlyArray<{ hostname: string }>,
  config: Pick<HostConfig, "rootDomain">,
): string[] {
  return [tenantSubdomainHost(slug, config), ...domains.map((d) => d.hostname)];
}

/**
 * The host a request is for. X-Forwarded-Host is honoured only when configured as trusted
 * (PORTICO_TRUST_FORWARDED_HOST), i.e. behind a proxy that sets it: otherwise any client could
 * claim to be another tenant (security case 2).
 */
export function requestHost(headers: Pick<Headers, "get">, trustForwarded: boolean): string | null {
  if (trustForwarded) {
    const forwarded = headers.get("x-forwarded-host")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return headers.get("host");
}

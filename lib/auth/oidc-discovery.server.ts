import "server-only";
import { InvalidInput } from "../util/errors.ts";

/**
 * An OpenID Connect issuer's discovery document, fetched and checked before a connection is
 * saved (security case 73): a wrong issuer, an unreachable or malformed document, or plain http
 * to anything but this machine is refused with a sentence saying what to fix, and nothing is
 * stored. Sign-in discovers again (openid-client), and the ID token's issuer is compared with the
 * saved one there too.
 */

export interface DiscoveredIssuer {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  userinfoEndpoint: string | null;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Plain http is accepted only for an issuer on this machine, and only where Portico itself is not
 * a production deployment served over https: development, tests, and the browser suite's local
 * server (which runs the production build over http).
 */
export function insecureLoopbackAllowed(publicScheme: "http" | "https"): boolean {
  return process.env.NODE_ENV !== "production" || publicScheme === "http";
}

/** The issuer as typed, checked for shape; the exact string is what tokens must name. */
export function checkIssuerUrl(raw: string, allowLoopbackHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInput("Enter the issuer as a full URL, e.g. https://login.example.com/realms/staff.");
  }
  if (url.search || url.hash || url.username || url.password)
    throw new InvalidInput("The issuer URL may not carry a query, fragment or user name; enter the issuer alone.");
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && allowLoopbackHttp && LOOPBACK.has(url.hostname)) return url;
  throw new InvalidInput("The issuer must use https (plain http only for an identity provider on this machine).");
}

/** Where an issuer's discovery document lives: the issuer without its trailing slash + the well-known path. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

const MAX_BYTES = 256 * 1024;

/**
 * Fetches and checks the discovery document of `issuer`. The document must name exactly this
 * issuer (OpenID Connect Discovery §4.3) and the authorization, token and JWKS endpoints, each on
 * a scheme the issuer itself may use.
 */
export async function discoverIssuer(
  issuer: string,
  options: { allowLoopbackHttp: boolean; timeoutMs?: number; fetch?: typeof fetch },
): Promise<DiscoveredIssuer> {
  checkIssuerUrl(issuer, options.allowLoopbackHttp);
  const url = discoveryUrl(issuer);
  let body: unknown;
  try {
    const response = await (options.fetch ?? fetch)(url, {
      headers: { accept: "application/json" },
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    if (!response.ok)
      throw new InvalidInput(
        `The identity provider answered ${response.status} at ${url}; check the issuer URL (it is the address before /.well-known).`,
      );
    const text = await response.text();
    if (text.length > MAX_BYTES) throw new InvalidInput(`The discovery document at ${url} is too large to be one.`);
    body = JSON.parse(text);
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    if (error instanceof SyntaxError)
      throw new InvalidInput(`${url} did not answer with a discovery document (JSON); check the issuer URL.`);
    throw new InvalidInput(
      `Could not reach the identity provider's discovery document at ${url}; check the issuer URL and that the provider is reachable from Portico's servers.`,
      { cause: error },
    );
  }
  const doc = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  if (doc.issuer !== issuer)
    throw new InvalidInput(
      `The discovery document names the issuer ${JSON.stringify(String(doc.issuer ?? "(none)")).slice(0, 300)}, not ${JSON.stringify(issuer)}; enter the issuer exactly as the provider states it.`,
    );
  const endpoint = (name: string, required: boolean): string | null => {
    const value = doc[name];
    if (value === undefined && !required) return null;
    if (typeof value !== "string")
      throw new InvalidInput(`The discovery document has no ${name}; is this an OpenID Connect provider?`);
    try {
      checkIssuerUrl(value, options.allowLoopbackHttp);
    } catch {
      throw new InvalidInput(`The discovery document's ${name} is not an https URL.`);
    }
    return value;
  };
  return {
    issuer,
    authorizationEndpoint: endpoint("authorization_endpoint", true)!,
    tokenEndpoint: endpoint("token_endpoint", true)!,
    jwksUri: endpoint("jwks_uri", true)!,
    userinfoEndpoint: endpoint("userinfo_endpoint", false),
  };
}

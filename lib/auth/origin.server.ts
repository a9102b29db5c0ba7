import "server-only";
import { headers } from "next/headers";
import { platform } from "../platform/platform.server.ts";
import { normaliseHost } from "../tenancy/host.ts";

/**
 * The origin the browser is on, from the Host header (never X-Forwarded-Host unless trusted):
 * next-auth builds its URLs and checks redirects against this.
 */
export async function currentOrigin(): Promise<string> {
  const h = await headers();
  const { env } = platform();
  const raw =
    (env.PORTICO_TRUST_FORWARDED_HOST && h.get("x-forwarded-host")?.split(",")[0]?.trim()) || h.get("host") || "";
  const hostname = normaliseHost(raw) ?? "invalid";
  const port = /:(\d{1,5})$/.exec(raw)?.[1];
  const https = env.PORTICO_TRUST_FORWARDED_HOST
    ? h.get("x-forwarded-proto") === "https"
    : env.PORTICO_PUBLIC_SCHEME === "https" && !port;
  return `${https ? "https" : "http"}://${hostname}${port ? `:${port}` : ""}`;
}

/**
 * An absolute link for an email, built from the tenant's registered host — never from the
 * request (security case 5: Host-header poisoning of reset and magic links).
 */
export function publicLink(registeredHost: string, path: string): string {
  const { env } = platform();
  const port = env.PORTICO_PUBLIC_PORT ? `:${env.PORTICO_PUBLIC_PORT}` : "";
  return `${env.PORTICO_PUBLIC_SCHEME}://${registeredHost}${port}${path}`;
}

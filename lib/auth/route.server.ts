import "server-only";
import { headers } from "next/headers";
import { platform } from "../platform/platform.server.ts";
import { normaliseHost } from "../tenancy/host.ts";

/**
 * next-auth derives its origin from X-Forwarded-Host. proxy.ts pins that header to the Host;
 * if the proxy was bypassed and the two disagree, the auth route refuses to answer at all.
 */
export async function forwardedHostIsConsistent(): Promise<boolean> {
  if (platform().env.PORTICO_TRUST_FORWARDED_HOST) return true;
  const h = await headers();
  const forwarded = h.get("x-forwarded-host");
  return !forwarded || normaliseHost(forwarded) === normaliseHost(h.get("host"));
}

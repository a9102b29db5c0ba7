import "server-only";
import { headers } from "next/headers";
import { CLIENT_IP_HEADER, normaliseIp } from "./client-ip.ts";

/**
 * This request's client address, as the HTTP server in front of Next.js decided it from the
 * socket (and a trusted proxy's X-Forwarded-For, when configured): scripts/next-server.ts
 * always overwrites the header, so a client cannot choose it. "unknown" if the app was started
 * some other way, which puts every such request in one bucket rather than trusting a header.
 */
export async function requestClientIp(): Promise<string> {
  return normaliseIp((await headers()).get(CLIENT_IP_HEADER)) ?? "unknown";
}

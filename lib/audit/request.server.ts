import "server-only";
import { headers } from "next/headers";
import { requestClientIp } from "../http/request-ip.server.ts";

/** Where a request came from, for the audit log: the client address (never a client's own X-Forwarded-For), and its agent. */
export async function requestOrigin(): Promise<{ ip: string | null; userAgent: string | null }> {
  const ip = await requestClientIp();
  return { ip: ip === "unknown" ? null : ip, userAgent: (await headers()).get("user-agent") };
}

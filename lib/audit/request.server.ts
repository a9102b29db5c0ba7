import "server-only";
import { headers } from "next/headers";

/** Where a request came from, for the audit log: the client address Next.js saw, and its agent. */
export async function requestOrigin(): Promise<{ ip: string | null; userAgent: string | null }> {
  const h = await headers();
  const ip = h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip") || null;
  return { ip, userAgent: h.get("user-agent") };
}

import "server-only";
import { requestClientIp } from "../http/request-ip.server.ts";
import { appThrottle } from "./lockouts.server.ts";
import { refusalResponse } from "../security/throttle.server.ts";

/**
 * In front of next-auth: a password sign-in POST (/api/auth/callback/password) for a locked
 * account, or from an address over its budget of failures, is answered 429 with Retry-After
 * before next-auth runs, so a script sees the refusal for what it is. next-auth's own client
 * (signIn with redirect: false) reads `url`; its `error` parameter carries the message.
 */
export async function refusedPasswordSignIn(
  request: Request,
  nextauth: string[],
  origin: string,
  account: (email: unknown) => string | null,
): Promise<Response | null> {
  if (request.method !== "POST" || nextauth[0] !== "callback" || nextauth[1] !== "password") return null;
  const form = await request
    .clone()
    .formData()
    .catch(() => null);
  const refusal = await appThrottle().signInRefusal({
    account: account(form?.get("email")) ?? "none",
    ip: await requestClientIp(),
  });
  if (!refusal) return null;
  return form?.get("json") === "true"
    ? refusalResponse(refusal, { url: `${origin}/sign-in?error=${encodeURIComponent(refusal.message)}` })
    : refusalResponse(refusal);
}

"use server";

import type { LinkRequestState } from "@/components/auth/email-link-request.tsx";
import { signUpMember, type SignUpResult } from "@/lib/portal/sign-up.server.ts";
import { sendTenantSignInLink } from "@/lib/auth/tenant-sign-in-link.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

// Server actions are POSTs that Next.js accepts only when Origin matches the Host (CSRF).
// The tenant comes from the Host header alone, never from the form.

export async function requestSignInLink(_state: LinkRequestState, form: FormData): Promise<LinkRequestState> {
  const tenant = await currentTenantFromHost();
  if (!tenant) return { kind: "error", message: "This portal is not available." };
  const result = await sendTenantSignInLink(tenant, form.get("email"));
  if (result === "invalid") return { kind: "error", message: "Enter a valid email address, like name@example.com." };
  if (typeof result === "object") return { kind: "error", message: result.message };
  return { kind: "info", message: "If that address has an account here, we have emailed it a sign-in link. It works once, within 15 minutes." };
}

export async function signUp(input: { name: string; email: string; password: string }): Promise<SignUpResult> {
  const tenant = await currentTenantFromHost();
  if (!tenant) return { ok: false, message: "This portal is not available." };
  return signUpMember(tenant, input);
}

import "server-only";
import { z } from "zod";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { emailAddress } from "../mail/address.ts";
import { portalSettings } from "./settings.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { limitAttempt } from "../auth/lockouts.server.ts";
import { tenantAccount } from "../security/throttle.server.ts";
import { ssoRequiredMessage, tenantSsoRequirement } from "../auth/sso-required.server.ts";
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword } from "../auth/credentials.server.ts";

export const signUpSchema = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(120, "Use at most 120 characters for your name."),
  email: emailAddress("Enter a valid email address, like name@example.com."),
  password: z
    .string()
    .min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters for your password.`)
    .max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters for your password.`),
});

export type SignUpResult = { ok: true } | { ok: false; message: string; field?: "name" | "email" | "password" };

export async function memberSignUpAllowed(tenant: ResolvedTenant): Promise<boolean> {
  return (await portalSettings(tenant)).allowMemberSignup;
}

/** Creates a member account in this tenant's database, if the tenant allows sign-up. */
export async function signUpMember(tenant: ResolvedTenant, input: unknown): Promise<SignUpResult> {
  if (!(await memberSignUpAllowed(tenant)))
    return { ok: false, message: `${tenant.name} does not take sign-ups here. Ask the organiser for an invitation.` };
  const parsed = signUpSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      message: issue?.message ?? "Check the form.",
      field: issue?.path[0] as "name" | "email" | "password",
    };
  }
  const { name, email, password } = parsed.data;
  const refusal = await limitAttempt("sign-up", tenantAccount(tenant.id, email));
  if (refusal) return { ok: false, message: refusal.message };
  // No password accounts at a verified domain under "SSO required" (docs/decisions/047).
  const required = await tenantSsoRequirement(tenant.id, email);
  if (required) return { ok: false, message: ssoRequiredMessage(required.provider), field: "email" };
  const passwordHash = await hashPassword(password);
  const created = await withTenantDb(tenant.id, (db) =>
    db.user.createMany({ data: [{ name, email, passwordHash, role: "member" }], skipDuplicates: true }),
  );
  // Only this tenant's accounts are consulted: the same address elsewhere is another account.
  if (created.count === 0)
    return {
      ok: false,
      message: "An account with this email already exists here. Sign in instead, or get a sign-in link.",
      field: "email",
    };
  return { ok: true };
}

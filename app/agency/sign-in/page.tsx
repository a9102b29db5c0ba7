import { redirect } from "next/navigation";
import { PasswordSignIn } from "@/components/auth/password-sign-in.tsx";
import { agencyUser, pendingAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";
import { SsoSignIn } from "@/components/auth/sso-sign-in.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { agencySsoConfig } from "@/lib/auth/agency-sso.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";

/** Why an agency single sign-on was refused; only these codes are shown, never the query's text. */
const SSO_REFUSALS: Record<string, string> = {
  unknown: "There is no agency account for that person. Ask an agency owner to invite you.",
  "no-role": "Your identity provider does not give you a role in this agency. Ask your IT team.",
  "email-missing": "Your identity provider did not share your email address. Ask your IT team.",
  "email-unverified": "Your identity provider does not confirm that your email address is verified. Ask your IT team.",
  deactivated: "This agency account has been deactivated. Ask an agency owner.",
  "linked-elsewhere":
    "This agency account is already linked to another identity at your provider. Ask an agency owner.",
  pending: "Your agency account is being set up. Sign in again in a minute.",
  token: "Your identity provider's answer did not pass our checks. Try again, or sign in with your password.",
  unavailable: "Single sign-on is not available right now. Sign in with your password.",
};

export const metadata = { title: "Sign in" };

export default async function AgencySignIn({
  searchParams,
}: {
  searchParams: Promise<{
    callbackUrl?: string | string[];
    ended?: string;
    invited?: string;
    sso?: string;
    error?: string;
  }>;
}) {
  const params = await searchParams;
  const requested = params.callbackUrl;
  const callbackUrl = safeRedirect(Array.isArray(requested) ? requested[0] : requested, await currentOrigin(), "/");
  if (await agencyUser()) redirect(callbackUrl);
  // Password given, second factor owed (docs/decisions/046): the second step, not the form again.
  if (await pendingAgencyUser()) redirect(`/sign-in/second-factor?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  const sso = agencySsoConfig(platform().env);
  const refusal =
    (params.sso && Object.hasOwn(SSO_REFUSALS, params.sso) ? SSO_REFUSALS[params.sso] : null) ??
    (params.sso || (params.error && /^(OAuth|Callback|AccessDenied)/.test(params.error))
      ? "Single sign-on did not complete. Try again, or sign in with your password."
      : null);
  return (
    <section className="mx-auto max-w-md rounded-2xl bg-white p-8 shadow-sm ring-1 ring-slate-200 [--brand-primary:#334155] [--brand-on-primary:#fff]">
      <h1 className="text-2xl font-semibold">Sign in to the agency dashboard</h1>
      {params.ended === "1" && (
        <p
          role="alert"
          data-testid="session-ended"
          className="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          Your session has ended: your agency account was deactivated or its sessions were revoked. If you think this is
          a mistake, ask an agency owner.
        </p>
      )}
      {params.invited === "1" && (
        <p
          role="status"
          data-testid="invited"
          className="mt-4 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
        >
          Your password is set. Sign in with it now.
        </p>
      )}
      {refusal && (
        <FormError message={refusal} look="box" className="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800" />
      )}
      {sso && (
        <div className="mt-6">
          <SsoSignIn label={`Sign in with ${sso.name}`} callbackUrl={callbackUrl} kind="agency" />
        </div>
      )}
      <div className="mt-6">
        <PasswordSignIn callbackUrl={callbackUrl} />
      </div>
    </section>
  );
}

import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { EmailLinkRequest } from "@/components/auth/email-link-request.tsx";
import { PasswordSignIn } from "@/components/auth/password-sign-in.tsx";
import { SsoSignIn } from "@/components/auth/sso-sign-in.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { ssoSignInOffer } from "@/lib/auth/sso-connection.server.ts";
import { samlSignInOffer } from "@/lib/auth/saml-sign-in.server.ts";
import { buttonClass } from "@/components/ui/submit-button.tsx";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";
import { memberSignUpAllowed } from "@/lib/portal/sign-up.server.ts";
import { pendingTenantUser, tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { requestSignInLink } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("signIn") };
}

type Props = {
  params: Promise<{ domain: string }>;
  searchParams: Promise<{ callbackUrl?: string | string[]; invited?: string; sso?: string; error?: string }>;
};

export default async function SignInPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const { callbackUrl: requested, invited, sso, error } = await searchParams;
  const callbackUrl = safeRedirect(
    Array.isArray(requested) ? requested[0] : requested,
    await currentOrigin(),
    "/account",
  );
  if (await tenantUser(tenant)) redirect(callbackUrl);
  // Half signed in (a second factor owed): the second step, not the password again.
  if (await pendingTenantUser(tenant))
    redirect(`/sign-in/second-factor?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  const t = await getTranslations("auth");
  const ts = await getTranslations("sso");
  // Single sign-on is offered beside the password, never instead of it: a broken identity
  // provider cannot lock the portal out. Only known codes are shown, never the query's text.
  const [offer, saml] = await Promise.all([ssoSignInOffer(tenant.id), samlSignInOffer(tenant.id)]);
  const refusal = ssoRefusalKey(sso, error);
  return (
    <AuthCard title={t("signInTo", { portal: tenant.name })}>
      {invited && (
        <p data-testid="invite-accepted" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {t("inviteAccepted", { email: invited.slice(0, 254) })}
        </p>
      )}
      {refusal && <FormError message={ts(`refusals.${refusal}`)} look="box" />}
      {offer && <SsoSignIn label={ts("signInWith", { name: offer.name })} callbackUrl={callbackUrl} />}
      {saml && (
        // A plain link: the start route answers with the redirect to the IdP (docs/decisions/043).
        <a
          href={`/api/auth/saml/start?returnTo=${encodeURIComponent(callbackUrl)}`}
          data-testid="saml-sign-in"
          className={buttonClass("brand", false, "w-full text-center")}
        >
          {ts("signInWith", { name: saml.name })}
        </a>
      )}
      {(offer || saml) && (
        <>
          <div className="flex items-center gap-3 text-xs uppercase tracking-wide opacity-80">
            <span className="h-px flex-1 bg-current" /> {t("or")} <span className="h-px flex-1 bg-current" />
          </div>
        </>
      )}
      <PasswordSignIn callbackUrl={callbackUrl} via="/sign-in/second-factor" />
      <p className="-mt-3 text-right text-sm">
        <Link href="/forgot-password" className="text-brand underline" data-testid="forgot-password">
          {t("forgotPassword")}
        </Link>
      </p>
      <div className="flex items-center gap-3 text-xs uppercase tracking-wide opacity-80">
        <span className="h-px flex-1 bg-current" /> or <span className="h-px flex-1 bg-current" />
      </div>
      <EmailLinkRequest action={requestSignInLink} returnTo={callbackUrl} />
      {(await memberSignUpAllowed(tenant)) && (
        <p className="text-center text-sm">
          {t("newHere")}{" "}
          <Link href="/sign-up" className="font-medium text-brand underline">
            {t("createAccount")}
          </Link>
        </p>
      )}
    </AuthCard>
  );
}

const REFUSALS = [
  "email-missing",
  "email-unverified",
  "deactivated",
  "linked-elsewhere",
  "token",
  "unavailable",
] as const;

/** The message for a refused single sign-on (`?sso=`) or one next-auth could not complete (`?error=`). */
function ssoRefusalKey(
  sso: string | undefined,
  error: string | undefined,
): (typeof REFUSALS)[number] | "failed" | null {
  const known = REFUSALS.find((r) => r === sso);
  if (known) return known;
  if (sso || (error && /^(OAuth|Callback|AccessDenied)/.test(error))) return "failed";
  return null;
}

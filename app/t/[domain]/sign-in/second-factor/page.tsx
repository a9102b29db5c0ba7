import { getTranslations } from "next-intl/server";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { PasskeyStep, RecoveryCodeForm, TotpCodeForm, TotpEnrolment } from "@/components/auth/second-factor-forms.tsx";
import { SignOutButton } from "@/components/auth/sign-out-button.tsx";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";
import { secondFactorsOf } from "@/lib/auth/second-factor.server.ts";
import { pendingTenantUser, tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import {
  beginEnrolmentAction,
  finishEnrolmentAction,
  passkeyOptionsAction,
  verifyPasskeyAction,
  verifyRecoveryCodeAction,
  verifyTotpAction,
} from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("secondFactor"))("title") };
}

type Props = {
  params: Promise<{ domain: string }>;
  searchParams: Promise<{ callbackUrl?: string | string[] }>;
};

/**
 * The second step of a sign-in (docs/decisions/045): only a half-signed-in session sees it. A
 * person with a factor proves it; one whose portal requires a factor they lack sets one up here.
 */
export default async function SecondFactorPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const { callbackUrl: requested } = await searchParams;
  const next = safeRedirect(Array.isArray(requested) ? requested[0] : requested, await currentOrigin(), "/account");
  const who = await pendingTenantUser(tenant);
  if (!who) {
    if (await tenantUser(tenant)) redirect(next);
    redirect(`/sign-in?callbackUrl=${encodeURIComponent(next)}`);
  }
  const t = await getTranslations("secondFactor");
  const factors = await secondFactorsOf(tenant.id, who.id);
  const enrolled = factors.totp || factors.passkeys.length > 0;
  return (
    <AuthCard title={t("title")}>
      <p className="text-sm" data-testid="second-factor-for">
        {t("signingInAs", { email: who.email })}
      </p>
      {!enrolled ? (
        <>
          <p className="text-sm" data-testid="second-factor-required">
            {t("requiredIntro", { portal: tenant.name })}
          </p>
          <TotpEnrolment begin={beginEnrolmentAction} finish={finishEnrolmentAction} next={next} />
        </>
      ) : (
        <>
          {factors.passkeys.length > 0 && (
            <PasskeyStep options={passkeyOptionsAction} verify={verifyPasskeyAction} next={next} />
          )}
          {factors.totp && <TotpCodeForm action={verifyTotpAction} next={next} />}
          {factors.recoveryCodesLeft > 0 && <RecoveryCodeForm action={verifyRecoveryCodeAction} next={next} />}
        </>
      )}
      <SignOutButton />
    </AuthCard>
  );
}

import { getTranslations } from "next-intl/server";
import { redirect } from "next/navigation";
import { RecoveryCodeForm, TotpCodeForm, TotpEnrolment } from "@/components/auth/second-factor-forms.tsx";
import { SignOutButton } from "@/components/auth/sign-out-button.tsx";
import { agencyUser, pendingAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { agencySecondFactorsOf } from "@/lib/auth/agency-second-factor.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";
import {
  beginAgencyEnrolmentAction,
  finishAgencyEnrolmentAction,
  verifyAgencyRecoveryCodeAction,
  verifyAgencyTotpAction,
} from "./actions.ts";

export const metadata = { title: "Two-step verification" };

/**
 * The second step of an agency sign-in (docs/decisions/046): only a half-signed-in session sees
 * it. A person with an app proves it (or uses a recovery code); an owner or operator without one
 * sets it up here, and sees their recovery codes once.
 */
export default async function AgencySecondFactorPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[] }>;
}) {
  const { callbackUrl: requested } = await searchParams;
  const next = safeRedirect(Array.isArray(requested) ? requested[0] : requested, await currentOrigin(), "/");
  const who = await pendingAgencyUser();
  if (!who) {
    if (await agencyUser()) redirect(next);
    redirect(`/sign-in?callbackUrl=${encodeURIComponent(next)}`);
  }
  const t = await getTranslations("secondFactor");
  const factors = await agencySecondFactorsOf(who);
  return (
    <section className="mx-auto max-w-md space-y-4 rounded-2xl bg-white p-8 shadow-sm ring-1 ring-slate-200 [--brand-primary:#334155] [--brand-on-primary:#fff]">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      <p className="text-sm" data-testid="second-factor-for">
        {t("signingInAs", { email: who.email })}
      </p>
      {!factors.totp ? (
        <>
          <p className="text-sm" data-testid="second-factor-required">
            {t("agencyRequiredIntro")}
          </p>
          <TotpEnrolment begin={beginAgencyEnrolmentAction} finish={finishAgencyEnrolmentAction} next={next} />
        </>
      ) : (
        <>
          <TotpCodeForm action={verifyAgencyTotpAction} next={next} />
          {factors.recoveryCodesLeft > 0 && <RecoveryCodeForm action={verifyAgencyRecoveryCodeAction} next={next} />}
        </>
      )}
      <SignOutButton />
    </section>
  );
}

import { getTranslations } from "next-intl/server";
import { SecondFactorButton, TotpEnrolment } from "@/components/auth/second-factor-forms.tsx";
import type { AgencySecondFactors } from "@/lib/auth/agency-second-factor.server.ts";
import {
  agencyRecoveryCodesAction,
  beginAgencyTotpAction,
  finishAgencyTotpAction,
  removeAgencyTotpAction,
} from "./second-factor-actions.ts";

/** The agency account page's two-step verification: an authenticator app and recovery codes. */
export async function AgencySecondFactorSection({ factors }: { factors: AgencySecondFactors }) {
  const t = await getTranslations("secondFactor");
  return (
    <section
      className="mt-6 space-y-4 rounded-xl bg-white p-5 ring-1 ring-slate-200 [--brand-primary:#334155] [--brand-on-primary:#fff]"
      aria-labelledby="second-factor-heading"
      data-testid="second-factors"
    >
      <h2 id="second-factor-heading" className="font-medium">
        {t("accountTitle")}
      </h2>
      <p className="text-sm" data-testid="second-factor-status" data-enrolled={factors.totp ? "yes" : "no"}>
        {factors.required ? t("agencyRequiredHere") : factors.totp ? t("onHere") : t("agencyOffHere")}
      </p>
      <div className="space-y-2">
        <h3 className="font-medium">{t("appTitle")}</h3>
        {factors.totp ? (
          <>
            <p className="text-sm" data-testid="totp-on">
              {t("appOn")} {t("agencyCodeToChange")}
            </p>
            <SecondFactorButton
              action={removeAgencyTotpAction}
              label={t("removeApp")}
              kind="quiet-danger"
              testId="remove-totp"
              askCode
            />
          </>
        ) : (
          <TotpEnrolment begin={beginAgencyTotpAction} finish={finishAgencyTotpAction} next="/account" />
        )}
      </div>
      {factors.totp && (
        <div className="space-y-2">
          <h3 className="font-medium">{t("recoveryTitle")}</h3>
          <p className="text-sm" data-testid="recovery-left">
            {t("recoveryLeft", { count: factors.recoveryCodesLeft })}
          </p>
          <SecondFactorButton
            action={agencyRecoveryCodesAction}
            label={t("newRecoveryCodes")}
            testId="new-recovery-codes"
            askCode
          />
        </div>
      )}
    </section>
  );
}

import { getTranslations } from "next-intl/server";
import { AddPasskey, SecondFactorButton, TotpEnrolment } from "@/components/auth/second-factor-forms.tsx";
import type { SecondFactors } from "@/lib/auth/second-factor.server.ts";
import {
  addPasskeyAction,
  beginTotpAction,
  finishTotpAction,
  passkeyRegistrationAction,
  recoveryCodesAction,
  removePasskeyAction,
  removeTotpAction,
} from "./second-factor-actions.ts";

/** The account page's two-step verification: an authenticator app, passkeys and recovery codes. */
export async function SecondFactorSection({
  factors,
  required,
  when,
}: {
  factors: SecondFactors;
  required: boolean;
  when: (d: Date) => string;
}) {
  const t = await getTranslations("secondFactor");
  const enrolled = factors.totp || factors.passkeys.length > 0;
  return (
    <section className="space-y-4" aria-labelledby="second-factor-heading" data-testid="second-factors">
      <h2 id="second-factor-heading" className="text-lg font-semibold">
        {t("accountTitle")}
      </h2>
      <p className="text-sm" data-testid="second-factor-status" data-enrolled={enrolled ? "yes" : "no"}>
        {required ? t("requiredHere") : enrolled ? t("onHere") : t("offHere")}
      </p>
      <div className="space-y-2">
        <h3 className="font-medium">{t("appTitle")}</h3>
        {factors.totp ? (
          <div className="flex flex-wrap items-center gap-3">
            <p className="text-sm" data-testid="totp-on">
              {t("appOn")}
            </p>
            <SecondFactorButton
              action={removeTotpAction}
              label={t("removeApp")}
              kind="quiet-danger"
              testId="remove-totp"
            />
          </div>
        ) : (
          <TotpEnrolment begin={beginTotpAction} finish={finishTotpAction} next="/account" />
        )}
      </div>
      <div className="space-y-2">
        <h3 className="font-medium">{t("passkeysTitle")}</h3>
        {factors.passkeys.length > 0 && (
          <ul className="space-y-2 text-sm" data-testid="passkeys">
            {factors.passkeys.map((p) => (
              <li key={p.id} className="flex flex-wrap items-center justify-between gap-2" data-testid="passkey">
                <span>
                  <span className="font-medium">{p.name}</span> ·{" "}
                  {p.lastUsedAt ? t("lastUsed", { when: when(p.lastUsedAt) }) : t("added", { when: when(p.createdAt) })}
                </span>
                <SecondFactorButton
                  action={removePasskeyAction}
                  label={t("remove")}
                  name="passkey"
                  value={p.id}
                  kind="quiet-danger"
                  testId="remove-passkey"
                />
              </li>
            ))}
          </ul>
        )}
        <AddPasskey options={passkeyRegistrationAction} add={addPasskeyAction} />
      </div>
      {enrolled && (
        <div className="space-y-2">
          <h3 className="font-medium">{t("recoveryTitle")}</h3>
          <p className="text-sm" data-testid="recovery-left">
            {t("recoveryLeft", { count: factors.recoveryCodesLeft })}
          </p>
          <SecondFactorButton action={recoveryCodesAction} label={t("newRecoveryCodes")} testId="new-recovery-codes" />
        </div>
      )}
    </section>
  );
}

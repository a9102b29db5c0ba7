import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { OneClickSignIn } from "@/components/auth/one-click-sign-in.tsx";
import { HANDOFF_SECONDS, peekImpersonation } from "@/lib/auth/impersonation.server.ts";
import { requireRuntime } from "@/lib/config/env.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("agencyAccess") };
}

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

/** Where an agency owner's hand-off link lands: says who, as whom and why, and waits for a click. */
export default async function ImpersonatePage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const token = (await searchParams).token;
  const { control, env } = platform();
  const handoff = await peekImpersonation(
    { control, secretKey: requireRuntime(env).secretKey },
    tenant.id,
    typeof token === "string" ? token : null,
  );
  const t = await getTranslations("auth");
  return (
    <AuthCard title={t("agencyAccess")}>
      {handoff.state === "ready" && typeof token === "string" ? (
        <>
          <p className="text-sm" data-testid="handoff-summary">
            {t.rich("handoff", {
              strong: (chunks) => <strong>{chunks}</strong>,
              agencyUser: handoff.agencyUserEmail,
              portal: tenant.name,
              target: handoff.targetEmail,
              reason: handoff.reason,
            })}
          </p>
          <OneClickSignIn
            provider="impersonation"
            token={token}
            callbackUrl="/manage"
            label={t("openPortal")}
            pendingLabel={t("opening")}
            refused={t("handoffRefused")}
          />
        </>
      ) : (
        <p role="alert" data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {handoff.state === "used"
            ? t("handoffUsed")
            : handoff.state === "expired"
              ? t("handoffExpired", { seconds: HANDOFF_SECONDS })
              : t("handoffInvalid")}
        </p>
      )}
    </AuthCard>
  );
}

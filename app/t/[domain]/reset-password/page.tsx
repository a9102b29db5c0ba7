import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { InviteForm } from "@/components/auth/invite-form.tsx";
import { LINK_REFUSAL, peekPasswordReset } from "@/lib/auth/tenant-account.server.ts";
import { asLocale, DEFAULT_LOCALE } from "@/lib/format/locale.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { localiseServerText } from "@/lib/portal/server-text.ts";
import { resetPasswordAction } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("resetPassword") };
}

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

/** Where a reset link lands: choose a new password (the token is used once, on submit). */
export default async function ResetPasswordPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const raw = (await searchParams).token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  const reset = await peekPasswordReset(tenant, token);
  const t = await getTranslations("auth");
  if (reset.state !== "ready") {
    return (
      <AuthCard title={t("resetInvalidTitle")}>
        <p role="alert" data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {localiseServerText(LINK_REFUSAL.reset[reset.state], asLocale(await getLocale()) ?? DEFAULT_LOCALE)}
        </p>
        <Link href="/forgot-password" className="font-medium text-brand underline">
          {t("forgotPassword")}
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t("resetTitle")}>
      <p>
        {t.rich("resetFor", {
          email: reset.email,
          strong: (chunks) => <span className="font-medium">{chunks}</span>,
        })}
      </p>
      <InviteForm token={token as string} accept={resetPasswordAction} />
    </AuthCard>
  );
}

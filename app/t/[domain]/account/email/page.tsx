import { getLocale, getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { ConfirmEmailForm } from "@/components/auth/account-forms.tsx";
import { LINK_REFUSAL, peekEmailChange } from "@/lib/auth/tenant-account.server.ts";
import { asLocale, DEFAULT_LOCALE } from "@/lib/format/locale.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { localiseServerText } from "@/lib/portal/server-text.ts";
import { confirmEmailAction } from "../actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("confirmEmail") };
}

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

/** Where the link sent to a new address lands: one click applies the change. */
export default async function ConfirmEmailPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const raw = (await searchParams).token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  const change = await peekEmailChange(tenant, token);
  const t = await getTranslations("account");
  return (
    <AuthCard title={t("emailConfirmTitle")}>
      {change.state === "ready" ? (
        <>
          <p>
            {t.rich("emailConfirmBody", {
              email: change.email,
              strong: (chunks) => <span className="font-medium">{chunks}</span>,
            })}
          </p>
          <ConfirmEmailForm token={token as string} action={confirmEmailAction} />
        </>
      ) : (
        <p role="alert" data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {localiseServerText(LINK_REFUSAL.email[change.state], asLocale(await getLocale()) ?? DEFAULT_LOCALE)}
        </p>
      )}
    </AuthCard>
  );
}

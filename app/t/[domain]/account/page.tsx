import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import {
  ChangeEmailForm,
  ChangePasswordForm,
  SessionList,
  SetPasswordByLink,
} from "@/components/auth/account-forms.tsx";
import { MemberLanguageForm } from "@/components/portal/language-forms.tsx";
import { memberLocale } from "@/lib/portal/request-locale.server.ts";
import { portalSettings } from "@/lib/portal/settings.server.ts";
import { chooseMemberLocale } from "../language-actions.ts";
import { SignOutButton } from "@/components/auth/sign-out-button.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { hasPassword, mySessions } from "@/lib/auth/tenant-account.server.ts";
import { dateTimeFormat } from "@/lib/format/date-time-format.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { changeEmailAction, changePasswordAction, endSessionAction, setPasswordLinkAction } from "./actions.ts";
import { secondFactorsOf } from "@/lib/auth/second-factor.server.ts";
import { tenantNeedsSecondFactor } from "@/lib/auth/second-factor-policy.ts";
import { SecondFactorSection } from "./second-factor-section.tsx";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("account") };
}

export default async function AccountPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/account");
  const t = await getTranslations("account");
  const tr = await getTranslations("roleName");
  // An agency owner viewing the portal as this user does not manage their sessions, password,
  // address or sign-in methods.
  const own = !user.impersonation;
  const [chosen, settings, sessions, withPassword, factors, locale] = await Promise.all([
    memberLocale(tenant, user),
    portalSettings(tenant),
    own ? mySessions(tenant, user) : [],
    hasPassword(tenant, user),
    own ? secondFactorsOf(tenant.id, user.id) : null,
    getLocale(),
  ]);
  const when = (d: Date) =>
    `${dateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(d)} UTC`;
  return (
    <AuthCard title={t("title")}>
      <dl className="grid grid-cols-[6rem_1fr] gap-2 text-sm" data-testid="account">
        <dt className="font-medium opacity-70">{t("name")}</dt>
        <dd data-testid="account-name">{user.name}</dd>
        <dt className="font-medium opacity-70">{t("email")}</dt>
        <dd data-testid="account-email">{user.email}</dd>
        <dt className="font-medium opacity-70">{t("role")}</dt>
        <dd data-testid="account-role" data-role={user.role}>
          {tr(user.role)}
        </dd>
      </dl>
      <MemberLanguageForm chosen={chosen} portalDefault={settings.defaultLocale} choose={chooseMemberLocale} />
      <SignOutButton />
      {own && (
        <Link href="/account/data" className="block text-sm text-brand hover:underline" data-testid="my-data-link">
          {t("myDataLink")}
        </Link>
      )}
      {own && (
        <section className="space-y-3" aria-labelledby="sessions-heading">
          <h2 id="sessions-heading" className="text-lg font-semibold">
            {t("sessionsTitle")}
          </h2>
          <SessionList
            sessions={sessions.map((s) => ({
              id: s.id,
              device: t("device", { browser: s.browser, os: s.os }),
              ip: s.ip,
              created: when(s.createdAt),
              lastSeen: when(s.lastSeenAt),
              current: s.current,
            }))}
            action={endSessionAction}
          />
        </section>
      )}
      {own && (
        <section className="space-y-3" aria-labelledby="password-heading">
          <h2 id="password-heading" className="text-lg font-semibold">
            {t("passwordTitle")}
          </h2>
          {withPassword ? (
            <ChangePasswordForm action={changePasswordAction} />
          ) : (
            <SetPasswordByLink action={setPasswordLinkAction} />
          )}
        </section>
      )}
      {own && (
        <section className="space-y-3" aria-labelledby="email-heading">
          <h2 id="email-heading" className="text-lg font-semibold">
            {t("emailTitle")}
          </h2>
          <ChangeEmailForm action={changeEmailAction} />
        </section>
      )}
      {factors && (
        <SecondFactorSection
          factors={factors}
          required={tenantNeedsSecondFactor(settings.secondFactorPolicy, user.role)}
          when={when}
        />
      )}
    </AuthCard>
  );
}

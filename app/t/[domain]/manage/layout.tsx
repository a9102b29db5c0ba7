import Link from "next/link";
import { NextIntlClientProvider } from "next-intl";
import { getMessages, getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { CLIENT_NAMESPACES, clientMessages, type Messages, STAFF_CLIENT_NAMESPACES } from "@/messages/catalogues.ts";

/** The portal's staff area: staff, admins and owners of this tenant only. */
export default async function ManageLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ domain: string }>;
}) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/manage", "staff");
  const [t, ta] = await Promise.all([getTranslations("manage"), getTranslations("audit")]);
  return (
    <div>
      <nav aria-label={t("nav")} className="mb-6 flex flex-wrap gap-4 text-sm font-medium">
        <Link href="/manage" className="text-brand hover:underline">
          {t("events")}
        </Link>
        {(user.role === "admin" || user.role === "owner") && (
          <>
            <Link href="/manage/team" className="text-brand hover:underline">
              {t("team")}
            </Link>
            <Link href="/manage/settings" className="text-brand hover:underline">
              {t("settings")}
            </Link>
            <Link href="/manage/audit" className="text-brand hover:underline">
              {ta("nav")}
            </Link>
            <Link href="/manage/privacy" className="text-brand hover:underline">
              {t("privacy")}
            </Link>
          </>
        )}
        {user.role === "owner" && (
          <>
            <Link href="/manage/domains" className="text-brand hover:underline">
              {t("domains")}
            </Link>
            <Link href="/manage/streams" className="text-brand hover:underline">
              {t("streams")}
            </Link>
          </>
        )}
      </nav>
      <NextIntlClientProvider
        messages={clientMessages((await getMessages()) as Messages, [...CLIENT_NAMESPACES, ...STAFF_CLIENT_NAMESPACES])}
      >
        {children}
      </NextIntlClientProvider>
    </div>
  );
}

import type { Metadata } from "next";
import { getLocale, getTranslations } from "next-intl/server";
import { unstable_rethrow } from "next/navigation";
import type { ReactNode } from "react";
import { BrandedShell } from "@/components/portal/branded-shell.tsx";
import { TenantNotice } from "@/components/portal/tenant-notice.tsx";
import { tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { endImpersonationAction } from "./impersonation/actions.ts";
import { PortalUnavailable } from "@/components/portal/portal-unavailable.tsx";
import { ControlPlaneUnavailable, TenantUnavailable } from "@/lib/util/errors.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { LanguagePicker } from "@/components/portal/language-forms.tsx";
import { chooseVisitorLocale } from "./language-actions.ts";

// Every page depends on the Host header and live data: never prerendered or cached across requests.
export const dynamic = "force-dynamic";

type Props = { children: ReactNode; params: Promise<{ domain: string }> };

export async function generateMetadata({ params }: Pick<Props, "params">): Promise<Metadata> {
  try {
    const tenant = await currentTenant((await params).domain);
    return { title: { default: tenant.name, template: `%s · ${tenant.name}` }, icons: { icon: tenant.theme.logo.src } };
  } catch (error) {
    // notFound() and friends go on; a control plane that does not answer is left to the layout,
    // which meets the same failure and reports it (an error thrown here would bypass that).
    unstable_rethrow(error);
    return { title: (await getTranslations("meta"))("unavailable") };
  }
}

export default async function TenantLayout({ children, params }: Props) {
  let tenant;
  try {
    tenant = await currentTenant((await params).domain);
  } catch (error) {
    // A host never seen while the control plane is down: a neutral, server-rendered notice.
    if (error instanceof ControlPlaneUnavailable) return <PortalUnavailable />;
    throw error;
  }
  // An unreachable tenant database must not take the chrome down with it: show it signed out.
  // A portal in maintenance does not query its database at all.
  const user = tenant.maintenance
    ? null
    : await tenantUser(tenant).catch((error: unknown) => {
        if (error instanceof TenantUnavailable) return null;
        throw error;
      });
  // Visitors pick a language in the footer; members choose theirs on their account page.
  return (
    <BrandedShell
      tenant={tenant}
      user={user}
      endImpersonation={user?.impersonation ? endImpersonationAction : undefined}
      languagePicker={
        user || tenant.status !== "active" || tenant.maintenance ? null : (
          <LanguagePicker current={await getLocale()} choose={chooseVisitorLocale} />
        )
      }
    >
      {tenant.status === "suspended" ? (
        <TenantNotice tenant={tenant} kind="suspended" />
      ) : tenant.maintenance ? (
        <TenantNotice tenant={tenant} kind="maintenance" />
      ) : (
        children
      )}
    </BrandedShell>
  );
}

import Link from "next/link";
import { useTranslations } from "next-intl";
import type { CSSProperties, ReactNode } from "react";
import type { TenantUser } from "@/lib/auth/tenant-guard.server.ts";
import type { ResolvedTenant } from "@/lib/tenancy/resolver.ts";
import { themeToCssVars } from "@/lib/tenancy/theme.ts";
import { SiteMenu } from "@/components/ui/site-menu.tsx";

const navLink =
  "flex min-h-11 items-center whitespace-nowrap rounded px-3 py-2 hover:underline sm:min-h-0 sm:px-2 sm:py-1";

/** The tenant's chrome: its colours, font, logo and name. White-label: no agency branding. */
export function BrandedShell({
  tenant,
  user,
  endImpersonation,
  languagePicker,
  children,
}: {
  tenant: ResolvedTenant;
  user: TenantUser | null;
  /** The "End impersonation" server action, while an agency owner is viewing as `user`. */
  endImpersonation?: (form: FormData) => Promise<void>;
  /** The visitors' language picker, in the footer; members choose on their account page. */
  languagePicker?: ReactNode;
  children: ReactNode;
}) {
  const t = useTranslations("shell");
  const roleName = useTranslations("roleName");
  const style = themeToCssVars(tenant.theme) as CSSProperties;
  return (
    <div style={style} data-tenant={tenant.slug} className="flex min-h-screen flex-col bg-page font-brand text-ink">
      <a href="#main" className="skip-link">
        {t("skip")}
      </a>
      {user?.impersonation && (
        // Not white-label on purpose: whoever sits at this screen must not mistake it for the admin's own session.
        <div role="status" data-testid="impersonation-banner" className="sticky top-0 z-50 bg-amber-400 text-amber-950">
          <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2 text-sm sm:px-6">
            <span>
              {t.rich("impersonating", {
                strong: (chunks) => <strong>{chunks}</strong>,
                name: user.name,
                email: user.email,
                role: roleName(user.role),
                agencyUser: user.impersonation.agencyUserEmail,
                time: user.impersonation.sessionExpiresAt.toISOString().slice(11, 16),
              })}
            </span>
            {endImpersonation && (
              <form action={endImpersonation} className="ml-auto">
                <button type="submit" className="rounded bg-amber-950 px-3 py-1 font-medium text-amber-50">
                  {t("endImpersonation")}
                </button>
              </form>
            )}
          </div>
        </div>
      )}
      <header className="on-brand bg-brand text-on-brand shadow-sm">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3 sm:flex-nowrap sm:px-6 sm:py-4">
          <Link href="/" className="mr-auto flex min-w-0 items-center gap-3 rounded">
            {/* eslint-disable-next-line @next/next/no-img-element -- small same-origin SVG logos */}
            <img
              src={tenant.theme.logo.src}
              alt={tenant.theme.logo.alt}
              width={40}
              height={40}
              className="h-10 w-10 shrink-0"
            />
            <span data-testid="tenant-name" className="truncate text-lg font-semibold tracking-tight sm:text-xl">
              {tenant.name}
            </span>
          </Link>
          <SiteMenu controls="site-nav" label={t("menu")} />
          <nav
            id="site-nav"
            aria-label={t("main")}
            className="site-nav flex basis-full flex-col border-t border-current/20 pt-2 text-sm font-medium sm:basis-auto sm:flex-row sm:items-center sm:border-0 sm:pt-0"
          >
            {user ? (
              <>
                {user.role !== "member" && (
                  <Link href="/manage" data-testid="manage-link" className={navLink}>
                    {t("manage")}
                  </Link>
                )}
                <Link href="/registrations" className={navLink}>
                  {t("myRegistrations")}
                </Link>
                <Link href="/account" data-testid="signed-in-as" className={navLink}>
                  {user.name}
                </Link>
              </>
            ) : (
              <Link href="/sign-in" className={navLink}>
                {t("signIn")}
              </Link>
            )}
          </nav>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:px-6">
        {children}
      </main>
      <footer className="flex flex-wrap items-center justify-center gap-x-6 gap-y-2 border-t border-black/5 py-6 text-center text-sm">
        <span className="opacity-70">© {tenant.name}</span>
        {languagePicker}
      </footer>
    </div>
  );
}

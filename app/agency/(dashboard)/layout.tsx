import Link from "next/link";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/auth/sign-out-button.tsx";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { SiteMenu } from "@/components/ui/site-menu.tsx";

const LINKS = [
  ["/", "Tenants"],
  ["/migrations", "Migrations"],
  ["/insights", "Charts"],
  ["/audit", "Audit log"],
  ["/users", "Agency users"],
] as const;

/** Every dashboard page needs a signed-in agency user (the agency realm's own session). */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requireAgencyUser("/");
  return (
    <>
      <div className="mb-6 flex flex-wrap items-center justify-end gap-x-3 gap-y-2 text-sm text-slate-700">
        <SiteMenu controls="dashboard-nav" className="mr-auto" />
        <nav
          id="dashboard-nav"
          aria-label="Dashboard"
          className="site-nav order-last flex basis-full flex-col font-medium sm:order-none sm:mr-auto sm:basis-auto sm:flex-row sm:flex-wrap sm:gap-x-4 sm:gap-y-1"
        >
          {LINKS.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              className="flex min-h-11 items-center whitespace-nowrap rounded px-3 py-2 hover:underline sm:min-h-0 sm:px-0 sm:py-0"
            >
              {label}
            </Link>
          ))}
        </nav>
        <Link
          href="/account"
          data-testid="agency-user"
          className="min-w-0 truncate hover:underline"
          title="Your account"
        >
          {user.name} · {user.role}
        </Link>
        <SignOutButton />
      </div>
      {children}
    </>
  );
}

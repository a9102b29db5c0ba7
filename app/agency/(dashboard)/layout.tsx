import Link from "next/link";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/auth/sign-out-button.tsx";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";

/** Every dashboard page needs a signed-in agency user (the agency realm's own session). */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requireAgencyUser("/");
  return (
    <>
      <div className="mb-6 flex items-center justify-end gap-3 text-sm text-slate-600">
        <nav aria-label="Dashboard" className="mr-auto flex gap-4 font-medium">
          <Link href="/" className="hover:underline">
            Tenants
          </Link>
          <Link href="/migrations" className="hover:underline">
            Migrations
          </Link>
          <Link href="/insights" className="hover:underline">
            Charts
          </Link>
          <Link href="/audit" className="hover:underline">
            Audit log
          </Link>
          <Link href="/users" className="hover:underline">
            Agency users
          </Link>
        </nav>
        <span data-testid="agency-user">
          {user.name} · {user.role}
        </span>
        <SignOutButton />
      </div>
      {children}
    </>
  );
}

import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";

// Every page depends on the Host header and live data: never prerendered or cached across requests.
export const dynamic = "force-dynamic";

// The icon is under /brand/, which every host serves as a static file (proxy.ts passes it through).
export const metadata = {
  title: { default: "Portico · Agency", template: "%s · Portico" },
  icons: { icon: "/brand/portico.svg" },
};

/** Agency pages exist only on the agency host, whatever path reached them (security case 12). */
export default async function AgencyLayout({ children }: { children: ReactNode }) {
  if ((await currentHost()).kind !== "agency") notFound();
  return (
    <div className="min-h-screen bg-slate-50 text-slate-900">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center gap-3 px-4 py-3 sm:px-6">
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src="/brand/portico.svg" alt="" width={28} height={28} />
          <span className="font-semibold">Portico</span>
          <span className="text-sm text-slate-600">Agency dashboard</span>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
        {children}
      </main>
    </div>
  );
}

import { redirect } from "next/navigation";
import { PasswordSignIn } from "@/components/auth/password-sign-in.tsx";
import { agencyUser } from "@/lib/auth/agency-auth.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";

export const metadata = { title: "Sign in" };

export default async function AgencySignIn({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  const requested = (await searchParams).callbackUrl;
  const callbackUrl = safeRedirect(Array.isArray(requested) ? requested[0] : requested, await currentOrigin(), "/");
  if (await agencyUser()) redirect(callbackUrl);
  return (
    <section className="mx-auto max-w-md rounded-2xl bg-white p-8 shadow-sm ring-1 ring-slate-200 [--brand-primary:#334155] [--brand-on-primary:#fff]">
      <h1 className="text-2xl font-semibold">Sign in to the agency dashboard</h1>
      <div className="mt-6">
        <PasswordSignIn callbackUrl={callbackUrl} />
      </div>
    </section>
  );
}

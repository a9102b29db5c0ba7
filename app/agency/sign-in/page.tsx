import { redirect } from "next/navigation";
import { PasswordSignIn } from "@/components/auth/password-sign-in.tsx";
import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";

export const metadata = { title: "Sign in" };

export default async function AgencySignIn({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; ended?: string; invited?: string }>;
}) {
  const params = await searchParams;
  const requested = params.callbackUrl;
  const callbackUrl = safeRedirect(Array.isArray(requested) ? requested[0] : requested, await currentOrigin(), "/");
  if (await agencyUser()) redirect(callbackUrl);
  return (
    <section className="mx-auto max-w-md rounded-2xl bg-white p-8 shadow-sm ring-1 ring-slate-200 [--brand-primary:#334155] [--brand-on-primary:#fff]">
      <h1 className="text-2xl font-semibold">Sign in to the agency dashboard</h1>
      {params.ended === "1" && (
        <p
          role="alert"
          data-testid="session-ended"
          className="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          Your session has ended: your agency account was deactivated or its sessions were revoked. If you think this is
          a mistake, ask an agency owner.
        </p>
      )}
      {params.invited === "1" && (
        <p
          role="status"
          data-testid="invited"
          className="mt-4 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
        >
          Your password is set. Sign in with it now.
        </p>
      )}
      <div className="mt-6">
        <PasswordSignIn callbackUrl={callbackUrl} />
      </div>
    </section>
  );
}

import type { ResolvedTenant } from "@/lib/tenancy/resolver.ts";

/** A branded notice in place of the page: the portal is unreachable or suspended. */
export function TenantNotice({ tenant, kind }: { tenant: ResolvedTenant; kind: "unavailable" | "suspended" | "maintenance" }) {
  const copy = {
    unavailable: { title: "This portal is temporarily unavailable", body: `We can't reach ${tenant.name}'s data right now. Please try again in a few minutes.` },
    suspended: { title: "This portal is currently suspended", body: `${tenant.name} is not available at the moment. Please contact the organiser for details.` },
    maintenance: { title: "Down for maintenance", body: `${tenant.name} is being upgraded and will be back in a few minutes. Nothing you entered is lost.` },
  }[kind];
  return (
    <section role="alert" data-testid={`tenant-${kind}`} className="mx-auto max-w-xl rounded-2xl bg-surface p-8 text-center shadow-sm ring-1 ring-black/5">
      <div className="mx-auto mb-4 h-1.5 w-16 rounded-full bg-accent" />
      <h1 className="text-2xl font-semibold">{copy.title}</h1>
      <p className="mt-3 opacity-80">{copy.body}</p>
    </section>
  );
}

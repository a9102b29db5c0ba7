import { useLocale } from "next-intl";
import { noticeCopy, type NoticeKind } from "@/lib/portal/notice.ts";
import type { ResolvedTenant } from "@/lib/tenancy/resolver.ts";

/** A branded notice in place of the page: the portal is unreachable or suspended. */
export function TenantNotice({ tenant, kind }: { tenant: ResolvedTenant; kind: NoticeKind }) {
  const copy = noticeCopy(tenant.name, kind, useLocale());
  return (
    <section
      role="alert"
      data-testid={`tenant-${kind}`}
      className="mx-auto max-w-xl rounded-2xl bg-surface p-8 text-center shadow-sm ring-1 ring-black/5"
    >
      <div className="mx-auto mb-4 h-1.5 w-16 rounded-full bg-accent" />
      <h1 className="text-2xl font-semibold">{copy.title}</h1>
      <p className="mt-3 opacity-80">{copy.body}</p>
    </section>
  );
}

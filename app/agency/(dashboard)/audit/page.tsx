import Link from "next/link";
import { Field } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";
import { Pagination } from "@/components/ui/pagination.tsx";
import { parseAuditFilter } from "@/lib/agency/audit-filter.ts";
import { auditPage, chainStatus } from "@/lib/agency/audit-views.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";

export const metadata = { title: "Audit log" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The audit log: who did what, to which tenant, when and from where; chain verified. */
export default async function AuditPage({ searchParams }: Props) {
  const user = await requireAgencyUser("/audit");
  const query = await searchParams;
  const parsed = parseAuditFilter(query);
  const { control } = platform();
  const [page, chain] = await Promise.all([
    parsed.ok ? auditPage(user, control, parsed.filter) : null,
    chainStatus(control),
  ]);
  const value = (k: string) => {
    const v = query[k];
    return (Array.isArray(v) ? v[0] : v) ?? "";
  };
  const params = new URLSearchParams(
    Object.entries(query).flatMap(([k, v]) => (typeof v === "string" && k !== "page" && v ? [[k, v]] : [])),
  );
  const at = (n: number) => `/audit?${new URLSearchParams([...params, ["page", String(n)]])}`;
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/" className="text-slate-500 hover:underline">
          Tenants
        </Link>{" "}
        / Audit log
      </div>
      <div className="flex flex-wrap items-center gap-4">
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <p
          data-testid="chain-status"
          data-ok={chain.ok}
          className={`rounded-full px-3 py-1 text-sm ${chain.ok ? "bg-emerald-100 text-emerald-800" : "bg-red-100 text-red-800"}`}
        >
          {chain.ok
            ? `Chain intact: ${chain.entries} entries verified`
            : `Chain broken at entry ${chain.problem.id}: ${chain.problem.reason}`}
        </p>
        {user.role === "owner" && (
          <Link href="/audit/streams" className="text-sm text-sky-700 hover:underline" data-testid="audit-streams-link">
            Streams to a SIEM
          </Link>
        )}
      </div>
      <form className="mt-4 flex flex-wrap items-end gap-3 text-sm" role="search">
        {(
          [
            ["actor", "Actor", "text"],
            ["tenant", "Tenant slug", "text"],
            ["action", "Action (prefix)", "text"],
            ["from", "From", "date"],
            ["to", "To", "date"],
          ] as const
        ).map(([name, label, type]) => (
          <Field key={name} tone="agency" label={label} name={name}>
            {(c) => (
              <Input {...c} tone="agency" density="compact" fit name={name} type={type} defaultValue={value(name)} />
            )}
          </Field>
        ))}
        <button type="submit" className="rounded-lg bg-slate-900 px-3 py-1.5 font-medium text-white">
          Filter
        </button>
        {parsed.ok && (
          <a
            data-testid="audit-csv"
            href={`/audit.csv?${params}`}
            className="rounded-lg px-3 py-1.5 ring-1 ring-slate-300"
          >
            Export CSV
          </a>
        )}
      </form>
      {!parsed.ok ? (
        <ul data-testid="filter-errors" className="mt-4 space-y-1 rounded-lg bg-red-50 p-3 text-sm text-red-800">
          {Object.entries(parsed.errors).map(([k, m]) => (
            <li key={k}>{m}</li>
          ))}
        </ul>
      ) : (
        <>
          <p className="mt-4 text-sm text-slate-500" data-testid="audit-total">
            {page!.total} entr{page!.total === 1 ? "y" : "ies"}
          </p>
          <div className="mt-2 overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200">
            <table className="stack-table w-full text-left text-sm">
              <thead className="text-xs uppercase tracking-wide text-slate-500">
                <tr>
                  <th className="px-3 py-2">When (UTC)</th>
                  <th>Actor</th>
                  <th>Action</th>
                  <th>Tenant</th>
                  <th>IP</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody data-testid="audit-rows">
                {page!.rows.map((r) => (
                  <tr key={r.id} className="border-t border-slate-100 align-top" data-action={r.action}>
                    <td data-label="When (UTC)" className="whitespace-nowrap px-3 py-2 tabular-nums">
                      {r.at.toISOString().slice(0, 19).replace("T", " ")}
                    </td>
                    <td data-label="Actor">{r.actorLabel}</td>
                    <td data-label="Action" className="font-mono text-xs">
                      {r.action}
                    </td>
                    <td data-label="Tenant">{r.tenant ?? "—"}</td>
                    <td data-label="IP" className="font-mono text-xs">
                      {r.ip ?? "—"}
                    </td>
                    <td
                      data-label="Details"
                      className="max-w-md truncate font-mono text-xs text-slate-600"
                      title={JSON.stringify(r.details)}
                    >
                      {JSON.stringify(r.details)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={parsed.filter.page}
            pages={page!.pages}
            href={at}
            previous="Newer"
            next="Older"
            tone="agency"
            className="mt-3"
          />
        </>
      )}
    </>
  );
}

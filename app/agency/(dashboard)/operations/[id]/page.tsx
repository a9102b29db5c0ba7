import Link from "next/link";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/agency/action-form.tsx";
import { OperationProgress, type OperationView } from "@/components/agency/operation-progress.tsx";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { OPERATION_LABELS, type OperationKind } from "@/lib/operations/kinds.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { tenantSubdomainHost } from "@/lib/tenancy/host.ts";
import { queueAction } from "../actions.ts";

export const metadata = { title: "Operation" };

export default async function OperationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireAgencyUser(`/operations/${id}`);
  if (!/^[0-9a-f-]{36}$/.test(id)) notFound();
  const { control, hosts, env } = platform();
  const op = await control.operation.findUnique({ where: { id } });
  if (!op) notFound();
  const tenant = op.slug
    ? await control.tenant.findUnique({ where: { slug: op.slug }, select: { status: true, name: true } })
    : null;
  const view = {
    ...op,
    progress: op.progress as OperationView["progress"],
    result: op.result as OperationView["result"],
  } as OperationView;
  const live = op.status === "queued" || op.status === "running";
  const canAct = user.role !== "viewer";
  const port = env.PORTICO_PUBLIC_PORT ? `:${env.PORTICO_PUBLIC_PORT}` : "";
  const file = (op.result as { file?: string } | null)?.file;
  const tenantReserved = (op.progress as { reserved?: boolean }).reserved === true;
  const draftId = (op.input as { draftId?: string | null }).draftId ?? null;
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/" className="text-slate-500 hover:underline">
          Tenants
        </Link>{" "}
        / Operation
      </div>
      <h1 className="text-2xl font-semibold">
        {OPERATION_LABELS[op.kind as OperationKind] ?? op.kind}
        {op.slug && (
          <>
            {" "}
            ·{" "}
            <Link className="hover:underline" href={`/tenants/${op.slug}`}>
              {op.slug}
            </Link>
          </>
        )}
      </h1>
      <p className="mt-1 text-sm text-slate-500">
        Requested by {op.actorLabel} at {op.createdAt.toISOString().slice(0, 19).replace("T", " ")} UTC
      </p>
      <div className="mt-6 rounded-xl bg-white p-6 ring-1 ring-slate-200">
        <OperationProgress initial={view} onDone={live ? "reload" : undefined} />
        {op.status === "succeeded" && (op.kind === "provision" || op.kind === "retry") && op.slug && (
          // A wrapping row, not inline text: the button's padding would overlap the line below on a phone.
          <div className="mt-4 flex flex-wrap items-center gap-x-3 gap-y-2">
            <a
              data-testid="open-portal"
              className="rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white"
              href={`${env.PORTICO_PUBLIC_SCHEME}://${tenantSubdomainHost(op.slug, hosts)}${port}/`}
            >
              Open portal
            </a>
            <span className="min-w-0 break-all">
              Live at{" "}
              <a
                data-testid="portal-link"
                className="font-mono text-sky-700 hover:underline"
                href={`${env.PORTICO_PUBLIC_SCHEME}://${tenantSubdomainHost(op.slug, hosts)}${port}/`}
              >
                {tenantSubdomainHost(op.slug, hosts)}
              </a>
              {(op.result as { invited?: string } | null)?.invited && (
                <> · invitation sent to {(op.result as { invited: string }).invited}</>
              )}
            </span>
          </div>
        )}
        {op.status === "succeeded" && file && (
          <p className="mt-4">
            <a data-testid="download-export" className="text-sky-700 hover:underline" href={`/exports/${file}`}>
              Download {file}
            </a>
          </p>
        )}
        {op.status === "failed" && op.kind === "provision" && !tenantReserved && draftId && (
          <p className="mt-4">
            <Link
              data-testid="edit-draft"
              className="text-sky-700 hover:underline"
              href={`/tenants/new/${draftId}/organisation`}
            >
              Change the slug and try again
            </Link>
          </p>
        )}
        {op.status === "failed" &&
          canAct &&
          op.slug &&
          tenant &&
          (tenant.status === "failed" || tenant.status === "provisioning") && (
            <div className="mt-6 flex flex-wrap gap-8 border-t border-slate-200 pt-4">
              <ActionForm queue={queueAction} kind="retry" slug={op.slug} label="Retry" />
              <ActionForm queue={queueAction} kind="discard" slug={op.slug} label="Discard" confirmSlug tone="danger" />
            </div>
          )}
      </div>
      {/* Where to go next, whatever the operation did: no page of the dashboard is a dead end. */}
      <nav aria-label="Next" className="mt-6 flex flex-wrap gap-4 text-sm" data-testid="operation-next">
        {op.slug && tenant && (
          <Link
            data-testid="back-to-tenant"
            href={`/tenants/${op.slug}`}
            className="font-medium text-sky-700 hover:underline"
          >
            ← Back to {tenant.name}
          </Link>
        )}
        <Link href="/" className="text-sky-700 hover:underline">
          All tenants
        </Link>
        <Link href="/audit" className="text-sky-700 hover:underline">
          Audit log
        </Link>
      </nav>
    </>
  );
}

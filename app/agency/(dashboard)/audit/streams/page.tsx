import Link from "next/link";
import { AddSinkForm, SinkControls, type SinkFormLabels } from "@/components/audit/stream-sink-forms.tsx";
import { agencyLag, listAuditSinks } from "@/lib/audit/sinks.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { formatAgo } from "@/lib/format/units.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { agencySinkAction } from "./actions.ts";

export const metadata = { title: "Audit streams" };

const LABELS: SinkFormLabels = {
  add: "Add sink",
  name: "Name",
  kind: "Kind",
  webhook: "HTTPS webhook (signed)",
  syslog: "Syslog over TLS (RFC 5424)",
  url: "Webhook URL",
  host: "Syslog host",
  port: "TLS port",
  ca: "CA certificate (PEM)",
  caHint: "optional: for a receiver whose certificate a public CA did not sign",
  secretOnce: "Signing key (HMAC-SHA256), shown once:",
  test: "Send test entry",
  enable: "Enable",
  disable: "Disable",
  rotate: "Rotate key",
  remove: "Delete",
};

/** The agency's audit streams to a SIEM (decision 049): agency owners only. */
export default async function AuditStreamsPage() {
  await requireAgencyUser("/audit/streams", "owner");
  const { control } = platform();
  const sinks = await listAuditSinks(control, null);
  const lags = await Promise.all(sinks.map((s) => agencyLag(control, s.cursor)));
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/audit" className="text-slate-500 hover:underline">
          Audit log
        </Link>{" "}
        / Streams
      </div>
      <h1 className="text-2xl font-semibold">Audit streams</h1>
      <p className="mt-1 text-sm text-slate-500">
        Every entry of the agency&apos;s audit log is delivered to each enabled sink in order, at least once, with an id
        for de-duplication. A sink that is down never holds anyone up: delivery retries with backoff.
      </p>
      <section className="mt-6 rounded-xl bg-white p-5 ring-1 ring-slate-200">
        <h2 className="mb-3 font-medium">Add a sink</h2>
        <AddSinkForm action={agencySinkAction} labels={LABELS} tone="agency" />
      </section>
      <ul className="mt-6 space-y-4" data-testid="sinks">
        {sinks.map((s, i) => (
          <li
            key={s.id}
            data-testid="sink"
            data-name={s.name}
            data-enabled={String(s.enabled)}
            className="rounded-xl bg-white p-5 ring-1 ring-slate-200"
          >
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <h2 className="font-medium">
                {s.name} <span className="text-sm text-slate-500">({s.kind})</span>
              </h2>
              <span className="font-mono text-xs text-slate-500">{s.url ?? `${s.host}:${s.port}`}</span>
            </div>
            <dl className="mt-2 grid gap-1 text-sm sm:grid-cols-4">
              <div>
                <dt className="text-slate-500">Status</dt>
                <dd>{s.enabled ? "enabled" : "disabled"}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Behind by</dt>
                <dd data-testid="sink-lag">{lags[i]} entries</dd>
              </div>
              <div>
                <dt className="text-slate-500">Last delivery</dt>
                <dd data-testid="sink-last-delivery">{formatAgo(s.lastDeliveredAt)}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Last error</dt>
                <dd data-testid="sink-last-error">
                  {s.lastError ? `${s.lastError} (${formatAgo(s.lastErrorAt)})` : "none"}
                </dd>
              </div>
            </dl>
            <div className="mt-3">
              <SinkControls action={agencySinkAction} sinkId={s.id} enabled={s.enabled} labels={LABELS} />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

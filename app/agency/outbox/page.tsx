import { notFound } from "next/navigation";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { mailFlushesSettled } from "@/lib/platform/mail-queue.server.ts";

export const metadata = { title: "Development outbox" };

type Attachment = { filename: string; contentType: string; content: string };

/** The stored attachments column, read defensively: rows written before it existed hold []. */
function attachmentsOf(value: unknown): Attachment[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (a): a is Attachment =>
      typeof a === "object" &&
      a !== null &&
      typeof (a as Attachment).filename === "string" &&
      typeof (a as Attachment).contentType === "string" &&
      typeof (a as Attachment).content === "string",
  );
}

/**
 * Email that would have been sent, in development and the browser tests (PORTICO_DEV_OUTBOX=true
 * and no SMTP server configured). Links in it can be followed from here, so it holds sign-in and
 * invitation links: only a signed-in agency user may read it, in every mode, checked here before
 * anything is read (a layout is not a guard).
 */
export default async function OutboxPage({ searchParams }: { searchParams: Promise<{ to?: string }> }) {
  const { env, mail, control } = platform();
  if (!env.PORTICO_DEV_OUTBOX || mail.kind !== "outbox") notFound();
  const to = (await searchParams).to?.toLowerCase().slice(0, 254);
  await requireAgencyUser(`/outbox${to ? `?to=${encodeURIComponent(to)}` : ""}`);
  // Mail is flushed from its outbox just after the action that queued it (decision 040); what this
  // process is still flushing lands before the page reads, so a link just asked for is listed.
  await mailFlushesSettled();
  const messages = await control.outboxMessage.findMany({
    where: to ? { toAddress: to } : {},
    orderBy: { at: "desc" },
    take: 50,
  });
  return (
    <>
      <h1 className="text-2xl font-semibold">Development outbox</h1>
      <p className="mt-1 text-sm text-slate-500">
        Email is not sent in development; it lands here. Newest first{to ? `, to ${to}` : ""}.
      </p>
      <ul className="mt-6 space-y-4">
        {messages.map((m) => (
          <li
            key={m.id}
            data-testid="outbox-message"
            className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200"
          >
            <div className="text-xs text-slate-500">
              {m.at.toISOString()} · from {m.fromName} &lt;{m.fromAddress}&gt; · to{" "}
              <span data-testid="outbox-to">{m.toAddress}</span>
            </div>
            <div className="mt-1 font-medium" data-testid="outbox-subject">
              {m.subject}
            </div>
            {m.html && (
              // Mail HTML is never rendered into the agency app's own page: a sandboxed frame
              // with no permissions (no script, no same-origin, no forms, no top navigation).
              <iframe
                title={`HTML part of “${m.subject}”`}
                sandbox=""
                referrerPolicy="no-referrer"
                srcDoc={m.html}
                data-testid="outbox-html"
                className="mt-3 h-96 w-full rounded-lg bg-white ring-1 ring-slate-200"
              />
            )}
            <div className="mt-3 text-xs font-medium uppercase tracking-wide text-slate-500">Plain-text part</div>
            <pre className="mt-1 whitespace-pre-wrap break-all font-sans text-sm" data-testid="outbox-text">
              {m.text}
            </pre>
            {attachmentsOf(m.attachments).length > 0 && (
              <ul className="mt-2 text-sm text-slate-600" data-testid="outbox-attachments">
                {attachmentsOf(m.attachments).map((a) => (
                  <li key={a.filename}>
                    Attachment: <span data-testid="outbox-attachment">{a.filename}</span> ({a.contentType},{" "}
                    {a.content.length} characters)
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
        {messages.length === 0 && <li className="text-slate-500">No messages.</li>}
      </ul>
    </>
  );
}

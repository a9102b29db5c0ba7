"use client";

import { useActionState, useState, type ReactNode } from "react";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { useHydrated } from "@/components/forms/use-hydrated.ts";

/**
 * One lifecycle action as a form: queued for the operations worker, then its progress page.
 * Destructive actions ask for the tenant's slug to be typed back. `queue` is the operations
 * server action, passed down by the page.
 */
export function ActionForm({ queue, kind, slug, label, confirmSlug, confirm, tone = "normal", children }: {
  queue: FormAction<ActionState>;
  kind: string;
  slug: string | null;
  label: string;
  /** Destructive: the tenant's slug must be typed back. */
  confirmSlug?: boolean;
  /** Consequential: a second click on "Yes, …" after reading this. */
  confirm?: string;
  tone?: "normal" | "danger";
  children?: ReactNode;
}) {
  const [state, action, pending] = useActionState(queue, {} as ActionState);
  const [nonce] = useState(() => crypto.randomUUID());
  const [armed, setArmed] = useState(false);
  // The first step of a confirmed action is script only: disabled until hydrated, not a dead click.
  const hydrated = useHydrated();
  const button = `rounded-lg px-3 py-1.5 text-sm font-medium disabled:opacity-60 ${tone === "danger" ? "bg-red-700 text-white" : "bg-slate-900 text-white"}`;
  return (
    <form action={action} className="space-y-2" data-testid={`action-${kind}`}>
      <input type="hidden" name="kind" value={kind} />
      <input type="hidden" name="slug" value={slug ?? ""} />
      <input type="hidden" name="nonce" value={nonce} />
      {children}
      {confirmSlug && (
        <label className="block text-sm">
          Type <span className="font-mono font-semibold">{slug}</span> to confirm
          <input name="confirm" autoComplete="off" className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-1.5 font-mono" />
        </label>
      )}
      {confirm && !armed ? (
        <button type="button" onClick={() => setArmed(true)} disabled={!hydrated} className={button}>
          {label}
        </button>
      ) : (
        <div className="space-y-2">
          {confirm && <p role="status" data-testid="confirm-text" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">{confirm}</p>}
          <div className="flex gap-2">
            <button type="submit" disabled={pending} className={button}>
              {pending ? "Queuing…" : confirm ? `Yes, ${label.toLowerCase()}` : label}
            </button>
            {confirm && (
              <button type="button" onClick={() => setArmed(false)} className="rounded-lg px-3 py-1.5 text-sm ring-1 ring-slate-300">
                Cancel
              </button>
            )}
          </div>
        </div>
      )}
      {state.error && <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{state.error}</p>}
    </form>
  );
}

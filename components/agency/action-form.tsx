"use client";

import { useActionState, useState, type ReactNode } from "react";
import { queueAction, type ActionState } from "@/app/agency/(dashboard)/operations/actions.ts";

/**
 * One lifecycle action as a form: queued for the operations worker, then its progress page.
 * Destructive actions ask for the tenant's slug to be typed back.
 */
export function ActionForm({ kind, slug, label, confirmSlug, tone = "normal", children }: { kind: string; slug: string | null; label: string; confirmSlug?: boolean; tone?: "normal" | "danger"; children?: ReactNode }) {
  const [state, action, pending] = useActionState(queueAction, {} as ActionState);
  const [nonce] = useState(() => crypto.randomUUID());
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
      <button type="submit" disabled={pending} className={`rounded-lg px-3 py-1.5 text-sm font-medium disabled:opacity-60 ${tone === "danger" ? "bg-red-700 text-white" : "bg-slate-900 text-white"}`}>
        {pending ? "Queuing…" : label}
      </button>
      {state.error && <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{state.error}</p>}
    </form>
  );
}

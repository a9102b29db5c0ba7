"use client";

import { useActionState, useEffect } from "react";
import type { FormAction } from "@/lib/actions/action-state.ts";

export interface ImpersonationState {
  error?: string;
  url?: string;
}

/** An agency owner opens the tenant's portal as one of its admins; the link works once, briefly. */
/** `start` is the dashboard's server action, passed down by the page. */
export function ImpersonateForm({ slug, admins, start }: { slug: string; admins: Array<{ id: string; email: string; name: string; role: string }>; start: FormAction<ImpersonationState> }) {
  const [state, action, pending] = useActionState(start, {} as ImpersonationState);
  useEffect(() => {
    if (state.url) window.location.assign(state.url);
  }, [state.url]);
  const field = "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-1.5 text-sm";
  return (
    <form action={action} className="space-y-2" data-testid="impersonate-form">
      <input type="hidden" name="slug" value={slug} />
      <label className="block text-sm">
        Open the portal as
        <select name="target" className={field} defaultValue={admins[0]?.id}>
          {admins.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.email}, {a.role})
            </option>
          ))}
        </select>
      </label>
      <label className="block text-sm">
        Reason (recorded in the audit log)
        <input name="reason" required minLength={5} maxLength={200} placeholder="e.g. ticket #4211: event page looks wrong" className={field} />
      </label>
      <button type="submit" disabled={pending || admins.length === 0} className="rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60">
        {pending ? "Opening…" : "Open portal as admin"}
      </button>
      {state.url && (
        <p className="text-sm text-slate-600">
          Opening… <a href={state.url} className="text-sky-700 underline">continue</a> if nothing happens.
        </p>
      )}
      {state.error && <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{state.error}</p>}
    </form>
  );
}

"use client";

import { useActionState, useEffect } from "react";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import type { FormAction } from "@/lib/actions/action-state.ts";

export interface ImpersonationState {
  error?: string;
  url?: string;
}

/** An agency owner opens the tenant's portal as one of its admins; the link works once, briefly. */
/** `start` is the dashboard's server action, passed down by the page. */
export function ImpersonateForm({
  slug,
  admins,
  start,
}: {
  slug: string;
  admins: Array<{ id: string; email: string; name: string; role: string }>;
  start: FormAction<ImpersonationState>;
}) {
  const [state, action, pending] = useActionState(start, {} as ImpersonationState);
  useEffect(() => {
    if (state.url) window.location.assign(state.url);
  }, [state.url]);
  return (
    <form action={action} className="space-y-2" data-testid="impersonate-form">
      <input type="hidden" name="slug" value={slug} />
      <Field tone="agency" label="Open the portal as" name="target">
        {(c) => (
          <Select {...c} tone="agency" density="compact" name="target" defaultValue={admins[0]?.id}>
            {admins.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.email}, {a.role})
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field tone="agency" label="Reason (recorded in the audit log)" name="reason">
        {(c) => (
          <Input
            {...c}
            tone="agency"
            density="compact"
            name="reason"
            required
            minLength={5}
            maxLength={200}
            placeholder="e.g. ticket #4211: event page looks wrong"
          />
        )}
      </Field>
      <SubmitButton disabled={admins.length === 0} pending={pending} pendingLabel="Opening…" kind="agency" small>
        Open portal as admin
      </SubmitButton>
      {state.url && (
        <p className="text-sm text-slate-600">
          Opening…{" "}
          <a href={state.url} className="text-sky-700 underline">
            continue
          </a>{" "}
          if nothing happens.
        </p>
      )}
      {state.error && (
        <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
        </p>
      )}
    </form>
  );
}

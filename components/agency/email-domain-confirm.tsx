"use client";

import { useActionState } from "react";
import { Field } from "@/components/ui/field.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { Input } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";

/**
 * An agency owner confirms one of a tenant's email domains without DNS (decision 044): the domain
 * and a reason, which goes into the audit log. `confirm` is the dashboard's server action.
 */
export function EmailDomainConfirmForm({
  slug,
  pending: pendingDomains,
  confirm,
}: {
  slug: string;
  /** The tenant's domains still waiting for verification, offered as suggestions. */
  pending: string[];
  confirm: FormAction<ActionState>;
}) {
  const [state, action, pending] = useActionState(confirm, {} as ActionState);
  const listId = `pending-domains-${slug}`;
  return (
    <form action={action} className="space-y-2" data-testid="confirm-domain-form">
      <input type="hidden" name="slug" value={slug} />
      <Field tone="agency" label="Domain" name="domain" hint="e.g. acme.com: added to the tenant's list if missing">
        {(c) => (
          <Input
            {...c}
            tone="agency"
            density="compact"
            name="domain"
            required
            list={listId}
            autoComplete="off"
            className="font-mono"
            defaultValue={state.error ? (state.values?.domain ?? "") : ""}
          />
        )}
      </Field>
      <datalist id={listId}>
        {pendingDomains.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
      <Field tone="agency" label="Reason (recorded in the audit log)" name="reason">
        {(c) => (
          <Input
            {...c}
            tone="agency"
            density="compact"
            name="reason"
            required
            maxLength={200}
            placeholder="e.g. ticket #4211: their IT confirmed by signed letter"
            defaultValue={state.error ? (state.values?.reason ?? "") : ""}
          />
        )}
      </Field>
      <SubmitButton pending={pending} pendingLabel="Confirming…" kind="agency" small>
        Confirm domain
      </SubmitButton>
      {state.message && (
        <p role="status" data-testid="confirm-domain-message" className="text-sm text-emerald-800">
          {state.message}
        </p>
      )}
      <FormError message={state.error} look="box" />
    </form>
  );
}

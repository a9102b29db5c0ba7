"use client";

import { useActionState } from "react";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { Field } from "@/components/ui/field.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { Input } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";

/** What the retention form's action answers: a shortening that removes data comes back with its counts to confirm. */
export interface RetentionState extends ActionState {
  /** The counts token to send back with the confirmation (lib/lifecycle/retention.server.ts countsToken). */
  confirm?: string;
}

function Done({ state, testId }: { state: ActionState; testId: string }) {
  return state.message ? (
    <p role="status" data-testid={testId} className="text-sm text-emerald-800">
      {state.message}
    </p>
  ) : null;
}

/** The periods, in months; empty keeps that data forever. Labels arrive translated from the page. */
export function RetentionForm({
  save,
  current,
  labels,
}: {
  save: FormAction<RetentionState>;
  current: Record<string, number | null>;
  labels: {
    fields: Record<string, { label: string; hint: string }>;
    save: string;
    saving: string;
    confirm: string;
  };
}) {
  const [state, action, pending] = useActionState(save, {} as RetentionState);
  const value = (field: string) =>
    state.values?.[field] ?? (current[field] === null || current[field] === undefined ? "" : String(current[field]));
  return (
    <form action={action} className="space-y-3" data-testid="retention-form">
      <div className="grid gap-3 sm:grid-cols-2">
        {Object.entries(labels.fields).map(([field, l]) => (
          <Field key={field} label={l.label} name={field} hint={l.hint} error={state.errors?.[field]}>
            {(c) => (
              <Input
                {...c}
                name={field}
                inputMode="numeric"
                pattern="[0-9]*"
                maxLength={3}
                defaultValue={value(field)}
                key={`${field}-${value(field)}`}
              />
            )}
          </Field>
        ))}
      </div>
      {state.confirm ? (
        <div className="space-y-2" data-testid="retention-confirm">
          <input type="hidden" name="confirm" value={state.confirm} />
          <p
            role="alert"
            className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900"
            data-testid="retention-preview"
          >
            {state.error}
          </p>
          <SubmitButton pending={pending} pendingLabel={labels.saving} kind="danger">
            {labels.confirm}
          </SubmitButton>
        </div>
      ) : (
        <>
          <SubmitButton pending={pending} pendingLabel={labels.saving}>
            {labels.save}
          </SubmitButton>
          <FormError message={state.error} />
        </>
      )}
      <Done state={state} testId="retention-message" />
    </form>
  );
}

/** One erasure request's buttons: carry it out (two steps), or turn it down. */
export function ErasureRequestActions({
  requestId,
  erase,
  reject,
  labels,
}: {
  requestId: string;
  erase: FormAction<ActionState>;
  reject: FormAction<ActionState>;
  labels: { erase: string; confirmErase: string; warning: string; erasing: string; reject: string; cancel: string };
}) {
  const [erased, eraseAction, erasing] = useActionState(erase, {} as ActionState);
  const [rejected, rejectAction, rejecting] = useActionState(reject, {} as ActionState);
  return (
    <div className="flex flex-wrap items-start gap-3">
      <form action={eraseAction} data-testid="erase-form">
        <input type="hidden" name="id" value={requestId} />
        <ConfirmButton
          kind="quiet-danger"
          confirmKind="danger"
          label={labels.erase}
          confirmLabel={labels.confirmErase}
          pendingLabel={labels.erasing}
          pending={erasing}
          warning={labels.warning}
          cancellable
          cancelLabel={labels.cancel}
        />
        <Done state={erased} testId="erase-message" />
        <FormError message={erased.error} />
      </form>
      <form action={rejectAction}>
        <input type="hidden" name="id" value={requestId} />
        <SubmitButton pending={rejecting} kind="quiet" small>
          {labels.reject}
        </SubmitButton>
        <Done state={rejected} testId="reject-message" />
        <FormError message={rejected.error} />
      </form>
    </div>
  );
}

/** The member's "Ask for erasure", in two steps. */
export function RequestErasureForm({
  request,
  labels,
}: {
  request: FormAction<ActionState>;
  labels: { ask: string; confirm: string; warning: string; asking: string; cancel: string };
}) {
  const [state, action, pending] = useActionState(request, {} as ActionState);
  return (
    <form action={action} data-testid="request-erasure-form" className="space-y-2">
      <ConfirmButton
        kind="quiet-danger"
        confirmKind="danger"
        label={labels.ask}
        confirmLabel={labels.confirm}
        pendingLabel={labels.asking}
        pending={pending}
        warning={labels.warning}
        cancellable
        cancelLabel={labels.cancel}
      />
      <Done state={state} testId="erasure-requested" />
      <FormError message={state.error} />
    </form>
  );
}

"use client";

import { useActionState, useState, type ReactNode } from "react";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";

/**
 * One lifecycle action as a form: queued for the operations worker, then its progress page.
 * Destructive actions ask for the tenant's slug to be typed back. `queue` is the operations
 * server action, passed down by the page.
 */
export function ActionForm({
  queue,
  kind,
  slug,
  label,
  confirmSlug,
  confirm,
  tone = "normal",
  children,
}: {
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
  const look = tone === "danger" ? "danger" : "agency";
  return (
    <form action={action} className="space-y-2" data-testid={`action-${kind}`}>
      <input type="hidden" name="kind" value={kind} />
      <input type="hidden" name="slug" value={slug ?? ""} />
      <input type="hidden" name="nonce" value={nonce} />
      {children}
      {confirmSlug && (
        <Field
          tone="agency"
          label={
            <>
              Type <span className="font-mono font-semibold">{slug}</span> to confirm
            </>
          }
          name="confirm"
        >
          {(c) => (
            <Input {...c} tone="agency" density="compact" name="confirm" autoComplete="off" className="font-mono" />
          )}
        </Field>
      )}
      {confirm ? (
        <ConfirmButton
          label={label}
          confirmLabel={`Yes, ${label.toLowerCase()}`}
          pendingLabel="Queuing…"
          warning={confirm}
          cancellable
          pending={pending}
          kind={look}
        />
      ) : (
        <SubmitButton pending={pending} pendingLabel="Queuing…" kind={look} small>
          {label}
        </SubmitButton>
      )}
      {state.error && (
        <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
        </p>
      )}
    </form>
  );
}

"use client";

import { useState, type ReactNode } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { SubmitButton, buttonClass, type ButtonKind } from "./submit-button.tsx";

/**
 * A consequential submit in two steps: the first button only arms it (script only, so disabled
 * until hydrated rather than a dead click: decision 017), then "Yes, …" submits the form,
 * optionally after a sentence saying what will happen and with a way back. Arming moves focus to
 * the way back (or to "Yes, …" when there is none), since the button that had it is gone.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  pendingLabel,
  warning,
  cancellable = false,
  pending = false,
  kind = "agency",
  confirmKind = kind,
  name,
  value,
  cancelLabel = "Cancel",
}: {
  /** The first, arming button. */
  label: ReactNode;
  /** The submit button shown once armed. */
  confirmLabel: ReactNode;
  pendingLabel?: ReactNode;
  /** Shown once armed, above the submit button (`data-testid="confirm-text"`). */
  warning?: ReactNode;
  /** Offer "Cancel" to disarm. */
  cancellable?: boolean;
  pending?: boolean;
  kind?: ButtonKind;
  confirmKind?: ButtonKind;
  /** Sent with the submit, like a plain submit button's name and value. */
  name?: string;
  value?: string;
  /** The way back's words (the portal passes its own language's). */
  cancelLabel?: ReactNode;
}) {
  const [armed, setArmed] = useState(false);
  const hydrated = useHydrated();
  if (!armed) {
    return (
      <button type="button" onClick={() => setArmed(true)} disabled={!hydrated} className={buttonClass(kind, true)}>
        {label}
      </button>
    );
  }
  const submit = (
    <SubmitButton
      name={name}
      value={value}
      pending={pending}
      pendingLabel={pendingLabel}
      kind={confirmKind}
      small
      autoFocus={!cancellable}
    >
      {confirmLabel}
    </SubmitButton>
  );
  if (!warning && !cancellable) return submit;
  return (
    <div className="space-y-2">
      {warning && (
        <p role="status" data-testid="confirm-text" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {warning}
        </p>
      )}
      <div className="flex gap-2">
        {submit}
        {cancellable && (
          <button
            type="button"
            onClick={() => setArmed(false)}
            autoFocus
            className="rounded-lg px-3 py-1.5 text-sm ring-1 ring-slate-300"
          >
            {cancelLabel}
          </button>
        )}
      </div>
    </div>
  );
}

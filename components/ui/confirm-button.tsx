"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { SubmitButton, buttonClass, type ButtonKind } from "./submit-button.tsx";

/**
 * A consequential submit in two steps, built on <details> so it works before and without
 * JavaScript and from the keyboard (the summary takes Tab, Enter and Space natively): the first
 * button only opens it, then "Yes, …" submits the form, after a sentence saying what will happen.
 * Opening moves focus to the way back (or to "Yes, …" when there is none); closing returns it to
 * the first button. Without script, the first button again is the way back.
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
  const details = useRef<HTMLDetailsElement>(null);
  const summary = useRef<HTMLElement>(null);
  const firstChoice = useRef<HTMLDivElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    // Only after the person opened it: never steal focus on the first render.
    if (armed) firstChoice.current?.querySelector<HTMLElement>("[data-confirm-focus]")?.focus();
    else if (opened.current) summary.current?.focus();
    opened.current = armed;
  }, [armed]);
  const close = () => {
    if (details.current) details.current.open = false;
  };
  return (
    <details ref={details} onToggle={(e) => setArmed(e.currentTarget.open)} className="group space-y-2">
      <summary
        ref={summary}
        role="button"
        aria-expanded={armed}
        className={`${buttonClass(kind, true)} inline-block cursor-pointer list-none select-none [&::-webkit-details-marker]:hidden`}
      >
        {label}
      </summary>
      <div ref={firstChoice} className="space-y-2">
        {warning && (
          <p
            role="status"
            data-testid="confirm-text"
            className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900"
          >
            {warning}
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          <SubmitButton
            name={name}
            value={value}
            pending={pending}
            pendingLabel={pendingLabel}
            kind={confirmKind}
            small
            {...(!cancellable || !hydrated ? { "data-confirm-focus": "" } : {})}
          >
            {confirmLabel}
          </SubmitButton>
          {cancellable && hydrated && (
            <button
              type="button"
              onClick={close}
              data-confirm-focus=""
              className="rounded-lg px-3 py-1.5 text-sm ring-1 ring-slate-300"
            >
              {cancelLabel}
            </button>
          )}
        </div>
      </div>
    </details>
  );
}

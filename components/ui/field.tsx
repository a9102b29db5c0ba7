import { useId, type ReactNode } from "react";
import type { Tone } from "./control-class.ts";

/** What a Field hands its control: spread it onto the Input, Select or Textarea. */
export interface FieldControl {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

/**
 * A labelled form control with its hint and error text. The control is tied to both by
 * aria-describedby and says aria-invalid while there is an error, so a screen reader reads the
 * problem with the field. The error keeps `data-testid="error-<name>"`.
 */
export function Field({
  label,
  name,
  error,
  hint,
  hideLabel = false,
  tone = "portal",
  className,
  children,
}: {
  label: ReactNode;
  name: string;
  error?: string | null | undefined;
  hint?: ReactNode;
  /** Label for screen readers only, where the field's purpose shows otherwise (a search box). */
  hideLabel?: boolean;
  tone?: Tone;
  className?: string;
  children: (control: FieldControl) => ReactNode;
}) {
  const id = `${useId()}-${name}`;
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  const control: FieldControl = { id };
  if (describedBy) control["aria-describedby"] = describedBy;
  if (error) control["aria-invalid"] = true;
  return (
    <div className={className}>
      <label htmlFor={id} className={hideLabel ? "sr-only" : "block text-sm font-medium"}>
        {label}
      </label>
      {children(control)}
      {hint && (
        <div id={hintId!} className={`mt-1 text-xs ${tone === "agency" ? "text-slate-500" : "opacity-70"}`}>
          {hint}
        </div>
      )}
      {error && (
        <p id={errorId!} data-testid={`error-${name}`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

import type { ComponentProps, ReactNode } from "react";

export type ButtonKind = "brand" | "agency" | "danger" | "quiet" | "quiet-agency" | "quiet-danger";

const KINDS: Record<ButtonKind, string> = {
  brand: "bg-brand font-medium text-on-brand",
  agency: "bg-slate-900 font-medium text-white",
  danger: "bg-red-700 font-medium text-white",
  quiet: "ring-1 ring-black/20",
  "quiet-agency": "ring-1 ring-slate-300",
  "quiet-danger": "text-red-700 ring-1 ring-red-300",
};

export function buttonClass(kind: ButtonKind, small: boolean, extra?: string): string {
  return ["rounded-lg disabled:opacity-60", small ? "px-3 py-1.5 text-sm" : "px-4 py-2", KINDS[kind], extra ?? ""]
    .filter(Boolean)
    .join(" ");
}

/**
 * A form's submit button: says `pendingLabel` and is disabled while the form's action runs.
 * `disabled` adds other reasons (not yet hydrated, for forms submitted in script: decision 017).
 */
export function SubmitButton({
  pending = false,
  pendingLabel,
  kind = "brand",
  small = false,
  disabled,
  className,
  children,
  ...props
}: Omit<ComponentProps<"button">, "type"> & {
  pending?: boolean;
  pendingLabel?: ReactNode;
  kind?: ButtonKind;
  small?: boolean;
}) {
  return (
    <button
      {...props}
      type="submit"
      disabled={pending || disabled}
      aria-busy={pending || undefined}
      className={buttonClass(kind, small, className)}
    >
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}

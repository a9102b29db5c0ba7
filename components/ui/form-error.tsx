/** How a form's error reads: a line under the field group, or a tinted box above the form. */
const LOOK = {
  inline: "text-sm text-red-700",
  box: "rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800",
} as const;

/**
 * A form's error, announced to screen readers as it appears; nothing when there is none. The
 * test id is the one the browser tests read for every form.
 */
export function FormError({
  message,
  look = "inline",
  className,
}: {
  message: string | null | undefined;
  look?: keyof typeof LOOK;
  className?: string;
}) {
  if (!message) return null;
  return (
    <p role="alert" data-testid="form-error" className={className ?? LOOK[look]}>
      {message}
    </p>
  );
}

"use client";

import type { ContrastProblem } from "@/lib/tenancy/contrast.ts";

/**
 * The one-click fix beside a colour that fails contrast: fills the field with the nearest passing
 * shade. Before hydration it is a plain submit (`suggest=<field>=<shade>`) that the form's action
 * answers by showing the form again with the shade filled in, nothing saved.
 */
export function ColourSuggestion({
  problem,
  describedBy,
  apply,
  tone = "portal",
  label,
}: {
  problem: ContrastProblem | undefined;
  describedBy?: string;
  apply: (field: ContrastProblem["field"], shade: string) => void;
  tone?: "portal" | "agency";
  /** The button's words in the reader's language; English ("Use #…") where none is given (the agency). */
  label?: (shade: string) => string;
}) {
  if (!problem?.suggestion) return null;
  const shade = problem.suggestion;
  return (
    <button
      type="submit"
      name="suggest"
      value={`${problem.field}=${shade}`}
      formNoValidate
      aria-describedby={describedBy}
      data-testid={`suggest-${problem.field}`}
      onClick={(e) => {
        e.preventDefault();
        apply(problem.field, shade);
      }}
      className={`mt-1 inline-flex items-center gap-2 rounded-md px-2 py-1 text-sm font-medium ring-1 ${
        tone === "agency" ? "text-slate-800 ring-slate-300 hover:bg-slate-100" : "ring-black/20 hover:bg-black/5"
      }`}
    >
      <span aria-hidden="true" className="h-4 w-4 rounded ring-1 ring-black/20" style={{ background: shade }} />
      {label ? label(shade) : `Use ${shade}`}
    </button>
  );
}

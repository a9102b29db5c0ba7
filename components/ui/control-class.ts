/**
 * The one place a text field's look is written down. Portal pages take the tenant's brand colour
 * for focus; the agency cockpit is slate. Text is black on a white field in both, so a tenant's
 * light text colour never makes what is typed unreadable.
 */
export type Tone = "portal" | "agency";
export type Density = "normal" | "compact" | "tight";

const TONES: Record<Tone, string> = {
  portal: "border-black/15 text-black focus:border-brand focus:ring-brand/30",
  agency: "border-slate-300 text-slate-900 focus:border-slate-500 focus:ring-slate-300",
};

const DENSITIES: Record<Density, string> = {
  normal: "px-3 py-2",
  compact: "px-3 py-1.5 text-sm",
  tight: "px-2 py-1 text-sm",
};

export interface ControlStyle {
  tone?: Tone | undefined;
  density?: Density | undefined;
  /** Under its label but only as wide as it needs (filter bars). */
  fit?: boolean | undefined;
  /** Beside other controls (a table row, a label it sits in) rather than under its label. */
  inline?: boolean | undefined;
}

export function controlClass(
  { tone = "portal", density = "normal", fit = false, inline = false }: ControlStyle,
  extra?: string,
): string {
  return [
    "rounded-lg border bg-white focus:outline-none focus:ring-2",
    TONES[tone],
    DENSITIES[density],
    inline ? "" : fit ? "mt-1 block" : "mt-1 block w-full",
    extra ?? "",
  ]
    .filter(Boolean)
    .join(" ");
}

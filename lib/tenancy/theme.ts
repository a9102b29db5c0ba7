import { z } from "zod";
import { checkContrast, readableOn } from "./contrast.ts";

/**
 * A tenant's branding, as stored in the control plane and declared in tenants/.
 * Only values from closed sets or strict patterns reach CSS, so a theme cannot inject styles.
 */

const hex = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, "use a six-digit hex colour such as #1d4ed8")
  .transform((v) => v.toLowerCase());

/**
 * Each name's first family is a face bundled with the app (app/fonts.ts, from @fontsource
 * packages, served from the portal's own origin); the system fonts after it only cover the moment
 * before it loads and pages (such as the plain-HTML notices) that do not load it.
 */
export const FONT_STACKS = {
  sans: 'var(--font-inter), ui-sans-serif, system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  serif: 'var(--font-source-serif), ui-serif, Georgia, Cambria, "Times New Roman", Times, serif',
  mono: 'var(--font-jetbrains-mono), ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  rounded: 'var(--font-nunito), ui-rounded, "SF Pro Rounded", system-ui, sans-serif',
  humanist: 'var(--font-source-sans), Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", sans-serif',
} as const;

/**
 * How the catalogue lays out events: a list with date badges, cards with cover images, or a
 * compact agenda grouped by day. A closed set, like the fonts.
 */
export const LAYOUTS = ["classic", "grid", "agenda"] as const;
export type LayoutName = (typeof LAYOUTS)[number];
export const LAYOUT_LABELS: Record<LayoutName, string> = {
  classic: "Classic list",
  grid: "Cards with cover images",
  agenda: "Compact agenda by date",
};

export type FontName = keyof typeof FONT_STACKS;

export const themeSchema = z.object({
  primary: hex,
  accent: hex,
  background: hex,
  surface: hex,
  text: hex,
  font: z.enum(Object.keys(FONT_STACKS) as [FontName, ...FontName[]]),
  /** Optional so themes stored before layouts existed (and tenants/*.ts) stay valid. */
  layout: z.enum(LAYOUTS).default("classic"),
  logo: z.object({
    /** Same-origin path: a file under /brand/, or an uploaded logo at /logo/<sha256>.<ext>; never an external URL. */
    src: z
      .string()
      .regex(
        /^\/(brand\/[a-z0-9-]+\.(svg|png)|logo\/[0-9a-f]{64}\.(png|jpg|webp))$/,
        "logo must be a file under /brand/ (e.g. /brand/acme.svg) or an uploaded logo",
      ),
    alt: z.string().min(1).max(120),
  }),
});

export type Theme = z.infer<typeof themeSchema>;

export { readableOn };

/**
 * A theme as it may be saved: the shape above, and every text/background pair it produces
 * reaching WCAG AA (lib/tenancy/contrast.ts). Stored themes are read with `themeSchema` alone, so
 * a tenant saved before the rule keeps its look (and is listed on the agency dashboard).
 */
export const savableThemeSchema = themeSchema.superRefine((theme, ctx) => {
  const problems = checkContrast(theme);
  for (const problem of Object.values(problems))
    ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
});

/** CSS custom properties for a theme; the portal's Tailwind classes read only these. */
export function themeToCssVars(theme: Theme): Record<`--brand-${string}`, string> {
  return {
    "--brand-primary": theme.primary,
    "--brand-on-primary": readableOn(theme.primary),
    "--brand-accent": theme.accent,
    "--brand-on-accent": readableOn(theme.accent),
    "--brand-bg": theme.background,
    "--brand-surface": theme.surface,
    "--brand-text": theme.text,
    "--brand-font": FONT_STACKS[theme.font],
  };
}

/** Used when a stored theme fails validation, so a bad theme degrades instead of crashing. */
export const FALLBACK_THEME: Theme = {
  primary: "#334155",
  // Dark enough to read as text on the surface (5.9:1), as the preview and links use it.
  accent: "#0369a1",
  background: "#f8fafc",
  surface: "#ffffff",
  text: "#0f172a",
  font: "sans",
  layout: "classic",
  logo: { src: "/brand/portico.svg", alt: "Portal" },
};

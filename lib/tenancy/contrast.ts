/**
 * WCAG 2 contrast for a tenant's brand colours: the pairs a theme produces on the portal, the
 * check both the server (on save) and the live previews run, and the nearest passing shade to
 * offer instead of a failing colour. Pure, so server code and client components import the same
 * function and can never disagree.
 */

export const COLOUR_FIELDS = ["primary", "accent", "background", "surface", "text"] as const;
export type ColourField = (typeof COLOUR_FIELDS)[number];
export type ThemeColours = Record<ColourField, string>;

/** WCAG AA: body text needs 4.5:1; large text and user-interface components 3:1. */
export const AA_BODY = 4.5;
export const AA_LARGE = 3;

const HEX = /^#[0-9a-fA-F]{6}$/;

function channel(hex: string, i: number): number {
  const c = parseInt(hex.slice(i, i + 2), 16) / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of a six-digit hex colour. */
export function luminance(hex: string): number {
  return 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5);
}

/** WCAG contrast ratio (1 to 21) between two six-digit hex colours, in either order. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever reads better on the given colour. */
export function readableOn(hex: string): "#000000" | "#ffffff" {
  return luminance(hex) > 0.179 ? "#000000" : "#ffffff";
}

/** A ratio as people read it, rounded down so 4.49 never shows as "4.5". */
export function formatRatio(ratio: number): string {
  return `${(Math.floor(ratio * 100) / 100).toFixed(2).replace(/\.?0+$/, "")}:1`;
}

/** Each pair's name, for reading its description in the reader's language (the catalogues' `contrast.pairs`). */
export const PAIR_IDS = ["textOnPage", "textOnCards", "linkOnPage", "linkOnCards", "onBrand", "onAccent"] as const;
export type PairId = (typeof PAIR_IDS)[number];

interface Pair {
  id: PairId;
  /** The colour the person chose that a failure is reported on (and a shade suggested for). */
  field: ColourField;
  /** Where the field's colour appears, in words. */
  use: string;
  foreground: (c: ThemeColours) => string;
  background: (c: ThemeColours) => string;
  min: number;
}

/**
 * Every text/background pair themeToCssVars and the portal's classes produce (bg-page, bg-surface,
 * text-ink, text-brand, bg-brand + text-on-brand, bg-accent + text-on-accent). The accent is only
 * ever a fill (decorative bars, badges with on-accent text), never text or a lone indicator, so its
 * pair is the text drawn on it. A pair is reported on the colour drawn in front: the text colour
 * for text, the brand colour for links and for the header and buttons it fills.
 */
export const CONTRAST_PAIRS: readonly Pair[] = [
  {
    id: "textOnPage",
    field: "text",
    use: "Text on the page background",
    foreground: (c) => c.text,
    background: (c) => c.background,
    min: AA_BODY,
  },
  {
    id: "textOnCards",
    field: "text",
    use: "Text on cards",
    foreground: (c) => c.text,
    background: (c) => c.surface,
    min: AA_BODY,
  },
  {
    id: "linkOnPage",
    field: "primary",
    use: "The brand colour as link text on the page background",
    foreground: (c) => c.primary,
    background: (c) => c.background,
    min: AA_BODY,
  },
  {
    id: "linkOnCards",
    field: "primary",
    use: "The brand colour as link text on cards",
    foreground: (c) => c.primary,
    background: (c) => c.surface,
    min: AA_BODY,
  },
  {
    id: "onBrand",
    field: "primary",
    use: "Header, sub-navigation and button text on the brand colour",
    foreground: (c) => readableOn(c.primary),
    background: (c) => c.primary,
    min: AA_BODY,
  },
  {
    id: "onAccent",
    field: "accent",
    use: "Badge text on the accent",
    foreground: (c) => readableOn(c.accent),
    background: (c) => c.accent,
    min: AA_BODY,
  },
];

/** One pair below its minimum: which pair, its ratio (rounded down to hundredths) and what it needs. */
export interface ContrastFailure {
  pair: PairId;
  ratio: number;
  min: number;
}

export interface ContrastProblem {
  field: ColourField;
  /** Every failing pair of this field, for a reader's language (`describeContrast`). */
  failures: ContrastFailure[];
  /** The same in English, one sentence each, with the ratio and what it needs (logs, CLI, agency). */
  message: string;
  /** The nearest shade of the same hue that passes every pair of this field, or null if none does. */
  suggestion: string | null;
}

export type ContrastCheck = Partial<Record<ColourField, ContrastProblem>>;

function isComplete(colours: Partial<Record<ColourField, string>>): colours is ThemeColours {
  return COLOUR_FIELDS.every((f) => HEX.test(colours[f] ?? ""));
}

function failures(colours: ThemeColours, field: ColourField) {
  return CONTRAST_PAIRS.filter((p) => p.field === field)
    .map((p) => ({ pair: p, ratio: contrastRatio(p.foreground(colours), p.background(colours)) }))
    .filter(({ pair, ratio }) => ratio < pair.min);
}

/**
 * The contrast problems of a theme, by field; empty when every pair reaches WCAG AA. Colours that
 * are not six-digit hex are left to the format check, which reports them first.
 */
export function checkContrast(input: Partial<Record<ColourField, string>>): ContrastCheck {
  if (!isComplete(input)) return {};
  const colours = Object.fromEntries(COLOUR_FIELDS.map((f) => [f, input[f].toLowerCase()])) as ThemeColours;
  const result: ContrastCheck = {};
  for (const field of COLOUR_FIELDS) {
    const failed = failures(colours, field);
    if (failed.length === 0) continue;
    const suggestion = nearestPassingShade(colours, field);
    const detail = failed
      .map(({ pair, ratio }) => `${pair.use} is ${formatRatio(ratio)}; WCAG AA needs ${pair.min}:1.`)
      .join(" ");
    result[field] = {
      field,
      failures: failed.map(({ pair, ratio }) => ({
        pair: pair.id,
        ratio: Math.floor(ratio * 100) / 100,
        min: pair.min,
      })),
      message: suggestion
        ? `${detail} Try ${suggestion}, the nearest shade that passes.`
        : `${detail} No shade of this hue passes; change the background colours.`,
      suggestion,
    };
  }
  return result;
}

/**
 * What `describeContrast` asks of a translator: next-intl's `t` for the catalogues' `contrast`
 * namespace fits, so the portal shows a problem in its reader's language.
 */
export type ContrastTranslator = (
  key: `pairs.${PairId}` | "failure" | "suggest" | "noShade",
  values?: Record<string, string | number>,
) => string;

/**
 * A problem in the reader's language, from its structured failures (the English `message` is the
 * same sentence in English). Numbers are formatted by the translator's locale ("1,27:1" in German).
 */
export function describeContrast(problem: ContrastProblem, t: ContrastTranslator): string {
  const detail = problem.failures
    .map((f) => t("failure", { use: t(`pairs.${f.pair}`), ratio: f.ratio, min: f.min }))
    .join(" ");
  return `${detail} ${problem.suggestion ? t("suggest", { shade: problem.suggestion }) : t("noShade")}`;
}

/** The first problem's message, for places that report one line (declared tenants, the CLI). */
export function contrastSummary(check: ContrastCheck): string | null {
  const first = COLOUR_FIELDS.map((f) => check[f]).find(Boolean);
  return first ? `${first.field}: ${first.message}` : null;
}

type Hsl = [h: number, s: number, l: number];

function toHsl(hex: string): Hsl {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, s, l];
}

function fromHsl([h, s, l]: Hsl): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const v = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(Math.min(1, Math.max(0, v)) * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

/**
 * The same hue and saturation (HSL) at the nearest lightness where every pair of the field passes.
 * For a fixed hue and saturation each RGB channel grows with lightness, so luminance does too and
 * a step-by-step search outward from the chosen lightness finds the closest passing shade.
 */
export function nearestPassingShade(colours: ThemeColours, field: ColourField): string | null {
  const [h, s, l] = toHsl(colours[field]);
  for (let step = 1; step <= 1000; step++) {
    const delta = step / 1000;
    for (const candidate of [l - delta, l + delta]) {
      if (candidate < 0 || candidate > 1) continue;
      const hex = fromHsl([h, s, candidate]);
      if (failures({ ...colours, [field]: hex }, field).length === 0) return hex;
    }
  }
  return null;
}

/**
 * Reads a "use this shade" button's value, `<field>=<#hex>`, for the action that answers it when
 * the button was pressed before the page's script ran.
 */
export function parseSuggestion(value: unknown): { field: ColourField; shade: string } | null {
  if (typeof value !== "string") return null;
  const match = /^(primary|accent|background|surface|text)=(#[0-9a-f]{6})$/.exec(value);
  return match ? { field: match[1] as ColourField, shade: match[2] as string } : null;
}

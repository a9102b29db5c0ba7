import { z } from "zod";
import { firstAdminSchema } from "../operations/kinds.ts";
import { checkCustomDomains } from "../provisioning/spec.ts";
import type { HostConfig } from "../tenancy/host.ts";
import { PLANS, isPlan, planHas } from "../tenancy/plans.ts";
import { checkSlug } from "../tenancy/slug.ts";
import { isRegion, regionConfig, regionLabel, type RegionConfig } from "../tenancy/regions.ts";
import { FONT_STACKS, LAYOUTS, type FontName, type LayoutName, type Theme } from "../tenancy/theme.ts";
import { checkContrast, type ThemeColours } from "../tenancy/contrast.ts";

/**
 * The onboarding wizard's steps and what each one validates. The draft (TenantDraft.data) holds
 * what was entered so far; every step is saved on Back and Next, so a reload loses nothing.
 */
export const WIZARD_STEPS = ["organisation", "domains", "branding", "plan", "placement", "admin", "review"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export const STEP_LABELS: Record<WizardStep, string> = {
  organisation: "Organisation",
  domains: "Domains",
  branding: "Branding",
  plan: "Plan",
  placement: "Region and database",
  admin: "First admin",
  review: "Review",
};

export interface DraftData {
  name?: string;
  slug?: string;
  domains?: string[];
  primary?: string;
  accent?: string;
  background?: string;
  surface?: string;
  text?: string;
  font?: FontName;
  layout?: LayoutName;
  logoAlt?: string;
  plan?: string;
  /** Data residency (decision 053): chosen on plans that include it, else the default region. */
  region?: string;
  server?: string;
  adminName?: string;
  adminEmail?: string;
}

export const DRAFT_DEFAULTS = {
  primary: "#1d4ed8",
  accent: "#f59e0b",
  background: "#f8fafc",
  surface: "#ffffff",
  text: "#0f172a",
  font: "sans" as FontName,
  layout: "classic" as LayoutName,
  plan: "standard",
};

export function isStep(value: string): value is WizardStep {
  return (WIZARD_STEPS as readonly string[]).includes(value);
}

export function nextStep(step: WizardStep, direction: "next" | "back"): WizardStep {
  const i = WIZARD_STEPS.indexOf(step) + (direction === "next" ? 1 : -1);
  return WIZARD_STEPS[Math.max(0, Math.min(WIZARD_STEPS.length - 1, i))] as WizardStep;
}

/** What the placement step checks against: the registered servers and the configured regions. */
export interface WizardContext {
  hosts: HostConfig;
  servers: Array<{ name: string; region: string }>;
  /** The draft's plan: on plans with data residency the region must be chosen. */
  plan?: string;
  /** Default: the configured regions (lib/tenancy/regions.ts). */
  regions?: RegionConfig;
}

/** Whether the plan lets (and makes) the client choose its region. */
export function choosesRegion(plan: string | undefined): boolean {
  return planHas(plan ?? DRAFT_DEFAULTS.plan, "data-residency");
}

/**
 * The region a draft provisions into: the chosen one on plans with data residency (with a
 * single configured region, that one), the default region on others.
 */
export function draftRegion(d: DraftData, regions: RegionConfig = regionConfig()): string | undefined {
  if (!choosesRegion(d.plan)) return regions.defaultRegion;
  if (regions.regions.length === 1) return regions.regions[0]!.key;
  return isRegion(d.region, regions) ? d.region : undefined;
}

export type FieldErrors = Partial<Record<string, string>>;
export type StepResult =
  { ok: true; data: Partial<DraftData> } | { ok: false; errors: FieldErrors; data: Partial<DraftData> };

const hex = z.string().regex(/^#[0-9a-fA-F]{6}$/);
const text = (form: Pick<FormData, "get">, name: string) => {
  const v = form.get(name);
  return typeof v === "string" ? v.trim() : "";
};

/** Validates one step's form. Returns what to save (even when invalid, so nothing typed is lost). */
export function parseStep(step: WizardStep, form: Pick<FormData, "get">, context: WizardContext): StepResult {
  const errors: FieldErrors = {};
  let data: Partial<DraftData> = {};
  switch (step) {
    case "organisation": {
      data = { name: text(form, "name").slice(0, 120), slug: text(form, "slug").toLowerCase().slice(0, 60) };
      if (!data.name) errors.name = "Enter the client's name, e.g. Acme Pharma.";
      const slug = checkSlug(data.slug);
      if (!slug.ok) errors.slug = slug.message;
      break;
    }
    case "domains": {
      const raw = text(form, "domains")
        .split(/[\s,]+/)
        .filter(Boolean);
      data = { domains: raw.slice(0, 20) };
      try {
        data.domains = checkCustomDomains(raw, context.hosts);
      } catch (error) {
        errors.domains = (error as Error).message;
      }
      if (raw.length > 20) errors.domains = "At most 20 custom domains.";
      break;
    }
    case "branding": {
      const colours = ["primary", "accent", "background", "surface", "text"] as const;
      for (const c of colours) {
        const v = text(form, c).toLowerCase();
        data[c] = v;
        if (!hex.safeParse(v).success) errors[c] = "Use a six-digit hex colour such as #1d4ed8.";
      }
      // The same check as a save in a portal's settings: every text/background pair reaches WCAG AA.
      const problems = checkContrast(data as Partial<ThemeColours>);
      for (const c of colours) if (!errors[c] && problems[c]) errors[c] = problems[c].message;
      const font = text(form, "font");
      if (Object.hasOwn(FONT_STACKS, font)) data.font = font as FontName;
      else errors.font = "Choose one of the fonts offered.";
      const layout = text(form, "layout") || DRAFT_DEFAULTS.layout;
      if ((LAYOUTS as readonly string[]).includes(layout)) data.layout = layout as LayoutName;
      else errors.layout = "Choose one of the layouts offered.";
      data.logoAlt = text(form, "logoAlt").slice(0, 120);
      break;
    }
    case "plan": {
      const plan = text(form, "plan");
      data = { plan };
      if (!isPlan(plan)) errors.plan = `Choose a plan: ${Object.keys(PLANS).join(", ")}.`;
      break;
    }
    case "placement": {
      const regions = context.regions ?? regionConfig();
      const server = text(form, "server");
      const chosen = text(form, "region");
      data = { server, ...(chosen ? { region: chosen.slice(0, 40) } : {}) };
      const region = draftRegion({ plan: context.plan, region: chosen }, regions);
      if (region === undefined)
        errors.region = chosen
          ? `"${chosen.slice(0, 40)}" is not a region; choose one from the list.`
          : "Choose the region the client's data stays in (their plan includes data residency).";
      else if (!context.servers.some((s) => s.region === region))
        errors.region = `No database server is in ${regionLabel(region, regions)} yet: register one there (npm run tenants -- servers add <name> <url> --region ${region})${choosesRegion(context.plan) ? " or choose another region" : ""}.`;
      const named = context.servers.find((s) => s.name === server);
      if (server && !named)
        errors.server = `"${server}" is not a registered server; choose one from the list or Automatic.`;
      else if (named && region !== undefined && named.region !== region)
        errors.server = `"${server}" is in ${regionLabel(named.region, regions)}, outside the tenant's region ${regionLabel(region, regions)}; choose a server in that region or Automatic.`;
      break;
    }
    case "admin": {
      data = {
        adminName: text(form, "adminName").slice(0, 120),
        adminEmail: text(form, "adminEmail").toLowerCase().slice(0, 254),
      };
      const parsed = firstAdminSchema.safeParse({ name: data.adminName, email: data.adminEmail });
      if (!parsed.success)
        for (const issue of parsed.error.issues)
          errors[issue.path[0] === "name" ? "adminName" : "adminEmail"] = issue.message;
      break;
    }
    case "review":
      break;
  }
  return Object.keys(errors).length ? { ok: false, errors, data } : { ok: true, data };
}

/** The theme a draft describes (defaults where a step was not visited). */
export function draftTheme(d: DraftData, logoSrc: string | null): Theme {
  return {
    primary: d.primary ?? DRAFT_DEFAULTS.primary,
    accent: d.accent ?? DRAFT_DEFAULTS.accent,
    background: d.background ?? DRAFT_DEFAULTS.background,
    surface: d.surface ?? DRAFT_DEFAULTS.surface,
    text: d.text ?? DRAFT_DEFAULTS.text,
    font: d.font ?? DRAFT_DEFAULTS.font,
    layout: d.layout ?? DRAFT_DEFAULTS.layout,
    logo: { src: logoSrc ?? "/brand/portico.svg", alt: d.logoAlt || d.name || "Logo" },
  };
}

/**
 * Everything the review step checks before provisioning: each earlier step again, and custom
 * domains only on a plan that includes them. Returns the first step with a problem.
 */
export function checkDraft(
  d: DraftData,
  context: WizardContext,
): { ok: true } | { ok: false; step: WizardStep; message: string } {
  const form = (entries: Record<string, string | undefined>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(entries)) f.set(k, v ?? "");
    return f;
  };
  const { logo: _logo, ...colours } = draftTheme(d, null);
  const checks: Array<[WizardStep, FormData]> = [
    ["organisation", form({ name: d.name, slug: d.slug })],
    ["domains", form({ domains: (d.domains ?? []).join(" ") })],
    ["branding", form({ ...colours, logoAlt: d.logoAlt })],
    ["plan", form({ plan: d.plan ?? DRAFT_DEFAULTS.plan })],
    ["placement", form({ server: d.server, region: d.region })],
    ["admin", form({ adminName: d.adminName, adminEmail: d.adminEmail })],
  ];
  for (const [step, f] of checks) {
    const result = parseStep(step, f, { ...context, plan: d.plan ?? DRAFT_DEFAULTS.plan });
    if (!result.ok) return { ok: false, step, message: Object.values(result.errors)[0] ?? "check this step" };
  }
  if ((d.domains?.length ?? 0) > 0 && !planHas(d.plan ?? DRAFT_DEFAULTS.plan, "custom-domain")) {
    return {
      ok: false,
      step: "plan",
      message: "Custom domains need the Premium plan: choose it, or remove the custom domains.",
    };
  }
  return { ok: true };
}

"use server";

import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { LOCALES } from "@/lib/format/locale.ts";
import type { BrandingStatus, SettingsState } from "@/components/portal/settings-forms.tsx";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";
import { queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { LOGO_MAX_BYTES, checkLogo } from "@/lib/tenancy/logo.ts";
import { InvalidFields } from "@/lib/actions/action-state.ts";
import { checkContrast, describeContrast, parseSuggestion } from "@/lib/tenancy/contrast.ts";
import { savableThemeSchema } from "@/lib/tenancy/theme.ts";
import { secondFactorPolicy, tenantNeedsSecondFactor } from "@/lib/auth/second-factor-policy.ts";
import { secondFactorsOf } from "@/lib/auth/second-factor.server.ts";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import {
  ConnectionFieldErrors,
  deleteOidcConnection,
  readOidcConnection,
  saveOidcConnection,
  setOidcEnabled,
} from "@/lib/auth/sso-connection.server.ts";
import { startSsoTest } from "@/lib/auth/sso-test.server.ts";
import { deleteSamlConnection, loadSamlConnection, setSamlEnabled } from "@/lib/auth/saml-sign-in.server.ts";
import { saveSamlSettings } from "@/lib/auth/saml-settings.server.ts";

const options = { returnTo: "/manage/settings" };

/** Portal settings live in the tenant's own database. */
export const savePortalSettings = tenantAction(
  "admin",
  z.object({
    catalogueVisibility: text().transform((v) => (v === "members" ? "members" : "public")),
    allowMemberSignup: text().transform((v) => v === "on"),
    allowGuestRegistration: text().transform((v) => v === "on"),
    senderName: text().transform((v) => v.trim().slice(0, 120) || null),
    // Only a language the portal has a catalogue for; a forged value is refused, never stored.
    // Absent (a client that predates the field): the portal keeps its language.
    defaultLocale: z.enum(LOCALES, { error: "Choose one of the languages listed." }).optional(),
  }),
  async (data, { tenant }): Promise<SettingsState> => {
    await withTenantDb(tenant.id, (db) =>
      db.portalSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data }),
    );
    revalidatePath("/", "layout");
    return { message: (await getTranslations("actions"))("settingsSaved") };
  },
  { ...options, trail: "settings.save" },
);

const brandingForm = z.object({
  name: text(),
  primary: text(),
  accent: text(),
  background: text(),
  surface: text(),
  text: text(),
  font: text(),
  layout: text(),
  logoAlt: text().transform((v) => v.trim().slice(0, 120)),
  logo: z.instanceof(File).optional(),
  /** A "use this shade" button pressed before the page's script ran: `<field>=<#hex>`. */
  suggest: z.string().optional(),
});

/**
 * Branding lives in the control plane, which the web app may not change: it is queued for the
 * operations worker (decision 009), which validates and applies it on every instance at once.
 */
export const saveBranding = tenantAction(
  "admin",
  brandingForm,
  async ({ name, logoAlt, logo: file, suggest, ...fields }, { tenant, user, trail }): Promise<SettingsState> => {
    const { font, ...typed } = fields;
    const suggestion = parseSuggestion(suggest);
    if (suggestion) {
      // Fill the shade in and show the form again; saving stays a separate, deliberate click.
      await trail(null);
      return {
        values: { name, logoAlt, font, ...typed, [suggestion.field]: suggestion.shade },
        message: (await getTranslations("actions"))("shadeFilled", { shade: suggestion.shade }),
      };
    }
    const colours = { ...typed, font };
    // Checked here too (the worker checks again) so a failing colour is answered beside its field.
    const checked = savableThemeSchema.safeParse({ ...colours, logo: { src: "/brand/portico.svg", alt: "Logo" } });
    if (!checked.success) {
      const errors: Record<string, string> = {};
      // Contrast problems are worded from their structured result, in the reader's language, as
      // the form's own live check words them; other messages are translated on the way out.
      const tc = await getTranslations("contrast");
      for (const problem of Object.values(checkContrast(colours)))
        errors[problem.field] = describeContrast(problem, tc);
      for (const issue of checked.error.issues) {
        const field = String(issue.path[0]);
        if (field !== "logo") errors[field] ??= issue.message;
      }
      if (Object.keys(errors).length > 0) throw new InvalidFields(errors);
    }
    const theme = { ...colours, logo: { alt: logoAlt || name || "Logo" } };
    let logo: string | null = null;
    if (file && file.size > 0) {
      if (file.size > LOGO_MAX_BYTES)
        throw new InvalidInput(
          (await getTranslations("actions"))("logoTooLarge", {
            size: Math.ceil(file.size / 1024),
            limit: LOGO_MAX_BYTES / 1024,
          }),
        );
      logo = checkLogo(new Uint8Array(await file.arrayBuffer())).bytes.toString("base64");
    }
    const { id } = await queueOperation(platform().control, {
      kind: "set-branding",
      slug: tenant.slug,
      input: { name, theme, logo },
      actor: { type: "tenant-user", id: user.id, label: user.email },
      ...(await requestOrigin()),
    });
    await trail({ details: { name, logo: logo !== null, operation: id } });
    return { message: (await getTranslations("actions"))("savingBranding"), operationId: id };
  },
  { ...options, trail: "settings.branding" },
);

/** Whether a queued branding change has been applied (polled by the settings page). */
export const brandingStatus = tenantAction(
  "admin",
  z.string(),
  async (operationId, { tenant }): Promise<BrandingStatus> => {
    const op = /^[0-9a-f-]{36}$/.test(operationId)
      ? await platform().control.operation.findUnique({
          where: { id: operationId },
          select: { status: true, error: true, slug: true },
        })
      : null;
    if (!op || op.slug !== tenant.slug) return { status: "unknown", error: null };
    return { status: op.status, error: op.error };
  },
  options,
);

/**
 * Who must use a second factor to sign in (docs/decisions/045): the portal's owners decide, and
 * the change is audited. Sessions already open are asked at their next request.
 */
export const saveSecondFactorPolicy = tenantAction(
  "owner",
  z.object({ policy: secondFactorPolicy }),
  async ({ policy }, { tenant, user, audit }): Promise<SettingsState> => {
    // Owners are covered by every policy but "none": one who has no factor would lock their own
    // session out with this click, so they set one up first (as GitHub asks of organisation owners).
    if (tenantNeedsSecondFactor(policy, user.role)) {
      const mine = await secondFactorsOf(tenant.id, user.id);
      if (!mine.totp && mine.passkeys.length === 0)
        throw new InvalidInput(
          "Turn on two-step verification for your own account first (Account, Two-step verification), then require it here.",
        );
    }
    const before = await withTenantDb(tenant.id, async (db) => {
      const row = await db.portalSettings.findUnique({ where: { id: 1 }, select: { secondFactorPolicy: true } });
      await db.portalSettings.upsert({
        where: { id: 1 },
        create: { id: 1, secondFactorPolicy: policy },
        update: { secondFactorPolicy: policy },
      });
      return row?.secondFactorPolicy ?? "none";
    });
    await audit({ details: { from: before, to: policy } });
    revalidatePath("/", "layout");
    return { message: (await getTranslations("actions"))("settingsSaved") };
  },
  { ...options, audit: "tenant.second-factor-policy", trail: "settings.second-factor-policy" },
);

/**
 * Single sign-on (docs/decisions/042): the connection lives in the tenant's own database; its
 * secret is sealed before it is written. Saving checks the issuer's discovery document first, so
 * a wrong issuer stores nothing. Every change is audited.
 */
const ssoOptions = { returnTo: "/manage/settings#sso", echo: true } as const;

export const saveSsoConnection = tenantAction(
  "admin",
  z.record(z.string(), z.unknown()),
  async (input, { tenant, user }): Promise<ActionState> => {
    const t = await getTranslations("sso");
    try {
      const { needsTest } = await saveOidcConnection(tenant.id, input, { keyring: platform().keyring, by: user.email });
      revalidatePath("/manage/settings");
      return { message: needsTest ? t("saved") : t("savedKept") };
    } catch (error) {
      if (error instanceof ConnectionFieldErrors) throw new InvalidFields(error.errors);
      throw error;
    }
  },
  { ...ssoOptions, audit: "tenant.sso.save", trail: "settings.sso.save" },
);

export const setSsoEnabled = tenantAction(
  "admin",
  z.object({ enabled: text().transform((v) => v === "on") }),
  async ({ enabled }, { tenant, user, audit }): Promise<ActionState> => {
    await setOidcEnabled(tenant.id, enabled, user.email);
    await audit({ details: { enabled } });
    revalidatePath("/manage/settings");
    return { message: (await getTranslations("sso"))(enabled ? "enabled" : "disabled") };
  },
  { ...ssoOptions, audit: "tenant.sso.enable", trail: "settings.sso.enable" },
);

export const removeSsoConnection = tenantAction(
  "admin",
  z.object({}),
  async (_input, { tenant }): Promise<ActionState> => {
    await deleteOidcConnection(tenant.id);
    revalidatePath("/manage/settings");
    return { message: (await getTranslations("sso"))("removed") };
  },
  { ...ssoOptions, audit: "tenant.sso.remove", trail: "settings.sso.remove" },
);

/** Sets the test sign-in marker for this admin; the browser then runs the real sign-in. */
export const startSsoTestSignIn = tenantAction(
  "admin",
  z.object({}),
  async (_input, { tenant, user }): Promise<ActionState> => {
    if (!(await readOidcConnection(tenant.id))) throw new InvalidInput("Save a single sign-on connection first.");
    await startSsoTest(tenant, user, await currentOrigin());
    return {};
  },
  ssoOptions,
);

const samlOptions = { returnTo: "/manage/settings#saml", echo: true } as const;

/** The portal's SAML identity provider (docs/decisions/043), saved by its owners and admins. */
export const saveSamlConnectionAction = tenantAction(
  "admin",
  z.record(z.string(), z.unknown()),
  async (input, { tenant, user, audit }): Promise<ActionState> => {
    const t = await getTranslations("saml");
    try {
      const { needsTest } = await saveSamlSettings(tenant, input, user.email);
      await audit({ details: { needsTest } });
      revalidatePath("/manage/settings");
      return { message: needsTest ? t("saved") : t("savedKept") };
    } catch (error) {
      if (error instanceof ConnectionFieldErrors) throw new InvalidFields(error.errors);
      throw error;
    }
  },
  { ...samlOptions, audit: "tenant.saml.save", trail: "settings.saml.save" },
);

export const setSamlEnabledAction = tenantAction(
  "admin",
  z.object({ enabled: text().transform((v) => v === "on") }),
  async ({ enabled }, { tenant, user, audit }): Promise<ActionState> => {
    await setSamlEnabled(tenant, enabled, user.email);
    await audit({ details: { enabled } });
    revalidatePath("/manage/settings");
    return { message: (await getTranslations("saml"))(enabled ? "enabled" : "disabled") };
  },
  { ...samlOptions, audit: "tenant.saml.enable", trail: "settings.saml.enable" },
);

export const removeSamlConnectionAction = tenantAction(
  "admin",
  z.object({}),
  async (_input, { tenant }): Promise<ActionState> => {
    await deleteSamlConnection(tenant);
    revalidatePath("/manage/settings");
    return { message: (await getTranslations("saml"))("removed") };
  },
  { ...samlOptions, audit: "tenant.saml.remove", trail: "settings.saml.remove" },
);

/** Sets the test marker for this admin; the browser then goes to the start route with test=1. */
export const startSamlTestSignIn = tenantAction(
  "admin",
  z.object({}),
  async (_input, { tenant, user }): Promise<ActionState> => {
    if (!(await loadSamlConnection(tenant))) throw new InvalidInput("Save a SAML connection first.");
    await startSsoTest(tenant, user, await currentOrigin());
    return {};
  },
  samlOptions,
);

"use server";

import { z } from "zod";
import type { ImpersonationState } from "@/components/agency/impersonate-form.tsx";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { issueImpersonation } from "@/lib/auth/impersonation.server.ts";
import { confirmEmailDomainByAgency } from "@/lib/auth/email-domains.server.ts";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { requireRuntime } from "@/lib/config/env.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { tenantHosts } from "@/lib/tenancy/host.ts";
import { revalidatePath } from "next/cache";
import { InvalidFields, type ActionState } from "@/lib/actions/action-state.ts";
import {
  ConnectionFieldErrors,
  deleteOidcConnection,
  saveOidcConnection,
  setOidcEnabled,
} from "@/lib/auth/sso-connection.server.ts";
import { deleteSamlConnection, setSamlEnabled } from "@/lib/auth/saml-sign-in.server.ts";
import { saveSamlSettings } from "@/lib/auth/saml-settings.server.ts";

/**
 * Issues a hand-off into the tenant's portal and returns its link. Any agency user reaches it;
 * issueImpersonation refuses (and audits the refusal of) everyone but owners.
 */
export const startImpersonation = agencyAction(
  "viewer",
  z.object({ slug: text(), target: z.unknown().optional(), reason: z.unknown().optional() }),
  async ({ slug, target, reason }, { user }): Promise<ImpersonationState> => {
    const { control, env, hosts } = platform();
    const tenant = await control.tenant.findUnique({
      where: { slug },
      select: {
        id: true,
        slug: true,
        status: true,
        domains: { select: { hostname: true, isPrimary: true }, orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] },
      },
    });
    if (!tenant) throw new InvalidInput("That tenant no longer exists.");
    const issued = await issueImpersonation(
      { control, secretKey: requireRuntime(env).secretKey, useTenant: withTenantDb },
      user,
      tenant,
      { targetUserId: target, reason },
      await requestOrigin(),
    );
    const host = tenantHosts(tenant.slug, tenant.domains, hosts)[0]!;
    return { url: publicLink(host, `/impersonate?token=${encodeURIComponent(issued.token)}`) };
  },
  { returnTo: (fields) => `/tenants/${String(fields.slug ?? "")}`, echo: false },
);

/**
 * An agency owner confirms a tenant's email domain without DNS (decision 044). Any agency user
 * reaches it; confirmEmailDomainByAgency refuses (and audits the refusal of) everyone but owners.
 */
export const confirmEmailDomain = agencyAction(
  "viewer",
  z.object({ slug: text(), domain: text(), reason: text() }),
  async ({ slug, domain, reason }, { user }): Promise<ActionState> => {
    const tenant = await platform().control.tenant.findUnique({
      where: { slug },
      select: { id: true, slug: true, status: true },
    });
    if (!tenant) throw new InvalidInput("That tenant no longer exists.");
    const confirmed = await confirmEmailDomainByAgency(user, tenant, { domain, reason }, await requestOrigin());
    revalidatePath(`/tenants/${slug}`);
    return { message: `${confirmed.domain} is verified for ${tenant.slug} (by agency confirmation).` };
  },
  { returnTo: (fields) => `/tenants/${String(fields.slug ?? "")}` },
);

/**
 * A tenant's single sign-on connection, changed by the agency (docs/decisions/042): written to the
 * tenant's own database as the tenant's admins write it, and audited against the tenant.
 */
async function ssoTenant(slug: unknown): Promise<{ id: string; slug: string }> {
  const tenant =
    typeof slug === "string"
      ? await platform().control.tenant.findUnique({ where: { slug }, select: { id: true, slug: true, status: true } })
      : null;
  if (!tenant || tenant.status !== "active")
    throw new InvalidInput("That tenant is not live; its sign-in cannot be changed.");
  return tenant;
}

const ssoReturn = { returnTo: (fields: Record<string, unknown>) => `/tenants/${String(fields.slug ?? "")}` };

export const saveTenantSso = agencyAction(
  "operator",
  z.record(z.string(), z.unknown()),
  async (input, { user, audit }): Promise<ActionState> => {
    const tenant = await ssoTenant(input.slug);
    try {
      const { needsTest } = await saveOidcConnection(tenant.id, input, {
        keyring: platform().keyring,
        by: `agency: ${user.email}`,
      });
      await audit({ tenantId: tenant.id, details: { needsTest } });
      revalidatePath(`/tenants/${tenant.slug}`);
      return {
        message: needsTest
          ? "Saved. A tenant admin runs a test sign-in from the portal's settings before it can be turned on."
          : "Saved.",
      };
    } catch (error) {
      if (error instanceof ConnectionFieldErrors) throw new InvalidFields(error.errors);
      throw error;
    }
  },
  { ...ssoReturn, audit: "agency.tenant-sso.save" },
);

export const setTenantSsoEnabled = agencyAction(
  "operator",
  z.object({ slug: text(), enabled: text().transform((v) => v === "on") }),
  async ({ slug, enabled }, { user, audit }): Promise<ActionState> => {
    const tenant = await ssoTenant(slug);
    await setOidcEnabled(tenant.id, enabled, `agency: ${user.email}`);
    await audit({ tenantId: tenant.id, details: { enabled } });
    revalidatePath(`/tenants/${tenant.slug}`);
    return { message: enabled ? "Single sign-on is on for the portal's members." : "Single sign-on is off." };
  },
  { ...ssoReturn, audit: "agency.tenant-sso.enable" },
);

export const removeTenantSso = agencyAction(
  "operator",
  z.object({ slug: text() }),
  async ({ slug }, { audit }): Promise<ActionState> => {
    const tenant = await ssoTenant(slug);
    await deleteOidcConnection(tenant.id);
    await audit({ tenantId: tenant.id });
    revalidatePath(`/tenants/${tenant.slug}`);
    return { message: "The connection is removed." };
  },
  { ...ssoReturn, audit: "agency.tenant-sso.remove" },
);

/** A tenant's SAML connection, changed by the agency: as the tenant's admins change it, audited against the tenant. */
export const saveTenantSaml = agencyAction(
  "operator",
  z.record(z.string(), z.unknown()),
  async (input, { user, audit }): Promise<ActionState> => {
    const tenant = await ssoTenant(input.slug);
    try {
      const { needsTest } = await saveSamlSettings(tenant, input, `agency: ${user.email}`);
      await audit({ tenantId: tenant.id, details: { needsTest } });
      revalidatePath(`/tenants/${tenant.slug}`);
      return {
        message: needsTest
          ? "Saved. A tenant admin runs a test sign-in from the portal's settings before it can be turned on."
          : "Saved.",
      };
    } catch (error) {
      if (error instanceof ConnectionFieldErrors) throw new InvalidFields(error.errors);
      throw error;
    }
  },
  { ...ssoReturn, echo: true, audit: "agency.tenant-saml.save" },
);

export const setTenantSamlEnabled = agencyAction(
  "operator",
  z.object({ slug: text(), enabled: text().transform((v) => v === "on") }),
  async ({ slug, enabled }, { user, audit }): Promise<ActionState> => {
    const tenant = await ssoTenant(slug);
    await setSamlEnabled(tenant, enabled, `agency: ${user.email}`);
    await audit({ tenantId: tenant.id, details: { enabled } });
    revalidatePath(`/tenants/${tenant.slug}`);
    return { message: enabled ? "SAML sign-in is on for the portal's members." : "SAML sign-in is off." };
  },
  { ...ssoReturn, audit: "agency.tenant-saml.enable" },
);

export const removeTenantSaml = agencyAction(
  "operator",
  z.object({ slug: text() }),
  async ({ slug }, { audit }): Promise<ActionState> => {
    const tenant = await ssoTenant(slug);
    await deleteSamlConnection(tenant);
    await audit({ tenantId: tenant.id });
    revalidatePath(`/tenants/${tenant.slug}`);
    return { message: "The SAML connection is removed." };
  },
  { ...ssoReturn, audit: "agency.tenant-saml.remove" },
);

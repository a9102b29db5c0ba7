"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
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

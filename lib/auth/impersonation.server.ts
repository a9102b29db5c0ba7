import "server-only";
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { appendAudit } from "../audit/log.server.ts";
import { appendTenantAudit } from "../audit/tenant-trail.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { InvalidInput, PorticoError } from "../util/errors.ts";
import type { ActiveImpersonation, AgencyUser } from "./verified.ts";

export type { ActiveImpersonation };

/**
 * Impersonation: an agency owner opens a tenant's portal as one of that tenant's admins
 * (docs/decisions/025).
 *
 * 1. On the agency host, `issueImpersonation` records a grant (who, as whom, why) and returns a
 *    hand-off link to the tenant's own host carrying the grant id and an HMAC over it.
 * 2. On the tenant host, the link lands on a page that asks for one click (link scanners must
 *    not burn it); `consumeImpersonation` then claims the grant in one conditional UPDATE:
 *    unused, unexpired, for this tenant. A second use or a late one is refused and audited.
 * 3. The tenant session it opens carries the grant id; every request re-checks the grant
 *    (`activeImpersonation`): not ended, session not expired, agency user still an active owner.
 * 4. "End impersonation" marks the grant ended: the session is dead on every instance at once.
 */

export const HANDOFF_SECONDS = 60;
export const SESSION_MINUTES = 30;

export class ImpersonationRefused extends PorticoError {
  override readonly name = "ImpersonationRefused";
}

export interface ImpersonationDeps {
  control: ControlDb;
  secretKey: string;
}

export interface ReadOrigin {
  ip: string | null;
  userAgent: string | null;
}

function signingKey(secretKey: string): Buffer {
  return Buffer.from(
    hkdfSync("sha256", Buffer.from(secretKey, "base64"), Buffer.alloc(0), "portico impersonation hand-off", 32),
  );
}

export function signGrant(secretKey: string, grantId: string): string {
  const mac = createHmac("sha256", signingKey(secretKey)).update(grantId).digest("base64url");
  return `${grantId}.${mac}`;
}

/** The grant id a hand-off token names, or null when it is malformed or its signature is wrong. */
export function verifyGrantToken(secretKey: string, token: unknown): string | null {
  if (typeof token !== "string" || token.length > 200) return null;
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const expected = Buffer.from(signGrant(secretKey, match[1]!).split(".")[1]!, "utf8");
  const given = Buffer.from(match[2]!, "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given) ? match[1]! : null;
}

const issueInput = z.object({
  targetUserId: z.string().uuid("choose whose portal view to open"),
  reason: z
    .string()
    .trim()
    .min(5, "say why (at least 5 characters): it goes into the audit log")
    .max(200, "keep the reason under 200 characters"),
});

export interface IssuedImpersonation {
  grantId: string;
  token: string;
  expiresAt: Date;
}

/**
 * Issues a hand-off for `actor` (an agency owner) into `tenant` as `targetUserId`, who must be an
 * active admin or owner of that tenant. Audited as impersonation.issue.
 */
export async function issueImpersonation(
  deps: ImpersonationDeps & { useTenant: <T>(tenantId: string, fn: (db: TenantDb) => Promise<T>) => Promise<T> },
  actor: AgencyUser,
  tenant: { id: string; slug: string; status: string },
  raw: { targetUserId: unknown; reason: unknown },
  from: ReadOrigin,
): Promise<IssuedImpersonation> {
  if (actor.role !== "owner") {
    await appendAudit(deps.control, {
      actor: { type: "agency-user", id: actor.id, label: actor.email },
      action: "impersonation.refused",
      tenantId: tenant.id,
      ...from,
      details: { why: `role ${actor.role} may not impersonate` },
    });
    throw new ImpersonationRefused("Only agency owners can open a tenant's portal as its admin.");
  }
  if (tenant.status !== "active")
    throw new ImpersonationRefused(`${tenant.slug} is ${tenant.status}: its portal cannot be opened.`);
  const parsed = issueInput.safeParse(raw);
  if (!parsed.success) throw new InvalidInput(parsed.error.issues.map((i) => i.message).join("; "));
  const target = await deps.useTenant(tenant.id, (db) =>
    db.user.findUnique({
      where: { id: parsed.data.targetUserId },
      select: { id: true, email: true, role: true, active: true },
    }),
  );
  if (!target || !target.active || (target.role !== "admin" && target.role !== "owner")) {
    throw new InvalidInput("That person is not an active admin of this tenant; choose one from the list.");
  }
  const expiresAt = new Date(Date.now() + HANDOFF_SECONDS * 1000);
  const grant = await deps.control.impersonationGrant.create({
    data: {
      tenantId: tenant.id,
      agencyUserId: actor.id,
      agencyUserEmail: actor.email,
      targetUserId: target.id,
      targetEmail: target.email,
      reason: parsed.data.reason,
      expiresAt,
    },
    select: { id: true },
  });
  await appendAudit(deps.control, {
    actor: { type: "agency-user", id: actor.id, label: actor.email },
    action: "impersonation.issue",
    tenantId: tenant.id,
    ...from,
    details: {
      grant: grant.id,
      as: target.email,
      role: target.role,
      reason: parsed.data.reason,
      expiresAt: expiresAt.toISOString(),
    },
  });
  // Access transparency (decision 048): the tenant's own trail says who from the agency opened
  // its portal, as whom and why. No trail entry, no link: a failure here throws.
  await deps.useTenant(tenant.id, (db) =>
    appendTenantAudit(db, {
      actor: { type: "agency", label: `agency: ${actor.email}` },
      action: "agency.impersonate",
      subject: { email: target.email },
      ...from,
      details: { grant: grant.id, role: target.role, reason: parsed.data.reason, expiresAt: expiresAt.toISOString() },
      tenantId: tenant.id,
    }),
  );
  return { grantId: grant.id, token: signGrant(deps.secretKey, grant.id), expiresAt };
}

export type HandoffState =
  | { state: "ready"; agencyUserEmail: string; targetEmail: string; reason: string }
  | { state: "used" | "expired" | "invalid" };

/** What the landing page says before the click; consumes nothing. */
export async function peekImpersonation(
  deps: ImpersonationDeps,
  tenantId: string,
  token: unknown,
): Promise<HandoffState> {
  const id = verifyGrantToken(deps.secretKey, token);
  if (!id) return { state: "invalid" };
  const grant = await deps.control.impersonationGrant.findUnique({ where: { id } });
  if (!grant || grant.tenantId !== tenantId) return { state: "invalid" };
  if (grant.usedAt) return { state: "used" };
  if (grant.expiresAt <= new Date()) return { state: "expired" };
  return {
    state: "ready",
    agencyUserEmail: grant.agencyUserEmail,
    targetEmail: grant.targetEmail,
    reason: grant.reason,
  };
}

export const REFUSAL_TEXT: Record<Exclude<HandoffState["state"], "ready">, string> = {
  used: "This impersonation link has already been used. Links work once: start again from the agency dashboard.",
  expired: `This impersonation link has expired (links last ${HANDOFF_SECONDS} seconds). Start again from the agency dashboard.`,
  invalid: "This impersonation link is not valid for this portal. Start again from the agency dashboard.",
};

/**
 * Claims the grant exactly once and returns whom to sign in as. A second use, a late use, a
 * forged or foreign token, or an agency user no longer an active owner is refused and audited.
 */
export async function consumeImpersonation(
  deps: ImpersonationDeps,
  tenantId: string,
  token: unknown,
  from: ReadOrigin,
): Promise<
  | { grantId: string; targetUserId: string; agencyUserEmail: string; sessionExpiresAt: Date }
  | { refused: keyof typeof REFUSAL_TEXT }
> {
  const id = verifyGrantToken(deps.secretKey, token);
  const refuse = async (
    why: keyof typeof REFUSAL_TEXT,
    grant?: { id: string; agencyUserId: string; agencyUserEmail: string },
  ) => {
    await appendAudit(deps.control, {
      actor: grant
        ? { type: "agency-user", id: grant.agencyUserId, label: grant.agencyUserEmail }
        : { type: "system", label: "impersonation hand-off" },
      action: "impersonation.refused",
      tenantId,
      ...from,
      details: { grant: grant?.id ?? null, why },
    });
    return { refused: why };
  };
  if (!id) return refuse("invalid");
  const now = new Date();
  const sessionExpiresAt = new Date(now.getTime() + SESSION_MINUTES * 60_000);
  const claimed = await deps.control.impersonationGrant.updateMany({
    where: { id, tenantId, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now, sessionExpiresAt },
  });
  const grant = await deps.control.impersonationGrant.findUnique({ where: { id } });
  if (!grant || grant.tenantId !== tenantId) return refuse("invalid");
  if (claimed.count !== 1) return refuse(grant.usedAt ? "used" : "expired", grant);
  const owner = await deps.control.agencyUser.findUnique({
    where: { id: grant.agencyUserId },
    select: { active: true, role: true },
  });
  if (!owner?.active || owner.role !== "owner") {
    await deps.control.impersonationGrant.update({ where: { id }, data: { endedAt: now } });
    return refuse("invalid", grant);
  }
  await appendAudit(deps.control, {
    actor: { type: "agency-user", id: grant.agencyUserId, label: grant.agencyUserEmail },
    action: "impersonation.start",
    tenantId,
    ...from,
    details: { grant: id, as: grant.targetEmail, until: sessionExpiresAt.toISOString() },
  });
  return { grantId: id, targetUserId: grant.targetUserId, agencyUserEmail: grant.agencyUserEmail, sessionExpiresAt };
}

/** The grant behind an impersonation session, if that session may still be used. */
export async function activeImpersonation(
  control: ControlDb,
  tenantId: string,
  grantId: string,
): Promise<ActiveImpersonation | null> {
  const grant = await control.impersonationGrant.findUnique({ where: { id: grantId } });
  if (
    !grant ||
    grant.tenantId !== tenantId ||
    grant.endedAt ||
    !grant.sessionExpiresAt ||
    grant.sessionExpiresAt <= new Date()
  )
    return null;
  const owner = await control.agencyUser.findUnique({
    where: { id: grant.agencyUserId },
    select: { active: true, role: true },
  });
  if (!owner?.active || owner.role !== "owner") return null;
  return { grantId: grant.id, agencyUserEmail: grant.agencyUserEmail, sessionExpiresAt: grant.sessionExpiresAt };
}

/** Ends an impersonation session (idempotent). Audited once, when it actually ends. */
export async function endImpersonation(
  control: ControlDb,
  tenantId: string,
  grantId: string,
  from: ReadOrigin,
): Promise<boolean> {
  const ended = await control.impersonationGrant.updateMany({
    where: { id: grantId, tenantId, endedAt: null },
    data: { endedAt: new Date() },
  });
  if (ended.count !== 1) return false;
  const grant = await control.impersonationGrant.findUniqueOrThrow({ where: { id: grantId } });
  await appendAudit(control, {
    actor: { type: "agency-user", id: grant.agencyUserId, label: grant.agencyUserEmail },
    action: "impersonation.end",
    tenantId,
    ...from,
    details: { grant: grantId, as: grant.targetEmail },
  });
  return true;
}

import "server-only";
import { appendTenantAudit } from "../audit/tenant-trail.server.ts";
import { assertTenantRole, type TenantUser } from "../auth/verified.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { InvalidInput } from "../util/errors.ts";
import { eraseMember, type ErasureResult } from "./erasure.server.ts";
import {
  readRetentionPolicy,
  retentionPreview,
  saveRetentionPolicy,
  type RetentionCounts,
  type RetentionPolicyValues,
} from "./retention.server.ts";

/**
 * GDPR data-subject requests (docs/decisions/051) and the retention settings, as the portal's pages
 * reach them. Every function checks its viewer itself (a layout is never a guard): a member acts
 * on their own data only; the privacy settings and other people's requests are for owners and
 * admins. All of it lives in the tenant's own database; nothing is written to the control plane.
 */

export type WithTenant = <T>(tenantId: string, fn: (db: TenantDb) => Promise<T>) => Promise<T>;

/** Version of the download's layout; a reader can tell which fields to expect. */
export const EXPORT_FORMAT = "portico.member-data/1";

/** Everything this tenant holds about one member, as the download carries it. */
export async function memberData(db: TenantDb, userId: string, now = new Date()): Promise<Record<string, unknown>> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      active: true,
      locale: true,
      lastSignInAt: true,
      createdAt: true,
      updatedAt: true,
      passwordHash: true,
      totp: { select: { confirmedAt: true, createdAt: true } },
      recoveryCodes: { select: { usedAt: true, createdAt: true } },
      passkeys: { select: { name: true, transports: true, createdAt: true, lastUsedAt: true } },
      sessions: {
        select: {
          id: true,
          createdAt: true,
          lastSeenAt: true,
          expiresAt: true,
          endedAt: true,
          ip: true,
          userAgent: true,
          method: true,
        },
        orderBy: { createdAt: "asc" },
      },
      ssoIdentities: { select: { issuer: true, subject: true, createdAt: true, lastSignInAt: true } },
    },
  });
  if (!user) throw new InvalidInput("Your account no longer exists on this portal.");
  const email = user.email.toLowerCase();
  const registrations = await db.registration.findMany({
    where: { OR: [{ userId }, { email }] },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      email: true,
      name: true,
      status: true,
      answers: true,
      ticketCode: true,
      checkedInAt: true,
      promotedAt: true,
      cancelledAt: true,
      createdAt: true,
      event: { select: { slug: true, title: true, startsAt: true, endsAt: true } },
    },
  });
  const messages = await db.mailOutbox.findMany({
    where: { toAddress: { equals: email, mode: "insensitive" } },
    orderBy: { createdAt: "asc" },
    select: { createdAt: true, toAddress: true, fromName: true, content: true, status: true, sentAt: true },
  });
  const requests = await db.dataSubjectRequest.findMany({
    where: { userId },
    orderBy: { requestedAt: "asc" },
    select: { kind: true, status: true, requestedAt: true, completedAt: true },
  });
  // The trail names people by id: the entries that name this member as actor or subject.
  const audit = await db.$queryRaw<Array<Record<string, unknown>>>`
    SELECT e."id"::text AS "id", e."at", e."actorType", e."actorLabel", e."action",
           -- Where a request came from is the actor's: theirs only when they acted, not someone acting on them.
           CASE WHEN e."actorPersonId" = p."id" THEN e."ip" END AS "ip",
           CASE WHEN e."actorPersonId" = p."id" THEN e."userAgent" END AS "userAgent", e."details",
           (e."actorPersonId" = p."id") AS "asActor", (e."subjectPersonId" = p."id") AS "asSubject"
    FROM "AuditEntry" e JOIN "AuditPerson" p ON p."id" IN (e."actorPersonId", e."subjectPersonId")
    WHERE lower(p."email") = ${email}
    ORDER BY e."id"`;
  const { passwordHash, totp, recoveryCodes, passkeys, sessions, ssoIdentities, ...profile } = user;
  return {
    format: EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    profile: {
      ...profile,
      hasPassword: passwordHash !== null,
      authenticatorApp: totp ? { confirmedAt: totp.confirmedAt, createdAt: totp.createdAt } : null,
      recoveryCodes: recoveryCodes.map((c) => ({ used: c.usedAt !== null, createdAt: c.createdAt })),
    },
    registrations: registrations.map(({ event, ...r }) => ({ ...r, event })),
    messages,
    sessions,
    passkeys,
    ssoIdentities,
    dataSubjectRequests: requests,
    auditEntries: audit,
  };
}

/**
 * The signed-in member's own data as JSON: recorded as a completed export request and in the
 * trail. Any signed-in member (staff and admins too) may download their own, and only their own.
 */
export async function downloadOwnData(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  withTenant: WithTenant = withTenantDb,
): Promise<Record<string, unknown>> {
  assertTenantRole(viewer, tenant, "member");
  if (viewer.impersonation)
    throw new InvalidInput(
      "A member's data is downloaded by the member themselves, not while viewing the portal as them.",
    );
  return withTenant(tenant.id, async (db) => {
    const now = new Date();
    await db.dataSubjectRequest.create({
      data: { kind: "export", userId: viewer.id, status: "completed", requestedAt: now, completedAt: now },
    });
    await appendTenantAudit(db, {
      actor: { type: "member", personEmail: viewer.email, personName: viewer.name, label: "member" },
      action: "privacy.export",
    });
    // Read after the two writes, so the download includes its own request and entry.
    return memberData(db, viewer.id, now);
  });
}

/** The member asks for erasure; one open request at a time. Staff carry it out on /manage/privacy. */
export async function requestErasure(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  withTenant: WithTenant = withTenantDb,
): Promise<{ id: string; created: boolean }> {
  assertTenantRole(viewer, tenant, "member");
  if (viewer.impersonation)
    throw new InvalidInput("An erasure is asked for by the member themselves, not while viewing the portal as them.");
  return withTenant(tenant.id, async (db) => {
    const open = await db.dataSubjectRequest.findFirst({
      where: { userId: viewer.id, kind: "erasure", status: "requested" },
      select: { id: true },
    });
    if (open) return { id: open.id, created: false };
    const created = await db.dataSubjectRequest.create({
      data: { kind: "erasure", userId: viewer.id },
      select: { id: true },
    });
    await appendTenantAudit(db, {
      actor: { type: "member", personEmail: viewer.email, personName: viewer.name, label: "member" },
      action: "privacy.erasure-requested",
      details: { requestId: created.id },
    });
    return { id: created.id, created: true };
  });
}

/** The member's own requests, newest first, for /account/data. */
export async function ownRequests(tenant: ResolvedTenant, viewer: TenantUser, withTenant: WithTenant = withTenantDb) {
  assertTenantRole(viewer, tenant, "member");
  return withTenant(tenant.id, (db) =>
    db.dataSubjectRequest.findMany({
      where: { userId: viewer.id },
      orderBy: { requestedAt: "desc" },
      take: 20,
      select: { id: true, kind: true, status: true, requestedAt: true, completedAt: true },
    }),
  );
}

export interface RequestView {
  id: string;
  kind: string;
  status: string;
  requestedAt: Date;
  completedAt: Date | null;
  userId: string;
  /** The member while they exist; null once erased (the request names the id only). */
  member: { email: string; name: string; role: string } | null;
}

export interface PrivacyOverview {
  policy: RetentionPolicyValues;
  /** What the saved policy would do if run now (the scheduled run's next counts). */
  due: RetentionCounts;
  requests: RequestView[];
}

/** /manage/privacy's data: owners and admins only. */
export async function privacyOverview(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  withTenant: WithTenant = withTenantDb,
): Promise<PrivacyOverview> {
  assertTenantRole(viewer, tenant, "admin");
  return withTenant(tenant.id, async (db) => {
    const policy = await readRetentionPolicy(db);
    const due = await retentionPreview(db, policy);
    const rows = await db.dataSubjectRequest.findMany({
      where: { kind: "erasure" },
      orderBy: [{ status: "asc" }, { requestedAt: "desc" }],
      take: 100,
    });
    const users = await db.user.findMany({
      where: { id: { in: rows.map((r) => r.userId) } },
      select: { id: true, email: true, name: true, role: true },
    });
    const byId = new Map(users.map((u) => [u.id, u]));
    return {
      policy,
      due,
      requests: rows.map((r) => {
        const u = byId.get(r.userId);
        return {
          id: r.id,
          kind: r.kind,
          status: r.status,
          requestedAt: r.requestedAt,
          completedAt: r.completedAt,
          userId: r.userId,
          member: u ? { email: u.email, name: u.name, role: u.role } : null,
        };
      }),
    };
  });
}

/** Saves the retention policy (owners and admins); see saveRetentionPolicy for the confirmation. */
export async function changeRetention(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  next: RetentionPolicyValues,
  confirmed: string | null,
  withTenant: WithTenant = withTenantDb,
) {
  assertTenantRole(viewer, tenant, "admin");
  return withTenant(tenant.id, (db) =>
    saveRetentionPolicy(db, { email: viewer.email, name: viewer.name }, next, confirmed),
  );
}

/** Carries out an open erasure request (owners and admins). */
export async function carryOutErasure(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  requestId: string,
  withTenant: WithTenant = withTenantDb,
): Promise<ErasureResult> {
  assertTenantRole(viewer, tenant, "admin");
  return withTenant(tenant.id, async (db) => {
    const request = await db.dataSubjectRequest.findFirst({
      where: { id: requestId, kind: "erasure" },
      select: { id: true, userId: true, status: true },
    });
    if (!request) throw new InvalidInput("There is no such erasure request: reload the page to see the current list.");
    if (request.status !== "requested")
      throw new InvalidInput(`That request is already ${request.status}: reload the page to see the current list.`);
    return eraseMember(db, request.userId, viewer, { requestId: request.id });
  });
}

/** Turns down an open erasure request (e.g. the member asked by mistake); recorded in the trail. */
export async function rejectErasure(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  requestId: string,
  withTenant: WithTenant = withTenantDb,
): Promise<void> {
  assertTenantRole(viewer, tenant, "admin");
  await withTenant(tenant.id, async (db) => {
    const done = await db.dataSubjectRequest.updateMany({
      where: { id: requestId, kind: "erasure", status: "requested" },
      data: { status: "rejected", completedAt: new Date(), handledById: viewer.id },
    });
    if (done.count === 0)
      throw new InvalidInput("That request is no longer open: reload the page to see the current list.");
    await appendTenantAudit(db, {
      actor: { type: "member", personEmail: viewer.email, personName: viewer.name, label: "member" },
      action: "privacy.erasure-rejected",
      details: { requestId },
    });
  });
}

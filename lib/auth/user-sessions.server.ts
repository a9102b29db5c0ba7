import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { AgencyRole, TenantRole } from "./roles.ts";
import { agencyNeedsSecondFactor, secondFactorPolicy, tenantNeedsSecondFactor } from "./second-factor-policy.ts";
import {
  LAST_SEEN_EVERY_MS,
  SESSION_HOURS,
  describeDevice,
  isSessionId,
  lastSeenDue,
  trimUserAgent,
  type SessionMethod,
  type SessionRow,
} from "./session-rules.ts";

/**
 * Server-side session rows (docs/decisions/041): "UserSession" in each tenant's database,
 * "AgencySession" in the control plane. A sign-in writes one; the session cookie carries its id
 * (`sid`); the guards read it with the user in one query and refuse the cookie once it has ended
 * or expired. Ending a row ends that session on every instance at its next request.
 */

export interface OpenedFrom {
  ip: string | null;
  userAgent: string | null;
}

const expiry = (until?: Date) => until ?? new Date(Date.now() + SESSION_HOURS * 3600_000);

// ── tenant sessions ─────────────────────────────────────────────────────────────────────────────

/** Writes the row of a new tenant session and returns its id (the cookie's `sid`). */
export async function openTenantSession(
  tenantId: string,
  userId: string,
  method: SessionMethod,
  from: OpenedFrom,
  until?: Date,
): Promise<string> {
  const row = await withTenantDb(tenantId, (db) =>
    db.userSession.create({
      data: { userId, method, ip: from.ip, userAgent: trimUserAgent(from.userAgent), expiresAt: expiry(until) },
      select: { id: true },
    }),
  );
  return row.id;
}

/** The user a tenant cookie names and the session row it carries, read together in one query. */
export interface TenantSessionRead {
  user: {
    id: string;
    email: string;
    name: string;
    role: TenantRole;
    active: boolean;
    sessionVersion: number;
    /** Has a confirmed authenticator app or a passkey (docs/decisions/045). */
    enrolled: boolean;
    /** The portal's policy or their own factor asks a second factor of every session. */
    needsSecondFactor: boolean;
  };
  session: SessionRow | null;
}

export async function readTenantSession(
  tenantId: string,
  userId: string,
  sessionId: unknown,
): Promise<TenantSessionRead | null> {
  if (!isSessionId(userId)) return null;
  // A cookie from before sessions had rows carries no sid: it matches no row.
  const sid = isSessionId(sessionId) ? sessionId : "00000000-0000-0000-0000-000000000000";
  const rows = await withTenantDb(
    tenantId,
    (db) => db.$queryRaw<
      Array<{
        id: string;
        email: string;
        name: string;
        role: TenantRole;
        active: boolean;
        sessionVersion: number;
        sessionId: string | null;
        expiresAt: Date | null;
        endedAt: Date | null;
        lastSeenAt: Date | null;
        method: string | null;
        secondFactorAt: Date | null;
        enrolled: boolean;
        policy: string | null;
      }>
    >`
      SELECT u.id::text AS id, u.email, u.name, u.role::text AS role, u.active, u."sessionVersion",
             s.id::text AS "sessionId", s."expiresAt", s."endedAt", s."lastSeenAt", s.method,
             s."secondFactorAt",
             (EXISTS (SELECT 1 FROM "UserTotp" t WHERE t."userId" = u.id AND t."confirmedAt" IS NOT NULL)
              OR EXISTS (SELECT 1 FROM "Passkey" p WHERE p."userId" = u.id)) AS enrolled,
             (SELECT ps."secondFactorPolicy" FROM "PortalSettings" ps WHERE ps.id = 1) AS policy
      FROM "User" u LEFT JOIN "UserSession" s ON s.id = ${sid}::uuid AND s."userId" = u.id
      WHERE u.id = ${userId}::uuid`,
  );
  const row = rows[0];
  if (!row) return null;
  const { sessionId: id, expiresAt, endedAt, lastSeenAt, method, secondFactorAt, policy, ...user } = row;
  const parsedPolicy = secondFactorPolicy.safeParse(policy ?? "none");
  // An unknown policy (a value written by hand) asks everyone: failing closed, never open.
  const required = parsedPolicy.success ? tenantNeedsSecondFactor(parsedPolicy.data, user.role) : true;
  return {
    user: { ...user, needsSecondFactor: user.enrolled || required },
    session:
      id && expiresAt && lastSeenAt
        ? { id, expiresAt, endedAt, lastSeenAt, method: method ?? "", secondFactorAt }
        : null,
  };
}

/**
 * Records that a tenant session was seen, at most once a minute: the caller asks only when the
 * row it read is older than that, and the UPDATE's own condition keeps two instances (or two
 * requests at once) to one write.
 */
export async function touchTenantSession(tenantId: string, session: SessionRow): Promise<void> {
  if (!lastSeenDue(session)) return;
  await withTenantDb(
    tenantId,
    (db) => db.$executeRaw`
      UPDATE "UserSession" SET "lastSeenAt" = now()
      WHERE id = ${session.id}::uuid AND "endedAt" IS NULL
        AND "lastSeenAt" <= now() - ${LAST_SEEN_EVERY_MS}::int * interval '1 millisecond'`,
  );
}

/** Ends one session of this user (theirs alone: another user's id matches nothing). */
export async function endTenantSession(tenantId: string, userId: string, sessionId: string): Promise<boolean> {
  if (!isSessionId(sessionId)) return false;
  const ended = await withTenantDb(tenantId, (db) =>
    db.userSession.updateMany({ where: { id: sessionId, userId, endedAt: null }, data: { endedAt: new Date() } }),
  );
  return ended.count === 1;
}

/** Ends every live session of a user but `keep` (none kept when null), in the caller's transaction or not. */
export async function endTenantSessionsOf(
  db: Pick<TenantDb, "userSession">,
  userId: string,
  keep: string | null = null,
): Promise<number> {
  const ended = await db.userSession.updateMany({
    where: { userId, endedAt: null, ...(keep ? { id: { not: keep } } : {}) },
    data: { endedAt: new Date() },
  });
  return ended.count;
}

/** A live session as the account page lists it. */
export interface ListedSession {
  id: string;
  browser: string;
  os: string;
  ip: string | null;
  method: string;
  createdAt: Date;
  lastSeenAt: Date;
  current: boolean;
}

function listed(
  rows: Array<{
    id: string;
    userAgent: string | null;
    ip: string | null;
    method: string;
    createdAt: Date;
    lastSeenAt: Date;
  }>,
  current: string | null,
): ListedSession[] {
  return rows.map((r) => ({
    ...describeDevice(r.userAgent),
    id: r.id,
    ip: r.ip,
    method: r.method,
    createdAt: r.createdAt,
    lastSeenAt: r.lastSeenAt,
    current: r.id === current,
  }));
}

const LIVE_SELECT = { id: true, userAgent: true, ip: true, method: true, createdAt: true, lastSeenAt: true } as const;

/** The live sessions of one tenant user, newest activity first; `current` is this request's. */
export async function tenantSessionsOf(
  tenantId: string,
  userId: string,
  current: string | null,
): Promise<ListedSession[]> {
  const rows = await withTenantDb(tenantId, (db) =>
    db.userSession.findMany({
      where: { userId, endedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { lastSeenAt: "desc" },
      take: 50,
      select: LIVE_SELECT,
    }),
  );
  return listed(rows, current);
}

// ── agency sessions ─────────────────────────────────────────────────────────────────────────────

export async function openAgencySession(
  agencyUserId: string,
  method: SessionMethod,
  from: OpenedFrom,
  control: ControlDb = platform().control,
): Promise<string> {
  const row = await control.agencySession.create({
    data: { agencyUserId, method, ip: from.ip, userAgent: trimUserAgent(from.userAgent), expiresAt: expiry() },
    select: { id: true },
  });
  return row.id;
}

export interface AgencySessionRead {
  user: {
    id: string;
    email: string;
    name: string;
    role: AgencyRole;
    active: boolean;
    sessionVersion: number;
    /** Has a confirmed authenticator app (docs/decisions/046). */
    enrolled: boolean;
    /** Owners and operators always, anyone who set up a factor too. */
    needsSecondFactor: boolean;
  };
  session: SessionRow | null;
}

export async function readAgencySession(userId: string, sessionId: unknown): Promise<AgencySessionRead | null> {
  if (!isSessionId(userId)) return null;
  const sid = isSessionId(sessionId) ? sessionId : "00000000-0000-0000-0000-000000000000";
  const rows = await platform().control.$queryRaw<
    Array<{
      id: string;
      email: string;
      name: string;
      role: AgencyRole;
      active: boolean;
      sessionVersion: number;
      sessionId: string | null;
      expiresAt: Date | null;
      endedAt: Date | null;
      lastSeenAt: Date | null;
      method: string | null;
      secondFactorAt: Date | null;
      enrolled: boolean;
    }>
  >`
    SELECT u.id::text AS id, u.email, u.name, u.role::text AS role, u.active, u."sessionVersion",
           s.id::text AS "sessionId", s."expiresAt", s."endedAt", s."lastSeenAt", s.method, s."secondFactorAt",
           EXISTS (SELECT 1 FROM "AgencyTotp" t WHERE t."agencyUserId" = u.id AND t."confirmedAt" IS NOT NULL)
             AS enrolled
    FROM "AgencyUser" u LEFT JOIN "AgencySession" s ON s.id = ${sid}::uuid AND s."agencyUserId" = u.id
    WHERE u.id = ${userId}::uuid`;
  const row = rows[0];
  if (!row) return null;
  const { sessionId: id, expiresAt, endedAt, lastSeenAt, method, secondFactorAt, ...user } = row;
  return {
    user: { ...user, needsSecondFactor: user.enrolled || agencyNeedsSecondFactor(user.role) },
    session:
      id && expiresAt && lastSeenAt
        ? { id, expiresAt, endedAt, lastSeenAt, method: method ?? "", secondFactorAt }
        : null,
  };
}

export async function touchAgencySession(session: SessionRow): Promise<void> {
  if (!lastSeenDue(session)) return;
  await platform().control.$executeRaw`
    UPDATE "AgencySession" SET "lastSeenAt" = now()
    WHERE id = ${session.id}::uuid AND "endedAt" IS NULL
      AND "lastSeenAt" <= now() - ${LAST_SEEN_EVERY_MS}::int * interval '1 millisecond'`;
}

export async function endAgencySession(userId: string, sessionId: string): Promise<boolean> {
  if (!isSessionId(sessionId)) return false;
  const ended = await platform().control.agencySession.updateMany({
    where: { id: sessionId, agencyUserId: userId, endedAt: null },
    data: { endedAt: new Date() },
  });
  return ended.count === 1;
}

export async function endAgencySessionsOf(userId: string, keep: string | null = null): Promise<number> {
  const ended = await platform().control.agencySession.updateMany({
    where: { agencyUserId: userId, endedAt: null, ...(keep ? { id: { not: keep } } : {}) },
    data: { endedAt: new Date() },
  });
  return ended.count;
}

export async function agencySessionsOf(userId: string, current: string | null): Promise<ListedSession[]> {
  const rows = await platform().control.agencySession.findMany({
    where: { agencyUserId: userId, endedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { lastSeenAt: "desc" },
    take: 50,
    select: LIVE_SELECT,
  });
  return listed(rows, current);
}

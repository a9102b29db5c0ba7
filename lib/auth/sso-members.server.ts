import "server-only";
import { emailAddress } from "../mail/address.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { SsoRole } from "./sso-connection.server.ts";

/**
 * Who an identity provider's verified sign-in is in a tenant (docs/decisions/042):
 * - found again by the stored (issuer, subject) link, never by email alone;
 * - else an existing member with the same email is linked, but only when the provider says the
 *   email is verified, and only if that member has no other identity at this issuer;
 * - else the member is created just in time, with the role the connection maps the claim to.
 * Deactivated members are refused. Roles below owner follow the provider at every SSO sign-in
 * (a person removed from the staff group is a member again); owners are never changed by SSO.
 */

export type SsoRefusal = "email-missing" | "email-unverified" | "deactivated" | "linked-elsewhere";

export interface SsoIdentityClaims {
  issuer: string;
  subject: string;
  email: unknown;
  emailVerified: unknown;
  name: unknown;
}

export interface SsoMember {
  id: string;
  email: string;
  name: string;
  role: string;
  sessionVersion: number;
  /** What this sign-in did: found by link, linked an existing member, or created one. */
  outcome: "found" | "linked" | "created";
}

const email = emailAddress();

/** The highest role any of the claim's values maps to, else the connection's default. */
export function mappedRole(
  mapping: { roleClaim: string | null; roleMap: Record<string, SsoRole>; defaultRole: SsoRole },
  claims: Record<string, unknown>,
): SsoRole {
  if (!mapping.roleClaim) return mapping.defaultRole;
  const raw = claims[mapping.roleClaim];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string | number =>
    ["string", "number"].includes(typeof v),
  );
  const order: SsoRole[] = ["member", "staff", "admin"];
  let best = -1;
  for (const value of values) {
    const role = mapping.roleMap[String(value)];
    if (role) best = Math.max(best, order.indexOf(role));
  }
  return best >= 0 ? (order[best] as SsoRole) : mapping.defaultRole;
}

/** Providers send `email_verified` as a boolean; a few send the string "true". */
export function isVerified(value: unknown): boolean {
  return value === true || value === "true";
}

function nameFrom(claims: SsoIdentityClaims, address: string): string {
  const name = typeof claims.name === "string" ? claims.name.trim() : "";
  return (name || address.split("@")[0] || address).slice(0, 120);
}

/**
 * Finds, links or creates the member for this identity. With `dryRun` (a test sign-in) nothing is
 * written: the answer says who the sign-in would be.
 */
export async function ssoMember(
  tenantId: string,
  claims: SsoIdentityClaims,
  role: SsoRole,
  options: { dryRun?: boolean } = {},
): Promise<SsoMember | { refused: SsoRefusal }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withTenantDb(tenantId, (db) =>
        db.$transaction(async (tx) => {
          const now = new Date();
          const select = { id: true, email: true, name: true, role: true, active: true, sessionVersion: true } as const;
          const link = await tx.ssoIdentity.findUnique({
            where: { issuer_subject: { issuer: claims.issuer, subject: claims.subject } },
            select: { id: true, user: { select } },
          });
          // Owners keep their role; everyone else's follows the provider.
          const roleFor = (current: string) => (current === "owner" ? current : role);
          if (link) {
            if (!link.user.active) return { refused: "deactivated" as const };
            const newRole = roleFor(link.user.role);
            if (!options.dryRun) {
              await tx.ssoIdentity.update({ where: { id: link.id }, data: { lastSignInAt: now } });
              await tx.user.update({
                where: { id: link.user.id },
                data: { lastSignInAt: now, ...(newRole !== link.user.role ? { role: newRole as SsoRole } : {}) },
              });
            }
            return { ...link.user, role: newRole, outcome: "found" as const };
          }
          const address = email.safeParse(claims.email);
          if (!address.success) return { refused: "email-missing" as const };
          if (!isVerified(claims.emailVerified)) return { refused: "email-unverified" as const };
          const existing = await tx.user.findUnique({ where: { email: address.data }, select });
          if (existing) {
            if (!existing.active) return { refused: "deactivated" as const };
            // The same address at this issuer under another subject is another person to the
            // provider (a re-used address): never merged by email.
            const other = await tx.ssoIdentity.findFirst({
              where: { userId: existing.id, issuer: claims.issuer },
              select: { id: true },
            });
            if (other) return { refused: "linked-elsewhere" as const };
            const newRole = roleFor(existing.role);
            if (!options.dryRun) {
              await tx.ssoIdentity.create({
                data: { userId: existing.id, issuer: claims.issuer, subject: claims.subject, lastSignInAt: now },
              });
              await tx.user.update({
                where: { id: existing.id },
                data: { lastSignInAt: now, ...(newRole !== existing.role ? { role: newRole as SsoRole } : {}) },
              });
            }
            return { ...existing, role: newRole, outcome: "linked" as const };
          }
          const name = nameFrom(claims, address.data);
          if (options.dryRun)
            return { id: "", email: address.data, name, role, sessionVersion: 1, outcome: "created" as const };
          const user = await tx.user.create({
            data: {
              email: address.data,
              name,
              role,
              lastSignInAt: now,
              ssoIdentities: { create: { issuer: claims.issuer, subject: claims.subject, lastSignInAt: now } },
            },
            select,
          });
          return { ...user, outcome: "created" as const };
        }),
      );
    } catch (error) {
      // Two first sign-ins of the same person at once: the loser finds what the winner created.
      if (attempt === 0 && (error as { code?: unknown } | null)?.code === "P2002") continue;
      throw error;
    }
  }
}

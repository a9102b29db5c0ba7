import "server-only";
import { generateToken, hashToken } from "../auth/credentials.server.ts";
import { createTenantDb } from "../db/tenant-db.server.ts";
import { InvalidInput } from "../util/errors.ts";
import { checkEmailAddress } from "../mail/address.ts";
import type { Invitations } from "../mail/invitations.ts";
import { flushOutbox, queueMail } from "../mail/outbox.server.ts";
import { log } from "../observability/logger.ts";
import { tenantMailBrand } from "../platform/mail-brand.ts";
import type { Theme } from "../tenancy/theme.ts";

/** How long a first admin's invitation link stays valid. */
export const INVITATION_DAYS = 7;

export interface FirstAdmin {
  name: string;
  email: string;
}

/**
 * Creates the tenant's first admin (role owner, no password yet) with the tenant's own role and
 * emails a single-use invitation link on the tenant's primary host. Safe to run again: the user
 * is kept, earlier unused invitations are withdrawn, and nothing is sent once a password is set.
 */
export async function inviteFirstAdmin(
  tenantUrl: string,
  tenant: { id: string; name: string; primaryHost: string; theme?: Theme | null },
  admin: FirstAdmin,
  invitations: Invitations,
): Promise<"sent" | "already-accepted"> {
  const address = checkEmailAddress(
    admin.email,
    "the first admin needs a valid email address, e.g. jane@client.example",
  );
  if (!address.ok) throw new InvalidInput(address.message);
  const email = address.email;
  const pooled = createTenantDb(tenantUrl, `invite:${tenant.id}`, {
    poolSize: 1,
    idleMs: 1_000,
    connectTimeoutMs: 5_000,
  });
  let token: string;
  try {
    const db = pooled.client;
    const user = await db.user.upsert({
      where: { email },
      create: { email, name: admin.name, role: "owner" },
      update: {},
    });
    if (user.passwordHash) return "already-accepted";
    token = generateToken();
    const link = invitations.link(tenant.primaryHost, `/invite?token=${encodeURIComponent(token)}`);
    // The invitation and its email commit together (docs/decisions/040); the caller marked the
    // tenant's outbox in the control plane first, so the sweep finds it if this send fails.
    await db.$transaction(async (tx) => {
      await tx.loginToken.updateMany({
        where: { email, purpose: "invite", usedAt: null },
        data: { expiresAt: new Date() },
      });
      await tx.loginToken.create({
        data: {
          tokenHash: hashToken(token),
          email,
          purpose: "invite",
          expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
        },
      });
      await queueMail(tx, "tenant", [
        {
          to: email,
          fromName: tenant.name,
          fromAddress: invitations.mailFrom ?? `no-reply@${tenant.primaryHost}`,
          content: { kind: "first-admin-invitation", name: admin.name, link, days: INVITATION_DAYS },
          brand: tenantMailBrand(tenant, invitations.link),
          locale: invitations.locale ?? null,
        },
      ]);
    });
    // Provisioning runs in the worker, not a request: send now. A refusal leaves it queued.
    await flushOutbox(db, "tenant", { transport: invitations.mail, tenantId: tenant.id, limit: 100 }).catch(
      (error: unknown) =>
        log().warn({ err: error }, "the first admin's invitation stays queued; the sweep will send it"),
    );
  } finally {
    await pooled.close();
  }
  return "sent";
}

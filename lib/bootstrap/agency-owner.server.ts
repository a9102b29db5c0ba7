import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import { hashPassword } from "../auth/credentials.server.ts";

// Kept apart from the agency guard (agency-guard.server.ts): scripts use it, and must not load Next.js modules.

/**
 * The first agency owner, so a fresh installation can be signed into. Does nothing when any
 * agency user exists. Returns whether it created one.
 */
export async function ensureAgencyOwner(
  control: ControlDb,
  owner: { email: string; name: string; password: string },
): Promise<boolean> {
  if ((await control.agencyUser.count()) > 0) return false;
  await control.agencyUser.create({
    data: {
      email: owner.email.toLowerCase(),
      name: owner.name,
      role: "owner",
      passwordHash: await hashPassword(owner.password),
    },
  });
  return true;
}

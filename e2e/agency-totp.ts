import { generate } from "otplib";

/**
 * Codes for the seeded agency owner's authenticator app (docs/decisions/046). The server refuses
 * a code of a time step at or before the last one used (a replay), and accepts one step either
 * side of now: so the tests read the last step used and take the first later one that is valid
 * now, waiting (at most one step, and only after a burst of sign-ins) when none is yet.
 */

/** The e2e agency owner's app secret (scripts/e2e-server.ts seeds the same). */
export const AGENCY_OWNER_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const STEP = 30;

/** The code to send next, after `lastUsedStep` (null: none used yet), and how long to wait first. */
export async function nextCode(secret: string, lastUsedStep: number | null, nowMs = Date.now()) {
  const now = Math.floor(nowMs / 1000 / STEP);
  const step = Math.max(now, (lastUsedStep ?? -1) + 1);
  // The server takes at most one step ahead; a later one is sent once it is.
  const waitMs = step > now + 1 ? (step - 1) * STEP * 1000 - nowMs + 200 : 0;
  const code = (await generate({ secret, epoch: step * STEP })) as string;
  return { code, waitMs, step };
}

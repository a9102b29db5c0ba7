import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";

/**
 * Where a realm keeps its users' second factors: the tenant's own database ("UserTotp",
 * "RecoveryCode": docs/decisions/045) or the control plane for the agency's users ("AgencyTotp",
 * "AgencyRecoveryCode": docs/decisions/046). The rules (sealing, replay, single use) live once, in
 * totp.server.ts and recovery-codes.server.ts; only these reads and writes differ per realm.
 */

export interface TotpRow {
  secretCiphertext: string;
  keyId: string;
  confirmedAt: Date | null;
  lastUsedStep: bigint | null;
}

export interface FactorStore {
  readTotp(userId: string): Promise<TotpRow | null>;
  /** Stores a new, unconfirmed secret, replacing an unconfirmed one. */
  saveTotp(userId: string, sealed: { ciphertext: string; keyId: string }): Promise<void>;
  /**
   * Records `step` as the last one used (and confirms the app) only if it moves forward, in one
   * conditional UPDATE: two requests with the same code at once, one of them counts.
   */
  advanceTotp(userId: string, step: bigint): Promise<boolean>;
  removeTotp(userId: string): Promise<void>;
  replaceRecoveryCodes(userId: string, hashes: string[]): Promise<void>;
  /** Marks the unused code with this hash used, in the statement that finds it. */
  useRecoveryCode(userId: string, hash: string): Promise<boolean>;
  recoveryCodesLeft(userId: string): Promise<number>;
}

/** The tenant's factors in its own database. */
export function tenantFactorStore(db: TenantDb): FactorStore {
  return {
    readTotp: (userId) => db.userTotp.findUnique({ where: { userId } }),
    async saveTotp(userId, sealed) {
      await db.userTotp.upsert({
        where: { userId },
        create: { userId, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId },
        update: { secretCiphertext: sealed.ciphertext, keyId: sealed.keyId, confirmedAt: null, lastUsedStep: null },
      });
    },
    async advanceTotp(userId, step) {
      const moved = await db.$executeRaw`
        UPDATE "UserTotp" SET "lastUsedStep" = ${step}, "confirmedAt" = COALESCE("confirmedAt", now())
        WHERE "userId" = ${userId}::uuid AND ("lastUsedStep" IS NULL OR "lastUsedStep" < ${step})`;
      return moved === 1;
    },
    async removeTotp(userId) {
      await db.userTotp.deleteMany({ where: { userId } });
    },
    async replaceRecoveryCodes(userId, hashes) {
      await db.$transaction([
        db.recoveryCode.deleteMany({ where: { userId } }),
        db.recoveryCode.createMany({ data: hashes.map((codeHash) => ({ userId, codeHash })) }),
      ]);
    },
    async useRecoveryCode(userId, codeHash) {
      const used = await db.recoveryCode.updateMany({
        where: { userId, codeHash, usedAt: null },
        data: { usedAt: new Date() },
      });
      return used.count === 1;
    },
    recoveryCodesLeft: (userId) => db.recoveryCode.count({ where: { userId, usedAt: null } }),
  };
}

/** The agency's factors in the control plane. */
export function agencyFactorStore(control: ControlDb): FactorStore {
  return {
    readTotp: (agencyUserId) => control.agencyTotp.findUnique({ where: { agencyUserId } }),
    async saveTotp(agencyUserId, sealed) {
      await control.agencyTotp.upsert({
        where: { agencyUserId },
        create: { agencyUserId, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId },
        update: { secretCiphertext: sealed.ciphertext, keyId: sealed.keyId, confirmedAt: null, lastUsedStep: null },
      });
    },
    async advanceTotp(agencyUserId, step) {
      const moved = await control.$executeRaw`
        UPDATE "AgencyTotp" SET "lastUsedStep" = ${step}, "confirmedAt" = COALESCE("confirmedAt", now())
        WHERE "agencyUserId" = ${agencyUserId}::uuid AND ("lastUsedStep" IS NULL OR "lastUsedStep" < ${step})`;
      return moved === 1;
    },
    async removeTotp(agencyUserId) {
      await control.agencyTotp.deleteMany({ where: { agencyUserId } });
    },
    async replaceRecoveryCodes(agencyUserId, hashes) {
      await control.$transaction([
        control.agencyRecoveryCode.deleteMany({ where: { agencyUserId } }),
        control.agencyRecoveryCode.createMany({ data: hashes.map((codeHash) => ({ agencyUserId, codeHash })) }),
      ]);
    },
    async useRecoveryCode(agencyUserId, codeHash) {
      const used = await control.agencyRecoveryCode.updateMany({
        where: { agencyUserId, codeHash, usedAt: null },
        data: { usedAt: new Date() },
      });
      return used.count === 1;
    },
    recoveryCodesLeft: (agencyUserId) => control.agencyRecoveryCode.count({ where: { agencyUserId, usedAt: null } }),
  };
}

/** A tenant database stands for its own store, so the tenant's callers pass their `db` as before. */
export type Factors = FactorStore | TenantDb;

export function factorStore(factors: Factors): FactorStore {
  return "readTotp" in factors ? factors : tenantFactorStore(factors);
}

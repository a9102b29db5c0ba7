-- Second factors of agency users (docs/decisions/046), as the tenant's own (decision 045): an
-- authenticator app's secret (sealed with the platform keyring, like database credentials),
-- single-use recovery codes (only their hashes), and when each session proved its factor.
-- Expand only: one nullable column and two new tables.

-- AlterTable
ALTER TABLE "AgencySession" ADD COLUMN "secondFactorAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "AgencyTotp" (
    "agencyUserId" UUID NOT NULL,
    "secretCiphertext" TEXT NOT NULL,
    "keyId" VARCHAR(32) NOT NULL,
    "confirmedAt" TIMESTAMPTZ(3),
    "lastUsedStep" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgencyTotp_pkey" PRIMARY KEY ("agencyUserId")
);

-- CreateTable
CREATE TABLE "AgencyRecoveryCode" (
    "id" UUID NOT NULL,
    "agencyUserId" UUID NOT NULL,
    "codeHash" CHAR(64) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgencyRecoveryCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AgencyRecoveryCode_codeHash_key" ON "AgencyRecoveryCode"("codeHash");

-- CreateIndex
CREATE INDEX "AgencyRecoveryCode_agencyUserId_idx" ON "AgencyRecoveryCode"("agencyUserId");

-- AddForeignKey
ALTER TABLE "AgencyTotp" ADD CONSTRAINT "AgencyTotp_agencyUserId_fkey" FOREIGN KEY ("agencyUserId") REFERENCES "AgencyUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgencyRecoveryCode" ADD CONSTRAINT "AgencyRecoveryCode_agencyUserId_fkey" FOREIGN KEY ("agencyUserId") REFERENCES "AgencyUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "TenantDatabase" ADD COLUMN "credentialsRotatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "TenantDatabase" SET "credentialsRotatedAt" = "createdAt";

-- CreateTable
CREATE TABLE "AgencyInvitation" (
    "id" UUID NOT NULL,
    "agencyUserId" UUID NOT NULL,
    "tokenHash" CHAR(64) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgencyInvitation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TenantMetrics" (
    "tenantId" UUID NOT NULL,
    "collectedAt" TIMESTAMPTZ(3) NOT NULL,
    "error" VARCHAR(300),
    "latencyMs" DOUBLE PRECISION,
    "members" INTEGER,
    "events" INTEGER,
    "registrations30d" INTEGER,
    "registrationsDaily" JSONB,
    "dbSizeBytes" BIGINT,
    "connections" INTEGER,
    "lastActivityAt" TIMESTAMPTZ(3),

    CONSTRAINT "TenantMetrics_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "ImpersonationGrant" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "agencyUserId" UUID NOT NULL,
    "agencyUserEmail" VARCHAR(254) NOT NULL,
    "targetUserId" UUID NOT NULL,
    "targetEmail" VARCHAR(254) NOT NULL,
    "reason" VARCHAR(200) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "sessionExpiresAt" TIMESTAMPTZ(3),
    "endedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImpersonationGrant_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AgencyInvitation_tokenHash_key" ON "AgencyInvitation"("tokenHash");

-- CreateIndex
CREATE INDEX "AgencyInvitation_agencyUserId_idx" ON "AgencyInvitation"("agencyUserId");

-- CreateIndex
CREATE INDEX "TenantMetrics_collectedAt_idx" ON "TenantMetrics"("collectedAt");

-- CreateIndex
CREATE INDEX "ImpersonationGrant_tenantId_createdAt_idx" ON "ImpersonationGrant"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "AgencyInvitation" ADD CONSTRAINT "AgencyInvitation_agencyUserId_fkey" FOREIGN KEY ("agencyUserId") REFERENCES "AgencyUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TenantMetrics" ADD CONSTRAINT "TenantMetrics_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

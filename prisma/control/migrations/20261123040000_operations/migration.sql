-- AlterEnum
ALTER TYPE "TenantStatus" ADD VALUE 'offboarded';

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN "maintenance" VARCHAR(200);

-- CreateEnum
CREATE TYPE "OperationStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "TenantLogo" (
    "tenantId" UUID NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "contentType" VARCHAR(32) NOT NULL,
    "bytes" BYTEA NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantLogo_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "Operation" (
    "id" UUID NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "slug" VARCHAR(40),
    "input" JSONB NOT NULL DEFAULT '{}',
    "idempotencyKey" VARCHAR(80),
    "status" "OperationStatus" NOT NULL DEFAULT 'queued',
    "progress" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "error" TEXT,
    "actorType" VARCHAR(20) NOT NULL,
    "actorId" VARCHAR(64),
    "actorLabel" VARCHAR(254) NOT NULL,
    "ip" VARCHAR(45),
    "userAgent" VARCHAR(300),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Operation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TenantDraft" (
    "id" UUID NOT NULL,
    "agencyUserId" UUID NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "logo" BYTEA,
    "logoType" VARCHAR(32),
    "operationId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TenantDraft_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Operation_idempotencyKey_key" ON "Operation"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Operation_status_createdAt_idx" ON "Operation"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Operation_slug_createdAt_idx" ON "Operation"("slug", "createdAt");

-- CreateIndex
CREATE INDEX "TenantDraft_agencyUserId_updatedAt_idx" ON "TenantDraft"("agencyUserId", "updatedAt");

-- AddForeignKey
ALTER TABLE "TenantLogo" ADD CONSTRAINT "TenantLogo_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

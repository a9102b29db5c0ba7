-- Backups of tenant databases (docs/decisions/052): one row per encrypted backup file, kept in
-- the control plane beside the file's location, size and checksum so a restore can refuse a
-- file that changed. Expand only: one new table, no tenant data.

-- CreateTable
CREATE TABLE "Backup" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "slug" VARCHAR(40) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "tier" VARCHAR(16),
    "status" VARCHAR(16) NOT NULL DEFAULT 'running',
    "location" VARCHAR(80) NOT NULL,
    "key" VARCHAR(300) NOT NULL,
    "bytes" BIGINT,
    "sha256" CHAR(64),
    "schemaVersion" VARCHAR(255),
    "tables" JSONB,
    "error" TEXT,
    "createdBy" VARCHAR(254) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "expiresAt" TIMESTAMPTZ(3),

    CONSTRAINT "Backup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Backup_tenantId_createdAt_idx" ON "Backup"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "Backup_status_expiresAt_idx" ON "Backup"("status", "expiresAt");

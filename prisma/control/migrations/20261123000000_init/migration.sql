-- CreateEnum
CREATE TYPE "TenantStatus" AS ENUM ('provisioning', 'active', 'suspended', 'failed');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "slug" VARCHAR(40) NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "status" "TenantStatus" NOT NULL DEFAULT 'provisioning',
    "plan" VARCHAR(40) NOT NULL DEFAULT 'standard',
    "theme" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Domain" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "hostname" VARCHAR(253) NOT NULL,
    "isPrimary" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Domain_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatabaseServer" (
    "id" UUID NOT NULL,
    "name" VARCHAR(63) NOT NULL,
    "host" VARCHAR(253) NOT NULL,
    "port" INTEGER NOT NULL,
    "adminUrlCiphertext" TEXT NOT NULL,
    "keyId" VARCHAR(32) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DatabaseServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TenantDatabase" (
    "tenantId" UUID NOT NULL,
    "serverId" UUID NOT NULL,
    "databaseName" VARCHAR(63) NOT NULL,
    "roleName" VARCHAR(63) NOT NULL,
    "passwordCiphertext" TEXT NOT NULL,
    "keyId" VARCHAR(32) NOT NULL,
    "schemaVersion" VARCHAR(255),
    "migratedAt" TIMESTAMPTZ(3),
    "migrationError" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TenantDatabase_pkey" PRIMARY KEY ("tenantId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_slug_key" ON "Tenant"("slug");

-- CreateIndex
CREATE INDEX "Tenant_status_idx" ON "Tenant"("status");

-- CreateIndex
CREATE UNIQUE INDEX "Domain_hostname_key" ON "Domain"("hostname");

-- CreateIndex
CREATE INDEX "Domain_tenantId_idx" ON "Domain"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "DatabaseServer_name_key" ON "DatabaseServer"("name");

-- CreateIndex
CREATE INDEX "TenantDatabase_serverId_idx" ON "TenantDatabase"("serverId");

-- CreateIndex
CREATE UNIQUE INDEX "TenantDatabase_serverId_databaseName_key" ON "TenantDatabase"("serverId", "databaseName");

-- CreateIndex
CREATE UNIQUE INDEX "TenantDatabase_serverId_roleName_key" ON "TenantDatabase"("serverId", "roleName");

-- AddForeignKey
ALTER TABLE "Domain" ADD CONSTRAINT "Domain_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TenantDatabase" ADD CONSTRAINT "TenantDatabase_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TenantDatabase" ADD CONSTRAINT "TenantDatabase_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "DatabaseServer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Data residency (docs/decisions/053): every tenant database server sits in a region, and every
-- tenant is pinned to one. Existing rows get the built-in region "default"; at start-up Portico
-- moves them to PORTICO_DEFAULT_REGION when "default" is not a configured region
-- (lib/tenancy/regions.ts → adoptDefaultRegion). Expand only: two columns with a default.

-- AlterTable
ALTER TABLE "DatabaseServer" ADD COLUMN "region" VARCHAR(40) NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN "region" VARCHAR(40) NOT NULL DEFAULT 'default';

-- CreateIndex
CREATE INDEX "Tenant_region_idx" ON "Tenant"("region");

-- AlterTable
ALTER TABLE "DatabaseServer" ADD COLUMN     "sslMode" VARCHAR(16),
ADD COLUMN     "sslRootCert" VARCHAR(1024);

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "declared" JSONB;

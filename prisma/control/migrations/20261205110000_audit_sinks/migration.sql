-- Audit streams (docs/decisions/049): where the agency's and each tenant's audit entries are
-- delivered (an HTTPS webhook signed with HMAC, or syslog over TLS), with each sink's cursor (the
-- last entry id its receiver acknowledged) and its retry state. A tenant's sink lives here
-- because it is agency-operated configuration; the entries stay in the tenant's database.
-- Expand only: one new table.

-- CreateTable
CREATE TABLE "AuditSink" (
    "id" UUID NOT NULL,
    "tenantId" UUID,
    "kind" VARCHAR(10) NOT NULL,
    "name" VARCHAR(80) NOT NULL,
    "url" VARCHAR(2000),
    "host" VARCHAR(253),
    "port" INTEGER,
    "caPem" TEXT,
    "secretCiphertext" TEXT NOT NULL,
    "keyId" VARCHAR(32) NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "cursor" BIGINT NOT NULL DEFAULT 0,
    "lastDeliveredAt" TIMESTAMPTZ(3),
    "lastError" VARCHAR(500),
    "lastErrorAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AuditSink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditSink_tenantId_idx" ON "AuditSink"("tenantId");

-- AddForeignKey
ALTER TABLE "AuditSink" ADD CONSTRAINT "AuditSink_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

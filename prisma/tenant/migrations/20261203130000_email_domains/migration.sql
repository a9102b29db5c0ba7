-- The portal's email domains (docs/decisions/044): a domain counts as this tenant's only once it is
-- verified, by a DNS TXT record carrying the row's own random token or by an agency owner's
-- audited confirmation. Expand only: a new table the tenant's own role owns like every other.

-- CreateTable
CREATE TABLE "EmailDomain" (
    "id" UUID NOT NULL,
    "domain" VARCHAR(253) NOT NULL,
    "token" VARCHAR(64) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" VARCHAR(254) NOT NULL,
    "verifiedAt" TIMESTAMPTZ(3),
    "method" VARCHAR(10),
    "verifiedBy" VARCHAR(254),
    "lastCheckedAt" TIMESTAMPTZ(3),
    "lastCheckError" VARCHAR(500),

    CONSTRAINT "EmailDomain_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EmailDomain_domain_key" ON "EmailDomain"("domain");

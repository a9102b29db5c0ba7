-- Server-side sessions of agency users (docs/decisions/041), as "UserSession" in each tenant.
CREATE TABLE "AgencySession" (
    "id" UUID NOT NULL,
    "agencyUserId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "ip" VARCHAR(45),
    "userAgent" VARCHAR(300),
    "method" VARCHAR(32) NOT NULL,
    "endedAt" TIMESTAMPTZ(3),

    CONSTRAINT "AgencySession_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "AgencySession_agencyUserId_endedAt_idx" ON "AgencySession"("agencyUserId", "endedAt");

ALTER TABLE "AgencySession" ADD CONSTRAINT "AgencySession_agencyUserId_fkey" FOREIGN KEY ("agencyUserId") REFERENCES "AgencyUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

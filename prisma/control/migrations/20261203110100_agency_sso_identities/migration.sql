-- Agency single sign-on (docs/decisions/042): an agency user's identity at the agency's one OIDC
-- provider, found again by (issuer, subject), never by email alone. Expand only: a new table.
-- The web app's role inserts links and stamps sign-ins (lib/bootstrap/control-plane.server.ts).

-- CreateTable
CREATE TABLE "AgencySsoIdentity" (
    "id" UUID NOT NULL,
    "agencyUserId" UUID NOT NULL,
    "issuer" VARCHAR(500) NOT NULL,
    "subject" VARCHAR(255) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSignInAt" TIMESTAMPTZ(3),

    CONSTRAINT "AgencySsoIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AgencySsoIdentity_issuer_subject_key" ON "AgencySsoIdentity"("issuer", "subject");

-- CreateIndex
CREATE INDEX "AgencySsoIdentity_agencyUserId_idx" ON "AgencySsoIdentity"("agencyUserId");

-- AddForeignKey
ALTER TABLE "AgencySsoIdentity" ADD CONSTRAINT "AgencySsoIdentity_agencyUserId_fkey" FOREIGN KEY ("agencyUserId") REFERENCES "AgencyUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

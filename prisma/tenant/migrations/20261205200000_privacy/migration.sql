-- Retention and data-subject requests (docs/decisions/050, 051). Expand only: two new tables the
-- tenant's own role owns like every other, and a nullable column on Registration.

-- One row (id 1): how many months each kind of data is kept; NULL keeps it forever. Registration
-- periods count from the end of the event, messages and audit entries from when they were written.
-- CreateTable
CREATE TABLE "RetentionPolicy" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "registrationsMonths" INTEGER DEFAULT 36,
    "attendeeDetailsMonths" INTEGER DEFAULT 12,
    "messagesMonths" INTEGER DEFAULT 6,
    "auditMonths" INTEGER DEFAULT 24,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RetentionPolicy_pkey" PRIMARY KEY ("id")
);

-- A member's request to download their data or to be erased. No foreign key: an erased member's
-- row is gone, and the request stays, naming them by id only.
-- CreateTable
CREATE TABLE "DataSubjectRequest" (
    "id" UUID NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "userId" UUID NOT NULL,
    "status" VARCHAR(10) NOT NULL DEFAULT 'requested',
    "requestedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),
    "handledById" UUID,

    CONSTRAINT "DataSubjectRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DataSubjectRequest_status_requestedAt_idx" ON "DataSubjectRequest"("status", "requestedAt");

-- CreateIndex
CREATE INDEX "DataSubjectRequest_userId_idx" ON "DataSubjectRequest"("userId");

-- When a registration's answers were cleared, and when the whole registration was anonymised.
-- AlterTable
ALTER TABLE "Registration"
    ADD COLUMN "detailsClearedAt" TIMESTAMPTZ(3),
    ADD COLUMN "anonymisedAt" TIMESTAMPTZ(3);

-- CreateEnum
CREATE TYPE "RegistrationStatus" AS ENUM ('pending', 'confirmed', 'waitlisted', 'cancelled');

-- CreateEnum
CREATE TYPE "CatalogueVisibility" AS ENUM ('public', 'members');

-- AlterTable (expand only: every new column has a default or is nullable)
ALTER TABLE "Event" ADD COLUMN     "onlineUrl" VARCHAR(500),
ADD COLUMN     "questions" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "registrationClosesAt" TIMESTAMPTZ(3),
ADD COLUMN     "registrationOpensAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "PortalSettings" ADD COLUMN     "allowGuestRegistration" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "catalogueVisibility" "CatalogueVisibility" NOT NULL DEFAULT 'public',
ADD COLUMN     "senderName" VARCHAR(120);

-- CreateTable
CREATE TABLE "Registration" (
    "id" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "userId" UUID,
    "email" VARCHAR(254) NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "status" "RegistrationStatus" NOT NULL,
    "answers" JSONB NOT NULL DEFAULT '{}',
    "ticketCode" VARCHAR(40) NOT NULL,
    "confirmTokenHash" CHAR(64),
    "checkedInAt" TIMESTAMPTZ(3),
    "promotedAt" TIMESTAMPTZ(3),
    "cancelledAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Registration_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Registration_ticketCode_key" ON "Registration"("ticketCode");

-- CreateIndex
CREATE UNIQUE INDEX "Registration_confirmTokenHash_key" ON "Registration"("confirmTokenHash");

-- CreateIndex
CREATE INDEX "Registration_eventId_status_createdAt_idx" ON "Registration"("eventId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Registration_userId_idx" ON "Registration"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Registration_eventId_email_key" ON "Registration"("eventId", "email");

-- AddForeignKey
ALTER TABLE "Registration" ADD CONSTRAINT "Registration_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Registration" ADD CONSTRAINT "Registration_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

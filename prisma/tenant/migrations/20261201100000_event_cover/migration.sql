-- AlterTable (expand only: a nullable column, events without a cover are unchanged)
ALTER TABLE "Event" ADD COLUMN     "coverSrc" VARCHAR(100);

-- CreateTable (expand only: events without a cover are unchanged)
CREATE TABLE "EventCover" (
    "eventId" UUID NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "contentType" VARCHAR(32) NOT NULL,
    "bytes" BYTEA NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EventCover_pkey" PRIMARY KEY ("eventId")
);

-- CreateIndex
CREATE INDEX "EventCover_sha256_idx" ON "EventCover"("sha256");

-- AddForeignKey
ALTER TABLE "EventCover" ADD CONSTRAINT "EventCover_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event"("id") ON DELETE CASCADE ON UPDATE CASCADE;

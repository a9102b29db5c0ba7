-- The portal's mail outbox (docs/decisions/040): a message is written here in the same
-- transaction as the change that causes it, then sent by a flush with retries. Expand only: a new
-- table the tenant's own role owns like every other, so the portal writes it with that role.
-- Ids come from the writer (gen_random_uuid() in the INSERT), as everywhere else.

-- CreateTable
CREATE TABLE "MailOutbox" (
    "id" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "toAddress" VARCHAR(254) NOT NULL,
    "fromName" VARCHAR(120) NOT NULL,
    "fromAddress" VARCHAR(254) NOT NULL,
    "content" JSONB NOT NULL,
    "brand" JSONB NOT NULL,
    "locale" VARCHAR(5),
    "status" VARCHAR(10) NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" VARCHAR(500),
    "sentAt" TIMESTAMPTZ(3),
    "messageId" VARCHAR(250),

    CONSTRAINT "MailOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MailOutbox_status_nextAttemptAt_idx" ON "MailOutbox"("status", "nextAttemptAt");

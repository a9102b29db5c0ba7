-- Mail through an outbox (docs/decisions/040). "MailOutbox" holds the agency's own mail, written in
-- the same transaction as its cause, exactly like each tenant database's outbox. "MailTarget" has
-- one row per outbox that has ever had mail (the agency's, or a tenant's): when it next needs a
-- flush ("dueAt", null when nothing waits) and the messages it gave up on, so the periodic sweep
-- reads one small table instead of every tenant database and failures are visible to the agency.

-- CreateTable
CREATE TABLE "MailOutbox" (
    "id" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tenantId" UUID,
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

-- CreateTable
CREATE TABLE "MailTarget" (
    "target" VARCHAR(40) NOT NULL,
    "tenantId" UUID,
    "markedAt" TIMESTAMPTZ(3),
    "dueAt" TIMESTAMPTZ(3),
    "failed" INTEGER NOT NULL DEFAULT 0,
    "lastFailedAt" TIMESTAMPTZ(3),
    "lastError" VARCHAR(500),

    CONSTRAINT "MailTarget_pkey" PRIMARY KEY ("target")
);

-- CreateIndex
CREATE INDEX "MailOutbox_status_nextAttemptAt_idx" ON "MailOutbox"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "MailTarget_dueAt_idx" ON "MailTarget"("dueAt");

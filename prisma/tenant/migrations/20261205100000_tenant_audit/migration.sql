-- The tenant's own audit trail (docs/decisions/048): who did what in this portal, and every access
-- by the agency to it. Entries name people by AuditPerson id, never by email or name inline, so an
-- erasure can pseudonymise a person without breaking the hash chain. Expand only: new tables.

-- CreateTable
CREATE TABLE "AuditPerson" (
    "id" UUID NOT NULL,
    "email" VARCHAR(254),
    "name" VARCHAR(200),
    "erasedAt" TIMESTAMPTZ(3),

    CONSTRAINT "AuditPerson_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AuditPerson_email_key" ON "AuditPerson"("email");

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actorType" VARCHAR(20) NOT NULL,
    "actorPersonId" UUID,
    "actorLabel" VARCHAR(254) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "subjectPersonId" UUID,
    "ip" VARCHAR(45),
    "userAgent" VARCHAR(300),
    "details" JSONB NOT NULL,
    "prevHash" CHAR(64) NOT NULL,
    "hash" CHAR(64) NOT NULL,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AuditEntry_hash_key" ON "AuditEntry"("hash");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE INDEX "AuditEntry_actorPersonId_idx" ON "AuditEntry"("actorPersonId");

-- CreateIndex
CREATE INDEX "AuditEntry_subjectPersonId_idx" ON "AuditEntry"("subjectPersonId");

-- AddForeignKey
ALTER TABLE "AuditEntry" ADD CONSTRAINT "AuditEntry_actorPersonId_fkey" FOREIGN KEY ("actorPersonId") REFERENCES "AuditPerson"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEntry" ADD CONSTRAINT "AuditEntry_subjectPersonId_fkey" FOREIGN KEY ("subjectPersonId") REFERENCES "AuditPerson"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable: where the chain resumes after pruning (one row, id 1).
CREATE TABLE "AuditAnchor" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "prunedThroughId" BIGINT NOT NULL,
    "prunedThroughHash" CHAR(64) NOT NULL,
    "prunedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AuditAnchor_pkey" PRIMARY KEY ("id")
);

-- Append-only, whoever connects: UPDATE never, DELETE only inside a transaction that has said
-- `SET LOCAL portico.audit_prune = 'on'` (pruneTenantAudit, which moves the anchor in the same
-- transaction); the anchor changes only then too. Not in schema.prisma (Prisma has no triggers),
-- so the drift test ignores it; test/integration/tenant-audit-trail.test.ts proves it.
CREATE FUNCTION "portico_tenant_audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('portico.audit_prune', true) = 'on'
     AND (TG_OP = 'DELETE' OR TG_TABLE_NAME = 'AuditAnchor') THEN
    IF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only: % on "%" is not allowed', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER "AuditEntry_no_update_or_delete" BEFORE UPDATE OR DELETE ON "AuditEntry"
  FOR EACH ROW EXECUTE FUNCTION "portico_tenant_audit_append_only"();

CREATE TRIGGER "AuditEntry_no_truncate" BEFORE TRUNCATE ON "AuditEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION "portico_tenant_audit_append_only"();

CREATE TRIGGER "AuditAnchor_prune_only" BEFORE INSERT OR UPDATE OR DELETE ON "AuditAnchor"
  FOR EACH ROW EXECUTE FUNCTION "portico_tenant_audit_append_only"();

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

-- An ended session stays ended and a session's lifetime is never extended, whoever connects
-- (the web role's column grants cannot say "only from NULL"): not in schema.prisma, so the
-- drift test ignores it; test/integration/app-role.test.ts proves it.
CREATE FUNCTION "portico_session_end_is_final"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD."endedAt" IS NOT NULL AND NEW."endedAt" IS DISTINCT FROM OLD."endedAt")
     OR NEW."expiresAt" > OLD."expiresAt" THEN
    RAISE EXCEPTION 'an ended session stays ended and a session is never prolonged (% on "%")', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "AgencySession_end_is_final" BEFORE UPDATE ON "AgencySession"
  FOR EACH ROW EXECUTE FUNCTION "portico_session_end_is_final"();

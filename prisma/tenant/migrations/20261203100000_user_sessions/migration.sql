-- Server-side sessions (docs/decisions/041): every sign-in writes a row, the session cookie
-- carries its id, and the guard accepts the cookie only while the row is live.
CREATE TABLE "UserSession" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "ip" VARCHAR(45),
    "userAgent" VARCHAR(300),
    "method" VARCHAR(32) NOT NULL,
    "endedAt" TIMESTAMPTZ(3),

    CONSTRAINT "UserSession_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "UserSession_userId_endedAt_idx" ON "UserSession"("userId", "endedAt");

ALTER TABLE "UserSession" ADD CONSTRAINT "UserSession_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Password-reset and email-change tokens name the account they are for (expand: nullable).
ALTER TABLE "LoginToken" ADD COLUMN "userId" UUID;

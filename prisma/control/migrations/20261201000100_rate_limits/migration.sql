-- CreateTable
-- The store of rate-limiter-flexible's PostgreSQL limiter (docs/decisions/019): one row per
-- limited key, shared by every instance. Its column names and types are the library's own;
-- it is created here, never by the library at run time (tableCreated: true).
CREATE TABLE "RateLimit" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "RateLimit_pkey" PRIMARY KEY ("key")
);

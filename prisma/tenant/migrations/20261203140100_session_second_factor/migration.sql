-- The second step of a sign-in (docs/decisions/045): when a session proved its user's second
-- factor. Null until then; the guard lets a session whose user must use one through only once set.
ALTER TABLE "UserSession" ADD COLUMN "secondFactorAt" TIMESTAMPTZ(3);

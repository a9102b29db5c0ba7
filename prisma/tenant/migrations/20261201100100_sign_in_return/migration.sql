-- Where an emailed sign-in link lands after signing in (the event the member was registering
-- for); checked as a same-host relative path when stored and again when used.
ALTER TABLE "LoginToken" ADD COLUMN "returnTo" VARCHAR(300);

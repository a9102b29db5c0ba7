-- "SSO required for verified domains" (docs/decisions/047): the switch and the break-glass owner
-- who keeps password sign-in. No foreign key: a removed owner leaves an id that matches no active
-- owner, and the policy then rests rather than lock anyone out. Expand only: new columns with
-- defaults, so a running app keeps reading the row.

-- AlterTable
ALTER TABLE "PortalSettings"
    ADD COLUMN "ssoRequired" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "ssoBreakGlassUserId" UUID;

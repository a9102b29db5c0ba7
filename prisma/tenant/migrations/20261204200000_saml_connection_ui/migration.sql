-- The SAML connection's settings form (docs/decisions/043): the sign-in button's name, the role
-- for people in no mapped group, when the admin's test sign-in last succeeded with the current
-- IdP (a change of IdP clears it and switches the connection off) and who changed it last.
-- Expand only: new columns with defaults, so a running app keeps reading the table.

-- AlterTable
ALTER TABLE "SamlConfig"
    ADD COLUMN "displayName" VARCHAR(80) NOT NULL DEFAULT 'SAML',
    ADD COLUMN "defaultRole" VARCHAR(10) NOT NULL DEFAULT 'member',
    ADD COLUMN "testedAt" TIMESTAMPTZ(3),
    ADD COLUMN "updatedBy" VARCHAR(254) NOT NULL DEFAULT '';

-- A portal's SAML identity provider (docs/decisions/043), one row, saved by its owner after the
-- checks of lib/auth/saml-connection.server.ts. Expand only: a new table the tenant's own role
-- owns like every other.

-- CreateTable
CREATE TABLE "SamlConfig" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "idpEntityId" VARCHAR(1000) NOT NULL,
    "idpSsoUrl" VARCHAR(2000) NOT NULL,
    "idpCertificate" TEXT NOT NULL,
    "emailAttribute" VARCHAR(300) NOT NULL DEFAULT 'email',
    "nameAttribute" VARCHAR(300) NOT NULL DEFAULT 'name',
    "groupsAttribute" VARCHAR(300) NOT NULL DEFAULT 'groups',
    "roleMapping" JSONB NOT NULL DEFAULT '[]',
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SamlConfig_pkey" PRIMARY KEY ("id")
);

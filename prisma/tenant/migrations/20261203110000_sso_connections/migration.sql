-- Single sign-on per tenant (docs/decisions/042): the portal's identity-provider connections and
-- the link from a member to their identity at an issuer. Expand only: two new tables the tenant's
-- own role owns like every other. `kind` is a plain varchar ('oidc'; SAML will use the same table)
-- and at most one connection of each kind exists. The client secret is sealed with the platform
-- keyring (AES-256-GCM, key id beside it), as tenant database credentials are in the control plane.

-- CreateTable
CREATE TABLE "SsoConnection" (
    "id" UUID NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "displayName" VARCHAR(80) NOT NULL,
    "issuer" VARCHAR(500) NOT NULL,
    "clientId" VARCHAR(255),
    "secretCiphertext" TEXT,
    "secretKeyId" VARCHAR(32),
    "scopes" VARCHAR(300) NOT NULL DEFAULT 'openid email profile',
    "roleClaim" VARCHAR(100),
    "roleMap" JSONB NOT NULL DEFAULT '{}',
    "defaultRole" "Role" NOT NULL DEFAULT 'member',
    "settings" JSONB NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "testedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedBy" VARCHAR(254) NOT NULL,

    CONSTRAINT "SsoConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SsoIdentity" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "issuer" VARCHAR(500) NOT NULL,
    "subject" VARCHAR(255) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSignInAt" TIMESTAMPTZ(3),

    CONSTRAINT "SsoIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SsoConnection_kind_key" ON "SsoConnection"("kind");

-- CreateIndex
CREATE UNIQUE INDEX "SsoIdentity_issuer_subject_key" ON "SsoIdentity"("issuer", "subject");

-- CreateIndex
CREATE INDEX "SsoIdentity_userId_idx" ON "SsoIdentity"("userId");

-- AddForeignKey
ALTER TABLE "SsoIdentity" ADD CONSTRAINT "SsoIdentity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

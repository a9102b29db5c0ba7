-- SAML single sign-on's memory (docs/decisions/043): the ids of the AuthnRequests this portal
-- sent (an answer must name one, once) and of the assertions it accepted (never accepted twice),
-- each kept until it expires. In the tenant's own database so every app instance sees the same
-- rows; expand only: a new table the tenant's own role owns like every other.

-- CreateTable
CREATE TABLE "SamlMessageId" (
    "kind" VARCHAR(10) NOT NULL,
    "messageId" VARCHAR(256) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SamlMessageId_pkey" PRIMARY KEY ("kind","messageId")
);

-- CreateIndex
CREATE INDEX "SamlMessageId_expiresAt_idx" ON "SamlMessageId"("expiresAt");

-- The portal's default language and each member's own choice (null: follow the portal).
-- Expand only: a new column with a default, and a nullable one. The app writes only the closed
-- set of languages it ships catalogues for (lib/format/locale.ts) and reads anything else as unset.

-- AlterTable
ALTER TABLE "PortalSettings" ADD COLUMN     "defaultLocale" VARCHAR(5) NOT NULL DEFAULT 'en';

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "locale" VARCHAR(5);

-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "attachments" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "html" TEXT;

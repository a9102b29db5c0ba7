-- AlterTable
ALTER TABLE "DatabaseServer" ADD COLUMN     "poolerUrl" VARCHAR(1024),
ADD COLUMN     "poolerAuthFile" VARCHAR(1024);

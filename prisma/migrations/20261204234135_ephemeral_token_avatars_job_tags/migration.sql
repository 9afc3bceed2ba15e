-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "avatarUrl" VARCHAR(2048);

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "tagList" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Project" ADD COLUMN     "avatarUrl" VARCHAR(2048);

-- AlterTable
ALTER TABLE "Runner" ADD COLUMN     "ephemeralTokenCiphertext" VARCHAR(255);

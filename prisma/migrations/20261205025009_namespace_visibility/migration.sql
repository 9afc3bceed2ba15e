-- CreateEnum
CREATE TYPE "Visibility" AS ENUM ('private', 'internal', 'public');

-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "visibility" "Visibility" NOT NULL DEFAULT 'private';

-- AlterTable
ALTER TABLE "Project" ADD COLUMN     "visibility" "Visibility" NOT NULL DEFAULT 'private';

-- AlterTable
ALTER TABLE "Runner" ADD COLUMN     "privateProjectsMinutesCostFactor" DOUBLE PRECISION NOT NULL DEFAULT 1,
ADD COLUMN     "publicProjectsMinutesCostFactor" DOUBLE PRECISION NOT NULL DEFAULT 1;

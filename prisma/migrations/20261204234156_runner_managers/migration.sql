-- Runner managers (GitLab's ci_runner_machines): the host facts move from the runner to the hosts using its token.

-- CreateTable
CREATE TABLE "RunnerManager" (
    "id" SERIAL NOT NULL,
    "runnerId" INTEGER NOT NULL,
    "systemXid" VARCHAR(64) NOT NULL,
    "version" VARCHAR(2048),
    "revision" VARCHAR(255),
    "platform" VARCHAR(255),
    "architecture" VARCHAR(255),
    "executor" VARCHAR(64),
    "ipAddress" VARCHAR(1024),
    "contactedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunnerManager_pkey" PRIMARY KEY ("id")
);

-- What runners reported before managers existed becomes their "<legacy>" manager, as GitLab's own migration did.
INSERT INTO "RunnerManager" ("runnerId", "systemXid", "version", "revision", "platform", "architecture", "executor", "ipAddress", "contactedAt", "createdAt", "updatedAt")
SELECT "id", '<legacy>', "version", "revision", "platform", "architecture", "executor", "ipAddress", "contactedAt", "createdAt", CURRENT_TIMESTAMP
FROM "Runner"
WHERE "contactedAt" IS NOT NULL OR "version" IS NOT NULL OR "ipAddress" IS NOT NULL;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "runnerManagerId" INTEGER;

UPDATE "Job" SET "runnerManagerId" = m."id" FROM "RunnerManager" m WHERE m."runnerId" = "Job"."runnerId";

-- AlterTable
ALTER TABLE "Runner" DROP COLUMN "architecture",
DROP COLUMN "executor",
DROP COLUMN "ipAddress",
DROP COLUMN "platform",
DROP COLUMN "revision",
DROP COLUMN "version";

-- CreateIndex
CREATE INDEX "RunnerManager_runnerId_contactedAt_idx" ON "RunnerManager"("runnerId", "contactedAt");

-- CreateIndex
CREATE UNIQUE INDEX "RunnerManager_runnerId_systemXid_key" ON "RunnerManager"("runnerId", "systemXid");

-- CreateIndex
CREATE INDEX "Job_runnerManagerId_id_idx" ON "Job"("runnerManagerId", "id");

-- AddForeignKey
ALTER TABLE "RunnerManager" ADD CONSTRAINT "RunnerManager_runnerId_fkey" FOREIGN KEY ("runnerId") REFERENCES "Runner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_runnerManagerId_fkey" FOREIGN KEY ("runnerManagerId") REFERENCES "RunnerManager"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "ApplicationSetting" ADD COLUMN     "allowStaleInstanceRunnerPruning" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "allowStaleRunnerPruning" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "authorType" VARCHAR(32) NOT NULL,
    "authorId" INTEGER,
    "authorName" VARCHAR(255) NOT NULL,
    "entityType" VARCHAR(64) NOT NULL,
    "entityId" INTEGER NOT NULL,
    "entityPath" VARCHAR(2048) NOT NULL,
    "groupId" INTEGER,
    "projectId" INTEGER,
    "targetType" VARCHAR(64) NOT NULL,
    "targetId" INTEGER NOT NULL,
    "targetDetails" VARCHAR(2048) NOT NULL,
    "action" VARCHAR(32) NOT NULL,
    "eventName" VARCHAR(64) NOT NULL,
    "message" VARCHAR(1024) NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "ipAddress" VARCHAR(64),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_id_idx" ON "AuditEvent"("targetType", "targetId", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_id_idx" ON "AuditEvent"("entityType", "entityId", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_groupId_id_idx" ON "AuditEvent"("groupId", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_projectId_id_idx" ON "AuditEvent"("projectId", "id");

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE SET NULL ON UPDATE CASCADE;

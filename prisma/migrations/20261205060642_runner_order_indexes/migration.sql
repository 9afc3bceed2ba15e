-- DropIndex
DROP INDEX "Runner_createdAt_idx";

-- DropIndex
DROP INDEX "Runner_tokenExpiresAt_idx";

-- CreateIndex
CREATE INDEX "Runner_createdAt_id_idx" ON "Runner"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Runner_tokenExpiresAt_id_idx" ON "Runner"("tokenExpiresAt", "id");

-- CreateIndex
CREATE INDEX "Runner_paused_id_idx" ON "Runner"("paused", "id");

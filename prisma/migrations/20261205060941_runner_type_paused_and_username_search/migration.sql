-- CreateIndex
CREATE INDEX "Runner_runnerType_paused_id_idx" ON "Runner"("runnerType", "paused", "id");

-- CreateIndex
CREATE INDEX "User_username_idx" ON "User" USING GIN ("username" gin_trgm_ops);

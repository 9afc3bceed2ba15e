-- CreateIndex
CREATE INDEX "Runner_contactedAt_createdAt_idx" ON "Runner"("contactedAt", "createdAt");

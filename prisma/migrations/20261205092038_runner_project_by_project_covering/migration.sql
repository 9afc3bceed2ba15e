-- A project's runners are looked up by their links alone (src/runners/scopes.ts: membershipLookups): with the runner id
-- in the index, the lookup reads no RunnerProject row (index-only), where it read one heap page per link.
-- DropIndex
DROP INDEX "RunnerProject_projectId_idx";

-- CreateIndex
CREATE INDEX "RunnerProject_projectId_runnerId_idx" ON "RunnerProject"("projectId", "runnerId");

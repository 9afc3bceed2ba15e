-- pg_trgm: GitLab's trigram index on runner descriptions (PGlite loads the extension's bundle: src/db/pglite-extensions.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- DropIndex
DROP INDEX "Runner_contactedAt_idx";

-- CreateIndex
CREATE INDEX "Runner_contactedAt_id_idx" ON "Runner"("contactedAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Runner_description_idx" ON "Runner" USING GIN ("description" gin_trgm_ops);

-- CreateTable
CREATE TABLE "RunnerCount" (
    "runnerType" "RunnerType" NOT NULL,
    "paused" BOOLEAN NOT NULL,
    "shard" INTEGER NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "RunnerCount_pkey" PRIMARY KEY ("runnerType","paused","shard")
);

-- Kept by triggers on "Runner", in the writing transaction, so a count read in any snapshot agrees with the runners
-- that snapshot sees (exact, as GitLab's CiRunnerConnection.count is, without reading 100,000 runners):
--   * inserts and deletes, statement by statement, from their transition tables (one upsert per statement however
--     many rows it writes: a bulk load or a bulk delete is one statement);
--   * a change of type or paused state, row by row, and only when one of them changes (a contact update, the most
--     frequent write, names neither column and fires nothing);
--   * TRUNCATE empties the counts.
-- Each writer adds to its backend's shard (pg_backend_pid() % 16, as DataVersion), rows upserted in key order, so two
-- writers never wait on each other in opposite orders. ENABLE ALWAYS: the counts stay exact even for a session that
-- sets session_replication_role = replica to load data without triggers (the benchmark's loader does).
CREATE FUNCTION "runner_count_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "RunnerCount" ("runnerType", "paused", "shard", "count")
    SELECT "runnerType", "paused", pg_backend_pid() % 16, count(*) FROM new_runners GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT ("runnerType", "paused", "shard") DO UPDATE SET "count" = "RunnerCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION "runner_count_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "RunnerCount" ("runnerType", "paused", "shard", "count")
    SELECT "runnerType", "paused", pg_backend_pid() % 16, -count(*) FROM old_runners GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT ("runnerType", "paused", "shard") DO UPDATE SET "count" = "RunnerCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION "runner_count_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "RunnerCount" ("runnerType", "paused", "shard", "count")
    SELECT kind, paused, pg_backend_pid() % 16, n
    FROM (VALUES (OLD."runnerType", OLD."paused", -1), (NEW."runnerType", NEW."paused", 1)) AS moved (kind, paused, n)
    ORDER BY 1, 2
  ON CONFLICT ("runnerType", "paused", "shard") DO UPDATE SET "count" = "RunnerCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE FUNCTION "runner_count_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RunnerCount";
  RETURN NULL;
END $$;

CREATE TRIGGER "Runner_count_insert" AFTER INSERT ON "Runner" REFERENCING NEW TABLE AS new_runners
  FOR EACH STATEMENT EXECUTE FUNCTION "runner_count_inserted"();
CREATE TRIGGER "Runner_count_delete" AFTER DELETE ON "Runner" REFERENCING OLD TABLE AS old_runners
  FOR EACH STATEMENT EXECUTE FUNCTION "runner_count_deleted"();
CREATE TRIGGER "Runner_count_update" AFTER UPDATE OF "runnerType", "paused" ON "Runner" FOR EACH ROW
  WHEN (OLD."runnerType" IS DISTINCT FROM NEW."runnerType" OR OLD."paused" IS DISTINCT FROM NEW."paused")
  EXECUTE FUNCTION "runner_count_moved"();
CREATE TRIGGER "Runner_count_truncate" AFTER TRUNCATE ON "Runner" FOR EACH STATEMENT EXECUTE FUNCTION "runner_count_truncated"();
ALTER TABLE "Runner" ENABLE ALWAYS TRIGGER "Runner_count_insert";
ALTER TABLE "Runner" ENABLE ALWAYS TRIGGER "Runner_count_delete";
ALTER TABLE "Runner" ENABLE ALWAYS TRIGGER "Runner_count_update";
ALTER TABLE "Runner" ENABLE ALWAYS TRIGGER "Runner_count_truncate";

-- The counts of the runners already there.
INSERT INTO "RunnerCount" ("runnerType", "paused", "shard", "count")
  SELECT "runnerType", "paused", 0, count(*) FROM "Runner" GROUP BY 1, 2;

-- What an answer shows moves the data version (see the data_version migration); the counts change only with runners,
-- whose own trigger already bumps it, but every table carries the trigger.
CREATE CONSTRAINT TRIGGER "RunnerCount_data_version" AFTER INSERT OR UPDATE OR DELETE ON "RunnerCount"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "data_version_changed"();

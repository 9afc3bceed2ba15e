-- A change of type or paused state is counted statement by statement too, from the update's transition tables, no
-- longer row by row: a bulk pause of 50,000 runners upserted the same counter row 50,000 times in one transaction,
-- each new version behind the last (35 s where the update alone takes 2.6 s). The old rows count -1 and the new
-- +1 by (type, paused); a statement that changes neither (a contact update, the most frequent write) sums to zero
-- everywhere and writes no counter row. An UPDATE trigger with transition tables cannot name columns, so it fires
-- on every update of Runner; ENABLE ALWAYS as the others.
DROP TRIGGER "Runner_count_update" ON "Runner";
DROP FUNCTION "runner_count_moved"();

CREATE FUNCTION "runner_count_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "RunnerCount" ("runnerType", "paused", "shard", "count")
    SELECT "runnerType", "paused", pg_backend_pid() % 16, sum(n) FROM (
      SELECT "runnerType", "paused", -1 AS n FROM old_runners
      UNION ALL
      SELECT "runnerType", "paused", 1 AS n FROM new_runners
    ) AS moved
    GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
  ON CONFLICT ("runnerType", "paused", "shard") DO UPDATE SET "count" = "RunnerCount"."count" + EXCLUDED."count";
  RETURN NULL;
END $$;

CREATE TRIGGER "Runner_count_update" AFTER UPDATE ON "Runner" REFERENCING OLD TABLE AS old_runners NEW TABLE AS new_runners
  FOR EACH STATEMENT EXECUTE FUNCTION "runner_count_updated"();
ALTER TABLE "Runner" ENABLE ALWAYS TRIGGER "Runner_count_update";

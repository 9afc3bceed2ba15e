-- CreateTable
CREATE TABLE "RunnerTagging" (
    "tag" TEXT NOT NULL,
    "runnerId" INTEGER NOT NULL,

    CONSTRAINT "RunnerTagging_pkey" PRIMARY KEY ("tag","runnerId")
);

-- CreateIndex
CREATE INDEX "RunnerTagging_runnerId_idx" ON "RunnerTagging"("runnerId");

-- AddForeignKey
ALTER TABLE "RunnerTagging" ADD CONSTRAINT "RunnerTagging_runnerId_fkey" FOREIGN KEY ("runnerId") REFERENCES "Runner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A tag filter's count (`tag_list=linux`, on 60% of runners) read through the GIN index on "tagList" fetches every
-- matching runner to recheck its tags: 3,600 heap pages for 10,000 runners. One row per (tag, runner) is a range of
-- this table's key, counted index-only. Kept by triggers in the writing transaction, so every writer (the API, the
-- CLI's bulk loaders, the benchmark's loader, SQL by hand) keeps it exact and a count agrees with the runners in its
-- snapshot:
--   * inserts, statement by statement, from their transition table (a bulk load is one statement);
--   * a change of tags, row by row, and only when the tags change (a contact update names no tags and fires nothing);
--     only the tags that went or came are written;
--   * deletes by the foreign key's cascade.
-- ENABLE ALWAYS, as the runner counts: a session that sets session_replication_role = replica to load runners
-- without triggers (the benchmark's loader does) still tags them.
CREATE FUNCTION "runner_taggings_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "RunnerTagging" ("tag", "runnerId")
    SELECT DISTINCT tag, new_runners."id" FROM new_runners CROSS JOIN unnest(new_runners."tagList") AS tag WHERE tag IS NOT NULL;
  RETURN NULL;
END $$;

CREATE FUNCTION "runner_taggings_retagged"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RunnerTagging" WHERE "runnerId" = NEW."id"
    AND "tag" NOT IN (SELECT tag FROM unnest(NEW."tagList") AS tag WHERE tag IS NOT NULL);
  INSERT INTO "RunnerTagging" ("tag", "runnerId")
    SELECT DISTINCT tag, NEW."id" FROM unnest(NEW."tagList") AS tag WHERE tag IS NOT NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER "Runner_taggings_insert" AFTER INSERT ON "Runner" REFERENCING NEW TABLE AS new_runners
  FOR EACH STATEMENT EXECUTE FUNCTION "runner_taggings_inserted"();
CREATE TRIGGER "Runner_taggings_update" AFTER UPDATE OF "tagList" ON "Runner" FOR EACH ROW
  WHEN (OLD."tagList" IS DISTINCT FROM NEW."tagList")
  EXECUTE FUNCTION "runner_taggings_retagged"();
ALTER TABLE "Runner" ENABLE ALWAYS TRIGGER "Runner_taggings_insert";
ALTER TABLE "Runner" ENABLE ALWAYS TRIGGER "Runner_taggings_update";

-- The tags of the runners already there.
INSERT INTO "RunnerTagging" ("tag", "runnerId")
  SELECT DISTINCT tag, "Runner"."id" FROM "Runner" CROSS JOIN unnest("Runner"."tagList") AS tag WHERE tag IS NOT NULL;

-- Every table carries the data version's trigger (see the data_version migration); taggings change only with their
-- runner, whose own trigger already moves it.
CREATE CONSTRAINT TRIGGER "RunnerTagging_data_version" AFTER INSERT OR UPDATE OR DELETE ON "RunnerTagging"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "data_version_changed"();

-- CreateTable
CREATE TABLE "DataVersion" (
    "shard" INTEGER NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "DataVersion_pkey" PRIMARY KEY ("shard")
);

INSERT INTO "DataVersion" ("shard") SELECT generate_series(0, 15);

-- Conditional requests: an ETag names the data version its answer was read at, and a request whose ETag still
-- names the current version is answered 304 without running. So every committed write must move the version,
-- exactly when it commits, on every replica's view (one table in the one database):
--   * a deferred constraint trigger on every table bumps it in the writing transaction, at commit, once per
--     transaction (the transaction-local setting "rg.data_version_bumped" skips the rows after the first);
--   * deferred, so the counter's row lock is taken after every other lock of the transaction and held only while
--     it commits: writers never wait on it while holding rows another writer wants (no deadlock), and queue on it
--     only for the commit itself;
--   * 16 counters, picked by the backend's pid: concurrent writers usually bump different rows.
-- A new table must get the trigger too: test/http/conditional-requests.test.ts checks that every table has it.
CREATE FUNCTION "data_version_bump"() RETURNS void LANGUAGE sql AS $$
  UPDATE "DataVersion" SET "version" = "version" + 1 WHERE "shard" = pg_backend_pid() % 16;
$$;

CREATE FUNCTION "data_version_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('rg.data_version_bumped', true) IS DISTINCT FROM 'yes' THEN
    PERFORM "data_version_bump"();
    PERFORM set_config('rg.data_version_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END $$;

DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['ApplicationSetting', 'PlanLimit', 'User', 'Group', 'Project',
    'GroupMember', 'ProjectMember', 'RegistrationToken', 'Runner', 'RunnerManager', 'RunnerProject', 'Commit',
    'Pipeline', 'Job', 'AuditEvent']
  LOOP
    EXECUTE format(
      'CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I DEFERRABLE INITIALLY DEFERRED '
      'FOR EACH ROW EXECUTE FUNCTION "data_version_changed"()',
      name || '_data_version', name);
  END LOOP;
END $$;

-- A token's last use is bookkeeping, recorded at most every 10 minutes per token by the request that uses it: were it
-- to move the version, every poller's first request with a fresh token would turn everybody's next request into a
-- 200. Any other change to a token does.
CREATE CONSTRAINT TRIGGER "PersonalAccessToken_data_version" AFTER INSERT OR DELETE ON "PersonalAccessToken"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "data_version_changed"();
CREATE CONSTRAINT TRIGGER "PersonalAccessToken_data_version_update" AFTER UPDATE ON "PersonalAccessToken"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'lastUsedAt') IS DISTINCT FROM (to_jsonb(NEW) - 'lastUsedAt'))
  EXECUTE FUNCTION "data_version_changed"();

-- A user's name is part of what the authentication cache keeps (src/auth/principals.ts): a rename tells it too.
DROP TRIGGER "User_live" ON "User";
CREATE TRIGGER "User_live" AFTER UPDATE OF "admin", "state", "username" OR DELETE ON "User"
  FOR EACH STATEMENT EXECUTE FUNCTION "live_notify_access"();

-- CreateTable
CREATE TABLE "LiveSweep" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "sweptAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LiveSweep_pkey" PRIMARY KEY ("id")
);

-- Live events. Every change to a runner, its projects or a job's status notifies the channel
-- "runners_gateway_live" from inside the writing transaction. PostgreSQL delivers a notification only when its
-- transaction commits (never for a rolled-back change), to every server that listens, in commit order; identical
-- notifications of one transaction are delivered once. Payloads carry ids only: listeners read the rows.
CREATE FUNCTION "live_notify_runner"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('runners_gateway_live', json_build_object('kind', 'runner', 'id', OLD."id", 'deleted', true)::text);
  ELSE
    PERFORM pg_notify('runners_gateway_live', json_build_object('kind', 'runner', 'id', NEW."id")::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Runner_live" AFTER INSERT OR DELETE ON "Runner"
  FOR EACH ROW EXECUTE FUNCTION "live_notify_runner"();
CREATE TRIGGER "Runner_live_update" AFTER UPDATE ON "Runner"
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION "live_notify_runner"();

-- Assigning a runner to a project, or unassigning it, changes the runner.
CREATE FUNCTION "live_notify_runner_project"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_runner_id integer := CASE WHEN TG_OP = 'DELETE' THEN OLD."runnerId" ELSE NEW."runnerId" END;
BEGIN
  PERFORM pg_notify('runners_gateway_live', json_build_object('kind', 'runner', 'id', row_runner_id)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER "RunnerProject_live" AFTER INSERT OR DELETE ON "RunnerProject"
  FOR EACH ROW EXECUTE FUNCTION "live_notify_runner_project"();

-- A job's status (and with it its runner's job execution status). Inserted jobs are not followed yet.
CREATE FUNCTION "live_notify_job"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('runners_gateway_live', json_build_object(
    'kind', 'job', 'id', NEW."id", 'runnerId', NEW."runnerId",
    'previousRunnerId', CASE WHEN OLD."runnerId" IS DISTINCT FROM NEW."runnerId" THEN OLD."runnerId" END
  )::text);
  RETURN NULL;
END $$;

CREATE TRIGGER "Job_live" AFTER UPDATE OF "status", "runnerId" ON "Job"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."runnerId" IS DISTINCT FROM NEW."runnerId")
  EXECUTE FUNCTION "live_notify_job"();

-- What a subscriber may see can change: a token revoked or expiring, a user blocked or made admin, a membership,
-- a project or group moved or its runner settings. Subscribers re-check their access when they hear this.
CREATE FUNCTION "live_notify_access"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('runners_gateway_live', '{"kind":"access"}');
  RETURN NULL;
END $$;

CREATE TRIGGER "PersonalAccessToken_live" AFTER UPDATE OF "revoked", "expiresAt", "scopes" OR DELETE ON "PersonalAccessToken"
  FOR EACH STATEMENT EXECUTE FUNCTION "live_notify_access"();
CREATE TRIGGER "User_live" AFTER UPDATE OF "admin", "state" OR DELETE ON "User"
  FOR EACH STATEMENT EXECUTE FUNCTION "live_notify_access"();
CREATE TRIGGER "GroupMember_live" AFTER INSERT OR UPDATE OR DELETE ON "GroupMember"
  FOR EACH STATEMENT EXECUTE FUNCTION "live_notify_access"();
CREATE TRIGGER "ProjectMember_live" AFTER INSERT OR UPDATE OR DELETE ON "ProjectMember"
  FOR EACH STATEMENT EXECUTE FUNCTION "live_notify_access"();
CREATE TRIGGER "Group_live" AFTER UPDATE OF "traversalIds", "sharedRunnersEnabled" OR DELETE ON "Group"
  FOR EACH STATEMENT EXECUTE FUNCTION "live_notify_access"();
CREATE TRIGGER "Project_live" AFTER UPDATE OF "traversalIds", "sharedRunnersEnabled", "groupRunnersEnabled" OR DELETE ON "Project"
  FOR EACH STATEMENT EXECUTE FUNCTION "live_notify_access"();

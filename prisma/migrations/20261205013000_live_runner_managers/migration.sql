-- A runner's hosts (runner managers) are part of the runner as subscribers see it (`CiRunner.managers`): a host
-- registering, or its contact, version or status changing, notifies the runner. A `glrt-` runner's verify touches
-- only its manager, so without this its subscribers would not hear of it. The function takes the row's "runnerId",
-- which RunnerManager has as RunnerProject does.
CREATE TRIGGER "RunnerManager_live" AFTER INSERT OR DELETE ON "RunnerManager"
  FOR EACH ROW EXECUTE FUNCTION "live_notify_runner_project"();
CREATE TRIGGER "RunnerManager_live_update" AFTER UPDATE ON "RunnerManager"
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION "live_notify_runner_project"();

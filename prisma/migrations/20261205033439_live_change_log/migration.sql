-- CreateTable
CREATE TABLE "LiveChange" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tx" BIGINT NOT NULL,
    "payload" TEXT NOT NULL,

    CONSTRAINT "LiveChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LiveChange_at_idx" ON "LiveChange"("at");

-- CreateIndex
CREATE UNIQUE INDEX "LiveChange_tx_payload_key" ON "LiveChange"("tx", "payload");

-- Live events are also written to "LiveChange", in the same transaction as their notification: what is committed
-- is both notified and logged, what is rolled back neither. The notification carries the entry's id ("seq"). A
-- listener that lost its connection reads the log from a little before it lost it, skipping what it heard (see
-- src/live/catch-up.ts). A transaction publishes each distinct event once (a runner and its host changed together
-- are one change of the runner), as PostgreSQL folds a transaction's identical notifications.
CREATE FUNCTION "live_publish"(event text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  seq bigint;
BEGIN
  INSERT INTO "LiveChange" ("tx", "payload") VALUES (txid_current(), event)
    ON CONFLICT ("tx", "payload") DO NOTHING RETURNING "id" INTO seq;
  IF seq IS NOT NULL THEN
    PERFORM pg_notify('runners_gateway_live', (event::jsonb || jsonb_build_object('seq', seq))::text);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION "live_notify_runner"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM "live_publish"(json_build_object('kind', 'runner', 'id', OLD."id", 'deleted', true)::text);
  ELSE
    PERFORM "live_publish"(json_build_object('kind', 'runner', 'id', NEW."id")::text);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "live_notify_runner_project"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_runner_id integer := CASE WHEN TG_OP = 'DELETE' THEN OLD."runnerId" ELSE NEW."runnerId" END;
BEGIN
  PERFORM "live_publish"(json_build_object('kind', 'runner', 'id', row_runner_id)::text);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "live_notify_job"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "live_publish"(json_build_object(
    'kind', 'job', 'id', NEW."id", 'runnerId', NEW."runnerId",
    'previousRunnerId', CASE WHEN OLD."runnerId" IS DISTINCT FROM NEW."runnerId" THEN OLD."runnerId" END
  )::text);
  RETURN NULL;
END $$;

-- Every bump of the data version is also announced on the live channel, once per writing transaction (pg_notify
-- drops a transaction's duplicates) and only when it commits. Each server keeps the version it last read while it
-- hears these (src/db/data-version.ts: DataVersions), so a GET without If-None-Match needs no statement for its ETag;
-- a conditional request still reads the version itself, so no 304 ever waits on a notification.
CREATE OR REPLACE FUNCTION "data_version_bump"() RETURNS void LANGUAGE sql AS $$
  UPDATE "DataVersion" SET "version" = "version" + 1 WHERE "shard" = pg_backend_pid() % 16;
  SELECT pg_notify('runners_gateway_live', '{"kind":"version"}');
$$;

import { describe, expect, it } from 'vitest';
import { statementNames } from '../../src/db/client.ts';

// Which statements PostgreSQL keeps prepared (named) on each connection, and which it plans afresh every time.

describe('prepared statement names', () => {
  it('gives one text one name, and another text another', () => {
    const name = statementNames();
    const runner = 'SELECT "t0"."id" FROM "public"."Runner" AS "t0" WHERE "t0"."id" = $1 LIMIT $2';
    expect(name({ sql: runner })).toMatch(/^rg_/);
    expect(name({ sql: runner })).toBe(name({ sql: runner }));
    expect(name({ sql: `${runner} OFFSET $3` })).not.toBe(name({ sql: runner }));
  });

  it('leaves a statement with a list of bound values unnamed, so it is planned for its values every time', () => {
    const name = statementNames();
    const scoped = 'SELECT COUNT(*) FROM "public"."Runner" WHERE "runnerType" = $1 OR "id" IN ($2,$3,$4) LIMIT $5';
    expect(name({ sql: scoped })).toBeUndefined();
    expect(name({ sql: 'SELECT 1 FROM "public"."Runner" WHERE "id" IN ($1) LIMIT $2' })).toMatch(/^rg_/);
  });

  it('leaves a statement filtering on tags unnamed: how many runners carry a tag varies from most to a few', () => {
    const name = statementNames();
    expect(name({ sql: 'SELECT COUNT(*) FROM "public"."Runner" WHERE "public"."Runner"."tagList" @> $1 LIMIT $2' })).toBeUndefined();
    expect(name({ sql: 'SELECT "id" FROM "public"."Runner" WHERE "public"."Runner"."tagList" && $1 LIMIT $2' })).toBeUndefined();
  });

  it('leaves a search unnamed: how many descriptions match a pattern varies from a few to all', () => {
    const name = statementNames();
    const search = `SELECT "t0"."id" FROM "public"."Runner" AS "t0" WHERE ("t0"."description" ILIKE ('%' || $1 || '%') OR "t0"."tokenDigest" = $2) LIMIT $3`;
    expect(name({ sql: search })).toBeUndefined();
  });

  it('names at most the given number of texts; the rest go unnamed', () => {
    const name = statementNames(2);
    expect(name({ sql: 'SELECT $1' })).toMatch(/^rg_/);
    expect(name({ sql: 'SELECT $1, $2' })).toMatch(/^rg_/);
    expect(name({ sql: 'SELECT $1, $2, $3' })).toBeUndefined();
    expect(name({ sql: 'SELECT $1' })).toMatch(/^rg_/);
  });
});

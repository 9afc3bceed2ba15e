import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { DEFAULT_GRAPHQL_LIMITS } from '../../src/graphql/limits.ts';
import { createTestDatabase } from '../support/db.ts';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createGroup, createJob, createProject, createRunner, createUser } from '../support/factories.ts';
import { startApp } from './app.ts';

const app = await startApp();

/** `group { parent { parent … { id } } }`, exactly `depth` levels deep. */
const deepQuery = (depth: number) => `{ group(fullPath: "g") { ${'parent { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;

/** `n` aliased full pages of runners with 15 scalar fields: 1 + 100 × (1 + 15) = 1,601 values each. */
const RUNNER_FIELDS =
  'id description status paused locked runUntagged tagList version contactedAt createdAt accessLevel maximumTimeout maintenanceNote runnerType shortSha';
const pagesQuery = (n: number, fields = RUNNER_FIELDS) =>
  `{ ${Array.from({ length: n }, (_, i) => `r${i}: runners(first: 100) { nodes { ${fields} } }`).join(' ')} }`;

/** The query of the issue that took the server down: runners' jobs' projects' runners' jobs… 14 levels deep. */
const ISSUE_QUERY = (
  runnerId: number,
) => `{ runner(id: "gid://gitlab/Ci::Runner/${runnerId}") { jobs { nodes { pipeline { project { runners { nodes {
    jobs { nodes { pipeline { project { runners { nodes { id } } } } } } } } } } } } } }`;

const limitError = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  body.errors?.find((error) => error.extensions?.code === 'LIMIT_EXCEEDED')?.extensions ?? null;

describe('GraphQL depth', () => {
  it('allows 15 levels without a token and 20 with one, as GitLab', async () => {
    const { token } = await createUser(app.db);
    // Without a token `group` looks for a public group (there is none): the query ran, so its depth was allowed.
    expect((await app.graphql(deepQuery(15))).body).toEqual({ data: { group: null } });
    const anonymous = await app.graphql(deepQuery(16));
    expect(anonymous.body.errors[0]).toEqual({
      message: 'Query has depth of 16, which exceeds max depth of 15',
      extensions: { code: 'LIMIT_EXCEEDED', limit: 'depth', max: 15, found: 16 },
    });
    expect(anonymous.body.data).toBeUndefined();
    expect((await app.graphql(deepQuery(20), {}, token)).body).toEqual({ data: { group: null } });
    expect(limitError((await app.graphql(deepQuery(21), {}, token)).body)).toEqual({
      code: 'LIMIT_EXCEEDED',
      limit: 'depth',
      max: 20,
      found: 21,
    });
  });

  it('counts the fields inside fragments, not the fragments themselves', async () => {
    const { token } = await createUser(app.db);
    const parents = (n: number) => `${'parent { '.repeat(n)}id${' }'.repeat(n)}`;
    const query = `query { group(fullPath: "g") { ...Deep } } fragment Deep on Group { ${parents(10)} ... on Group { ${parents(10)} } }`;
    expect((await app.graphql(query, {}, token)).body).toEqual({ data: { group: null } });
    const deeper = `query { group(fullPath: "g") { ...Deep } } fragment Deep on Group { ${parents(19)} }`;
    expect(limitError((await app.graphql(deeper, {}, token)).body)).toMatchObject({ limit: 'depth', found: 21 });
  });
});

describe('GraphQL complexity: the values an answer may hold', () => {
  it('allows 50,000 to administrators, 25,000 to users and 10,000 without a token', async () => {
    const admin = await createUser(app.db, { admin: true });
    const user = await createUser(app.db);
    const asAdmin = await app.graphql(pagesQuery(30), {}, admin.token);
    expect(asAdmin.body.errors).toBeUndefined();
    expect(Object.keys(asAdmin.body.data)).toHaveLength(30);
    expect((await app.graphql(pagesQuery(16), {}, user.token)).body.errors).toEqual([
      {
        message:
          'Query has complexity of 25616, which exceeds max complexity of 25000. Each connection counts what it selects once per row ' +
          'it may return (`first`/`last`, else 100): ask for fewer rows with `first:` on the nested connections, or select fewer fields.',
        extensions: { code: 'LIMIT_EXCEEDED', limit: 'complexity', max: 25_000, found: 25_616 },
      },
    ]);
    expect(limitError((await app.graphql(pagesQuery(15), {}, user.token)).body)).toBeNull();
    expect(limitError((await app.graphql(pagesQuery(7))).body)).toEqual({
      code: 'LIMIT_EXCEEDED',
      limit: 'complexity',
      max: 10_000,
      found: 11_207,
    });
    expect(limitError((await app.graphql(pagesQuery(6))).body)).toBeNull();
    expect(limitError((await app.graphql(pagesQuery(30, `${RUNNER_FIELDS} jobCount`), {}, admin.token)).body)).toMatchObject({
      max: 50_000,
      found: 51_030,
    });
  });

  it("multiplies what a connection's nodes or edges select by its page size, variables and fragments included", async () => {
    const strict = await startApp({ graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, maxComplexity: 1 } });
    const { token } = await createUser(strict.db);
    const cost = async (query: string, variables: Record<string, unknown> = {}) =>
      limitError((await strict.graphql(query, variables, token)).body)?.found;
    expect(await cost('{ currentUser { id username } }')).toBe(3);
    expect(await cost('{ runners { nodes { id } } }')).toBe(201); // no `first`: a full page of 100
    expect(await cost('{ runners(first: 1) { count nodes { id } } }')).toBe(4);
    expect(await cost('query($n: Int) { runners(first: $n) { nodes { id } } }', { n: 50 })).toBe(101);
    expect(await cost('{ runners(last: 500) { edges { node { ...F } } } } fragment F on CiRunner { id }')).toBe(301);
    // Nested pages multiply: 10 runners × (their 2 fields + 5 projects × 3 values).
    expect(await cost('{ runners(first: 10) { nodes { id projects(first: 5) { nodes { id fullPath } } } } }')).toBe(181);
    expect(await cost('{ runners(first: 10) { nodes { id projects(first: 5) @skip(if: true) { nodes { id } } } } }')).toBe(21);
    await strict.close();
  });

  it('is computed once per query text, yet follows the variables that change it', async () => {
    const user = await createUser(app.db);
    const pages = `query($n: Int, $all: Boolean!, $other: GroupID) {
      ${Array.from({ length: 16 }, (_, i) => `r${i}: runners(first: $n, type: INSTANCE_TYPE) @include(if: $all) { nodes { ${RUNNER_FIELDS} } }`).join(' ')}
      currentUser @skip(if: false) { id username }
      group(fullPath: "x", id: $other) { id }
    }`;
    const run = (variables: Record<string, unknown>) => app.graphql(pages, variables, user.token);
    // A cheap variant first, so the expensive one below would be let through if the cost were cached by text alone.
    expect(limitError((await run({ n: 1, all: true })).body)).toBeNull();
    expect(limitError((await run({ n: 1, all: false, other: 'gid://gitlab/Group/1' })).body)).toBeNull();
    expect(limitError((await run({ n: 100, all: true })).body)).toMatchObject({ max: 25_000, found: 25_621 });
    expect(limitError((await run({ n: 100, all: false })).body)).toBeNull();
    // A default applies only to a variable not sent: sent as null, `first` asks for a full page.
    const defaulted = pages.replace('$n: Int,', '$n: Int = 1,');
    expect(limitError((await app.graphql(defaulted, { all: true }, user.token)).body)).toBeNull();
    expect(limitError((await app.graphql(defaulted, { n: null, all: true }, user.token)).body)).toMatchObject({ found: 25_621 });
    // Variables the cost does not read (an id) change nothing.
    expect(limitError((await run({ n: 100, all: true, other: 'gid://gitlab/Group/2' })).body)).toMatchObject({ found: 25_621 });
  });
});

describe('GraphQL fan-out: connections resolved for one parent per request', () => {
  it('refuses the query of the issue, as a maintainer with read_api and as an administrator, before it runs', async () => {
    const group = await createGroup(app.db);
    const project = await createProject(app.db, { group });
    const { runner } = await createRunner(app.db, { projectIds: [project.id] });
    await createJob(app.db, { projectId: project.id, runnerId: runner.id });
    const maintainer = await createUser(app.db, { scopes: ['read_api'] });
    await addProjectMember(app.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const admin = await createUser(app.db, { admin: true });
    for (const token of [maintainer.token, admin.token]) {
      const res = await app.graphql(ISSUE_QUERY(runner.id), {}, token);
      expect(res.body).toEqual({
        errors: [
          {
            message:
              '"jobs" field can be requested only for 1 CiRunner(s) at a time. This query requests it for up to 10001, the rows of the ' +
              'connections around it: select it under `first: 1`, or query one CiRunner by id.',
            extensions: { code: 'LIMIT_EXCEEDED', limit: 'calls', field: 'CiRunner.jobs', max: 1, found: 10_001 },
          },
        ],
      });
    }
    // Without the nested runners' jobs, the projects' runner lists are the fan-out.
    const shallower = ISSUE_QUERY(runner.id).replace(
      /jobs \{ nodes \{ pipeline \{ project \{ runners \{ nodes \{ id \} \} \} \} \} \}/,
      'id',
    );
    expect(limitError((await app.graphql(shallower, {}, maintainer.token)).body)).toEqual({
      code: 'LIMIT_EXCEEDED',
      limit: 'calls',
      field: 'Project.runners',
      max: 1,
      found: 100,
    });
    // The server is still there, and the same user's ordinary query is answered.
    expect(
      (await app.graphql(`{ runner(id: "gid://gitlab/Ci::Runner/${runner.id}") { jobs { count } } }`, {}, maintainer.token)).body,
    ).toEqual({
      data: { runner: { jobs: { count: 1 } } },
    });
  });

  it("answers a runner's jobs for one runner at a time, as GitLab's field call-count limit", async () => {
    const { token } = await createUser(app.db, { admin: true });
    const jobsOf = (first: number) => `{ runners(first: ${first}) { nodes { jobs(first: 5) { nodes { id } } } } }`;
    expect(limitError((await app.graphql(jobsOf(1), {}, token)).body)).toBeNull();
    const res = await app.graphql(jobsOf(2), {}, token);
    expect(res.body.errors[0].message).toMatch(/^"jobs" field can be requested only for 1 CiRunner\(s\) at a time\. /);
    expect(limitError(res.body)).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'calls', field: 'CiRunner.jobs', max: 1, found: 2 });
    // Aliases count as calls too.
    const twice = `{ a: runner(id: "gid://gitlab/Ci::Runner/1") { jobs { count } } b: runner(id: "gid://gitlab/Ci::Runner/2") { jobs { count } } }`;
    expect(limitError((await app.graphql(twice, {}, token)).body)).toMatchObject({ limit: 'calls', field: 'CiRunner.jobs', found: 2 });
    // A group's runners under a page of runners' groups (one group each): the same rule.
    const groups = '{ runners(first: 3) { nodes { groups { nodes { runners { count } } } } } }';
    expect(limitError((await app.graphql(groups, {}, token)).body)).toMatchObject({ limit: 'calls', field: 'Group.runners', found: 3 });
  });
});

describe('REST through the same bound', () => {
  it("holds each REST operation to the caller's limit, and answers 400 with the reason past it", async () => {
    const strict = await startApp({ graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, maxComplexityAdmin: 1_000 } });
    const { token } = await createUser(strict.db, { admin: true });
    const list = (perPage: number) =>
      fetch(`${strict.url}/api/v4/runners/all?per_page=${perPage}`, { headers: { 'private-token': token } });
    expect((await list(5)).status).toBe(200);
    const refused = await list(100);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /^400 Bad request - Query has complexity of \d+, which exceeds max complexity of 1000\. .*`first:`/,
    );
    await strict.close();
  });
});

describe('GraphQL document caps', () => {
  it('refuses more than 30 aliases', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `u${i}: currentUser { id }`).join(' ')} }`;
    expect((await app.graphql(aliases(30))).body).toEqual({ data: expect.objectContaining({ u29: null }) });
    expect((await app.graphql(aliases(31))).body).toEqual({
      errors: [
        {
          message: 'Aliases limit of 30 exceeded, found 31.',
          extensions: { code: 'LIMIT_EXCEEDED', limit: 'aliases', max: 30, found: 31 },
        },
      ],
    });
  });

  it('refuses more than 50 directives', async () => {
    const directives = (n: number) => `{ currentUser { ${'... @include(if: true) { id } '.repeat(n)}} }`;
    expect((await app.graphql(directives(50))).body.errors).toBeUndefined();
    expect(limitError((await app.graphql(directives(51))).body)).toMatchObject({ limit: 'directives', max: 50, found: 51 });
  });

  it('refuses more than 2,000 tokens, and more than 10,000 characters', async () => {
    const tokens = `{ currentUser { ${'id '.repeat(1_997)}} }`; // 1,997 + 4 braces + currentUser = 2,002
    expect(tokens.length).toBeLessThan(10_000);
    expect(limitError((await app.graphql(tokens)).body)).toMatchObject({ limit: 'tokens', max: 2_000 });
    const padded = (length: number) => `{ currentUser { id } }`.padEnd(length, ' ');
    expect((await app.graphql(padded(10_000))).body).toEqual({ data: { currentUser: null } });
    const tooLong = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: padded(10_001) }),
    });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { errors: unknown[] }).errors).toEqual([
      {
        message: 'Character limit of 10000 exceeded, found 10001.',
        extensions: { code: 'LIMIT_EXCEEDED', limit: 'characters', max: 10_000, found: 10_001 },
      },
    ]);
  });

  it('serves at most 100 rows per page, whatever `first` asks', async () => {
    const { token } = await createUser(app.db, { admin: true });
    for (let i = 0; i < 101; i++) await createRunner(app.db, { description: `page-size ${i}` });
    const res = await app.graphql(
      `{ runners(first: 500, search: "page-size") { count pageInfo { hasNextPage } nodes { id } } }`,
      {},
      token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.runners).toMatchObject({ count: 101, pageInfo: { hasNextPage: true } });
    expect(res.body.data.runners.nodes).toHaveLength(100);
  });
});

describe('introspection', () => {
  it("answers GraphiQL's introspection query within the limits, with or without a token", async () => {
    const { token } = await createUser(app.db);
    const graphiql = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    for (const query of [getIntrospectionQuery(), graphiql]) {
      const withToken = await app.graphql(query, {}, token);
      expect(withToken.body.errors).toBeUndefined();
      expect(withToken.body.data.__schema.types.map((type: { name: string }) => type.name)).toContain('CiRunner');
      expect((await app.graphql(query)).body.errors).toBeUndefined();
    }
  });

  it('is counted against the limits', async () => {
    const strict = await startApp({ graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, maxComplexity: 200, maxDepth: 14 } });
    const { token } = await createUser(strict.db);
    expect(limitError((await strict.graphql(getIntrospectionQuery(), {}, token)).body)).toMatchObject({
      limit: 'depth',
      max: 14,
      found: 15,
    });
    const shallow = await startApp({ graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, maxComplexity: 200 } });
    const other = await createUser(shallow.db);
    expect(limitError((await shallow.graphql(getIntrospectionQuery(), {}, other.token)).body)).toMatchObject({
      limit: 'complexity',
      max: 200,
      found: 220,
    });
    await strict.close();
    await shallow.close();
  });
});

/** A database whose runner queries first wait, or fail with a message that quotes SQL. */
/** `started`: told each time a runner query starts (after admission, as the query executes). */
async function faultyDatabase(fault: 'slow' | 'failing', started?: () => void) {
  const database = await createTestDatabase();
  const prisma = database.prisma.$extends({
    query: {
      runner: {
        async $allOperations({ args, query }) {
          started?.();
          if (fault === 'failing') throw new Error('relation "ci_runners" does not exist: SELECT "id", "token_digest" FROM "ci_runners"');
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          return query(args);
        },
      },
    },
  });
  // An extended client has its own type; the app only calls the model methods both share.
  return { ...database, prisma: prisma as unknown as Db };
}

describe('execution', () => {
  it('answers TIMEOUT when a query runs longer than the timeout', async () => {
    const slow = await startApp({ database: await faultyDatabase('slow'), graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, timeoutMs: 100 } });
    const { token } = await createUser(slow.db, { admin: true });
    const started = Date.now();
    const res = await slow.graphql('{ runners { nodes { id } } }', {}, token);
    expect(Date.now() - started).toBeLessThan(900);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      errors: [
        { message: 'Request timed out. Please try a less complex query or a smaller set of records.', extensions: { code: 'TIMEOUT' } },
      ],
    });
    expect((await slow.graphql('{ currentUser { id } }', {}, token)).body.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the abandoned query finish before closing
    await slow.close();
  });

  it('runs expensive queries one after another once their cost fills the budget, while cheap ones go straight through', async () => {
    let firstStarted: () => void = () => {};
    const executing = new Promise<void>((resolve) => {
      firstStarted = resolve;
    });
    const slow = await startApp({
      database: await faultyDatabase('slow', () => firstStarted()),
      graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, maxConcurrentCost: 2_500 },
    });
    const { token } = await createUser(slow.db, { admin: true });
    // 1 + 100 × (1 + 20) = 2,101 each: one fits the budget of 2,500, two do not.
    const fields = `${RUNNER_FIELDS} jobCount projectCount contactedAt createdAt status`;
    const heavy = `{ runners(first: 100) { nodes { ${fields} } } }`;
    const finished: string[] = [];
    const timed = (name: string, query: string) =>
      slow.graphql(query, {}, token).then((res) => {
        finished.push(name);
        return { res, at: Date.now() };
      });
    // The second is sent once the first executes: two requests sent at once may reach the server in either order.
    const firstDone = timed('first', heavy);
    await executing;
    const [first, second, cheap] = await Promise.all([firstDone, timed('second', heavy), timed('cheap', '{ currentUser { username } }')]);
    for (const { res } of [first, second, cheap]) expect(res.body.errors).toBeUndefined();
    expect(finished).toEqual(['cheap', 'first', 'second']);
    // Each waits a second for the slow runner query: the second started only when the first was done.
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
    await slow.close();
  });

  it('masks internal errors: no message, SQL or stack trace reaches the client, on either API', async () => {
    const lines: string[] = [];
    const failing = await startApp({
      database: await faultyDatabase('failing'),
      logger: { level: 'error', stream: { write: (line: string) => lines.push(line) } },
    });
    const { token } = await createUser(failing.db, { admin: true });
    // Yoga's development mode would add the original error and its stack to answers; the app must not, even then.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development';
    try {
      const res = await failing.graphql('{ runners { nodes { id } } }', {}, token);
      expect(res.body.errors).toEqual([
        { message: 'Unexpected error.', locations: expect.any(Array), path: ['runners'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/SELECT|ci_runners|at .*\.ts/);
      const rest = await fetch(`${failing.url}/api/v4/runners/all`, { headers: { 'private-token': token } });
      expect(rest.status).toBe(500);
      expect(await rest.text()).toBe('{"message":"500 Internal Server Error"}');
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    // Operators still get the cause.
    expect(lines.join('')).toContain('relation \\"ci_runners\\" does not exist');
    await failing.close();
  });
});

describe('CSRF', () => {
  const get = (headers: Record<string, string> = {}, query = '') =>
    fetch(`${app.url}/graphql?query=${encodeURIComponent('{ __typename }')}${query}`, { headers });

  it('refuses GET queries and form posts that a page on another site could send unaided', async () => {
    const plain = await get();
    expect(plain.status).toBe(403);
    expect(((await plain.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({ code: 'CSRF_PREVENTED' });
    const post = (contentType: string, body: string) =>
      fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await post('text/plain', '{"query":"{ __typename }"}');
    expect(text.status).toBe(403);
    expect(((await text.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({ code: 'CSRF_PREVENTED' });
    // /graphql reads no form bodies at all.
    expect((await post('application/x-www-form-urlencoded', 'query=%7B__typename%7D')).status).toBe(415);
    expect(
      (await post('multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{__typename}\r\n--x--'))
        .status,
    ).toBe(415);
  });

  it('serves GraphiQL, JSON posts, and GET queries that carry a custom header or their own token', async () => {
    const { token } = await createUser(app.db);
    expect((await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } })).status).toBe(200);
    expect((await app.graphql('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    for (const res of [
      await get({ 'x-graphql-yoga-csrf': '1' }),
      await get({ 'private-token': token }),
      await get({ authorization: `Bearer ${token}` }),
      await get({}, `&private_token=${token}`),
    ]) {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    }
  });

  it('leaves the REST API to accept form posts, as curl sends them', async () => {
    const res = await fetch(`${app.url}/api/v4/runners/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=glrt-not-a-real-token',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('{"message":"403 Forbidden"}');
  });
});

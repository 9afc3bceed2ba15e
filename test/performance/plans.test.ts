import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, createGroup, createProject, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Not timed: the shape of PostgreSQL's plans for the statements a request sends, where a regression would be
// silent (right answers, read from every runner). With thousands of runners loaded set-based and analyzed,
// the planner chooses as it would on a large fleet. PostgreSQL only: PGlite's planner is the same, but the
// suite's PGlite databases are too small for it to choose differently between a scan and an index.

const server = useTestServer();
const RUNNERS = 20_000;
/** Part of one fleet runner's description (each is 'fleet runner <md5>'). */
const DESCRIBED = createHash('md5').update('fleet1234').digest('hex').slice(0, 10);

let client: pg.Client;
let owner = '';
let admin = '';
let groupPath = '';
let projectPath = '';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/** Where the statements being sent go (one listener for the file: Prisma's events allow ten). */
let recording: { sql: string; params: unknown[] }[] | null = null;

/** Every statement `call` sends, each with the plan PostgreSQL chooses for it (EXPLAIN, parameters bound). */
async function plansOf(call: () => Promise<unknown>): Promise<{ sql: string; nodes: PlanNode[] }[]> {
  const sent: { sql: string; params: unknown[] }[] = [];
  recording = sent;
  try {
    await call();
  } finally {
    recording = null;
  }
  const plans = [];
  for (const statement of sent) {
    if (!/^\s*SELECT/i.test(statement.sql)) continue;
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${statement.sql}`, statement.params);
    const plan = rows[0]?.['QUERY PLAN'][0]?.Plan;
    if (plan) plans.push({ sql: statement.sql, nodes: nodes(plan) });
  }
  return plans;
}

const runnerStatements = (plans: { sql: string; nodes: PlanNode[] }[]) => plans.filter((plan) => plan.sql.includes('"Runner"'));
const seqScansOfRunners = (plan: { nodes: PlanNode[] }) =>
  plan.nodes.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'Runner');

describe.skipIf(!process.env.DATABASE_URL)('plans on a fleet of 20,000 runners', () => {
  beforeAll(async () => {
    const db = server.db;
    // The test server's client reports queries as events, with their parameters.
    (db as unknown as { $on(event: 'query', listener: (e: { query: string; params: string }) => void): void }).$on('query', (event) =>
      recording?.push({ sql: event.query, params: JSON.parse(event.params) as unknown[] }),
    );
    ({ token: admin } = await createUser(db, { admin: true }));
    const ownerUser = await createUser(db);
    owner = ownerUser.token;
    // The owner's group: a subgroup, a project, and a handful of runners among the fleet.
    const group = await createGroup(db);
    const subgroup = await createGroup(db, { parent: group });
    const project = await createProject(db, { group: subgroup });
    await addGroupMember(db, group.id, ownerUser.user.id, AccessLevel.OWNER);
    groupPath = group.fullPath;
    projectPath = project.pathWithNamespace;
    for (let i = 0; i < 3; i++) {
      await createRunner(db, { groupId: i % 2 ? group.id : subgroup.id });
      await createRunner(db, { projectIds: [project.id] });
    }
    // The rest of the fleet, set-based: 200 groups with a project each, and their group and project runners.
    await db.$executeRawUnsafe(`
      INSERT INTO "Group" (name, path, "fullPath", "fullName", "traversalIds", "updatedAt")
      SELECT 'Fleet ' || g, 'fleet-' || g, 'fleet-' || g, 'Fleet ' || g, '{}', now() FROM generate_series(1, 200) g`);
    await db.$executeRawUnsafe(`UPDATE "Group" SET "traversalIds" = ARRAY[id] WHERE path LIKE 'fleet-%'`);
    await db.$executeRawUnsafe(`
      INSERT INTO "Project" (name, path, "pathWithNamespace", "nameWithNamespace", "groupId", "traversalIds", "updatedAt")
      SELECT 'App', 'app', g."fullPath" || '/app', g."fullName" || ' / App', g.id, g."traversalIds", now()
      FROM "Group" g WHERE g.path LIKE 'fleet-%'`);
    await db.$executeRawUnsafe(`
      INSERT INTO "Runner" ("runnerType", description, "tagList", "tokenDigest", "tokenPrefix", "contactedAt", "groupId", "createdAt", "updatedAt")
      SELECT (CASE WHEN r % 10 = 0 THEN 'instance_type' WHEN r % 10 < 4 THEN 'group_type' ELSE 'project_type' END)::"RunnerType",
        'fleet runner ' || md5('fleet' || r), '{linux}', md5('fleet' || r) || md5('runner' || r), 'glrt-' || r,
        CASE WHEN r % 7 <> 0 THEN now() - make_interval(mins => r % 5000) END,
        CASE WHEN r % 10 BETWEEN 1 AND 3 THEN (SELECT min(id) FROM "Group" WHERE path LIKE 'fleet-%') + r % 200 END,
        now() - make_interval(days => r % 30), now()
      FROM generate_series(1, ${RUNNERS}) r`);
    await db.$executeRawUnsafe(`
      INSERT INTO "RunnerProject" ("runnerId", "projectId", "updatedAt")
      SELECT r.id, p.id, now() FROM "Runner" r
      JOIN "Project" p ON p.id = (SELECT min(id) FROM "Project" WHERE path = 'app') + r.id % 200
      WHERE r."runnerType" = 'project_type' AND r.description LIKE 'fleet runner %'`);
    // VACUUM too, as after a bulk load: it also moves the rows just inserted out of the GIN indexes' pending
    // lists, which the planner would otherwise count against the trigram index.
    await db.$executeRawUnsafe('VACUUM ANALYZE');
    const [database] = await db.$queryRawUnsafe<{ name: string }[]>('SELECT current_database() AS name');
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${database?.name}`;
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.end();
  });

  it("counts a group owner's runners (REST GET /runners, currentUser.runners) without reading every runner", async () => {
    for (const call of [
      () => server.rest('GET', '/runners', { token: owner }),
      () => server.graphql('{ currentUser { runners(first: 20) { count nodes { id } } } }', {}, owner),
    ]) {
      const plans = runnerStatements(await plansOf(call));
      expect(plans.length).toBeGreaterThan(0);
      for (const plan of plans) expect(seqScansOfRunners(plan), plan.sql).toEqual([]);
    }
  });

  it("lists a group's runners with their descendants', and a project's, without reading every runner", async () => {
    const group = await plansOf(() =>
      server.graphql(
        'query($path: ID!) { group(fullPath: $path) { runners(first: 20, membership: DESCENDANTS) { count nodes { id } } } }',
        { path: groupPath },
        owner,
      ),
    );
    const project = await plansOf(() =>
      server.graphql(
        'query($path: ID!) { project(fullPath: $path) { runners(first: 20) { count nodes { id } } } }',
        { path: projectPath },
        admin,
      ),
    );
    for (const plan of runnerStatements([...group, ...project])) {
      expect(
        seqScansOfRunners(plan).filter((node) => node['Plan Rows'] > 1_000),
        plan.sql,
      ).toEqual([]);
    }
  });

  it('searches descriptions through the trigram index', async () => {
    const plans = runnerStatements(
      await plansOf(() =>
        server.graphql(
          'query($search: String) { runners(first: 20, search: $search) { count nodes { id } } }',
          { search: DESCRIBED },
          admin,
        ),
      ),
    );
    // The count, and the page's ids in the list's order: both from the trigram index, not a walk of every runner
    // (in creation order) testing each description.
    const searches = plans.filter((plan) => /ILIKE/i.test(plan.sql));
    expect(searches.length).toBe(2);
    for (const plan of searches)
      expect(
        plan.nodes.some((node) => node['Index Name'] === 'Runner_description_idx'),
        plan.sql,
      ).toBe(true);
    for (const plan of plans) expect(seqScansOfRunners(plan), plan.sql).toEqual([]);
    // A GiST index with 256-byte signatures (see the runner_description_gist migration). The size lives in the
    // migration only, since Prisma's schema cannot state it: an index re-created from the schema would lose it.
    const { rows } = await client.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = 'Runner_description_idx'`);
    expect(rows[0]?.indexdef).toContain("USING gist (description gist_trgm_ops (siglen='256'))");
  });

  it('sorts by last contact, newest or oldest first, along the (contactedAt DESC, id DESC) index without a sort', async () => {
    for (const sort of ['CONTACTED_DESC', 'CONTACTED_ASC']) {
      const plans = runnerStatements(
        await plansOf(() => server.graphql(`{ runners(first: 20, sort: ${sort}) { nodes { id } } }`, {}, admin)),
      );
      const page = plans.find((plan) => /ORDER BY/i.test(plan.sql));
      expect(page?.nodes.some((node) => node['Index Name'] === 'Runner_contactedAt_id_idx')).toBe(true);
      expect(page?.nodes.some((node) => node['Node Type'] === 'Sort')).toBe(false);
    }
  });

  const sorts = (plan: { nodes: PlanNode[] } | undefined) =>
    plan?.nodes.filter((node) => ['Sort', 'Incremental Sort'].includes(node['Node Type'])) ?? [];

  it('pages in the default order (CREATED_DESC) and by token expiry along their (column, id) indexes, ties included', async () => {
    for (const [sort, index] of [
      ['CREATED_DESC', 'Runner_createdAt_id_idx'],
      ['TOKEN_EXPIRES_AT_ASC', 'Runner_tokenExpiresAt_id_idx'],
    ]) {
      const plans = runnerStatements(
        await plansOf(() => server.graphql(`{ runners(first: 20, sort: ${sort}) { nodes { id } } }`, {}, admin)),
      );
      const page = plans.find((plan) => /ORDER BY/i.test(plan.sql));
      expect(
        page?.nodes.some((node) => node['Index Name'] === index),
        sort,
      ).toBe(true);
      // An index on the column alone leaves an (incremental) sort of every tie, with each row's relations built.
      expect(sorts(page), sort).toEqual([]);
    }
  });

  it('counts stale runners as two ranges of the (contactedAt, createdAt) index, without the table', async () => {
    const plans = runnerStatements(await plansOf(() => server.graphql('{ runners(first: 20, status: STALE) { count } }', {}, admin)));
    const counts = plans.filter((plan) => /SELECT COUNT/i.test(plan.sql));
    expect(counts).toHaveLength(2);
    for (const count of counts) {
      expect(
        count.nodes.some((node) => node['Node Type'] === 'Index Only Scan' && node['Index Name'] === 'Runner_contactedAt_createdAt_idx'),
        count.sql,
      ).toBe(true);
    }
  });

  it("reads one type's page (REST /runners/all?type=) as ids on (runnerType, id), and the online filter's limited count on the contact index", async () => {
    const typed = runnerStatements(await plansOf(() => server.rest('GET', '/runners/all?type=project_type', { token: admin })));
    const ids = typed.find((plan) => /^SELECT "t0"\."id" FROM/.test(plan.sql) && /ORDER BY/i.test(plan.sql));
    expect(ids?.nodes.some((node) => node['Node Type'] === 'Index Only Scan' && node['Index Name'] === 'Runner_runnerType_id_idx')).toBe(
      true,
    );
    const online = runnerStatements(await plansOf(() => server.rest('GET', '/runners/all?status=online', { token: admin })));
    const onlineCount = online.find((plan) => /SELECT COUNT/i.test(plan.sql));
    expect(
      onlineCount?.nodes.some((node) => node['Node Type'] === 'Index Only Scan' && node['Index Name'] === 'Runner_contactedAt_id_idx'),
    ).toBe(true);
  });

  it("counts a group's available runners and a project's to a limit, each type of runner along (runnerType, id), without a sort or workers", async () => {
    // Past the limit (here 1,001 of the 2,000 instance runners; REST's 10,001 of the benchmark's 10,000) an ordered
    // index-only walk of one type stops early. Counted in one statement, the instance's, the groups' and the
    // project's runners were gathered into one bitmap (or by parallel workers) and sorted.
    for (const [query, path, token] of [
      ['query($path: ID!) { group(fullPath: $path) { runners(membership: ALL_AVAILABLE) { count(limit: 1000) } } }', groupPath, admin],
      ['query($path: ID!) { group(fullPath: $path) { runners(membership: ALL_AVAILABLE) { count(limit: 1000) } } }', groupPath, owner],
      ['query($path: ID!) { project(fullPath: $path) { runners { count(limit: 1000) } } }', projectPath, admin],
    ] as const) {
      const counts = runnerStatements(await plansOf(() => server.graphql(query, { path }, token))).filter((plan) =>
        /SELECT COUNT/i.test(plan.sql),
      );
      expect(counts.length, query).toBeGreaterThan(1);
      expect(
        counts.some((count) =>
          count.nodes.some((node) => node['Node Type'] === 'Index Only Scan' && node['Index Name'] === 'Runner_runnerType_id_idx'),
        ),
        query,
      ).toBe(true);
      // Gathering a handful of runners named by id is fine; gathering a type's thousands is what this prevents.
      for (const count of counts) {
        const gathered = count.nodes.filter(
          (node) => ['Sort', 'Gather', 'Gather Merge', 'Bitmap Heap Scan'].includes(node['Node Type']) && node['Plan Rows'] > 100,
        );
        expect(gathered, count.sql).toEqual([]);
      }
    }
  });

  it("counts an admin's whole fleet, one type or one paused state from the kept counts (RunnerCount), reading no runner", async () => {
    for (const args of ['', 'type: GROUP_TYPE, paused: false', 'paused: true', 'sort: CONTACTED_DESC', 'offset: 5000']) {
      const plans = await plansOf(() => server.graphql(`{ runners(first: 20${args ? `, ${args}` : ''}) { count } }`, {}, admin));
      expect(plans.some((plan) => plan.nodes.some((node) => node['Relation Name'] === 'RunnerCount'))).toBe(true);
      const counts = runnerStatements(plans).filter((plan) => /SELECT COUNT/i.test(plan.sql));
      expect(counts.map((plan) => plan.sql)).toEqual([]);
    }
  });

  it("counts one tag's runners (REST tag_list, GraphQL tagList) from their taggings, reading no runner", async () => {
    const countOf = async (call: () => Promise<unknown>) => (await plansOf(call)).find((plan) => /SELECT COUNT/i.test(plan.sql));
    const limited = await countOf(() => server.rest('GET', '/runners/all?tag_list=linux', { token: admin }));
    const exact = await countOf(() => server.graphql('{ runners(first: 20, tagList: ["linux"]) { count } }', {}, admin));
    for (const count of [limited, exact]) {
      expect(count?.nodes.some((node) => node['Relation Name'] === 'RunnerTagging')).toBe(true);
      expect(count?.nodes.filter((node) => node['Relation Name'] === 'Runner')).toEqual([]);
    }
    // REST's count stops at 10,001 runners: a range of the key, index-only (here every runner is tagged linux, so an
    // exact count reads the whole narrow table instead, still without a runner).
    expect(
      limited?.nodes.some((node) => node['Node Type'] === 'Index Only Scan' && node['Index Name'] === 'RunnerTagging_pkey'),
      limited?.sql,
    ).toBe(true);
  });

  it("counts a group owner's runners without re-reading the read rule's memberships for each runner", async () => {
    for (const call of [
      () => server.graphql('{ currentUser { runners(first: 20) { count } } }', {}, owner),
      () =>
        server.graphql(
          'query($path: ID!) { group(fullPath: $path) { runners(first: 20, membership: DESCENDANTS) { count } } }',
          { path: groupPath },
          owner,
        ),
    ]) {
      const plans = await plansOf(call);
      const count = runnerStatements(plans).find((plan) => /SELECT COUNT/i.test(plan.sql));
      // The rule's project runners are ids looked up once (shared with the list's own), not an EXISTS sub-plan.
      expect(count?.nodes.filter((node) => node['Relation Name'] && node['Relation Name'] !== 'Runner')).toEqual([]);
      const links = plans.filter((plan) => plan.sql.includes('"RunnerProject"'));
      expect(links.length).toBeGreaterThan(0);
      for (const plan of links) {
        const reads = plan.nodes.filter((node) => node['Relation Name'] === 'RunnerProject');
        expect(reads.map((node) => [node['Node Type'], node['Index Name']])).toEqual(
          reads.map(() => ['Index Only Scan', 'RunnerProject_projectId_runnerId_idx']),
        );
      }
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenScope } from '../../src/db/generated/enums.ts';
import { createPersonalAccessToken } from '../../src/services/tokens.ts';
import {
  addGroupMember,
  addProjectMember,
  createGroup,
  createJob,
  createProject,
  createRunner,
  createUser,
  gid,
  runnerGid,
} from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';
import { FUZZ_PATH, FUZZ_SEED } from './settings.ts';
import { checksum } from './world.ts';

// Property-based authorization: generated group trees, projects, runners, users with memberships and tokens of
// every scope, then generated query paths and mutations. Whatever an answer contains, the same user can read it
// through the object's own field; every connection's `count` agrees with its nodes; a refused mutation changes no row.
// CI runs the fixed seed; `AUTHZ_WORLDS=50 FUZZ_SEED=random npx vitest run test/fuzz/authorization.test.ts` runs longer.

const server = useTestServer();

const WORLDS = Number(process.env.AUTHZ_WORLDS ?? 12);
/** Token scope sets, the narrow ones as likely as the broad: they are where scope holes hide. */
const SCOPE_SETS: TokenScope[][] = [
  ['api'],
  ['read_api'],
  ['manage_runner'],
  ['create_runner'],
  ['manage_runner', 'create_runner'],
  ['read_api', 'manage_runner'],
];
/** Maintainers and Owners twice as likely: most runner rules start at Maintainer. */
const LEVELS = [10, 20, 30, 40, 40, 50, 50];
const MEMBERSHIPS = ['DIRECT', 'DESCENDANTS', 'ALL_AVAILABLE'];

const index = fc.nat({ max: 20 });
const role = fc.record({ target: index, level: fc.constantFrom(...LEVELS) });

const QUERIES = ['group', 'project', 'runner', 'currentUser', 'jobRunners'] as const;
const MUTATIONS = [
  'update',
  'delete',
  'assign',
  'unassign',
  'run',
  'createGroupRunner',
  'createProjectRunner',
  'bulkPause',
  'assignThenDelete',
] as const;

const VISIBILITIES = ['private', 'internal', 'public'] as const;
type Visibility = (typeof VISIBILITIES)[number];
/** The less visible of two: nothing inside a group is more visible than the group (GitLab's rule). */
const within = (wanted: Visibility, bound: Visibility): Visibility =>
  VISIBILITIES.indexOf(wanted) <= VISIBILITIES.indexOf(bound) ? wanted : bound;

const worldArb = fc.record({
  groups: fc.array(fc.option(index, { freq: 3 }), { minLength: 2, maxLength: 5 }), // each: which earlier group is its parent
  // Wanted visibilities: the groups' first, then the projects'; each is bounded by its group's.
  visibility: fc.array(fc.constantFrom(...VISIBILITIES), { minLength: 9, maxLength: 9 }),
  projects: fc.array(fc.record({ group: index, groupRunners: fc.boolean(), sharedRunners: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  runners: fc.array(
    fc.record({
      kind: fc.constantFrom('instance_type', 'group_type', 'project_type'),
      owner: index,
      also: fc.option(index),
      locked: fc.boolean(),
    }),
    { minLength: 2, maxLength: 6 },
  ),
  users: fc.array(
    fc.record({
      admin: fc.nat({ max: 9 }).map((n) => n === 0),
      groups: fc.array(role, { minLength: 1, maxLength: 2 }),
      projects: fc.array(role, { maxLength: 2 }),
      scopes: fc.constantFrom(...SCOPE_SETS),
    }),
    { minLength: 2, maxLength: 4 },
  ),
  jobs: fc.array(fc.record({ project: index, runner: index }), { maxLength: 3 }),
  queries: fc.array(
    fc.record({ user: index, kind: fc.constantFrom(...QUERIES), target: index, membership: fc.constantFrom(...MEMBERSHIPS) }),
    { minLength: 8, maxLength: 14 },
  ),
  mutations: fc.array(fc.record({ user: index, kind: fc.constantFrom(...MUTATIONS), runner: index, project: index, group: index }), {
    minLength: 4,
    maxLength: 8,
  }),
});

type Spec = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;
const at = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

async function build(spec: Spec) {
  const db = server.db;
  const groups: Awaited<ReturnType<typeof createGroup>>[] = [];
  for (const [i, parent] of spec.groups.entries()) {
    const above = parent !== null && i > 0 ? groups[parent % i] : undefined;
    const group = await createGroup(db, above ? { parent: above } : {});
    const visibility = within(spec.visibility[i] ?? 'private', above?.visibility ?? 'public');
    groups.push(await db.group.update({ where: { id: group.id }, data: { visibility } }));
  }
  const projects = [];
  for (const [i, p] of spec.projects.entries()) {
    const group = at(groups, p.group);
    const project = await createProject(db, { group });
    const visibility = within(spec.visibility[5 + i] ?? 'private', group.visibility);
    projects.push(
      await db.project.update({
        where: { id: project.id },
        data: { groupRunnersEnabled: p.groupRunners, sharedRunnersEnabled: p.sharedRunners, visibility },
      }),
    );
  }
  const runners = [];
  for (const r of spec.runners) {
    const ids = [at(projects, r.owner).id, ...(r.also === null ? [] : [at(projects, r.also).id])];
    const shape =
      r.kind === 'group_type' ? { groupId: at(groups, r.owner).id } : r.kind === 'project_type' ? { projectIds: [...new Set(ids)] } : {};
    runners.push((await createRunner(db, { runnerType: r.kind, locked: r.locked, ...shape })).runner);
  }
  const jobs = [];
  for (const j of spec.jobs)
    jobs.push(await createJob(db, { projectId: at(projects, j.project).id, runnerId: at(runners, j.runner).id, status: 'pending' }));
  const users = [];
  for (const u of spec.users) {
    const { user, token } = await createUser(db, { admin: u.admin, scopes: u.scopes });
    for (const m of u.groups) await addGroupMember(db, at(groups, m.target).id, user.id, m.level).catch(() => {}); // a repeat is the same member
    for (const m of u.projects) await addProjectMember(db, at(projects, m.target).id, user.id, m.level).catch(() => {});
    // The same user's full token: what they may read through each object's own field, whatever the first token's scopes.
    const reference = (await createPersonalAccessToken(db, { userId: user.id, name: 'reference', scopes: ['api'], expiresAt: null })).token;
    users.push({ token, reference, admin: u.admin, narrow: !u.scopes.some((scope) => scope === 'api' || scope === 'read_api') });
  }
  // Someone without a token: public namespaces are theirs to read, nothing else.
  users.push({ token: undefined, reference: undefined, admin: false, narrow: false });
  return { groups, projects, runners, jobs, users };
}

type World = Awaited<ReturnType<typeof build>>;

/** Rows asked of each list: more than a world holds (6 runners, 3 jobs at most), few enough that nested lists stay
 * within the cost limit. */
const PAGE = 10;
const RUNNER = `__typename id description projects(first: ${PAGE}) { nodes { __typename fullPath } } groups { nodes { __typename fullPath } }`;

function queryFor(world: World, q: Spec['queries'][number]): { query: string; variables: Record<string, unknown> } {
  switch (q.kind) {
    case 'group':
      return {
        query: `query($path: ID!, $m: CiRunnerMembershipFilter) { group(fullPath: $path) { __typename fullPath parent { __typename fullPath }
          runners(membership: $m, first: ${PAGE}) { count nodes { ${RUNNER} ownerProject { __typename fullPath group { __typename fullPath } } } } } }`,
        variables: { path: at(world.groups, q.target).fullPath, m: q.membership },
      };
    case 'project':
      return {
        query: `query($path: ID!) { project(fullPath: $path) { __typename fullPath group { __typename fullPath parent { __typename fullPath } }
          runners(first: ${PAGE}) { count nodes { ${RUNNER} } } pipelines(first: ${PAGE}) { count nodes { jobs(first: ${PAGE}) { nodes { runner { ${RUNNER} } project { __typename fullPath } } } } } } }`,
        variables: { path: at(world.projects, q.target).pathWithNamespace },
      };
    case 'runner':
      return {
        query: `query($id: CiRunnerID!) { runner(id: $id) { ${RUNNER} ownerProject { __typename fullPath runners(first: ${PAGE}) { count nodes { ${RUNNER} } } }
          groups { nodes { __typename fullPath parent { __typename fullPath } runners(membership: ALL_AVAILABLE, first: ${PAGE}) { count nodes { ${RUNNER} } } } }
          jobs(first: ${PAGE}) { count nodes { runner { ${RUNNER} } pipeline { project { __typename fullPath } } } } } }`,
        variables: { id: runnerGid(at(world.runners, q.target).id) },
      };
    case 'currentUser':
      return {
        query: `{ currentUser { runners(first: ${PAGE}) { count nodes { ${RUNNER} ownerProject { __typename fullPath } } } } }`,
        variables: {},
      };
    case 'jobRunners':
      return {
        query: `query($path: ID!) { project(fullPath: $path) { pipelines(first: ${PAGE}) { nodes { jobs(first: ${PAGE}) { nodes { runner { ${RUNNER} ownerProject { __typename fullPath } } } } } } } }`,
        variables: { path: at(world.projects, q.target).pathWithNamespace },
      };
  }
}

interface Seen {
  /** Lists reached beyond a runner's own answer: a project's or group's runners or pipelines, a group's parent. */
  beyondRunner: number;
  runners: Set<string>;
  projects: Set<string>;
  groups: Set<string>;
  counts: { count: number; nodes: number }[];
}

const EMPTY = (): Seen => ({ beyondRunner: 0, runners: new Set(), projects: new Set(), groups: new Set(), counts: [] });

function collect(value: unknown, seen: Seen): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, seen);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  if (object.__typename === 'CiRunner' && typeof object.id === 'string') seen.runners.add(object.id);
  if (object.__typename === 'Project' && typeof object.fullPath === 'string') seen.projects.add(object.fullPath);
  if (object.__typename === 'Group' && typeof object.fullPath === 'string') seen.groups.add(object.fullPath);
  if (object.__typename === 'Project' || object.__typename === 'Group') {
    seen.beyondRunner += ['runners', 'pipelines', 'parent', 'group'].filter((field) => object[field] != null).length;
  }
  if (typeof object.count === 'number' && Array.isArray(object.nodes))
    seen.counts.push({ count: object.count, nodes: object.nodes.length });
  for (const child of Object.values(object)) collect(child, seen);
}

/** Reads every object the answer held through its own root field, as the same user: each must be there. */
async function unreadable(seen: Seen, reference: string | undefined): Promise<string[]> {
  const fields = [
    ...[...seen.runners].map((id, i) => [`r${i}: runner(id: ${JSON.stringify(id)}) { id }`, id] as const),
    ...[...seen.projects].map((path, i) => [`p${i}: project(fullPath: ${JSON.stringify(path)}) { id }`, path] as const),
    ...[...seen.groups].map((path, i) => [`g${i}: group(fullPath: ${JSON.stringify(path)}) { id }`, path] as const),
  ];
  const missing: string[] = [];
  // In slices: a query may hold only so many aliases (GRAPHQL_MAX_ALIASES).
  for (let start = 0; start < fields.length; start += 20) {
    const slice = fields.slice(start, start + 20);
    const res = await server.graphql(`{ ${slice.map(([field]) => field).join(' ')} }`, {}, reference);
    expect(res.errors?.filter((e) => !['FORBIDDEN'].includes(String(e.extensions?.code))) ?? []).toEqual([]);
    missing.push(...slice.filter(([field]) => res.data?.[field.slice(0, field.indexOf(':'))] == null).map(([, what]) => what));
  }
  return missing;
}

function mutationFor(world: World, m: Spec['mutations'][number]): string {
  const runner = JSON.stringify(runnerGid(at(world.runners, m.runner).id));
  const path = JSON.stringify(at(world.projects, m.project).pathWithNamespace);
  switch (m.kind) {
    case 'update':
      return `runnerUpdate(input: { id: ${runner}, description: "changed", locked: false }) { errors }`;
    case 'delete':
      return `runnerDelete(input: { id: ${runner} }) { errors }`;
    case 'assign':
      return `runnerAssignToProject(input: { runnerId: ${runner}, projectPath: ${path} }) { errors }`;
    case 'unassign':
      return `runnerUnassignFromProject(input: { runnerId: ${runner}, projectPath: ${path} }) { errors }`;
    case 'run': {
      const job = world.jobs.length ? JSON.stringify(gid('Ci::Build', at(world.jobs, m.project).id)) : '"gid://gitlab/Ci::Build/0"';
      return `jobTransition(input: { id: ${job}, event: RUN, runnerId: ${runner} }) { errors }`;
    }
    case 'createGroupRunner':
      return `runnerCreate(input: { runnerType: GROUP_TYPE, groupId: ${JSON.stringify(gid('Group', at(world.groups, m.group).id))} }) { errors }`;
    case 'createProjectRunner':
      return `runnerCreate(input: { runnerType: PROJECT_TYPE, projectId: ${JSON.stringify(gid('Project', at(world.projects, m.project).id))} }) { errors }`;
    case 'bulkPause':
      return `runnerBulkPause(input: { ids: [${runner}], paused: true }) { errors updatedCount }`;
    case 'assignThenDelete':
      return `runnerAssignToProject(input: { runnerId: ${runner}, projectPath: ${path} }) { errors } second: runnerDelete(input: { id: ${runner} }) { errors }`;
  }
}

/** A refusal: every mutation of the request failed with an error, or answered payload errors, or changed no runner. */
function refused(res: Awaited<ReturnType<typeof server.graphql>>): boolean {
  const payloads = Object.values(res.data ?? {}) as ({ errors?: string[]; updatedCount?: number } | null)[];
  return payloads.every((payload) => payload === null || (payload.errors?.length ?? 0) > 0 || payload.updatedCount === 0);
}

describe('authorization, property-based', () => {
  it(`over ${WORLDS} generated worlds: answers hold only what their own fields give; refused mutations change nothing`, {
    timeout: 60_000 + WORLDS * 15_000,
  }, async () => {
    let reads = 0;
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (spec) => {
        const world = await build(spec);
        for (const q of spec.queries) {
          const user = at(world.users, q.user);
          const { query, variables } = queryFor(world, q);
          const res = await server.graphql(query, variables, user.token);
          // Without a token, a field that needs one is UNAUTHENTICATED (HTTP 401), beside what could be read.
          const allowed = user.token ? ['INSUFFICIENT_SCOPE', 'FORBIDDEN'] : ['UNAUTHENTICATED'];
          expect(res.status, JSON.stringify(res)).toBe(user.token || !res.errors?.length ? 200 : 401);
          expect(res.errors?.filter((e) => !allowed.includes(String(e.extensions?.code))) ?? []).toEqual([]);
          const seen = EMPTY();
          collect(res.data, seen);
          if (user.narrow) {
            // A runner-only token reads one runner and what its REST answers show, nothing it leads to.
            expect(seen.beyondRunner, `${q.kind} with a narrow token: ${JSON.stringify(res.data)}`).toBe(0);
            expect(seen.runners.size).toBeLessThanOrEqual(1);
          }
          reads += seen.runners.size + seen.projects.size + seen.groups.size;
          expect(await unreadable(seen, user.reference), `${q.kind} ${JSON.stringify(variables)}`).toEqual([]);
          // A full page may have more after it; any shorter one is the whole list.
          for (const { count, nodes } of seen.counts) {
            if (nodes < PAGE) expect(count, `${q.kind} ${JSON.stringify(variables)}`).toBe(nodes);
            else expect(count).toBeGreaterThanOrEqual(nodes);
          }
        }
        for (const m of spec.mutations) {
          const user = at(world.users, m.user);
          if (!user.token) continue; // anonymous writes are refused before anything, and prove nothing here
          const before = await checksum(server.db);
          const res = await server.graphql(`mutation { ${mutationFor(world, m)} }`, {}, user.token);
          expect(res.status).toBe(200);
          if (refused(res)) {
            refusals += 1;
            expect(await checksum(server.db), `${m.kind}: ${JSON.stringify(res)}`).toEqual(before);
          }
          const runnerId = runnerGid(at(world.runners, m.runner).id);
          if (m.kind === 'run' && res.data?.jobTransition?.errors?.length === 0) {
            // A job goes only on a runner its user may read.
            expect(await unreadable({ ...EMPTY(), runners: new Set([runnerId]) }, user.reference), 'run').toEqual([]);
          }
          if (m.kind === 'assignThenDelete' && res.data?.runnerAssignToProject?.errors?.length === 0 && !user.admin) {
            // The delete decides on the state after the assignment: a runner of two projects is for admins to delete.
            expect(res.data?.second ?? null, JSON.stringify(res)).toBeNull();
            expect(await server.db.runner.findUnique({ where: { id: at(world.runners, m.runner).id } })).not.toBeNull();
          }
        }
      }),
      { seed: FUZZ_SEED, numRuns: WORLDS, path: FUZZ_PATH, endOnFailure: process.env.FUZZ_SHRINK !== '1' },
    );
    // The generated worlds must reach the interesting cases, or the property proves nothing.
    expect(reads).toBeGreaterThan(WORLDS * 5);
    expect(refusals).toBeGreaterThan(WORLDS);
  });
});

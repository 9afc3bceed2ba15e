import { prismaConnectionHelpers, queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import { resolveArrayConnection } from '@pothos/plugin-relay';
import type { Job, Prisma } from '../../db/generated/client.ts';
import type { JobStatus } from '../../db/generated/enums.ts';
import { isOnline, restRunnerStatus, runnerStatus } from '../../runners/status.ts';
import { builder, type PrismaRef } from '../builder.ts';
import type { Context } from '../context.ts';
import { runnerAllowed } from '../authorize.ts';
import { CiJobSort, CiJobStatus, CiRunnerAccessLevel, CiRunnerJobExecutionStatus, CiRunnerStatus, CiRunnerType } from './enums.ts';
import { CiJobConnection, JobRef, visibleJobsWhere } from './job.ts';
import { GroupConnection, GroupRef } from './group.ts';
import { ProjectConnection, ProjectRef } from './project.ts';
import { withOffset } from './runner-list.ts';
import { checkCountLimit, countLimit, countWithLimit, MAX_COUNT_LIMIT } from '../count-limit.ts';
import { UserCore } from './user.ts';
import { edgeUrl, ephemeralToken, registerUrl } from './runner-urls.ts';
import { isRunnerCreator, registrationAvailable } from '../../services/ephemeral-tokens.ts';
import { hasRunnerManager } from '../../services/runner-managers.ts';
import { runnerUrls } from '../../runners/urls.ts';
import { PROJECT_SORTS, projectOrder, projectSearchWhere } from '../../runners/projects.ts';

const CONNECTION_PATHS = [[{ name: 'nodes' }], [{ name: 'edges' }, { name: 'node' }]];

/**
 * Connection helpers plan the fields selected under `edges.node` only; a client reading `nodes` would get an
 * empty selection. This plans both, as Pothos's own relatedConnection does.
 */
export function bothConnectionPaths<F extends (selection?: never, path?: never) => unknown>(nestedSelection: F, type: string): F {
  // The runtime accepts an IndirectInclude (type + alternative paths) where the typed signature says PathSegment[].
  const include = { getType: () => type, paths: CONNECTION_PATHS } as never;
  return ((selection?: never) => nestedSelection(selection, include)) as F;
}

const runnerJobs = prismaConnectionHelpers(builder, 'Job', { cursor: 'id' });

/**
 * A forward page after a cursor, as an id bound (`id > cursor`) rather than Prisma's `cursor`: Prisma cannot load
 * relations by join under a nested `cursor`, so a page 10,000 jobs deep cost one statement per relation (eight)
 * where the first page costs one. The bound is the same index seek on (runnerId, id); backward pages keep `cursor`.
 */
function keysetAfter<Q extends { cursor?: { id?: number }; skip?: number; take?: number }>(query: Q, order: 'asc' | 'desc') {
  const { cursor, skip, ...rest } = query;
  const id = cursor?.id;
  if (id === undefined || skip !== 1 || (rest.take ?? 0) <= 0) return { query, after: null };
  const after: Prisma.JobWhereInput = { id: order === 'asc' ? { gt: id } : { lt: id } };
  return { query: { ...rest, skip: 0 }, after };
}

/**
 * An offset page of a runner's jobs: the page's ids first, on the (runnerId, id) index, then those jobs with what
 * the query selects of them. Loaded in one statement, PostgreSQL would build every skipped job's relations and
 * JSON before the offset dropped them (page 500 of a busy runner: seconds).
 */
async function offsetJobs(
  ctx: Context,
  info: GraphQLResolveInfo,
  runnerId: number,
  where: Prisma.JobWhereInput,
  order: 'asc' | 'desc',
  page: { skip?: number; take?: number },
): Promise<Job[]> {
  const filter = { AND: [{ runnerId }, where] };
  const ids = await ctx.db.job.findMany({ where: filter, orderBy: { id: order }, skip: page.skip, take: page.take, select: { id: true } });
  if (!ids.length) return [];
  // The selection under `nodes` and `edges.node`, as `bothConnectionPaths` plans it for a page loaded by `select`.
  const selection = queryFromInfo({ context: ctx, info, typeName: 'CiJob', paths: CONNECTION_PATHS as never });
  return ctx.db.job.findMany({ ...selection, where: { id: { in: ids.map((job) => job.id) } }, orderBy: { id: order } }) as Promise<Job[]>;
}

/**
 * Prisma refuses an empty `select` (a validation error, so a 500); a page whose nodes are not read at all
 * (`projects { pageInfo { … } }`, `edges { cursor }`) plans one for the related model, so read its id instead.
 */
function notEmpty<S>(selection: S): S {
  const select = (selection as { select?: object } | null)?.select;
  return select && Object.keys(select).length === 0 ? ({ select: { id: true } } as S) : selection;
}

/** The runner's jobs a page may show: those the viewer can see, and with `systemId` only that host's. */
function jobsWhere(
  ctx: Context,
  statuses: readonly JobStatus[] | null | undefined,
  systemId: string | null | undefined,
): Prisma.JobWhereInput {
  const visible = visibleJobsWhere(ctx, statuses);
  return systemId == null ? visible : { AND: [visible, { runnerManager: { systemXid: systemId } }] };
}

const runnerProjects = prismaConnectionHelpers(builder, 'RunnerProject', {
  cursor: 'id',
  select: (nodeSelection) => ({ project: notEmpty(nodeSelection(true)) }),
  resolveNode: (link) => link.project,
});

export const RunnerPermissions = builder.objectRef<{ id: number }>('RunnerPermissions').implement({
  description: 'What the current user may do with a runner.',
  fields: (t) => ({
    readRunner: t.boolean({ resolve: (r, _a, ctx) => runnerAllowed(ctx, r.id, (f) => ctx.policy.canRead(f)) }),
    updateRunner: t.boolean({ resolve: (r, _a, ctx) => runnerAllowed(ctx, r.id, (f) => ctx.policy.canUpdate(f)) }),
    deleteRunner: t.boolean({ resolve: (r, _a, ctx) => runnerAllowed(ctx, r.id, (f) => ctx.policy.canDelete(f)) }),
    assignRunner: t.boolean({
      resolve: async (r, _a, ctx) => {
        const facts = await ctx.runnerFacts.load(r.id);
        return facts !== null && ctx.policy.canAssign(facts);
      },
    }),
  }),
});

export const RunnerRef: PrismaRef<'Runner'> = builder.prismaObject('Runner', {
  name: 'CiRunner',
  fields: (t) => ({
    id: t.expose('id', { type: 'CiRunnerID' }),
    shortSha: t.exposeString('tokenPrefix', {
      description: "The start of the runner's token: enough to recognise it, never enough to use it.",
    }),
    description: t.exposeString('description', { nullable: true }),
    name: t.exposeString('name', { nullable: true, description: 'Name the runner registered with (its `info.name`).' }),
    runnerType: t.expose('runnerType', { type: CiRunnerType }),
    status: t.field({
      type: CiRunnerStatus,
      description: 'Derived from the last contact: online within 2 hours, stale after 7 days. Paused is separate.',
      resolve: (runner) => runnerStatus(runner),
    }),
    legacyStatus: t.string({
      description: "GitLab REST's `status`: like `status`, but `paused` for a paused runner that has contacted.",
      resolve: (runner) => restRunnerStatus(runner),
    }),
    online: t.boolean({
      nullable: true,
      description: 'Whether the runner contacted within 2 hours; null if it never contacted.',
      resolve: (runner) => isOnline(runner),
    }),
    paused: t.exposeBoolean('paused'),
    active: t.boolean({ deprecationReason: 'Use paused.', resolve: (runner) => !runner.paused }),
    locked: t.exposeBoolean('locked', { nullable: true }),
    runUntagged: t.exposeBoolean('runUntagged'),
    tagList: t.exposeStringList('tagList', { nullable: true }),
    accessLevel: t.expose('accessLevel', { type: CiRunnerAccessLevel }),
    maximumTimeout: t.exposeInt('maximumTimeout', { nullable: true }),
    maintenanceNote: t.string({
      nullable: true,
      description: 'Visible to those who may update the runner.',
      resolve: async (runner, _args, ctx) =>
        (await runnerAllowed(ctx, runner.id, (facts) => ctx.policy.canUpdate(facts))) ? runner.maintenanceNote : null,
    }),
    contactedAt: t.expose('contactedAt', { type: 'Time', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    tokenExpiresAt: t.expose('tokenExpiresAt', { type: 'Time', nullable: true }),
    ephemeralAuthenticationToken: t.string({
      nullable: true,
      description:
        'Ephemeral authentication token used for runner manager registration. Only available for the creator of ' +
        'the runner for a limited time during registration: an hour after creation, until the runner makes contact.',
      resolve: (runner, _args, ctx) => ephemeralToken(runner, ctx.viewer?.id),
    }),
    ephemeralRegisterUrl: t.string({
      nullable: true,
      description:
        'URL of the registration page of the runner manager. Only available for the creator of the runner for a ' +
        'limited time during registration.',
      resolve: async (runner, _args, ctx) => {
        if (!isRunnerCreator(ctx.viewer?.id, runner) || !registrationAvailable(runner)) return null;
        // GitLab's window also closes once a host has registered (a runner manager exists), though a `glrt-` runner's
        // verify leaves it uncontacted.
        if (await hasRunnerManager(ctx.db, runner.id)) return null;
        return registerUrl(ctx, runner);
      },
    }),
    adminUrl: t.string({
      nullable: true,
      description: 'Admin URL of the runner. Only available for administrators.',
      resolve: (runner, _args, ctx) => (ctx.access.isAdmin ? runnerUrls(ctx.settings.externalUrl, runner.id).admin : null),
    }),
    editAdminUrl: t.string({
      nullable: true,
      description: 'Admin form URL of the runner. Only available for administrators.',
      resolve: (runner, _args, ctx) => (ctx.access.isAdmin ? runnerUrls(ctx.settings.externalUrl, runner.id).editAdmin : null),
    }),
    createdBy: t.relation('creator', { type: UserCore, nullable: true }),
    jobCount: t.int({
      description: 'Number of jobs the runner ran that you can see.',
      resolve: (runner, _args, ctx) => ctx.jobCounts.load({ runnerId: runner.id, statuses: [] }),
    }),
    jobExecutionStatus: t.field({
      type: CiRunnerJobExecutionStatus,
      description: 'Whether the runner is running a job (of those you can see).',
      // Looked up inside the runner's own query (a lateral read of the (runnerId, status, id) index) rather than
      // by a statement of its own: one statement less for a runner, and for every page of runners. One running job
      // answers it; counting them all cost a busy runner's thousand index entries on every page that showed it.
      select: (_args, ctx) => ({ jobs: { where: visibleJobsWhere(ctx, ['running']), select: { id: true }, take: 1 } }),
      resolve: (runner) => (runner.jobs.length > 0 ? 'active' : 'idle'),
    }),
    userPermissions: t.field({ type: RunnerPermissions, resolve: (runner) => ({ id: runner.id }) }),
    jobs: t.connection(
      {
        type: JobRef,
        nullable: true,
        args: {
          statuses: t.arg({ type: [CiJobStatus], required: false }),
          systemId: t.arg.string({ description: 'Only jobs run by the runner manager (host) with this system ID.' }),
          sort: t.arg({ type: CiJobSort, defaultValue: 'id_desc' }),
          offset: t.arg.int({ description: "Skip this many jobs instead of paging by cursor (GitLab REST's `page`)." }),
        },
        description: 'Jobs the runner ran, newest first by default; outside admin, only of projects you are Reporter of.',
        select: ({ statuses, systemId, sort, offset, ...args }, ctx, nestedSelection) => {
          const query = runnerJobs.getQuery(args, ctx, bothConnectionPaths(nestedSelection, 'CiJob'));
          // An offset page is loaded by `resolve`, ids first (see offsetJobs).
          if (offset) return {};
          const order = sort === 'id_asc' ? ('asc' as const) : ('desc' as const);
          const { query: page, after } = keysetAfter(withOffset(query, offset, query.cursor !== undefined), order);
          const where = jobsWhere(ctx, statuses, systemId);
          return { jobs: { ...page, where: after ? { AND: [where, after] } : where, orderBy: { id: order } } };
        },
        resolve: async (runner, { statuses, systemId, sort, offset, ...args }, ctx, info) => {
          // Checked here rather than by a scope, so the refusal carries GitLab's reason ("No access granted").
          if (!ctx.access.isAdmin) {
            const facts = await ctx.runnerFacts.load(runner.id);
            if (!facts) return null;
            await ctx.policy.assertReadJobs(facts);
          }
          const jobs = offset
            ? await offsetJobs(ctx, info, runner.id, jobsWhere(ctx, statuses, systemId), sort === 'id_asc' ? 'asc' : 'desc', {
                ...withOffset(
                  runnerJobs.getQuery(args, ctx, () => ({})),
                  offset,
                  args.after != null || args.before != null,
                ),
              })
            : // The page was loaded by `select` above; Pothos cannot infer its type through the spread query.
              (runner as typeof runner & { jobs: Job[] }).jobs;
          return {
            ...runnerJobs.resolve(jobs, args, ctx),
            totalCount: () => {
              const limit = countLimit(ctx);
              return systemId == null && limit === undefined
                ? ctx.jobCounts.load({ runnerId: runner.id, statuses: statuses ?? [] })
                : ctx.db.job.count({
                    where: { AND: [{ runnerId: runner.id }, jobsWhere(ctx, statuses, systemId)] },
                    ...(limit === undefined ? {} : { take: limit + 1 }),
                  });
            },
          };
        },
      },
      CiJobConnection,
    ),
    projectCount: t.relationCount('runnerProjects'),
    projects: t.connection(
      {
        type: ProjectRef,
        nullable: true,
        description: 'Projects the runner is assigned to that you can see; oldest assignment first unless sorted.',
        args: {
          search: t.arg.string({ description: 'Search query, which can be for the project name, a path, or a description.' }),
          membership: t.arg.boolean({
            description: "Only projects you are a member of (as GitLab's `projects(membership:)`), not those you see by visibility.",
          }),
          sort: t.arg.string({
            description: `Sort order of results. Format: \`<field_name>_<sort_direction>\`, one of ${PROJECT_SORTS.join(', ')}.`,
          }),
        },
        select: ({ search, sort, membership, ...args }, ctx, nestedSelection) => {
          const order = projectOrder(sort);
          const readable = membership ? ctx.access.memberProjects() : ctx.access.readableProjects();
          return {
            runnerProjects: {
              ...runnerProjects.getQuery(args, ctx, bothConnectionPaths(nestedSelection, 'Project')),
              where: { project: { AND: [readable, projectSearchWhere(search)] } },
              // The assignment id breaks ties, so pages are stable when the sort column is not unique.
              orderBy: order ? [{ project: order }, { id: 'asc' as const }] : { id: 'asc' as const },
            },
          };
        },
        resolve: (runner, { search: _search, sort: _sort, membership: _membership, ...args }, ctx) =>
          runnerProjects.resolve(runner.runnerProjects, args, ctx),
      },
      ProjectConnection,
    ),
    ownerProject: t.field({
      type: ProjectRef,
      nullable: true,
      description: 'The project a project runner was registered in, if you can see it.',
      // Through the batched policy facts rather than a nested selection: `projects` selects the same relation
      // with other arguments, and Prisma batches the findUnique calls of one tick into one query.
      resolve: async (runner, _args, ctx) => {
        const owner = (await ctx.runnerFacts.load(runner.id))?.runnerProjects[0]?.project;
        if (!owner || !ctx.access.canReadProject(owner)) return null;
        return ctx.db.project.findUnique({ where: { id: owner.id } });
      },
    }),
    groups: t.connection(
      {
        type: GroupRef,
        nullable: true,
        description: "A group runner's group, if you can see it.",
        args: {
          membership: t.arg.boolean({ description: 'Only if you are a member of it, not if you see it by its visibility.' }),
        },
        // The whole row: a connection can be read through `nodes` or `edges.node`, and at most one group is loaded.
        select: { group: true },
        resolve: (runner, { membership, ...args }, ctx) => {
          const group = runner.group;
          const shown = group && (membership ? ctx.access.isMemberOfGroup(group) : ctx.access.canReadGroup(group));
          return resolveArrayConnection({ args }, shown ? [group] : []);
        },
      },
      GroupConnection,
    ),
  }),
});

export const CiRunnerConnection = builder.connectionObject(
  {
    type: RunnerRef,
    name: 'CiRunnerConnection',
    fields: (t) => ({
      count: t.int({
        description: 'Total count of runners that match the filters.',
        args: {
          limit: t.arg.int({
            description: `Count at most this many (1 to ${MAX_COUNT_LIMIT}); a larger count is answered as limit + 1, as GitLab's limited counts are. Default: exact.`,
          }),
        },
        extensions: { pothosPrismaTotalCount: true },
        resolve: (connection, { limit }, ctx) =>
          countWithLimit(
            ctx,
            checkCountLimit(limit),
            () => (connection as { totalCount?: () => number | Promise<number> }).totalCount?.() ?? 0,
          ),
      }),
    }),
  },
  {
    name: 'CiRunnerEdge',
    fields: (t) => ({
      webUrl: t.string({
        nullable: true,
        description:
          'Web URL of the runner. The value depends on where you put this field in the query: ' +
          "the group's runner page in a group's list, the project's in a project's list, null elsewhere.",
        resolve: (edge, _args, ctx) => edgeUrl(edge.node, ctx, 'web'),
      }),
      editUrl: t.string({
        nullable: true,
        description: 'Web URL of the runner edit page. The value depends on where you put this field in the query, as webUrl.',
        resolve: (edge, _args, ctx) => edgeUrl(edge.node, ctx, 'edit'),
      }),
    }),
  },
);

// The runner that ran a job, added to jobs here so that the job module need not import this one.
builder.prismaObjectField(JobRef, 'runner', (t) =>
  t.field({
    type: RunnerRef,
    nullable: true,
    description: 'The runner that ran the job, if you may see it.',
    select: (_args, _ctx, nestedSelection) => ({ runner: nestedSelection() }),
    resolve: async (job, _args, ctx) =>
      job.runner && (await runnerAllowed(ctx, job.runner.id, (facts) => ctx.policy.canRead(facts))) ? job.runner : null,
  }),
);

export type RunnerWhere = Prisma.RunnerWhereInput;

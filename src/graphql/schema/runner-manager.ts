import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import type { Prisma } from '../../db/generated/client.ts';
import { contactStatusWhere, runnerStatus } from '../../runners/status.ts';
import { builder } from '../builder.ts';
import { CiRunnerJobExecutionStatus, CiRunnerStatus } from './enums.ts';
import { visibleJobsWhere } from './job.ts';
import { bothConnectionPaths } from './runner-job-pages.ts';
import { RunnerRef } from './runner.ts';

// GitLab's CiRunnerManager (app/graphql/types/ci/runner_manager_type.rb): one host using a runner's token. It is
// reached only through a runner, so whoever may read the runner reads its managers.

export const RunnerManagerRef = builder.prismaObject('RunnerManager', {
  name: 'CiRunnerManager',
  description: "A host (gitlab-runner process) using a runner's token, told apart by its system ID.",
  fields: (t) => ({
    id: t.expose('id', { type: 'CiRunnerManagerID' }),
    systemId: t.exposeString('systemXid', { description: 'System ID the host sent; "<legacy>" for contacts without one.' }),
    status: t.field({
      type: CiRunnerStatus,
      description: "Derived from the host's last contact, as a runner's status.",
      resolve: (manager) => runnerStatus(manager),
    }),
    version: t.exposeString('version', { nullable: true }),
    revision: t.exposeString('revision', { nullable: true }),
    platformName: t.exposeString('platform', { nullable: true }),
    architectureName: t.exposeString('architecture', { nullable: true }),
    executorName: t.exposeString('executor', { nullable: true }),
    ipAddress: t.exposeString('ipAddress', { nullable: true }),
    contactedAt: t.expose('contactedAt', { type: 'Time', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    jobExecutionStatus: t.field({
      type: CiRunnerJobExecutionStatus,
      description: 'Whether the host is running a job (of those you can see).',
      select: (_args, ctx) => ({ _count: { select: { jobs: { where: visibleJobsWhere(ctx, ['running']) } } } }),
      resolve: (manager) => (manager._count.jobs > 0 ? 'active' : 'idle'),
    }),
    runner: t.relation('runner', { type: RunnerRef }),
  }),
});

const CiRunnerManagerConnection = builder.connectionObject(
  {
    type: RunnerManagerRef,
    name: 'CiRunnerManagerConnection',
    fields: (t) => ({
      count: t.int({
        description: "Total count of the runner's managers that match the filters.",
        extensions: { pothosPrismaTotalCount: true },
        resolve: (connection) => (connection as { totalCount?: () => number }).totalCount?.() ?? 0,
      }),
    }),
  },
  { name: 'CiRunnerManagerEdge' },
);

const runnerManagers = prismaConnectionHelpers(builder, 'RunnerManager', { cursor: 'id' });

function managersWhere(systemId: string | null | undefined, status: string | null | undefined): Prisma.RunnerManagerWhereInput {
  // ACTIVE and PAUSED are a runner's (deprecated) filters; a host has no such state, so they filter nothing.
  const byStatus =
    status === 'online' || status === 'offline' || status === 'stale' || status === 'never_contacted' ? contactStatusWhere(status) : {};
  return { ...(systemId != null ? { systemXid: systemId } : {}), ...byStatus };
}

/** The manager whose host facts a runner shows: the one contacted last (GitLab's `order_contacted_at_desc.first`). */
const LATEST_MANAGER = {
  managers: {
    orderBy: [{ contactedAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
    take: 1,
    select: { version: true, revision: true, platform: true, architecture: true, executor: true, ipAddress: true },
  },
} satisfies Prisma.RunnerSelect;

type LatestFacts = {
  managers: {
    version: string | null;
    revision: string | null;
    platform: string | null;
    architecture: string | null;
    executor: string | null;
    ipAddress: string | null;
  }[];
};

// GitLab deprecated these CiRunner fields in 16.2 and removed them in 17.0; they are kept here, answered from the
// last-contacted manager as GitLab's REST RunnerDetails still answers them, so older queries keep working.
const DEPRECATED = "Use the field of the runner's `managers` instead. Deprecated in GitLab 16.2.";

builder.prismaObjectFields(RunnerRef, (t) => {
  const fact = (key: keyof LatestFacts['managers'][number]) =>
    t.string({
      nullable: true,
      deprecationReason: DEPRECATED,
      select: LATEST_MANAGER,
      resolve: (runner) => (runner as unknown as LatestFacts).managers[0]?.[key] ?? null,
    });
  return {
    ipAddress: fact('ipAddress'),
    version: fact('version'),
    revision: fact('revision'),
    platformName: fact('platform'),
    architectureName: fact('architecture'),
    executorName: fact('executor'),
    managers: t.connection(
      {
        type: RunnerManagerRef,
        nullable: true,
        description: "The hosts using the runner's token, oldest first.",
        args: {
          systemId: t.arg.string({ description: 'Only the manager with this system ID.' }),
          status: t.arg({ type: CiRunnerStatus, description: 'Only managers with this status.' }),
        },
        // The page and its count come with the runner's own query (a lateral join and a lateral count).
        select: ({ systemId, status, ...args }, ctx, nestedSelection) => {
          const where = managersWhere(systemId, status);
          return {
            managers: {
              ...runnerManagers.getQuery(args, ctx, bothConnectionPaths(nestedSelection, 'CiRunnerManager')),
              where,
              orderBy: { id: 'asc' },
            },
            _count: { select: { managers: { where } } },
          };
        },
        resolve: (runner, { systemId: _systemId, status: _status, ...args }, ctx) => ({
          ...runnerManagers.resolve(runner.managers, args, ctx),
          totalCount: () => runner._count.managers,
        }),
      },
      CiRunnerManagerConnection,
    ),
  };
});

import type { Prisma } from '../../db/generated/client.ts';
import type { JobStatus } from '../../db/generated/enums.ts';
import { PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import { presentJobStatus } from '../../runners/job-status.ts';
import { canReadJob, canUpdateJob, visibleJobsFilter } from '../../runners/jobs.ts';
import { builder, type PrismaRef } from '../builder.ts';
import type { Context } from '../context.ts';
import { DetailedStatus } from './detailed-status.ts';
import { CiJobStatus } from './enums.ts';
import { ProjectRef } from './project.ts';
import { UserCore } from './user.ts';

export function visibleJobsWhere(ctx: Context, statuses?: readonly JobStatus[] | null): Prisma.JobWhereInput {
  return visibleJobsFilter(ctx.access, statuses);
}

export const CommitRef = builder.prismaObject('Commit', {
  name: 'Commit',
  fields: (t) => ({
    id: t.exposeString('sha', { description: 'SHA1 ID of the commit.' }),
    sha: t.exposeString('sha'),
    shortId: t.string({ resolve: (commit) => commit.sha.slice(0, 8) }),
    title: t.exposeString('title'),
    message: t.exposeString('message'),
    authorName: t.exposeString('authorName'),
    authorEmail: t.exposeString('authorEmail'),
    authoredDate: t.expose('authoredDate', { type: 'Time' }),
    committerName: t.exposeString('committerName'),
    committerEmail: t.exposeString('committerEmail'),
    committedDate: t.expose('committedDate', { type: 'Time' }),
    parentIds: t.exposeStringList('parentIds'),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    webUrl: t.string({
      select: { project: { select: { pathWithNamespace: true } } },
      resolve: (commit, _args, { settings }) => `${settings.externalUrl}/${commit.project.pathWithNamespace}/-/commit/${commit.sha}`,
    }),
  }),
});

export const PipelineRef = builder.prismaObject('Pipeline', {
  name: 'Pipeline',
  fields: (t) => ({
    id: t.expose('id', { type: 'CiPipelineID' }),
    iid: t.string({ resolve: (pipeline) => String(pipeline.iid) }),
    sha: t.string({ select: { commit: { select: { sha: true } } }, resolve: (pipeline) => pipeline.commit.sha }),
    ref: t.exposeString('ref'),
    tag: t.exposeBoolean('tag'),
    source: t.exposeString('source'),
    status: t.expose('status', { type: CiJobStatus }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    updatedAt: t.expose('updatedAt', { type: 'Time' }),
    commit: t.relation('commit'),
    user: t.relation('user', { type: UserCore, nullable: true }),
    project: t.relation('project', { type: ProjectRef }),
    webUrl: t.string({
      select: { project: { select: { pathWithNamespace: true } } },
      resolve: (pipeline, _args, { settings }) =>
        `${settings.externalUrl}/${pipeline.project.pathWithNamespace}/-/pipelines/${pipeline.id}`,
    }),
    jobs: t.relatedConnection('jobs', { cursor: 'id', query: { orderBy: { id: 'asc' } } }),
  }),
});

export const JobRef: PrismaRef<'Job'> = builder.prismaObject('Job', {
  name: 'CiJob',
  fields: (t) => ({
    id: t.expose('id', { type: 'JobID' }),
    name: t.exposeString('name'),
    stage: t.exposeString('stage'),
    status: t.expose('status', { type: CiJobStatus }),
    ref: t.exposeString('ref'),
    tag: t.exposeBoolean('tag'),
    coverage: t.exposeFloat('coverage', { nullable: true }),
    allowFailure: t.exposeBoolean('allowFailure'),
    failureReason: t.string({
      nullable: true,
      description: 'Why the job failed; only set on failed jobs.',
      resolve: (job) => (job.status === 'failed' ? (job.failureReason ?? 'unknown_failure') : null),
    }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    queuedAt: t.expose('queuedAt', { type: 'Time', nullable: true }),
    startedAt: t.expose('startedAt', { type: 'Time', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'Time', nullable: true }),
    erasedAt: t.field({ type: 'Time', nullable: true, resolve: () => null }),
    duration: t.float({
      nullable: true,
      description: 'Seconds the job ran (so far, if it is running).',
      resolve: (job) => (job.startedAt ? ((job.finishedAt ?? new Date()).getTime() - job.startedAt.getTime()) / 1000 : null),
    }),
    queuedDuration: t.float({
      nullable: true,
      description: 'Seconds the job waited for a runner.',
      resolve: (job) => {
        const queued = job.queuedAt ?? job.createdAt;
        const until = job.startedAt ?? (job.status === 'pending' ? new Date() : null);
        return until ? (until.getTime() - queued.getTime()) / 1000 : null;
      },
    }),
    webUrl: t.string({
      select: { project: { select: { pathWithNamespace: true } } },
      resolve: (job, _args, { settings }) => `${settings.externalUrl}/${job.project.pathWithNamespace}/-/jobs/${job.id}`,
    }),
    detailedStatus: t.field({
      type: DetailedStatus,
      nullable: true,
      description: 'How the status is shown, and the action (run, retry, cancel) the current user may take.',
      select: { project: { select: { ...PROJECT_FACTS_SELECT, pathWithNamespace: true } } },
      resolve: (job, _args, ctx) => ({
        presentation: presentJobStatus(job, {
          canRead: canReadJob(ctx.access, job.project),
          canUpdate: canUpdateJob(ctx.access, job.project),
        }),
        jobId: job.id,
        projectPath: `/${job.project.pathWithNamespace}`,
      }),
    }),
    shortSha: t.string({
      description: 'Short SHA1 ID of the commit.',
      select: { pipeline: { select: { commit: { select: { sha: true } } } } },
      resolve: (job) => job.pipeline.commit.sha.slice(0, 8),
    }),
    commitPath: t.string({
      nullable: true,
      description: 'Path to the commit that triggered the job.',
      select: { project: { select: { pathWithNamespace: true } }, pipeline: { select: { commit: { select: { sha: true } } } } },
      resolve: (job) => `/${job.project.pathWithNamespace}/-/commit/${job.pipeline.commit.sha}`,
    }),
    tags: t.exposeStringList('tagList', { nullable: true, description: 'Tags for the current job: a runner must carry all of them.' }),
    user: t.relation('user', { type: UserCore, nullable: true }),
    pipeline: t.relation('pipeline'),
    commit: t.field({
      type: CommitRef,
      select: (_args, _ctx, nestedSelection) => ({ pipeline: { select: { commit: nestedSelection() } } }),
      resolve: (job) => job.pipeline.commit,
    }),
    project: t.relation('project', { type: ProjectRef }),
  }),
});

export const CiJobConnection = builder.connectionObject(
  {
    type: JobRef,
    name: 'CiJobConnection',
    fields: (t) => ({
      count: t.int({
        description: 'Total count of jobs that match the filters.',
        resolve: (connection) => (connection as { totalCount?: () => number | Promise<number> }).totalCount?.() ?? 0,
      }),
    }),
  },
  { name: 'CiJobEdge' },
);

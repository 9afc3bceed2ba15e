import { AccessLevel } from '../../auth/access-level.ts';
import { PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import { canReadJob, canUpdateJob } from '../../runners/jobs.ts';
import { createPipeline, transitionJob } from '../../services/pipelines.ts';
import { builder, WRITE } from '../builder.ts';
import { forbidden, notFound } from '../../errors.ts';
import { JobRef, PipelineRef } from './job.ts';
import { withErrorFields, withErrors } from './payload.ts';
import { ProjectRef } from './project.ts';

// Pipelines and the life of their jobs: how CI data comes to exist for runners to have run.

export const CiJobEvent = builder.enumType('CiJobEvent', {
  description: "An event of GitLab's job state machine.",
  values: {
    ENQUEUE: { value: 'enqueue' as const, description: 'CREATED or MANUAL to PENDING: the job waits for a runner.' },
    RUN: { value: 'run' as const, description: 'PENDING to RUNNING, on the runner given as `runnerId`.' },
    SUCCEED: { value: 'succeed' as const, description: 'RUNNING to SUCCESS.' },
    FAIL: { value: 'fail' as const, description: 'RUNNING to FAILED, for `failureReason` (default script_failure).' },
    CANCEL: { value: 'cancel' as const, description: 'CREATED, PENDING or RUNNING to CANCELED.' },
    SKIP: { value: 'skip' as const, description: 'CREATED to SKIPPED.' },
  },
});

const PipelineCommitInput = builder.inputType('PipelineCreateCommitInput', {
  description: 'The commit a pipeline runs for; recorded once per project and SHA.',
  fields: (t) => ({
    title: t.string({ required: true }),
    message: t.string({ description: 'Default: the title.' }),
    authorName: t.string({ required: true }),
    authorEmail: t.string({ required: true }),
    authoredDate: t.field({ type: 'Time', description: 'Default: now.' }),
    parentIds: t.stringList({ description: 'SHAs of the parent commits.' }),
  }),
});

const PipelineJobInput = builder.inputType('PipelineCreateJobInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique in the pipeline.' }),
    stage: t.string({ required: true }),
    allowFailure: t.boolean({ description: "Whether the job's failure leaves the pipeline green. Default false." }),
    tags: t.stringList({ description: 'Only a runner carrying all of these tags may run the job. Default none.' }),
  }),
});

export const PipelineConnection = builder.connectionObject(
  {
    type: PipelineRef,
    name: 'PipelineConnection',
    fields: (t) => ({
      count: t.int({
        description: 'Total count of pipelines.',
        extensions: { pothosPrismaTotalCount: true },
        resolve: (connection) => (connection as { totalCount?: () => number | Promise<number> }).totalCount?.() ?? 0,
      }),
    }),
  },
  { name: 'PipelineEdge' },
);

builder.prismaObjectField(ProjectRef, 'pipelines', (t) =>
  t.prismaConnection(
    {
      type: 'Pipeline',
      cursor: 'id',
      nullable: true,
      description: "The project's pipelines, newest first. Reporters and up may list them, as they may its jobs.",
      authScopes: (project, _args, ctx) => ctx.access.isAdmin || ctx.access.projectLevel(project) >= AccessLevel.REPORTER,
      totalCount: (project, _args, ctx) => ctx.db.pipeline.count({ where: { projectId: project.id } }),
      resolve: (query, project, _args, ctx) =>
        ctx.db.pipeline.findMany({ ...query, where: { projectId: project.id }, orderBy: { id: 'desc' } }),
    },
    PipelineConnection,
  ),
);

withErrorFields(
  builder.relayMutationField(
    'pipelineCreate',
    {
      description: 'Creates a pipeline for a commit, with its jobs, all CREATED. Developers and up of the project.',
      inputFields: (t) => ({
        projectId: t.field({ type: 'ProjectID', required: true }),
        ref: t.string({ required: true, description: 'Branch or tag name.' }),
        tag: t.boolean({ description: 'Whether `ref` is a tag. Default false.' }),
        sha: t.string({ required: true, description: 'The commit SHA, 40 hexadecimal characters.' }),
        commit: t.field({ type: PipelineCommitInput, required: true }),
        jobs: t.field({ type: [PipelineJobInput], required: true, description: 'At least one.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const project = await ctx.db.project.findUnique({ where: { id: input.projectId }, select: PROJECT_FACTS_SELECT });
        if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
        if (!ctx.access.isAdmin && ctx.access.projectLevel(project) < AccessLevel.DEVELOPER) throw forbidden();
        return withErrors(async () => ({ pipeline: await createPipeline(ctx.db, { ...input, userId: ctx.viewer?.id }) }));
      },
    },
    {
      name: 'PipelineCreatePayload',
      outputFields: (t) => ({
        pipeline: t.field({ type: PipelineRef, nullable: true, resolve: (payload) => payload.pipeline ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'jobTransition',
    {
      description:
        "Moves a job through GitLab's state machine and recomputes its pipeline's status. Developers and up of the " +
        "project. An event the job's status does not allow is a CONFLICT.",
      inputFields: (t) => ({
        id: t.field({ type: 'JobID', required: true }),
        event: t.field({ type: CiJobEvent, required: true }),
        runnerId: t.field({ type: 'CiRunnerID', description: 'RUN only: a runner the project may use, not paused.' }),
        systemId: t.string({
          description:
            'RUN only: the system ID of the runner host (manager) taking the job, as gitlab-runner sends it; "<legacy>" when omitted.',
        }),
        failureReason: t.string({ description: 'FAIL only: a GitLab failure reason, such as runner_system_failure.' }),
        coverage: t.float({ description: 'SUCCEED or FAIL only: test coverage, in percent.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const job = await ctx.db.job.findUnique({ where: { id: input.id }, select: { project: { select: PROJECT_FACTS_SELECT } } });
        // Jobs are for Reporters and up; to anyone less, one is as good as absent.
        if (!job || !canReadJob(ctx.access, job.project)) throw notFound('Job');
        if (!canUpdateJob(ctx.access, job.project)) throw forbidden();
        const { id: jobId, ...transition } = input;
        // A job goes only on a runner the caller may read: any other is answered as one that does not exist.
        const runnersAllowed = input.runnerId != null ? await ctx.policy.readableWhere() : undefined;
        return withErrors(async () => ({ job: await transitionJob(ctx.db, { jobId, ...transition, runnersAllowed }) }));
      },
    },
    {
      name: 'JobTransitionPayload',
      outputFields: (t) => ({
        job: t.field({ type: JobRef, nullable: true, resolve: (payload) => payload.job ?? null }),
      }),
    },
  ),
);

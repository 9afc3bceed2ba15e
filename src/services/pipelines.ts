import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { JobStatus } from '../db/generated/enums.ts';
import { badInput, conflict, notFound } from '../errors.ts';
import { projectRunnersWhere } from '../runners/scopes.ts';
import { recordHostContact } from './runner-managers.ts';
import { AttributeChecks, EMAIL_FORMAT } from './validation.ts';

type Tx = Prisma.TransactionClient;

export interface NewPipeline {
  projectId: number;
  ref: string;
  tag?: boolean | null;
  sha: string;
  /** Who created it; its jobs are theirs too. */
  userId?: number | null;
  commit: {
    title: string;
    message?: string | null;
    authorName: string;
    authorEmail: string;
    authoredDate?: Date | null;
    parentIds?: readonly string[] | null;
  };
  jobs: readonly { name: string; stage: string; allowFailure?: boolean | null; tags?: readonly string[] | null }[];
}

const SHA = /^[0-9a-f]{40}$/;
const MAX_TEXT = 255;
const MAX_TITLE = 1024;

/** The rules of `git check-ref-format` that matter for a branch or tag name. */
function isValidRef(ref: string): boolean {
  return (
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git refuses control characters in refs, so this must match them
    !/[\s~^:?*[\\\x00-\x1f\x7f]/.test(ref) &&
    !ref.includes('..') &&
    !ref.includes('@{') &&
    !ref.includes('//') &&
    !ref.startsWith('/') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.') &&
    !ref.endsWith('.lock') &&
    ref !== '@'
  );
}

function checkPipeline(input: NewPipeline): void {
  const checks = new AttributeChecks().present('ref', input.ref, MAX_TEXT);
  if (!checks.has('ref')) checks.format('ref', isValidRef(input.ref));
  checks.format('sha', SHA.test(input.sha.toLowerCase()), 'is not a 40-character commit SHA');
  const { commit } = input;
  checks
    .present('commit_title', commit.title, MAX_TITLE)
    .present('commit_author_name', commit.authorName, MAX_TEXT)
    .present('commit_author_email', commit.authorEmail, MAX_TEXT)
    .length('commit_message', commit.message, Number.POSITIVE_INFINITY);
  if (!checks.has('commit_author_email')) checks.format('commit_author_email', EMAIL_FORMAT.test(commit.authorEmail));
  if (commit.parentIds?.some((sha) => !SHA.test(sha.toLowerCase()))) {
    checks.add('commit_parent_ids', 'must all be 40-character commit SHAs');
  }
  // GitLab refuses a pipeline with nothing to run.
  if (!input.jobs.length) checks.add('base', 'No stages / jobs for this pipeline.');
  const names = new Set<string>();
  for (const job of input.jobs) {
    checks.present('job_name', job.name, MAX_TEXT).present('job_stage', job.stage, MAX_TEXT);
    // Job names are the keys of .gitlab-ci.yml, so one pipeline cannot have two of the same name.
    if (names.has(job.name)) checks.add('job_name', `"${job.name}" is used by more than one job`);
    names.add(job.name);
    for (const tag of job.tags ?? []) checks.present('job_tags', tag.trim(), MAX_TEXT);
  }
  checks.verify();
}

/**
 * Creates a pipeline for a commit, with its jobs all `created`. The commit is recorded once per project and
 * SHA (a later pipeline for the same SHA reuses it), and `iid` counts the project's pipelines from 1.
 */
export async function createPipeline(db: Db, input: NewPipeline) {
  checkPipeline(input);
  const { projectId, commit } = input;
  const sha = input.sha.toLowerCase();
  const tag = input.tag ?? false;
  const userId = input.userId ?? null;
  return db.$transaction(async (tx) => {
    // One pipeline at a time per project, as GitLab's InternalId lock: two concurrent creations would
    // otherwise both read the same highest iid (and race to insert the same commit).
    await tx.$queryRaw`SELECT id FROM "Project" WHERE id = ${projectId} FOR UPDATE`;
    const authoredDate = commit.authoredDate ?? new Date();
    const { id: commitId } = await tx.commit.upsert({
      where: { projectId_sha: { projectId, sha } },
      // A SHA names its content: a commit already recorded stays as it is.
      update: {},
      create: {
        projectId,
        sha,
        title: commit.title,
        message: commit.message ?? commit.title,
        authorName: commit.authorName,
        authorEmail: commit.authorEmail,
        authoredDate,
        committerName: commit.authorName,
        committerEmail: commit.authorEmail,
        committedDate: authoredDate,
        parentIds: (commit.parentIds ?? []).map((parent) => parent.toLowerCase()),
      },
      select: { id: true },
    });
    const { _max } = await tx.pipeline.aggregate({ where: { projectId }, _max: { iid: true } });
    const pipeline = await tx.pipeline.create({
      data: { iid: (_max.iid ?? 0) + 1, projectId, commitId, userId, ref: input.ref, tag, status: 'created' },
    });
    await tx.job.createMany({
      data: input.jobs.map((job) => ({
        name: job.name,
        stage: job.stage,
        allowFailure: job.allowFailure ?? false,
        tagList: [...new Set((job.tags ?? []).map((tag) => tag.trim()))],
        status: 'created' as const,
        ref: input.ref,
        tag,
        pipelineId: pipeline.id,
        projectId,
        userId,
      })),
    });
    return pipeline;
  });
}

export type JobEvent = 'enqueue' | 'run' | 'succeed' | 'fail' | 'cancel' | 'skip';

/** GitLab's CommitStatus state machine, for the events this API drives. */
const TRANSITIONS: Record<JobEvent, { from: readonly JobStatus[]; to: JobStatus }> = {
  enqueue: { from: ['created', 'manual'], to: 'pending' },
  run: { from: ['pending'], to: 'running' },
  succeed: { from: ['running'], to: 'success' },
  fail: { from: ['running'], to: 'failed' },
  cancel: { from: ['created', 'pending', 'running'], to: 'canceled' },
  skip: { from: ['created'], to: 'skipped' },
};

const FINISHED: readonly JobStatus[] = ['success', 'failed', 'canceled', 'skipped'];

/** GitLab's failure reasons of a build (CommitStatus#failure_reason), less those of bridges and deployments. */
export const FAILURE_REASONS: readonly string[] = [
  'unknown_failure',
  'script_failure',
  'api_failure',
  'stuck_or_timeout_failure',
  'runner_system_failure',
  'missing_dependency_failure',
  'runner_unsupported',
  'stale_schedule',
  'job_execution_timeout',
  'archived_failure',
  'unmet_prerequisites',
  'scheduler_failure',
  'data_integrity_failure',
  'user_blocked',
  'project_deleted',
  'ci_quota_exceeded',
  'no_matching_runner',
  'trace_size_exceeded',
  'builds_disabled',
  'ip_restriction_failure',
];

export interface JobTransition {
  jobId: number;
  event: JobEvent;
  /** RUN only: the runner that picks the job up. */
  runnerId?: number | null;
  /** RUN only: the runners the caller may put a job on (those they may read); a runner outside it is as absent. */
  runnersAllowed?: Prisma.RunnerWhereInput;
  /** RUN only: the system_id of the runner's host (manager) that picks it up; GitLab's "<legacy>" when absent. */
  systemId?: string | null;
  /** FAIL only; default `script_failure`. */
  failureReason?: string | null;
  /** SUCCEED or FAIL only: percent, 0 to 100. */
  coverage?: number | null;
}

/** Arguments that make no sense for the event are refused rather than silently ignored. */
function checkTransitionArguments(input: JobTransition): void {
  if (input.runnerId != null && input.event !== 'run') throw badInput('runnerId is only for the RUN event', 'runnerId');
  if (input.event === 'run' && input.runnerId == null) throw badInput('runnerId is required to run a job', 'runnerId');
  if (input.systemId != null && input.event !== 'run') throw badInput('systemId is only for the RUN event', 'systemId');
  if (input.failureReason != null) {
    if (input.event !== 'fail') throw badInput('failureReason is only for the FAIL event', 'failureReason');
    if (!FAILURE_REASONS.includes(input.failureReason)) {
      throw badInput(`failureReason must be one of ${FAILURE_REASONS.join(', ')}`, 'failureReason');
    }
  }
  if (input.coverage != null) {
    if (input.event !== 'succeed' && input.event !== 'fail') {
      throw badInput('coverage is only for the SUCCEED and FAIL events', 'coverage');
    }
    if (input.coverage < 0 || input.coverage > 100) throw badInput('coverage must be between 0 and 100', 'coverage');
  }
}

/**
 * The runner a job is about to run on: one the project may use (its own, its groups', the instance's), not
 * paused, and matching the job's tags as GitLab matches them: carrying every tag of the job, and willing to run
 * untagged jobs if the job has none. Taking a job is contact of the runner and of the host asking (GitLab's job
 * request: `authenticate_runner!`, then the build records its manager).
 */
async function claimRunner(
  tx: Tx,
  runnerId: number,
  job: { tagList: string[]; project: { id: number; sharedRunnersEnabled: boolean; groupRunnersEnabled: boolean; traversalIds: number[] } },
  allowed: Prisma.RunnerWhereInput,
  systemId: string | null | undefined,
  now: Date,
): Promise<{ runnerId: number; runnerManagerId: number }> {
  const runner = await tx.runner.findFirst({
    where: { AND: [{ id: runnerId }, projectRunnersWhere(job.project), allowed] },
    select: { id: true, paused: true, runUntagged: true, tagList: true },
  });
  if (!runner) throw badInput('The runner does not exist or is not available to the project', 'runnerId');
  if (runner.paused) throw conflict('Cannot run a job on a paused runner');
  if (!job.tagList.length && !runner.runUntagged) throw conflict('Cannot run an untagged job on a runner that only runs tagged jobs');
  const missing = job.tagList.filter((tag) => !runner.tagList.includes(tag));
  if (missing.length) throw conflict(`Cannot run the job on a runner without its tags: ${missing.join(', ')}`);
  const manager = await recordHostContact(tx, runner.id, { systemId, updateContactedAt: true, at: now });
  return { runnerId: runner.id, runnerManagerId: manager.id };
}

/**
 * A pipeline's status from its jobs (GitLab's composite status, simplified). Failed jobs that are allowed to
 * fail are left out, as GitLab ignores them: a pipeline whose only failures are allowed succeeds.
 */
export function compositeStatus(jobs: readonly { status: JobStatus; allowFailure: boolean }[]): JobStatus {
  if (!jobs.length) return 'created';
  const statuses = jobs.filter((job) => !(job.status === 'failed' && job.allowFailure)).map((job) => job.status);
  if (statuses.includes('running')) return 'running';
  if (statuses.includes('pending')) return 'pending';
  if (statuses.every((status) => status === 'success' || status === 'skipped')) return 'success';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('canceled')) return 'canceled';
  return 'created';
}

async function refreshPipelineStatus(tx: Tx, pipelineId: number): Promise<void> {
  const groups = await tx.job.groupBy({ by: ['status', 'allowFailure'], where: { pipelineId } });
  await tx.pipeline.update({ where: { id: pipelineId }, data: { status: compositeStatus(groups) } });
}

/**
 * Moves a job through GitLab's state machine and recomputes its pipeline's status. An event the job's
 * status does not allow is a CONFLICT ("Cannot run a job that is success").
 */
export async function transitionJob(db: Db, input: JobTransition, now = new Date()) {
  checkTransitionArguments(input);
  const rule = TRANSITIONS[input.event];
  return db.$transaction(async (tx) => {
    const found = await tx.job.findUnique({ where: { id: input.jobId }, select: { pipelineId: true } });
    if (!found) throw notFound('Job');
    // Transitions of one pipeline's jobs take turns, so each recomputed status sees the others' changes.
    await tx.$queryRaw`SELECT id FROM "Pipeline" WHERE id = ${found.pipelineId} FOR UPDATE`;
    const job = await tx.job.findUniqueOrThrow({
      where: { id: input.jobId },
      select: {
        status: true,
        tagList: true,
        project: { select: { id: true, sharedRunnersEnabled: true, groupRunnersEnabled: true, traversalIds: true } },
      },
    });
    if (!rule.from.includes(job.status)) throw conflict(`Cannot ${input.event} a job that is ${job.status}`);
    const data: Prisma.JobUncheckedUpdateInput = { status: rule.to };
    if (input.event === 'enqueue') data.queuedAt = now;
    if (input.event === 'run' && input.runnerId != null) {
      Object.assign(data, await claimRunner(tx, input.runnerId, job, input.runnersAllowed ?? {}, input.systemId, now));
      data.startedAt = now;
    }
    if (input.event === 'fail') data.failureReason = input.failureReason ?? 'script_failure';
    if (FINISHED.includes(rule.to)) data.finishedAt = now;
    if (input.coverage != null) data.coverage = input.coverage;
    const updated = await tx.job.update({ where: { id: input.jobId }, data });
    await refreshPipelineStatus(tx, found.pipelineId);
    return updated;
  });
}

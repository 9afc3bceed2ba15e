import type { Faker } from '@faker-js/faker';
import type { JobStatus } from '../../db/generated/enums.ts';
import { ONLINE_CONTACT_TIMEOUT_MS } from '../../runners/status.ts';
import type { DemoRunner } from './runners.ts';
import { type JobRow, MINUTE, type PipelineRow, type ProjectState, SECOND } from './rows.ts';
import { FAILURE_REASONS, type JobTemplate } from './vocabulary.ts';

// How one pipeline's jobs went: queued stage by stage, taken by a runner that could have run them then, and ended
// as the pipeline's outcome says.

/**
 * A runner that could have run a job from `start` to `end` (null: still running): registered by then, and
 * in contact since (an online runner is in contact right now). Running jobs need an online, active runner.
 */
function pickRunner(faker: Faker, state: ProjectState, start: number, end: number | null, now: number): DemoRunner | null {
  const candidates = state.runners.filter((runner) => {
    if (!runner.contactedAt || runner.createdAt.getTime() > start) return false;
    const online = runner.contactedAt.getTime() > now - ONLINE_CONTACT_TIMEOUT_MS + 5 * MINUTE;
    if (end === null) return online && !runner.paused;
    return online || runner.contactedAt.getTime() >= end;
  });
  return candidates.length ? faker.helpers.arrayElement(candidates) : null;
}

/** GitLab's composite status of a pipeline from its jobs. */
export function pipelineStatus(statuses: readonly JobStatus[], allowedFailures: readonly boolean[]): JobStatus {
  if (statuses.includes('running')) return 'running';
  if (statuses.includes('pending')) return 'pending';
  if (statuses.every((status) => status === 'created')) return 'created';
  // Between stages: one finished, the next not yet queued.
  if (statuses.includes('created')) return 'running';
  if (statuses.some((status, index) => status === 'failed' && !allowedFailures[index])) return 'failed';
  if (statuses.includes('canceled')) return 'canceled';
  if (statuses.every((status) => status === 'skipped')) return 'skipped';
  if (statuses.every((status) => status === 'manual' || status === 'skipped')) return 'manual';
  return 'success';
}

/**
 * A job whose stage has started by now: it waits for a runner, then runs for its usual time and ends as the
 * pipeline's outcome says, unless the pipeline was canceled first or no runner was there to take it.
 */
function runQueuedJob(
  faker: Faker,
  state: ProjectState,
  row: JobRow,
  job: JobTemplate,
  { queued, fails, cancelAt, now }: { queued: number; fails: boolean; cancelAt: number; now: number },
): void {
  row.queuedAt = new Date(queued);
  const waited = faker.datatype.boolean({ probability: 0.9 })
    ? faker.number.int({ min: 1, max: 45 })
    : faker.number.int({ min: 60, max: 600 });
  const started = queued + waited * SECOND;
  const duration = faker.number.int({ min: job.duration[0], max: job.duration[1] }) * SECOND;
  const finished = started + (fails ? Math.round(duration * faker.number.float({ min: 0.2, max: 1 })) : duration);
  if (cancelAt <= now && cancelAt < started) {
    Object.assign(row, { status: 'canceled', finishedAt: new Date(cancelAt) });
    return;
  }
  const runner = started <= now ? pickRunner(faker, state, started, finished > now ? null : finished, now) : null;
  if (!runner) {
    // Nobody took it (yet): it waits in the queue, and in an old pipeline it would have timed out long ago.
    row.status = 'pending';
    if (queued < now - 60 * MINUTE)
      Object.assign(row, { status: 'failed', failureReason: 'stuck_or_timeout_failure', finishedAt: new Date(queued + 60 * MINUTE) });
    return;
  }
  row.runnerId = runner.id;
  // The job asked for the runner's first tag, so the runner that took it carries every tag of the job.
  row.tagList = runner.tagList.slice(0, 1);
  row.runnerManagerId = runner.managerId;
  row.startedAt = new Date(started);
  if (cancelAt <= now && cancelAt < finished) Object.assign(row, { status: 'canceled', finishedAt: new Date(cancelAt) });
  else if (finished > now) row.status = 'running';
  else if (fails || (job.allowFailure && faker.datatype.boolean({ probability: 0.15 }))) {
    Object.assign(row, {
      status: 'failed',
      finishedAt: new Date(finished),
      failureReason: faker.helpers.weightedArrayElement(FAILURE_REASONS),
    });
  } else {
    Object.assign(row, { status: 'success', finishedAt: new Date(finished) });
    if (job.coverage) row.coverage = faker.number.float({ min: 55, max: 97, fractionDigits: 2 });
  }
}

/** Runs one pipeline of `template` from `created`, as far as it got by `now`, and returns its jobs. */
export function simulate(
  faker: Faker,
  state: ProjectState,
  template: readonly JobTemplate[],
  pipeline: PipelineRow,
  index: number,
  now: number,
): JobRow[] {
  const created = pipeline.createdAt.getTime();
  const outcome = faker.helpers.weightedArrayElement([
    { value: 'success' as const, weight: 80 },
    { value: 'failed' as const, weight: 14 },
    { value: 'canceled' as const, weight: 6 },
  ]);
  const breakable = template.flatMap((job, position) => (job.manual || job.allowFailure ? [] : [position]));
  const failing = outcome === 'failed' && breakable.length ? faker.helpers.arrayElement(breakable) : -1;
  const expected = template.reduce((sum, job) => sum + job.duration[1] * SECOND, 0);
  const cancelAt = outcome === 'canceled' ? created + faker.number.int({ min: 10 * SECOND, max: expected }) : Number.POSITIVE_INFINITY;
  const playsManual = pipeline.ref === 'main' || pipeline.tag;

  const jobs: JobRow[] = [];
  const stages = [...new Set(template.map((job) => job.stage))];
  let stageStart = created + faker.number.int({ min: 2, max: 20 }) * SECOND;
  let halted = false;
  for (const stage of stages) {
    let stageEnd = stageStart;
    for (const [position, job] of template.entries()) {
      if (job.stage !== stage) continue;
      const row: JobRow = {
        pipeline: index,
        name: job.name,
        stage,
        status: 'created',
        ref: pipeline.ref,
        tag: pipeline.tag,
        coverage: null,
        allowFailure: Boolean(job.allowFailure || job.manual),
        tagList: [],
        failureReason: null,
        projectId: pipeline.projectId,
        runnerId: null,
        runnerManagerId: null,
        userId: pipeline.userId,
        createdAt: pipeline.createdAt,
        queuedAt: null,
        startedAt: null,
        finishedAt: null,
      };
      jobs.push(row);
      const queued = stageStart;
      if (halted) row.status = 'skipped';
      else if (job.manual && !(playsManual && faker.datatype.boolean({ probability: 0.5 }))) row.status = 'manual';
      else if (queued >= cancelAt && cancelAt <= now) row.status = 'canceled';
      else if (queued > now) row.status = 'created';
      else runQueuedJob(faker, state, row, job, { queued, fails: position === failing, cancelAt, now });
      stageEnd = Math.max(
        stageEnd,
        row.finishedAt?.getTime() ?? (row.status === 'running' || row.status === 'pending' ? Number.POSITIVE_INFINITY : stageEnd),
      );
      if (row.status === 'failed' && !row.allowFailure) halted = true;
    }
    stageStart = stageEnd + faker.number.int({ min: 1, max: 10 }) * SECOND;
  }
  return jobs;
}

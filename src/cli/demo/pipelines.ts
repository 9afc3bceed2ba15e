import type { Faker } from '@faker-js/faker';
import type { JobStatus } from '../../db/generated/enums.ts';
import { ONLINE_CONTACT_TIMEOUT_MS } from '../../runners/status.ts';
import type { DemoPeople, DemoProject, DemoUser } from './people.ts';
import type { DemoRunner } from './runners.ts';
import { FAILURE_REASONS, type JobTemplate, PIPELINE_TEMPLATES } from './vocabulary.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
/** How far back the demo's CI history goes. */
const HISTORY_MS = 30 * DAY;

export interface CommitRow {
  projectId: number;
  sha: string;
  title: string;
  message: string;
  authorName: string;
  authorEmail: string;
  authoredDate: Date;
  committerName: string;
  committerEmail: string;
  committedDate: Date;
  parentIds: string[];
  createdAt: Date;
}

/** A pipeline before it has an id; its commit is named by sha, as it has no id yet either. */
export interface PipelineRow {
  projectId: number;
  iid: number;
  sha: string;
  userId: number | null;
  ref: string;
  tag: boolean;
  source: string;
  status: JobStatus;
  createdAt: Date;
}

export interface JobRow {
  /** Index of the job's pipeline in the plan's `pipelines`. */
  pipeline: number;
  name: string;
  stage: string;
  status: JobStatus;
  ref: string;
  tag: boolean;
  coverage: number | null;
  allowFailure: boolean;
  tagList: string[];
  failureReason: string | null;
  projectId: number;
  runnerId: number | null;
  runnerManagerId: number | null;
  userId: number | null;
  createdAt: Date;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ActivityPlan {
  commits: CommitRow[];
  pipelines: PipelineRow[];
  jobs: JobRow[];
}

interface ProjectState {
  readonly project: DemoProject;
  readonly template: readonly JobTemplate[];
  /** Its runners, each as often as it should be picked: own runners first, shared ones least. */
  readonly runners: readonly DemoRunner[];
  iid: number;
  head: CommitRow | null;
  release: [number, number, number];
}

function runnersOf(project: DemoProject, runners: readonly DemoRunner[]): DemoRunner[] {
  return runners.flatMap((runner) => {
    if (runner.runnerType === 'project_type') return runner.projectIds.includes(project.id) ? [runner, runner, runner] : [];
    if (runner.runnerType === 'group_type')
      return runner.groupId !== null && project.traversalIds.includes(runner.groupId) ? [runner, runner] : [];
    return [runner];
  });
}

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
function pipelineStatus(statuses: readonly JobStatus[], allowedFailures: readonly boolean[]): JobStatus {
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

function refFor(faker: Faker, state: ProjectState): { ref: string; tag: boolean; source: string } {
  const kind = faker.helpers.weightedArrayElement([
    { value: 'main' as const, weight: 55 },
    { value: 'branch' as const, weight: 41 },
    { value: 'tag' as const, weight: 4 },
  ]);
  if (kind === 'tag') {
    const [major, minor, patch] = state.release;
    state.release = faker.datatype.boolean({ probability: 0.2 }) ? [major, minor + 1, 0] : [major, minor, patch + 1];
    return { ref: `v${state.release.join('.')}`, tag: true, source: 'push' };
  }
  if (kind === 'main') {
    return {
      ref: 'main',
      tag: false,
      source: faker.helpers.weightedArrayElement([
        { value: 'push', weight: 85 },
        { value: 'schedule', weight: 10 },
        { value: 'web', weight: 5 },
      ]),
    };
  }
  const prefix = faker.helpers.arrayElement(['feature', 'feature', 'fix', 'chore', 'refactor']);
  return {
    ref: `${prefix}/${faker.git.branch()}`,
    tag: false,
    source: faker.datatype.boolean({ probability: 0.6 }) ? 'merge_request_event' : 'push',
  };
}

function commitFor(faker: Faker, state: ProjectState, author: DemoUser, at: number): CommitRow {
  const authoredDate = new Date(at - faker.number.int({ min: 2 * MINUTE, max: 3 * 60 * MINUTE }));
  const subject = faker.git.commitMessage();
  const title = subject.charAt(0).toUpperCase() + subject.slice(1);
  const commit: CommitRow = {
    projectId: state.project.id,
    sha: faker.git.commitSha(),
    title,
    message: `${title}\n\n${faker.lorem.sentences({ min: 1, max: 3 })}`,
    authorName: author.name,
    authorEmail: author.email,
    authoredDate,
    committerName: author.name,
    committerEmail: author.email,
    committedDate: new Date(Math.min(at - SECOND, authoredDate.getTime() + faker.number.int({ min: 0, max: 30 * MINUTE }))),
    parentIds: state.head ? [state.head.sha] : [],
    createdAt: new Date(at),
  };
  state.head = commit;
  return commit;
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
function simulate(
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

/**
 * A month of CI history with exactly `jobCount` jobs: pipelines spread over the projects (some busier than
 * others) and over time, the newest still running, each on a commit of its project and its jobs on runners
 * that could have taken them then.
 */
export function planActivity(
  faker: Faker,
  people: DemoPeople,
  runners: readonly DemoRunner[],
  jobCount: number,
  now: number,
): ActivityPlan {
  const states = people.projects.map<ProjectState>((project) => ({
    project,
    template: faker.helpers.arrayElement(PIPELINE_TEMPLATES),
    runners: runnersOf(project, runners),
    iid: 0,
    head: null,
    release: [1, faker.number.int(9), 0],
  }));
  const weighted = states.map((state) => ({ value: state, weight: faker.number.int({ min: 1, max: 10 }) }));

  const order: { state: ProjectState; size: number }[] = [];
  for (let planned = 0; planned < jobCount && weighted.length; ) {
    const state = faker.helpers.weightedArrayElement(weighted);
    const size = Math.min(state.template.length, jobCount - planned);
    order.push({ state, size });
    planned += size;
  }
  // Most pipelines spread over the month; a few in the last 40 minutes, so some are still running.
  const recent = Math.min(order.length, Math.max(3, Math.round(order.length * 0.02)));
  const times = order
    .map((_, position) =>
      position < recent
        ? now - faker.number.int({ min: MINUTE, max: 40 * MINUTE })
        : now - faker.number.int({ min: 40 * MINUTE, max: HISTORY_MS }),
    )
    .sort((a, b) => a - b);

  const plan: ActivityPlan = { commits: [], pipelines: [], jobs: [] };
  for (const [position, { state, size }] of order.entries()) {
    const at = times[position] ?? now;
    const author = faker.helpers.arrayElement(state.project.contributors);
    const { ref, tag, source } = refFor(faker, state);
    const rerun = state.head !== null && faker.datatype.boolean({ probability: 0.12 });
    const commit = rerun && state.head ? state.head : commitFor(faker, state, author, at);
    if (!rerun) plan.commits.push(commit);
    state.iid += 1;
    const pipeline: PipelineRow = {
      projectId: state.project.id,
      iid: state.iid,
      sha: commit.sha,
      userId: author.id,
      ref,
      tag,
      source,
      status: 'created',
      createdAt: new Date(at),
    };
    const jobs = simulate(faker, state, state.template.slice(0, size), pipeline, plan.pipelines.length, now);
    pipeline.status = pipelineStatus(
      jobs.map((job) => job.status),
      jobs.map((job) => job.allowFailure),
    );
    plan.pipelines.push(pipeline);
    plan.jobs.push(...jobs);
  }
  return plan;
}

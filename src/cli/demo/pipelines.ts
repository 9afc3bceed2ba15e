import type { Faker } from '@faker-js/faker';
import type { DemoPeople, DemoProject, DemoUser } from './people.ts';
import type { DemoRunner } from './runners.ts';
import { pipelineStatus, simulate } from './jobs.ts';
import { type ActivityPlan, type CommitRow, HISTORY_MS, MINUTE, type PipelineRow, type ProjectState, SECOND } from './rows.ts';
import { PIPELINE_TEMPLATES } from './vocabulary.ts';

function runnersOf(project: DemoProject, runners: readonly DemoRunner[]): DemoRunner[] {
  return runners.flatMap((runner) => {
    if (runner.runnerType === 'project_type') return runner.projectIds.includes(project.id) ? [runner, runner, runner] : [];
    if (runner.runnerType === 'group_type')
      return runner.groupId !== null && project.traversalIds.includes(runner.groupId) ? [runner, runner] : [];
    return [runner];
  });
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

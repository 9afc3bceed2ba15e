import { base, en, Faker } from '@faker-js/faker';
import { type Command, InvalidArgumentError } from 'commander';
import type { Db } from '../../db/client.ts';
import type { JobStatus } from '../../db/generated/enums.ts';
import { runnerStatus } from '../../runners/status.ts';
import type { CliContext } from '../context.ts';
import { CliError, describeError } from '../output.ts';
import { createProgress } from '../progress.ts';
import { insertActivity } from './insert.ts';
import { createPeople, type DemoPeople, type Ledger } from './people.ts';
import { planActivity } from './pipelines.ts';
import type { ActivityPlan } from './rows.ts';
import { createRunners, type DemoRunner } from './runners.ts';
import { DEMO_ADMIN } from './vocabulary.ts';

export interface DemoOptions {
  readonly runners: number;
  readonly jobs: number;
  readonly seed: number;
}

export interface DemoResult {
  readonly people: DemoPeople;
  readonly runners: readonly DemoRunner[];
  readonly activity: ActivityPlan;
}

/** Takes back a failed run's rows; deleting the top-level groups cascades to everything beneath them. */
async function undo(db: Db, ledger: Ledger): Promise<void> {
  await db.runner.deleteMany({ where: { id: { in: ledger.runnerIds } } });
  await db.group.deleteMany({ where: { id: { in: ledger.rootGroupIds } } });
  await db.user.deleteMany({ where: { id: { in: ledger.userIds } } });
}

/**
 * Loads the demo data set. Values are derived from `seed` alone (times relative to now), so two runs with the
 * same seed on empty databases produce the same instance; tokens stay random, as secrets must.
 */
export async function loadDemo(ctx: CliContext, options: DemoOptions): Promise<DemoResult> {
  const { db, output } = ctx;
  const existing = await db.user.findFirst({
    where: { username: { equals: DEMO_ADMIN.username, mode: 'insensitive' } },
    select: { id: true },
  });
  if (existing) {
    throw new CliError(
      `the demo data set is already loaded in this database (user ${DEMO_ADMIN.username} exists); ` +
        'load it into an empty database instead, e.g. with another DATA_DIR or DATABASE_URL',
    );
  }
  const faker = new Faker({ locale: [en, base] });
  faker.seed(options.seed);
  const now = Date.now();
  const progress = createProgress(output);
  const ledger: Ledger = { userIds: [], rootGroupIds: [], runnerIds: [] };
  try {
    const people = await createPeople(db, faker, progress, ledger);
    const runners = await createRunners(db, faker, people, options.runners, now, progress, ledger);
    const activity = planActivity(faker, people, runners, options.jobs, now);
    await insertActivity(db, activity, progress);
    return { people, runners, activity };
  } catch (error) {
    const cleaned = await undo(db, ledger).then(
      () => 'what it had created was removed',
      (cleanupError: unknown) => `removing what it had created failed too (${describeError(cleanupError)})`,
    );
    throw new CliError(`loading the demo data set failed: ${describeError(error)}; ${cleaned}`);
  }
}

/** "3 online, 1 offline" in the order of `labels`, leaving out what does not occur; [singular, plural] labels agree with their count. */
function tally<T extends string>(values: readonly T[], labels: Record<T, string | readonly [string, string]>): string {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return (Object.keys(labels) as T[])
    .flatMap((key) => {
      const count = counts.get(key);
      if (!count) return [];
      const label = labels[key];
      return [`${count} ${typeof label === 'string' ? label : label[count === 1 ? 0 : 1]}`];
    })
    .join(', ');
}

const ROLE_LABELS = {
  maintainer: ['maintainer', 'maintainers'],
  developer: ['developer', 'developers'],
  reporter: ['reporter', 'reporters'],
} as const;
const TYPE_LABELS = { instance_type: 'instance', group_type: 'group', project_type: 'project' } as const;
const STATUS_LABELS = { online: 'online', offline: 'offline', stale: 'stale', never_contacted: 'never contacted' } as const;
const JOB_LABELS: Record<JobStatus, string> = {
  success: 'success',
  failed: 'failed',
  canceled: 'canceled',
  skipped: 'skipped',
  manual: 'manual',
  running: 'running',
  pending: 'pending',
  created: 'created',
};

export function summarize({ people, runners, activity }: DemoResult, seed: number, externalUrl: string): string {
  const now = Date.now();
  const roles = people.users.flatMap((user) => (user.role === 'admin' ? [] : [user.role]));
  // A runner's jobs are listed for one runner per request (see README, Limits); a page of runners lists their projects.
  const query =
    '{ runners(first: 5, status: ONLINE) { count nodes { id description runnerType tagList version jobCount projects(first: 3) { nodes { fullPath } } } } }';
  const token = people.adminToken;
  return [
    `Demo data set loaded (seed ${seed}):`,
    `  users      ${people.users.length}: ${DEMO_ADMIN.username} (administrator), ${tally(roles, ROLE_LABELS)}`,
    `  groups     ${people.groups.length}, ${people.groups.filter((group) => group.traversalIds.length === 1).length} of them top-level`,
    `  projects   ${people.projects.length}`,
    `  runners    ${runners.length}: ${tally(
      runners.map((runner) => runner.runnerType),
      TYPE_LABELS,
    )}`,
    `             ${tally(
      runners.map((runner) => runnerStatus(runner, now)),
      STATUS_LABELS,
    )}; ` + `${runners.filter((runner) => runner.paused).length} paused, ${runners.filter((runner) => runner.locked).length} locked`,
    `  commits    ${activity.commits.length}`,
    `  pipelines  ${activity.pipelines.length}`,
    `  jobs       ${activity.jobs.length}${
      activity.jobs.length
        ? `: ${tally(
            activity.jobs.map((job) => job.status),
            JOB_LABELS,
          )}`
        : ''
    }`,
    '',
    `Token of ${DEMO_ADMIN.username} (all scopes; shown only this once):`,
    `  ${token}`,
    '',
    `Start the server (npm start) and open ${externalUrl}/graphql with the request header`,
    `  Authorization: Bearer ${token}`,
    'then try:',
    `  ${query}`,
    'or from a shell:',
    `  curl -s ${externalUrl}/graphql -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\`,
    `    --data '${JSON.stringify({ query })}'`,
  ].join('\n');
}

function count(label: string, min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
      throw new InvalidArgumentError(`${label} must be a whole number of at least ${min}.`);
    }
    return number;
  };
}

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('Load a realistic demo data set (users, groups, projects, runners, pipelines, jobs) into an empty database')
    .option('--runners <count>', 'number of runners', count('--runners', 1), 50)
    .option('--jobs <count>', 'number of jobs', count('--jobs', 0), 10_000)
    .option('--seed <number>', 'seed of the generator: the same seed gives the same data set', count('--seed', 0), 1)
    .action(async (options: DemoOptions) => {
      const result = await loadDemo(ctx, options);
      ctx.output.out(summarize(result, options.seed, ctx.externalUrl));
    });
}

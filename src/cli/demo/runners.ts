import type { Faker } from '@faker-js/faker';
import type { Db } from '../../db/client.ts';
import type { RunnerType } from '../../db/generated/enums.ts';
import { type RunnerStatus, STALE_TIMEOUT_MS } from '../../runners/status.ts';
import { SYSTEM_ACTOR } from '../../services/runner-audit.ts';
import { createRunner } from '../../services/runners.ts';
import type { Progress } from '../progress.ts';
import type { DemoGroup, DemoPeople, Ledger } from './people.ts';
import { MAINTENANCE_NOTES, type Platform, PLATFORMS, RUNNER_VERSIONS } from './vocabulary.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface DemoRunner {
  readonly id: number;
  readonly runnerType: RunnerType;
  readonly groupId: number | null;
  readonly projectIds: readonly number[];
  readonly createdAt: Date;
  readonly contactedAt: Date | null;
  readonly paused: boolean;
  readonly locked: boolean;
  readonly tagList: readonly string[];
  /** The host that ran its jobs: a runner in contact has one manager, created when it registered. */
  readonly managerId: number | null;
}

const TYPES: readonly RunnerType[] = ['instance_type', 'group_type', 'project_type'];
const STATUSES: readonly RunnerStatus[] = ['online', 'offline', 'stale', 'never_contacted'];

/**
 * Which type and status each runner gets: the first twelve cover every combination (so even a small demo
 * shows them all), the rest follow a fleet's usual mix (mostly project runners, mostly online).
 */
function planKinds(faker: Faker, count: number): { type: RunnerType; status: RunnerStatus }[] {
  const kinds: { type: RunnerType; status: RunnerStatus }[] = [];
  for (let index = 0; index < count; index += 1) {
    if (index < TYPES.length * STATUSES.length) {
      kinds.push({ type: TYPES[index % TYPES.length] ?? 'instance_type', status: STATUSES[Math.floor(index / TYPES.length)] ?? 'online' });
      continue;
    }
    kinds.push({
      type: faker.helpers.weightedArrayElement([
        { value: 'instance_type' as const, weight: 2 },
        { value: 'group_type' as const, weight: 3 },
        { value: 'project_type' as const, weight: 5 },
      ]),
      status: faker.helpers.weightedArrayElement([
        { value: 'online' as const, weight: 50 },
        { value: 'offline' as const, weight: 20 },
        { value: 'stale' as const, weight: 15 },
        { value: 'never_contacted' as const, weight: 15 },
      ]),
    });
  }
  return kinds;
}

/** Times that give the runner `status` now, by the rules of src/runners/status.ts, with margins so a slow test stays true. */
function timesFor(faker: Faker, status: RunnerStatus, now: number): { createdAt: Date; contactedAt: Date | null } {
  const ago = (min: number, max: number) => new Date(now - faker.number.int({ min, max }));
  switch (status) {
    case 'online': {
      const createdAt = ago(1 * DAY, 400 * DAY);
      return { createdAt, contactedAt: ago(5_000, 110 * MINUTE) };
    }
    case 'offline':
      return { createdAt: ago(8 * DAY, 400 * DAY), contactedAt: ago(3 * HOUR, 6 * DAY) };
    case 'stale': {
      const createdAt = ago(8 * DAY + 10 * MINUTE, 400 * DAY);
      // Either it went quiet more than a week ago, or it was registered and never started.
      const quiet = faker.datatype.boolean({ probability: 0.7 });
      const lastContact = faker.number.int({ min: createdAt.getTime() + HOUR, max: now - STALE_TIMEOUT_MS - HOUR });
      return { createdAt, contactedAt: quiet ? new Date(lastContact) : null };
    }
    case 'never_contacted':
      return { createdAt: ago(10 * MINUTE, 6 * DAY), contactedAt: null };
  }
}

function hostFor(faker: Faker, platform: Platform) {
  const { executors, architectures, tag } = PLATFORMS[platform];
  const executor = faker.helpers.arrayElement(executors);
  const architecture = faker.helpers.arrayElement(architectures);
  const tags = new Set<string>([tag]);
  if (executor.startsWith('docker')) tags.add('docker');
  if (executor === 'kubernetes') tags.add('k8s');
  if (architecture === 'arm64') tags.add('arm64');
  if (platform === 'linux' && faker.datatype.boolean({ probability: 0.12 })) tags.add('gpu');
  if (platform === 'darwin' && faker.datatype.boolean({ probability: 0.6 })) tags.add('xcode');
  if (faker.datatype.boolean({ probability: 0.15 })) tags.add('large');
  const hostname =
    platform === 'windows'
      ? `WIN-${faker.string.alphanumeric({ length: 7, casing: 'upper' })}`
      : platform === 'darwin'
        ? `mac-mini-${faker.number.int({ min: 1, max: 40 }).toString().padStart(2, '0')}`
        : `ip-10-${faker.number.int(255)}-${faker.number.int(255)}-${faker.number.int(255)}.ec2.internal`;
  return { executor, architecture, tags: [...tags], hostname };
}

function describeRunner(type: RunnerType, executor: string, platform: Platform, owner: string, serial: number): string {
  const number = serial.toString().padStart(2, '0');
  if (type === 'instance_type') return `shared-${PLATFORMS[platform].tag}-${executor}-${number}`;
  return `${owner}-${executor}-${number}`;
}

/** Picks the runner's projects: the owner project first, then up to two more, preferably of the same top-level group. */
function projectsFor(faker: Faker, people: DemoPeople): number[] {
  const first = faker.helpers.arrayElement(people.projects);
  const siblings = people.projects.filter(
    (project) => project.id !== first.id && project.traversalIds[0] === first.traversalIds[0] && project.groupId,
  );
  const more = faker.helpers.arrayElements(siblings, { min: 0, max: Math.min(2, siblings.length) });
  return [first.id, ...more.map((project) => project.id)];
}

/**
 * Creates `count` runners through the runner service (so they pass its validation and get real tokens), then
 * backdates them to their planned status. Runners are created in the order of their creation time, so ids
 * grow with age as on a real instance.
 */
export async function createRunners(
  db: Db,
  faker: Faker,
  people: DemoPeople,
  count: number,
  now: number,
  progress: Progress,
  ledger: Ledger,
): Promise<DemoRunner[]> {
  const creators = [people.admin, ...people.users.filter((user) => user.role === 'maintainer')];
  const serials = new Map<string, number>();
  const plans = planKinds(faker, count).map(({ type, status }) => {
    const platform = faker.helpers.weightedArrayElement<Platform>([
      { value: 'linux', weight: 14 },
      { value: 'windows', weight: 3 },
      { value: 'darwin', weight: 3 },
    ]);
    const host = hostFor(faker, platform);
    const group: DemoGroup | null = type === 'group_type' ? faker.helpers.arrayElement(people.groups) : null;
    const projectIds = type === 'project_type' ? projectsFor(faker, people) : [];
    const owner = group?.path ?? people.projects.find((project) => project.id === projectIds[0])?.path ?? 'shared';
    const key = `${type}:${owner}:${host.executor}:${platform}`;
    serials.set(key, (serials.get(key) ?? 0) + 1);
    const times = timesFor(faker, status, now);
    const untagged = faker.datatype.boolean({ probability: 0.12 });
    const byUser = faker.datatype.boolean({ probability: 0.6 });
    return {
      type,
      group,
      projectIds,
      times,
      description: describeRunner(type, host.executor, platform, owner, serials.get(key) ?? 1),
      name: status === 'never_contacted' ? null : host.hostname,
      tagList: untagged ? [] : host.tags,
      runUntagged: untagged || faker.datatype.boolean({ probability: 0.6 }),
      paused: faker.datatype.boolean({ probability: 0.15 }),
      locked: type === 'project_type' && faker.datatype.boolean({ probability: 0.4 }),
      accessLevel: faker.datatype.boolean({ probability: 0.15 }) ? ('ref_protected' as const) : ('not_protected' as const),
      maximumTimeout: faker.datatype.boolean({ probability: 0.25 }) ? faker.helpers.arrayElement([3600, 7200, 10800]) : null,
      maintenanceNote: faker.datatype.boolean({ probability: 0.1 }) ? faker.helpers.arrayElement(MAINTENANCE_NOTES) : null,
      registrationType: byUser ? ('authenticated_user' as const) : ('registration_token' as const),
      creatorId: byUser ? faker.helpers.arrayElement(creators).id : null,
      // A runner that never contacted us never told us what it runs on.
      host: times.contactedAt
        ? {
            version: faker.helpers.weightedArrayElement(RUNNER_VERSIONS.map(({ version, weight }) => ({ value: version, weight }))),
            revision: faker.git.commitSha({ length: 8 }),
            platform,
            architecture: host.architecture,
            executor: host.executor,
            ipAddress: faker.internet.ipv4({ network: 'private-a' }),
          }
        : undefined,
    };
  });
  plans.sort((a, b) => a.times.createdAt.getTime() - b.times.createdAt.getTime());

  const phase = progress('runners', plans.length);
  const runners: DemoRunner[] = [];
  for (const plan of plans) {
    const [ownerProject, ...otherProjects] = plan.projectIds;
    const { runner } = await createRunner(
      db,
      {
        runnerType: plan.type,
        groupId: plan.group?.id ?? null,
        projectId: ownerProject ?? null,
        creatorId: plan.creatorId,
        registrationType: plan.registrationType,
        name: plan.name,
        description: plan.description,
        tagList: plan.tagList,
        runUntagged: plan.runUntagged,
        paused: plan.paused,
        locked: plan.locked,
        accessLevel: plan.accessLevel,
        maximumTimeout: plan.maximumTimeout,
        maintenanceNote: plan.maintenanceNote,
      },
      SYSTEM_ACTOR,
    );
    ledger.runnerIds.push(runner.id);
    if (otherProjects.length)
      await db.runnerProject.createMany({ data: otherProjects.map((projectId) => ({ runnerId: runner.id, projectId })) });
    // Demo tokens are never shown, so no sealed copy is kept for a creator to read back.
    await db.runner.update({
      where: { id: runner.id },
      data: { createdAt: plan.times.createdAt, contactedAt: plan.times.contactedAt, ephemeralTokenCiphertext: null },
    });
    // gitlab-runner's system IDs: "s_" and 12 hex digits, from the host's machine ID.
    const manager = plan.host
      ? await db.runnerManager.create({
          data: {
            runnerId: runner.id,
            systemXid: `s_${faker.string.hexadecimal({ length: 12, casing: 'lower', prefix: '' })}`,
            ...plan.host,
            createdAt: plan.times.createdAt,
            contactedAt: plan.times.contactedAt,
          },
        })
      : null;
    runners.push({
      id: runner.id,
      runnerType: plan.type,
      groupId: plan.group?.id ?? null,
      projectIds: plan.projectIds,
      createdAt: plan.times.createdAt,
      contactedAt: plan.times.contactedAt,
      paused: plan.paused,
      locked: plan.locked,
      tagList: plan.tagList,
      managerId: manager?.id ?? null,
    });
    phase.advance(1);
  }
  phase.done();
  return runners;
}

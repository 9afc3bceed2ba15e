import type { Access } from '../auth/access.ts';
import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';

/**
 * A set of runners, stated once with two faces: `scopeWhere` (one `where`, for checking a runner or two: a job's
 * runner, a live event) and `scopeListWhere` (for lists and counts over the whole fleet).
 *
 * Runners reached through a membership table (project runners through their projects, group runners through their
 * group) cannot be found by an index on the runners alone: inside an `OR`, PostgreSQL tests them row by row and
 * reads every runner (with 100,000 runners, 40–300 ms for a few hundred). For lists they are therefore looked up
 * first, each through its own index (GitLab's `UNION` of runner_namespaces and runner_projects), and the list then
 * takes them by id, beside the arms an index on the runners finds directly (a type, a group id).
 */
export interface RunnerScope {
  /** Arms an index on the runners finds by itself. */
  readonly direct: readonly Prisma.RunnerWhereInput[];
  /** Project runners assigned to any of these projects. */
  readonly viaProjects?: Prisma.ProjectWhereInput;
  /** Group runners of any of these groups. */
  readonly viaGroups?: Prisma.GroupWhereInput;
}

const viaProjectsWhere = (projects: Prisma.ProjectWhereInput): Prisma.RunnerWhereInput => ({
  runnerType: 'project_type',
  runnerProjects: { some: { project: projects } },
});

const viaGroupsWhere = (groups: Prisma.GroupWhereInput): Prisma.RunnerWhereInput => ({ runnerType: 'group_type', group: groups });

/** The scope as one `where`. */
export function scopeWhere(scope: RunnerScope): Prisma.RunnerWhereInput {
  const or = [...scope.direct];
  if (scope.viaProjects) or.push(viaProjectsWhere(scope.viaProjects));
  if (scope.viaGroups) or.push(viaGroupsWhere(scope.viaGroups));
  return { OR: or };
}

/**
 * At most this many ids are named in a statement for one arm: past it (a Maintainer of a tree with tens of thousands
 * of project runners) the arm stays a sub-query, which PostgreSQL reads once into a hash, rather than a parameter
 * list that large (PostgreSQL takes at most 65,535 parameters per statement).
 */
const MAX_IDS = 5_000;

/**
 * The runners reached through memberships, each kind looked up once per request however many lists and counts (and
 * the read rule, itself a scope) ask for it: a list's scope and the read rule often name the same projects.
 */
export interface MembershipLookups {
  /** Project runners linked to any of these projects; null when more than MAX_IDS. */
  projects(where: Prisma.ProjectWhereInput): Promise<number[] | null>;
  /** Group runners of any of these groups; null when more than MAX_IDS. */
  groups(where: Prisma.GroupWhereInput): Promise<number[] | null>;
}

export function membershipLookups(db: Db): MembershipLookups {
  const found = new Map<string, Promise<number[] | null>>();
  const once = (key: string, look: () => Promise<number[]>) => {
    const ids = found.get(key) ?? look().then((ids) => (ids.length > MAX_IDS ? null : ids));
    found.set(key, ids);
    return ids;
  };
  return {
    // By their links alone (RunnerProject by project), grouped so the statement names no column but runnerId: an
    // index-only scan of (projectId, runnerId). The list checks their type on the rows it reads anyway.
    projects: (where) =>
      once(`projects ${JSON.stringify(where)}`, async () => {
        const links = await db.runnerProject.groupBy({
          by: ['runnerId'],
          where: { project: where },
          orderBy: { runnerId: 'asc' },
          take: MAX_IDS + 1,
        });
        return links.map((link) => link.runnerId);
      }),
    groups: (where) =>
      once(`groups ${JSON.stringify(where)}`, async () => {
        const runners = await db.runner.findMany({ where: viaGroupsWhere(where), select: { id: true }, take: MAX_IDS + 1 });
        return runners.map((runner) => runner.id);
      }),
  };
}

/**
 * The scope for a list: the runners reached through memberships are looked up first (see MembershipLookups), then
 * named by id beside the direct arms, which PostgreSQL can then combine as index scans (BitmapOr) instead of
 * testing an `EXISTS` on every runner.
 */
export async function scopeListWhere(lookup: MembershipLookups, scope: RunnerScope): Promise<Prisma.RunnerWhereInput> {
  return anyOf(await listArms(lookup, scope));
}

/**
 * The scope for a count, a `where` for each runner type in it (null if an arm spans types), so that each is counted
 * on its own index: a project's runners are its instance's 10,000, its groups' and its own, and counted in one
 * statement to REST's limit PostgreSQL gathered all three arms into a bitmap and sorted them (100,000 runners:
 * 9–17 ms), where the instance's alone are an index-only walk of (runnerType, id) that stops at the limit (1 ms).
 * The types are disjoint, so the counts add up.
 */
export async function scopeListWhereByType(
  lookup: MembershipLookups,
  scope: RunnerScope,
): Promise<Map<string, Prisma.RunnerWhereInput> | null> {
  const byType = new Map<string, Prisma.RunnerWhereInput[]>();
  for (const arm of await listArms(lookup, scope)) {
    if (typeof arm.runnerType !== 'string') return null;
    byType.set(arm.runnerType, [...(byType.get(arm.runnerType) ?? []), arm]);
  }
  return new Map([...byType].map(([type, arms]) => [type, anyOf(arms)]));
}

/**
 * Whether the scope takes a runner type whole (the instance's runners, say): only then does counting it type by type
 * pay. Runners named by id (a group Owner's few hundred) are better gathered in one bitmap, in one statement: split,
 * each type's count tested the read rule's id lists again (an Owner's runner count at 100,000 runners: 7–12 → 15 ms).
 */
export function takesWholeType(scope: RunnerScope): boolean {
  return scope.direct.some((arm) => Object.keys(arm).length === 1 && typeof arm.runnerType === 'string');
}

async function listArms(lookup: MembershipLookups, scope: RunnerScope): Promise<Prisma.RunnerWhereInput[]> {
  const [byProject, byGroup] = await Promise.all([
    scope.viaProjects ? lookup.projects(scope.viaProjects) : [],
    scope.viaGroups ? lookup.groups(scope.viaGroups) : [],
  ]);
  const arms = [...scope.direct];
  if (byProject === null && scope.viaProjects) arms.push(viaProjectsWhere(scope.viaProjects));
  else if (byProject?.length) arms.push({ runnerType: 'project_type', id: { in: byProject } });
  if (byGroup === null && scope.viaGroups) arms.push(viaGroupsWhere(scope.viaGroups));
  else if (byGroup?.length) arms.push({ runnerType: 'group_type', id: { in: byGroup } });
  return arms;
}

function anyOf(arms: readonly Prisma.RunnerWhereInput[]): Prisma.RunnerWhereInput {
  if (!arms.length) return { id: { in: [] } };
  return arms.length === 1 ? (arms[0] ?? {}) : { OR: [...arms] };
}

/** The runners a project can use: its own, its groups' (up the tree) and the instance's, as each is enabled. */
export function projectRunnersScope(project: {
  id: number;
  sharedRunnersEnabled: boolean;
  groupRunnersEnabled: boolean;
  traversalIds: number[];
}): RunnerScope {
  const direct: Prisma.RunnerWhereInput[] = [];
  if (project.groupRunnersEnabled && project.traversalIds.length) {
    direct.push({ runnerType: 'group_type', groupId: { in: project.traversalIds } });
  }
  if (project.sharedRunnersEnabled) direct.push({ runnerType: 'instance_type' });
  return { direct, viaProjects: { id: project.id } };
}

export type GroupMembership = 'direct' | 'descendants' | 'all_available';

/**
 * A group's runners, by GitLab's membership filter: its own (direct); those of its subgroups and their projects
 * too (descendants); or all available (GitLab's `usable_from_scope`): its ancestors' group runners, the
 * descendants set, and the instance's runners if the group enables them. Who may see which of them is the read
 * rule's business, applied to every runner list.
 */
export function groupRunnersScope(
  group: { id: number; traversalIds: number[]; sharedRunnersEnabled: boolean },
  membership: GroupMembership,
): RunnerScope {
  const below = { traversalIds: { has: group.id } };
  switch (membership) {
    case 'direct':
      return { direct: [{ runnerType: 'group_type', groupId: group.id }] };
    case 'descendants':
      return { direct: [], viaGroups: below, viaProjects: below };
    case 'all_available': {
      const direct: Prisma.RunnerWhereInput[] = [
        { runnerType: 'group_type', groupId: { in: group.traversalIds.filter((id) => id !== group.id) } },
      ];
      if (group.sharedRunnersEnabled) direct.push({ runnerType: 'instance_type' });
      return { direct, viaGroups: below, viaProjects: below };
    }
  }
}

/**
 * The runners a user administers (GitLab's ci_available_runners, the REST `GET /runners` list): project
 * runners of projects they maintain, and group runners of groups they own and those groups' subgroups.
 * Instance runners are never in it, not even for admins.
 */
export function ownedRunnersScope(access: Access): RunnerScope {
  return {
    direct: [],
    viaProjects: access.projectsAdministeredByMembership(),
    viaGroups: access.groupsAdministeredByMembership(),
  };
}

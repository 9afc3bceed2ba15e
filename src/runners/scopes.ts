import type { Access } from '../auth/access.ts';
import type { Prisma } from '../db/generated/client.ts';

/** The runners a project can use: its own, its groups' (up the tree) and the instance's, as each is enabled. */
export function projectRunnersWhere(project: {
  id: number;
  sharedRunnersEnabled: boolean;
  groupRunnersEnabled: boolean;
  traversalIds: number[];
}): Prisma.RunnerWhereInput {
  const or: Prisma.RunnerWhereInput[] = [{ runnerProjects: { some: { projectId: project.id } } }];
  if (project.groupRunnersEnabled && project.traversalIds.length) {
    or.push({ runnerType: 'group_type', groupId: { in: project.traversalIds } });
  }
  if (project.sharedRunnersEnabled) or.push({ runnerType: 'instance_type' });
  return { OR: or };
}

export type GroupMembership = 'direct' | 'descendants' | 'all_available';

/**
 * A group's runners, by GitLab's membership filter: its own (direct); those of its subgroups and their projects
 * too (descendants); or all available (GitLab's `usable_from_scope`): its ancestors' group runners, the
 * descendants set, and the instance's runners if the group enables them. Who may see which of them is the read
 * rule's business, applied to every runner list.
 */
export function groupRunnersWhere(
  group: { id: number; traversalIds: number[]; sharedRunnersEnabled: boolean },
  membership: GroupMembership,
): Prisma.RunnerWhereInput {
  switch (membership) {
    case 'direct':
      return { runnerType: 'group_type', groupId: group.id };
    case 'descendants':
      return descendantRunnersWhere(group.id);
    case 'all_available': {
      const or: Prisma.RunnerWhereInput[] = [
        { runnerType: 'group_type', groupId: { in: group.traversalIds.filter((id) => id !== group.id) } },
        descendantRunnersWhere(group.id),
      ];
      if (group.sharedRunnersEnabled) or.push({ runnerType: 'instance_type' });
      return { OR: or };
    }
  }
}

function descendantRunnersWhere(groupId: number): Prisma.RunnerWhereInput {
  return {
    OR: [
      { runnerType: 'group_type', group: { traversalIds: { has: groupId } } },
      { runnerType: 'project_type', runnerProjects: { some: { project: { traversalIds: { has: groupId } } } } },
    ],
  };
}

/**
 * The runners a user administers (GitLab's ci_available_runners, the REST `GET /runners` list): project
 * runners of projects they maintain, and group runners of groups they own and those groups' subgroups.
 * Instance runners are never in it, not even for admins.
 */
export function ownedRunnersWhere(access: Access): Prisma.RunnerWhereInput {
  return {
    OR: [
      {
        runnerType: 'project_type',
        runnerProjects: { some: { project: access.projectsAdministeredByMembership() } },
      },
      { runnerType: 'group_type', group: access.groupsAdministeredByMembership() },
    ],
  };
}

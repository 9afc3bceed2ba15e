import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import { AccessLevel } from './access-level.ts';
import type { Viewer } from './viewer.ts';

interface Memberships {
  readonly groups: ReadonlyMap<number, number>;
  readonly projects: ReadonlyMap<number, number>;
}

/** What access checks need to know of a project: who owns its namespace and where it sits in the group tree. */
export interface ProjectFacts {
  readonly id: number;
  readonly ownerId: number | null;
  /** The project's group and its ancestors; empty in a personal namespace. */
  readonly traversalIds: readonly number[];
}

export const PROJECT_FACTS_SELECT = {
  id: true,
  ownerId: true,
  traversalIds: true,
} as const satisfies Prisma.ProjectSelect;

const NOTHING = { id: { in: [] as number[] } };

/**
 * The viewer's effective access levels, computed as GitLab does: a group membership is inherited by every
 * subgroup and project below it, a personal namespace is owned by its user, and the highest level wins.
 * Memberships load once, when the request starts, so that every check after that is synchronous and can be
 * folded into the query that lists rows.
 */
export class Access {
  private constructor(
    readonly viewer: Viewer | null,
    private readonly memberships: Memberships,
  ) {}

  static async load(db: Db, viewer: Viewer | null): Promise<Access> {
    // Admins are checked by their flag alone; anonymous requests have nothing to load.
    if (!viewer) return new Access(viewer, { groups: new Map(), projects: new Map() });
    // Usually read with the token already (one statement per request instead of three).
    const [groups, projects] = viewer.memberships
      ? [viewer.memberships.groups, viewer.memberships.projects]
      : await Promise.all([
          db.groupMember.findMany({ where: { userId: viewer.id }, select: { groupId: true, accessLevel: true } }),
          db.projectMember.findMany({ where: { userId: viewer.id }, select: { projectId: true, accessLevel: true } }),
        ]);
    return new Access(viewer, {
      groups: new Map(groups.map((m) => [m.groupId, m.accessLevel])),
      projects: new Map(projects.map((m) => [m.projectId, m.accessLevel])),
    });
  }

  get isAdmin(): boolean {
    return this.viewer?.admin ?? false;
  }

  /** The viewer's level in a group, inherited from the group's ancestors (`traversalIds` includes the group). */
  groupLevel(traversalIds: readonly number[]): number {
    const { groups } = this.memberships;
    return Math.max(AccessLevel.NO_ACCESS, ...traversalIds.map((id) => groups.get(id) ?? AccessLevel.NO_ACCESS));
  }

  projectLevel(project: ProjectFacts): number {
    if (this.viewer && project.ownerId === this.viewer.id) return AccessLevel.OWNER;
    const direct = this.memberships.projects.get(project.id) ?? AccessLevel.NO_ACCESS;
    return Math.max(direct, this.groupLevel(project.traversalIds));
  }

  canReadGroup(group: { traversalIds: readonly number[] }): boolean {
    return this.isAdmin || this.groupLevel(group.traversalIds) >= AccessLevel.GUEST;
  }

  canReadProject(project: ProjectFacts): boolean {
    return this.isAdmin || this.projectLevel(project) >= AccessLevel.GUEST;
  }

  /** Groups (and their subgroups) where the viewer's membership gives at least `min`; admin rights do not count. */
  groupsWithLevel(min: number): Prisma.GroupWhereInput {
    const ids = this.groupIdsWithLevel(min);
    return ids.length ? { traversalIds: { hasSome: ids } } : NOTHING;
  }

  private groupIdsWithLevel(min: number): number[] {
    return [...this.memberships.groups].filter(([, level]) => level >= min).map(([id]) => id);
  }

  /** Projects where the viewer's membership gives at least `min`; admin rights do not count. */
  projectsWithLevel(min: number): Prisma.ProjectWhereInput {
    const viewer = this.viewer;
    if (!viewer) return NOTHING;
    const ids = [...this.memberships.projects].filter(([, level]) => level >= min).map(([id]) => id);
    const groupIds = this.groupIdsWithLevel(min);
    return {
      OR: [
        { id: { in: ids } },
        { ownerId: viewer.id },
        ...(groupIds.length ? [{ traversalIds: { hasSome: groupIds } }] : []),
      ],
    };
  }

  /** What the viewer may read: everything for admins, otherwise what any membership reaches. */
  readableGroups(): Prisma.GroupWhereInput {
    return this.isAdmin ? {} : this.groupsWithLevel(AccessLevel.GUEST);
  }

  readableProjects(): Prisma.ProjectWhereInput {
    return this.isAdmin ? {} : this.projectsWithLevel(AccessLevel.GUEST);
  }
}

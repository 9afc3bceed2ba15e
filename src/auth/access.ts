import type { Db } from '../db/client.ts';
import { Prisma } from '../db/generated/client.ts';
import type { Visibility } from '../db/generated/enums.ts';
import { AccessLevel } from './access-level.ts';
import type { Viewer } from './viewer.ts';

interface Memberships {
  readonly groups: ReadonlyMap<number, number>;
  readonly projects: ReadonlyMap<number, number>;
}

type MembershipRows = readonly [
  readonly { readonly groupId: number; readonly accessLevel: number }[],
  readonly { readonly projectId: number; readonly accessLevel: number }[],
];

function loadMemberships(db: Db, userId: number): Promise<MembershipRows> {
  return Promise.all([
    db.groupMember.findMany({ where: { userId }, select: { groupId: true, accessLevel: true } }),
    db.projectMember.findMany({ where: { userId }, select: { projectId: true, accessLevel: true } }),
  ]);
}

function toMemberships([groups, projects]: MembershipRows): Memberships {
  return {
    groups: new Map(groups.map((m) => [m.groupId, m.accessLevel])),
    projects: new Map(projects.map((m) => [m.projectId, m.accessLevel])),
  };
}

/** What access checks need to know of a group: where it sits in the tree, and who may see it without membership. */
export interface GroupFacts {
  /** The group's ancestors and itself, root first. */
  readonly traversalIds: readonly number[];
  readonly visibility: Visibility;
}

export const GROUP_FACTS_SELECT = { traversalIds: true, visibility: true } as const satisfies Prisma.GroupSelect;

/** What access checks need to know of a project: who owns its namespace, where it sits in the group tree, who sees it. */
export interface ProjectFacts {
  readonly id: number;
  readonly ownerId: number | null;
  /** The project's group and its ancestors; empty in a personal namespace. */
  readonly traversalIds: readonly number[];
  readonly visibility: Visibility;
}

export const PROJECT_FACTS_SELECT = {
  id: true,
  ownerId: true,
  traversalIds: true,
  visibility: true,
} as const satisfies Prisma.ProjectSelect;

const NOTHING = { id: { in: [] as number[] } };

/**
 * The viewer's effective access levels, computed as GitLab does: a group membership is inherited by every
 * subgroup and project below it, a personal namespace is owned by its user, and the highest level wins.
 * Memberships load when the request starts, so that every check after that is synchronous and can be folded
 * into the query that lists rows; `reload` reads them again where a write may have changed them.
 */
export class Access {
  private groupRunnerReach: Promise<ReadonlySet<number>> | null = null;

  private constructor(
    private readonly db: Db,
    readonly viewer: Viewer | null,
    private memberships: Memberships,
  ) {}

  static async load(db: Db, viewer: Viewer | null): Promise<Access> {
    // Admins are checked by their flag alone; anonymous requests have nothing to load.
    if (!viewer) return new Access(db, viewer, { groups: new Map(), projects: new Map() });
    // Usually read with the token already (one statement per request instead of three).
    const rows: MembershipRows = viewer.memberships
      ? [viewer.memberships.groups, viewer.memberships.projects]
      : await loadMemberships(db, viewer.id);
    return new Access(db, viewer, toMemberships(rows));
  }

  /** Reads the memberships again and forgets what was derived from them: the state a write has to decide on. */
  async reload(): Promise<void> {
    this.groupRunnerReach = null;
    if (this.viewer) this.memberships = toMemberships(await loadMemberships(this.db, this.viewer.id));
  }

  /** Forgets what was derived from projects' settings (not the memberships themselves), after a write. */
  forgetDerived(): void {
    this.groupRunnerReach = null;
  }

  /**
   * Groups whose group runners the viewer uses as Maintainer of a project below them that has group runners
   * enabled (GitLab lets such Maintainers see those runners). One statement, on first use, for the request.
   */
  groupsReachedByMaintainedProjects(): Promise<ReadonlySet<number>> {
    this.groupRunnerReach ??= this.loadGroupRunnerReach();
    return this.groupRunnerReach;
  }

  private async loadGroupRunnerReach(): Promise<ReadonlySet<number>> {
    const projectIds = this.projectIdsWithLevel(AccessLevel.MAINTAINER);
    const groupIds = this.groupIdsWithLevel(AccessLevel.MAINTAINER);
    // Personal projects have no group, so project ownership adds nothing here.
    if (!projectIds.length && !groupIds.length) return new Set();
    const reach: Prisma.Sql[] = [];
    if (projectIds.length) reach.push(Prisma.sql`"id" IN (${Prisma.join(projectIds)})`);
    if (groupIds.length) reach.push(Prisma.sql`"traversalIds" && ARRAY[${Prisma.join(groupIds)}]::int[]`);
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      SELECT DISTINCT unnest("traversalIds") AS "id" FROM "Project"
      WHERE "groupRunnersEnabled" AND (${Prisma.join(reach, ' OR ')})`;
    return new Set(rows.map((row) => Number(row.id)));
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

  /**
   * The visibilities that let the viewer read a group or project without any membership (GitLab's `public_group` /
   * `public_project` for everyone, anonymous callers too, and `logged_in_viewable` / `internal_access` for anyone
   * signed in). Reading the namespace gives nothing more: its runners, pipelines and members keep their own rules.
   */
  private openVisibilities(): Visibility[] {
    return this.viewer ? ['public', 'internal'] : ['public'];
  }

  /** GitLab's `read_group`: admins, members (of it or a group above), and anyone its visibility admits. */
  canReadGroup(group: GroupFacts): boolean {
    return this.isAdmin || this.openVisibilities().includes(group.visibility) || this.groupLevel(group.traversalIds) >= AccessLevel.GUEST;
  }

  /** GitLab's `read_project`: admins, members (direct, through its groups, or its namespace's owner), and by visibility. */
  canReadProject(project: ProjectFacts): boolean {
    return this.isAdmin || this.openVisibilities().includes(project.visibility) || this.projectLevel(project) >= AccessLevel.GUEST;
  }

  /** Groups (and their subgroups) where the viewer's membership gives at least `min`; admin rights do not count. */
  groupsWithLevel(min: number): Prisma.GroupWhereInput {
    const ids = this.groupIdsWithLevel(min);
    return ids.length ? { traversalIds: { hasSome: ids } } : NOTHING;
  }

  private groupIdsWithLevel(min: number): number[] {
    return [...this.memberships.groups].filter(([, level]) => level >= min).map(([id]) => id);
  }

  private projectIdsWithLevel(min: number): number[] {
    return [...this.memberships.projects].filter(([, level]) => level >= min).map(([id]) => id);
  }

  /** Projects where the viewer's membership gives at least `min`; admin rights do not count. */
  projectsWithLevel(min: number): Prisma.ProjectWhereInput {
    const viewer = this.viewer;
    if (!viewer) return NOTHING;
    const ids = this.projectIdsWithLevel(min);
    const groupIds = this.groupIdsWithLevel(min);
    return {
      OR: [{ id: { in: ids } }, { ownerId: viewer.id }, ...(groupIds.length ? [{ traversalIds: { hasSome: groupIds } }] : [])],
    };
  }

  /**
   * GitLab's `admin_runners` on a group (Owner) or a project (Maintainer): create, register, manage, assign and
   * reset the tokens of its runners. The one home of that rule; admins hold it everywhere.
   */
  administersGroupRunners(group: { traversalIds: readonly number[] }): boolean {
    return this.isAdmin || this.groupLevel(group.traversalIds) >= AccessLevel.OWNER;
  }

  administersProjectRunners(project: ProjectFacts): boolean {
    return this.isAdmin || this.projectLevel(project) >= AccessLevel.MAINTAINER;
  }

  /** GitLab's `read_group_runners` / `read_project_runners`: Maintainers (and admins) list a namespace's runners. */
  listsGroupRunners(group: { traversalIds: readonly number[] }): boolean {
    return this.isAdmin || this.groupLevel(group.traversalIds) >= AccessLevel.MAINTAINER;
  }

  listsProjectRunners(project: ProjectFacts): boolean {
    return this.isAdmin || this.projectLevel(project) >= AccessLevel.MAINTAINER;
  }

  /** The same rule as `where`s, by membership alone (admin rights do not count: lists of "your" runners). */
  groupsAdministeredByMembership(): Prisma.GroupWhereInput {
    return this.groupsWithLevel(AccessLevel.OWNER);
  }

  projectsAdministeredByMembership(): Prisma.ProjectWhereInput {
    return this.projectsWithLevel(AccessLevel.MAINTAINER);
  }

  /** canReadGroup and canReadProject as `where`s: everything for admins, otherwise membership or visibility. */
  readableGroups(): Prisma.GroupWhereInput {
    if (this.isAdmin) return {};
    return { OR: [{ visibility: { in: this.openVisibilities() } }, this.groupsWithLevel(AccessLevel.GUEST)] };
  }

  readableProjects(): Prisma.ProjectWhereInput {
    if (this.isAdmin) return {};
    return { OR: [{ visibility: { in: this.openVisibilities() } }, this.projectsWithLevel(AccessLevel.GUEST)] };
  }

  /**
   * GitLab's `authorized_projects` / `authorized_groups`: what the viewer is a member of, whatever its visibility
   * (all for admins). GitLab's REST runner details list a runner's projects and groups by it, not by visibility.
   */
  memberProjects(): Prisma.ProjectWhereInput {
    return this.isAdmin ? {} : this.projectsWithLevel(AccessLevel.GUEST);
  }

  isMemberOfGroup(group: GroupFacts): boolean {
    return this.isAdmin || this.groupLevel(group.traversalIds) >= AccessLevel.GUEST;
  }
}

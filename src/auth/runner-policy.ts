import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import { forbidden } from '../errors.ts';
import { AccessLevel } from './access-level.ts';
import { type RunnerScope, scopeWhere } from '../runners/scopes.ts';
import { type Access, PROJECT_FACTS_SELECT, type ProjectFacts } from './access.ts';

/** What the runner policy needs to know of a runner; load it with RUNNER_FACTS_SELECT. */
export interface RunnerFacts {
  readonly id: number;
  readonly runnerType: 'instance_type' | 'group_type' | 'project_type';
  readonly groupId: number | null;
  readonly locked: boolean;
  readonly group: { readonly traversalIds: readonly number[] } | null;
  /** Oldest first: the first one is the owner project. */
  readonly runnerProjects: readonly { readonly projectId: number; readonly project: ProjectFacts }[];
}

export const RUNNER_FACTS_SELECT = {
  id: true,
  runnerType: true,
  groupId: true,
  locked: true,
  group: { select: { traversalIds: true } },
  runnerProjects: { orderBy: { id: 'asc' }, select: { projectId: true, project: { select: PROJECT_FACTS_SELECT } } },
} as const satisfies Prisma.RunnerSelect;

const NO_ACCESS = 'No access granted';

/**
 * One authorization rule with its two faces, written clause by clause side by side so they cannot drift apart:
 * a Prisma `where` that lists exactly the runners the rule allows (so a connection's `count` and its pages agree
 * with it), and a test of one runner's facts for fields, `userPermissions` and mutations.
 */
export interface RunnerRule {
  readonly where: Prisma.RunnerWhereInput;
  test(runner: RunnerFacts): boolean;
}

const EVERY_RUNNER: RunnerRule = { where: {}, test: () => true };
const NO_RUNNER: RunnerRule = { where: { id: { in: [] } }, test: () => false };

function anyOf(rules: readonly RunnerRule[]): RunnerRule {
  return { where: { OR: rules.map((rule) => rule.where) }, test: (runner) => rules.some((rule) => rule.test(runner)) };
}

/**
 * GitLab's RunnerPolicy: who may read, update, delete, assign and list the jobs of a runner.
 * Checks that deny throw GitLab's 403 reason, so both transports report the same thing.
 */
export class RunnerPolicy {
  /** `db` answers the one question of the delete rule that memberships cannot: which runners serve several projects. */
  constructor(
    private readonly access: Access,
    private readonly db?: Db,
  ) {}

  private maintainsAnyProject(runner: RunnerFacts): boolean {
    return runner.runnerProjects.some(({ project }) => this.access.projectLevel(project) >= AccessLevel.MAINTAINER);
  }

  /**
   * `read_runner`, the rule behind `runner(id)`, every runner list, `CiJob.runner` and `userPermissions.readRunner`:
   * admins read all; signed-in users the instance's runners, project runners of a project they maintain, and group
   * runners of a group they maintain (or one above) or of a group above a project they maintain that uses them.
   * Stated as a set of runners (`scope`, null for every runner: lists look its membership arms up by id, as they do
   * their own scope's) from which the `where` is derived; `test` takes the same clauses in the same order.
   */
  async readRule(): Promise<RunnerRule & { readonly scope: RunnerScope | null }> {
    if (this.access.isAdmin) return { ...EVERY_RUNNER, scope: null };
    if (!this.access.viewer) return { ...NO_RUNNER, scope: { direct: [NO_RUNNER.where] } };
    const access = this.access;
    const reached = await access.groupsReachedByMaintainedProjects();
    const scope: RunnerScope = {
      direct: [{ runnerType: 'instance_type' }, { runnerType: 'group_type', groupId: { in: [...reached] } }],
      viaProjects: access.projectsWithLevel(AccessLevel.MAINTAINER),
      viaGroups: access.groupsWithLevel(AccessLevel.MAINTAINER),
    };
    return {
      scope,
      where: scopeWhere(scope),
      test: (runner) =>
        runner.runnerType === 'instance_type' ||
        (runner.runnerType === 'group_type' && runner.groupId !== null && reached.has(runner.groupId)) ||
        (runner.runnerType === 'project_type' && this.maintainsAnyProject(runner)) ||
        (runner.runnerType === 'group_type' && !!runner.group && access.groupLevel(runner.group.traversalIds) >= AccessLevel.MAINTAINER),
    };
  }

  /** The runners the viewer may read, as a `where` for lists. */
  async readableWhere(): Promise<Prisma.RunnerWhereInput> {
    return (await this.readRule()).where;
  }

  async canRead(runner: RunnerFacts): Promise<boolean> {
    return (await this.readRule()).test(runner);
  }

  /**
   * `update_runner` (GitLab: `admin_runners` on the owner, or a Maintainer of any project of a runner shared by
   * several): admins all; group Owners their groups' runners (and their subgroups'); project runners whoever maintains
   * one of its projects — for a runner of one project that project is its owner, so both halves of GitLab's rule
   * are this one clause. Bulk actions select with its `where`; single mutations test with it.
   */
  updateRule(): RunnerRule {
    if (this.access.isAdmin) return EVERY_RUNNER;
    if (!this.access.viewer) return NO_RUNNER;
    const access = this.access;
    return anyOf([
      {
        where: { runnerType: 'group_type', group: access.groupsWithLevel(AccessLevel.OWNER) },
        test: (runner) => runner.runnerType === 'group_type' && !!runner.group && access.administersGroupRunners(runner.group),
      },
      {
        where: { runnerType: 'project_type', runnerProjects: { some: { project: access.projectsWithLevel(AccessLevel.MAINTAINER) } } },
        test: (runner) => runner.runnerType === 'project_type' && this.maintainsAnyProject(runner),
      },
    ]);
  }

  async canUpdate(runner: RunnerFacts): Promise<boolean> {
    return this.updateRule().test(runner);
  }

  /**
   * `delete_runner`: the update rule, except that only admins delete a runner shared by several projects (GitLab's
   * "Runner associated with more than one project"). For a runner of at most one project, updating and deleting it
   * are the same right.
   */
  async deleteRule(): Promise<RunnerRule> {
    const update = this.updateRule();
    if (this.access.isAdmin || !this.access.viewer) return update;
    if (!this.db) throw new Error('RunnerPolicy.deleteRule needs the database');
    const shared = await this.db.$queryRaw<{ runnerId: number }[]>`
      SELECT "runnerId" FROM "RunnerProject" GROUP BY "runnerId" HAVING count(*) > 1`;
    return {
      where: { AND: [update.where, { id: { notIn: shared.map((row) => Number(row.runnerId)) } }] },
      test: (runner) => runner.runnerProjects.length <= 1 && update.test(runner),
    };
  }

  /** Why the viewer may not delete the runner (GitLab's 403 reason), or null if they may: the delete rule's test. */
  private async deleteRefusal(runner: RunnerFacts): Promise<string | null> {
    if (this.access.isAdmin) return null;
    if (runner.runnerProjects.length > 1) return 'Runner associated with more than one project';
    return this.updateRule().test(runner) ? null : NO_ACCESS;
  }

  /**
   * Why the viewer may not assign the runner to more projects, in GitLab's order: a group runner is refused even to
   * admins, then an instance runner, then a locked one, then the ability itself. Null if they may.
   */
  private async assignRefusal(runner: RunnerFacts): Promise<string | null> {
    if (runner.runnerType === 'group_type') return 'Runner is a group runner';
    if (runner.runnerType === 'instance_type') return this.access.isAdmin ? 'Runner is a shared runner' : NO_ACCESS;
    if (this.access.isAdmin) return null;
    if (runner.locked) return 'Runner is locked';
    return (await this.canUpdate(runner)) ? null : NO_ACCESS;
  }

  async canDelete(runner: RunnerFacts): Promise<boolean> {
    return (await this.deleteRefusal(runner)) === null;
  }

  async canReadJobs(runner: RunnerFacts): Promise<boolean> {
    if (await this.canUpdate(runner)) return true;
    return (
      runner.runnerType === 'group_type' && !!runner.group && this.access.groupLevel(runner.group.traversalIds) >= AccessLevel.MAINTAINER
    );
  }

  async canAssign(runner: RunnerFacts): Promise<boolean> {
    return (await this.assignRefusal(runner)) === null;
  }

  async assertRead(runner: RunnerFacts): Promise<void> {
    if (!(await this.canRead(runner))) throw forbidden(NO_ACCESS);
  }

  async assertUpdate(runner: RunnerFacts): Promise<void> {
    if (!(await this.canUpdate(runner))) throw forbidden(NO_ACCESS);
  }

  async assertDelete(runner: RunnerFacts): Promise<void> {
    const refusal = await this.deleteRefusal(runner);
    if (refusal) throw forbidden(refusal);
  }

  async assertReadJobs(runner: RunnerFacts): Promise<void> {
    if (!(await this.canReadJobs(runner))) throw forbidden(NO_ACCESS);
  }

  async assertAssign(runner: RunnerFacts): Promise<void> {
    const refusal = await this.assignRefusal(runner);
    if (refusal) throw forbidden(refusal);
  }
}

import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import { forbidden } from '../graphql/errors.ts';
import { AccessLevel } from './access-level.ts';
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
 * GitLab's RunnerPolicy: who may read, update, delete, assign and list the jobs of a runner.
 * Checks that deny throw GitLab's 403 reason, so both transports report the same thing.
 */
export class RunnerPolicy {
  constructor(
    private readonly db: Db,
    private readonly access: Access,
  ) {}

  private async maintainsAnyProject(runner: RunnerFacts): Promise<boolean> {
    for (const { project } of runner.runnerProjects) {
      if (this.access.projectLevel(project) >= AccessLevel.MAINTAINER) return true;
    }
    return false;
  }

  /** GitLab's `admin_runners` on the runner's owner: the instance, the group (Owner) or the owner project (Maintainer). */
  async administersOwner(runner: RunnerFacts): Promise<boolean> {
    if (this.access.isAdmin) return true;
    if (runner.runnerType === 'group_type') {
      return !!runner.group && this.access.groupLevel(runner.group.traversalIds) >= AccessLevel.OWNER;
    }
    if (runner.runnerType === 'project_type') {
      const owner = runner.runnerProjects[0];
      return !!owner && this.access.projectLevel(owner.project) >= AccessLevel.MAINTAINER;
    }
    return false;
  }

  /** A runner shared by several projects is usable by a Maintainer of any of them. */
  private async availableAsMultiProject(runner: RunnerFacts): Promise<boolean> {
    return runner.runnerType === 'project_type' && runner.runnerProjects.length > 1 && this.maintainsAnyProject(runner);
  }

  async canRead(runner: RunnerFacts): Promise<boolean> {
    if (this.access.isAdmin) return true;
    if (!this.access.viewer) return false;
    switch (runner.runnerType) {
      case 'instance_type':
        return true;
      case 'project_type':
        return this.maintainsAnyProject(runner);
      case 'group_type': {
        if (!runner.group || runner.groupId === null) return false;
        if (this.access.groupLevel(runner.group.traversalIds) >= AccessLevel.MAINTAINER) return true;
        // Maintainers of a project below the group use its runners, so they may see them.
        const project = await this.db.project.findFirst({
          where: {
            AND: [
              { traversalIds: { has: runner.groupId }, groupRunnersEnabled: true },
              this.access.projectsWithLevel(AccessLevel.MAINTAINER),
            ],
          },
          select: { id: true },
        });
        return project !== null;
      }
    }
  }

  async canUpdate(runner: RunnerFacts): Promise<boolean> {
    return (await this.administersOwner(runner)) || this.availableAsMultiProject(runner);
  }

  async canDelete(runner: RunnerFacts): Promise<boolean> {
    if (this.access.isAdmin) return true;
    return runner.runnerProjects.length <= 1 && this.administersOwner(runner);
  }

  async canReadJobs(runner: RunnerFacts): Promise<boolean> {
    if (await this.canUpdate(runner)) return true;
    return (
      runner.runnerType === 'group_type' &&
      !!runner.group &&
      this.access.groupLevel(runner.group.traversalIds) >= AccessLevel.MAINTAINER
    );
  }

  async canAssign(runner: RunnerFacts): Promise<boolean> {
    if (runner.runnerType !== 'project_type') return false;
    if (this.access.isAdmin) return true;
    return !runner.locked && this.canUpdate(runner);
  }

  async assertRead(runner: RunnerFacts): Promise<void> {
    if (!(await this.canRead(runner))) throw forbidden(NO_ACCESS);
  }

  async assertUpdate(runner: RunnerFacts): Promise<void> {
    if (!(await this.canUpdate(runner))) throw forbidden(NO_ACCESS);
  }

  async assertDelete(runner: RunnerFacts): Promise<void> {
    if (this.access.isAdmin) return;
    if (runner.runnerProjects.length > 1) throw forbidden('Runner associated with more than one project');
    if (!(await this.administersOwner(runner))) throw forbidden(NO_ACCESS);
  }

  async assertReadJobs(runner: RunnerFacts): Promise<void> {
    if (!(await this.canReadJobs(runner))) throw forbidden(NO_ACCESS);
  }

  /** GitLab's order: a group runner is refused even to admins, then locked, then the ability itself. */
  async assertAssign(runner: RunnerFacts): Promise<void> {
    if (runner.runnerType === 'group_type') throw forbidden('Runner is a group runner');
    if (runner.runnerType === 'instance_type') {
      throw forbidden(this.access.isAdmin ? 'Runner is a shared runner' : NO_ACCESS);
    }
    if (this.access.isAdmin) return;
    if (runner.locked) throw forbidden('Runner is locked');
    if (!(await this.canUpdate(runner))) throw forbidden(NO_ACCESS);
  }
}

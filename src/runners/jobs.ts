import type { Access, ProjectFacts } from '../auth/access.ts';
import { AccessLevel } from '../auth/access-level.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { JobStatus } from '../db/generated/enums.ts';

/** A runner's jobs as the viewer may list them: outside admin, only those of projects they are Reporter of. */
export function visibleJobsFilter(access: Access, statuses?: readonly JobStatus[] | null): Prisma.JobWhereInput {
  return {
    ...(statuses?.length ? { status: { in: [...statuses] } } : {}),
    ...(access.isAdmin ? {} : { project: access.projectsWithLevel(AccessLevel.REPORTER) }),
  };
}

/** GitLab's `read_build`: Reporters of the job's project (and admins) see its details. */
export function canReadJob(access: Access, project: ProjectFacts): boolean {
  return access.isAdmin || access.projectLevel(project) >= AccessLevel.REPORTER;
}

/** GitLab's `update_build`: Developers of the job's project (and admins) may run, retry or cancel it. */
export function canUpdateJob(access: Access, project: ProjectFacts): boolean {
  return access.isAdmin || access.projectLevel(project) >= AccessLevel.DEVELOPER;
}

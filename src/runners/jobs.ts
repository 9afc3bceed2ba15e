import type { Access, ProjectFacts } from '../auth/access.ts';
import { AccessLevel } from '../auth/access-level.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { JobStatus } from '../db/generated/enums.ts';

/** GitLab's `read_build` needs Reporter of the job's project, `update_build` Developer; admins have both. */
const READ_JOB_LEVEL = AccessLevel.REPORTER;
const UPDATE_JOB_LEVEL = AccessLevel.DEVELOPER;

/** A runner's jobs as the viewer may list them: outside admin, only those of projects they are Reporter of. */
export function visibleJobsFilter(access: Access, statuses?: readonly JobStatus[] | null): Prisma.JobWhereInput {
  return {
    ...(statuses?.length ? { status: { in: [...statuses] } } : {}),
    ...(access.isAdmin ? {} : { project: access.projectsWithLevel(READ_JOB_LEVEL) }),
  };
}

/** Whether the viewer may see a job and its details. */
export function canReadJob(access: Access, project: ProjectFacts): boolean {
  return access.isAdmin || access.projectLevel(project) >= READ_JOB_LEVEL;
}

/** Whether the viewer may run, retry or cancel a job. */
export function canUpdateJob(access: Access, project: ProjectFacts): boolean {
  return access.isAdmin || access.projectLevel(project) >= UPDATE_JOB_LEVEL;
}

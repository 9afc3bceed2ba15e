import type { Prisma } from '../db/generated/client.ts';

/**
 * GitLab's `assignable_for(project)`: project runners that are not locked and not yet assigned to the project.
 * Who may assign them stays the runner policy's business; this only narrows a list the viewer may already see.
 */
export function assignableToProjectWhere(projectId: number): Prisma.RunnerWhereInput {
  return { runnerType: 'project_type', locked: false, runnerProjects: { none: { projectId } } };
}

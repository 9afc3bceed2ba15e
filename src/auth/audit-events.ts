import type { Prisma } from '../db/generated/client.ts';
import { AccessLevel } from './access-level.ts';
import type { Access } from './access.ts';

/**
 * Who reads which runner audit events (GitLab's audit event pages): administrators all of them; a group's Owners
 * those filed under the group (its group runners'); a project's Maintainers those filed under the project (its
 * project runners'). The rule as a `where`, so that every list and its count agree with it.
 */
export function readableAuditEventsWhere(access: Access): Prisma.AuditEventWhereInput {
  if (access.isAdmin) return {};
  if (!access.viewer) return { id: { in: [] } };
  return {
    OR: [
      { entityType: 'Group', group: access.groupsWithLevel(AccessLevel.OWNER) },
      { entityType: 'Project', project: access.projectsWithLevel(AccessLevel.MAINTAINER) },
    ],
  };
}

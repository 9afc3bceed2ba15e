import { AccessLevel } from '../auth/access-level.ts';
import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import { forbidden, notFound } from '../errors.ts';
import { checkAgainstInherited, levelChecks } from './namespaces.ts';

// Changing and ending direct memberships (GitLab's Members::UpdateService and Members::DestroyService). Only a
// direct membership can be changed or removed: access inherited from an ancestor group is changed there.

type Tx = Prisma.TransactionClient;

const LAST_OWNER = 'A group must keep at least one Owner';

/**
 * GitLab's last-owner rule: a group's Owner cannot be demoted or removed while nobody else owns it (directly, or
 * through an ancestor group, whose Owners own it too).
 */
async function assertAnotherOwner(tx: Tx, traversalIds: readonly number[], userId: number): Promise<void> {
  const other = await tx.groupMember.findFirst({
    where: { groupId: { in: [...traversalIds] }, accessLevel: AccessLevel.OWNER, userId: { not: userId } },
    select: { userId: true },
  });
  if (!other) throw forbidden(LAST_OWNER);
}

async function directGroupMember(tx: Tx, groupId: number, userId: number) {
  const member = await tx.groupMember.findUnique({
    where: { groupId_userId: { groupId, userId } },
    include: { group: { select: { traversalIds: true } } },
  });
  if (!member) throw notFound('Member');
  return member;
}

/**
 * Changes a user's level in a group. The new level may not be below what the user inherits from an ancestor group
 * (GitLab's "should be greater than or equal to … inherited membership"), and the last Owner stays an Owner.
 */
export async function updateGroupMember(db: Db, input: { groupId: number; userId: number; accessLevel: number }) {
  const checks = levelChecks(input.accessLevel);
  return db.$transaction(async (tx) => {
    // Lock the group's memberships, so two concurrent demotions cannot both see the other as the remaining Owner.
    await tx.$queryRaw`SELECT 1 FROM "GroupMember" WHERE "groupId" = ${input.groupId} FOR UPDATE`;
    const member = await directGroupMember(tx, input.groupId, input.userId);
    const ancestors = member.group.traversalIds.filter((id) => id !== input.groupId);
    await checkAgainstInherited(tx, checks, ancestors, input.userId, input.accessLevel);
    checks.verify();
    if (member.accessLevel === AccessLevel.OWNER && input.accessLevel < AccessLevel.OWNER) {
      await assertAnotherOwner(tx, member.group.traversalIds, input.userId);
    }
    return tx.groupMember.update({
      where: { groupId_userId: { groupId: input.groupId, userId: input.userId } },
      data: { accessLevel: input.accessLevel },
    });
  });
}

/** Ends a user's direct membership of a group; the last Owner cannot leave. */
export async function removeGroupMember(db: Db, input: { groupId: number; userId: number }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "GroupMember" WHERE "groupId" = ${input.groupId} FOR UPDATE`;
    const member = await directGroupMember(tx, input.groupId, input.userId);
    if (member.accessLevel === AccessLevel.OWNER) await assertAnotherOwner(tx, member.group.traversalIds, input.userId);
    await tx.groupMember.delete({ where: { groupId_userId: { groupId: input.groupId, userId: input.userId } } });
  });
}

async function directProjectMember(tx: Tx, projectId: number, userId: number) {
  const member = await tx.projectMember.findUnique({
    where: { projectId_userId: { projectId, userId } },
    include: { project: { select: { traversalIds: true } } },
  });
  if (!member) throw notFound('Member');
  return member;
}

/**
 * Changes a user's level in a project: not below what the user inherits from the project's groups. `actorLevel` is
 * the level of whoever changes it: a Maintainer may neither touch an Owner's membership nor grant Owner.
 */
export async function updateProjectMember(db: Db, input: { projectId: number; userId: number; accessLevel: number }, actorLevel: number) {
  const checks = levelChecks(input.accessLevel);
  return db.$transaction(async (tx) => {
    const member = await directProjectMember(tx, input.projectId, input.userId);
    if (member.accessLevel > actorLevel || input.accessLevel > actorLevel) throw forbidden();
    await checkAgainstInherited(tx, checks, member.project.traversalIds, input.userId, input.accessLevel);
    checks.verify();
    return tx.projectMember.update({
      where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
      data: { accessLevel: input.accessLevel },
    });
  });
}

/** Ends a user's direct membership of a project; a Maintainer cannot remove an Owner. */
export async function removeProjectMember(db: Db, input: { projectId: number; userId: number }, actorLevel: number): Promise<void> {
  await db.$transaction(async (tx) => {
    const member = await directProjectMember(tx, input.projectId, input.userId);
    if (member.accessLevel > actorLevel) throw forbidden();
    await tx.projectMember.delete({ where: { projectId_userId: { projectId: input.projectId, userId: input.userId } } });
  });
}

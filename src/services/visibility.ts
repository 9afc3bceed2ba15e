import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { Visibility } from '../db/generated/enums.ts';
import { AttributeChecks } from './validation.ts';

type Tx = Prisma.TransactionClient;

// GitLab's visibility rules between namespaces (Group#visibility_level_allowed?, Project#visibility_level_allowed_by_group):
// nothing inside a group is more visible than the group. A project in a personal namespace has no such bound.

/** Least visible first, as GitLab's levels 0, 10, 20. */
const ORDER: readonly Visibility[] = ['private', 'internal', 'public'];

function above(visibility: Visibility): Visibility[] {
  return ORDER.slice(ORDER.indexOf(visibility) + 1);
}

function exceeds(visibility: Visibility, bound: Visibility): boolean {
  return ORDER.indexOf(visibility) > ORDER.indexOf(bound);
}

/**
 * Holds a group's visibility still until the transaction ends: a subgroup or project made under it, or a change of
 * one of its children, reads the group's visibility and must not race a change of it. Taken top-down (parent
 * before child), so two such transactions never wait on each other in a circle.
 */
async function holdGroup(tx: Tx, groupId: number, mode: 'share' | 'update'): Promise<Visibility | null> {
  const rows =
    mode === 'share'
      ? await tx.$queryRaw<
          { visibility: Visibility }[]
        >`SELECT "visibility"::text AS "visibility" FROM "Group" WHERE "id" = ${groupId} FOR SHARE`
      : await tx.$queryRaw<
          { visibility: Visibility }[]
        >`SELECT "visibility"::text AS "visibility" FROM "Group" WHERE "id" = ${groupId} FOR UPDATE`;
  return rows[0]?.visibility ?? null;
}

/** The parent group's bound on a new subgroup (GitLab's visibility_level_allowed_by_parent). */
export async function checkNewGroupVisibility(tx: Tx, checks: AttributeChecks, parentId: number | null, visibility: Visibility) {
  if (parentId === null) return;
  const parent = await holdGroup(tx, parentId, 'share');
  if (parent && exceeds(visibility, parent)) {
    checks.add('visibility_level', `${visibility} is not allowed since the parent group has a ${parent} visibility.`);
  }
}

/** The group's bound on a new project in it (GitLab's visibility_level_allowed_by_group). */
export async function checkNewProjectVisibility(tx: Tx, checks: AttributeChecks, groupId: number | null, visibility: Visibility) {
  if (groupId === null) return;
  const group = await holdGroup(tx, groupId, 'share');
  if (group && exceeds(visibility, group)) checks.add('visibility_level', `${visibility} is not allowed in a ${group} group.`);
}

/**
 * Changes a group's visibility, as GitLab's Groups::UpdateService: not above its parent's, not below any of its
 * subgroups' or projects'. Failures throw ValidationFailed and change nothing. Null when the group is gone.
 */
export async function setGroupVisibility(db: Db, groupId: number, visibility: Visibility) {
  return db.$transaction(async (tx) => {
    const group = await tx.group.findUnique({ where: { id: groupId }, select: { parentId: true } });
    if (!group) return null;
    const checks = new AttributeChecks();
    await checkNewGroupVisibility(tx, checks, group.parentId, visibility);
    await holdGroup(tx, groupId, 'update');
    const higher = { visibility: { in: above(visibility) } };
    if (await tx.project.findFirst({ where: { groupId, ...higher }, select: { id: true } })) {
      checks.add('visibility_level', `${visibility} is not allowed since this group contains projects with higher visibility.`);
    }
    if (await tx.group.findFirst({ where: { parentId: groupId, ...higher }, select: { id: true } })) {
      checks.add('visibility_level', `${visibility} is not allowed since there are sub-groups with higher visibility.`);
    }
    checks.verify();
    return tx.group.update({ where: { id: groupId }, data: { visibility } });
  });
}

/** Changes a project's visibility, within its group's (GitLab's visibility_level_allowed_by_group). */
export async function setProjectVisibility(db: Db, projectId: number, visibility: Visibility) {
  return db.$transaction(async (tx) => {
    const project = await tx.project.findUnique({ where: { id: projectId }, select: { groupId: true } });
    if (!project) return null;
    const checks = new AttributeChecks();
    await checkNewProjectVisibility(tx, checks, project.groupId, visibility);
    checks.verify();
    return tx.project.update({ where: { id: projectId }, data: { visibility } });
  });
}

import type { Db } from '../db/client.ts';

/** Creates a group (under `parentId`, if given) with its traversal ids; the creator, if any, becomes its Owner. */
export async function createGroup(
  db: Db,
  input: { name: string; path: string; parentId?: number | null; description?: string | null; creatorId?: number | null },
) {
  return db.$transaction(async (tx) => {
    const parent = input.parentId ? await tx.group.findUniqueOrThrow({ where: { id: input.parentId } }) : null;
    const created = await tx.group.create({
      data: {
        name: input.name,
        path: input.path,
        description: input.description ?? '',
        parentId: parent?.id ?? null,
        fullPath: parent ? `${parent.fullPath}/${input.path}` : input.path,
        fullName: parent ? `${parent.fullName} / ${input.name}` : input.name,
      },
    });
    const group = await tx.group.update({
      where: { id: created.id },
      data: { traversalIds: [...(parent?.traversalIds ?? []), created.id] },
    });
    if (input.creatorId && !parent) {
      await tx.groupMember.create({ data: { groupId: group.id, userId: input.creatorId, accessLevel: 50 } });
    }
    return group;
  });
}

/** Creates a project in a group, or in a user's personal namespace (`ownerId`). */
export async function createProject(
  db: Db,
  input: { name: string; path: string; groupId?: number | null; ownerId?: number | null; description?: string | null },
) {
  const group = input.groupId ? await db.group.findUniqueOrThrow({ where: { id: input.groupId } }) : null;
  const owner = !group && input.ownerId ? await db.user.findUniqueOrThrow({ where: { id: input.ownerId } }) : null;
  if (!group && !owner) throw new Error('a project needs a group or an owner');
  return db.project.create({
    data: {
      name: input.name,
      path: input.path,
      description: input.description ?? null,
      groupId: group?.id ?? null,
      ownerId: owner?.id ?? null,
      traversalIds: group?.traversalIds ?? [],
      pathWithNamespace: `${group?.fullPath ?? owner?.username}/${input.path}`,
      nameWithNamespace: `${group?.fullName ?? owner?.name} / ${input.name}`,
    },
  });
}

/** Adds or changes a membership; GitLab keeps one per user and namespace. */
export function setGroupMember(db: Db, groupId: number, userId: number, accessLevel: number) {
  return db.groupMember.upsert({
    where: { groupId_userId: { groupId, userId } },
    create: { groupId, userId, accessLevel },
    update: { accessLevel },
  });
}

export function setProjectMember(db: Db, projectId: number, userId: number, accessLevel: number) {
  return db.projectMember.upsert({
    where: { projectId_userId: { projectId, userId } },
    create: { projectId, userId, accessLevel },
    update: { accessLevel },
  });
}

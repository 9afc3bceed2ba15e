import { ACCESS_LEVEL_VALUES, AccessLevel } from '../auth/access-level.ts';
import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { Visibility } from '../db/generated/enums.ts';
import { conflict, ValidationFailed } from '../errors.ts';
import { checkNewGroupVisibility, checkNewProjectVisibility } from './visibility.ts';
import { AttributeChecks, isHttpUrl, PATH_FORMAT, PATH_FORMAT_MESSAGE, sameText, TAKEN, violatesUnique } from './validation.ts';

type Tx = Prisma.TransactionClient;

const MAX_NAME = 255;
const MAX_FULL = 2048;
const MAX_DESCRIPTION = 2048;
/** GitLab's Namespace::NUMBER_OF_ANCESTORS_ALLOWED: groups nest at most 20 deep. */
export const MAX_NESTING = 20;

/** GitLab's human names of the access levels (`human_access`). */
export const ACCESS_LEVEL_NAMES: Readonly<Record<number, string>> = {
  [AccessLevel.GUEST]: 'Guest',
  [AccessLevel.REPORTER]: 'Reporter',
  [AccessLevel.DEVELOPER]: 'Developer',
  [AccessLevel.MAINTAINER]: 'Maintainer',
  [AccessLevel.OWNER]: 'Owner',
};

/**
 * Whether a full path already belongs to someone: GitLab keeps one route table for groups, projects and users'
 * personal namespaces, so `acme/api` cannot be both a subgroup and a project, nor `acme` both a group and a
 * username. Routes are unique regardless of case.
 */
export async function routeTaken(db: Tx, fullPath: string): Promise<boolean> {
  const where = sameText(fullPath);
  const group = await db.group.findFirst({ where: { fullPath: where }, select: { id: true } });
  if (group) return true;
  const project = await db.project.findFirst({ where: { pathWithNamespace: where }, select: { id: true } });
  if (project) return true;
  if (fullPath.includes('/')) return false;
  return (await db.user.findFirst({ where: { username: where }, select: { id: true } })) !== null;
}

/** Name, path, description and avatar checks that groups and projects share. */
function namespaceChecks(input: { name: string; path: string; description?: string | null; avatarUrl?: string | null }): AttributeChecks {
  const checks = new AttributeChecks()
    .present('name', input.name, MAX_NAME)
    .present('path', input.path, MAX_NAME)
    .length('description', input.description, MAX_DESCRIPTION)
    .length('avatar_url', input.avatarUrl, MAX_FULL);
  if (!checks.has('path')) checks.format('path', PATH_FORMAT.test(input.path), PATH_FORMAT_MESSAGE);
  if (input.avatarUrl && !checks.has('avatar_url')) checks.format('avatar_url', isHttpUrl(input.avatarUrl), 'is not a valid URL');
  return checks;
}

/** The full path and name must fit their columns, which a deep enough tree of long names would overflow. */
function checkFullNames(checks: AttributeChecks, fullPath: string, fullName: string): void {
  const tooLong = `is too long in full (maximum is ${MAX_FULL} characters)`;
  if (!checks.has('path') && fullPath.length > MAX_FULL) checks.add('path', tooLong);
  if (!checks.has('name') && fullName.length > MAX_FULL) checks.add('name', tooLong);
}

/** A concurrent insert of the same route beat the checks; report it as they would have. */
function pathRace(error: unknown): never {
  if (violatesUnique(error, 'path') || violatesUnique(error, 'fullPath') || violatesUnique(error, 'pathWithNamespace')) {
    throw new ValidationFailed([{ attribute: 'path', message: TAKEN }]);
  }
  throw error;
}

/**
 * Creates a group (under `parentId`, if given) with its traversal ids, after GitLab's validations; failures
 * throw ValidationFailed. The creator, if any, becomes the Owner of a top-level group; a subgroup is owned
 * through its parent's Owners.
 */
export async function createGroup(
  db: Db,
  input: {
    name: string;
    path: string;
    parentId?: number | null;
    description?: string | null;
    avatarUrl?: string | null;
    creatorId?: number | null;
    /** Private unless given (GitLab's default_group_visibility); at most its parent's. */
    visibility?: Visibility | null;
  },
) {
  const checks = namespaceChecks(input);
  try {
    return await db.$transaction(async (tx) => {
      const parent = input.parentId ? await tx.group.findUnique({ where: { id: input.parentId } }) : null;
      if (input.parentId && !parent) checks.add('parent', 'must exist');
      if (parent && parent.traversalIds.length >= MAX_NESTING) checks.add('parent', 'has too deep level of nesting');
      const fullPath = parent ? `${parent.fullPath}/${input.path}` : input.path;
      const fullName = parent ? `${parent.fullName} / ${input.name}` : input.name;
      checkFullNames(checks, fullPath, fullName);
      if (!checks.has('path') && (await routeTaken(tx, fullPath))) checks.add('path', TAKEN);
      const visibility = input.visibility ?? 'private';
      await checkNewGroupVisibility(tx, checks, parent?.id ?? null, visibility);
      checks.verify();
      const created = await tx.group.create({
        data: {
          name: input.name,
          path: input.path,
          description: input.description ?? '',
          avatarUrl: input.avatarUrl || null,
          parentId: parent?.id ?? null,
          fullPath,
          fullName,
          visibility,
        },
      });
      const group = await tx.group.update({
        where: { id: created.id },
        data: { traversalIds: [...(parent?.traversalIds ?? []), created.id] },
      });
      if (input.creatorId && !parent) {
        await tx.groupMember.create({ data: { groupId: group.id, userId: input.creatorId, accessLevel: AccessLevel.OWNER } });
      }
      return group;
    });
  } catch (error) {
    return pathRace(error);
  }
}

/**
 * Creates a project in a group, or in a user's personal namespace (`ownerId`), after GitLab's validations:
 * its path is a free route and its name unique in the namespace.
 */
export async function createProject(
  db: Db,
  input: {
    name: string;
    path: string;
    groupId?: number | null;
    ownerId?: number | null;
    description?: string | null;
    avatarUrl?: string | null;
    /** Private unless given (GitLab's default_project_visibility); at most its group's. */
    visibility?: Visibility | null;
  },
) {
  const checks = namespaceChecks(input);
  try {
    return await db.$transaction(async (tx) => {
      const group = input.groupId ? await tx.group.findUnique({ where: { id: input.groupId } }) : null;
      const owner = !input.groupId && input.ownerId ? await tx.user.findUnique({ where: { id: input.ownerId } }) : null;
      if (!group && !owner) throw new ValidationFailed([{ attribute: 'namespace', message: 'must exist' }]);
      const namespace = group ? { path: group.fullPath, name: group.fullName } : { path: owner?.username, name: owner?.name };
      const pathWithNamespace = `${namespace.path}/${input.path}`;
      const nameWithNamespace = `${namespace.name} / ${input.name}`;
      checkFullNames(checks, pathWithNamespace, nameWithNamespace);
      if (!checks.has('path') && (await routeTaken(tx, pathWithNamespace))) checks.add('path', TAKEN);
      const sameName = group ? { groupId: group.id } : { ownerId: owner?.id, groupId: null };
      if (!checks.has('name') && (await tx.project.findFirst({ where: { ...sameName, name: input.name }, select: { id: true } }))) {
        checks.add('name', TAKEN);
      }
      const visibility = input.visibility ?? 'private';
      await checkNewProjectVisibility(tx, checks, group?.id ?? null, visibility);
      checks.verify();
      return tx.project.create({
        data: {
          name: input.name,
          path: input.path,
          description: input.description ?? null,
          avatarUrl: input.avatarUrl || null,
          groupId: group?.id ?? null,
          ownerId: group ? null : (owner?.id ?? null),
          traversalIds: group?.traversalIds ?? [],
          pathWithNamespace,
          nameWithNamespace,
          visibility,
        },
      });
    });
  } catch (error) {
    return pathRace(error);
  }
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

/**
 * GitLab's Member#higher_access_level_than_group: a membership may not grant less than the user already
 * inherits from an ancestor group, since the inherited level would win anyway.
 */
export async function checkAgainstInherited(
  tx: Tx,
  checks: AttributeChecks,
  ancestorIds: readonly number[],
  userId: number,
  accessLevel: number,
) {
  if (!ancestorIds.length) return;
  const inherited = await tx.groupMember.findFirst({
    where: { userId, groupId: { in: [...ancestorIds] }, accessLevel: { gt: accessLevel } },
    orderBy: { accessLevel: 'desc' },
    select: { accessLevel: true, group: { select: { name: true } } },
  });
  if (inherited) {
    const level = ACCESS_LEVEL_NAMES[inherited.accessLevel] ?? String(inherited.accessLevel);
    checks.add('access_level', `should be greater than or equal to ${level} inherited membership from group ${inherited.group.name}`);
  }
}

export function levelChecks(accessLevel: number): AttributeChecks {
  return new AttributeChecks().format('access_level', ACCESS_LEVEL_VALUES.includes(accessLevel), 'is not included in the list');
}

const MEMBER_EXISTS = 'Member already exists';

/**
 * Adds a user to a group. As GitLab's members API, a second membership of the same user is a conflict (409),
 * not a change: changing a level is a different operation.
 */
export async function addGroupMember(db: Db, input: { groupId: number; userId: number; accessLevel: number }) {
  const checks = levelChecks(input.accessLevel);
  const key = { groupId: input.groupId, userId: input.userId };
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.groupMember.findUnique({ where: { groupId_userId: key }, select: { userId: true } })) throw conflict(MEMBER_EXISTS);
      const group = await tx.group.findUniqueOrThrow({ where: { id: input.groupId }, select: { traversalIds: true } });
      await checkAgainstInherited(
        tx,
        checks,
        group.traversalIds.filter((id) => id !== input.groupId),
        input.userId,
        input.accessLevel,
      );
      checks.verify();
      return tx.groupMember.create({ data: { ...key, accessLevel: input.accessLevel } });
    });
  } catch (error) {
    if (violatesUnique(error, 'userId') || violatesUnique(error, 'pkey')) throw conflict(MEMBER_EXISTS);
    throw error;
  }
}

/** Adds a user to a project; as for groups, an existing member is a conflict. */
export async function addProjectMember(db: Db, input: { projectId: number; userId: number; accessLevel: number }) {
  const checks = levelChecks(input.accessLevel);
  const key = { projectId: input.projectId, userId: input.userId };
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.projectMember.findUnique({ where: { projectId_userId: key }, select: { userId: true } })) throw conflict(MEMBER_EXISTS);
      const project = await tx.project.findUniqueOrThrow({ where: { id: input.projectId }, select: { traversalIds: true } });
      await checkAgainstInherited(tx, checks, project.traversalIds, input.userId, input.accessLevel);
      checks.verify();
      return tx.projectMember.create({ data: { ...key, accessLevel: input.accessLevel } });
    });
  } catch (error) {
    if (violatesUnique(error, 'userId') || violatesUnique(error, 'pkey')) throw conflict(MEMBER_EXISTS);
    throw error;
  }
}

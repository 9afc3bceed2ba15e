import type { Db } from '../db/client.ts';
import { sameText } from '../services/validation.ts';
import { CliError } from './output.ts';

// Commands name things as people do (a username, a full path); these turn names into rows or clear errors.
// GitLab resolves both regardless of case.

export async function findUser(db: Db, username: string) {
  const user = await db.user.findFirst({ where: { username: sameText(username.trim()) } });
  if (!user) throw new CliError(`no user with username "${username}"`);
  return user;
}

export async function findGroup(db: Db, fullPath: string) {
  const group = await db.group.findFirst({ where: { fullPath: sameText(trimPath(fullPath)) } });
  if (!group) throw new CliError(`no group at "${fullPath}"`);
  return group;
}

export async function findProject(db: Db, fullPath: string) {
  const project = await db.project.findFirst({ where: { pathWithNamespace: sameText(trimPath(fullPath)) } });
  if (!project) throw new CliError(`no project at "${fullPath}"`);
  return project;
}

/** Paths are often pasted from URLs, with a leading or trailing slash. */
function trimPath(path: string): string {
  return path.trim().replace(/^\/+|\/+$/g, '');
}

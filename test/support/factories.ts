import { AccessLevel } from '../../src/auth/access-level.ts';
import type { Db } from '../../src/db/client.ts';
import type { JobStatus, RunnerType, TokenScope } from '../../src/db/generated/enums.ts';
import { SYSTEM_ACTOR } from '../../src/services/runner-audit.ts';
import { createRunner as createRunnerService } from '../../src/services/runners.ts';
import { createPersonalAccessToken } from '../../src/services/tokens.ts';

// Factories set up the rows a test relies on; the behaviour under test always goes through HTTP.

let sequence = 0;
const next = () => ++sequence;

export async function createUser(
  db: Db,
  overrides: { admin?: boolean; username?: string; scopes?: TokenScope[]; expiresAt?: Date; revoked?: boolean } = {},
) {
  const n = next();
  const username = overrides.username ?? `user${n}`;
  const user = await db.user.create({
    data: { username, name: `User ${n}`, email: `${username}@example.com`, admin: overrides.admin ?? false },
  });
  const { token, record } = await createPersonalAccessToken(db, {
    userId: user.id,
    name: 'test',
    scopes: overrides.scopes ?? ['api'],
    expiresAt: overrides.expiresAt ?? null,
  });
  if (overrides.revoked) await db.personalAccessToken.update({ where: { id: record.id }, data: { revoked: true } });
  return { user, token };
}

export async function createGroup(
  db: Db,
  overrides: { parent?: { id: number; fullPath: string; fullName: string; traversalIds: number[] }; path?: string } = {},
) {
  const n = next();
  const path = overrides.path ?? `group-${n}`;
  const parent = overrides.parent;
  const group = await db.group.create({
    data: {
      name: `Group ${n}`,
      path,
      fullPath: parent ? `${parent.fullPath}/${path}` : path,
      fullName: parent ? `${parent.fullName} / Group ${n}` : `Group ${n}`,
      parentId: parent?.id ?? null,
    },
  });
  return db.group.update({ where: { id: group.id }, data: { traversalIds: [...(parent?.traversalIds ?? []), group.id] } });
}

export async function createProject(
  db: Db,
  overrides: {
    group?: { id: number; fullPath: string; fullName: string; traversalIds: number[] };
    owner?: { id: number; username: string; name: string };
    path?: string;
  } = {},
) {
  const n = next();
  const path = overrides.path ?? `project-${n}`;
  const { group, owner } = overrides;
  return db.project.create({
    data: {
      name: `Project ${n}`,
      path,
      groupId: group?.id ?? null,
      ownerId: group ? null : (owner?.id ?? null),
      traversalIds: group?.traversalIds ?? [],
      pathWithNamespace: `${group?.fullPath ?? owner?.username ?? 'ns'}/${path}`,
      nameWithNamespace: `${group?.fullName ?? owner?.name ?? 'ns'} / Project ${n}`,
    },
  });
}

export const addGroupMember = (db: Db, groupId: number, userId: number, accessLevel: number = AccessLevel.MAINTAINER) =>
  db.groupMember.create({ data: { groupId, userId, accessLevel } });

export const addProjectMember = (db: Db, projectId: number, userId: number, accessLevel: number = AccessLevel.MAINTAINER) =>
  db.projectMember.create({ data: { projectId, userId, accessLevel } });

export async function createRunner(
  db: Db,
  overrides: {
    runnerType?: RunnerType;
    groupId?: number;
    projectIds?: number[];
    description?: string;
    paused?: boolean;
    locked?: boolean;
    tagList?: string[];
    contactedAt?: Date | null;
    createdAt?: Date;
    version?: string;
  } = {},
) {
  const runnerType = overrides.runnerType ?? (overrides.groupId ? 'group_type' : overrides.projectIds ? 'project_type' : 'instance_type');
  const [firstProject, ...otherProjects] = overrides.projectIds ?? [];
  const { runner, token } = await createRunnerService(
    db,
    {
      runnerType,
      groupId: overrides.groupId,
      projectId: firstProject,
      registrationType: 'registration_token',
      description: overrides.description ?? `runner ${next()}`,
      paused: overrides.paused,
      locked: overrides.locked,
      tagList: overrides.tagList,
    },
    SYSTEM_ACTOR,
  );
  for (const projectId of otherProjects) await db.runnerProject.create({ data: { runnerId: runner.id, projectId } });
  const updated = await db.runner.update({
    where: { id: runner.id },
    data: {
      contactedAt: overrides.contactedAt ?? null,
      ...(overrides.createdAt ? { createdAt: overrides.createdAt } : {}),
    },
  });
  // A version is a host's fact: the runner gets a manager that reported it.
  if (overrides.version) {
    await db.runnerManager.create({
      data: { runnerId: runner.id, systemXid: `s_${runner.id}`, version: overrides.version, contactedAt: overrides.contactedAt ?? null },
    });
  }
  return { runner: updated, token };
}

export async function createJob(
  db: Db,
  input: { projectId: number; runnerId?: number; runnerManagerId?: number; status?: JobStatus; userId?: number; name?: string },
) {
  const n = next();
  const sha = n.toString(16).padStart(40, 'a');
  const commit = await db.commit.create({
    data: {
      projectId: input.projectId,
      sha,
      title: `Commit ${n}`,
      message: `Commit ${n}\n\nBody`,
      authorName: 'Author',
      authorEmail: 'author@example.com',
      authoredDate: new Date('2024-01-01T00:00:00Z'),
      committerName: 'Committer',
      committerEmail: 'committer@example.com',
      committedDate: new Date('2024-01-01T00:00:00Z'),
      parentIds: [],
    },
  });
  const pipeline = await db.pipeline.create({
    data: {
      iid: n,
      projectId: input.projectId,
      commitId: commit.id,
      ref: 'main',
      status: input.status ?? 'success',
      userId: input.userId ?? null,
    },
  });
  return db.job.create({
    data: {
      name: input.name ?? `job-${n}`,
      stage: 'test',
      status: input.status ?? 'success',
      ref: 'main',
      pipelineId: pipeline.id,
      projectId: input.projectId,
      runnerId: input.runnerId ?? null,
      runnerManagerId: input.runnerManagerId ?? null,
      userId: input.userId ?? null,
    },
  });
}

export const gid = (modelClass: string, id: number) => `gid://gitlab/${modelClass}/${id}`;
export const runnerGid = (id: number) => gid('Ci::Runner', id);

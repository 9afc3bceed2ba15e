import { digestToken } from '../../src/auth/tokens.ts';
import type { Db } from '../../src/db/client.ts';
import type { TokenScope } from '../../src/db/generated/enums.ts';
import { createRunner as createRunnerService } from '../../src/services/runners.ts';
import { SYSTEM_ACTOR } from '../../src/services/runner-audit.ts';
import { createPersonalAccessToken, resetRegistrationToken } from '../../src/services/tokens.ts';
import { addGroupMember, addProjectMember, createGroup, createJob, createProject, createRunner, createUser } from '../support/factories.ts';

/**
 * What the fuzzer can aim at: ids, paths and tokens that exist right now, so that generated requests get past
 * authentication and lookups and into the code behind them. Requests change the data (a runner deleted, a token
 * revoked or rotated), so `refresh()` re-reads it and tops it up between batches.
 */
export interface Targets {
  readonly ids: Readonly<Record<IdKind, readonly number[]>>;
  readonly projectPaths: readonly string[];
  readonly groupPaths: readonly string[];
  readonly usernames: readonly string[];
  /** Personal access tokens: an admin's, a maintainer's, a read_api-only one, and runner-scoped ones. */
  readonly userTokens: readonly string[];
  readonly runnerTokens: readonly string[];
  readonly registrationTokens: readonly string[];
}

export type IdKind = 'runner' | 'project' | 'group' | 'user' | 'job' | 'pipeline' | 'token';

interface TrackedToken {
  token: string;
  userId: number;
  scopes: TokenScope[];
}

const MIN_RUNNERS = 12;
const MIN_RUNNER_TOKENS = 4;

export class World {
  #users: TrackedToken[] = [];
  #runnerTokens: string[] = [];
  #registration: {
    token: string;
    scope: { kind: 'instance' } | { kind: 'group'; groupId: number } | { kind: 'project'; projectId: number };
  }[] = [];
  #targets: Targets | null = null;

  constructor(private readonly db: Db) {}

  get targets(): Targets {
    if (!this.#targets) throw new Error('World.seed() first');
    return this.#targets;
  }

  /** Users, a small group tree, projects, runners of every type, jobs, and a token of every kind. */
  async seed(): Promise<void> {
    const { db } = this;
    const admin = await createUser(db, { admin: true, username: 'fuzz-admin' });
    const maintainer = await createUser(db, { username: 'fuzz-maintainer' });
    const reader = await createUser(db, { username: 'fuzz-reader', scopes: ['read_api'] });
    const runnerManager = await createUser(db, { username: 'fuzz-runners', scopes: ['manage_runner', 'create_runner'] });
    this.#users = [
      { token: admin.token, userId: admin.user.id, scopes: ['api'] },
      { token: maintainer.token, userId: maintainer.user.id, scopes: ['api'] },
      { token: reader.token, userId: reader.user.id, scopes: ['read_api'] },
      { token: runnerManager.token, userId: runnerManager.user.id, scopes: ['manage_runner', 'create_runner'] },
    ];
    const top = await createGroup(db, { path: 'fuzz' });
    const sub = await createGroup(db, { parent: top, path: 'sub' });
    await addGroupMember(db, top.id, maintainer.user.id);
    await addGroupMember(db, sub.id, runnerManager.user.id);
    const projects = [
      await createProject(db, { group: top, path: 'alpha' }),
      await createProject(db, { group: sub, path: 'beta' }),
      await createProject(db, { owner: maintainer.user, path: 'personal' }),
    ];
    await addProjectMember(db, projects[1]!.id, reader.user.id);
    for (const [index, project] of projects.entries()) {
      const { runner } = await createRunner(db, { projectIds: [project.id], tagList: ['linux', `p${index}`] });
      for (const status of ['success', 'failed', 'running', 'created'] as const) {
        await createJob(db, { projectId: project.id, runnerId: runner.id, status, userId: maintainer.user.id });
      }
    }
    await createRunner(db, { groupId: top.id, paused: true });
    await createRunner(db, { groupId: sub.id, contactedAt: new Date() });
    this.#registration = [
      { token: await resetRegistrationToken(db, { kind: 'instance' }), scope: { kind: 'instance' } },
      { token: await resetRegistrationToken(db, { kind: 'group', groupId: top.id }), scope: { kind: 'group', groupId: top.id } },
      {
        token: await resetRegistrationToken(db, { kind: 'project', projectId: projects[0]!.id }),
        scope: { kind: 'project', projectId: projects[0]!.id },
      },
    ];
    await this.refresh();
  }

  /**
   * Replaces what requests used up, then re-reads what exists. Runs outside the batches it prepares; says
   * whether it wrote anything, so a data checksum taken before it can still be trusted when it did not.
   */
  async refresh(): Promise<boolean> {
    const { db } = this;
    let wrote = false;
    const activeTokens = await db.personalAccessToken.findMany({
      where: { digest: { in: this.#users.map((tracked) => digestToken(tracked.token)) }, revoked: false },
      select: { digest: true },
    });
    const active = new Set(activeTokens.map((token) => token.digest));
    for (const tracked of this.#users) {
      if (active.has(digestToken(tracked.token))) continue;
      tracked.token = (await createPersonalAccessToken(db, { userId: tracked.userId, name: 'fuzz', scopes: tracked.scopes })).token;
      wrote = true;
    }
    const registered = await db.registrationToken.findMany({
      where: { digest: { in: this.#registration.map((registration) => digestToken(registration.token)) } },
      select: { digest: true },
    });
    const current = new Set(registered.map((token) => token.digest));
    for (const registration of this.#registration) {
      if (current.has(digestToken(registration.token))) continue;
      const { scope } = registration;
      const stillThere =
        scope.kind === 'instance' ||
        (scope.kind === 'group'
          ? await db.group.findUnique({ where: { id: scope.groupId } })
          : await db.project.findUnique({ where: { id: scope.projectId } }));
      if (stillThere) registration.token = await resetRegistrationToken(db, scope);
      wrote = true;
    }
    const live = await db.runner.findMany({
      where: { tokenDigest: { in: this.#runnerTokens.map(digestToken) } },
      select: { tokenDigest: true },
    });
    const liveDigests = new Set(live.map((runner) => runner.tokenDigest));
    this.#runnerTokens = this.#runnerTokens.filter((token) => liveDigests.has(digestToken(token)));
    const runnerCount = await db.runner.count();
    for (let index = runnerCount; index < MIN_RUNNERS || this.#runnerTokens.length < MIN_RUNNER_TOKENS; index += 1) {
      const { token } = await createRunnerService(
        db,
        {
          runnerType: 'instance_type',
          registrationType: 'authenticated_user',
          description: `fuzz ${index}`,
        },
        SYSTEM_ACTOR,
      );
      this.#runnerTokens.push(token);
      wrote = true;
    }
    this.#targets = await this.#read();
    return wrote;
  }

  async #read(): Promise<Targets> {
    const { db } = this;
    const ids = (rows: { id: number }[]) => rows.map((row) => row.id);
    const [runners, projects, groups, users, jobs, pipelines, tokens] = await Promise.all([
      db.runner.findMany({ select: { id: true }, orderBy: { id: 'desc' }, take: 50 }),
      db.project.findMany({ select: { id: true, pathWithNamespace: true } }),
      db.group.findMany({ select: { id: true, fullPath: true } }),
      db.user.findMany({ select: { id: true, username: true } }),
      db.job.findMany({ select: { id: true }, orderBy: { id: 'desc' }, take: 50 }),
      db.pipeline.findMany({ select: { id: true }, orderBy: { id: 'desc' }, take: 50 }),
      db.personalAccessToken.findMany({ select: { id: true }, orderBy: { id: 'desc' }, take: 50 }),
    ]);
    return {
      ids: {
        runner: ids(runners),
        project: ids(projects),
        group: ids(groups),
        user: ids(users),
        job: ids(jobs),
        pipeline: ids(pipelines),
        token: ids(tokens),
      },
      projectPaths: projects.map((project) => project.pathWithNamespace),
      groupPaths: groups.map((group) => group.fullPath),
      usernames: users.map((user) => user.username),
      userTokens: this.#users.map((user) => user.token),
      runnerTokens: [...this.#runnerTokens],
      registrationTokens: this.#registration.map((registration) => registration.token),
    };
  }
}

/**
 * A digest of every table's rows, to show a batch of rejected requests changed nothing. `lastUsedAt` is left
 * out: GitLab records a token's use even when the request it authenticated is then refused.
 */
export async function checksum(db: Db): Promise<Record<string, string>> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
    ORDER BY table_name`;
  // One statement for all tables: this runs around every batch.
  const perTable = tables.map(({ name }) => {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    const literal = `'${name.replaceAll("'", "''")}'`;
    return `SELECT ${literal} AS name, count(*)::int AS rows, md5(string_agg(r.t, '|' ORDER BY r.t)) AS digest
      FROM (SELECT (to_jsonb(x) - 'lastUsedAt')::text AS t FROM ${quoted} x) r`;
  });
  const rows = await db.$queryRawUnsafe<{ name: string; rows: number; digest: string | null }[]>(perTable.join('\nUNION ALL\n'));
  return Object.fromEntries(rows.map((row) => [row.name, `${row.rows}:${row.digest ?? ''}`]));
}

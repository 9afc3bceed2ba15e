import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { type Database, openPostgres } from '../../src/db/client.ts';
import { type ServerProcess, startServer } from '../faults/process.ts';
import { createPostgresDatabase, DATABASE_URL } from '../faults/support.ts';
import { addProjectMember, createProject, createRunner, createUser, runnerGid } from '../support/factories.ts';
import { type LiveClient, subscribeSse, subscribeWs } from '../support/live.ts';
import type { Json } from '../support/json.ts';

/**
 * Two replicas of the server, as production runs them (separate processes on one PostgreSQL, rate limits shared in
 * Redis): a subscriber on one hears what is changed through the other. PostgreSQL only: PGlite is one process's.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ONLINE_TIMEOUT_SECONDS = 2;

const RUNNER_UPDATED = `subscription($id: CiRunnerID!) { ciRunnerUpdated(runnerId: $id) { kind runner { description status } } }`;
const FLEET = `subscription { ciRunnersUpdated { kind runnerId runner { description } } }`;
const UPDATE = `mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { errors } }`;

describe.skipIf(!DATABASE_URL)('subscriptions across two server processes', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase();
    db = await openPostgres(database.url, { max: 2 });
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_REDIS_PREFIX: `rg-test-live-${randomBytes(4).toString('hex')}`,
      RUNNER_ONLINE_TIMEOUT_SECONDS: String(ONLINE_TIMEOUT_SECONDS),
      LIVE_SWEEP_INTERVAL_MS: '250',
    };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.close();
    await database?.drop();
  });

  async function open(
    subscribe: typeof subscribeSse,
    server: ServerProcess,
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ) {
    const client = subscribe(server.url, query, variables, token);
    clients.push(client);
    await client.ready;
    return client;
  }

  async function graphql(server: ServerProcess, query: string, variables: Record<string, unknown>, token: string) {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'private-token': token },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, Json>; errors?: unknown[] };
  }

  it.each([
    ['SSE', subscribeSse],
    ['WebSocket', subscribeWs],
  ])('delivers over %s, on one server, the changes made through the other, by GraphQL and by REST', async (_name, subscribe) => {
    const { token } = await createUser(db.prisma, { admin: true });
    const { runner } = await createRunner(db.prisma, { description: 'first' });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the set-up's own notifications
    const live = await open(subscribe, b, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);

    expect(
      (await graphql(a, UPDATE, { input: { id: runnerGid(runner.id), description: 'by GraphQL on A' } }, token)).errors,
    ).toBeUndefined();
    expect((await live.next()).data?.ciRunnerUpdated).toEqual({
      kind: 'UPDATED',
      runner: { description: 'by GraphQL on A', status: 'NEVER_CONTACTED' },
    });

    const rest = await fetch(`${a.url}/api/v4/runners/${runner.id}`, {
      method: 'PUT',
      headers: { 'private-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'by REST on A' }),
    });
    expect(rest.status).toBe(200);
    expect((await live.next()).data?.ciRunnerUpdated).toEqual({
      kind: 'UPDATED',
      runner: { description: 'by REST on A', status: 'NEVER_CONTACTED' },
    });

    const deleted = await fetch(`${a.url}/api/v4/runners/${runner.id}`, { method: 'DELETE', headers: { 'private-token': token } });
    expect(deleted.status).toBe(204);
    expect((await live.next()).data?.ciRunnerUpdated).toEqual({ kind: 'DELETED', runner: null });
    await live.completed;
  });

  it('sends a subscriber without permission nothing, while one with it hears the change', async () => {
    const project = await createProject(db.prisma);
    const { runner } = await createRunner(db.prisma, { projectIds: [project.id] });
    const { user: maintainer, token } = await createUser(db.prisma);
    await addProjectMember(db.prisma, project.id, maintainer.id, AccessLevel.MAINTAINER);
    const { user: developer, token: developerToken } = await createUser(db.prisma);
    await addProjectMember(db.prisma, project.id, developer.id, AccessLevel.DEVELOPER);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const allowed = await open(subscribeSse, b, FLEET, {}, token);
    const refused = await open(subscribeWs, b, FLEET, {}, developerToken);

    await graphql(a, UPDATE, { input: { id: runnerGid(runner.id), description: 'maintainers only' } }, token);
    expect((await allowed.next()).data?.ciRunnersUpdated).toEqual({
      kind: 'UPDATED',
      runnerId: runnerGid(runner.id),
      runner: { description: 'maintainers only' },
    });
    expect(await refused.quiet(500)).toEqual([]);
  });

  it('publishes a runner going offline by time passing once, though both servers sweep', async () => {
    const { token } = await createUser(db.prisma, { admin: true });
    const { runner, token: runnerToken } = await createRunner(db.prisma);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const onA = await open(subscribeSse, a, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);
    const onB = await open(subscribeWs, b, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);

    const verified = await fetch(`${b.url}/api/v4/runners/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: runnerToken }),
    });
    expect(verified.status).toBe(200);
    for (const live of [onA, onB]) expect((await live.next()).data?.ciRunnerUpdated.runner.status).toBe('ONLINE');

    for (const live of [onA, onB]) {
      expect((await live.next((ONLINE_TIMEOUT_SECONDS + 5) * 1000)).data?.ciRunnerUpdated).toEqual({
        kind: 'UPDATED',
        runner: { description: runner.description, status: 'OFFLINE' },
      });
    }
    // Both servers kept sweeping meanwhile: neither published the transition again.
    expect(await onA.quiet(1_500)).toEqual([]);
    expect(await onB.quiet(0)).toEqual([]);
  });
});

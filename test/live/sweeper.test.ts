import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStatuses } from '../../src/live/sweeper.ts';
import { ONLINE_CONTACT_TIMEOUT_MS, STALE_TIMEOUT_MS, setStatusTimeouts } from '../../src/runners/status.ts';
import { createRunner, createUser, runnerGid } from '../support/factories.ts';
import { subscribeSse } from '../support/live.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();
const RUNNER_UPDATED = `subscription($id: CiRunnerID!) { ciRunnerUpdated(runnerId: $id) { kind runner { status } } }`;

describe('status changes from time passing', () => {
  // The server runs in this process: its statuses follow these timeouts too.
  beforeAll(() => setStatusTimeouts({ onlineMs: 2_000, staleMs: 4_000 }));
  afterAll(() => setStatusTimeouts({ onlineMs: ONLINE_CONTACT_TIMEOUT_MS, staleMs: STALE_TIMEOUT_MS }));

  it('publishes online → offline → stale once each, however many sweeps run', async () => {
    const { token } = await createUser(server.db, { admin: true });
    await sweepStatuses(server.db); // the first sweep ever sets the watermark
    const { runner } = await createRunner(server.db);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const live = subscribeSse(server.url, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);
    await live.ready;
    await server.db.runner.update({ where: { id: runner.id }, data: { contactedAt: new Date() } });
    expect(await live.next()).toEqual({ data: { ciRunnerUpdated: { kind: 'UPDATED', runner: { status: 'ONLINE' } } } });

    const sweepUntil = async (ms: number) => {
      const published: number[] = [];
      for (const end = Date.now() + ms; Date.now() < end; ) {
        // Two "replicas" sweeping one after the other: the second finds nothing left to publish.
        published.push(...((await sweepStatuses(server.db)) ?? []), ...((await sweepStatuses(server.db)) ?? []));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return published;
    };
    expect(await sweepUntil(3_000)).toEqual([runner.id]);
    expect(await live.next()).toEqual({ data: { ciRunnerUpdated: { kind: 'UPDATED', runner: { status: 'OFFLINE' } } } });
    expect(await sweepUntil(2_500)).toEqual([runner.id]);
    expect(await live.next()).toEqual({ data: { ciRunnerUpdated: { kind: 'UPDATED', runner: { status: 'STALE' } } } });
    expect(await live.quiet(300)).toEqual([]);
    live.close();
  });
});

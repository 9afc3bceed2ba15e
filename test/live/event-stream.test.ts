import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

/** An SSE subscription read as the bytes arrive: each chunk as the client's socket delivered it. */
function rawSubscription(query: string, token: string) {
  const chunks: string[] = [];
  let ended: () => void = () => {};
  const end = new Promise<void>((resolve) => (ended = resolve));
  const opened = new Promise<http.ClientRequest>((resolve, reject) => {
    const url = new URL(server.url);
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: '/graphql',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'private-token': token },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      expect([response.statusCode, response.headers['content-type'], response.headers['cache-control']]).toEqual([
        200,
        'text/event-stream',
        'no-cache',
      ]);
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => chunks.push(chunk));
      response.on('end', () => ended());
      // The stream is open once its first bytes (a comment, as Yoga sends) have arrived.
      const first = () => (chunks.length ? resolve(request) : setTimeout(first, 5));
      first();
    });
    request.end(JSON.stringify({ query }));
  });
  return { chunks, end, opened, text: () => chunks.join('') };
}

/** The events of an SSE body: `event` and `data` of each frame, comments left out. */
function frames(body: string): { event: string; data: string }[] {
  return body
    .split('\n\n')
    .filter((frame) => frame && !frame.startsWith(':'))
    .map((frame) => {
      const [event = '', data = ''] = frame.split('\n');
      return { event: event.replace(/^event: /, ''), data: data.replace(/^data: ?/, '') };
    });
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the SSE event stream on the wire', () => {
  it("writes graphql-sse frames, several events to a write when they come together, and completes with the runner's deletion", async () => {
    const { token } = await createUser(server.db, { admin: true });
    const runners = await Promise.all(Array.from({ length: 12 }, () => createRunner(server.db, { description: 'before' })));
    const ids = runners.map(({ runner }) => runner.id);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const fleet = rawSubscription('subscription { ciRunnersUpdated(paused: true) { kind runnerId } }', token);
    const one = rawSubscription(`subscription { ciRunnerUpdated(runnerId: "${runnerGid(ids[0] as number)}") { kind } }`, token);
    await Promise.all([fleet.opened, one.opened]);
    expect(fleet.text().startsWith(':\n\n')).toBe(true);

    // One statement, twelve runners: their events reach the server together (in the order the statement met the rows).
    await server.db.runner.updateMany({ where: { id: { in: ids } }, data: { paused: true } });
    await until(() => frames(fleet.text()).length === ids.length);
    const byRunner = (a: { data: string }, b: { data: string }) => a.data.localeCompare(b.data);
    expect(frames(fleet.text()).sort(byRunner)).toEqual(
      ids
        .map((id) => ({
          event: 'next',
          data: JSON.stringify({ data: { ciRunnersUpdated: { kind: 'ENTERED', runnerId: runnerGid(id) } } }),
        }))
        .sort(byRunner),
    );
    // Coalesced: fewer writes than events (the opening comment is one of the chunks).
    expect(fleet.chunks.length - 1).toBeLessThan(ids.length);

    await server.graphql(
      'mutation($id: CiRunnerID!) { runnerDelete(input: { id: $id }) { errors } }',
      { id: runnerGid(ids[0] as number) },
      token,
    );
    await one.end;
    expect(frames(one.text()).map(({ event, data }) => [event, data])).toEqual([
      ['next', JSON.stringify({ data: { ciRunnerUpdated: { kind: 'UPDATED' } } })],
      ['next', JSON.stringify({ data: { ciRunnerUpdated: { kind: 'DELETED' } } })],
      ['complete', ''],
    ]);
    (await fleet.opened).destroy();
  });
});

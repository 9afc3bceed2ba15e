import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createPersonalAccessToken } from '../../src/services/tokens.ts';
import { createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Pollers of one view share one computation per data version: after a write, the first poll computes the answer and
// the others are sent it, unless the data changed again. What a 304 is for one client, this is for many.

const server = useTestServer();

// What every answer carries of its own request: when, which, and what the rate limit has seen so far.
const PER_REQUEST = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

async function get(path: string, token: string, etag?: string) {
  const response = await fetch(`${server.url}${path}`, {
    headers: { 'private-token': token, ...(etag ? { 'if-none-match': etag } : {}) },
  });
  const text = await response.text();
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !PER_REQUEST.has(name) && !name.startsWith('ratelimit')));
  return { status: response.status, etag: response.headers.get('etag'), text, headers };
}

/** A conditional GET on a connection of its own, so that several are truly under way at once. */
function getAlone(path: string, token: string, etag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { 'private-token': token, 'if-none-match': etag };
    const sent = request(`${server.url}${path}`, { agent: false, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('answers shared by pollers (kept by ETag)', () => {
  it('sends a poller whose ETag went stale the answer another poller computed, without running the request again', async () => {
    const { token } = await createUser(server.db, { admin: true });
    await createRunner(server.db, { description: 'one' });
    await createRunner(server.db, { description: 'two' });
    // A page, so that its pagination headers are part of the answer too.
    const path = '/api/v4/runners/all?per_page=1';
    const seen = await get(path, token);
    await get(path, token); // the token's first use is recorded meanwhile

    const { runner } = await createRunner(server.db, { description: 'three' });
    expect((await server.rest('PUT', `/runners/${runner.id}`, { token, json: { description: 'changed' } })).status).toBe(200);

    const first = await get(path, token, seen.etag ?? '');
    expect(first.status).toBe(200);
    let second: Awaited<ReturnType<typeof get>> | undefined;
    // The token cached, the version read: that statement is all the second poller costs.
    expect(await server.countQueries(async () => (second = await get(path, token, seen.etag ?? '')))).toBe(1);
    expect(second).toEqual(first);
    expect(first.headers['x-next-page']).toBe('2');
    expect(first.headers.link).toContain('rel="next"');
  });

  it('never shares an answer between two tokens, even of one user with the same scopes', async () => {
    const { user, token } = await createUser(server.db, { admin: true });
    const { token: other } = await createPersonalAccessToken(server.db, {
      userId: user.id,
      name: 'second',
      scopes: ['api'],
      expiresAt: null,
    });
    const path = '/api/v4/user';
    const mine = await get(path, token);
    const theirs = await get(path, other, mine.etag ?? '');
    // A token is its own view: neither a 304 nor a kept answer crosses from one token to another.
    expect(theirs.status).toBe(200);
    expect(theirs.etag).not.toBe(mine.etag);
  });

  it('shares GraphQL GET answers alike', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'graphql' });
    const query = new URLSearchParams({ query: '{ runners(first: 5) { count nodes { id description } } }' });
    const path = `/graphql?${query}`;
    const seen = await get(path, token);
    await get(path, token);
    expect((await server.rest('PUT', `/runners/${runner.id}`, { token, json: { description: 'moved' } })).status).toBe(200);

    const first = await get(path, token, seen.etag ?? '');
    expect(first.text).toContain('moved');
    let second: Awaited<ReturnType<typeof get>> | undefined;
    expect(await server.countQueries(async () => (second = await get(path, token, seen.etag ?? '')))).toBe(1);
    expect(second).toEqual(first);
    expect(first.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
  });

  it('has pollers that ask while the answer is being computed wait for it rather than compute it again', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'herd' });
    const path = '/api/v4/runners/all?per_page=5';
    const seen = await get(path, token);
    await get(path, token);
    const write = async (description: string) =>
      expect((await server.rest('PUT', `/runners/${runner.id}`, { token, json: { description } })).status).toBe(200);

    await write('one poller');
    // One poller after a write: its version read, then the answer's statements.
    const alone = await server.countQueries(() => get(path, token, seen.etag ?? ''));
    await write('five pollers');
    let answers: string[] = [];
    const together = await server.countQueries(async () => {
      answers = await Promise.all(Array.from({ length: 5 }, () => getAlone(path, token, seen.etag ?? '')));
    });
    // Five version reads, and the answer's statements once. (On PGlite, whose statements never wait on a socket,
    // one request is answered before the next is read; on PostgreSQL the five are under way together.)
    expect(together).toBe(alone + 4);
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain('five pollers');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from './faults/process.ts';

const TOKEN = 'glpat-shutdown-test-token-0123456789';

/**
 * SIGTERM, as an orchestrator sends it: the server stops accepting connections, lets the requests it is serving
 * finish, closes the database, and exits 0. The in-flight request is made slow by its client: its headers are
 * sent, its body only after the signal.
 */
describe('graceful shutdown', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runners-gateway-shutdown-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the request in flight when SIGTERM arrives, refuses new connections, and exits 0', { timeout: 120_000 }, async () => {
    // PGlite under a data folder of its own, as a real deployment without DATABASE_URL has.
    server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', INITIAL_ROOT_TOKEN: TOKEN });
    const { port } = new URL(server.url);
    const body = Buffer.from(JSON.stringify({ query: '{ currentUser { username admin } }' }));

    let inFlight: http.ClientRequest | undefined;
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/graphql',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${TOKEN}` },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.write(body.subarray(0, 10));
      inFlight = request;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Still there, waiting for the request it is serving…
    expect(server.isRunning()).toBe(true);
    // …but no longer accepting connections.
    const refused = await fetch(`${server.url}/-/liveness`).then(
      () => 'accepted',
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');

    inFlight?.end(body.subarray(10));
    const { status, text } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { currentUser: { username: 'root', admin: true } } });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).not.toMatch(/unhandled|uncaught/i);
  });
});

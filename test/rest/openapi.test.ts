import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

describe('GET /api/v4/openapi.json', () => {
  it('publishes an OpenAPI 3 document in which every documented operation is a real route', async () => {
    const res = await server.rest('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const operations = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, '1') })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(9);
    for (const { method, path } of operations) {
      const answer = await server.rest(method, path);
      // Unauthenticated calls are refused by the route itself, never by the catch-all "404 Not Found" of unknown routes.
      expect(answer.body, `${method} ${path}`).not.toEqual({ error: '404 Not Found' });
      expect(answer.status, `${method} ${path}`).toBeLessThan(500);
    }
  });

  it('documents the parameters each route validates', async () => {
    const { body } = await server.rest('GET', '/openapi.json');
    const list = body.paths['/runners/all'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['scope', 'type', 'status', 'paused', 'tag_list', 'page', 'per_page']),
    );
    const update = body.paths['/runners/{id}'].put;
    expect(Object.keys(update.requestBody.content['application/json'].schema.properties)).toContain('maximum_timeout');
  });
});

import { describe, expect, it } from 'vitest';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { createProject, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

/** The content types clients put on requests without a body (python-gitlab: application/json, on every DELETE). */
const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
  'application/octet-stream',
  'not a type',
];

async function empty(method: string, path: string, contentType: string, token?: string, sent: 'no-length' | 'zero-length' = 'zero-length') {
  const headers: Record<string, string> = { 'content-type': contentType, ...(token ? { 'private-token': token } : {}) };
  if (sent === 'zero-length') headers['content-length'] = '0';
  // fetch sends an empty body with Content-Length: 0 on POST and PUT, and with no length at all on DELETE.
  const response = await fetch(`${server.url}${path}`, { method, headers, body: method === 'GET' ? undefined : '' });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('a request with an empty body, whatever its Content-Type', () => {
  it.each(CONTENT_TYPES)('%s: reads as no parameters on GET, POST, PUT and DELETE, with GitLab answers', async (contentType) => {
    const admin = await createUser(server.db, { admin: true });
    const project = await createProject(server.db);
    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
    const registered = await server.rest('POST', '/runners', { form: { token: registration } });
    const runnerId = registered.body.id as number;

    expect(await empty('GET', `/api/v4/runners/${runnerId}`, contentType, admin.token)).toMatchObject({
      status: 200,
      body: { id: runnerId },
    });
    // No parameters: Grape's messages for what is missing, not a body error.
    expect(await empty('POST', '/api/v4/runners', contentType)).toEqual({ status: 400, body: { error: 'token is missing' } });
    expect(await empty('POST', `/api/v4/projects/${project.id}/runners`, contentType, admin.token)).toEqual({
      status: 400,
      body: { error: 'runner_id is missing' },
    });
    expect(await empty('PUT', `/api/v4/runners/${runnerId}`, contentType, admin.token)).toEqual({
      status: 400,
      body: {
        error:
          'description, active, paused, tag_list, run_untagged, locked, access_level, maximum_timeout, maintenance_note are missing, at least one parameter must be provided',
      },
    });
    expect(await empty('DELETE', '/api/v4/runners', contentType, undefined, 'no-length')).toEqual({
      status: 400,
      body: { error: 'token is missing' },
    });
    // python-gitlab's runner delete, both ways it sends it.
    expect(await empty('DELETE', `/api/v4/runners/${runnerId}`, contentType, admin.token, 'no-length')).toEqual({
      status: 204,
      body: null,
    });
    expect(await empty('DELETE', `/api/v4/runners/${runnerId}`, contentType, admin.token)).toEqual({
      status: 404,
      body: { message: '404 Runner Not Found' },
    });
  });

  it.each(CONTENT_TYPES)('%s: is a GraphQL request without a query on POST /graphql', async (contentType) => {
    expect(await empty('POST', '/graphql', contentType)).toMatchObject({
      body: { errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST' } }] },
    });
  });

  it('keeps refusing bodies that are there but broken', async () => {
    const post = (contentType: string, body: string) =>
      fetch(`${server.url}/api/v4/runners`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const json = await post('application/json', '{"token":');
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: expect.stringContaining('JSON') });
    const multipart = await post('multipart/form-data; boundary=x', 'not multipart');
    expect(multipart.status).toBe(400);
  });
});

describe('a GraphQL body without a query', () => {
  it('is answered "Must provide query string."', async () => {
    for (const body of ['{}', '{"variables":{}}']) {
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(await response.json()).toEqual({ errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST' } }] });
    }
  });
});

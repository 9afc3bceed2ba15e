import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, addProjectMember, createGroup, createJob, createProject, createRunner, createUser } from '../support/factories.ts';
import { EXTERNAL_URL, useTestServer } from '../support/server.ts';

const server = useTestServer();

describe('GET /api/v4/runners/:id', () => {
  it("returns GitLab's RunnerDetails, with application/json exactly", async () => {
    const admin = await createUser(server.db, { admin: true });
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id], description: 'test-1', tagList: ['ruby', 'mysql'] });

    const res = await server.rest('GET', `/runners/${runner.id}`, { token: admin.token });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({
      id: runner.id,
      description: 'test-1',
      ip_address: null,
      active: true,
      paused: false,
      is_shared: false,
      runner_type: 'project_type',
      name: null,
      online: null,
      created_at: runner.createdAt.toISOString(),
      status: 'never_contacted',
      job_execution_status: 'idle',
      tag_list: ['ruby', 'mysql'],
      run_untagged: true,
      locked: false,
      maximum_timeout: null,
      access_level: 'not_protected',
      version: null,
      revision: null,
      platform: null,
      architecture: null,
      contacted_at: null,
      maintenance_note: null,
      projects: [
        {
          id: project.id,
          description: null,
          name: project.name,
          name_with_namespace: project.nameWithNamespace,
          path: project.path,
          path_with_namespace: project.pathWithNamespace,
          created_at: project.createdAt.toISOString(),
        },
      ],
      groups: [],
    });
  });

  it('answers 404, 403, 401 and 400 with GitLab’s bodies', async () => {
    const stranger = await createUser(server.db);
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });

    expect(await server.rest('GET', '/runners/999999', { token: stranger.token })).toMatchObject({
      status: 404,
      body: { message: '404 Runner Not Found' },
    });
    expect(await server.rest('GET', `/runners/${runner.id}`, { token: stranger.token })).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden - No access granted' },
    });
    expect(await server.rest('GET', `/runners/${runner.id}`)).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    expect(await server.rest('GET', `/runners/${runner.id}`, { token: 'glpat-nope' })).toMatchObject({
      status: 401,
      body: { message: '401 Unauthorized' },
    });
    expect(await server.rest('GET', '/runners/abc', { token: stranger.token })).toMatchObject({
      status: 400,
      body: { error: 'id is invalid' },
    });
  });

  it('refuses expired and revoked tokens, and tokens without a fitting scope, as GitLab does', async () => {
    const { runner } = await createRunner(server.db);
    const expired = await createUser(server.db, { expiresAt: new Date(Date.now() - 1000) });
    const revoked = await createUser(server.db, { revoked: true });
    const creator = await createUser(server.db, { scopes: ['create_runner'] });
    const manager = await createUser(server.db, { scopes: ['manage_runner'] });

    const res = await server.rest('GET', `/runners/${runner.id}`, { token: expired.token });
    expect(res).toMatchObject({
      status: 401,
      body: { error: 'invalid_token', error_description: 'Token is expired. You can either do re-authorization or token refresh.' },
    });
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: revoked.token })).body).toEqual({
      error: 'invalid_token',
      error_description: 'Token was revoked. You have to re-authorize from the user.',
    });
    expect(await server.rest('GET', `/runners/${runner.id}`, { token: creator.token })).toMatchObject({
      status: 403,
      body: {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: 'api read_api manage_runner',
      },
    });
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: manager.token })).status).toBe(200);
    expect((await server.rest('GET', '/runners', { token: manager.token })).status).toBe(403);
  });
});

describe('runner lists', () => {
  it('GET /runners lists the runners you own, never instance runners, with pagination headers', async () => {
    const { user, token } = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    await addGroupMember(server.db, group.id, user.id, AccessLevel.OWNER);
    const owned = [];
    for (let i = 0; i < 3; i++) owned.push((await createRunner(server.db, { groupId: group.id, description: `owned ${i}` })).runner);
    await createRunner(server.db, { description: 'instance' });

    const res = await server.rest('GET', '/runners?per_page=2&page=2', { token });

    expect(res.status).toBe(200);
    expect(res.body.map((r: { id: number }) => r.id)).toEqual([owned[2]!.id]);
    expect(
      Object.fromEntries(
        ['x-total', 'x-total-pages', 'x-per-page', 'x-page', 'x-next-page', 'x-prev-page'].map((h) => [h, res.headers.get(h)]),
      ),
    ).toEqual({
      'x-total': '3',
      'x-total-pages': '2',
      'x-per-page': '2',
      'x-page': '2',
      'x-next-page': '',
      'x-prev-page': '1',
    });
    expect(res.headers.get('link')).toBe(
      [
        `<${EXTERNAL_URL}/api/v4/runners?page=1&per_page=2>; rel="prev"`,
        `<${EXTERNAL_URL}/api/v4/runners?page=1&per_page=2>; rel="first"`,
        `<${EXTERNAL_URL}/api/v4/runners?page=2&per_page=2>; rel="last"`,
      ].join(', '),
    );
  });

  it('validates filters with Grape’s messages and refuses non-status scopes on GET /runners', async () => {
    const { token } = await createUser(server.db);
    expect((await server.rest('GET', '/runners?status=bogus', { token })).body).toEqual({ error: 'status does not have a valid value' });
    expect((await server.rest('GET', '/runners?type=bogus', { token })).body).toEqual({ error: 'type does not have a valid value' });
    expect((await server.rest('GET', '/runners?paused=maybe', { token })).body).toEqual({ error: 'paused is invalid' });
    expect((await server.rest('GET', '/runners?scope=bogus', { token })).body).toEqual({ error: 'scope does not have a valid value' });
    expect(await server.rest('GET', '/runners?scope=shared', { token })).toMatchObject({
      status: 400,
      body: { message: 'Scope contains invalid value' },
    });
    expect((await server.rest('GET', '/runners?per_page=0', { token })).body).toEqual({ error: 'per_page has a value not allowed' });
    expect((await server.rest('GET', '/runners?version_prefix=v1', { token })).body).toEqual({ error: 'version_prefix is invalid' });
  });

  it('GET /runners/all is for admins; filters by type, status, paused, tags and the deprecated scope', async () => {
    const admin = await createUser(server.db, { admin: true });
    const user = await createUser(server.db);
    const a = await createRunner(server.db, { description: 'all-a', tagList: ['tag1', 'tag2'], contactedAt: new Date() });
    const b = await createRunner(server.db, { description: 'all-b', paused: true, tagList: ['tag1'] });
    const ids = async (query: string) =>
      (await server.rest('GET', `/runners/all?per_page=100&${query}`, { token: admin.token })).body
        .map((r: { id: number }) => r.id)
        .filter((id: number) => id === a.runner.id || id === b.runner.id);

    expect((await server.rest('GET', '/runners/all', { token: user.token })).body).toEqual({ message: '403 Forbidden' });
    expect(await ids('tag_list=tag1,tag2')).toEqual([a.runner.id]);
    expect(await ids('tag_list[]=tag1')).toEqual([a.runner.id, b.runner.id]);
    expect(await ids('status=online')).toEqual([a.runner.id]);
    expect(await ids('status=paused')).toEqual([b.runner.id]);
    expect(await ids('scope=active')).toEqual([a.runner.id]);
    expect(await ids('paused=TRUE')).toEqual([b.runner.id]);
    expect(await ids('scope=shared')).toEqual([a.runner.id, b.runner.id]);
    expect(await ids('scope=specific')).toEqual([]);
    expect(await ids('type=instance_type')).toEqual([a.runner.id, b.runner.id]);
  });

  it("GET /projects/:id/runners takes an id or a URL-encoded path and lists the project's available runners", async () => {
    const { user, token } = await createUser(server.db);
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    await addProjectMember(server.db, project.id, user.id, AccessLevel.MAINTAINER);
    const own = await createRunner(server.db, { projectIds: [project.id] });
    const fromGroup = await createRunner(server.db, { groupId: group.id });
    const developer = await createUser(server.db);
    await addProjectMember(server.db, project.id, developer.user.id, AccessLevel.DEVELOPER);

    const byId = await server.rest('GET', `/projects/${project.id}/runners?type=project_type`, { token });
    expect(byId.body.map((r: { id: number }) => r.id)).toEqual([own.runner.id]);
    const byPath = await server.rest('GET', `/projects/${encodeURIComponent(project.pathWithNamespace)}/runners?type=group_type`, {
      token,
    });
    expect(byPath.body.map((r: { id: number }) => r.id)).toEqual([fromGroup.runner.id]);
    expect((await server.rest('GET', `/projects/${project.id}/runners`, { token: developer.token })).body).toEqual({
      message: '403 Forbidden',
    });
    expect((await server.rest('GET', '/projects/424242/runners', { token })).body).toEqual({ message: '404 Project Not Found' });
  });

  it("GET /groups/:id/runners lists the group's and its ancestors' runners to Maintainers, those they may read", async () => {
    const { user, token } = await createUser(server.db);
    const parent = await createGroup(server.db);
    const child = await createGroup(server.db, { parent });
    await addGroupMember(server.db, child.id, user.id, AccessLevel.MAINTAINER);
    const mine = await createRunner(server.db, { groupId: child.id });
    const inherited = await createRunner(server.db, { groupId: parent.id });
    const hidden = await server.rest('GET', `/groups/${child.id}/runners?type=group_type`, { token });
    expect(hidden.body.map((r: { id: number }) => r.id)).toEqual([mine.runner.id]);
    expect((await server.rest('GET', `/runners/${inherited.runner.id}`, { token })).status).toBe(403);
    // Their project below uses the parent's runners, so they may read it, by id and in the list.
    await createProject(server.db, { group: child });
    expect((await server.rest('GET', `/runners/${inherited.runner.id}`, { token })).status).toBe(200);

    const res = await server.rest('GET', `/groups/${child.id}/runners?type=group_type&scope=ignored`, { token });
    expect(res.status).toBe(200);
    expect(res.body.map((r: { id: number }) => r.id)).toEqual([mine.runner.id, inherited.runner.id]);
    expect((await server.rest('GET', '/groups/424242/runners', { token })).body).toEqual({ message: '404 Group Not Found' });
  });
});

describe('GET /api/v4/runners/:id/jobs', () => {
  it('lists the jobs a runner ran, with status filter and order, as JobBasicWithProject', async () => {
    const admin = await createUser(server.db, { admin: true });
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const running = await createJob(server.db, { projectId: project.id, runnerId: runner.id, status: 'running', userId: admin.user.id });
    const failed = await createJob(server.db, { projectId: project.id, runnerId: runner.id, status: 'failed' });

    const all = await server.rest('GET', `/runners/${runner.id}/jobs`, { token: admin.token });
    expect(all.body.map((j: { id: number }) => j.id)).toEqual([running.id, failed.id]);
    const newest = await server.rest('GET', `/runners/${runner.id}/jobs?order_by=id`, { token: admin.token });
    expect(newest.body.map((j: { id: number }) => j.id)).toEqual([failed.id, running.id]);
    const onlyRunning = await server.rest('GET', `/runners/${runner.id}/jobs?status=running`, { token: admin.token });
    expect(onlyRunning.body).toHaveLength(1);
    const job = onlyRunning.body[0];
    expect(Object.keys(job)).toEqual([
      'id',
      'status',
      'stage',
      'name',
      'ref',
      'tag',
      'coverage',
      'allow_failure',
      'created_at',
      'started_at',
      'finished_at',
      'erased_at',
      'duration',
      'queued_duration',
      'user',
      'commit',
      'pipeline',
      'web_url',
      'project',
    ]);
    expect(job.user).toMatchObject({ id: admin.user.id, username: admin.user.username, web_url: `${EXTERNAL_URL}/${admin.user.username}` });
    expect(job.project).toMatchObject({ id: project.id, path_with_namespace: project.pathWithNamespace });
    expect((await server.rest('GET', `/runners/${runner.id}/jobs?status=failed`, { token: admin.token })).body[0].failure_reason).toBe(
      'unknown_failure',
    );
    expect((await server.rest('GET', `/runners/${runner.id}/jobs?status=bogus`, { token: admin.token })).body).toEqual({
      error: 'status does not have a valid value',
    });
    expect((await server.rest('GET', `/runners/${runner.id}/jobs?status=scheduled`, { token: admin.token })).body).toEqual([]);
  });

  it('pages with keyset pagination newest first (sort=desc by default), rel="next" continuing in that order', async () => {
    const admin = await createUser(server.db, { admin: true });
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await createJob(server.db, { projectId: project.id, runnerId: runner.id }));

    const follow = async (start: string) => {
      const seen: number[] = [];
      let path: string | null = start;
      while (path) {
        const res = await server.rest('GET', path, { token: admin.token });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-total')).toBeNull();
        seen.push(...res.body.map((j: { id: number }) => j.id));
        const next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
        path = next ? next.slice(next.indexOf('/api/v4') + '/api/v4'.length) : null;
      }
      return seen;
    };
    const ids = jobs.map((j) => j.id);
    // Unlike offset pages, keyset pages need no order_by: GitLab's keyset paginator orders by id, `sort` (desc) way.
    expect(await follow(`/runners/${runner.id}/jobs?pagination=keyset&per_page=2`)).toEqual([...ids].reverse());
    expect(await follow(`/runners/${runner.id}/jobs?pagination=keyset&per_page=2&order_by=id&sort=desc`)).toEqual([...ids].reverse());
    expect(await follow(`/runners/${runner.id}/jobs?pagination=keyset&per_page=2&sort=asc`)).toEqual(ids);
  });

  it('refuses instance runners to non-admins and limits rows to projects you are Reporter of', async () => {
    const { runner: shared } = await createRunner(server.db);
    const user = await createUser(server.db);
    expect((await server.rest('GET', `/runners/${shared.id}/jobs`, { token: user.token })).body).toEqual({
      message: '403 Forbidden - No access granted',
    });

    const p1 = await createProject(server.db);
    const p2 = await createProject(server.db);
    await addProjectMember(server.db, p1.id, user.user.id, AccessLevel.GUEST);
    await addProjectMember(server.db, p2.id, user.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { projectIds: [p1.id, p2.id] });
    await createJob(server.db, { projectId: p1.id, runnerId: runner.id });
    const visible = await createJob(server.db, { projectId: p2.id, runnerId: runner.id });
    const res = await server.rest('GET', `/runners/${runner.id}/jobs`, { token: user.token });
    expect(res.body.map((j: { id: number }) => j.id)).toEqual([visible.id]);
    expect(res.headers.get('x-total')).toBe('1');
  });
});

describe('the shim around the routes', () => {
  it('answers unknown routes with GitLab’s 404', async () => {
    const res = await server.rest('GET', '/nothing/here');
    expect(res).toMatchObject({ status: 404, body: { error: '404 Not Found' } });
  });
});

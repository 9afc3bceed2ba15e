import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createGroup, createProject, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

async function maintainerOf(...projectIds: number[]) {
  const maintainer = await createUser(server.db);
  for (const id of projectIds) await addProjectMember(server.db, id, maintainer.user.id, AccessLevel.MAINTAINER);
  return maintainer;
}

describe('POST /api/v4/projects/:id/runners (enable a runner in a project)', () => {
  it('assigns a project runner you administer to another project you maintain (201, Runner)', async () => {
    const home = await createProject(server.db);
    const other = await createProject(server.db);
    const { token } = await maintainerOf(home.id, other.id);
    const { runner } = await createRunner(server.db, { projectIds: [home.id] });

    const res = await server.rest('POST', `/projects/${other.id}/runners`, { token, multipart: { runner_id: String(runner.id) } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: runner.id, is_shared: false, runner_type: 'project_type' });
    const again = await server.rest('POST', `/projects/${other.id}/runners`, { token, json: { runner_id: runner.id } });
    expect(again).toMatchObject({
      status: 400,
      body: { message: 'Validation failed: Runner projects runner has already been taken - runner_error' },
    });
  });

  it('refuses group runners, locked runners, and missing ones, in GitLab’s order', async () => {
    const project = await createProject(server.db);
    const { token } = await maintainerOf(project.id);
    const group = await createGroup(server.db);
    const { runner: groupRunner } = await createRunner(server.db, { groupId: group.id });
    const elsewhere = await createProject(server.db);
    const { runner: locked } = await createRunner(server.db, { projectIds: [elsewhere.id], locked: true });

    expect((await server.rest('POST', `/projects/${project.id}/runners`, { token, json: { runner_id: groupRunner.id } })).body).toEqual({
      message: '403 Forbidden - Runner is a group runner',
    });
    expect((await server.rest('POST', `/projects/${project.id}/runners`, { token, json: { runner_id: locked.id } })).body).toEqual({
      message: '403 Forbidden - Runner is locked',
    });
    expect((await server.rest('POST', `/projects/${project.id}/runners`, { token, json: { runner_id: 999999 } })).body).toEqual({
      message: '404 Runner Not Found',
    });
    expect((await server.rest('POST', `/projects/${project.id}/runners`, { token, json: {} })).body).toEqual({
      error: 'runner_id is missing',
    });
    expect((await server.rest('POST', `/projects/999999/runners`, { token, json: { runner_id: locked.id } })).body).toEqual({
      message: '404 Project Not Found',
    });
  });
});

describe('DELETE /api/v4/projects/:id/runners/:runner_id (disable a runner in a project)', () => {
  it('unassigns from a non-owner project with 204, and refuses the owner project', async () => {
    const home = await createProject(server.db);
    const other = await createProject(server.db);
    const { token } = await maintainerOf(home.id, other.id);
    const { runner } = await createRunner(server.db, { projectIds: [home.id, other.id] });

    const owner = await server.rest('DELETE', `/projects/${home.id}/runners/${runner.id}`, { token });
    expect(owner).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden - You cannot unassign a runner from the owner project. Delete the runner instead' },
    });
    const res = await server.rest('DELETE', `/projects/${other.id}/runners/${runner.id}`, { token });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await server.rest('DELETE', `/projects/${other.id}/runners/${runner.id}`, { token })).body).toEqual({
      message: '404 Runner Not Found',
    });
  });
});

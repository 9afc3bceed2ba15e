import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// GitLab's runner routes on groups and projects find the namespace first (404 when the caller cannot see it), then
// ask for the runner ability (403). Visibility decides the first step: a non-member of a public group gets 403
// (the group exists and is visible; its runners are not theirs) where a private group answers 404
// (lib/api/ci/runners.rb: `find_group!`, then `authorize! :read_group_runners`).

const server = useTestServer();

let n = 0;

async function namespaces(token: string, visibility: 'private' | 'internal' | 'public') {
  n += 1;
  const group = await server.graphql(
    `mutation($input: GroupCreateInput!) { groupCreate(input: $input) { group { id fullPath } errors } }`,
    { input: { name: `Rest vis ${n}`, path: `rest-vis-${n}`, visibility } },
    token,
  );
  const { id: groupGid, fullPath: groupPath } = group.data!.groupCreate.group as { id: string; fullPath: string };
  const project = await server.graphql(
    `mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { id fullPath } errors } }`,
    { input: { name: 'App', path: 'app', groupId: groupGid, visibility } },
    token,
  );
  const { id: projectGid, fullPath: projectPath } = project.data!.projectCreate.project as { id: string; fullPath: string };
  const groupId = Number(groupGid.split('/').pop());
  const projectId = Number(projectGid.split('/').pop());
  await createRunner(server.db, { runnerType: 'group_type', groupId });
  return { groupId, groupPath, projectId, projectPath };
}

describe('runner routes of groups and projects by visibility', () => {
  it('GET /groups/:id/runners and /projects/:id/runners: 403 to a non-member of a public namespace, 404 of a private one', async () => {
    const owner = await createUser(server.db);
    const stranger = await createUser(server.db);
    const shown = await namespaces(owner.token, 'public');
    const hidden = await namespaces(owner.token, 'private');

    for (const path of [
      `/groups/${shown.groupId}/runners`,
      `/groups/${encodeURIComponent(shown.groupPath)}/runners`,
      `/projects/${shown.projectId}/runners`,
      `/projects/${encodeURIComponent(shown.projectPath)}/runners`,
    ]) {
      expect(await server.rest('GET', path, { token: stranger.token }), path).toMatchObject({
        status: 403,
        body: { message: '403 Forbidden' },
      });
    }
    expect(await server.rest('GET', `/groups/${hidden.groupId}/runners`, { token: stranger.token })).toMatchObject({
      status: 404,
      body: { message: '404 Group Not Found' },
    });
    expect(await server.rest('GET', `/projects/${hidden.projectId}/runners`, { token: stranger.token })).toMatchObject({
      status: 404,
      body: { message: '404 Project Not Found' },
    });
    // The Owner lists them as before.
    const listed = await server.rest('GET', `/groups/${shown.groupId}/runners`, { token: owner.token });
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
  });

  it('an internal namespace is visible to anyone signed in: 403 for their runners; still 401 without a token', async () => {
    const owner = await createUser(server.db);
    const stranger = await createUser(server.db);
    const internal = await namespaces(owner.token, 'internal');

    expect(await server.rest('GET', `/groups/${internal.groupId}/runners`, { token: stranger.token })).toMatchObject({ status: 403 });
    expect(await server.rest('GET', `/projects/${internal.projectId}/runners`, { token: stranger.token })).toMatchObject({ status: 403 });
    expect(await server.rest('GET', `/groups/${internal.groupId}/runners`)).toMatchObject({
      status: 401,
      body: { message: '401 Unauthorized' },
    });
  });

  it('the writes answer the same way: assigning a runner to, or resetting the token of, a public project not yours is 403', async () => {
    const owner = await createUser(server.db);
    const stranger = await createUser(server.db);
    const shown = await namespaces(owner.token, 'public');
    const hidden = await namespaces(owner.token, 'private');
    const { runner } = await createRunner(server.db, { runnerType: 'project_type', projectIds: [hidden.projectId] });

    expect(
      await server.rest('POST', `/projects/${shown.projectId}/runners`, { token: stranger.token, form: { runner_id: String(runner.id) } }),
    ).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
    expect(
      await server.rest('POST', `/projects/${hidden.projectId}/runners`, { token: stranger.token, form: { runner_id: String(runner.id) } }),
    ).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
    expect(await server.rest('POST', `/groups/${shown.groupId}/runners/reset_registration_token`, { token: stranger.token })).toMatchObject(
      {
        status: 403,
      },
    );
    expect(
      await server.rest('POST', `/groups/${hidden.groupId}/runners/reset_registration_token`, { token: stranger.token }),
    ).toMatchObject({
      status: 404,
    });
  });

  it("GET /runners/:id lists only the projects you are a member of (GitLab's authorized_projects), public ones not", async () => {
    const owner = await createUser(server.db);
    const maintainer = await createUser(server.db);
    const mine = await namespaces(owner.token, 'private');
    const shown = await namespaces(owner.token, 'public');
    await addProjectMember(server.db, mine.projectId, maintainer.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { runnerType: 'project_type', projectIds: [mine.projectId, shown.projectId] });

    const details = await server.rest('GET', `/runners/${runner.id}`, { token: maintainer.token });

    expect(details.status).toBe(200);
    expect(details.body.projects.map((p: { id: number }) => p.id)).toEqual([mine.projectId]);
    // GraphQL's CiRunner.projects shows what the viewer can read, as GitLab's ProjectsFinder: the public one too.
    const graph = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { projects { nodes { fullPath } } } }`,
      { id: `gid://gitlab/Ci::Runner/${runner.id}` },
      maintainer.token,
    );
    expect(graph.data?.runner.projects.nodes).toEqual([{ fullPath: mine.projectPath }, { fullPath: shown.projectPath }]);
  });
});

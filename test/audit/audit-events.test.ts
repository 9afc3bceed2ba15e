import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, addProjectMember, createGroup, createProject, createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';
import type { Json } from '../support/json.ts';

const server = useTestServer();

/** The events written by `work`, oldest first. */
async function eventsOf(work: () => Promise<unknown>) {
  const before = (await server.db.auditEvent.aggregate({ _max: { id: true } }))._max.id ?? 0;
  await work();
  return server.db.auditEvent.findMany({ where: { id: { gt: before } }, orderBy: { id: 'asc' } });
}

const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as Record<string, Json>;
};

describe('every change to a runner leaves one audit event, in its transaction', () => {
  it('records GraphQL mutations with the user, the address and the attributes before → after', async () => {
    const admin = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const other = await createProject(server.db, { group });

    let runnerId = 0;
    const created = await eventsOf(async () => {
      const data = await gql(
        `mutation($input: RunnerCreateInput!) { runnerCreate(input: $input) { runner { id } errors } }`,
        { input: { runnerType: 'PROJECT_TYPE', projectId: `gid://gitlab/Project/${project.id}`, description: 'builder' } },
        admin.token,
      );
      runnerId = Number(data.runnerCreate.runner.id.split('/').pop());
    });
    expect(created).toMatchObject([
      {
        action: 'created',
        eventName: 'ci_runner_created',
        authorType: 'User',
        authorId: admin.user.id,
        authorName: admin.user.username,
        entityType: 'Project',
        entityId: project.id,
        entityPath: project.pathWithNamespace,
        targetType: 'Ci::Runner',
        targetId: runnerId,
        ipAddress: '127.0.0.1',
        details: { registration_type: 'authenticated_user' },
      },
    ]);

    const updated = await eventsOf(() =>
      gql(
        `mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { errors } }`,
        { input: { id: runnerGid(runnerId), description: 'builder 2', tagList: ['linux'], maximumTimeout: 3600 } },
        admin.token,
      ),
    );
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ action: 'updated', authorId: admin.user.id });
    expect(updated[0]?.details).toEqual({
      changes: [
        { attribute: 'description', from: 'builder', to: 'builder 2' },
        { attribute: 'maximum_timeout', from: null, to: 3600 },
        { attribute: 'tag_list', from: [], to: ['linux'] },
      ],
    });

    const paused = await eventsOf(() =>
      gql(
        `mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { errors } }`,
        { input: { id: runnerGid(runnerId), paused: true } },
        admin.token,
      ),
    );
    expect(paused).toMatchObject([{ action: 'paused', details: { changes: [{ attribute: 'paused', from: false, to: true }] } }]);
    const unchanged = await eventsOf(() =>
      gql(
        `mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { errors } }`,
        { input: { id: runnerGid(runnerId), paused: true } },
        admin.token,
      ),
    );
    expect(unchanged).toEqual([]);

    const assigned = await eventsOf(() =>
      gql(
        `mutation($input: RunnerAssignToProjectInput!) { runnerAssignToProject(input: $input) { errors } }`,
        { input: { runnerId: runnerGid(runnerId), projectPath: other.pathWithNamespace } },
        admin.token,
      ),
    );
    expect(assigned).toMatchObject([{ action: 'assigned', details: { project_id: other.id, project_path: other.pathWithNamespace } }]);
    const unassigned = await eventsOf(() =>
      gql(
        `mutation($input: RunnerUnassignFromProjectInput!) { runnerUnassignFromProject(input: $input) { errors } }`,
        { input: { runnerId: runnerGid(runnerId), projectPath: other.pathWithNamespace } },
        admin.token,
      ),
    );
    expect(unassigned).toMatchObject([{ action: 'unassigned', details: { project_id: other.id } }]);

    const reset = await eventsOf(() =>
      gql(
        `mutation($input: RunnerAuthenticationTokenResetInput!) { runnerAuthenticationTokenReset(input: $input) { token } }`,
        { input: { id: runnerGid(runnerId) } },
        admin.token,
      ),
    );
    expect(reset).toMatchObject([{ action: 'token_reset', authorId: admin.user.id }]);

    const bulkPaused = await eventsOf(() =>
      gql(
        `mutation($input: RunnerBulkPauseInput!) { runnerBulkPause(input: $input) { updatedCount } }`,
        { input: { ids: [runnerGid(runnerId)], paused: false } },
        admin.token,
      ),
    );
    expect(bulkPaused).toMatchObject([{ action: 'unpaused' }]);

    const deleted = await eventsOf(() =>
      gql(
        `mutation($input: RunnerDeleteInput!) { runnerDelete(input: $input) { errors } }`,
        { input: { id: runnerGid(runnerId) } },
        admin.token,
      ),
    );
    expect(deleted).toMatchObject([{ action: 'deleted', eventName: 'ci_runner_unregistered', targetId: runnerId, entityId: project.id }]);

    // A refused change records nothing.
    const { runner } = await createRunner(server.db, { groupId: group.id });
    const outsider = await createUser(server.db);
    const refused = await eventsOf(() =>
      server.graphql(
        `mutation($input: RunnerDeleteInput!) { runnerDelete(input: $input) { errors } }`,
        { input: { id: runnerGid(runner.id) } },
        outsider.token,
      ),
    );
    expect(refused).toEqual([]);
  });

  it('records REST writes: a registration and a delete by token name the runner as their author, never a token', async () => {
    const admin = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const reset = await gql(
      `mutation($input: RunnersRegistrationTokenResetInput!) { runnersRegistrationTokenReset(input: $input) { token } }`,
      { input: { type: 'GROUP_TYPE', id: `gid://gitlab/Group/${group.id}` } },
      admin.token,
    );
    const registrationToken: string = reset.runnersRegistrationTokenReset.token;
    const tokens: string[] = [registrationToken, admin.token];

    let runnerId = 0;
    let runnerToken = '';
    const registered = await eventsOf(async () => {
      const res = await server.rest('POST', '/runners', { form: { token: registrationToken, description: 'ephemeral', tag_list: 'a' } });
      expect(res.status).toBe(201);
      runnerId = res.body.id;
      runnerToken = res.body.token;
    });
    tokens.push(runnerToken);
    expect(registered).toMatchObject([
      {
        action: 'registered',
        eventName: 'ci_runner_registered',
        authorType: 'Ci::Runner',
        authorId: runnerId,
        entityType: 'Group',
        entityId: group.id,
        entityPath: group.fullPath,
        ipAddress: '127.0.0.1',
        details: { registration_type: 'registration_token', registration_token_scope: 'group' },
      },
    ]);

    const updated = await eventsOf(async () => {
      expect((await server.rest('PUT', `/runners/${runnerId}`, { token: admin.token, json: { paused: true, locked: true } })).status).toBe(
        200,
      );
    });
    expect(updated).toMatchObject([
      {
        action: 'updated',
        authorType: 'User',
        details: {
          changes: [
            { attribute: 'paused', from: false, to: true },
            { attribute: 'locked', from: false, to: true },
          ],
        },
      },
    ]);

    const rotated = await eventsOf(async () => {
      const res = await server.rest('POST', '/runners/reset_authentication_token', { form: { token: runnerToken } });
      expect(res.status).toBe(201);
      tokens.push(res.body.token);
      runnerToken = res.body.token;
    });
    expect(rotated).toMatchObject([{ action: 'token_reset', authorType: 'Ci::Runner', authorId: runnerId }]);

    const userRotated = await eventsOf(async () => {
      const res = await server.rest('POST', `/runners/${runnerId}/reset_authentication_token`, { token: admin.token });
      expect(res.status).toBe(201);
      tokens.push(res.body.token);
      runnerToken = res.body.token;
    });
    expect(userRotated).toMatchObject([{ action: 'token_reset', authorType: 'User', authorId: admin.user.id }]);

    const unregistered = await eventsOf(async () => {
      expect((await server.rest('DELETE', '/runners', { form: { token: runnerToken } })).status).toBe(204);
    });
    expect(unregistered).toMatchObject([{ action: 'deleted', authorType: 'Ci::Runner', authorId: runnerId, targetId: runnerId }]);

    const project = await createProject(server.db, { group });
    const createdByRest = await eventsOf(async () => {
      const res = await server.rest('POST', '/user/runners', {
        token: admin.token,
        json: { runner_type: 'project_type', project_id: project.id },
      });
      expect(res.status).toBe(201);
      tokens.push(res.body.token);
      expect((await server.rest('DELETE', `/runners/${res.body.id}`, { token: admin.token })).status).toBe(204);
    });
    expect(createdByRest.map((event) => [event.action, event.authorType, event.entityType])).toEqual([
      ['created', 'User', 'Project'],
      ['deleted', 'User', 'Project'],
    ]);

    // No audit row holds any token that passed through these calls, in any column.
    const rows = JSON.stringify(await server.db.auditEvent.findMany());
    for (const token of tokens) expect(rows).not.toContain(token);
  });
});

describe('reading audit events', () => {
  it("serves GitLab's audit event API: admins all, group Owners and project Maintainers theirs, paginated and filtered", async () => {
    const admin = await createUser(server.db, { admin: true });
    const owner = await createUser(server.db);
    const maintainer = await createUser(server.db);
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const groupRunner = (await createRunner(server.db, { groupId: group.id })).runner;
    const projectRunner = (await createRunner(server.db, { projectIds: [project.id] })).runner;
    for (const description of ['one', 'two', 'three']) {
      await server.rest('PUT', `/runners/${groupRunner.id}`, { token: owner.token, json: { description } });
    }
    await server.rest('PUT', `/runners/${projectRunner.id}`, { token: maintainer.token, json: { description: 'p' } });

    const groupPage = await server.rest('GET', `/groups/${group.id}/audit_events?per_page=2`, { token: owner.token });
    expect(groupPage.status).toBe(200);
    expect(groupPage.headers.get('x-total')).toBe('4'); // registered (by the factory) and three updates
    expect(groupPage.headers.get('x-next-page')).toBe('2');
    expect(groupPage.body).toHaveLength(2);
    expect(groupPage.body[0]).toEqual({
      id: expect.any(Number),
      author_id: owner.user.id,
      entity_id: group.id,
      entity_type: 'Group',
      event_name: 'ci_runner_updated',
      details: {
        custom_message: 'Updated group CI runner',
        change: 'description',
        from: 'two',
        to: 'three',
        changes: [{ attribute: 'description', from: 'two', to: 'three' }],
        author_name: owner.user.username,
        author_class: 'User',
        target_id: groupRunner.id,
        target_type: 'Ci::Runner',
        target_details: 'three',
        ip_address: '127.0.0.1',
        entity_path: group.fullPath,
      },
      created_at: expect.any(String),
    });
    // The group's Owner reads the group's events, not a project's; a project Maintainer the project's only.
    expect((await server.rest('GET', `/projects/${project.id}/audit_events`, { token: maintainer.token })).body).toHaveLength(2);
    // A group's Maintainer is no Owner (403); a project's Maintainer does not see the group at all (404).
    const groupMaintainer = await createUser(server.db);
    await addGroupMember(server.db, group.id, groupMaintainer.user.id, AccessLevel.MAINTAINER);
    expect((await server.rest('GET', `/groups/${group.id}/audit_events`, { token: groupMaintainer.token })).status).toBe(403);
    expect((await server.rest('GET', `/groups/${group.id}/audit_events`, { token: maintainer.token })).status).toBe(404);
    expect((await server.rest('GET', '/audit_events', { token: owner.token })).status).toBe(403);
    expect(
      (await server.rest('GET', `/groups/${encodeURIComponent(group.fullPath)}/audit_events`, { token: admin.token })).body,
    ).toHaveLength(4);

    const all = await server.rest('GET', `/audit_events?entity_type=Project&entity_id=${project.id}`, { token: admin.token });
    expect(all.body.map((event: { details: { target_id: number } }) => event.details.target_id)).toEqual([
      projectRunner.id,
      projectRunner.id,
    ]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await server.rest('GET', `/audit_events?created_after=${future}`, { token: admin.token })).body).toEqual([]);
    expect((await server.rest('GET', '/audit_events?created_after=yesterday', { token: admin.token })).body).toEqual({
      error: 'created_after is invalid',
    });
    expect((await server.rest('GET', `/audit_events?entity_id=${project.id}`, { token: admin.token })).body).toEqual({
      error: 'entity_type is missing',
    });

    // GraphQL: a runner's history for those who may read its owner's events, newest first.
    const history = await gql(
      `query($id: CiRunnerID!) { runner(id: $id) { auditEvents(first: 10) { count nodes { action authorName changes { attribute from to } } } } }`,
      { id: runnerGid(groupRunner.id) },
      owner.token,
    );
    expect(history.runner.auditEvents.count).toBe(4);
    expect(history.runner.auditEvents.nodes[0]).toEqual({
      action: 'updated',
      authorName: owner.user.username,
      changes: [{ attribute: 'description', from: 'two', to: 'three' }],
    });
    expect(history.runner.auditEvents.nodes[3]).toMatchObject({ action: 'registered', authorName: 'GitLab System' });
    const mine = await gql(`{ auditEvents(first: 50) { count } }`, {}, maintainer.token);
    expect(mine.auditEvents.count).toBe(2);
  });
});

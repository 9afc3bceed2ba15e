import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createProject, createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// GitLab EE's compute cost factors (`publicProjectsMinutesCostFactor`, `privateProjectsMinutesCostFactor`): GraphQL
// only (runnerCreate, runnerUpdate and CiRunner), as in GitLab, whose REST API has no such parameter or key.

const server = useTestServer();

const FIELDS = 'publicProjectsMinutesCostFactor privateProjectsMinutesCostFactor';
const CREATE = `mutation($input: RunnerCreateInput!) { runnerCreate(input: $input) { runner { id ${FIELDS} } errors } }`;
const UPDATE = `mutation($input: RunnerUpdateInput!) {
  runnerUpdate(input: $input) { runner { ${FIELDS} } errors attributeErrors { attribute message } } }`;

describe('runner compute cost factors', () => {
  it('are set by runnerCreate and runnerUpdate, default to 1, and are validated as GitLab validates them', async () => {
    const admin = await createUser(server.db, { admin: true });
    const created = await server.graphql(
      CREATE,
      { input: { runnerType: 'INSTANCE_TYPE', privateProjectsMinutesCostFactor: 2.5 } },
      admin.token,
    );
    expect(created.data?.runnerCreate).toMatchObject({
      runner: { publicProjectsMinutesCostFactor: 1, privateProjectsMinutesCostFactor: 2.5 },
      errors: [],
    });
    const id = created.data?.runnerCreate.runner.id;

    const updated = await server.graphql(UPDATE, { input: { id, publicProjectsMinutesCostFactor: 0.008 } }, admin.token);
    expect(updated.data?.runnerUpdate).toMatchObject({
      runner: { publicProjectsMinutesCostFactor: 0.008, privateProjectsMinutesCostFactor: 2.5 },
      errors: [],
    });

    // A null leaves the factor as it is (the column is NOT NULL); a negative one is GitLab's validation error.
    const kept = await server.graphql(UPDATE, { input: { id, privateProjectsMinutesCostFactor: null } }, admin.token);
    expect(kept.data?.runnerUpdate.runner.privateProjectsMinutesCostFactor).toBe(2.5);
    const negative = await server.graphql(UPDATE, { input: { id, privateProjectsMinutesCostFactor: -1 } }, admin.token);
    expect(negative.data?.runnerUpdate).toEqual({
      runner: null,
      errors: ['Private projects minutes cost factor needs to be non-negative'],
      attributeErrors: [{ attribute: 'private_projects_minutes_cost_factor', message: 'needs to be non-negative' }],
    });
    const stored = await server.db.runner.findUniqueOrThrow({ where: { id: Number(String(id).split('/').pop()) } });
    expect([stored.publicProjectsMinutesCostFactor, stored.privateProjectsMinutesCostFactor]).toEqual([0.008, 2.5]);
  });

  it('are written by those who may update the runner, and read by those who may read it', async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const maintainer = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const developer = await createUser(server.db);
    await addProjectMember(server.db, project.id, developer.user.id, AccessLevel.DEVELOPER);

    const input = { id: runnerGid(runner.id), publicProjectsMinutesCostFactor: 3 };
    expect((await server.graphql(UPDATE, { input }, developer.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } })).publicProjectsMinutesCostFactor).toBe(1);
    const done = await server.graphql(UPDATE, { input }, maintainer.token);
    expect(done.data?.runnerUpdate.runner.publicProjectsMinutesCostFactor).toBe(3);

    // An instance runner is read by every signed-in user, who sees its factors (not its maintenance note).
    const admin = await createUser(server.db, { admin: true });
    const { runner: shared } = await createRunner(server.db);
    await server.graphql(
      UPDATE,
      { input: { id: runnerGid(shared.id), privateProjectsMinutesCostFactor: 0.5, maintenanceNote: 'x' } },
      admin.token,
    );
    const read = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { ${FIELDS} maintenanceNote } }`,
      { id: runnerGid(shared.id) },
      developer.token,
    );
    expect(read.data?.runner).toEqual({ publicProjectsMinutesCostFactor: 1, privateProjectsMinutesCostFactor: 0.5, maintenanceNote: null });
  });

  it('are not part of the REST API, as in GitLab', async () => {
    const admin = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    const shown = await server.rest('GET', `/runners/${runner.id}`, { token: admin.token });
    expect(Object.keys(shown.body).filter((key) => key.includes('cost_factor'))).toEqual([]);
    const put = await server.rest('PUT', `/runners/${runner.id}`, { token: admin.token, json: { public_projects_minutes_cost_factor: 2 } });
    expect(put.status).toBe(400);
    expect((await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } })).publicProjectsMinutesCostFactor).toBe(1);
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { addGroupMember, addProjectMember, createGroup, createJob, createProject, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();
const run = promisify(execFile);

/**
 * Runs one of the Runners API page's `curl` examples, word for word but for the host and the token, and returns
 * the status and the parsed body.
 */
async function curl(example: string, values: Record<string, string | number>) {
  let command = example.replace('https://gitlab.example.com', server.url);
  for (const [name, value] of Object.entries(values))
    command = command.replaceAll(`<${name}>`, String(value)).replaceAll(`{${name}}`, String(value));
  const args = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '').slice(1);
  const { stdout } = await run('curl', ['--silent', '--write-out', '\n%{http_code}', ...args]);
  const lines = stdout.split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  return { status, body: text ? JSON.parse(text) : null };
}

describe("the Runners API page's curl examples", () => {
  it('work against the server with a real token and give the documented shapes', async () => {
    const admin = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    await addGroupMember(server.db, group.id, admin.user.id, AccessLevel.OWNER);
    const project = await createProject(server.db, { group });
    const second = await createProject(server.db, { group });
    await addProjectMember(server.db, project.id, admin.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { projectIds: [project.id], contactedAt: new Date() });
    const { runner: spare } = await createRunner(server.db, { projectIds: [second.id] });
    await createJob(server.db, { projectId: project.id, runnerId: runner.id, status: 'running', userId: admin.user.id });
    const token = { your_access_token: admin.token };
    const runnerKeys = ['id', 'description', 'ip_address', 'active', 'paused', 'is_shared', 'runner_type', 'name', 'online', 'status'];

    const owned = await curl(`curl --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/runners"`, token);
    expect(owned.status).toBe(200);
    expect(Object.keys(owned.body[0])).toEqual(expect.arrayContaining(runnerKeys));

    const all = await curl(`curl --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/runners/all"`, token);
    expect(all.body.map((r: { id: number }) => r.id)).toEqual(expect.arrayContaining([runner.id, spare.id]));

    const details = await curl(`curl --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/runners/{id}"`, {
      ...token,
      id: runner.id,
    });
    expect(Object.keys(details.body)).toEqual(
      expect.arrayContaining([
        ...runnerKeys,
        'architecture',
        'contacted_at',
        'platform',
        'projects',
        'revision',
        'tag_list',
        'version',
        'access_level',
        'maximum_timeout',
      ]),
    );
    expect(details.body.projects[0]).toMatchObject({ id: project.id, path_with_namespace: project.pathWithNamespace });

    const updated = await curl(
      `curl --request PUT --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/runners/{id}" --form "description=test-1-20150125-test" --form "tag_list=ruby,mysql,tag1,tag2"`,
      { ...token, id: runner.id },
    );
    expect(updated.body).toMatchObject({ description: 'test-1-20150125-test', tag_list: ['ruby', 'mysql', 'tag1', 'tag2'] });

    const jobs = await curl(
      `curl --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/runners/{id}/jobs?status=running"`,
      { ...token, id: runner.id },
    );
    expect(Object.keys(jobs.body[0])).toEqual(
      expect.arrayContaining([
        'id',
        'status',
        'stage',
        'name',
        'ref',
        'tag',
        'coverage',
        'created_at',
        'started_at',
        'finished_at',
        'duration',
        'user',
        'commit',
        'pipeline',
        'project',
      ]),
    );

    const projectRunners = await curl(
      `curl --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/projects/{id}/runners"`,
      { ...token, id: project.id },
    );
    expect(projectRunners.body.map((r: { id: number }) => r.id)).toContain(runner.id);

    const enabled = await curl(
      `curl --request POST --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/projects/{id}/runners" --form "runner_id={runner_id}"`,
      { ...token, id: project.id, runner_id: spare.id },
    );
    expect(enabled).toMatchObject({ status: 201, body: { id: spare.id } });
    expect(
      (
        await curl(
          `curl --request DELETE --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/projects/{id}/runners/{runner_id}"`,
          { ...token, id: project.id, runner_id: spare.id },
        )
      ).status,
    ).toBe(204);

    const groupRunners = await curl(
      `curl --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/groups/{id}/runners"`,
      { ...token, id: group.id },
    );
    expect(groupRunners.status).toBe(200);

    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
    const registered = await curl(
      `curl --request POST "https://gitlab.example.com/api/v4/runners" --form "token=<registration_token>" --form "description=test-1-20150125-test" --form "tag_list=ruby,mysql,tag1,tag2"`,
      { registration_token: registration },
    );
    expect(registered.status).toBe(201);
    expect(Object.keys(registered.body)).toEqual(expect.arrayContaining(['id', 'token']));
    const authentication = { authentication_token: registered.body.token };
    expect(
      (
        await curl(
          `curl --request POST "https://gitlab.example.com/api/v4/runners/verify" --form "token=<authentication_token>"`,
          authentication,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await curl(
          `curl --request DELETE "https://gitlab.example.com/api/v4/runners" --form "token=<authentication_token>"`,
          authentication,
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await curl(
          `curl --request POST "https://gitlab.example.com/api/v4/runners/verify" --form "token=<authentication_token>"`,
          authentication,
        )
      ).status,
    ).toBe(403);

    expect(
      (
        await curl(`curl --request DELETE --header "PRIVATE-TOKEN: <your_access_token>" "https://gitlab.example.com/api/v4/runners/{id}"`, {
          ...token,
          id: runner.id,
        })
      ).status,
    ).toBe(204);
  });
});

import { describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/bootstrap.ts';
import { useTestServer } from '../support/server.ts';
import type { Json } from '../support/json.ts';

const server = useTestServer();
const ROOT_TOKEN = 'glpat-initial-root-token-for-tests';

describe('first boot, then an admin sets everything up through GraphQL', () => {
  it('INITIAL_ROOT_TOKEN makes `root` an admin who creates a group, project, runner and jobs, and reads them back', async () => {
    expect(await bootstrap(server.db, { initialRootToken: ROOT_TOKEN, initialRegistrationToken: null })).toMatchObject({
      createdRoot: true,
    });
    expect(await bootstrap(server.db, { initialRootToken: 'glpat-other', initialRegistrationToken: null })).toMatchObject({
      createdRoot: false,
    });
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await server.graphql(query, variables, ROOT_TOKEN);
      expect(res.errors, query).toBeUndefined();
      return res.data as Record<string, Json>;
    };

    expect((await gql(`{ currentUser { username admin } }`)).currentUser).toEqual({ username: 'root', admin: true });
    const group = (await gql(`mutation { groupCreate(input: { name: "Platform", path: "platform" }) { group { id fullPath } errors } }`))
      .groupCreate.group;
    const project = (
      await gql(
        `mutation($g: GroupID) { projectCreate(input: { name: "API", path: "api", groupId: $g }) { project { id fullPath } errors } }`,
        { g: group.id },
      )
    ).projectCreate.project;
    expect(project.fullPath).toBe('platform/api');

    const runners = [];
    for (const [description, tags] of [
      ['docker-1', ['docker', 'linux']],
      ['docker-2', ['docker']],
      ['mac-1', ['macos']],
    ] as const) {
      const created = await gql(
        `mutation($p: ProjectID, $d: String, $t: [String!]) { runnerCreate(input: { runnerType: PROJECT_TYPE, projectId: $p, description: $d, tagList: $t }) { runner { id } errors } }`,
        { p: project.id, d: description, t: tags },
      );
      runners.push(created.runnerCreate.runner.id);
    }

    const pipeline = (
      await gql(
        `mutation($p: ProjectID!) { pipelineCreate(input: { projectId: $p, ref: "main", sha: "${'a'.repeat(40)}",
          commit: { title: "Initial", authorName: "Root", authorEmail: "root@example.com" },
          jobs: [{ name: "build", stage: "build" }, { name: "test", stage: "test" }] }) { pipeline { id jobs { nodes { id name } } } errors } }`,
        { p: project.id },
      )
    ).pipelineCreate.pipeline;
    const [build, test] = pipeline.jobs.nodes;
    for (const event of ['ENQUEUE', 'RUN', 'SUCCEED']) {
      await gql(
        `mutation($j: JobID!, $e: CiJobEvent!, $r: CiRunnerID) { jobTransition(input: { id: $j, event: $e, runnerId: $r }) { job { status } errors } }`,
        {
          j: build.id,
          e: event,
          r: event === 'RUN' ? runners[0] : null,
        },
      );
    }
    for (const event of ['ENQUEUE', 'RUN', 'FAIL']) {
      await gql(
        `mutation($j: JobID!, $e: CiJobEvent!, $r: CiRunnerID) { jobTransition(input: { id: $j, event: $e, runnerId: $r }) { job { status } errors } }`,
        {
          j: test.id,
          e: event,
          r: event === 'RUN' ? runners[0] : null,
        },
      );
    }

    const read = await gql(`{
      project(fullPath: "platform/api") {
        runners(tagList: ["docker"], sort: CREATED_ASC, first: 1) { count pageInfo { hasNextPage endCursor } nodes { description status } }
      }
      runners(status: ONLINE, first: 1) { count nodes { description jobs { count nodes { name status } } } }
    }`);
    expect(read.project.runners).toMatchObject({
      count: 2,
      pageInfo: { hasNextPage: true },
      nodes: [{ description: 'docker-1', status: 'ONLINE' }],
    });
    const next = await gql(
      `query($after: String) { project(fullPath: "platform/api") { runners(tagList: ["docker"], sort: CREATED_ASC, first: 1, after: $after) { nodes { description } } } }`,
      {
        after: read.project.runners.pageInfo.endCursor,
      },
    );
    expect(next.project.runners.nodes).toEqual([{ description: 'docker-2' }]);
    expect(read.runners).toEqual({
      count: 1,
      nodes: [
        {
          description: 'docker-1',
          jobs: {
            count: 2,
            nodes: [
              { name: 'test', status: 'FAILED' },
              { name: 'build', status: 'SUCCESS' },
            ],
          },
        },
      ],
    });
  });
});

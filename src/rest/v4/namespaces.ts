import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { toGlobalId } from '../../graphql/ids.ts';
import { RunnerFragment } from '../entities.ts';
import { graphql } from '../graphql.ts';
import { inIdRange, type RestDeps } from './deps.ts';
import { runnerListRoute } from './runner-lists.ts';

/** `:id` of a project or group: a numeric id, or a URL-encoded full path (`group%2Fproject`). */
export function namespaceRef(id: unknown, modelClass: 'Project' | 'Group'): { id?: string; fullPath?: string } {
  const value = String(id ?? '');
  if (!/^\d+$/.test(value)) return { fullPath: value };
  // An id beyond the database's integer range names nothing: look up an empty path, which finds nothing either.
  return inIdRange(Number(value)) ? { id: toGlobalId(modelClass, Number(value)) } : { fullPath: '' };
}

const ProjectRunners = defineOperation(
  graphql(
    `
  query RestProjectRunners($projectId: ProjectID, $fullPath: ID, $type: CiRunnerType, $types: [CiRunnerType!], $status: CiRunnerStatus,
    $paused: Boolean, $tagList: [String!], $versionPrefix: String, $first: Int!, $offset: Int) {
    project(id: $projectId, fullPath: $fullPath) {
      runners(type: $type, types: $types, status: $status, paused: $paused,
      tagList: $tagList, versionPrefix: $versionPrefix, first: $first, offset: $offset, sort: CREATED_ID_ASC) { count nodes { ...RestRunner } }
    }
  }
`,
    [RunnerFragment],
  ),
);

const GroupRunners = defineOperation(
  graphql(
    `
  query RestGroupRunners($groupId: GroupID, $fullPath: ID, $type: CiRunnerType, $types: [CiRunnerType!], $status: CiRunnerStatus,
    $paused: Boolean, $tagList: [String!], $versionPrefix: String, $first: Int!, $offset: Int) {
    group(id: $groupId, fullPath: $fullPath) {
      runners(membership: ALL_AVAILABLE, type: $type, types: $types, status: $status, paused: $paused,
      tagList: $tagList, versionPrefix: $versionPrefix, first: $first, offset: $offset, sort: CREATED_ID_ASC) { count nodes { ...RestRunner } }
    }
  }
`,
    [RunnerFragment],
  ),
);

export function namespaceRunnerRoutes(app: FastifyInstance, deps: RestDeps) {
  runnerListRoute(app, deps, {
    path: '/projects/:id/runners',
    summary: 'List the runners a project can use (id or URL-encoded path)',
    withScope: true,
    allowedScopes: null,
    operation: ProjectRunners,
    missing: 'Project',
    variables: (raw) => {
      const ref = namespaceRef(raw.id, 'Project');
      return { projectId: ref.id, fullPath: ref.fullPath };
    },
    pick: (data) => data.project && (data.project.runners ?? { count: 0, nodes: [] }),
  });
  runnerListRoute(app, deps, {
    path: '/groups/:id/runners',
    summary: 'List the runners of a group and its ancestors, and instance runners',
    withScope: false,
    allowedScopes: null,
    operation: GroupRunners,
    missing: 'Group',
    variables: (raw) => {
      const ref = namespaceRef(raw.id, 'Group');
      return { groupId: ref.id, fullPath: ref.fullPath };
    },
    pick: (data) => data.group && (data.group.runners ?? { count: 0, nodes: [] }),
  });
}

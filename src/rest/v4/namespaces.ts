import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { toGlobalId } from '../../graphql/ids.ts';
import { RunnerFragment } from '../runner-entities.ts';
import { graphql } from '../graphql.ts';
import type { Context } from '../../graphql/context.ts';
import { RestError } from '../http.ts';
import { perform } from '../operations.ts';
import { inIdRange, type RestDeps } from './deps.ts';
import { runnerListRoute } from './runner-lists.ts';

/** `:id` of a project or group: a numeric id, or a URL-encoded full path (`group%2Fproject`). */
export function namespaceRef(id: unknown, modelClass: 'Project' | 'Group'): { id?: string; fullPath?: string } {
  const value = String(id ?? '');
  if (!/^\d+$/.test(value)) return { fullPath: value };
  // An id beyond the database's integer range names nothing: look up an empty path, which finds nothing either.
  return inIdRange(Number(value)) ? { id: toGlobalId(modelClass, Number(value)) } : { fullPath: '' };
}

const NamespaceId = defineOperation(
  graphql(`
  query RestNamespaceId($projectId: ProjectID, $projectPath: ID, $groupId: GroupID, $groupPath: ID, $isProject: Boolean!) {
    project(id: $projectId, fullPath: $projectPath) @include(if: $isProject) { id fullPath }
    group(id: $groupId, fullPath: $groupPath) @skip(if: $isProject) { id fullPath }
  }
`),
);

/** The global ID of a project or group named by `:id` (numeric or path), or GitLab's 404 when it is not visible. */
export async function resolveNamespace(ctx: Context, kind: 'project' | 'group', id: unknown): Promise<{ id: string; fullPath: string }> {
  const ref = namespaceRef(id, kind === 'project' ? 'Project' : 'Group');
  const data = await perform(
    NamespaceId,
    kind === 'project'
      ? { isProject: true, projectId: ref.id, projectPath: ref.fullPath }
      : { isProject: false, groupId: ref.id, groupPath: ref.fullPath },
    ctx,
  );
  const found = kind === 'project' ? data.project : data.group;
  if (!found?.id || !found.fullPath) throw new RestError(404, { message: `404 ${kind === 'project' ? 'Project' : 'Group'} Not Found` });
  return { id: found.id, fullPath: found.fullPath };
}

const ProjectRunners = defineOperation(
  graphql(
    `
  query RestProjectRunners($projectId: ProjectID, $fullPath: ID, $type: CiRunnerType, $types: [CiRunnerType!], $status: CiRunnerStatus,
    $paused: Boolean, $tagList: [String!], $versionPrefix: String, $first: Int!, $offset: Int) {
    project(id: $projectId, fullPath: $fullPath) {
      runners(type: $type, types: $types, status: $status, paused: $paused,
      tagList: $tagList, versionPrefix: $versionPrefix, first: $first, offset: $offset, sort: CREATED_ID_ASC) { count(limit: 10000) nodes { ...RestRunner } }
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
      tagList: $tagList, versionPrefix: $versionPrefix, first: $first, offset: $offset, sort: CREATED_ID_ASC) { count(limit: 10000) nodes { ...RestRunner } }
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

import { MAX_COUNT } from '../pagination.ts';
import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { RUNNER_FRAGMENT, type RunnerNode } from '../entities.ts';
import { inIdRange, type RestDeps } from './deps.ts';
import { RUNNER_LIST_ARGS, RUNNER_LIST_PASS, runnerListRoute } from './runner-lists.ts';

type Page = { count: number; nodes: RunnerNode[] };

/** `:id` of a project or group: a numeric id, or a URL-encoded full path (`group%2Fproject`). */
export function namespaceRef(id: unknown, modelClass: 'Project' | 'Group'): { id?: string; fullPath?: string } {
  const value = String(id ?? '');
  if (!/^\d+$/.test(value)) return { fullPath: value };
  // An id beyond the database's integer range names nothing: look up an empty path, which finds nothing either.
  return inIdRange(Number(value)) ? { id: `gid://gitlab/${modelClass}/${value}` } : { fullPath: '' };
}

const ProjectRunners = defineOperation<{ project: { runners: Page | null } | null }>(/* GraphQL */ `
  query RestProjectRunners($projectId: ProjectID, $fullPath: ID, ${RUNNER_LIST_ARGS}) {
    project(id: $projectId, fullPath: $fullPath) { runners(${RUNNER_LIST_PASS}) { count(limit: ${MAX_COUNT}) nodes { ...RestRunner } } }
  }
  ${RUNNER_FRAGMENT}
`);

const GroupRunners = defineOperation<{ group: { runners: Page | null } | null }>(/* GraphQL */ `
  query RestGroupRunners($groupId: GroupID, $fullPath: ID, ${RUNNER_LIST_ARGS}) {
    group(id: $groupId, fullPath: $fullPath) {
      runners(membership: ALL_AVAILABLE, ${RUNNER_LIST_PASS}) { count(limit: ${MAX_COUNT}) nodes { ...RestRunner } }
    }
  }
  ${RUNNER_FRAGMENT}
`);

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

import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { RUNNER_FRAGMENT, type RunnerNode } from '../entities.ts';
import { userContextFor } from '../http.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { listRunners, listSpecs, RUNNER_LIST_ARGS, RUNNER_LIST_PASS } from './runner-lists.ts';

type Page = { count: number; nodes: RunnerNode[] };

/** `:id` of a project or group: a numeric id, or a URL-encoded full path (`group%2Fproject`). */
export function namespaceRef(id: unknown, modelClass: 'Project' | 'Group'): { id?: string; fullPath?: string } {
  const value = String(id ?? '');
  return /^\d+$/.test(value) ? { id: `gid://gitlab/${modelClass}/${value}` } : { fullPath: value };
}

const ProjectRunners = defineOperation<{ project: { runners: Page | null } | null }>(/* GraphQL */ `
  query RestProjectRunners($projectId: ProjectID, $fullPath: ID, ${RUNNER_LIST_ARGS}) {
    project(id: $projectId, fullPath: $fullPath) { runners(${RUNNER_LIST_PASS}) { count nodes { ...RestRunner } } }
  }
  ${RUNNER_FRAGMENT}
`);

const GroupRunners = defineOperation<{ group: { runners: Page | null } | null }>(/* GraphQL */ `
  query RestGroupRunners($groupId: GroupID, $fullPath: ID, ${RUNNER_LIST_ARGS}) {
    group(id: $groupId, fullPath: $fullPath) {
      runners(membership: ALL_AVAILABLE, ${RUNNER_LIST_PASS}) { count nodes { ...RestRunner } }
    }
  }
  ${RUNNER_FRAGMENT}
`);

const tooLong = (ref: { id?: string }) => ref.id !== undefined && Number(ref.id.slice(ref.id.lastIndexOf('/') + 1)) > 2_147_483_647;

export function namespaceRunnerRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  route(app, deps, {
    method: 'GET', path: '/projects/:id/runners', summary: "List the runners a project can use (id or URL-encoded path)", auth: 'user',
    params: listSpecs(true), status: 200, response: '[Runner]', paginated: true,
  }, async (request, reply) => {
    const raw = requestParams(request);
    const context = await userContextFor(db, settings, request, raw);
    const ref = namespaceRef(raw.id, 'Project');
    return listRunners({
      request, reply, raw, context, externalUrl: settings.externalUrl, withScope: true, allowedScopes: null,
      operation: ProjectRunners,
      extraVariables: tooLong(ref) ? { fullPath: '' } : { projectId: ref.id, fullPath: ref.fullPath },
      pick: (data) => data.project && (data.project.runners ?? { count: 0, nodes: [] }),
      missing: 'Project',
    });
  });

  route(app, deps, {
    method: 'GET', path: '/groups/:id/runners', summary: "List the runners of a group and its ancestors, and instance runners", auth: 'user',
    params: listSpecs(false), status: 200, response: '[Runner]', paginated: true,
  }, async (request, reply) => {
    const raw = requestParams(request);
    const context = await userContextFor(db, settings, request, raw);
    const ref = namespaceRef(raw.id, 'Group');
    // GitLab declares no `scope` here: a sent one is ignored, not refused.
    const { scope: _ignored, ...rest } = raw;
    return listRunners({
      request, reply, raw: rest, context, externalUrl: settings.externalUrl, withScope: false, allowedScopes: null,
      operation: GroupRunners,
      extraVariables: tooLong(ref) ? { fullPath: '' } : { groupId: ref.id, fullPath: ref.fullPath },
      pick: (data) => data.group && (data.group.runners ?? { count: 0, nodes: [] }),
      missing: 'Group',
    });
  });
}

import { authenticateRunner } from '../../services/runner-tokens.ts';
import { unregisterRunnerManager } from '../../services/runner-managers.ts';
import { builder } from '../builder.ts';
import { forbidden, notFoundAs, preconditionFailed } from '../../errors.ts';
import { NO_ERRORS, withErrorFields } from './payload.ts';

// The runner's side of its managers: a host that stops using the runner's token removes itself (gitlab-runner's
// `unregister` of one host of a runner shared by several, GitLab 16.x+ `DELETE /runners/managers`). GitLab has no
// GraphQL mutation for it; this one exists because every REST route here runs a GraphQL operation, and it takes
// the runner's token as `runnerUnregister` does.

/** GitLab answers `not_found!('Runner manager not found')`: the resource is named by that whole phrase. */
const MANAGER_NOT_FOUND = 'Runner manager not found';

withErrorFields(
  builder.relayMutationField(
    'runnerManagerUnregister',
    {
      description:
        'Deletes the runner manager (the host) with the given system ID of the runner that owns the token (GitLab ' +
        '`DELETE /runners/managers`); the runner stays. When it was its last host, the runner is no longer contacted.',
      inputFields: (t) => ({
        token: t.string({ required: true, description: "The runner's authentication token." }),
        systemId: t.string({ required: true, description: "The host's system ID, as it sends it on verify and job requests." }),
        unmodifiedSince: t.field({
          type: 'Time',
          description: 'Refuse (PRECONDITION_FAILED) if the manager changed after this time, as HTTP If-Unmodified-Since.',
        }),
      }),
    },
    {
      resolve: async (_root, { input }, ctx) => {
        const runner = await authenticateRunner(ctx.db, input.token);
        // Unknown and expired tokens look the same: GitLab's bare 403.
        if (!runner) throw forbidden();
        const outcome = await unregisterRunnerManager(ctx.db, runner.id, input.systemId, input.unmodifiedSince);
        if (outcome === 'not_found') throw notFoundAs(MANAGER_NOT_FOUND);
        if (outcome === 'modified') throw preconditionFailed();
        return { ...NO_ERRORS };
      },
    },
    { name: 'RunnerManagerUnregisterPayload', outputFields: () => ({}) },
  ),
);

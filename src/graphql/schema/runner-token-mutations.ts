import { GROUP_FACTS_SELECT, PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import { digestToken } from '../../auth/tokens.ts';
import { authenticateRunner, registerRunner, rotateRunnerToken, verifyRunner } from '../../services/runner-tokens.ts';
import { type RegistrationScope, resetRegistrationToken } from '../../services/tokens.ts';
import { runnerActor } from '../../services/runner-audit.ts';
import { deleteRunners } from '../../services/runners.ts';
import { builder, MANAGE_RUNNER, WRITE } from '../builder.ts';
import { auditActor, type Context } from '../context.ts';
import { badInput, conflict, forbidden, notFound, preconditionFailed } from '../../errors.ts';
import { MODEL_CLASS, parseGlobalId } from '../ids.ts';
import { CiRunnerType } from './enums.ts';
import { NO_ERRORS, withErrorFields, withErrors } from './payload.ts';
import { findRunnerFacts } from './runner-mutations.ts';
import { RunnerRef } from './runner.ts';
import { runnerAttributeInputs } from './runner-attributes.ts';
import { withInverses } from '../../runners/attributes.ts';

// The runner's own side of GitLab's Runners API (register, verify, unregister, token rotation) and the
// registration tokens that users reset. Runner-facing mutations take no user token: the runner's token is
// the credential, and every refusal carries GitLab's code and reason for the REST shim.

/** A runner authenticated by its token, or GitLab's bare 403 (unknown and expired tokens look the same). */
async function runnerByToken(ctx: Context, token: string) {
  const runner = await authenticateRunner(ctx.db, token);
  if (!runner) throw forbidden();
  return runner;
}

const RunnerInfoInput = builder.inputType('RunnerInfoInput', {
  description:
    "What the runner reports about the host it runs on (GitLab's `info`). Registration keeps only `name`, as GitLab " +
    "does; the other facts are recorded on the runner manager by the host's contacts (`runnerVerify`).",
  fields: (t) => ({
    name: t.string({ description: "The runner's name; at most 256 characters." }),
    version: t.string(),
    revision: t.string(),
    platform: t.string(),
    architecture: t.string(),
    executor: t.string(),
  }),
});

withErrorFields(
  builder.relayMutationField(
    'runnerRegister',
    {
      description:
        "Registers a runner with a registration token (GitLab `POST /runners`): the instance's token registers an " +
        "instance runner, a group's a group runner, a project's a runner of that project. No user token is needed.",
      inputFields: (t) => ({
        token: t.string({ required: true, description: 'Registration token of the instance, a group or a project.' }),
        info: t.field({ type: RunnerInfoInput }),
        ...runnerAttributeInputs(t, 'registrar'),
      }),
    },
    {
      resolve: async (_root, { input }, ctx) => {
        const { token, info, ...given } = input;
        const attributes = withInverses(given);
        return withErrors(async () => {
          const registered = await registerRunner(ctx.db, token, attributes, { name: info?.name }, ctx.clientIp);
          return { runner: registered.runner, token: registered.token, tokenExpiresAt: registered.runner.tokenExpiresAt };
        });
      },
    },
    {
      name: 'RunnerRegisterPayload',
      outputFields: (t) => ({
        runner: t.field({ type: RunnerRef, nullable: true, resolve: (payload) => payload.runner ?? null }),
        token: t.string({
          nullable: true,
          description:
            "The new runner's authentication token: `t1_`, `t2_` or `t3_` by type, without the `glrt-` of runners created " +
            'by users, as GitLab issues it. It is shown this once and stored only as a digest.',
          resolve: (payload) => payload.token ?? null,
        }),
        tokenExpiresAt: t.field({ type: 'Time', nullable: true, resolve: (payload) => payload.tokenExpiresAt ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerUnregister',
    {
      description: 'Deletes the runner that owns the given authentication token (GitLab `DELETE /runners`).',
      inputFields: (t) => ({
        token: t.string({ required: true, description: "The runner's authentication token." }),
        unmodifiedSince: t.field({
          type: 'Time',
          description: 'Refuse (PRECONDITION_FAILED) if the runner changed after this time, as HTTP If-Unmodified-Since.',
        }),
      }),
    },
    {
      resolve: async (_root, { input }, ctx) => {
        const runner = await runnerByToken(ctx, input.token);
        const since = input.unmodifiedSince;
        if (since && runner.updatedAt > since) throw preconditionFailed();
        const deleted = await ctx.db.$transaction((tx) =>
          deleteRunners(tx, [runner.id], runnerActor(runner.id, ctx.clientIp), {
            where: { tokenDigest: runner.tokenDigest, ...(since ? { updatedAt: { lte: since } } : {}) },
          }),
        );
        if (deleted.length === 0) {
          // Something changed since the lookup: a change of the runner fails the precondition; a new token or a
          // deletion leaves the given token unknown.
          const current = await authenticateRunner(ctx.db, input.token);
          throw current && since ? preconditionFailed() : forbidden();
        }
        return { ...NO_ERRORS };
      },
    },
    { name: 'RunnerUnregisterPayload', outputFields: () => ({}) },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerVerify',
    {
      description:
        'Checks a runner authentication token (GitLab `POST /runners/verify`) and records the contact on the runner ' +
        'manager named by `systemId` (created on its first contact). It marks the runner contacted (ONLINE), except ' +
        'a runner created by a user (a `glrt-` token), which stays NEVER_CONTACTED until it runs a job, as in GitLab ' +
        '16.x–17.x.',
      inputFields: (t) => ({
        token: t.string({ required: true, description: "The runner's authentication token." }),
        systemId: t.string({
          description: 'The system ID of the runner\'s host (its runner manager); GitLab\'s "<legacy>" when omitted.',
        }),
        info: t.field({ type: RunnerInfoInput, description: 'Host facts to record on the manager (`name` is ignored).' }),
        ipAddress: t.string({ description: 'Address the host called from, recorded on the manager.' }),
      }),
    },
    {
      resolve: async (_root, { input }, ctx) => {
        const { name: _name, ...facts } = input.info ?? {};
        const verified = await withErrors(async () => ({
          runner: await verifyRunner(ctx.db, input.token, { systemId: input.systemId, facts: { ...facts, ipAddress: input.ipAddress } }),
        }));
        if (verified.errors.length) return { runner: null, token: null, tokenExpiresAt: null, ...verified };
        // Unknown and expired tokens look the same: GitLab's bare 403.
        if (!verified.runner) throw forbidden();
        return { runner: verified.runner, token: input.token, tokenExpiresAt: verified.runner.tokenExpiresAt, ...NO_ERRORS };
      },
    },
    {
      name: 'RunnerVerifyPayload',
      outputFields: (t) => ({
        runner: t.field({ type: RunnerRef, nullable: true, resolve: (payload) => payload.runner }),
        token: t.string({ nullable: true, description: 'The token that was verified.', resolve: (payload) => payload.token }),
        tokenExpiresAt: t.field({ type: 'Time', nullable: true, resolve: (payload) => payload.tokenExpiresAt }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerAuthenticationTokenReset',
    {
      description:
        'Gives a runner a new authentication token; the old one stops working at once. Either a user who may update ' +
        'the runner resets it by `id` (GitLab `POST /runners/:id/reset_authentication_token`), or the runner itself ' +
        'with its current `token` (GitLab `POST /runners/reset_authentication_token`).',
      inputFields: (t) => ({
        id: t.field({ type: 'CiRunnerID', description: 'The runner, for a user resetting its token.' }),
        token: t.string({ description: "The runner's current authentication token, for the runner resetting it." }),
      }),
    },
    {
      // A reset by id is a user's operation on one runner; a reset by token needs no user at all.
      authScopes: (_root, { input }) => (input.id != null && input.token == null ? { token: MANAGE_RUNNER } : true),
      resolve: async (_root, { input }, ctx) => {
        if (input.id != null && input.token != null) throw badInput('id, token are mutually exclusive');
        if (input.id != null) {
          const facts = await findRunnerFacts(ctx, input.id);
          await ctx.policy.assertUpdate(facts);
          const current = await ctx.db.runner.findUnique({
            where: { id: input.id },
            select: { id: true, tokenDigest: true, runnerType: true, registrationType: true },
          });
          if (!current) throw notFound('Runner');
          const rotated = await rotateRunnerToken(ctx.db, current, current.tokenDigest, auditActor(ctx));
          if (!rotated) throw conflict("The runner's token was reset at the same time; try again");
          return { ...rotated, ...NO_ERRORS };
        }
        if (input.token == null) throw badInput('id, token are missing, exactly one parameter must be provided');
        const runner = await runnerByToken(ctx, input.token);
        const rotated = await rotateRunnerToken(ctx.db, runner, digestToken(input.token), runnerActor(runner.id, ctx.clientIp), {
          requireUnexpired: true,
        });
        // Another reset won the race (or the token just expired): the given token is no longer valid.
        if (!rotated) throw forbidden();
        return { ...rotated, ...NO_ERRORS };
      },
    },
    {
      name: 'RunnerAuthenticationTokenResetPayload',
      outputFields: (t) => ({
        token: t.string({ description: 'The new authentication token, shown this once.', resolve: (payload) => payload.token }),
        tokenExpiresAt: t.field({ type: 'Time', nullable: true, resolve: (payload) => payload.tokenExpiresAt }),
      }),
    },
  ),
);

/** Which registration token a user may reset: the instance's (admins), a group's (Owners) or a project's (Maintainers). */
async function registrationScope(
  ctx: Context,
  type: 'instance_type' | 'group_type' | 'project_type',
  id: string | null,
): Promise<RegistrationScope> {
  if (type === 'instance_type') {
    if (id !== null) throw badInput("id must not be specified for 'instance_type' scope", 'id');
    if (!ctx.access.isAdmin) throw forbidden();
    return { kind: 'instance' };
  }
  if (id === null) throw badInput(`id is required for '${type}' scope`, 'id');
  if (type === 'group_type') {
    const groupId = parseGlobalId(id, MODEL_CLASS.group);
    const group = await ctx.db.group.findUnique({ where: { id: groupId }, select: GROUP_FACTS_SELECT });
    if (!group || !ctx.access.canReadGroup(group)) throw notFound('Group');
    if (!ctx.access.administersGroupRunners(group)) throw forbidden();
    return { kind: 'group', groupId };
  }
  const projectId = parseGlobalId(id, MODEL_CLASS.project);
  const project = await ctx.db.project.findUnique({ where: { id: projectId }, select: PROJECT_FACTS_SELECT });
  if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
  if (!ctx.access.administersProjectRunners(project)) throw forbidden();
  return { kind: 'project', projectId };
}

withErrorFields(
  builder.relayMutationField(
    'runnersRegistrationTokenReset',
    {
      description:
        'Replaces the registration token of the instance (admins), a group (its Owners) or a project (its ' +
        'Maintainers); the old token stops registering runners at once.',
      inputFields: (t) => ({
        type: t.field({ type: CiRunnerType, required: true, description: 'Whose token to reset.' }),
        id: t.id({ description: 'Global ID of the group or project (a GroupID or ProjectID); omit for the instance.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const scope = await registrationScope(ctx, input.type, input.id == null ? null : String(input.id));
        return { token: await resetRegistrationToken(ctx.db, scope), ...NO_ERRORS };
      },
    },
    {
      name: 'RunnersRegistrationTokenResetPayload',
      outputFields: (t) => ({
        token: t.string({
          nullable: true,
          description: 'The new registration token, shown this once.',
          resolve: (payload) => payload.token,
        }),
      }),
    },
  ),
);

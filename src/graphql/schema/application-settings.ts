import { runnerSettings, type RunnerSettings, updateRunnerSettings } from '../../services/application-settings.ts';
import { PLANS, planLimits, type RunnerPlanLimits, updatePlanLimits } from '../../services/plan-limits.ts';
import { builder, READ, WRITE } from '../builder.ts';
import { withErrorFields, withErrors } from './payload.ts';

// The instance's runner settings and plan limits. GitLab serves them over REST only (`/application/settings`); these are the same
// keys, in GraphQL's spelling, for administrators.

const ApplicationSettings = builder.objectRef<RunnerSettings>('ApplicationSettings').implement({
  description: "The instance's runner settings (GitLab's application settings for runners).",
  fields: (t) => ({
    allowRunnerRegistrationToken: t.exposeBoolean('allowRunnerRegistrationToken', {
      description: 'Whether registration tokens may register runners at all (GONE "runner registration disallowed" otherwise).',
    }),
    validRunnerRegistrars: t.exposeStringList('validRunnerRegistrars', {
      description: "Which of `project` and `group` registration tokens may register runners; the instance's always may.",
    }),
    runnerTokenExpirationInterval: t.exposeInt('runnerTokenExpirationInterval', {
      nullable: true,
      description: "Seconds a new instance runner's token lives (at least 7200); null: forever.",
    }),
    groupRunnerTokenExpirationInterval: t.exposeInt('groupRunnerTokenExpirationInterval', {
      nullable: true,
      description: 'The same, for group runners.',
    }),
    projectRunnerTokenExpirationInterval: t.exposeInt('projectRunnerTokenExpirationInterval', {
      nullable: true,
      description: 'The same, for project runners.',
    }),
    allowStaleInstanceRunnerPruning: t.exposeBoolean('allowStaleInstanceRunnerPruning', {
      description: "Whether the periodic prune deletes stale instance runners (a group's runners: `Group.allowStaleRunnerPruning`).",
    }),
  }),
});

builder.queryField('applicationSettings', (t) =>
  t.field({
    type: ApplicationSettings,
    description: "The instance's runner settings. Administrators only.",
    authScopes: { $all: { token: READ, admin: true } },
    resolve: (_root, _args, ctx) => runnerSettings(ctx.db),
  }),
);

withErrorFields(
  builder.relayMutationField(
    'applicationSettingsUpdate',
    {
      description: "Changes the instance's runner settings (GitLab `PUT /application/settings`). Administrators only.",
      inputFields: (t) => ({
        allowRunnerRegistrationToken: t.boolean(),
        validRunnerRegistrars: t.stringList({ description: 'Any of `project`, `group`.' }),
        runnerTokenExpirationInterval: t.int({ description: 'Seconds; null or 0 for tokens that never expire.' }),
        groupRunnerTokenExpirationInterval: t.int(),
        projectRunnerTokenExpirationInterval: t.int(),
        allowStaleInstanceRunnerPruning: t.boolean({ description: 'Whether the periodic prune deletes stale instance runners.' }),
      }),
    },
    {
      authScopes: { $all: { token: WRITE, admin: true } },
      resolve: async (_root, { input }, ctx) =>
        withErrors(async () => ({
          applicationSettings: await updateRunnerSettings(ctx.db, {
            allowRunnerRegistrationToken: input.allowRunnerRegistrationToken ?? undefined,
            validRunnerRegistrars: input.validRunnerRegistrars ?? undefined,
            allowStaleInstanceRunnerPruning: input.allowStaleInstanceRunnerPruning ?? undefined,
            // An interval sent as null clears it; one left out stays.
            ...('runnerTokenExpirationInterval' in input ? { runnerTokenExpirationInterval: input.runnerTokenExpirationInterval } : {}),
            ...('groupRunnerTokenExpirationInterval' in input
              ? { groupRunnerTokenExpirationInterval: input.groupRunnerTokenExpirationInterval }
              : {}),
            ...('projectRunnerTokenExpirationInterval' in input
              ? { projectRunnerTokenExpirationInterval: input.projectRunnerTokenExpirationInterval }
              : {}),
          }),
        })),
    },
    {
      name: 'ApplicationSettingsUpdatePayload',
      outputFields: (t) => ({
        applicationSettings: t.field({
          type: ApplicationSettings,
          nullable: true,
          resolve: (payload) => payload.applicationSettings ?? null,
        }),
      }),
    },
  ),
);

const PlanLimits = builder.objectRef<RunnerPlanLimits & { plan: string }>('PlanLimits').implement({
  description: "A plan's limits on registered runners (GitLab's plan limits); 0 means no limit.",
  fields: (t) => ({
    planName: t.exposeString('plan'),
    ciRegisteredGroupRunners: t.exposeInt('ciRegisteredGroupRunners', {
      description: 'How many runners created or contacted in the last 7 days one group may have.',
    }),
    ciRegisteredProjectRunners: t.exposeInt('ciRegisteredProjectRunners', {
      description: 'How many runners created or contacted in the last 7 days one project may have.',
    }),
  }),
});

const PlanName = builder.enumType('PlanName', {
  description: "The instance's plans; a self-managed GitLab has only `default`.",
  values: Object.fromEntries(PLANS.map((plan) => [plan.toUpperCase(), { value: plan }])) as { DEFAULT: { value: 'default' } },
});

builder.queryField('planLimits', (t) =>
  t.field({
    type: PlanLimits,
    description: "A plan's runner limits (GitLab `GET /application/plan_limits`). Administrators only.",
    authScopes: { $all: { token: READ, admin: true } },
    args: { planName: t.arg({ type: PlanName, required: true, defaultValue: 'default' }) },
    resolve: async (_root, { planName }, ctx) => ({ plan: planName, ...(await planLimits(ctx.db, planName)) }),
  }),
);

withErrorFields(
  builder.relayMutationField(
    'planLimitsUpdate',
    {
      description: "Changes a plan's runner limits (GitLab `PUT /application/plan_limits`). Administrators only.",
      inputFields: (t) => ({
        planName: t.field({ type: PlanName, required: true }),
        ciRegisteredGroupRunners: t.int(),
        ciRegisteredProjectRunners: t.int(),
      }),
    },
    {
      authScopes: { $all: { token: WRITE, admin: true } },
      resolve: async (_root, { input }, ctx) =>
        withErrors(async () => ({
          planLimits: {
            plan: input.planName,
            ...(await updatePlanLimits(ctx.db, input.planName, {
              ciRegisteredGroupRunners: input.ciRegisteredGroupRunners ?? undefined,
              ciRegisteredProjectRunners: input.ciRegisteredProjectRunners ?? undefined,
            })),
          },
        })),
    },
    {
      name: 'PlanLimitsUpdatePayload',
      outputFields: (t) => ({
        planLimits: t.field({ type: PlanLimits, nullable: true, resolve: (payload) => payload.planLimits ?? null }),
      }),
    },
  ),
);

import { runnerSettings, type RunnerSettings, updateRunnerSettings } from '../../services/application-settings.ts';
import { builder, READ, WRITE } from '../builder.ts';
import { withErrorFields, withErrors } from './payload.ts';

// The instance's runner settings. GitLab serves them over REST only (`/application/settings`); these are the same
// keys, in GraphQL's spelling, for administrators.

const ApplicationSettings = builder.objectRef<RunnerSettings>('ApplicationSettings').implement({
  description: "The instance's runner settings (GitLab's application settings for runners).",
  fields: (t) => ({
    allowRunnerRegistrationToken: t.exposeBoolean('allowRunnerRegistrationToken', {
      description: 'Whether registration tokens may register runners at all (GONE "runner registration disallowed" otherwise).',
    }),
    validRunnerRegistrars: t.exposeStringList('validRunnerRegistrars', {
      description: 'Which of `project` and `group` registration tokens may register runners; the instance\'s always may.',
    }),
    runnerTokenExpirationInterval: t.exposeInt('runnerTokenExpirationInterval', {
      nullable: true,
      description: 'Seconds a new instance runner\'s token lives (at least 7200); null: forever.',
    }),
    groupRunnerTokenExpirationInterval: t.exposeInt('groupRunnerTokenExpirationInterval', { nullable: true, description: 'The same, for group runners.' }),
    projectRunnerTokenExpirationInterval: t.exposeInt('projectRunnerTokenExpirationInterval', { nullable: true, description: 'The same, for project runners.' }),
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

withErrorFields(builder.relayMutationField(
  'applicationSettingsUpdate',
  {
    description: "Changes the instance's runner settings (GitLab `PUT /application/settings`). Administrators only.",
    inputFields: (t) => ({
      allowRunnerRegistrationToken: t.boolean(),
      validRunnerRegistrars: t.stringList({ description: 'Any of `project`, `group`.' }),
      runnerTokenExpirationInterval: t.int({ description: 'Seconds; null or 0 for tokens that never expire.' }),
      groupRunnerTokenExpirationInterval: t.int(),
      projectRunnerTokenExpirationInterval: t.int(),
    }),
  },
  {
    authScopes: { $all: { token: WRITE, admin: true } },
    resolve: async (_root, { input }, ctx) =>
      withErrors(async () => ({
        applicationSettings: await updateRunnerSettings(ctx.db, {
          allowRunnerRegistrationToken: input.allowRunnerRegistrationToken ?? undefined,
          validRunnerRegistrars: input.validRunnerRegistrars ?? undefined,
          // An interval sent as null clears it; one left out stays.
          ...('runnerTokenExpirationInterval' in input ? { runnerTokenExpirationInterval: input.runnerTokenExpirationInterval } : {}),
          ...('groupRunnerTokenExpirationInterval' in input ? { groupRunnerTokenExpirationInterval: input.groupRunnerTokenExpirationInterval } : {}),
          ...('projectRunnerTokenExpirationInterval' in input ? { projectRunnerTokenExpirationInterval: input.projectRunnerTokenExpirationInterval } : {}),
        }),
      })),
  },
  {
    name: 'ApplicationSettingsUpdatePayload',
    outputFields: (t) => ({
      applicationSettings: t.field({ type: ApplicationSettings, nullable: true, resolve: (payload) => payload.applicationSettings ?? null }),
    }),
  },
));

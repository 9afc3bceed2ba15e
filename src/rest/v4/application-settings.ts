import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { RUNNER_REGISTRARS } from '../../services/application-settings.ts';
import { PLANS } from '../../services/plan-limits.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { RestError, sendJson, userContextFor, validationError } from '../http.ts';
import { perform } from '../operations.ts';
import { ParamError, parseParams, upper } from '../params.ts';
import { type RestDeps, requestParams, route } from './deps.ts';

// GitLab's `GET`/`PUT /application/settings` (administrators), for the runner settings this gateway keeps. GitLab
// answers its whole ApplicationSetting entity; these are the runner keys of it, under GitLab's names.

const SettingsFragment = graphql(`
  fragment RestApplicationSettings on ApplicationSettings {
    allowRunnerRegistrationToken validRunnerRegistrars runnerTokenExpirationInterval
    groupRunnerTokenExpirationInterval projectRunnerTokenExpirationInterval
  }
`);

const ShowSettings = defineOperation(
  graphql(`query RestApplicationSettings { applicationSettings { ...RestApplicationSettings } }`, [SettingsFragment]),
);

const UpdateSettings = defineOperation(
  graphql(
    `
  mutation RestUpdateApplicationSettings($input: ApplicationSettingsUpdateInput!) {
    applicationSettingsUpdate(input: $input) { applicationSettings { ...RestApplicationSettings } attributeErrors { attribute message } }
  }
`,
    [SettingsFragment],
  ),
);

const UPDATE_SPECS = {
  allow_runner_registration_token: { type: 'boolean' },
  valid_runner_registrars: { type: 'string_array' },
  runner_token_expiration_interval: { type: 'integer' },
  group_runner_token_expiration_interval: { type: 'integer' },
  project_runner_token_expiration_interval: { type: 'integer' },
} as const;

function settingsEntity(settings: ResultOf<typeof SettingsFragment>) {
  return {
    allow_runner_registration_token: settings.allowRunnerRegistrationToken,
    valid_runner_registrars: settings.validRunnerRegistrars,
    runner_token_expiration_interval: settings.runnerTokenExpirationInterval,
    group_runner_token_expiration_interval: settings.groupRunnerTokenExpirationInterval,
    project_runner_token_expiration_interval: settings.projectRunnerTokenExpirationInterval,
  };
}

export function applicationSettingsRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;

  route(
    app,
    deps,
    {
      method: 'GET',
      path: '/application/settings',
      summary: "The instance's runner settings (administrators)",
      auth: 'user',
      status: 200,
      response: 'ApplicationSettings',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const { applicationSettings } = await perform(ShowSettings, {}, ctx);
      if (!applicationSettings) throw new RestError(500, { message: '500 Internal Server Error' });
      return sendJson(reply, 200, settingsEntity(applicationSettings));
    },
  );

  route(
    app,
    deps,
    {
      method: 'PUT',
      path: '/application/settings',
      summary: "Change the instance's runner settings (administrators)",
      auth: 'user',
      params: UPDATE_SPECS,
      status: 200,
      response: 'ApplicationSettings',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const params = parseParams(raw, UPDATE_SPECS);
      // Grape's `values:` on an Array[String] checks each item.
      if (params.valid_runner_registrars?.some((item) => !(RUNNER_REGISTRARS as readonly string[]).includes(item))) {
        throw new ParamError('valid_runner_registrars does not have a valid value');
      }
      const interval = (
        name: 'runner_token_expiration_interval' | 'group_runner_token_expiration_interval' | 'project_runner_token_expiration_interval',
      ) => (name in params ? (params[name] ?? null) : undefined);
      // An undefined field is one not given (GraphQL coerces it so); null clears an interval.
      const input = {
        allowRunnerRegistrationToken: params.allow_runner_registration_token,
        validRunnerRegistrars: params.valid_runner_registrars,
        runnerTokenExpirationInterval: interval('runner_token_expiration_interval'),
        groupRunnerTokenExpirationInterval: interval('group_runner_token_expiration_interval'),
        projectRunnerTokenExpirationInterval: interval('project_runner_token_expiration_interval'),
      };
      const payload = (await perform(UpdateSettings, { input }, ctx)).applicationSettingsUpdate;
      if (payload?.attributeErrors?.length) throw validationError(payload.attributeErrors);
      if (!payload?.applicationSettings) throw new RestError(500, { message: '500 Internal Server Error' });
      return sendJson(reply, 200, settingsEntity(payload.applicationSettings));
    },
  );
}

const PlanLimitsFragment = graphql(`fragment RestPlanLimits on PlanLimits { ciRegisteredGroupRunners ciRegisteredProjectRunners }`);

const ShowPlanLimits = defineOperation(
  graphql(`query RestPlanLimits($plan: PlanName!) { planLimits(planName: $plan) { ...RestPlanLimits } }`, [PlanLimitsFragment]),
);

const UpdatePlanLimits = defineOperation(
  graphql(
    `
  mutation RestUpdatePlanLimits($input: PlanLimitsUpdateInput!) {
    planLimitsUpdate(input: $input) { planLimits { ...RestPlanLimits } attributeErrors { attribute message } }
  }
`,
    [PlanLimitsFragment],
  ),
);

const PLAN = { type: 'string', values: PLANS } as const;
const SHOW_LIMIT_SPECS = { plan_name: { ...PLAN, default: 'default' } } as const;
const UPDATE_LIMIT_SPECS = {
  plan_name: { ...PLAN, required: true },
  ci_registered_group_runners: { type: 'integer' },
  ci_registered_project_runners: { type: 'integer' },
} as const;

/** The runner keys of GitLab's `PlanLimit` entity. */
function planLimitsEntity(limits: ResultOf<typeof PlanLimitsFragment>) {
  return { ci_registered_group_runners: limits.ciRegisteredGroupRunners, ci_registered_project_runners: limits.ciRegisteredProjectRunners };
}

export function planLimitRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;

  route(
    app,
    deps,
    {
      method: 'GET',
      path: '/application/plan_limits',
      summary: "A plan's limits on registered runners (administrators)",
      auth: 'user',
      params: SHOW_LIMIT_SPECS,
      status: 200,
      response: 'PlanLimits',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const params = parseParams(raw, SHOW_LIMIT_SPECS);
      // The spec's default names a plan whenever none is given.
      const { planLimits } = await perform(ShowPlanLimits, { plan: upper(params.plan_name ?? 'default') }, ctx);
      if (!planLimits) throw new RestError(500, { message: '500 Internal Server Error' });
      return sendJson(reply, 200, planLimitsEntity(planLimits));
    },
  );

  route(
    app,
    deps,
    {
      method: 'PUT',
      path: '/application/plan_limits',
      summary: "Change a plan's limits on registered runners (administrators)",
      auth: 'user',
      params: UPDATE_LIMIT_SPECS,
      status: 200,
      response: 'PlanLimits',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const params = parseParams(raw, UPDATE_LIMIT_SPECS);
      const input = {
        planName: upper(params.plan_name ?? 'default'),
        ciRegisteredGroupRunners: params.ci_registered_group_runners ?? undefined,
        ciRegisteredProjectRunners: params.ci_registered_project_runners ?? undefined,
      };
      const payload = (await perform(UpdatePlanLimits, { input }, ctx)).planLimitsUpdate;
      if (payload?.attributeErrors?.length) throw validationError(payload.attributeErrors);
      if (!payload?.planLimits) throw new RestError(500, { message: '500 Internal Server Error' });
      return sendJson(reply, 200, planLimitsEntity(payload.planLimits));
    },
  );
}

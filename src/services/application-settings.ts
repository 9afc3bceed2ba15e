import type { Db } from '../db/client.ts';
import type { RunnerType } from '../db/generated/enums.ts';
import { ValidationFailed } from '../errors.ts';

// The instance's runner settings (GitLab's ApplicationSetting, one row), read and written by administrators over
// GitLab's `/application/settings` shape, and enforced where runners register and get tokens.

/** GitLab's ApplicationSetting::VALID_RUNNER_REGISTRAR_TYPES: whose registration tokens may register runners. */
export const RUNNER_REGISTRARS = ['project', 'group'] as const;
export type RunnerRegistrar = (typeof RUNNER_REGISTRARS)[number];

export interface RunnerSettings {
  allowRunnerRegistrationToken: boolean;
  validRunnerRegistrars: RunnerRegistrar[];
  /** Seconds, per runner type; null (or 0) means tokens of newly registered runners of that type do not expire. */
  runnerTokenExpirationInterval: number | null;
  groupRunnerTokenExpirationInterval: number | null;
  projectRunnerTokenExpirationInterval: number | null;
}

/** GitLab's defaults, what an instance that never changed its settings has. */
const DEFAULTS: RunnerSettings = {
  allowRunnerRegistrationToken: true,
  validRunnerRegistrars: [...RUNNER_REGISTRARS],
  runnerTokenExpirationInterval: null,
  groupRunnerTokenExpirationInterval: null,
  projectRunnerTokenExpirationInterval: null,
};

const INTERVALS = ['runnerTokenExpirationInterval', 'groupRunnerTokenExpirationInterval', 'projectRunnerTokenExpirationInterval'] as const;
const SNAKE: Record<(typeof INTERVALS)[number], string> = {
  runnerTokenExpirationInterval: 'runner_token_expiration_interval',
  groupRunnerTokenExpirationInterval: 'group_runner_token_expiration_interval',
  projectRunnerTokenExpirationInterval: 'project_runner_token_expiration_interval',
};
const MAX_INTERVAL = 2_147_483_647; // an `integer` column, as GitLab's

function isRegistrar(value: string): value is RunnerRegistrar {
  return (RUNNER_REGISTRARS as readonly string[]).includes(value);
}

export async function runnerSettings(db: Db): Promise<RunnerSettings> {
  const row = await db.applicationSetting.findUnique({ where: { id: 1 } });
  if (!row) return { ...DEFAULTS, validRunnerRegistrars: [...DEFAULTS.validRunnerRegistrars] };
  return {
    allowRunnerRegistrationToken: row.allowRunnerRegistrationToken,
    validRunnerRegistrars: row.validRunnerRegistrars.filter(isRegistrar),
    runnerTokenExpirationInterval: row.runnerTokenExpirationInterval,
    groupRunnerTokenExpirationInterval: row.groupRunnerTokenExpirationInterval,
    projectRunnerTokenExpirationInterval: row.projectRunnerTokenExpirationInterval,
  };
}

/**
 * Changes the given settings and returns them all. An unknown registrar or a negative interval is refused by
 * attribute (GitLab's names) and nothing is written.
 */
export async function updateRunnerSettings(
  db: Db,
  changes: { allowRunnerRegistrationToken?: boolean; validRunnerRegistrars?: readonly string[] } & Partial<
    Record<(typeof INTERVALS)[number], number | null>
  >,
): Promise<RunnerSettings> {
  const errors: { attribute: string; message: string }[] = [];
  if (changes.validRunnerRegistrars && !changes.validRunnerRegistrars.every(isRegistrar)) {
    errors.push({ attribute: 'valid_runner_registrars', message: 'is not included in the list' });
  }
  for (const key of INTERVALS) {
    const value = changes[key];
    if (value != null && (!Number.isInteger(value) || value < 0 || value > MAX_INTERVAL)) {
      errors.push({ attribute: SNAKE[key], message: 'must be a whole number of seconds, 0 or more' });
    }
  }
  if (errors.length) throw new ValidationFailed(errors);
  const data = {
    ...(changes.allowRunnerRegistrationToken !== undefined ? { allowRunnerRegistrationToken: changes.allowRunnerRegistrationToken } : {}),
    ...(changes.validRunnerRegistrars ? { validRunnerRegistrars: [...new Set(changes.validRunnerRegistrars)] } : {}),
    ...Object.fromEntries(INTERVALS.filter((key) => changes[key] !== undefined).map((key) => [key, changes[key]])),
  };
  await db.applicationSetting.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
  return runnerSettings(db);
}

/** GitLab's minimum runner token lifetime, so runners have time to rotate. */
export const MIN_TOKEN_EXPIRATION_SECONDS = 7200;

/**
 * When a token issued now to a runner of this type expires: the instance's interval for the type (instance, group
 * or project runners), at least GitLab's 2 hours; null when the type's interval is unset (or 0).
 */
export async function tokenExpiry(db: Db, runnerType: RunnerType, now = Date.now()): Promise<Date | null> {
  const settings = await runnerSettings(db);
  const seconds =
    runnerType === 'group_type'
      ? settings.groupRunnerTokenExpirationInterval
      : runnerType === 'project_type'
        ? settings.projectRunnerTokenExpirationInterval
        : settings.runnerTokenExpirationInterval;
  return seconds ? new Date(now + Math.max(seconds, MIN_TOKEN_EXPIRATION_SECONDS) * 1000) : null;
}

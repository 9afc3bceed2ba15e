import { type ParsedParams, upper } from '../params.ts';

/** The runner settings GitLab's PUT /runners/:id, POST /runners and POST /user/runners take, in GitLab's order. */
export const RUNNER_ATTRIBUTE_SPECS = {
  description: { type: 'string' },
  active: { type: 'boolean' },
  paused: { type: 'boolean' },
  tag_list: { type: 'string_array' },
  run_untagged: { type: 'boolean' },
  locked: { type: 'boolean' },
  access_level: { type: 'string', values: ['not_protected', 'ref_protected'] },
  maximum_timeout: { type: 'integer' },
  maintenance_note: { type: 'string' },
} as const;

/** The same settings as the GraphQL runner inputs name them; the deprecated `active` is the inverse of `paused`. */
export function runnerAttributesInput(params: ParsedParams<typeof RUNNER_ATTRIBUTE_SPECS>) {
  return {
    description: params.description,
    paused: params.paused ?? (params.active === undefined ? undefined : !params.active),
    tagList: params.tag_list,
    runUntagged: params.run_untagged,
    locked: params.locked,
    accessLevel: params.access_level && upper(params.access_level),
    // An empty maximum_timeout arrives as null: GitLab reads it as "no limit".
    maximumTimeout: params.maximum_timeout,
    maintenanceNote: params.maintenance_note,
  };
}

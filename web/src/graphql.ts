import { initGraphQLTada } from 'gql.tada';
import type { introspection } from '../../graphql-env.d.ts';

/**
 * Typed documents over the committed schema.graphql: `npm run schema` regenerates graphql-env.d.ts, and `npm run
 * check` fails on a query that no longer fits the schema.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: {
    Time: string;
    CiRunnerID: string;
    CiRunnerManagerID: string;
    CiBuildID: string;
    CiPipelineID: string;
    JobID: string;
    GroupID: string;
    ProjectID: string;
    UserID: string;
  };
  // Fragments only share selections here; every component reads the whole result.
  disableMasking: true;
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';

import { initGraphQLTada } from 'gql.tada';
import type { introspection } from '../../graphql-env.d.ts';

/**
 * The REST shim's GraphQL documents, typed from `schema.graphql` by gql.tada: each operation's result and variables
 * are read off the document itself (`npm run schema` regenerates `graphql-env.d.ts`). Fragments are not masked:
 * a REST entity reads its fragment's fields straight off the result.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  disableMasking: true;
  scalars: {
    // One type both ways: variables give ISO 8601 strings; results, run in process and not serialised, give the
    // resolver's Date (which JSON writes as ISO 8601).
    Time: Date | string;
    // Whatever JSON value the field holds; the entity that reads one narrows it.
    JSON: unknown;
    CiBuildID: string;
    CiPipelineID: string;
    CiRunnerID: string;
    CiRunnerManagerID: string;
    GroupID: string;
    JobID: string;
    ProjectID: string;
    UserID: string;
  };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';

import { graphql } from './graphql.ts';

export const RunnerUpdate = graphql(`
  mutation RunnerUpdate($input: RunnerUpdateInput!) {
    runnerUpdate(input: $input) { errors runner { id paused description } }
  }
`);

export const RunnerDelete = graphql(`
  mutation RunnerDelete($id: CiRunnerID!) {
    runnerDelete(input: { id: $id }) { errors }
  }
`);

export const BulkDelete = graphql(`
  mutation BulkDelete($ids: [CiRunnerID!]!) {
    bulkRunnerDelete(input: { ids: $ids }) { deletedCount deletedIds errors }
  }
`);

/** Every runner a filter matches that the viewer may delete: counted first (`dryRun`), then deleted in batches. */
export const BulkDeleteByFilter = graphql(`
  mutation BulkDeleteByFilter($input: BulkRunnerDeleteByFilterInput!) {
    bulkRunnerDeleteByFilter(input: $input) { matchedCount affectedCount complete errors }
  }
`);

export const BulkPause = graphql(`
  mutation BulkPause($ids: [CiRunnerID!]!, $paused: Boolean!) {
    runnerBulkPause(input: { ids: $ids, paused: $paused }) { updatedCount errors }
  }
`);

export const AssignProject = graphql(`
  mutation AssignProject($runnerId: CiRunnerID!, $projectPath: ID!) {
    runnerAssignToProject(input: { runnerId: $runnerId, projectPath: $projectPath }) { errors }
  }
`);

export const UnassignProject = graphql(`
  mutation UnassignProject($runnerId: CiRunnerID!, $projectPath: ID!) {
    runnerUnassignFromProject(input: { runnerId: $runnerId, projectPath: $projectPath }) { errors }
  }
`);

export const ResetToken = graphql(`
  mutation ResetToken($id: CiRunnerID!) {
    runnerAuthenticationTokenReset(input: { id: $id }) { errors token tokenExpiresAt }
  }
`);

export const RunnerCreate = graphql(`
  mutation RunnerCreate($input: RunnerCreateInput!) {
    runnerCreate(input: $input) { errors runner { id description ephemeralAuthenticationToken } }
  }
`);

export const FindGroup = graphql(`
  query FindGroup($fullPath: ID!) { group(fullPath: $fullPath) { id fullPath } }
`);

export const FindProject = graphql(`
  query FindProject($fullPath: ID!) { project(fullPath: $fullPath) { id fullPath } }
`);

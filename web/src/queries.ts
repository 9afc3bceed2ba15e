import { graphql } from './graphql.ts';

export const PAGE_SIZE = 20;

export const RunnerRow = graphql(`
  fragment RunnerRow on CiRunner {
    id
    runnerType
    status
    paused
    description
    tagList
    version
    contactedAt
    createdAt
    jobExecutionStatus
    ownerProject { id fullPath }
    groups(first: 1) { nodes { id fullPath } }
    userPermissions { updateRunner deleteRunner }
  }
`);

export const FleetPage = graphql(
  `
  fragment FleetPage on CiRunnerConnection {
    count
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { ...RunnerRow }
  }
`,
  [RunnerRow],
);

/*
 * Two roots, one shape: administrators list every runner (`runners`), everybody else the runners they administer
 * (`currentUser.runners`). The counts keep the type, tags and search but not the status, so each one says what
 * clicking it would show.
 */
export const AdminFleet = graphql(
  `
  query AdminFleet($type: CiRunnerType, $status: CiRunnerStatus, $paused: Boolean, $tagList: [String!], $search: String,
      $sort: CiRunnerSort, $first: Int, $after: String, $last: Int, $before: String) {
    page: runners(type: $type, status: $status, paused: $paused, tagList: $tagList, search: $search, sort: $sort,
        first: $first, after: $after, last: $last, before: $before) { ...FleetPage }
    all: runners(type: $type, tagList: $tagList, search: $search) { count }
    online: runners(type: $type, tagList: $tagList, search: $search, status: ONLINE) { count }
    offline: runners(type: $type, tagList: $tagList, search: $search, status: OFFLINE) { count }
    stale: runners(type: $type, tagList: $tagList, search: $search, status: STALE) { count }
    neverContacted: runners(type: $type, tagList: $tagList, search: $search, status: NEVER_CONTACTED) { count }
    paused: runners(type: $type, tagList: $tagList, search: $search, paused: true) { count }
  }
`,
  [FleetPage],
);

export const MyFleet = graphql(
  `
  query MyFleet($type: CiRunnerType, $status: CiRunnerStatus, $paused: Boolean, $tagList: [String!], $search: String,
      $sort: CiRunnerSort, $first: Int, $after: String, $last: Int, $before: String) {
    currentUser {
      id
      page: runners(type: $type, status: $status, paused: $paused, tagList: $tagList, search: $search, sort: $sort,
          first: $first, after: $after, last: $last, before: $before) { ...FleetPage }
      all: runners(type: $type, tagList: $tagList, search: $search) { count }
      online: runners(type: $type, tagList: $tagList, search: $search, status: ONLINE) { count }
      offline: runners(type: $type, tagList: $tagList, search: $search, status: OFFLINE) { count }
      stale: runners(type: $type, tagList: $tagList, search: $search, status: STALE) { count }
      neverContacted: runners(type: $type, tagList: $tagList, search: $search, status: NEVER_CONTACTED) { count }
      paused: runners(type: $type, tagList: $tagList, search: $search, paused: true) { count }
    }
  }
`,
  [FleetPage],
);

/** The ids of every runner a filter matches, a page at a time, for "all stale runners matching this filter". */
export const RunnerDetails = graphql(`
  query RunnerDetails($id: CiRunnerID!, $jobsFirst: Int, $jobsAfter: String, $jobsLast: Int, $jobsBefore: String) {
    runner(id: $id) {
      id
      runnerType
      status
      paused
      description
      maintenanceNote
      tagList
      runUntagged
      locked
      accessLevel
      maximumTimeout
      shortSha
      version
      contactedAt
      createdAt
      tokenExpiresAt
      jobExecutionStatus
      createdBy { username }
      ownerProject { id fullPath }
      groups(first: 5) { nodes { id fullPath } }
      projectCount
      projects(first: 20) { nodes { id fullPath name } }
      managers(first: 20) {
        count
        nodes { id systemId status version platformName architectureName executorName ipAddress contactedAt jobExecutionStatus }
      }
      jobCount
      jobs(first: $jobsFirst, after: $jobsAfter, last: $jobsLast, before: $jobsBefore) {
        count
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        nodes {
          id
          name
          status
          detailedStatus { text group }
          ref
          duration
          finishedAt
          shortSha
          pipeline { id iid }
          project { fullPath }
          user { username }
        }
      }
      userPermissions { readRunner updateRunner deleteRunner assignRunner }
    }
  }
`);

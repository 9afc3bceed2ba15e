import { request } from './client.ts';
import { graphql, type ResultOf } from './graphql.ts';
import { AdminFleet, MyFleet, PAGE_SIZE, type RunnerRow } from './queries.ts';
import type { Filters } from './route.ts';
import type { Viewer } from './session.ts';

type Counts = Record<'all' | 'online' | 'offline' | 'stale' | 'neverContacted' | 'paused', number>;
export type FleetPage = NonNullable<ResultOf<typeof AdminFleet>['page']>;
export type Row = ResultOf<typeof RunnerRow>;
export interface Fleet {
  page: FleetPage;
  counts: Counts;
}

const filterVariables = (filters: Filters) => ({
  type: filters.type ?? null,
  status: filters.status ?? null,
  paused: filters.paused ?? null,
  tagList: filters.tags.length ? filters.tags : null,
  search: filters.search || null,
});

/** One page of the fleet and the counts by status: all runners for administrators, theirs for others. */
export async function loadFleet(token: string, viewer: Viewer, filters: Filters): Promise<Fleet> {
  const paging = filters.before
    ? { last: PAGE_SIZE, before: filters.before, first: null, after: null }
    : { first: PAGE_SIZE, after: filters.after ?? null, last: null, before: null };
  const variables = { ...filterVariables(filters), sort: filters.sort, ...paging };
  const root = viewer.admin ? await request(token, AdminFleet, variables) : (await request(token, MyFleet, variables)).currentUser;
  const count = (connection: { count?: number | null } | null | undefined) => connection?.count ?? 0;
  return {
    page: root?.page ?? {
      count: 0,
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      nodes: [],
    },
    counts: {
      all: count(root?.all),
      online: count(root?.online),
      offline: count(root?.offline),
      stale: count(root?.stale),
      neverContacted: count(root?.neverContacted),
      paused: count(root?.paused),
    },
  };
}

/** The bulk mutations' filter for the runners a fleet filter shows (the viewer's own, or all for admins). */
export const bulkFilterInput = (filters: Filters) => filterVariables(filters);

export const FleetEvents = graphql(`
  subscription FleetEvents($type: CiRunnerType, $status: CiRunnerStatus, $paused: Boolean, $tagList: [String!]) {
    ciRunnersUpdated(type: $type, status: $status, paused: $paused, tagList: $tagList) { kind runnerId }
  }
`);

/**
 * The subscription follows the runners of the filter's type and tags, whatever their status: a runner changing status
 * changes the counts too. Status, paused and search are applied when the page reloads.
 */
export const fleetEventVariables = (filters: Filters) => ({
  type: filters.type ?? null,
  status: null,
  paused: null,
  tagList: filters.tags.length ? filters.tags : null,
});

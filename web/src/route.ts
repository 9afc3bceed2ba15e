import { useEffect, useState } from 'preact/hooks';

export const STATUSES = ['ONLINE', 'OFFLINE', 'STALE', 'NEVER_CONTACTED'] as const;
export const TYPES = ['INSTANCE_TYPE', 'GROUP_TYPE', 'PROJECT_TYPE'] as const;
export const SORTS = ['CREATED_DESC', 'CREATED_ASC', 'CONTACTED_DESC', 'CONTACTED_ASC'] as const;
export type Status = (typeof STATUSES)[number];
export type RunnerType = (typeof TYPES)[number];
export type Sort = (typeof SORTS)[number];

/** The fleet view's filters and page: all of it lives in the URL, so a view can be shared and reloaded. */
export interface Filters {
  status?: Status;
  type?: RunnerType;
  paused?: boolean;
  tags: string[];
  search: string;
  sort: Sort;
  after?: string;
  before?: string;
}

export type Route = { view: 'fleet'; filters: Filters } | { view: 'runner'; id: string; filters: Filters };

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.find((candidate) => candidate === value);

export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search);
  const paused = params.get('paused');
  const filters: Filters = {
    status: oneOf(STATUSES, params.get('status')),
    type: oneOf(TYPES, params.get('type')),
    paused: paused === 'true' ? true : paused === 'false' ? false : undefined,
    tags: params.getAll('tag').filter(Boolean),
    search: params.get('search') ?? '',
    sort: oneOf(SORTS, params.get('sort')) ?? 'CREATED_DESC',
    after: params.get('after') ?? undefined,
    before: params.get('before') ?? undefined,
  };
  const runner = params.get('runner');
  return runner && /^\d+$/.test(runner) ? { view: 'runner', id: `gid://gitlab/Ci::Runner/${runner}`, filters } : { view: 'fleet', filters };
}

export function routeUrl(route: Route): string {
  const params = new URLSearchParams();
  if (route.view === 'runner') params.set('runner', route.id.split('/').pop() ?? '');
  const { filters } = route;
  if (filters.status) params.set('status', filters.status);
  if (filters.type) params.set('type', filters.type);
  if (filters.paused !== undefined) params.set('paused', String(filters.paused));
  for (const tag of filters.tags) params.append('tag', tag);
  if (filters.search) params.set('search', filters.search);
  if (filters.sort !== 'CREATED_DESC') params.set('sort', filters.sort);
  if (filters.after) params.set('after', filters.after);
  if (filters.before) params.set('before', filters.before);
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

/** The route of the address bar, following Back and Forward. */
export function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.search));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.search));
    addEventListener('popstate', follow);
    return () => removeEventListener('popstate', follow);
  }, []);
  const go = (next: Route) => {
    history.pushState(null, '', routeUrl(next));
    setRoute(next);
  };
  return [route, go];
}

/** Filters changed by the user start again at the first page. */
export const refilter = (filters: Filters, change: Partial<Filters>): Filters => ({
  ...filters,
  after: undefined,
  before: undefined,
  ...change,
});

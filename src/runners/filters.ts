import { digestToken } from '../auth/tokens.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { RunnerType } from '../db/generated/enums.ts';
import { badInput } from '../errors.ts';
import { normalizeTags } from './attributes.ts';
import { type StatusFilter, statusWhere } from './status.ts';

export interface RunnerFilter {
  readonly type?: RunnerType | null;
  readonly types?: readonly RunnerType[] | null;
  readonly status?: StatusFilter | null;
  readonly paused?: boolean | null;
  readonly tagList?: readonly string[] | null;
  readonly search?: string | null;
  readonly versionPrefix?: string | null;
  readonly creatorId?: number | null;
  readonly creatorUsername?: string | null;
}

export type RunnerSort =
  | 'contacted_asc'
  | 'contacted_desc'
  | 'created_asc'
  | 'created_desc'
  | 'id_asc'
  | 'token_expires_at_asc'
  | 'token_expires_at_desc';

const MAX_FILTER_LENGTH = 255;

function checkLength(value: string, argument: string): string {
  if (value.length > MAX_FILTER_LENGTH) {
    throw badInput(`${argument} is too long (maximum is ${MAX_FILTER_LENGTH} characters)`, argument);
  }
  return value;
}

/**
 * GitLab's version_prefix matches whole components: "16" finds 16.0.1 but not 160.1, "15.0." finds 15.0.x.
 * A prefix must start with a digit, `+` or `.` (GitLab's `/^[\d+.]+/`). Versions are the runner managers':
 * a runner matches when one of its hosts runs such a version, and a runner with no manager never matches.
 */
function versionWhere(prefix: string): Prisma.RunnerWhereInput {
  if (!/^[\d+.]/.test(prefix)) throw badInput('versionPrefix is invalid', 'versionPrefix');
  const stem = prefix.replace(/\.+$/, '');
  return { managers: { some: { OR: [{ version: stem }, { version: { startsWith: `${stem}.` } }] } } };
}

// Parsed as the runners' own tags are (GitLab's tagged_with parses the filter with its tag list parser).
const filterTags = (filter: RunnerFilter) => normalizeTags(filter.tagList ?? []).map((tag) => checkLength(tag, 'tagList'));

/** The conditions every runner list shares; each one narrows the list (GitLab ANDs them). */
export function runnerFilterWhere(filter: RunnerFilter, now = Date.now()): Prisma.RunnerWhereInput {
  const and: Prisma.RunnerWhereInput[] = [];
  if (filter.type) and.push({ runnerType: filter.type });
  if (filter.types) and.push({ runnerType: { in: [...filter.types] } });
  if (filter.status) and.push(statusWhere(filter.status, now));
  if (filter.paused !== null && filter.paused !== undefined) and.push({ paused: filter.paused });
  // Pages, and counts with other conditions, test the runners' own tags (their GIN index). A join to the taggings
  // per tag measured no better overall (BENCHMARKS.md, scale fifth pass); a tag alone is counted from them instead
  // (runnerTaggingWhere).
  const tags = filterTags(filter);
  if (tags.length) and.push({ tagList: { hasEvery: tags } });
  if (filter.search) {
    const search = checkLength(filter.search, 'search');
    // The full token finds its runner; it is compared by digest, since only the digest is stored.
    and.push({ OR: [{ description: { contains: search, mode: 'insensitive' } }, { tokenDigest: digestToken(search) }] });
  }
  if (filter.versionPrefix) and.push(versionWhere(checkLength(filter.versionPrefix, 'versionPrefix')));
  if (filter.creatorId) and.push({ creatorId: filter.creatorId });
  // Usernames are unique regardless of case, as GitLab finds them.
  if (filter.creatorUsername) {
    and.push({ creator: { username: { equals: checkLength(filter.creatorUsername, 'creatorUsername'), mode: 'insensitive' } } });
  }
  return and.length ? { AND: and } : {};
}

/**
 * The taggings of a filter that asks for one tag and nothing else, or null. Its runners are then exactly that tag's
 * taggings (kept from the runners' tags in the writing transaction: the runner_taggings migration), counted as a range
 * of their key without reading a runner, where the GIN index on the tags fetches every matching runner to recheck it.
 */
export function runnerTaggingWhere(filter: RunnerFilter): Prisma.RunnerTaggingWhereInput | null {
  const tags = filterTags(filter);
  // Nothing else narrows the list: the filter without its tags is no condition at all.
  const alone = Object.keys(runnerFilterWhere({ ...filter, tagList: null })).length === 0;
  return tags.length === 1 && alone ? { tag: tags[0] } : null;
}

/**
 * Every order ends on the id, so pages are stable when the sort column ties. Contact orders are GitLab's
 * (`order(contacted_at: :desc)`: PostgreSQL's default places never-contacted runners first when descending, last
 * when ascending), which is also the order of the (contactedAt DESC, id DESC) index, read either way.
 */
export function runnerOrderBy(sort: RunnerSort | null | undefined): Prisma.RunnerOrderByWithRelationInput[] {
  switch (sort ?? 'created_desc') {
    case 'contacted_asc':
      return [{ contactedAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }];
    case 'contacted_desc':
      return [{ contactedAt: { sort: 'desc', nulls: 'first' } }, { id: 'desc' }];
    case 'created_asc':
      return [{ createdAt: 'asc' }, { id: 'asc' }];
    case 'created_desc':
      return [{ createdAt: 'desc' }, { id: 'desc' }];
    case 'id_asc':
      return [{ id: 'asc' }];
    case 'token_expires_at_asc':
      return [{ tokenExpiresAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }];
    case 'token_expires_at_desc':
      return [{ tokenExpiresAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }];
  }
}

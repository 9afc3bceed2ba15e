import type { Prisma } from '../db/generated/client.ts';
import { badInput } from '../errors.ts';

// How a runner's projects are searched and sorted (GitLab's ProjectsFinder `search` and `sort` parameters).

const MAX_SEARCH = 255;

const SORT_FIELDS = { id: 'id', name: 'name', path: 'path', created: 'createdAt' } as const;

export const PROJECT_SORTS: readonly string[] = Object.keys(SORT_FIELDS).flatMap((field) => [`${field}_asc`, `${field}_desc`]);

/** Projects whose name, path or description contains the term, in any case. */
export function projectSearchWhere(search: string | null | undefined): Prisma.ProjectWhereInput {
  if (!search) return {};
  if (search.length > MAX_SEARCH) throw badInput(`search is too long (maximum is ${MAX_SEARCH} characters)`, 'search');
  const contains = { contains: search, mode: 'insensitive' as const };
  return { OR: [{ name: contains }, { path: contains }, { description: contains }] };
}

/** `<field>_<direction>`, e.g. `name_asc`; null when no sort was asked for. */
export function projectOrder(sort: string | null | undefined): Prisma.ProjectOrderByWithRelationInput | null {
  if (!sort) return null;
  const match = /^(id|name|path|created)_(asc|desc)$/.exec(sort);
  if (!match) throw badInput(`sort must be one of ${PROJECT_SORTS.join(', ')}`, 'sort');
  const [, field, direction] = match as unknown as [string, keyof typeof SORT_FIELDS, 'asc' | 'desc'];
  return { [SORT_FIELDS[field]]: direction };
}

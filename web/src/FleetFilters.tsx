import { useEffect, useState } from 'preact/hooks';
import { TYPE_TEXT } from './components.tsx';
import { type Filters, type Sort, SORTS, STATUSES, type Status, TYPES, type RunnerType } from './route.ts';
import { statusText } from './components.tsx';

const SORT_TEXT: Record<Sort, string> = {
  CREATED_DESC: 'Created: newest first',
  CREATED_ASC: 'Created: oldest first',
  CONTACTED_DESC: 'Last contact: newest first',
  CONTACTED_ASC: 'Last contact: oldest first',
};

const tagsOf = (text: string) => [...new Set(text.split(/[\s,]+/).filter(Boolean))];

/** Type, status, paused and sort apply at once; search and tags when the form is submitted (Enter). */
export function FleetFilters({ filters, onChange }: { filters: Filters; onChange: (change: Partial<Filters>) => void }) {
  const [search, setSearch] = useState(filters.search);
  const [tags, setTags] = useState(filters.tags.join(', '));
  // Back, Forward and the status counts change the filters from outside the form.
  useEffect(() => setSearch(filters.search), [filters.search]);
  useEffect(() => setTags(filters.tags.join(', ')), [filters.tags.join(',')]);
  return (
    <form
      class="filters"
      aria-label="Filter runners"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ search: search.trim(), tags: tagsOf(tags) });
      }}
    >
      <label>
        Search
        <input type="search" placeholder="Description or token" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
      </label>
      <label>
        Tags
        <input type="text" placeholder="linux, docker" value={tags} onInput={(event) => setTags(event.currentTarget.value)} />
      </label>
      <label>
        Status
        <select
          value={filters.status ?? ''}
          onChange={(event) => onChange({ status: (event.currentTarget.value || undefined) as Status | undefined })}
        >
          <option value="">Any</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {statusText(status)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Type
        <select
          value={filters.type ?? ''}
          onChange={(event) => onChange({ type: (event.currentTarget.value || undefined) as RunnerType | undefined })}
        >
          <option value="">Any</option>
          {TYPES.map((type) => (
            <option key={type} value={type}>
              {TYPE_TEXT[type]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Paused
        <select
          value={filters.paused === undefined ? '' : String(filters.paused)}
          onChange={(event) => {
            const value = event.currentTarget.value;
            onChange({ paused: value === '' ? undefined : value === 'true' });
          }}
        >
          <option value="">Any</option>
          <option value="false">Active</option>
          <option value="true">Paused</option>
        </select>
      </label>
      <label>
        Sort
        <select value={filters.sort} onChange={(event) => onChange({ sort: event.currentTarget.value as Sort })}>
          {SORTS.map((sort) => (
            <option key={sort} value={sort}>
              {SORT_TEXT[sort]}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { BulkActions } from './BulkActions.tsx';
import { CreateRunner } from './CreateRunner.tsx';
import { describe } from './client.ts';
import { DoneNotice, ErrorNotice } from './components.tsx';
import { FleetEvents, fleetEventVariables, loadFleet } from './fleet-data.ts';
import { FleetFilters } from './FleetFilters.tsx';
import { FleetTable } from './FleetTable.tsx';
import { useLoad } from './hooks.ts';
import { useLive } from './live.ts';
import { type Filters, type Route, refilter, routeUrl } from './route.ts';
import type { Viewer } from './session.ts';

const COUNTS = [
  { key: 'all', label: 'All', change: { status: undefined, paused: undefined } },
  { key: 'online', label: 'Online', change: { status: 'ONLINE', paused: undefined } },
  { key: 'offline', label: 'Offline', change: { status: 'OFFLINE', paused: undefined } },
  { key: 'stale', label: 'Stale', change: { status: 'STALE', paused: undefined } },
  { key: 'neverContacted', label: 'Never contacted', change: { status: 'NEVER_CONTACTED', paused: undefined } },
  { key: 'paused', label: 'Paused', change: { status: undefined, paused: true } },
] as const;

interface Props {
  token: string;
  viewer: Viewer;
  filters: Filters;
  go: (route: Route) => void;
}

/** The fleet: counts by status that filter, the filters, a page of runners, bulk actions, and a new runner. */
export function Fleet({ token, viewer, filters, go }: Props) {
  const fleet = useLoad(() => loadFleet(token, viewer, filters), routeUrl({ view: 'fleet', filters }));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState<string>();
  // Events reload the page in place: the table is not re-mounted, so scroll, focus and selection stay. A burst of
  // events (a bulk action, a fleet restarting) is one reload.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  useLive(token, FleetEvents, fleetEventVariables(filters), () => {
    clearTimeout(pending.current);
    pending.current = setTimeout(fleet.reload, 250);
  });
  const setFilters = (change: Partial<Filters>) => {
    setDone(undefined);
    go({ view: 'fleet', filters: refilter(filters, change) });
  };
  const { data } = fleet;
  const rows = (data?.page.nodes ?? []).flatMap((row) => (row?.id ? [row] : []));
  const pageInfo = data?.page.pageInfo;
  const select = (ids: string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids) on ? next.add(id) : next.delete(id);
      return next;
    });
  const selectable = rows.filter((row) => row.userPermissions?.deleteRunner || row.userPermissions?.updateRunner);

  return (
    <main class="fleet-view">
      <div class="title-row">
        <h1>Runners</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New runner
        </button>
      </div>
      <nav class="counts" aria-label="Runners by status">
        {COUNTS.map(({ key, label, change }) => {
          const active =
            key === 'paused'
              ? filters.paused === true
              : key === 'all'
                ? !filters.status && filters.paused === undefined
                : filters.status === change.status;
          return (
            <button type="button" key={key} class="count" aria-pressed={active} onClick={() => setFilters(change)}>
              <span class="label">{label}</span>
              <span class="number" data-count={key}>
                {data ? data.counts[key] : '…'}
              </span>
            </button>
          );
        })}
      </nav>
      <FleetFilters filters={filters} onChange={setFilters} />
      <ErrorNotice message={fleet.error ? describe(fleet.error) : null} />
      <DoneNotice message={done} />
      <BulkActions
        token={token}
        filters={filters}
        selected={[...selected]}
        onDone={(message) => {
          setDone(message);
          setSelected(new Set());
          fleet.reload();
        }}
        onClear={() => setSelected(new Set())}
      />
      <p class="summary" aria-live="polite">
        {data ? `${data.page.count ?? 0} runner${data.page.count === 1 ? '' : 's'} match${data.page.count === 1 ? 'es' : ''}` : 'Loading…'}
        {fleet.loading && data ? <span class="muted"> · updating…</span> : null}
      </p>
      {data && rows.length === 0 ? (
        <p class="empty">No runners match these filters.</p>
      ) : (
        <FleetTable
          rows={rows}
          selected={selected}
          onSelect={(id, on) => select([id], on)}
          onSelectAll={(on) =>
            select(
              selectable.flatMap((row) => (row.id ? [row.id] : [])),
              on,
            )
          }
          onOpen={(id) => go({ view: 'runner', id, filters })}
        />
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={!pageInfo?.hasPreviousPage}
          onClick={() => go({ view: 'fleet', filters: { ...filters, after: undefined, before: pageInfo?.startCursor ?? undefined } })}
        >
          ← Previous
        </button>
        <button
          type="button"
          disabled={!pageInfo?.hasNextPage}
          onClick={() => go({ view: 'fleet', filters: { ...filters, before: undefined, after: pageInfo?.endCursor ?? undefined } })}
        >
          Next →
        </button>
      </nav>
      {creating ? (
        <CreateRunner
          token={token}
          viewer={viewer}
          onClose={(created) => {
            setCreating(false);
            if (created) fleet.reload();
          }}
        />
      ) : null}
    </main>
  );
}

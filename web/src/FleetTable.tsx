import { StatusBadges, TYPE_TEXT, Tags, runnerNumber } from './components.tsx';
import type { Row } from './fleet-data.ts';
import { ago, exactTime } from './time.ts';

interface Props {
  rows: readonly Row[];
  selected: ReadonlySet<string>;
  onSelect: (id: string, selected: boolean) => void;
  onSelectAll: (selected: boolean) => void;
  onOpen: (id: string) => void;
}

const owner = (row: Row) =>
  row.ownerProject?.fullPath ?? row.groups?.nodes?.[0]?.fullPath ?? (row.runnerType === 'INSTANCE_TYPE' ? 'Instance' : '—');

/** The runners of one page; links open a runner's page, checkboxes select runners for a bulk action. */
export function FleetTable({ rows, selected, onSelect, onSelectAll, onOpen }: Props) {
  const selectable = rows.filter((row) => row.userPermissions?.deleteRunner || row.userPermissions?.updateRunner);
  const allSelected = selectable.length > 0 && selectable.every((row) => selected.has(row.id ?? ''));
  return (
    <div class="table-scroll">
      <table class="fleet">
        <caption class="visually-hidden">Runners</caption>
        <thead>
          <tr>
            <th scope="col" class="select">
              <input
                type="checkbox"
                aria-label="Select all runners on this page"
                checked={allSelected}
                disabled={!selectable.length}
                onChange={(event) => onSelectAll(event.currentTarget.checked)}
              />
            </th>
            <th scope="col">Status</th>
            <th scope="col">Runner</th>
            <th scope="col">Type</th>
            <th scope="col">Tags</th>
            <th scope="col">Version</th>
            <th scope="col">Last contact</th>
            <th scope="col">Owner</th>
            <th scope="col">Jobs</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const id = row.id ?? '';
            const href = `/?runner=${id.split('/').pop()}`;
            return (
              <tr key={id} class={selected.has(id) ? 'selected' : ''} data-runner={id}>
                <td class="select">
                  <input
                    type="checkbox"
                    aria-label={`Select runner ${runnerNumber(id)} ${row.description ?? ''}`}
                    checked={selected.has(id)}
                    disabled={!(row.userPermissions?.deleteRunner || row.userPermissions?.updateRunner)}
                    onChange={(event) => onSelect(id, event.currentTarget.checked)}
                  />
                </td>
                <td data-label="Status">
                  <StatusBadges status={row.status} paused={row.paused} />
                </td>
                <td data-label="Runner" class="runner-name">
                  <a
                    href={href}
                    onClick={(event) => {
                      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
                      event.preventDefault();
                      onOpen(id);
                    }}
                  >
                    <span class="number">{runnerNumber(id)}</span> {row.description || <em>no description</em>}
                  </a>
                </td>
                <td data-label="Type">{TYPE_TEXT[row.runnerType ?? ''] ?? row.runnerType}</td>
                <td data-label="Tags">
                  <Tags tags={row.tagList} />
                </td>
                <td data-label="Version">{row.version ?? <span class="muted">—</span>}</td>
                <td data-label="Last contact">
                  <time dateTime={row.contactedAt ?? undefined} title={exactTime(row.contactedAt)}>
                    {ago(row.contactedAt)}
                  </time>
                </td>
                <td data-label="Owner">{owner(row)}</td>
                <td data-label="Jobs">{row.jobExecutionStatus === 'ACTIVE' ? <span class="running">Running</span> : 'Idle'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

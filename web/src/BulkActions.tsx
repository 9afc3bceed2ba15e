import { useState } from 'preact/hooks';
import { describe, request } from './client.ts';
import { Dialog, DialogActions, ErrorNotice } from './components.tsx';
import { bulkFilterInput } from './fleet-data.ts';
import { BulkDelete, BulkDeleteByFilter, BulkPause } from './mutations.ts';
import type { Filters } from './route.ts';

/** The API's bulk mutations take up to 50 runners a call. */
const CHUNK = 50;

type Action = 'delete' | 'pause' | 'resume';
type Target = { kind: 'selected'; ids: string[] } | { kind: 'stale'; matched?: number; error?: string };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

async function apply(token: string, action: Action, ids: string[]): Promise<{ count: number; errors: string[] }> {
  let count = 0;
  const errors: string[] = [];
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    if (action === 'delete') {
      const payload = (await request(token, BulkDelete, { ids: chunk })).bulkRunnerDelete;
      count += payload?.deletedCount ?? 0;
      errors.push(...(payload?.errors ?? []));
    } else {
      const payload = (await request(token, BulkPause, { ids: chunk, paused: action === 'pause' })).runnerBulkPause;
      count += payload?.updatedCount ?? 0;
      errors.push(...(payload?.errors ?? []));
    }
  }
  return { count, errors };
}

/** Deletes what the filter matches, call after call (each deletes up to the API's cap, batch by batch). */
async function deleteMatching(token: string, filters: Filters): Promise<{ count: number; errors: string[] }> {
  let count = 0;
  for (;;) {
    const payload = (await request(token, BulkDeleteByFilter, { input: bulkFilterInput(filters) })).bulkRunnerDeleteByFilter;
    count += payload?.affectedCount ?? 0;
    if (!payload || payload.complete || !payload.affectedCount) return { count, errors: payload?.complete ? [] : (payload?.errors ?? []) };
  }
}

const DONE: Record<Action, string> = { delete: 'Deleted', pause: 'Paused', resume: 'Resumed' };

interface Props {
  token: string;
  filters: Filters;
  selected: string[];
  onDone: (message: string) => void;
  onClear: () => void;
}

/**
 * Acts on the selected runners, or on every stale runner the current filter matches (GitLab's stale-runner
 * clean-up): each action says how many runners it touches and asks first.
 */
export function BulkActions({ token, filters, selected, onDone, onClear }: Props) {
  const [confirming, setConfirming] = useState<{ action: Action; target: Target }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const stale = { ...filters, status: 'STALE' as const };

  const ask = (action: Action, target: Target) => {
    setError(undefined);
    setConfirming({ action, target });
    if (target.kind === 'stale') {
      // The API's dry run counts what the deletion will touch: only runners this user may delete.
      request(token, BulkDeleteByFilter, { input: { ...bulkFilterInput(stale), dryRun: true, previewSize: 0 } }).then(
        ({ bulkRunnerDeleteByFilter: answer }) => setConfirming({ action, target: { kind: 'stale', matched: answer?.matchedCount ?? 0 } }),
        (failure: unknown) => setConfirming({ action, target: { kind: 'stale', error: describe(failure) } }),
      );
    }
  };
  const ids = confirming?.target.kind === 'selected' ? confirming.target.ids : [];
  const count = confirming?.target.kind === 'stale' ? (confirming.target.matched ?? 0) : ids.length;
  const run = async () => {
    if (!confirming) return;
    setBusy(true);
    try {
      const done = confirming.target.kind === 'stale' ? await deleteMatching(token, stale) : await apply(token, confirming.action, ids);
      setConfirming(undefined);
      onDone(`${DONE[confirming.action]} ${plural(done.count, 'runner')}.${done.errors.length ? ` ${done.errors.join(' ')}` : ''}`);
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="bulk" aria-label="Bulk actions">
      {selected.length ? (
        <>
          <strong>{plural(selected.length, 'runner')} selected</strong>
          <button type="button" onClick={() => ask('pause', { kind: 'selected', ids: selected })}>
            Pause
          </button>
          <button type="button" onClick={() => ask('resume', { kind: 'selected', ids: selected })}>
            Resume
          </button>
          <button type="button" class="danger" onClick={() => ask('delete', { kind: 'selected', ids: selected })}>
            Delete selected
          </button>
          <button type="button" class="link" onClick={onClear}>
            Clear selection
          </button>
        </>
      ) : (
        <span class="muted">Select runners to pause, resume or delete them together.</span>
      )}
      <button type="button" class="danger outline" onClick={() => ask('delete', { kind: 'stale' })}>
        Delete stale runners matching this filter…
      </button>
      {confirming ? (
        <Dialog
          title={confirming.action === 'delete' ? 'Delete runners?' : `${DONE[confirming.action].replace(/d$/, '')} runners?`}
          onClose={() => setConfirming(undefined)}
        >
          <div class="dialog-body">
            {confirming.target.kind === 'stale' && confirming.target.matched === undefined && !confirming.target.error ? (
              <p>Counting stale runners…</p>
            ) : null}
            <ErrorNotice message={confirming.target.kind === 'stale' ? confirming.target.error : undefined} />
            {confirming.target.kind === 'stale' && confirming.target.matched !== undefined ? (
              <p>
                <strong data-testid="confirm-count">{plural(count, 'stale runner')}</strong> you may delete match this filter (no contact
                for 7 days, or never contacted and created over 7 days ago).
              </p>
            ) : null}
            {confirming.target.kind === 'selected' ? (
              <p>
                <strong data-testid="confirm-count">{plural(ids.length, 'selected runner')}</strong> will be{' '}
                {confirming.action === 'delete' ? 'deleted' : confirming.action === 'pause' ? 'paused' : 'resumed'}.
              </p>
            ) : null}
            {confirming.action === 'delete' ? <p>Deleting a runner cannot be undone: its hosts stop getting jobs at once.</p> : null}
            <ErrorNotice message={error} />
          </div>
          <DialogActions
            label={busy ? 'Working…' : `${DONE[confirming.action].replace(/d$/, '')} ${plural(count, 'runner')}`}
            tone={confirming.action === 'delete' ? 'danger' : 'primary'}
            disabled={busy || count === 0}
            onCancel={() => setConfirming(undefined)}
            onConfirm={run}
          />
        </Dialog>
      ) : null}
    </section>
  );
}

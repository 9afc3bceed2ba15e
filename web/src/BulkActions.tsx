import { useState } from 'preact/hooks';
import { describe, request } from './client.ts';
import { Dialog, ErrorNotice } from './components.tsx';
import { type Matching, matchingRunners } from './fleet-data.ts';
import { BulkDelete, BulkPause } from './mutations.ts';
import type { Filters } from './route.ts';
import type { Viewer } from './session.ts';

/** The API's bulk mutations take up to 50 runners a call. */
const CHUNK = 50;

type Action = 'delete' | 'pause' | 'resume';
type Target = { kind: 'selected'; ids: string[] } | { kind: 'stale'; matching?: Matching; error?: string };

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

const DONE: Record<Action, string> = { delete: 'Deleted', pause: 'Paused', resume: 'Resumed' };

interface Props {
  token: string;
  viewer: Viewer;
  filters: Filters;
  selected: string[];
  onDone: (message: string) => void;
  onClear: () => void;
}

/**
 * Acts on the selected runners, or on every stale runner the current filter matches (GitLab's stale-runner
 * clean-up): each action says how many runners it touches and asks first.
 */
export function BulkActions({ token, viewer, filters, selected, onDone, onClear }: Props) {
  const [confirming, setConfirming] = useState<{ action: Action; target: Target }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const stale = { ...filters, status: 'STALE' as const };

  const ask = (action: Action, target: Target) => {
    setError(undefined);
    setConfirming({ action, target });
    if (target.kind === 'stale') {
      matchingRunners(token, viewer, stale).then(
        (matching) => setConfirming({ action, target: { kind: 'stale', matching } }),
        (failure: unknown) => setConfirming({ action, target: { kind: 'stale', error: describe(failure) } }),
      );
    }
  };
  const ids = confirming ? (confirming.target.kind === 'selected' ? confirming.target.ids : (confirming.target.matching?.ids ?? [])) : [];
  const run = async () => {
    if (!confirming) return;
    setBusy(true);
    try {
      const { count, errors } = await apply(token, confirming.action, ids);
      setConfirming(undefined);
      onDone(`${DONE[confirming.action]} ${plural(count, 'runner')}.${errors.length ? ` ${errors.join(' ')}` : ''}`);
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
            {confirming.target.kind === 'stale' && !confirming.target.matching && !confirming.target.error ? (
              <p>Counting stale runners…</p>
            ) : null}
            <ErrorNotice message={confirming.target.kind === 'stale' ? confirming.target.error : undefined} />
            {confirming.target.kind === 'stale' && confirming.target.matching ? (
              <p>
                <strong data-testid="confirm-count">{plural(ids.length, 'stale runner')}</strong> match this filter (no contact for 7 days,
                or never contacted and created over 7 days ago).
                {confirming.target.matching.refused
                  ? ` ${plural(confirming.target.matching.refused, 'other')} you may not delete will stay.`
                  : ''}
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
          <footer>
            <button type="button" onClick={() => setConfirming(undefined)}>
              Cancel
            </button>
            <button
              type="button"
              class={confirming.action === 'delete' ? 'danger' : 'primary'}
              disabled={busy || ids.length === 0}
              onClick={run}
            >
              {busy ? 'Working…' : `${DONE[confirming.action].replace(/d$/, '')} ${plural(ids.length, 'runner')}`}
            </button>
          </footer>
        </Dialog>
      ) : null}
    </section>
  );
}

import { useState } from 'preact/hooks';
import { accepted, describe, request } from './client.ts';
import { Dialog, DialogActions, ErrorNotice } from './components.tsx';
import { RunnerUpdate } from './mutations.ts';
import type { Runner } from './RunnerPage.tsx';

const tagsOf = (text: string) => [...new Set(text.split(/[\s,]+/).filter(Boolean))];

/** The runner's settings form; the API validates them (e.g. a timeout of at least 10 minutes) and its errors show. */
export function EditRunner({ token, runner, onClose }: { token: string; runner: Runner; onClose: (saved: boolean) => void }) {
  const [description, setDescription] = useState(runner.description ?? '');
  const [tags, setTags] = useState((runner.tagList ?? []).join(', '));
  const [runUntagged, setRunUntagged] = useState(Boolean(runner.runUntagged));
  const [locked, setLocked] = useState(Boolean(runner.locked));
  const [protectedOnly, setProtectedOnly] = useState(runner.accessLevel === 'REF_PROTECTED');
  const [timeout, setTimeoutText] = useState(runner.maximumTimeout ? String(runner.maximumTimeout / 60) : '');
  const [note, setNote] = useState(runner.maintenanceNote ?? '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const minutes = timeout.trim() ? Number(timeout) : null;
      if (minutes !== null && !Number.isFinite(minutes)) throw new Error('The maximum job timeout is a number of minutes.');
      // Only what the form changed: the runner's history then records what the user meant to change.
      const tagList = tagsOf(tags);
      const accessLevel = protectedOnly ? ('REF_PROTECTED' as const) : ('NOT_PROTECTED' as const);
      const maximumTimeout = minutes === null ? null : Math.round(minutes * 60);
      const input = {
        id: runner.id ?? '',
        ...(description !== (runner.description ?? '') ? { description } : {}),
        ...(tagList.join(',') !== (runner.tagList ?? []).join(',') ? { tagList } : {}),
        ...(runUntagged !== Boolean(runner.runUntagged) ? { runUntagged } : {}),
        ...(accessLevel !== runner.accessLevel ? { accessLevel } : {}),
        ...(maximumTimeout !== (runner.maximumTimeout ?? null) ? { maximumTimeout } : {}),
        ...(note !== (runner.maintenanceNote ?? '') ? { maintenanceNote: note } : {}),
        ...(runner.runnerType === 'PROJECT_TYPE' && locked !== Boolean(runner.locked) ? { locked } : {}),
      };
      accepted((await request(token, RunnerUpdate, { input })).runnerUpdate);
      onClose(true);
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Edit runner settings" onClose={() => onClose(false)} wide>
      <form onSubmit={submit}>
        <div class="dialog-body form-grid">
          <label>
            Description
            <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
          <label>
            Tags
            <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
          </label>
          <label class="inline">
            <input type="checkbox" checked={runUntagged} onChange={(e) => setRunUntagged(e.currentTarget.checked)} />
            Run untagged jobs
          </label>
          <label class="inline">
            <input type="checkbox" checked={protectedOnly} onChange={(e) => setProtectedOnly(e.currentTarget.checked)} />
            Protected branches and tags only
          </label>
          {runner.runnerType === 'PROJECT_TYPE' ? (
            <label class="inline">
              <input type="checkbox" checked={locked} onChange={(e) => setLocked(e.currentTarget.checked)} />
              Lock to its current projects
            </label>
          ) : null}
          <label>
            Maximum job timeout (minutes, at least 10; empty for none)
            <input inputMode="numeric" value={timeout} onInput={(e) => setTimeoutText(e.currentTarget.value)} />
          </label>
          <label>
            Maintenance note
            <textarea rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <ErrorNotice message={error} />
        </div>
        <DialogActions label={busy ? 'Saving…' : 'Save'} disabled={busy} onCancel={() => onClose(false)} />
      </form>
    </Dialog>
  );
}

import { useState } from 'preact/hooks';
import { accepted, describe, request } from './client.ts';
import { Dialog, DialogActions, ErrorNotice, Secret } from './components.tsx';
import { RunnerDelete, ResetToken, RunnerUpdate } from './mutations.ts';
import { EditRunner } from './EditRunner.tsx';
import type { Runner } from './RunnerPage.tsx';

type Open = 'edit' | 'reset' | 'delete' | undefined;

/** The actions `userPermissions` allows: edit, pause or resume, reset the token (shown once), delete. */
export function RunnerActions({
  token,
  runner,
  onChanged,
  onDeleted,
}: {
  token: string;
  runner: Runner;
  onChanged: (message: string) => void;
  onDeleted: () => void;
}) {
  const [open, setOpen] = useState<Open>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [newToken, setNewToken] = useState<string>();
  const permissions = runner.userPermissions;
  const id = runner.id ?? '';
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setBusy(false);
    }
  };
  const togglePause = () =>
    act(async () => {
      accepted((await request(token, RunnerUpdate, { input: { id, paused: !runner.paused } })).runnerUpdate);
      onChanged(runner.paused ? 'Runner resumed: it takes jobs again.' : 'Runner paused: it takes no new jobs.');
    });
  if (!permissions?.updateRunner && !permissions?.deleteRunner) return <p class="muted">You may look at this runner but not change it.</p>;
  return (
    <section class="actions" aria-label="Runner actions">
      {permissions.updateRunner ? (
        <>
          <button type="button" class="primary" disabled={busy} onClick={togglePause}>
            {runner.paused ? 'Resume' : 'Pause'}
          </button>
          <button type="button" onClick={() => setOpen('edit')}>
            Edit settings
          </button>
          <button type="button" onClick={() => setOpen('reset')}>
            Reset token
          </button>
        </>
      ) : null}
      {permissions.deleteRunner ? (
        <button type="button" class="danger outline" onClick={() => setOpen('delete')}>
          Delete runner
        </button>
      ) : null}
      <ErrorNotice message={open ? undefined : error} />
      {open === 'edit' ? (
        <EditRunner
          token={token}
          runner={runner}
          onClose={(saved) => {
            setOpen(undefined);
            if (saved) onChanged('Settings saved.');
          }}
        />
      ) : null}
      {open === 'reset' ? (
        <Dialog
          title="Reset the runner's token?"
          onClose={() => {
            setOpen(undefined);
            setNewToken(undefined);
          }}
        >
          <div class="dialog-body">
            {newToken ? (
              <>
                <p>The new token, shown only now. Put it in the hosts' config.toml: the old one no longer works.</p>
                <Secret label="New runner token" value={newToken} />
              </>
            ) : (
              <p>The current token stops working at once: every host using it must be given the new one.</p>
            )}
            <ErrorNotice message={error} />
          </div>
          {newToken ? (
            <footer>
              <button
                type="button"
                class="primary"
                onClick={() => {
                  setOpen(undefined);
                  setNewToken(undefined);
                  onChanged('Token reset.');
                }}
              >
                Done
              </button>
            </footer>
          ) : (
            <DialogActions
              label="Reset token"
              tone="danger"
              disabled={busy}
              onCancel={() => setOpen(undefined)}
              onConfirm={() =>
                act(async () => {
                  const payload = accepted((await request(token, ResetToken, { id })).runnerAuthenticationTokenReset);
                  setNewToken(payload.token ?? '');
                })
              }
            />
          )}
        </Dialog>
      ) : null}
      {open === 'delete' ? (
        <Dialog title="Delete this runner?" onClose={() => setOpen(undefined)}>
          <div class="dialog-body">
            <p>
              Runner <strong>{runner.description || id}</strong> and its project assignments are deleted; its hosts stop getting jobs. This
              cannot be undone.
            </p>
            <ErrorNotice message={error} />
          </div>
          <DialogActions
            label="Delete runner"
            tone="danger"
            disabled={busy}
            onCancel={() => setOpen(undefined)}
            onConfirm={() =>
              act(async () => {
                accepted((await request(token, RunnerDelete, { id })).runnerDelete);
                setOpen(undefined);
                onDeleted();
              })
            }
          />
        </Dialog>
      ) : null}
    </section>
  );
}

import { useState } from 'preact/hooks';
import { accepted, describe, request } from './client.ts';
import { Dialog, DialogActions, ErrorNotice, Secret } from './components.tsx';
import { FindGroup, FindProject, RunnerCreate } from './mutations.ts';
import type { RunnerType } from './route.ts';
import type { Viewer } from './session.ts';

const tagsOf = (text: string) => [...new Set(text.split(/[\s,]+/).filter(Boolean))];

/** GitLab's command for the host, to paste once. */
export const registerCommand = (token: string) => `gitlab-runner register --url ${location.origin} --token ${token}`;

/** Creates an instance (administrators), group or project runner, then shows its glrt- token this one time. */
export function CreateRunner({ token, viewer, onClose }: { token: string; viewer: Viewer; onClose: (created: boolean) => void }) {
  const [type, setType] = useState<RunnerType>(viewer.admin ? 'INSTANCE_TYPE' : 'PROJECT_TYPE');
  const [path, setPath] = useState('');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [runUntagged, setRunUntagged] = useState(false);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ id: string; token: string | null }>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const tagList = tagsOf(tags);
    if (!tagList.length && !runUntagged) return setError('Give the runner tags, or let it run untagged jobs.');
    setBusy(true);
    try {
      const owner: { groupId?: string; projectId?: string } = {};
      if (type === 'GROUP_TYPE') {
        const group = (await request(token, FindGroup, { fullPath: path.trim() })).group;
        if (!group?.id) throw new Error(`There is no group ${path.trim()} that you can see.`);
        owner.groupId = group.id;
      } else if (type === 'PROJECT_TYPE') {
        const project = (await request(token, FindProject, { fullPath: path.trim() })).project;
        if (!project?.id) throw new Error(`There is no project ${path.trim()} that you can see.`);
        owner.projectId = project.id;
      }
      const input = { runnerType: type, description: description.trim() || null, tagList, runUntagged, paused, ...owner };
      const payload = accepted((await request(token, RunnerCreate, { input })).runnerCreate);
      if (!payload.runner?.id) throw new Error('The server created no runner.');
      setCreated({ id: payload.runner.id, token: payload.runner.ephemeralAuthenticationToken ?? null });
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog title="Runner created" onClose={() => onClose(true)} wide>
        <div class="dialog-body">
          <p>
            Runner <strong>#{created.id.split('/').pop()}</strong> exists. Its token is shown <strong>only now</strong>: register a host
            with it.
          </p>
          {created.token ? (
            <>
              <Secret label="Runner authentication token" value={created.token} />
              <p>On the host, run:</p>
              <pre class="command" data-testid="register-command">
                {registerCommand(created.token)}
              </pre>
            </>
          ) : (
            <p class="notice error">The server did not return a token; reset the runner's token from its page.</p>
          )}
        </div>
        <footer>
          <a class="button" href={`/?runner=${created.id.split('/').pop()}`}>
            Open the runner
          </a>
          <button type="button" class="primary" onClick={() => onClose(true)}>
            Done
          </button>
        </footer>
      </Dialog>
    );
  }

  return (
    <Dialog title="New runner" onClose={() => onClose(false)} wide>
      <form onSubmit={submit}>
        <div class="dialog-body form-grid">
          <fieldset>
            <legend>Runner type</legend>
            {(['INSTANCE_TYPE', 'GROUP_TYPE', 'PROJECT_TYPE'] as const).map((option) => (
              <label class="inline" key={option}>
                <input
                  type="radio"
                  name="runner-type"
                  value={option}
                  checked={type === option}
                  disabled={option === 'INSTANCE_TYPE' && !viewer.admin}
                  onChange={() => setType(option)}
                />
                {option === 'INSTANCE_TYPE' ? 'Instance (every project)' : option === 'GROUP_TYPE' ? 'Group' : 'Project'}
              </label>
            ))}
          </fieldset>
          {type !== 'INSTANCE_TYPE' ? (
            <label>
              {type === 'GROUP_TYPE' ? 'Group path' : 'Project path'}
              <input
                required
                value={path}
                placeholder={type === 'GROUP_TYPE' ? 'gitlab-org' : 'gitlab-org/gitlab'}
                onInput={(e) => setPath(e.currentTarget.value)}
              />
            </label>
          ) : null}
          <label>
            Description
            <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
          <label>
            Tags
            <input value={tags} placeholder="linux, docker" onInput={(e) => setTags(e.currentTarget.value)} />
          </label>
          <label class="inline">
            <input type="checkbox" checked={runUntagged} onChange={(e) => setRunUntagged(e.currentTarget.checked)} />
            Run untagged jobs
          </label>
          <label class="inline">
            <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.currentTarget.checked)} />
            Paused (takes no jobs until resumed)
          </label>
          <ErrorNotice message={error} />
        </div>
        <DialogActions label={busy ? 'Creating…' : 'Create runner'} disabled={busy} onCancel={() => onClose(false)} />
      </form>
    </Dialog>
  );
}

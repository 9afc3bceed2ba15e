import { useState } from 'preact/hooks';
import { accepted, describe, request } from './client.ts';
import { ErrorNotice } from './components.tsx';
import { AssignProject, UnassignProject } from './mutations.ts';
import type { Runner } from './RunnerPage.tsx';

/** A project runner's projects: the one that owns it, the others it is assigned to, and assigning one more. */
export function ProjectList({ token, runner, onChanged }: { token: string; runner: Runner; onChanged: (message: string) => void }) {
  const [path, setPath] = useState('');
  const [error, setError] = useState<string>();
  const may = runner.userPermissions?.assignRunner;
  const act = async (work: () => Promise<{ errors?: readonly string[] | null } | null | undefined>, message: string) => {
    setError(undefined);
    try {
      accepted(await work());
      onChanged(message);
    } catch (failure) {
      setError(describe(failure));
    }
  };
  return (
    <>
      <ul class="projects">
        {(runner.projects?.nodes ?? []).map(
          (project) =>
            project && (
              <li key={project.id}>
                {project.fullPath}
                {project.id === runner.ownerProject?.id ? (
                  <span class="muted"> (owner)</span>
                ) : may ? (
                  <button
                    type="button"
                    class="link"
                    aria-label={`Unassign ${project.fullPath}`}
                    onClick={() =>
                      act(
                        async () =>
                          (await request(token, UnassignProject, { runnerId: runner.id ?? '', projectPath: project.fullPath ?? '' }))
                            .runnerUnassignFromProject,
                        `Unassigned ${project.fullPath}.`,
                      )
                    }
                  >
                    Unassign
                  </button>
                ) : null}
              </li>
            ),
        )}
      </ul>
      {runner.projectCount > (runner.projects?.nodes?.length ?? 0) ? (
        <p class="muted">and {runner.projectCount - (runner.projects?.nodes?.length ?? 0)} more</p>
      ) : null}
      {may ? (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const projectPath = path.trim();
            if (!projectPath) return;
            act(
              async () => (await request(token, AssignProject, { runnerId: runner.id ?? '', projectPath })).runnerAssignToProject,
              `Assigned ${projectPath}.`,
            ).then(() => setPath(''));
          }}
        >
          <label>
            Assign to project
            <input value={path} placeholder="group/project" onInput={(event) => setPath(event.currentTarget.value)} />
          </label>
          <button type="submit">Assign</button>
        </form>
      ) : null}
      <ErrorNotice message={error} />
    </>
  );
}

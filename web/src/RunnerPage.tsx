import { useState } from 'preact/hooks';
import { describe, request } from './client.ts';
import { DoneNotice, ErrorNotice, StatusBadges, TYPE_TEXT, Tags, runnerNumber, statusText } from './components.tsx';
import { graphql, type ResultOf } from './graphql.ts';
import { useLoad } from './hooks.ts';
import { useLive } from './live.ts';
import { ProjectList } from './ProjectList.tsx';
import { RunnerDetails } from './queries.ts';
import type { Filters, Route } from './route.ts';
import { RunnerActions } from './RunnerActions.tsx';
import { RunnerHistory } from './RunnerHistory.tsx';
import { RunnerJobs } from './RunnerJobs.tsx';
import { ago, exactTime } from './time.ts';

export type Runner = NonNullable<ResultOf<typeof RunnerDetails>['runner']>;

const JOBS_PAGE = 10;

const RunnerEvents = graphql(`
  subscription RunnerEvents($runnerId: CiRunnerID!) {
    ciRunnerUpdated(runnerId: $runnerId) { kind }
  }
`);

type JobsPage = { after?: string; before?: string };

/** One runner: its details, hosts, projects, jobs, and what the signed-in user may do with it. */
export function RunnerPage({ token, id, filters, go }: { token: string; id: string; filters: Filters; go: (route: Route) => void }) {
  const [jobsPage, setJobsPage] = useState<JobsPage>({});
  const [done, setDone] = useState<string>();
  const [deleted, setDeleted] = useState(false);
  const variables = jobsPage.before
    ? { id, jobsLast: JOBS_PAGE, jobsBefore: jobsPage.before }
    : { id, jobsFirst: JOBS_PAGE, jobsAfter: jobsPage.after ?? null };
  const loaded = useLoad(() => request(token, RunnerDetails, variables), JSON.stringify(variables));
  // Bumped with each change the page hears of, so the history reloads with the details.
  const [revision, setRevision] = useState(0);
  useLive(token, RunnerEvents, { runnerId: id }, (event) => {
    if (event?.ciRunnerUpdated?.kind === 'DELETED') return setDeleted(true);
    loaded.reload();
    setRevision((n) => n + 1);
  });
  const back = () => go({ view: 'fleet', filters });
  const runner = loaded.data?.runner;

  return (
    <main class="runner-view">
      <p>
        <a
          href="/"
          onClick={(event) => {
            event.preventDefault();
            back();
          }}
        >
          ← All runners
        </a>
      </p>
      <ErrorNotice message={loaded.error ? describe(loaded.error) : null} />
      {deleted ? (
        <p class="notice error" role="alert">
          This runner was deleted.
        </p>
      ) : null}
      {loaded.data && !runner && !deleted ? (
        <p class="notice error">There is no runner {runnerNumber(id)}, or you may not see it.</p>
      ) : null}
      {runner ? (
        <>
          <div class="title-row">
            <h1>
              Runner {runnerNumber(runner.id)} <span class="description">{runner.description}</span>
            </h1>
            <StatusBadges status={runner.status} paused={runner.paused} />
          </div>
          <DoneNotice message={done} />
          <RunnerActions
            token={token}
            runner={runner}
            onChanged={(message) => {
              setDone(message);
              loaded.reload();
              setRevision((n) => n + 1);
            }}
            onDeleted={back}
          />
          <div class="panels">
            <section class="panel" aria-labelledby="details">
              <h2 id="details">Details</h2>
              <dl class="details">
                <dt>Type</dt>
                <dd>{TYPE_TEXT[runner.runnerType ?? ''] ?? runner.runnerType}</dd>
                <dt>Status</dt>
                <dd>
                  {statusText(runner.status)}
                  {runner.paused ? ', paused' : ''}
                  {runner.jobExecutionStatus === 'ACTIVE' ? ', running a job' : ''}
                </dd>
                <dt>Last contact</dt>
                <dd title={exactTime(runner.contactedAt)}>{ago(runner.contactedAt)}</dd>
                <dt>Version</dt>
                <dd>{runner.version ?? '—'}</dd>
                <dt>Tags</dt>
                <dd>
                  <Tags tags={runner.tagList} />
                </dd>
                <dt>Runs untagged jobs</dt>
                <dd>{runner.runUntagged ? 'Yes' : 'No'}</dd>
                <dt>Protected branches only</dt>
                <dd>{runner.accessLevel === 'REF_PROTECTED' ? 'Yes' : 'No'}</dd>
                <dt>Locked to its projects</dt>
                <dd>{runner.locked ? 'Yes' : 'No'}</dd>
                <dt>Maximum job timeout</dt>
                <dd>{runner.maximumTimeout ? `${Math.round(runner.maximumTimeout / 60)} min` : 'None'}</dd>
                <dt>Token</dt>
                <dd>
                  <code>{runner.shortSha ?? '—'}</code>
                  {runner.tokenExpiresAt ? ` (expires ${exactTime(runner.tokenExpiresAt)})` : ''}
                </dd>
                <dt>Created</dt>
                <dd title={exactTime(runner.createdAt)}>
                  {ago(runner.createdAt)}
                  {runner.createdBy?.username ? ` by ${runner.createdBy.username}` : ''}
                </dd>
                {runner.maintenanceNote ? (
                  <>
                    <dt>Maintenance note</dt>
                    <dd>{runner.maintenanceNote}</dd>
                  </>
                ) : null}
              </dl>
            </section>
            <section class="panel" aria-labelledby="owners">
              <h2 id="owners">
                {runner.runnerType === 'GROUP_TYPE' ? 'Group' : runner.runnerType === 'PROJECT_TYPE' ? 'Projects' : 'Scope'}
              </h2>
              {runner.runnerType === 'INSTANCE_TYPE' ? <p>Every project of the instance may use it.</p> : null}
              {runner.runnerType === 'GROUP_TYPE' ? (
                <ul>{(runner.groups?.nodes ?? []).map((group) => group && <li key={group.id}>{group.fullPath}</li>)}</ul>
              ) : null}
              {runner.runnerType === 'PROJECT_TYPE' ? (
                <ProjectList
                  token={token}
                  runner={runner}
                  onChanged={(message) => {
                    setDone(message);
                    loaded.reload();
                  }}
                />
              ) : null}
              <h2 id="managers">Hosts ({runner.managers?.count ?? 0})</h2>
              {runner.managers?.nodes?.length ? (
                <ul class="managers">
                  {runner.managers.nodes.map(
                    (manager) =>
                      manager && (
                        <li key={manager.id}>
                          <code>{manager.systemId}</code> <StatusBadges status={manager.status} /> {manager.version ?? ''}{' '}
                          {[manager.platformName, manager.architectureName, manager.executorName].filter(Boolean).join(' · ')}{' '}
                          {manager.ipAddress ? <span class="muted">{manager.ipAddress}</span> : null}{' '}
                          <span class="muted">contacted {ago(manager.contactedAt)}</span>
                        </li>
                      ),
                  )}
                </ul>
              ) : (
                <p class="muted">No host has registered with this runner's token yet.</p>
              )}
            </section>
          </div>
          <RunnerJobs jobs={runner.jobs} onPage={setJobsPage} />
          <RunnerHistory token={token} id={id} revision={revision} />
        </>
      ) : null}
    </main>
  );
}

import type { Runner } from './RunnerPage.tsx';
import { duration, exactTime, ago } from './time.ts';

/** The jobs the runner ran, newest first, a page at a time. */
export function RunnerJobs({ jobs, onPage }: { jobs: Runner['jobs']; onPage: (page: { after?: string; before?: string }) => void }) {
  const nodes = (jobs?.nodes ?? []).flatMap((job) => (job ? [job] : []));
  return (
    <section class="panel" aria-labelledby="jobs">
      <h2 id="jobs">Jobs ({jobs?.count ?? 0})</h2>
      {nodes.length ? (
        <div class="table-scroll">
          <table class="jobs">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Job</th>
                <th scope="col">Project</th>
                <th scope="col">Pipeline</th>
                <th scope="col">Ref</th>
                <th scope="col">Duration</th>
                <th scope="col">Finished</th>
                <th scope="col">User</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((job) => (
                <tr key={job.id}>
                  <td data-label="Status">
                    <span class={`badge job-${job.detailedStatus?.group ?? job.status?.toLowerCase()}`}>
                      {job.detailedStatus?.text ?? job.status}
                    </span>
                  </td>
                  <td data-label="Job">
                    #{job.id?.split('/').pop()} {job.name}
                  </td>
                  <td data-label="Project">{job.project?.fullPath}</td>
                  <td data-label="Pipeline">#{job.pipeline?.iid ?? job.pipeline?.id?.split('/').pop()}</td>
                  <td data-label="Ref">
                    <code>{job.ref}</code> <span class="muted">{job.shortSha}</span>
                  </td>
                  <td data-label="Duration">{duration(job.duration)}</td>
                  <td data-label="Finished" title={exactTime(job.finishedAt)}>
                    {job.finishedAt ? ago(job.finishedAt) : '—'}
                  </td>
                  <td data-label="User">{job.user?.username ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">This runner has run no job that you can see.</p>
      )}
      <nav class="pager" aria-label="Job pages">
        <button
          type="button"
          disabled={!jobs?.pageInfo.hasPreviousPage}
          onClick={() => onPage({ before: jobs?.pageInfo.startCursor ?? undefined })}
        >
          ← Newer
        </button>
        <button
          type="button"
          disabled={!jobs?.pageInfo.hasNextPage}
          onClick={() => onPage({ after: jobs?.pageInfo.endCursor ?? undefined })}
        >
          Older →
        </button>
      </nav>
    </section>
  );
}

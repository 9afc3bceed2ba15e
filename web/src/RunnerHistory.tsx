import { describe, request } from './client.ts';
import { ErrorNotice } from './components.tsx';
import { graphql } from './graphql.ts';
import { useLoad } from './hooks.ts';
import { ago, exactTime } from './time.ts';

const RunnerAudit = graphql(`
  query RunnerAudit($id: CiRunnerID!) {
    runner(id: $id) {
      id
      auditEvents(first: 10) {
        count
        nodes { id action authorName createdAt ipAddress changes { attribute from to } }
      }
    }
  }
`);

const shown = (value: unknown) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * Who changed the runner, when and how (its audit events), as far as the user may read them. Its own query, so
 * that a history the user may not read leaves the rest of the page alone; `revision` reloads it with the page.
 */
export function RunnerHistory({ token, id, revision }: { token: string; id: string; revision: number }) {
  const loaded = useLoad(() => request(token, RunnerAudit, { id }), `${id}:${revision}`);
  const events = (loaded.data?.runner?.auditEvents?.nodes ?? []).flatMap((event) => (event ? [event] : []));
  return (
    <section class="panel" aria-labelledby="history">
      <h2 id="history">History ({loaded.data?.runner?.auditEvents?.count ?? 0})</h2>
      <ErrorNotice message={loaded.error ? describe(loaded.error) : null} />
      {events.length ? (
        <ol class="history">
          {events.map((event) => (
            <li key={event.id}>
              <strong>{event.action?.replace(/_/g, ' ')}</strong> by {event.authorName ?? 'unknown'}{' '}
              <time dateTime={event.createdAt ?? undefined} title={exactTime(event.createdAt)}>
                {ago(event.createdAt)}
              </time>
              {event.ipAddress ? <span class="muted"> from {event.ipAddress}</span> : null}
              {event.changes?.length ? (
                <ul>
                  {event.changes.map((change) => (
                    <li key={change.attribute}>
                      <code>{change.attribute}</code>: {shown(change.from)} → {shown(change.to)}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ol>
      ) : loaded.data ? (
        <p class="muted">No recorded changes that you may read.</p>
      ) : null}
    </section>
  );
}

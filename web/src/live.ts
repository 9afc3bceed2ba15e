import { type Client, createClient } from 'graphql-ws';
import { type DocumentNode, print } from 'graphql';
import type { TadaDocumentNode } from 'gql.tada';
import { useEffect, useRef } from 'preact/hooks';

/** How often a view reloads while its subscription cannot run (the server refused it, or the socket is down). */
export const POLL_MS = 15_000;

let shared: { token: string; client: Client } | undefined;

/**
 * One WebSocket per signed-in tab, to this server's /graphql (graphql-ws). The token goes in the connection's
 * parameters, since a browser cannot set headers on a WebSocket, and never in its URL.
 */
function clientFor(token: string): Client {
  if (shared?.token === token) return shared.client;
  shared?.client.dispose();
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
  const client = createClient({ url, connectionParams: { 'PRIVATE-TOKEN': token }, lazy: true, retryAttempts: Number.POSITIVE_INFINITY });
  shared = { token, client };
  return client;
}

export function closeLive(): void {
  shared?.client.dispose();
  shared = undefined;
}

/**
 * Follows a subscription while the view is shown and calls `onEvent` for each event; while the subscription fails
 * it polls instead (`onEvent` with no event every POLL_MS), and goes back to events when it runs again.
 */
export function useLive<Result, Variables>(
  token: string,
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
  onEvent: (event?: Result) => void,
): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = JSON.stringify(variables);
  // Subscribes again only when the token or the variables (`key`, by value) change.
  useEffect(() => {
    let poll: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const startPolling = () => {
      poll ??= setInterval(() => handler.current(), POLL_MS);
    };
    const query = print(document as DocumentNode);
    let unsubscribe = () => {};
    const subscribe = () => {
      unsubscribe = clientFor(token).subscribe<Result>(
        { query, variables: variables as Record<string, unknown> },
        {
          next: ({ data }) => {
            if (poll) clearInterval(poll);
            poll = undefined;
            if (data) handler.current(data);
          },
          error: () => {
            startPolling();
            // Try the subscription again later; events resume where polling was.
            if (!stopped) setTimeout(() => !stopped && subscribe(), POLL_MS * 2);
          },
          complete: () => {},
        },
      );
    };
    subscribe();
    return () => {
      stopped = true;
      if (poll) clearInterval(poll);
      unsubscribe();
    };
  }, [token, key]);
}

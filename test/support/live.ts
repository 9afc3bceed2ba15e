import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Json } from './json.ts';

export interface Received {
  data?: Record<string, Json> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A subscription seen from a client: what arrived, in order, and whether the server completed it. */
export interface LiveClient {
  /** The next result not taken yet; fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Received>;
  /** Waits `ms` and returns whatever arrived meanwhile (an empty list when nothing did). */
  quiet(ms: number): Promise<Received[]>;
  /** Resolves when the server has completed the subscription. */
  readonly completed: Promise<void>;
  /** The server is ready to send events (SSE: the stream opened; WebSocket: the subscription was accepted). */
  readonly ready: Promise<void>;
  close(): void;
}

class Inbox {
  readonly items: Received[] = [];
  private waiter: (() => void) | null = null;
  push(item: Received) {
    this.items.push(item);
    this.waiter?.();
  }
  async next(timeoutMs: number): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.items.shift() as Received;
  }
  async quiet(ms: number): Promise<Received[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.items.splice(0);
  }
}

/** GraphQL over SSE, as Yoga serves it (graphql-sse's distinct connections mode): one POST, one event stream. */
export function subscribeSse(url: string, query: string, variables: Record<string, unknown>, token?: string): LiveClient {
  const inbox = new Inbox();
  const abort = new AbortController();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const completed = (async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { 'private-token': token } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    });
    markReady();
    // A refusal before the stream starts (429, 401, …) is a plain GraphQL answer.
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      inbox.push((await response.json()) as Received);
      return;
    }
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = message.split('\n');
          const event = lines
            .find((line) => line.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (event === 'complete') return;
          if (data) inbox.push(JSON.parse(data) as Received);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  completed.catch(() => {});
  return {
    next: (timeoutMs = 10_000) => inbox.next(timeoutMs),
    quiet: (ms) => inbox.quiet(ms),
    completed,
    ready,
    close: () => abort.abort(),
  };
}

/** GraphQL over WebSocket (graphql-ws), the token in connectionParams as a browser sends it. */
export function subscribeWs(url: string, query: string, variables: Record<string, unknown>, token?: string): LiveClient {
  const inbox = new Inbox();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { 'PRIVATE-TOKEN': token } : {},
    retryAttempts: 0,
    lazy: false,
    on: { connected: () => markReady() },
    // The server closing (at the end of a test) is not this client's failure to report.
    onNonLazyError: () => {},
  });
  const completed = new Promise<void>((resolve) => {
    client.subscribe(
      { query, variables },
      {
        next: (value) => inbox.push(value as Received),
        error: (error) => {
          inbox.push({ errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }] });
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return {
    next: (timeoutMs = 10_000) => inbox.next(timeoutMs),
    quiet: (ms) => inbox.quiet(ms),
    completed,
    // graphql-ws acknowledges the connection before the subscription starts: give the server a moment to start it.
    ready: ready.then(() => new Promise((resolve) => setTimeout(resolve, 200))),
    close: () => void client.dispose(),
  };
}

import { Readable } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin, processRegularResult, type YogaInitialContext } from 'graphql-yoga';

type FetchAPI = Parameters<typeof processRegularResult>[1];

/** Yoga's keep-alive comment, and its interval (shortened under test, as Yoga does, so tests see pings). */
const PING = Buffer.from(':\n\n');
const PING_MS = process.env.NODE_ENV === 'test' ? 300 : 12_000;
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');

/**
 * A subscriber's events are written at most this often (five times a second, about as often as a person can follow a
 * changing screen): what arrives meanwhile goes out in the same write. Each write costs a system call and wakes the
 * reader whatever its size (on a 2-core machine, 50,000 one-event writes a second took a core by themselves), so a
 * subscriber following a busy fleet gets several events per write; after a quiet spell the first goes out at once.
 */
export const FLUSH_MS = 200;

/**
 * The SSE frame of each result, made once however many streams it is written to: subscribers of one group share the
 * result object (see live-rendering.ts), so they share its bytes too. The JSON is Yoga's own (processRegularResult
 * drops the errors' internal extensions exactly as its SSE processor does), so the frames are those Yoga would send.
 */
const frames = new WeakMap<object, Buffer | Promise<Buffer>>();

/** The result's frame: the Buffer itself once made (most subscribers of a group need no wait at all). */
function frameOf(result: ExecutionResult, fetchAPI: FetchAPI): Buffer | Promise<Buffer> {
  let frame = frames.get(result);
  if (!frame) {
    frame = Promise.resolve(processRegularResult(result, fetchAPI, 'application/json').text()).then((json) => {
      const bytes = Buffer.from(`event: next\ndata: ${json}\n\n`);
      frames.set(result, bytes);
      return bytes;
    });
    frames.set(result, frame);
  }
  return frame;
}

/**
 * The event stream of one subscription as a Node stream, which Fastify pipes straight into the response. It reads the
 * next result only while the response keeps up: a subscriber that reads slowly leaves its events in its outbox, which
 * keeps one per runner (src/live/outbox.ts), so its memory stays bounded however far behind it falls.
 */
function eventStream(results: AsyncIterable<ExecutionResult>, fetchAPI: FetchAPI): Readable {
  const iterator = results[Symbol.asyncIterator]();
  // Yoga starts with a comment too: some clients wait for a first chunk before they report the stream open.
  let queued: Buffer[] = [PING];
  let lastWrite = 0;
  let timer: NodeJS.Timeout | null = null;
  let wanted: (() => void) | null = null;
  const stream = new Readable({
    read() {
      const resume = wanted;
      wanted = null;
      resume?.();
    },
    destroy(error, callback) {
      stop();
      // A read waiting for room ends here (it finds the stream destroyed).
      wanted?.();
      // The client went away: the subscription ends, and leaves the hub. Not awaited: a stream of results may
      // answer `return` only after its pending `next`.
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
      callback(error);
    },
  });
  const ping = setInterval(() => {
    if (!queued.length && stream.readableLength === 0) stream.push(PING);
  }, PING_MS);
  const stop = () => {
    clearInterval(ping);
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const write = () => {
    timer = null;
    if (!queued.length || stream.destroyed) return;
    const chunk = queued.length === 1 ? (queued[0] as Buffer) : Buffer.concat(queued);
    queued = [];
    lastWrite = performance.now();
    stream.push(chunk);
  };
  const queue = (frame: Buffer) => {
    queued.push(frame);
    timer ??= setTimeout(write, Math.max(0, lastWrite + FLUSH_MS - performance.now()));
  };
  write();
  void (async () => {
    try {
      for (;;) {
        // Backpressure: past the stream's buffer, wait until the response has taken some.
        if (stream.readableLength >= stream.readableHighWaterMark) await new Promise<void>((resolve) => (wanted = resolve));
        if (stream.destroyed) return;
        const next = await iterator.next();
        if (stream.destroyed) return;
        if (next.done) break;
        const frame = frameOf(next.value, fetchAPI);
        queue(frame instanceof Buffer ? frame : await frame);
      }
      stop();
      queued.push(COMPLETE);
      write();
      stream.push(null);
    } catch (error) {
      stop();
      write();
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return stream;
}

/** The Node stream behind a response made by `eventStreams`, for the HTTP server to pipe without Web streams. */
const nodeBodies = new WeakMap<Response, Readable>();

export function eventStreamOf(response: Response): Readable | undefined {
  return nodeBodies.get(response);
}

/**
 * Serves subscriptions over SSE (graphql-sse's distinct connections mode) in place of Yoga's SSE processor, with the
 * same frames, headers and pings, but without a Web ReadableStream between the events and the socket: each write is
 * a pre-encoded, shared Buffer (or several, concatenated), not a Web stream read and a copy per event.
 */
export function eventStreams(): Plugin {
  const subscriptions = new WeakSet<Request>();
  return {
    onSubscribe({ args }) {
      const { request } = args.contextValue as Partial<YogaInitialContext>;
      if (request) subscriptions.add(request);
    },
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      // For a subscription, the only processor Yoga sets for a stream of results is its SSE one (see
      // useResultProcessors): a stream with a processor chosen is an event stream the client accepted.
      if (!resultProcessor || !subscriptions.has(request) || !isAsyncIterable(result)) return;
      setResultProcessor((results, fetchAPI) => {
        const body = eventStream(results as AsyncIterable<ExecutionResult>, fetchAPI);
        // whatwg-node's Response takes a Node Readable as its body; anything reading it as a Web stream still can.
        const response = new fetchAPI.Response(body as unknown as BodyInit, {
          status: 200,
          headers: {
            'Content-Type': 'text/event-stream',
            Connection: 'keep-alive',
            'Cache-Control': 'no-cache',
            'Content-Encoding': 'none',
          },
        });
        nodeBodies.set(response, body);
        return response;
      }, 'text/event-stream');
    },
  };
}

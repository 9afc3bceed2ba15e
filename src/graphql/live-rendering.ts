import { createSourceEventStream, type DocumentNode, type ExecutionArgs, type ExecutionResult, execute } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Delivery } from '../live/delivery.ts';
import type { LiveSession } from '../live/sessions.ts';
import { type Context, sessionContext } from './context.ts';

const documentIds = new WeakMap<DocumentNode, number>();
let lastDocumentId = 0;

/**
 * Identifies what a subscription asks for: its document (Yoga's parser cache hands identical queries the same
 * document), its operation and its variables. Subscriptions with the same key render an event the same way.
 */
function operationKey(args: ExecutionArgs): string {
  let id = documentIds.get(args.document);
  if (id === undefined) {
    id = ++lastDocumentId;
    documentIds.set(args.document, id);
  }
  return `${id}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
}

/** Results already rendered, by the delivered value (shared by every subscriber of one event), then by who renders how. */
const rendered = new WeakMap<object, Map<string, ExecutionResult | Promise<ExecutionResult>>>();

/**
 * A result that Yoga's SSE transport serializes once, however many streams it is written to: Yoga uses a result's
 * own `stringify` when it has one. Not enumerable, so a copy of the result (one whose errors were masked) does not
 * inherit it, and a result that is not this one is serialized as usual.
 */
function serializedOnce(result: ExecutionResult): ExecutionResult {
  let text: string | undefined;
  Object.defineProperty(result, 'stringify', {
    enumerable: false,
    value: (value: unknown) => {
      if (value !== result) return JSON.stringify(value);
      text ??= JSON.stringify(value);
      return text;
    },
  });
  return result;
}

/**
 * Renders a delivery once for all the subscribers that would get the same answer: the same value of the same event,
 * and the same `key` (the viewer, see `LiveSession.key`; the external URL; the operation and its variables). It
 * renders in a context made from the session checked at delivery, so fields below the runner follow the subscriber's
 * access as it is now, and read the database afresh for each event.
 */
function render(args: ExecutionArgs, delivery: Delivery<unknown>, key: string): ExecutionResult | Promise<ExecutionResult> {
  const value = delivery.value as object;
  let byKey = rendered.get(value);
  if (!byKey) {
    byKey = new Map();
    rendered.set(value, byKey);
  }
  const context = args.contextValue as Context;
  let result = byKey.get(key);
  if (!result) {
    const contextValue = sessionContext(context, delivery.session);
    const group = byKey;
    result = Promise.resolve(execute({ ...args, rootValue: delivery, contextValue })).then((done) => {
      // The result itself from now on: the group's other subscribers take it without waiting.
      group.set(key, serializedOnce(done));
      return done;
    });
    byKey.set(key, result);
  }
  return result;
}

function mapStream<T, R>(source: AsyncIterator<T>, map: (value: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const iterator: AsyncIterableIterator<R> = {
    // Without an async function of its own: most deliveries are rendered already, and need no further wait.
    next() {
      return source.next().then((next): IteratorResult<R> | Promise<IteratorResult<R>> => {
        if (next.done) return { value: undefined, done: true };
        const value = map(next.value);
        return value instanceof Promise ? value.then((rendered) => ({ value: rendered, done: false })) : { value, done: false };
      });
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Subscriptions as graphql-js runs them (the source stream from the subscription field, each event executed as
 * the operation with the event as its root), except that a live delivery is executed once per group of alike
 * subscribers rather than once per subscriber (see `render`): a fleet followed by a thousand dashboards costs one
 * execution per change, not a thousand.
 */
export function sharedLiveRendering(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const stream = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in stream)) return stream;
        // URLs in the answer follow the address the subscriber reached the server at (see `settingsFor`).
        const rendering = `${(args.contextValue as Context).settings.externalUrl}\u0000${operationKey(args)}`;
        // The group's key, made again only when the session changes (every 30 s, or on an access change).
        let session: LiveSession | null = null;
        let key = '';
        return mapStream(stream[Symbol.asyncIterator](), (payload: unknown) => {
          if (!(payload instanceof Delivery))
            return Promise.resolve(execute({ ...args, rootValue: payload }) as ExecutionResult | Promise<ExecutionResult>);
          if (payload.session !== session) {
            session = payload.session;
            key = `${session.key}\u0000${rendering}`;
          }
          return render(args, payload, key);
        });
      });
    },
  };
}

import type pg from 'pg';

/**
 * One statement's answer handled per turn of the event loop.
 *
 * Node 20 accepts one new connection per turn of its event loop (libuv). A turn handles every socket that is ready, and
 * when ten statements' answers arrive together each is carried straight on into the rest of its request (resolvers,
 * JSON, the write): at five milliseconds per job page that is a 50 ms turn, so under load a client opening
 * connections waited for the fiftieth to be accepted for 2.5 s while the server took 250 ms per request. Answers
 * handed on one per turn, in the order they arrived, keep each turn to one request's work, so connections are accepted
 * (and new requests read) between any two of them; the CPU spent is the same.
 */
const waiting: (() => void)[] = [];
let scheduled = false;

function handOne(): void {
  const next = waiting.shift();
  // An immediate queued from an immediate runs on the next turn, after that turn's sockets: that is the point.
  if (waiting.length > 0) setImmediate(handOne);
  else scheduled = false;
  next?.();
}

/** Resolves on a coming turn of the event loop, after those who asked before. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(handOne);
    }
  });
}

/**
 * The pool's statements outside transactions (all that Prisma sends through `pool.query`) hand their answers on by
 * turns. A transaction's statements (on a client it holds) do not wait: their connection is held meanwhile.
 */
export function handAnswersOnByTurns(pool: pg.Pool): void {
  // pg's overloads (callbacks, submittables) are not used here: Prisma's adapter passes a config and awaits.
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  const byTurns = async (config: pg.QueryConfig) => {
    const result = await query(config);
    await nextTurn();
    return result;
  };
  pool.query = byTurns as typeof pool.query;
}

import type pg from 'pg';

/**
 * Statements' answers handed on a turn of the event loop at a time.
 *
 * Node 20 accepts one new connection per turn of its event loop (libuv). A turn handles every socket that is ready, and
 * when ten statements' answers arrive together each is carried straight on into the rest of its request (resolvers,
 * JSON, the write): at five milliseconds per job page that is a 50 ms turn, so under load a client opening
 * connections waited for the fiftieth to be accepted for 2.5 s while the server took 250 ms per request. Here answers
 * are handed on in the order they arrived, and once a turn has spent `TURN_MS` on them the rest wait for the next
 * turn, so connections are accepted (and new requests read) between any two heavy answers. Not one answer per turn:
 * every turn has a cost of its own, and one-runner requests then took a fifth more CPU.
 */
const TURN_MS = 1;

const waiting: (() => void)[] = [];
/** When this turn began handing answers on; null while none is being handed on. */
let handingSince: number | null = null;
/** This turn has had its share; the answers left wait for the next. */
let deferring = false;

function nextTurnBegins(): void {
  deferring = false;
  handingSince = null;
}

/** Queued once per waiting answer; run in a turn's check phase, it hands on the oldest unless the turn is full. */
function handOne(): void {
  if (deferring) {
    setImmediate(handOne);
    return;
  }
  const now = performance.now();
  if (handingSince === null) handingSince = now;
  else if (now - handingSince >= TURN_MS) {
    // An immediate queued from an immediate runs on the next turn, after that turn's sockets: that is the point.
    deferring = true;
    setImmediate(nextTurnBegins);
    setImmediate(handOne);
    return;
  }
  waiting.shift()?.();
  if (waiting.length === 0) handingSince = null;
}

/** Resolves on this or a coming turn of the event loop, after those who asked before. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    setImmediate(handOne);
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

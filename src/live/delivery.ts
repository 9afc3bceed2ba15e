import type { LiveSession } from './sessions.ts';

/**
 * One value for one subscriber. The value is shared: every subscriber that hears the same thing of the same event
 * gets the same object, so the GraphQL layer can render it once per kind of viewer (see `sameViewers`), not once
 * per subscriber. The session is the subscriber's own, checked when the event was taken.
 */
export class Delivery<T> {
  constructor(
    readonly value: T,
    readonly session: LiveSession,
  ) {}
}

/** The subscriber's token no longer works (revoked, expired, user blocked): delivered once, then the stream ends. */
export class LiveFailure {
  constructor(readonly error: unknown) {}
}

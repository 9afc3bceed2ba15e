import type { LiveHub } from './hub.ts';

/** What a subscription needs of its request: the server's hub, and the token to check again at each delivery. */
export interface LiveContext {
  readonly hub: LiveHub;
  readonly token: string | null;
}

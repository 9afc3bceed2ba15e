import { type ExecutionResult, GraphQLError } from 'graphql';

/**
 * How much query cost (values an answer may hold, see cost.ts) may execute at once. Each query's answer is built in
 * memory, so this bounds the memory all of them take together, whatever the number of connections: past the budget,
 * expensive queries wait their turn, first come first served, while cheap ones (at most `freeCost`) never wait.
 */
export class CostBudget {
  private inFlight = 0;
  private readonly waiting: { cost: number; admit: () => void }[] = [];

  constructor(
    private readonly budget: number,
    /** Queries up to this cost (a page of runners with a dozen fields, a detail view) never wait. */
    private readonly freeCost = 2_000,
  ) {}

  /**
   * Resolves with the function that gives the cost back once the query is done, or with null when it could not
   * start within `waitMs` (the caller answers that it timed out). A query costing more than the whole budget runs
   * alone.
   */
  acquire(cost: number, waitMs: number): Promise<(() => void) | null> {
    if (cost <= this.freeCost) return Promise.resolve(() => {});
    if (this.waiting.length === 0 && this.fits(cost)) return Promise.resolve(this.take(cost));
    return new Promise((resolve) => {
      const entry = {
        cost,
        admit: () => {
          clearTimeout(timer);
          resolve(this.take(cost));
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        resolve(null);
        // The head may have been the one that did not fit; whoever is next may.
        this.admitWaiting();
      }, waitMs);
      this.waiting.push(entry);
    });
  }

  private fits(cost: number): boolean {
    return this.inFlight === 0 || this.inFlight + cost <= this.budget;
  }

  private take(cost: number): () => void {
    this.inFlight += cost;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= cost;
      this.admitWaiting();
    };
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.fits((this.waiting[0] as { cost: number }).cost)) {
      (this.waiting.shift() as { admit: () => void }).admit();
    }
  }
}

/** GitLab's answer when a query runs past `graphql_timeout`; also when it could not start in that time. */
export function timedOut(): ExecutionResult {
  const error = new GraphQLError('Request timed out. Please try a less complex query or a smaller set of records.', {
    extensions: { code: 'TIMEOUT', http: { status: 503 } },
  });
  return { errors: [error] };
}

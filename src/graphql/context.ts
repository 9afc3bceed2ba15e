import { Access } from '../auth/access.ts';
import DataLoader from 'dataloader';
import type { PrincipalCache } from '../auth/principals.ts';
import { RUNNER_FACTS_SELECT, type RunnerFacts, RunnerPolicy } from '../auth/runner-policy.ts';
import { authenticate, type Viewer } from '../auth/viewer.ts';
import type { Db } from '../db/client.ts';
import type { JobStatus } from '../db/generated/enums.ts';
import type { LiveContext } from '../live/context.ts';
import { visibleJobsFilter } from '../runners/jobs.ts';
import { asGraphQLError } from './errors.ts';
import { type AuditActor, runnerActor, userActor } from '../services/runner-audit.ts';
import type { GraphQLLimits } from './limits.ts';

/** Settings resolvers need; everything else about the process stays out of the schema. */
export interface SchemaSettings {
  /** Where the gateway is reached from outside, for `web_url`s: GitLab's external_url. */
  readonly externalUrl: string;
  /** The bounds /graphql applies; REST operations are held to them too (default: DEFAULT_GRAPHQL_LIMITS). */
  readonly graphqlLimits?: GraphQLLimits;
  /** Hears of failures no answer carries (bookkeeping writes); the app logs them. */
  readonly reportError?: (error: unknown, what: string) => void;
  /** Authenticated tokens kept for a short while (see PrincipalCache); none: every request looks its token up. */
  readonly principals?: PrincipalCache;
  /**
   * Resolves once this process has heard every change committed so far (see LiveHub.caughtUp): awaited after each
   * mutation, so that once a write is acknowledged, this server's caches hold nothing older (a token revoked here is
   * refused here by the very next request). Absent where nothing is cached (the CLI).
   */
  readonly caughtUp?: () => Promise<void>;
}

/**
 * Which API the request came through, where GitLab's two APIs answer the same refusal differently: GraphQL hides a
 * runner the viewer may not read behind `null` (as one that does not exist), REST answers 403; and REST accepts
 * `read_api` only on GET and HEAD, so a write route's scope hint leaves it out.
 */
export interface Transport {
  readonly api: 'graphql' | 'rest';
  /** Whether a `read_api` token may make this request at all (in GraphQL, each field decides). */
  readonly readApiAccepted: boolean;
}

const GRAPHQL: Transport = { api: 'graphql', readApiAccepted: true };

/** Per request, shared by both transports: the same viewer and rules answer /graphql and /api/v4. */
export interface Context {
  readonly db: Db;
  readonly viewer: Viewer | null;
  readonly access: Access;
  readonly policy: RunnerPolicy;
  readonly settings: SchemaSettings;
  readonly transport: Transport;
  /** The client's address (behind TRUST_PROXY proxies, the one they name): audit events record it. */
  readonly clientIp: string | null;
  /**
   * Called around every mutation, so that each decides on the state as it is when it runs: nothing loaded or
   * derived before a write (policy facts, counts, memberships) is trusted after it.
   */
  beforeWrite(): Promise<void>;
  afterWrite(): Promise<void>;
  /** Runner facts for policy checks, batched: checking 100 listed runners costs one query. */
  readonly runnerFacts: DataLoader<number, RunnerFacts | null>;
  /** Job counts per runner (and status filter) that the viewer can see, batched into one query per filter. */
  readonly jobCounts: DataLoader<JobCountKey, number, string>;
  /** Live events, for subscriptions; absent where the server runs none (the CLI, REST's in-process operations). */
  readonly live?: LiveContext;
}

export interface JobCountKey {
  readonly runnerId: number;
  readonly statuses: readonly JobStatus[];
}

/** Authenticates the token (if any) and builds the request's context; a bad token throws GitLab's reason. */
export async function createContext(
  db: Db,
  token: string | null,
  settings: SchemaSettings,
  transport: Transport = GRAPHQL,
  clientIp: string | null = null,
): Promise<Context> {
  const viewer = token
    ? await authenticate(
        db,
        token,
        (error) => settings.reportError?.(error, "recording a token's last use failed"),
        settings.principals,
      ).catch((error: unknown) => {
        throw asGraphQLError(error);
      })
    : null;
  const access = await Access.load(db, viewer);
  const { runnerFacts, jobCounts } = requestLoaders(db, access);
  let writes = 0;
  const forget = () => {
    runnerFacts.clearAll();
    jobCounts.clearAll();
    access.forgetDerived();
  };
  return {
    db,
    viewer,
    access,
    policy: new RunnerPolicy(access, db),
    settings,
    transport,
    clientIp,
    runnerFacts,
    jobCounts,
    async beforeWrite() {
      forget();
      // The first write of a request decides on the memberships read with its token; a later one reads them again.
      if (writes++ > 0) await access.reload();
    },
    async afterWrite() {
      forget();
      await settings.caughtUp?.();
    },
  };
}

/** The request's batching caches: they live as long as one request (or one delivery of a live event), never longer. */
function requestLoaders(db: Db, access: Access): Pick<Context, 'runnerFacts' | 'jobCounts'> {
  const runnerFacts = new DataLoader<number, RunnerFacts | null>(async (ids) => {
    const rows = await db.runner.findMany({ where: { id: { in: [...ids] } }, select: RUNNER_FACTS_SELECT });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  const jobCounts = new DataLoader<JobCountKey, number, string>(
    async (keys) => {
      const counts = new Map<string, number>();
      const byFilter = new Map<string, JobCountKey[]>();
      for (const key of keys) {
        const statusKey = key.statuses.join(',');
        byFilter.set(statusKey, [...(byFilter.get(statusKey) ?? []), key]);
      }
      await Promise.all(
        [...byFilter].map(async ([statusKey, group]) => {
          const rows = await db.job.groupBy({
            by: ['runnerId'],
            where: { runnerId: { in: group.map((key) => key.runnerId) }, ...visibleJobsFilter(access, group[0]?.statuses) },
            _count: { _all: true },
          });
          for (const row of rows) counts.set(`${row.runnerId}:${statusKey}`, row._count._all);
        }),
      );
      return keys.map((key) => counts.get(jobCountKey(key)) ?? 0);
    },
    { cacheKeyFn: jobCountKey },
  );
  return { runnerFacts, jobCounts };
}

/**
 * The context a live event is rendered in: the subscription's, as the subscriber's session is now (checked again at
 * each event, see `src/live/sessions.ts`), with caches of its own, so nothing read for an earlier event is served
 * for a later one.
 */
export function sessionContext(base: Context, session: Pick<Context, 'viewer' | 'access' | 'policy'>): Context {
  const { viewer, access, policy } = session;
  return { ...base, viewer, access, policy, ...requestLoaders(base.db, access) };
}

/** Who the audit events of this request's changes name: its user, or (without one) the runner acting by its token. */
export function auditActor(ctx: Context, runnerId: number | null = null): AuditActor {
  return ctx.viewer ? userActor(ctx.viewer, ctx.clientIp) : runnerActor(runnerId, ctx.clientIp);
}

function jobCountKey(key: JobCountKey): string {
  return `${key.runnerId}:${key.statuses.join(',')}`;
}

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * GitLab's lookup order for a personal access token: the `private_token` parameter, the PRIVATE-TOKEN header,
 * then `Authorization: Bearer`.
 */
export function readToken(headers: HeaderBag, params?: { private_token?: unknown }): string | null {
  if (typeof params?.private_token === 'string' && params.private_token) return params.private_token;
  const header = headers['private-token'];
  if (typeof header === 'string' && header) return header;
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  return null;
}

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { getNamedType, type GraphQLField, type GraphQLNamedType, isLeafType, isNonNullType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRAPHQL_LIMITS } from '../../src/graphql/limits.ts';
import { schema } from '../../src/graphql/schema/index.ts';
import { type ServerProcess, startServer } from '../faults/process.ts';
import { FUZZ_PATH, FUZZ_RUNS, FUZZ_SEED } from './settings.ts';
import { Draw } from './values.ts';

/**
 * Nested connections, the shape that once took the server down: queries walk the schema from a root down to the
 * depth limit, through connections with page sizes from 0 to past the maximum, sent as an administrator and
 * anonymously to a real server process over the demo data set. None may get a 5xx or kill the process; its
 * liveness is checked after every batch and its peak RSS reported.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const BATCH = 8;
/** A hundredth of the fuzz budget: each of these queries may make the server read thousands of rows. */
const BATCHES = Math.max(4, Math.ceil(FUZZ_RUNS / 100 / BATCH));
const PAGE_SIZES = [undefined, 0, 1, 2, 5, 10, 50, 100, 101, 1000] as const;

const ROOTS = ['runners', 'runner(id: "gid://gitlab/Ci::Runner/1")', 'runner(id: "gid://gitlab/Ci::Runner/2")', 'currentUser'] as const;

/** Fields that need no argument (other than paging ones), so a walk can always select them. */
function selectable(type: GraphQLNamedType): GraphQLField<unknown, unknown>[] {
  if (!isObjectType(type)) return [];
  return Object.values(type.getFields()).filter((field) =>
    field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined),
  );
}

/** A selection on `type` about `depth` levels deep (the leaf level counts one). */
function selection(draw: Draw, type: GraphQLNamedType, depth: number): string {
  const fields = selectable(type);
  const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)));
  const objects = fields.filter((field) => !isLeafType(getNamedType(field.type)));
  const parts: string[] = [];
  if (leaves.length) parts.push(draw.pick(leaves).name);
  if (depth > 1 && objects.length) {
    const branches = draw.chance(25) ? 2 : 1;
    for (let i = 0; i < branches; i++) {
      const field = draw.pick(objects);
      const named = getNamedType(field.type);
      const paged = field.args.some((arg) => arg.name === 'first');
      const size = paged ? draw.pick(PAGE_SIZES) : undefined;
      const args =
        size === undefined ? '' : `(${draw.chance(50) || !field.args.some((arg) => arg.name === 'last') ? 'first' : 'last'}: ${size})`;
      const inner = selection(draw, named, depth - 1);
      parts.push(`${i ? `b${i}: ` : ''}${field.name}${args} { ${inner || '__typename'} }`);
    }
  }
  return parts.join(' ') || '__typename';
}

function nestedQuery(draw: Draw): string {
  const root = draw.pick(ROOTS);
  const depth = 2 + draw.nat(DEFAULT_GRAPHQL_LIMITS.maxDepth - 1);
  const name = root.split('(')[0] as string;
  const field = schema.getQueryType()?.getFields()[name];
  if (!field) throw new Error(`no root ${name}`);
  return `{ ${root} { ${selection(draw, getNamedType(field.type), depth - 1)} } }`;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

describe('fuzzing nested connections against a server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runners-gateway-nested-'));
  let server: ServerProcess;
  let token = '';
  let serverPid = 0;

  beforeAll(async () => {
    const demo = await new Promise<string>((resolve, reject) => {
      execFile(
        TSX,
        ['src/cli/main.ts', 'demo', '--runners', '30', '--jobs', '2000', '--seed', '3'],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir } },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    token = /(glpat-\S+)/.exec(demo)?.[1] ?? '';
    server = await startServer({ DATABASE_URL: '', DATA_DIR: dataDir });
    serverPid = (JSON.parse(readFileSync(join(dataDir, '.runners-gateway.holder.json'), 'utf8')) as { pid: number }).pid;
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`answers ${BATCHES * BATCH} generated nested queries without a 5xx, and stays alive`, { timeout: 600_000 }, async () => {
    expect(token).toMatch(/^glpat-/);
    let peakRss = rssMb(serverPid);
    const codes = new Map<string, number>();
    const property = fc.asyncProperty(fc.gen(), async (g) => {
      const draw = new Draw(g);
      const queries = Array.from({ length: BATCH }, () => ({ query: nestedQuery(draw), admin: draw.chance(75) }));
      const answers = await Promise.all(
        queries.map(async ({ query, admin }) => {
          const response = await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(admin ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify({ query }),
          });
          return { query, status: response.status, body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] } };
        }),
      );
      peakRss = Math.max(peakRss, rssMb(serverPid));
      for (const { query, status, body } of answers) {
        for (const error of body.errors ?? [])
          codes.set(error.extensions?.code ?? 'none', (codes.get(error.extensions?.code ?? 'none') ?? 0) + 1);
        if (status >= 500) throw new Error(`${status} for ${query}\n→ ${JSON.stringify(body).slice(0, 500)}`);
        for (const error of body.errors ?? []) {
          if (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR')
            throw new Error(`error without a known code for ${query}\n→ ${JSON.stringify(error)}`);
        }
      }
      const live = await fetch(`${server.url}/-/liveness`).then(
        (response) => response.ok,
        () => false,
      );
      if (!live || !server.isRunning()) throw new Error(`the server stopped answering:\n${server.output().slice(-2000)}`);
    });
    const details = await fc.check(property, {
      seed: FUZZ_SEED + 7,
      numRuns: BATCHES,
      ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}),
      endOnFailure: true,
    });
    console.info(
      `nested connections: ${BATCHES * BATCH} queries, server peak RSS ${peakRss.toFixed(0)} MB, errors ${[...codes].map(([code, n]) => `${code}×${n}`).join(' ')}`,
    );
    if (details.failed)
      throw new Error(
        `fuzzing failed (replay: FUZZ_SEED=${FUZZ_SEED} FUZZ_PATH=${details.counterexamplePath})\n${String(details.errorInstance)}`,
      );
    // Some queries were let through and some refused by the limits: the generator reaches both sides of them.
    expect(codes.get('LIMIT_EXCEEDED') ?? 0).toBeGreaterThan(0);
    expect(server.isRunning()).toBe(true);
  });
});

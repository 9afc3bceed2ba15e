import type { Runner } from '../../db/generated/client.ts';
import { isRunnerCreator, openToken, registrationAvailable } from '../../services/ephemeral-tokens.ts';
import { ownerRunnerUrls, type RunnerListOwner, runnerUrls } from '../../runners/urls.ts';
import type { Context } from '../context.ts';

const LISTED_IN = Symbol('listedIn');

type Listed = { [LISTED_IN]?: RunnerListOwner };

/**
 * Marks runner rows with the list they were found in, for the edge's `webUrl` and `editUrl` (GitLab's
 * RunnerWebUrlEdge links to the group's or the project's runner page, depending on where the runner is listed).
 */
export function listedIn<T extends object>(rows: T[], owner: RunnerListOwner): T[] {
  for (const row of rows) (row as Listed)[LISTED_IN] = owner;
  return rows;
}

/** The runner's page in the list it was found in; null in lists that belong to no group or project. */
export function edgeUrl(runner: object, ctx: Context, page: 'web' | 'edit'): string | null {
  const owner = (runner as Listed)[LISTED_IN];
  return owner ? ownerRunnerUrls(ctx.settings.externalUrl, owner, (runner as { id: number }).id)[page] : null;
}

/**
 * The runner token for its creator during the registration window: in the answer of the mutation that created
 * it, or opened from its sealed copy afterwards. Anyone else, and anyone after the window, gets null.
 */
export function ephemeralToken(runner: Runner & { ephemeralToken?: string }, viewerId: number | null | undefined): string | null {
  if (runner.ephemeralToken) return runner.ephemeralToken;
  if (!isRunnerCreator(viewerId, runner) || !registrationAvailable(runner) || !runner.ephemeralTokenCiphertext) return null;
  return openToken(runner.ephemeralTokenCiphertext, runner.tokenDigest);
}

/** GitLab's register page of the runner: the admin area's, its group's or its owner project's. */
export async function registerUrl(ctx: Context, runner: Runner): Promise<string | null> {
  const base = ctx.settings.externalUrl;
  switch (runner.runnerType) {
    case 'instance_type':
      return runnerUrls(base, runner.id).registerAdmin;
    case 'group_type': {
      const group =
        runner.groupId === null ? null : await ctx.db.group.findUnique({ where: { id: runner.groupId }, select: { fullPath: true } });
      return group ? ownerRunnerUrls(base, { kind: 'group', fullPath: group.fullPath }, runner.id).register : null;
    }
    case 'project_type': {
      const owner = await ctx.db.runnerProject.findFirst({
        where: { runnerId: runner.id },
        orderBy: { id: 'asc' },
        select: { project: { select: { pathWithNamespace: true } } },
      });
      return owner ? ownerRunnerUrls(base, { kind: 'project', fullPath: owner.project.pathWithNamespace }, runner.id).register : null;
    }
  }
}

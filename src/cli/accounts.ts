import { type Command, InvalidArgumentError, Option } from 'commander';
import type { TokenScope } from '../db/generated/enums.ts';
import { issuePersonalAccessToken } from '../services/personal-access-tokens.ts';
import { ALL_SCOPES } from '../services/tokens.ts';
import { createUser } from '../services/users.ts';
import type { CliContext } from './context.ts';
import { findUser } from './lookup.ts';
import { failsWith } from './output.ts';

function parseScopes(value: string): TokenScope[] {
  const scopes = value
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = scopes.filter((scope) => !(ALL_SCOPES as readonly string[]).includes(scope));
  if (unknown.length) throw new InvalidArgumentError(`unknown scope ${unknown.join(', ')}; valid scopes are ${ALL_SCOPES.join(', ')}.`);
  if (!scopes.length) throw new InvalidArgumentError('at least one scope is needed.');
  return scopes as TokenScope[];
}

/** A calendar day (as GitLab's expires_at), ending the token at the start of that day in UTC. */
function parseExpiry(value: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  // Date.UTC rolls 2027-02-30 over to March; a day that does not exist is a typo, not a date.
  if (!date || date.toISOString().slice(0, 10) !== value.trim()) throw new InvalidArgumentError('expected a date as YYYY-MM-DD.');
  return date;
}

export function registerAccountCommands(program: Command, ctx: CliContext): void {
  program
    .command('user:create')
    .description('Create a user')
    .requiredOption('--username <username>', 'unique username')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--email <email>', 'unique email address')
    .option('--admin', 'make the user an administrator', false)
    .action(async (options: { username: string; name: string; email: string; admin: boolean }) => {
      const user = await failsWith('cannot create the user', createUser(ctx.db, options));
      ctx.output.out(`Created ${user.admin ? 'administrator' : 'user'} ${user.username} (id ${user.id})`);
    });

  program
    .command('token:create')
    .description('Create a personal access token; prints only the token, once')
    .requiredOption('--username <username>', 'owner of the token')
    .option('--name <name>', 'name of the token', 'cli')
    .addOption(new Option('--scopes <scopes>', `comma-separated: ${ALL_SCOPES.join(', ')}`).argParser(parseScopes).default(['api'], 'api'))
    .addOption(new Option('--expires-at <date>', 'expiry day, YYYY-MM-DD (default: never)').argParser(parseExpiry))
    .action(async (options: { username: string; name: string; scopes: TokenScope[]; expiresAt?: Date }) => {
      const user = await findUser(ctx.db, options.username);
      const { token } = await failsWith(
        'cannot create the token',
        issuePersonalAccessToken(ctx.db, {
          userId: user.id,
          name: options.name,
          scopes: options.scopes,
          expiresAt: options.expiresAt ?? null,
        }),
      );
      ctx.output.out(token);
      ctx.output.err(`Token "${options.name}" for ${user.username} (${options.scopes.join(', ')}): it is shown only this once.`);
    });
}

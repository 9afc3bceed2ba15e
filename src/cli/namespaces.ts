import { type Command, Option } from 'commander';
import { AccessLevel } from '../auth/access-level.ts';
import { ACCESS_LEVEL_NAMES, addGroupMember, addProjectMember, createGroup, createProject } from '../services/namespaces.ts';
import { type RegistrationScope, resetRegistrationToken } from '../services/tokens.ts';
import type { CliContext } from './context.ts';
import { findGroup, findProject, findUser } from './lookup.ts';
import { CliError, failsWith } from './output.ts';

const ACCESS_LEVELS = {
  guest: AccessLevel.GUEST,
  reporter: AccessLevel.REPORTER,
  developer: AccessLevel.DEVELOPER,
  maintainer: AccessLevel.MAINTAINER,
  owner: AccessLevel.OWNER,
} as const;

type AccessLevelName = keyof typeof ACCESS_LEVELS;

type NamespaceTarget = { kind: 'group' | 'project'; path: string };

/** Exactly one of `--group`/`--project` (commander already refuses both); `optional` allows neither. */
function namespaceOf(options: { group?: string; project?: string }, optional: boolean): NamespaceTarget | null {
  if (options.group !== undefined) return { kind: 'group', path: options.group };
  if (options.project !== undefined) return { kind: 'project', path: options.project };
  if (optional) return null;
  throw new CliError('one of --group or --project is required');
}

export function registerNamespaceCommands(program: Command, ctx: CliContext): void {
  const { db, output } = ctx;

  program
    .command('group:create')
    .description('Create a group, or a subgroup with --parent')
    .requiredOption('--path <path>', 'URL path of the group')
    .option('--name <name>', 'display name (default: the path)')
    .option('--parent <fullPath>', 'full path of the parent group')
    .option('--description <text>', 'description')
    .action(async (options: { path: string; name?: string; parent?: string; description?: string }) => {
      const path = options.path.trim();
      const parent = options.parent !== undefined ? await findGroup(db, options.parent) : null;
      const group = await failsWith(
        `cannot create group ${parent ? `${parent.fullPath}/${path}` : path}`,
        createGroup(db, {
          name: options.name?.trim() || path,
          path,
          parentId: parent?.id ?? null,
          description: options.description ?? null,
        }),
      );
      output.out(`Created group ${group.fullPath} (id ${group.id})`);
    });

  program
    .command('project:create')
    .description("Create a project in a group, or in a user's personal namespace")
    .requiredOption('--path <path>', 'URL path of the project')
    .option('--name <name>', 'display name (default: the path)')
    .addOption(new Option('--group <fullPath>', 'full path of the group').conflicts('owner'))
    .addOption(new Option('--owner <username>', 'user whose personal namespace holds the project'))
    .option('--description <text>', 'description')
    .action(async (options: { path: string; name?: string; group?: string; owner?: string; description?: string }) => {
      const path = options.path.trim();
      if (options.group === undefined && options.owner === undefined) throw new CliError('one of --group or --owner is required');
      const group = options.group !== undefined ? await findGroup(db, options.group) : null;
      const owner = !group && options.owner !== undefined ? await findUser(db, options.owner) : null;
      const project = await failsWith(
        `cannot create project ${group?.fullPath ?? owner?.username}/${path}`,
        createProject(db, {
          name: options.name?.trim() || path,
          path,
          groupId: group?.id ?? null,
          ownerId: owner?.id ?? null,
          description: options.description ?? null,
        }),
      );
      output.out(`Created project ${project.pathWithNamespace} (id ${project.id})`);
    });

  program
    .command('member:add')
    .description('Add a user to a group or project')
    .requiredOption('--username <username>', 'the member')
    .addOption(new Option('--group <fullPath>', 'full path of the group').conflicts('project'))
    .addOption(new Option('--project <fullPath>', 'full path of the project'))
    .addOption(
      new Option('--access-level <level>', 'role in the group or project').choices(Object.keys(ACCESS_LEVELS)).makeOptionMandatory(),
    )
    .action(async (options: { username: string; group?: string; project?: string; accessLevel: AccessLevelName }) => {
      const target = namespaceOf(options, false);
      const user = await findUser(db, options.username);
      const level = ACCESS_LEVELS[options.accessLevel];
      if (target?.kind === 'group') {
        const group = await findGroup(db, target.path);
        await failsWith(
          `cannot add ${user.username} to group ${group.fullPath}`,
          addGroupMember(db, { groupId: group.id, userId: user.id, accessLevel: level }),
        );
        output.out(`${user.username} is now ${ACCESS_LEVEL_NAMES[level]} of group ${group.fullPath}`);
      } else if (target) {
        const project = await findProject(db, target.path);
        await failsWith(
          `cannot add ${user.username} to project ${project.pathWithNamespace}`,
          addProjectMember(db, { projectId: project.id, userId: user.id, accessLevel: level }),
        );
        output.out(`${user.username} is now ${ACCESS_LEVEL_NAMES[level]} of project ${project.pathWithNamespace}`);
      }
    });

  program
    .command('registration-token:reset')
    .description('Replace the runner registration token of the instance (default), a group or a project; prints only the new token')
    .addOption(new Option('--group <fullPath>', 'full path of the group').conflicts('project'))
    .addOption(new Option('--project <fullPath>', 'full path of the project'))
    .action(async (options: { group?: string; project?: string }) => {
      const target = namespaceOf(options, true);
      let scope: RegistrationScope = { kind: 'instance' };
      let label = 'the instance';
      if (target?.kind === 'group') {
        const group = await findGroup(db, target.path);
        scope = { kind: 'group', groupId: group.id };
        label = `group ${group.fullPath}`;
      } else if (target) {
        const project = await findProject(db, target.path);
        scope = { kind: 'project', projectId: project.id };
        label = `project ${project.pathWithNamespace}`;
      }
      const token = await resetRegistrationToken(db, scope);
      output.out(token);
      output.err(`New runner registration token of ${label}; the previous one no longer works. It is shown only this once.`);
      const setting = await db.applicationSetting.findUnique({ where: { id: 1 }, select: { allowRunnerRegistrationToken: true } });
      if (setting && !setting.allowRunnerRegistrationToken) {
        output.err('Note: registration tokens are disabled on this instance (allowRunnerRegistrationToken is off).');
      }
    });
}

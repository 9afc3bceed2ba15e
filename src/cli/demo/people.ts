import type { Faker } from '@faker-js/faker';
import { AccessLevel } from '../../auth/access-level.ts';
import type { Db } from '../../db/client.ts';
import { issuePersonalAccessToken } from '../../services/personal-access-tokens.ts';
import { ALL_SCOPES } from '../../services/tokens.ts';
import { addGroupMember, addProjectMember, createGroup, createProject } from '../../services/namespaces.ts';
import { createUser } from '../../services/users.ts';
import type { Progress } from '../progress.ts';
import { DEMO_ADMIN, NESTED_SUBGROUP_NAMES, PROJECT_NAMES, SUBGROUP_NAMES, TOP_LEVEL_SUFFIXES } from './vocabulary.ts';

export interface DemoUser {
  readonly id: number;
  readonly username: string;
  readonly name: string;
  readonly email: string;
  readonly role: 'admin' | 'maintainer' | 'developer' | 'reporter';
}

export interface DemoGroup {
  readonly id: number;
  readonly path: string;
  readonly fullPath: string;
  readonly traversalIds: readonly number[];
}

export interface DemoProject {
  readonly id: number;
  readonly path: string;
  readonly groupId: number | null;
  readonly traversalIds: readonly number[];
  /** Users who push to it: the authors of its commits. */
  readonly contributors: readonly DemoUser[];
}

export interface DemoPeople {
  readonly admin: DemoUser;
  readonly adminToken: string;
  readonly users: readonly DemoUser[];
  readonly groups: readonly DemoGroup[];
  readonly projects: readonly DemoProject[];
}

/** Everything the demo created, so a failed run can take it back and a retry starts clean. */
export interface Ledger {
  readonly userIds: number[];
  readonly rootGroupIds: number[];
  readonly runnerIds: number[];
}

const PROJECT_COUNT = 15;
const ROLES = [...Array<'maintainer'>(3).fill('maintainer'), ...Array<'developer'>(5).fill('developer'), 'reporter' as const];

const slug = (faker: Faker, text: string) =>
  faker.helpers
    .slugify(text)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '');

async function createUsers(
  db: Db,
  faker: Faker,
  progress: Progress,
  ledger: Ledger,
): Promise<{ admin: DemoUser; adminToken: string; users: DemoUser[] }> {
  const phase = progress('users', ROLES.length + 1);
  const adminRow = await createUser(db, { ...DEMO_ADMIN, admin: true });
  ledger.userIds.push(adminRow.id);
  const { token } = await issuePersonalAccessToken(db, { userId: adminRow.id, name: 'demo', scopes: ALL_SCOPES });
  const admin: DemoUser = { ...adminRow, role: 'admin' };
  const taken = new Set([admin.username]);
  const users: DemoUser[] = [admin];
  phase.advance(1);
  for (const role of ROLES) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    let username = slug(faker, faker.internet.username({ firstName, lastName })).replace(/^[-.]+|[-.]+$/g, '') || `user${users.length}`;
    while (taken.has(username)) username = `${username}${faker.number.int({ min: 1, max: 99 })}`;
    taken.add(username);
    const row = await createUser(db, { username, name: `${firstName} ${lastName}`, email: `${username}@example.com` });
    ledger.userIds.push(row.id);
    users.push({ ...row, role });
    phase.advance(1);
  }
  phase.done();
  return { admin, adminToken: token, users };
}

interface GroupPlan {
  readonly name: string;
  readonly description: string;
  readonly children: readonly GroupPlan[];
}

/** Three top-level groups, each with two subgroups, some of which have a subgroup of their own. */
function planGroups(faker: Faker): GroupPlan[] {
  const rootNames = new Set<string>();
  while (rootNames.size < 3) {
    const family = faker.person.lastName().replace(/[^A-Za-z-]/g, '');
    if (family) rootNames.add(`${family} ${faker.helpers.arrayElement(TOP_LEVEL_SUFFIXES)}`);
  }
  return [...rootNames].map((name) => ({
    name,
    description: faker.company.catchPhrase(),
    children: faker.helpers.arrayElements(SUBGROUP_NAMES, 2).map((child) => ({
      name: child,
      description: '',
      children: faker.datatype.boolean({ probability: 0.5 })
        ? [{ name: faker.helpers.arrayElement(NESTED_SUBGROUP_NAMES), description: '', children: [] }]
        : [],
    })),
  }));
}

async function createGroups(
  db: Db,
  faker: Faker,
  admin: DemoUser,
  progress: Progress,
  ledger: Ledger,
): Promise<{ roots: DemoGroup[]; all: DemoGroup[] }> {
  const plans = planGroups(faker);
  const size = (plan: GroupPlan): number => 1 + plan.children.reduce((sum, child) => sum + size(child), 0);
  const phase = progress(
    'groups',
    plans.reduce((sum, plan) => sum + size(plan), 0),
  );
  const roots: DemoGroup[] = [];
  const all: DemoGroup[] = [];
  const create = async (plan: GroupPlan, parent: DemoGroup | null): Promise<void> => {
    const group = await createGroup(db, {
      name: plan.name,
      path: slug(faker, plan.name),
      parentId: parent?.id ?? null,
      description: plan.description,
      // The admin creates the top-level groups and so owns them, as on GitLab.
      creatorId: parent ? null : admin.id,
    });
    if (!parent) {
      ledger.rootGroupIds.push(group.id);
      roots.push(group);
    }
    all.push(group);
    phase.advance(1);
    for (const child of plan.children) await create(child, group);
  };
  for (const plan of plans) await create(plan, null);
  phase.done();
  return { roots, all };
}

/**
 * A few users, three top-level groups with subgroups (some two levels deep), ~15 projects (one in a personal
 * namespace) and memberships: each maintainer maintains one top-level group, developers develop in one or
 * two, the reporter reports on a subgroup, and one developer maintains a single project.
 */
export async function createPeople(db: Db, faker: Faker, progress: Progress, ledger: Ledger): Promise<DemoPeople> {
  const { admin, adminToken, users } = await createUsers(db, faker, progress, ledger);

  const { roots, all: groups } = await createGroups(db, faker, admin, progress, ledger);

  const maintainers = users.filter((user) => user.role === 'maintainer');
  const developers = users.filter((user) => user.role === 'developer');
  const reporter = users.find((user) => user.role === 'reporter');
  const membersOf = new Map<number, DemoUser[]>(roots.map((root) => [root.id, []]));
  const join = async (root: DemoGroup, user: DemoUser, level: number, group: DemoGroup = root) => {
    await addGroupMember(db, { groupId: group.id, userId: user.id, accessLevel: level });
    membersOf.get(root.id)?.push(user);
  };
  for (const [index, maintainer] of maintainers.entries()) {
    const root = roots[index % roots.length];
    if (root) await join(root, maintainer, AccessLevel.MAINTAINER);
  }
  for (const developer of developers) {
    for (const root of faker.helpers.arrayElements(roots, { min: 1, max: 2 })) await join(root, developer, AccessLevel.DEVELOPER);
  }
  const subgroups = groups.filter((group) => group.traversalIds.length > 1);
  const reported = faker.helpers.arrayElement(subgroups);
  const reportedRoot = roots.find((root) => root.id === reported.traversalIds[0]);
  if (reporter && reportedRoot) await join(reportedRoot, reporter, AccessLevel.REPORTER, reported);

  const projectsPhase = progress('projects', PROJECT_COUNT);
  const projects: DemoProject[] = [];
  const names = faker.helpers.arrayElements(PROJECT_NAMES, PROJECT_COUNT);
  for (const [index, name] of names.entries()) {
    // The first projects go one to each group so none stays empty; the last one is a personal project.
    const personal = index === names.length - 1 && developers.length > 0;
    const group = personal ? null : (groups[index] ?? faker.helpers.arrayElement(groups));
    const owner = personal ? faker.helpers.arrayElement(developers) : null;
    const project = await createProject(db, {
      name,
      path: slug(faker, name),
      groupId: group?.id ?? null,
      ownerId: owner?.id ?? null,
      description: faker.company.catchPhrase(),
    });
    // Maintainers and developers push; the admin who owns the groups and reporters do not.
    const members =
      membersOf.get(group?.traversalIds[0] ?? -1)?.filter((user) => user.role === 'maintainer' || user.role === 'developer') ?? [];
    const contributors = owner ? [owner] : members.length ? members : [admin];
    projects.push({ id: project.id, path: project.path, groupId: project.groupId, traversalIds: project.traversalIds, contributors });
    projectsPhase.advance(1);
  }
  // One developer maintains a project of a group they are not a member of: access through the project alone.
  for (const project of projects.filter((candidate) => candidate.groupId !== null)) {
    const outsider = developers.find((developer) => !membersOf.get(project.traversalIds[0] ?? -1)?.includes(developer));
    if (!outsider) continue;
    await addProjectMember(db, { projectId: project.id, userId: outsider.id, accessLevel: AccessLevel.MAINTAINER });
    break;
  }
  projectsPhase.done();

  return { admin, adminToken, users, groups, projects };
}

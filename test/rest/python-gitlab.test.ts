import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { startApp } from '../security/app.ts';
import { requireClient, runs } from '../support/clients.ts';
import { addGroupMember, addProjectMember, createGroup, createJob, createProject, createUser } from '../support/factories.ts';

/** Debian's python3-gitlab installs for the system Python, whatever other Python is first on PATH. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../clients/python_gitlab_scenario.py', import.meta.url));

const installed = requireClient('python-gitlab', runs(PYTHON, ['-c', 'import gitlab']), 'apt-get install python3-gitlab');

describe.runIf(installed)('a full runner scenario through python-gitlab (Debian python3-gitlab)', () => {
  it('registers, verifies, lists with filters and pages, shows, edits, lists jobs, enables/disables, lists by group, and deletes by id and by token', async () => {
    // The server as deployed: no EXTERNAL_URL (links lead back to the address called) and the default rate limits.
    const app = await startApp({ settings: { externalUrl: null } });
    const admin = await createUser(app.db, { admin: true });
    const group = await createGroup(app.db);
    const project = await createProject(app.db, { group });
    const other = await createProject(app.db, { group });
    await addGroupMember(app.db, group.id, admin.user.id, AccessLevel.OWNER);
    await addProjectMember(app.db, other.id, admin.user.id, AccessLevel.MAINTAINER);
    const config = {
      url: app.url,
      token: admin.token,
      username: admin.user.username,
      other_project_id: other.id,
      group_id: group.id,
      project_registration: await resetRegistrationToken(app.db, { kind: 'project', projectId: project.id }),
      group_registration: await resetRegistrationToken(app.db, { kind: 'group', groupId: group.id }),
      instance_registration: await resetRegistrationToken(app.db, { kind: 'instance' }),
    };

    const child = spawn(PYTHON, [SCRIPT, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines: Record<string, unknown>[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      const message = JSON.parse(line) as Record<string, unknown>;
      lines.push(message);
      if (typeof message.runner_id === 'number' && !message.ok) {
        await createJob(app.db, { projectId: project.id, runnerId: message.runner_id, status: 'success' });
        child.stdin.write('\n');
      }
    }
    expect(await exited, stderr).toBe(0);
    expect(lines.at(-1)).toMatchObject({ ok: true, paged: 4 });
    expect((lines.at(-1)!.jobs as number[]).length).toBe(1);
    const runner = await app.db.runner.findUnique({ where: { id: lines.at(-1)?.runner_id as number } });
    expect(runner).toBeNull();
  }, 60_000);
});

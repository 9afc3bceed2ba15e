import { Gitlab } from '@gitbeaker/rest';
import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { addGroupMember, addProjectMember, createGroup, createJob, createProject, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

// @gitbeaker/rest is an independently written GitLab client: if it works unchanged, GitLab's tooling does.
describe('a full runner scenario through @gitbeaker/rest', () => {
  it('registers, verifies, lists, shows, edits, lists jobs, enables/disables, lists by group, and removes', async () => {
    const admin = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const other = await createProject(server.db, { group });
    await addGroupMember(server.db, group.id, admin.user.id, AccessLevel.OWNER);
    await addProjectMember(server.db, other.id, admin.user.id, AccessLevel.MAINTAINER);
    const api = new Gitlab({ host: server.url, token: admin.token });
    const registration = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });

    const registered = await api.Runners.register(registration, { description: 'gitbeaker', tagList: ['node', 'linux'] });
    expect(registered.token).toMatch(/^t3_/);
    await api.Runners.verify({ token: registered.token } as never);

    const listed = await api.Runners.all({ type: 'project_type', status: 'online', tagList: ['node'] });
    expect(listed.map((runner) => runner.id)).toEqual([registered.id]);
    const owned = await api.Runners.all({ owned: true });
    expect(owned.map((runner) => runner.id)).toContain(registered.id);

    const shown = await api.Runners.show(registered.id);
    expect(shown).toMatchObject({ id: registered.id, description: 'gitbeaker', tag_list: ['node', 'linux'], online: true });
    const edited = await api.Runners.edit(registered.id, { description: 'renamed', tagList: ['node'], maximumTimeout: 3600 });
    expect(edited).toMatchObject({ description: 'renamed', tag_list: ['node'], maximum_timeout: 3600 });

    const job = await createJob(server.db, { projectId: project.id, runnerId: registered.id, status: 'success' });
    const jobs = await api.Runners.allJobs(registered.id, { orderBy: 'id', sort: 'desc' });
    expect(jobs.map((j) => j.id)).toEqual([job.id]);

    const enabled = await api.Runners.enable(other.id, registered.id);
    expect(enabled.id).toBe(registered.id);
    expect((await api.Runners.all({ projectId: other.id })).map((runner) => runner.id)).toContain(registered.id);
    await api.Runners.disable(other.id, registered.id);
    expect((await api.Runners.all({ projectId: other.id, type: 'project_type' })).map((runner) => runner.id)).not.toContain(registered.id);

    const groupRegistration = await resetRegistrationToken(server.db, { kind: 'group', groupId: group.id });
    const groupRunner = await api.Runners.register(groupRegistration, { description: 'group runner' });
    expect((await api.Runners.all({ groupId: group.id })).map((runner) => runner.id)).toContain(groupRunner.id);

    await api.Runners.remove({ runnerId: registered.id });
    await expect(api.Runners.show(registered.id)).rejects.toThrow(/Not Found/);
    await api.Runners.remove({ token: groupRunner.token });
    await expect(api.Runners.show(groupRunner.id)).rejects.toThrow(/Not Found/);
  });

  it('reads pagination the way gitbeaker does (X-Total, X-Next-Page) to fetch every page', async () => {
    const admin = await createUser(server.db, { admin: true });
    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
    const api = new Gitlab({ host: server.url, token: admin.token });
    for (let i = 0; i < 5; i++) await api.Runners.register(registration, { description: `paged ${i}` });
    const all = await api.Runners.all({ perPage: 2, maxPages: 10 });
    expect(all.filter((runner) => String(runner.description).startsWith('paged'))).toHaveLength(5);
    const { paginationInfo } = await api.Runners.all({ perPage: 2, page: 1, showExpanded: true, maxPages: 1 });
    expect(paginationInfo).toMatchObject({ perPage: 2, current: 1, next: 2, previous: null });
  });
});

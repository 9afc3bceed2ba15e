import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_BUILD } from '../../src/http/dashboard.ts';
import { type RunningApp, startApp } from '../security/app.ts';
import { createJob, createProject, createRunner, createUser, runnerGid } from '../support/factories.ts';
import { chromiumInstalled, openBrowser } from './chromium.ts';

const installed = chromiumInstalled();

/** The README shows these: the main views at 1280×800, and the fleet at a phone's width. */
const SCREENSHOTS = 'docs/screenshots';

const minutes = (n: number) => new Date(Date.now() - n * 60_000);
const days = (n: number) => minutes(n * 24 * 60);

describe.runIf(installed)('the runner fleet dashboard at /, in a real browser with no network but the server', () => {
  let app: RunningApp;
  let token: string;
  let page: Page;
  let leaks: string[];
  const errors: string[] = [];
  const ids: Record<string, number> = {};
  let projectPath = '';
  let expired = '';
  let narrow = '';

  /** What the API holds, asked as the test's administrator. */
  const api = async (query: string, variables: Record<string, unknown> = {}) => {
    const answer = await app.graphql(query, variables, token);
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data;
  };
  const rowNames = () => page.locator('table.fleet tbody .runner-name a').allInnerTexts();

  beforeAll(async () => {
    expect(existsSync(`${DASHBOARD_BUILD}/index.html`), 'the dashboard is built (npm run build:web; npm ci and npm test run it)').toBe(
      true,
    );
    app = await startApp();
    const admin = await createUser(app.db, { admin: true, username: 'ada' });
    token = admin.token;
    expired = (await createUser(app.db, { expiresAt: days(1) })).token;
    narrow = (await createUser(app.db, { scopes: ['create_runner'] })).token;
    const project = await createProject(app.db, { path: 'web-app' });
    projectPath = project.pathWithNamespace;
    const runners = {
      'linux docker': { tagList: ['linux', 'docker'], contactedAt: minutes(3), version: '17.5.0' },
      'linux build': { tagList: ['linux'], contactedAt: minutes(180), version: '17.4.1' },
      'windows build': { tagList: ['windows'], contactedAt: minutes(1), version: '17.5.0' },
      'old linux 1': { tagList: ['linux'], contactedAt: days(10), createdAt: days(40), version: '16.11.0' },
      'old linux 2': { tagList: ['linux'], contactedAt: null, createdAt: days(30) },
      'old windows': { tagList: ['windows'], contactedAt: days(20), createdAt: days(60) },
      'web-app deploys': { tagList: ['deploy'], projectIds: [project.id], contactedAt: minutes(5), version: '17.5.0' },
    };
    for (const [description, options] of Object.entries(runners))
      ids[description] = (await createRunner(app.db, { description, ...options })).runner.id;
    for (const status of ['success', 'failed', 'running'] as const) {
      await createJob(app.db, {
        projectId: project.id,
        runnerId: ids['web-app deploys'],
        status,
        userId: admin.user.id,
        name: `deploy-${status}`,
      });
    }
    const browser = await openBrowser([app.url]);
    leaks = browser.leaks;
    page = await browser.context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 120_000);

  it('signs in with a token kept in sessionStorage only, says why a wrong one is refused, and filters by status and tag in the URL', async () => {
    await page.goto(`${app.url}/`);
    expect(await page.title()).toBe('Runners · Runners Gateway');
    const tokenField = page.getByLabel('Personal access token');
    await tokenField.fill('glpat-not-a-real-token');
    await tokenField.press('Enter');
    await page.getByRole('alert').getByText('This token is not valid').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/sign-in.png` });
    await tokenField.fill(expired);
    await tokenField.press('Enter');
    await page.getByRole('alert').getByText('This token has expired').waitFor();
    await tokenField.fill(narrow);
    await tokenField.press('Enter');
    await page.getByRole('alert').getByText('needs a personal access token with the api scope').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await tokenField.fill(token);
    await tokenField.press('Enter');
    await page.getByRole('heading', { name: 'Runners', exact: true }).waitFor();
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([token]);
    expect(page.url()).not.toContain(token);
    const count = (key: string) => page.locator(`[data-count="${key}"]`).textContent();
    await expect.poll(() => count('all')).toBe('7');
    // As GitLab counts them: offline includes the stale ones (no contact for 2 hours, of which 3 for 7 days).
    expect({ online: await count('online'), stale: await count('stale'), offline: await count('offline') }).toEqual({
      online: '3',
      stale: '3',
      offline: '3',
    });
    await page.screenshot({ path: `${SCREENSHOTS}/fleet.png` });

    // The counts are filters; the tags field applies on Enter. Both end up in the address, which can be shared.
    await page.getByRole('button', { name: /^Online/ }).click();
    await page.waitForURL(/status=ONLINE/);
    await expect.poll(rowNames).toHaveLength(3);
    await page.getByLabel('Tags').fill('linux');
    await page.getByLabel('Tags').press('Enter');
    await page.waitForURL(/tag=linux/);
    await expect.poll(rowNames).toEqual([`#${ids['linux docker']} linux docker`]);
    const listed = await api('{ runners(status: ONLINE, tagList: ["linux"]) { nodes { description } } }');
    expect(listed.runners.nodes).toEqual([{ description: 'linux docker' }]);

    // A reload keeps the view and the session (the token is in the tab's sessionStorage).
    await page.reload();
    await expect.poll(rowNames).toEqual([`#${ids['linux docker']} linux docker`]);
    expect(await page.getByRole('button', { name: /^Online/ }).getAttribute('aria-pressed')).toBe('true');
    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
  }, 90_000);

  it('opens a runner, sees its jobs, pauses it, follows a change made elsewhere live, edits it and resets its token', async () => {
    await page.goto(`${app.url}/?tag=deploy`);
    await page.getByRole('link', { name: /web-app deploys/ }).click();
    await page.waitForURL(/runner=\d+/);
    await page.getByRole('heading', { name: /web-app deploys/ }).waitFor();
    const jobs = page.locator('table.jobs tbody tr');
    await expect.poll(() => jobs.count()).toBe(3);
    expect(await jobs.first().textContent()).toContain('deploy-running');
    expect(await page.locator('table.jobs').textContent()).toMatch(/deploy-success[\s\S]*web-app[\s\S]*main[\s\S]*ada/);
    expect(await page.getByRole('heading', { name: 'Jobs (3)' }).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').getByText('Runner paused').waitFor();
    await page.locator('.title-row .badge.paused').waitFor();
    expect(
      (await api('query($id: CiRunnerID!) { runner(id: $id) { paused } }', { id: runnerGid(ids['web-app deploys']!) })).runner,
    ).toEqual({
      paused: true,
    });

    // Another client renames it: the open page shows it without a reload (ciRunnerUpdated over the WebSocket).
    await api('mutation($id: CiRunnerID!) { runnerUpdate(input: { id: $id, description: "web-app deploys (eu)" }) { errors } }', {
      id: runnerGid(ids['web-app deploys']!),
    });
    await page.getByRole('heading', { name: /web-app deploys \(eu\)/ }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/runner.png`, fullPage: true });

    // Settings: the API's validation message is shown in the form, then a valid value is saved.
    await page.getByRole('button', { name: 'Edit settings' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit runner settings' });
    await edit.getByLabel(/Maximum job timeout/).fill('5');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByRole('alert').getByText('Maximum timeout needs to be at least 10 minutes').waitFor();
    await edit.getByLabel(/Maximum job timeout/).fill('30');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    const id = runnerGid(ids['web-app deploys']!);
    expect((await api('query($id: CiRunnerID!) { runner(id: $id) { maximumTimeout } }', { id })).runner).toEqual({ maximumTimeout: 1800 });
    // The runner's history (its audit events) says who did it, and what changed.
    const history = page.getByRole('region', { name: /History/ });
    await history.getByText(/maximum_timeout: — → 1800/).waitFor();
    expect(await history.textContent()).toMatch(/paused by ada/);
    const audit = await api(
      'query($id: CiRunnerID!) { runner(id: $id) { auditEvents(first: 1) { nodes { authorName changes { attribute to } } } } }',
      {
        id,
      },
    );
    expect(audit.runner.auditEvents.nodes[0]).toEqual({ authorName: 'ada', changes: [{ attribute: 'maximum_timeout', to: 1800 }] });

    // A new token, shown once; the page then shows its new start.
    await page.getByRole('button', { name: 'Reset token' }).click();
    const reset = page.getByRole('dialog', { name: "Reset the runner's token?" });
    await reset.getByRole('button', { name: 'Reset token' }).click();
    const newToken = await reset.getByLabel('New runner token').inputValue();
    await reset.getByRole('button', { name: 'Done' }).click();
    const { runner } = await api('query($id: CiRunnerID!) { runner(id: $id) { shortSha } }', { id });
    expect(newToken.startsWith(runner.shortSha)).toBe(true);
    await page.getByText(runner.shortSha, { exact: true }).waitFor();
    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
  }, 90_000);

  it('bulk-deletes the stale runners a filter matches after confirming their count, and leaves the others', async () => {
    await page.goto(`${app.url}/?tag=linux`);
    await expect.poll(rowNames).toHaveLength(4);
    await page.getByRole('button', { name: 'Delete stale runners matching this filter…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete runners?' });
    await dialog.getByText('2 stale runners').waitFor(); // counted by the API's dry run
    // Nothing happens until confirmed.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await app.db.runner.count()).toBe(7);

    await page.getByRole('button', { name: 'Delete stale runners matching this filter…' }).click();
    await dialog.getByRole('button', { name: 'Delete 2 runners' }).click();
    await page.getByRole('status').getByText('Deleted 2 runners.').waitFor();
    await expect.poll(rowNames).toEqual([`#${ids['linux build']} linux build`, `#${ids['linux docker']} linux docker`]);
    const left = await api('{ runners(status: STALE) { nodes { description } } all: runners { count } }');
    expect(left).toEqual({ runners: { nodes: [{ description: 'old windows' }] }, all: { count: 5 } });

    // Selected runners: pausing two of them, confirmed with their count.
    await page.getByRole('checkbox', { name: /linux build/ }).check();
    await page.getByRole('checkbox', { name: /linux docker/ }).check();
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('dialog').getByText('2 selected runners').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause 2 runners' }).click();
    await page.getByRole('status').getByText('Paused 2 runners.').waitFor();
    const paused = await api('{ runners(paused: true, tagList: ["linux"]) { nodes { description } } }');
    expect(paused.runners.nodes.map((node: { description: string }) => node.description).sort()).toEqual(['linux build', 'linux docker']);
    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
  }, 90_000);

  it('creates a project runner and shows its glrt- token once, with the command that registers a host', async () => {
    await page.goto(`${app.url}/`);
    await expect.poll(rowNames).toHaveLength(5);
    // The fleet follows changes made elsewhere (ciRunnersUpdated), without a reload.
    await api(
      'mutation { runnerCreate(input: { runnerType: INSTANCE_TYPE, description: "made by another client", runUntagged: true }) { errors } }',
    );
    await expect.poll(rowNames, { timeout: 15_000 }).toHaveLength(6);
    await page.getByRole('button', { name: 'New runner' }).click();
    const dialog = page.getByRole('dialog', { name: 'New runner' });
    await dialog.getByLabel('Project', { exact: true }).check();
    await dialog.getByLabel('Project path').fill(projectPath);
    await dialog.getByLabel('Description').fill('arm64 builder');
    await dialog.getByLabel('Tags').fill('arm64, docker');
    await page.screenshot({ path: `${SCREENSHOTS}/create-runner.png` });
    await dialog.getByRole('button', { name: 'Create runner' }).click();

    const created = page.getByRole('dialog', { name: 'Runner created' });
    const shown = await created.getByLabel('Runner authentication token').inputValue();
    expect(shown).toMatch(/^glrt-t3_/);
    expect(await created.getByTestId('register-command').textContent()).toBe(`gitlab-runner register --url ${app.url} --token ${shown}`);
    await page.screenshot({ path: `${SCREENSHOTS}/runner-created.png` });

    const { runners } = await api(
      '{ runners(search: "arm64 builder") { nodes { id runnerType tagList ownerProject { fullPath } ephemeralAuthenticationToken } } }',
    );
    expect(runners.nodes).toEqual([
      {
        id: expect.any(String),
        runnerType: 'PROJECT_TYPE',
        tagList: ['arm64', 'docker'],
        ownerProject: { fullPath: projectPath },
        ephemeralAuthenticationToken: shown,
      },
    ]);
    await created.getByRole('button', { name: 'Done' }).click();
    await expect.poll(rowNames).toContain(`#${runners.nodes[0].id.split('/').pop()} arm64 builder`);
    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
  }, 90_000);

  it('is readable at a phone width, and the page itself refuses to load from anywhere else', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/`);
    await expect.poll(rowNames).toHaveLength(7);
    // No horizontal scrolling: every row is a card that fits the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SCREENSHOTS}/phone-fleet.png`, fullPage: true });
    await page.getByRole('link', { name: /web-app deploys/ }).click();
    await page.locator('table.jobs tbody tr').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SCREENSHOTS}/phone-runner.png`, fullPage: true });

    const response = await page.request.get(`${app.url}/`, { headers: { accept: 'text/html' } });
    expect(response.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(await response.text()).not.toMatch(/(?:src|href)="https?:/);
    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
  }, 90_000);
});

import { describe, expect, it } from 'vitest';
import { startApp } from '../security/app.ts';
import { createUser } from '../support/factories.ts';
import { chromiumInstalled, openBrowser } from './chromium.ts';

const installed = chromiumInstalled();

/** What an editor shows: Monaco renders spaces as non-breaking ones. */
const shown = async (editor: { innerText(): Promise<string> }) => (await editor.innerText()).replace(/\u00a0/g, ' ');

describe.runIf(installed)('GraphiQL in a real browser, with no network but the server', () => {
  it('loads from the server alone, shows the example and the token header, and runs a query with a token', async () => {
    const app = await startApp();
    const { user, token } = await createUser(app.db);
    const { context, leaks } = await openBrowser([app.url]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${app.url}/graphql`);
    expect(await page.title()).toBe('Runners Gateway · GraphiQL');
    // The editors are Monaco's, with their workers: once the query editor shows the example, the page works.
    const queryEditor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await queryEditor.waitFor({ timeout: 20_000 });
    await expect.poll(() => shown(queryEditor), { timeout: 20_000 }).toContain('query MyRunners');
    const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor').filter({ visible: true });
    await expect.poll(() => shown(headersEditor), { timeout: 10_000 }).toContain('PRIVATE-TOKEN');

    // Paste the token between the template's quotes (line 2: `"PRIVATE-TOKEN": ""`), and run the example.
    await headersEditor.click();
    for (const key of ['ControlOrMeta+Home', 'ArrowDown', 'End', 'ArrowLeft']) await page.keyboard.press(key);
    await page.keyboard.insertText(token);
    const answered = page.waitForResponse(
      (response) =>
        response.url() === `${app.url}/graphql` &&
        response.request().method() === 'POST' &&
        (response.request().postData() ?? '').includes('MyRunners'),
    );
    await page.locator('.graphiql-execute-button').click();
    const response = await answered;
    expect(response.request().headers()['private-token']).toBe(token);
    expect(await response.json()).toEqual({ data: { currentUser: { username: user.username, runners: { count: 0, nodes: [] } } } });
    const result = page.locator('.graphiql-response');
    await expect.poll(() => shown(result), { timeout: 10_000 }).toContain(user.username);

    await page.screenshot({ path: 'test/browser/.screenshots/graphiql.png' });
    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
  }, 90_000);
});

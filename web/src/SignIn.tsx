import { useState } from 'preact/hooks';
import { ErrorNotice } from './components.tsx';
import { signIn, signInFailure, type Viewer } from './session.ts';

/** The first screen: a personal access token, and where the APIs are for those who came for them. */
export function SignIn({ onSignedIn, message }: { onSignedIn: (token: string, viewer: Viewer) => void; message?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(message);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) return setError('Paste a personal access token first.');
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(value, await signIn(value));
    } catch (failure) {
      setError(signInFailure(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <section class="card">
        <h1>
          <img src="/favicon.svg" alt="" width="32" height="32" /> Runners Gateway
        </h1>
        <p>The runner fleet dashboard: your CI runners, their status and jobs, live.</p>
        <form onSubmit={submit}>
          <label for="token">Personal access token</label>
          <input
            id="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder="glpat-…"
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
            aria-describedby="token-help"
          />
          <p id="token-help" class="help">
            A token with the <code>api</code> scope (<code>read_api</code> to look only). It is kept in this tab only, until you sign out or
            close it. Create one with <code>npm run cli -- token:create --username you</code>.
          </p>
          <ErrorNotice message={error} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </section>
      <section class="card apis" aria-labelledby="apis">
        <h2 id="apis">The APIs behind it</h2>
        <ul>
          <li>
            <a href="/graphql">GraphiQL</a>: explore the GraphQL API at <code>/graphql</code> (also <code>/api/graphql</code>)
          </li>
          <li>
            <a href="/api/v4/openapi.json">OpenAPI document</a> of the GitLab REST API at <code>/api/v4</code>
          </li>
        </ul>
      </section>
    </main>
  );
}

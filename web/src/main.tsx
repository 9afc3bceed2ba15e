import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { request } from './client.ts';
import { Fleet } from './Fleet.tsx';
import { closeLive } from './live.ts';
import { useRoute } from './route.ts';
import { RunnerPage } from './RunnerPage.tsx';
import { forgetToken, signInFailure, storedToken, type Viewer, Viewer as ViewerQuery } from './session.ts';
import { SignIn } from './SignIn.tsx';
import './styles.css';

type Session = { state: 'checking' } | { state: 'signed-out'; message?: string } | { state: 'signed-in'; token: string; viewer: Viewer };

function App() {
  const [session, setSession] = useState<Session>(() => (storedToken() ? { state: 'checking' } : { state: 'signed-out' }));
  const [route, go] = useRoute();

  // A token kept from earlier in this tab is checked again: it may have been revoked or expired meanwhile.
  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    request(token, ViewerQuery, {}).then(
      ({ currentUser }) =>
        setSession(
          currentUser
            ? { state: 'signed-in', token, viewer: currentUser }
            : { state: 'signed-out', message: 'Your session ended: sign in again.' },
        ),
      (error: unknown) => {
        forgetToken();
        setSession({ state: 'signed-out', message: signInFailure(error) });
      },
    );
  }, []);

  useEffect(() => {
    document.title = route.view === 'runner' ? `Runner #${route.id.split('/').pop()} · Runners Gateway` : 'Runners · Runners Gateway';
  }, [route]);

  if (session.state === 'checking') return <p class="loading">Signing in…</p>;
  if (session.state === 'signed-out')
    return <SignIn message={session.message} onSignedIn={(token, viewer) => setSession({ state: 'signed-in', token, viewer })} />;

  const signOut = () => {
    forgetToken();
    closeLive();
    setSession({ state: 'signed-out' });
  };
  const { token, viewer } = session;
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a
          class="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            go({ view: 'fleet', filters: { tags: [], search: '', sort: 'CREATED_DESC' } });
          }}
        >
          <img src="/favicon.svg" alt="" width="24" height="24" /> Runners Gateway
        </a>
        <nav aria-label="Site">
          <a href="/graphql">GraphiQL</a>
        </nav>
        <span class="user">
          {viewer.username}
          {viewer.admin ? <span class="badge admin">Admin</span> : null}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div id="content">
        {route.view === 'runner' ? (
          <RunnerPage key={route.id} token={token} id={route.id} filters={route.filters} go={go} />
        ) : (
          <Fleet token={token} viewer={viewer} filters={route.filters} go={go} />
        )}
      </div>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}

import { ApiError, request } from './client.ts';
import { graphql, type ResultOf } from './graphql.ts';

/** sessionStorage: the token lives as long as the tab, never in a URL, a cookie or localStorage. */
const KEY = 'runners-gateway.token';

export const Viewer = graphql(`
  query Viewer {
    currentUser { id username name admin tokenScopes }
  }
`);

export type Viewer = NonNullable<ResultOf<typeof Viewer>['currentUser']>;

export const storedToken = () => sessionStorage.getItem(KEY);
export const forgetToken = () => sessionStorage.removeItem(KEY);

/** What a person should do about a token the API refused, in their words rather than the API's. */
export function signInFailure(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'UNAUTHENTICATED') {
      if (/expired/i.test(error.message)) return 'This token has expired. Create a new personal access token and sign in with it.';
      if (/revoked/i.test(error.message)) return 'This token was revoked. Create a new personal access token and sign in with it.';
      return 'This token is not valid: check that you pasted the whole personal access token (glpat-…).';
    }
    if (error.code === 'INSUFFICIENT_SCOPE')
      return 'This token cannot read the API: the dashboard needs a personal access token with the api scope (read_api to look only).';
    if (error.code === 'FORBIDDEN') return `This account may not sign in: ${error.message}`;
    if (error.code === 'RATE_LIMITED') return 'Too many requests: wait a minute and try again.';
    return error.message;
  }
  return String(error);
}

/** Checks a token with the API and keeps it for the tab when it names a user. */
export async function signIn(token: string): Promise<Viewer> {
  const { currentUser } = await request(token, Viewer, {});
  if (!currentUser) throw new ApiError('Invalid token', 'UNAUTHENTICATED');
  sessionStorage.setItem(KEY, token);
  return currentUser;
}

import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Browsers send "simple" requests (GET, form posts) cross-site without a CORS preflight. Yoga's CSRF plugin
 * refuses those unless a header only a script can set is present; these headers all qualify. A request that
 * carries its own token in the URL is let through: a forger would have to know the token, which is the credential.
 */
const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'private-token', 'authorization', 'x-requested-with'];

export function csrfPlugin(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      if (new URL(payload.request.url, 'http://localhost').searchParams.has('private_token')) return;
      try {
        return csrf.onRequestParse?.(payload);
      } catch (error) {
        throw new GraphQLError(
          `${error instanceof Error ? error.message : 'Refused'}: send a JSON body, or one of the headers ${CSRF_HEADERS.join(', ')}`,
          { extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } } },
        );
      }
    },
  };
}

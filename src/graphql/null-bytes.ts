import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Whether a request value holds a NUL character anywhere (keys included); PostgreSQL cannot store one in text.
 * It walks with its own stack, not by recursion: a JSON body nested 100,000 deep fits the body limit and would
 * overflow the call stack.
 */
export function containsNullByte(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const current = pending.pop();
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return true;
    } else if (Array.isArray(current)) {
      for (const item of current) pending.push(item); // not push(...current): too many arguments for a huge array
    } else if (current && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        if (key.includes('\u0000')) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/** Refuses a GraphQL request carrying a NUL character, before it can reach the database as a 500. */
export function rejectNullBytes(): Plugin {
  return {
    onParams({ params }) {
      if (containsNullByte(params.query) || containsNullByte(params.variables)) {
        throw new GraphQLError('Strings cannot contain null bytes', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
      }
    },
  };
}

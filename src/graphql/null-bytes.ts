import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Whether a request value holds a NUL character anywhere; PostgreSQL cannot store one in text. */
export function containsNullByte(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNullByte);
  if (value && typeof value === 'object') return Object.values(value).some(containsNullByte);
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

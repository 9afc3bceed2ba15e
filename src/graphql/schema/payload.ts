import type { ObjectRef } from '@pothos/core';
import { builder, type Types } from '../builder.ts';
import { ValidationFailed } from '../../errors.ts';

/** One failed attribute check, for clients that show errors next to form fields (and GitLab's REST bodies). */
export const AttributeError = builder.objectRef<{ attribute: string; message: string }>('AttributeError').implement({
  fields: (t) => ({
    attribute: t.exposeString('attribute', { description: 'Attribute that failed, in snake_case as GitLab names it.' }),
    message: t.exposeString('message'),
  }),
});

export interface PayloadErrors {
  errors: string[];
  attributeErrors: { attribute: string; message: string }[];
}

export const NO_ERRORS: PayloadErrors = Object.freeze({ errors: [], attributeErrors: [] }) as PayloadErrors;

/**
 * Runs a mutation's work; a model validation failure becomes GitLab's errors-as-data payload instead of a
 * top-level error. Anything else (auth, not found) still throws.
 */
export async function withErrors<T extends object>(work: () => Promise<T>): Promise<Partial<T> & PayloadErrors> {
  try {
    return { ...(await work()), ...NO_ERRORS };
  } catch (error) {
    if (error instanceof ValidationFailed) {
      return { errors: error.messages, attributeErrors: [...error.attributeErrors] } as Partial<T> & PayloadErrors;
    }
    throw error;
  }
}

/**
 * Adds GitLab's `errors` (and ours, by attribute) to a mutation payload type. Every mutation calls it on the
 * `payloadType` that relayMutationField returns.
 */
export function withErrorFields<Shape extends PayloadErrors>(mutation: { payloadType: ObjectRef<Types, Shape> }): void {
  builder.objectFields(mutation.payloadType, (t) => ({
    errors: t.stringList({ description: 'Errors encountered during the mutation.', resolve: (payload) => payload.errors }),
    attributeErrors: t.field({
      type: [AttributeError],
      description: 'The same errors, by attribute.',
      resolve: (payload) => payload.attributeErrors,
    }),
  }));
}

import type { TadaDocumentNode } from 'gql.tada';
import { type DocumentNode, print } from 'graphql';

/** A GraphQL error as the API answers it: a message and, for the ones a client acts on, a code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Mutations answer model validation failures as data (`errors: [...]`), as GitLab does; they read alike here. */
export class RefusedError extends Error {}

const texts = new WeakMap<object, string>();
const textOf = (document: object) => {
  let text = texts.get(document);
  if (!text) {
    text = print(document as DocumentNode);
    texts.set(document, text);
  }
  return text;
};

/**
 * POSTs one operation to this server's /graphql with the token in PRIVATE-TOKEN (never in a URL), and returns its
 * data or throws its first error.
 */
export async function request<Result, Variables>(
  token: string,
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'private-token': token },
      body: JSON.stringify({ query: textOf(document), variables }),
    });
  } catch {
    throw new ApiError('The server cannot be reached. Check your connection and try again.', 'NETWORK');
  }
  let body: { data?: Result | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without a GraphQL answer.`, 'BAD_RESPONSE');
  }
  const [first] = body.errors ?? [];
  if (first) throw new ApiError(first.message, first.extensions?.code);
  if (!body.data) throw new ApiError('The server answered no data.', 'BAD_RESPONSE');
  return body.data;
}

/** Throws a mutation payload's `errors` (the runner was not valid, not found, …) as one message. */
export function accepted<Payload extends { errors?: readonly string[] | null } | null | undefined>(payload: Payload): NonNullable<Payload> {
  if (!payload) throw new RefusedError('The server refused the change.');
  if (payload.errors?.length) throw new RefusedError(payload.errors.join(' '));
  return payload as NonNullable<Payload>;
}

/** What a person reads for a failure, whatever threw it. */
export function describe(error: unknown): string {
  if (error instanceof ApiError && error.code === 'FORBIDDEN') return `Not allowed: ${error.message}`;
  if (error instanceof ApiError && error.code === 'INSUFFICIENT_SCOPE')
    return 'Your token does not have the scope this needs (api). Sign in with a token that has the api scope.';
  if (error instanceof Error) return error.message;
  return String(error);
}

import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const MAX_ID = 2_147_483_647; // ids are PostgreSQL `integer`s

function invalid(value: unknown): GraphQLError {
  return new GraphQLError(`${JSON.stringify(value)} is not a valid Global ID`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** Parses `gid://gitlab/<ModelClass>/<id>` for one model class, as GitLab's typed ID scalars do. */
export function parseGlobalId(value: unknown, modelClass: string): number {
  if (typeof value !== 'string') throw invalid(value);
  const match = /^gid:\/\/gitlab\/([A-Za-z:]+)\/(\d{1,10})$/.exec(value);
  if (!match) throw invalid(value);
  if (match[1] !== modelClass) {
    throw new GraphQLError(`${JSON.stringify(value)} does not represent an instance of ${modelClass}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const id = Number(match[2]);
  if (id < 1 || id > MAX_ID) throw invalid(value);
  return id;
}

export function toGlobalId(modelClass: string, id: number): string {
  return `gid://gitlab/${modelClass}/${id}`;
}

/** A GitLab typed global-ID scalar (`CiRunnerID`, `ProjectID`, …): numbers inside, gid strings outside. */
export function globalIdScalar(name: string, modelClass: string): GraphQLScalarType<number, string> {
  return new GraphQLScalarType<number, string>({
    name,
    description: `A global ID of a ${modelClass}, such as "gid://gitlab/${modelClass}/1".`,
    serialize: (value) => toGlobalId(modelClass, Number(value)),
    parseValue: (value) => parseGlobalId(value, modelClass),
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING) throw invalid(ast.kind === Kind.INT ? Number(ast.value) : ast.kind);
      return parseGlobalId(ast.value, modelClass);
    },
  });
}

export const MODEL_CLASS = {
  runner: 'Ci::Runner',
  runnerManager: 'Ci::RunnerManager',
  job: 'Ci::Build',
  pipeline: 'Ci::Pipeline',
  project: 'Project',
  group: 'Group',
  user: 'User',
} as const;

import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder.ts';
import './enums.ts';
import './payload.ts';
import './user.ts';
import './group.ts';
import './project.ts';
import './job.ts';
import './runner.ts';
import './runner-manager.ts';
import './runner-queries.ts';
import './runner-mutations.ts';
import './runner-token-mutations.ts';
import './runner-assignment-mutations.ts';
import './user-mutations.ts';
import './namespace-mutations.ts';
import './pipeline-mutations.ts';

export const schema = lexicographicSortSchema(builder.toSchema());

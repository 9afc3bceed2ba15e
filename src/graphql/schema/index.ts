import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder.ts';
import './enums.ts';
import './payload.ts';
import './user.ts';
import './group.ts';
import './project.ts';
import './job.ts';
import './runner.ts';
import './runner-queries.ts';
import './runner-mutations.ts';

export const schema = lexicographicSortSchema(builder.toSchema());

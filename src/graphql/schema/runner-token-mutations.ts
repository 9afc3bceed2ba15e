// Filled in by a work in progress; see src/graphql/schema/index.ts.

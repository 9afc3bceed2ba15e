// The server runs in production mode unless told otherwise: graphql-js, for one, checks every failed type test
// against a second realm's classes outside production (about 6% of a runner list's CPU). Imported first by main.ts,
// so that it is set before any library reads it; a test run's NODE_ENV=test is kept.
process.env.NODE_ENV ??= 'production';

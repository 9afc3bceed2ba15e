import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * The PostgreSQL extensions the migrations create (pg_trgm, for the trigram index on runner descriptions). PGlite
 * ships them as separate bundles that every instance must load when it is created, also one opened from a
 * saved data folder or snapshot, or `CREATE EXTENSION` and the index's operators fail.
 */
export const PGLITE_EXTENSIONS = { pg_trgm };

-- The trigram index on runner descriptions as GiST with 256-byte signatures instead of GIN. GIN reads the whole
-- posting list of every trigram of the search: in a fleet whose descriptions share words ("runner", "docker"), each
-- of those lists names nearly every runner, and at 100,000 runners "runner 123" (111 matches) read 181 pages, 1.7 ms,
-- paid twice (the page and its count). A GiST signature tree descends only where all of the search's trigrams may
-- be: 0.2–0.35 ms for it, and as fast or faster for rare words, absent words and broad words alike (BENCHMARKS.md,
-- scale seventh pass). 256 bytes: at the default 12 a word missing from every description read half of the index
-- (780 of 1,535 pages at 100,000 runners), at 64 bytes 285 pages, at 256 one page.
DROP INDEX "Runner_description_idx";
CREATE INDEX "Runner_description_idx" ON "Runner" USING GIST ("description" gist_trgm_ops(siglen=256));

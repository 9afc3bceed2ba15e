-- A search's page (`runners(search:)`, ordered by creation) is planned from PostgreSQL's estimate of how many
-- descriptions match. At the default statistics target (100) that estimate moves with every ANALYZE's sample: at
-- 100,000 runners "runner 123" (111 matches) was once estimated at 1,011, and the page walked the creation-time index
-- testing 60,000 descriptions (55 ms) instead of reading the trigram index's 111 (1.6 ms). A finer histogram keeps
-- the estimate near the truth (200), whatever the sample.
ALTER TABLE "Runner" ALTER COLUMN "description" SET STATISTICS 1000;

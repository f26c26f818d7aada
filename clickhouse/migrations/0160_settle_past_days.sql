-- A day that has stopped receiving rows is merged into one part (issue 10,
-- point lookups). ClickHouse's ordinary merge selector leaves a day's
-- partition in several parts of similar size for good (it merges by size
-- ratios, not by age), and every point lookup by execution id, every
-- rare-word search and every page pays a fixed cost per part it opens: at
-- 10M steps a timeline read 2 parts of its day instead of 1, and a
-- rare-word search 58 parts instead of 29.
--
-- min_age_to_force_merge_seconds merges a partition whole once every part
-- in it is older than an hour (min_age_to_force_merge_on_partition_only:
-- the whole partition or nothing), so only settled days are rewritten,
-- once; today's partition keeps the ordinary merges while rows arrive. A
-- late or re-delivered row for a past day costs that day one more merge an
-- hour after it lands.

ALTER TABLE steps MODIFY SETTING min_age_to_force_merge_seconds = 3600, min_age_to_force_merge_on_partition_only = 1;
ALTER TABLE executions MODIFY SETTING min_age_to_force_merge_seconds = 3600, min_age_to_force_merge_on_partition_only = 1;

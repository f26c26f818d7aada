-- Merges of `steps` gather one column at a time (ClickHouse's vertical merge
-- algorithm) at any size, not only past 131,072 rows (issue 10, memory). A
-- horizontal merge reads every column of every source part at once, through
-- a buffer per column and part; a vertical one merges the sorting key first,
-- then streams the ~20 other columns one by one in that order. Merging eight
-- 8,000-row parts peaked at 54 MB of engine memory horizontally and 28 MB
-- vertically, eight 16,000-row parts at 77 and 37 MB, in the same time and to
-- the same bytes on disk (bench/README.md, `memory`). Small merges whose new
-- part is compact stay horizontal: the engine picks vertical only for wide
-- parts.

ALTER TABLE steps MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 1;

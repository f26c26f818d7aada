-- Compressed blocks of at most 256 KiB in `steps` and `executions`, not the
-- server default's 1 MiB (issue 10, memory). A part is written through one
-- buffer of max_compress_block_size per column, and a merge reads each source
-- part through such buffers too: `steps` has ~25 columns, so merging eight
-- 8,000-row parts peaked at 143 MB of engine memory with 1 MiB blocks and
-- 55 MB with 256 KiB ones, in the same time and to the same bytes on disk
-- (bench/README.md, `memory`). An embedded collector carries those peaks in
-- its own resident memory: glibc keeps what a merge freed for the next one.
--
-- Only parts written from now on use the smaller blocks; existing parts are
-- rewritten by their next merge. Reads are unaffected: ClickHouse decompresses
-- whatever block size a part was written with.

ALTER TABLE steps MODIFY SETTING max_compress_block_size = 262144;
ALTER TABLE executions MODIFY SETTING max_compress_block_size = 262144;

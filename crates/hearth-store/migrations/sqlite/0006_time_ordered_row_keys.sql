-- Import row keys move from `<source>:<hash>` to `<source>:<ts>:<hash>` (issue 3), SQLite flavour.
-- `<ts>` is the listen's own epoch-ms `ts`, zero-padded to 13 digits (sign first when negative,
-- as Rust's `{:013}` writes it); the 32-hex-digit hash is unchanged. Chronological exports then
-- append to the right edge of the unique index instead of dirtying a random leaf page per row.
-- Rewriting the stored keys keeps re-imports of already imported files idempotent.
-- Only keys of the old row-key shape (ending in ':' and 32 lowercase hex digits) are touched;
-- other keys (e.g. the demo's `demo:<name>:<n>`) and NULLs stay as they are.
UPDATE listen_events
SET dedup_key = substr(dedup_key, 1, length(dedup_key) - 32)
    || printf('%013d', ts) || ':'
    || substr(dedup_key, length(dedup_key) - 31)
WHERE dedup_key IS NOT NULL
  AND length(dedup_key) > 33
  AND substr(dedup_key, length(dedup_key) - 32, 1) = ':'
  AND substr(dedup_key, length(dedup_key) - 31) NOT GLOB '*[^0-9a-f]*';

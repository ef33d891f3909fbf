-- sbbatch workspace, migration 019: a loaded row's hash as a number.
--
-- loaded_rows.row_hash held the md5 of a row's values as 32 hexadecimal characters.
-- Nothing but an equality test reads it (is the row as loaded before?), and 100,000
-- random strings were the dearest column to write: DuckDB tried to compress them at
-- every checkpoint (about 0.08 s of the commit of a unit's first `sbbatch load
-- persons` of 100,000 persons). It is now md5_number_lower, the digest's last eight
-- bytes read little-endian as a UBIGINT: the same number DuckDB's md5_number_lower()
-- gives for the same values, so a file loaded before this migration still counts as
-- unchanged. A stored hash that is not 32 hexadecimal characters becomes 0, which no
-- row matches (loading that row again counts it as changed and writes it again).
--
-- DuckDB cannot change a column's type in a table with constraints in place: the
-- table is rebuilt, in its rows' order.

ALTER TABLE loaded_rows RENAME TO loaded_rows_before_019;

-- The provenance of every loaded row: the latest load that added or changed it (its
-- file and time are in loads). row_key identifies the row within its kind and unit
-- (e.g. the ID number, or ID number|month|insurance), one row per kind, unit and
-- row_key; row_hash is md5_number_lower of its accepted values, so that loading the
-- same file again changes nothing.
CREATE TABLE loaded_rows (
    kind            VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    row_key         VARCHAR NOT NULL,
    row_hash        UBIGINT NOT NULL,
    load_id         BIGINT NOT NULL,
    sheet_row       INTEGER NOT NULL      -- the spreadsheet's own row number
);

INSERT INTO loaded_rows
SELECT kind, unit_id, row_key,
       CASE WHEN regexp_full_match(row_hash, '[0-9a-f]{32}')
            THEN ('0x' || substr(row_hash, 31, 2) || substr(row_hash, 29, 2) || substr(row_hash, 27, 2) || substr(row_hash, 25, 2) || substr(row_hash, 23, 2) || substr(row_hash, 21, 2) || substr(row_hash, 19, 2) || substr(row_hash, 17, 2))::UBIGINT
            ELSE 0 END,
       load_id, sheet_row
FROM loaded_rows_before_019 ORDER BY rowid;

DROP TABLE loaded_rows_before_019;

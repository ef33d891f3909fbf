-- sbbatch workspace, migration 017: what writing a unit's persons paid for and nothing read.
--
-- insured_periods loses period_id. Nothing looks a period up by its id (a period is
-- found by its unit, person, insurance and months), and drawing nextval('period_seq')
-- for every row was half the CPU of inserting a unit's 500,000 periods (sbbatch load
-- persons of 100,000 persons). The rows are copied in the order of their ids, so a
-- table scan returns them as before.
--
-- loaded_rows loses its primary key and the columns file and loaded_at. One row per
-- kind, unit and row_key is kept by the only writer, store/unit_files.record_load
-- (UPDATE of the keys loaded before, then INSERT … ANTI JOIN of the others); its index
-- was a third of the CPU of recording 100,000 rows and of the commit after it. The file
-- and the time are facts of the load, held once in loads and joined by load_id
-- (row_provenance); every loaded row took them from its loads row, so nothing is lost.
--
-- DuckDB cannot drop a primary key in place: both tables are rebuilt, as in 016.

ALTER TABLE insured_periods RENAME TO insured_periods_before_017;

-- One row per person, unit and insurance for a run of insured months.
-- from_month is the 增员年月 (inclusive); until_month is the 减员年月 (exclusive,
-- the first month no longer insured); NULL means still insured.
CREATE TABLE insured_periods (
    unit_id          VARCHAR NOT NULL,
    person_id        VARCHAR NOT NULL,
    insurance        VARCHAR NOT NULL,    -- 险种 (AAE140)
    person_category  VARCHAR NOT NULL,    -- 人员类别
    from_month       DATE NOT NULL,       -- 增员年月
    until_month      DATE,                -- 减员年月
    add_reason       VARCHAR,             -- 增加原因
    leave_reason     VARCHAR,             -- 减员原因
    opened_by        VARCHAR,             -- declaration that opened it
    closed_by        VARCHAR,             -- declaration that closed it
    CHECK (until_month IS NULL OR until_month >= from_month)
);

INSERT INTO insured_periods
SELECT * EXCLUDE (period_id) FROM insured_periods_before_017 ORDER BY period_id;

DROP TABLE insured_periods_before_017;
DROP SEQUENCE period_seq;

ALTER TABLE loaded_rows RENAME TO loaded_rows_before_017;

-- The provenance of every loaded row: the latest load that added or changed it (its
-- file and time are in loads). row_key identifies the row within its kind and unit
-- (e.g. the ID number, or ID number|month|insurance), one row per kind, unit and
-- row_key; row_hash is the md5 of its accepted values, so that loading the same file
-- again changes nothing.
CREATE TABLE loaded_rows (
    kind            VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    row_key         VARCHAR NOT NULL,
    row_hash        VARCHAR NOT NULL,
    load_id         BIGINT NOT NULL,
    sheet_row       INTEGER NOT NULL      -- the spreadsheet's own row number
);

INSERT INTO loaded_rows
SELECT kind, unit_id, row_key, row_hash, load_id, sheet_row FROM loaded_rows_before_017;

DROP TABLE loaded_rows_before_017;

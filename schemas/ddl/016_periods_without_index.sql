-- sbbatch workspace, migration 016: insured_periods without the primary-key index.
--
-- period_id stays NOT NULL and takes its value from period_seq, which hands out every
-- number once, so the ids stay unique (tests/store/test_periods_migration.py checks
-- it); nothing looks a period up by its id. The index DuckDB kept for the primary key
-- (an ART index filled row by row and written at every checkpoint) was a third of the
-- CPU of writing a unit's 500,000 periods (sbbatch load persons of 100,000 persons).
-- DuckDB cannot drop a primary key in place: the table is rebuilt with the same
-- columns in the same order, its rows copied with their ids, and the sequence goes on.

ALTER TABLE insured_periods RENAME TO insured_periods_before_016;

-- One row per person, unit and insurance for a run of insured months.
-- from_month is the 增员年月 (inclusive); until_month is the 减员年月 (exclusive,
-- the first month no longer insured); NULL means still insured.
CREATE TABLE insured_periods (
    period_id        BIGINT NOT NULL DEFAULT nextval('period_seq'),
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

INSERT INTO insured_periods SELECT * FROM insured_periods_before_016 ORDER BY period_id;

DROP TABLE insured_periods_before_016;

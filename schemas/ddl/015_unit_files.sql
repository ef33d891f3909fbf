-- sbbatch workspace, migration 015: a unit's own files loaded into its workspace
-- (sbbatch load unit|persons|wages|payments), with the provenance of every row.

-- 单位信息 fields of 引言 §2 单位信息查询 not held before.
ALTER TABLE units ADD COLUMN agency VARCHAR;          -- 经办机构
ALTER TABLE units ADD COLUMN insured_since DATE;      -- 参保日期

-- The agency's payment detail (人员缴费情况 / 缴费单据 lines), as downloaded.
CREATE TABLE agency_payments (
    unit_id         VARCHAR NOT NULL,
    person_id       VARCHAR NOT NULL,
    month           DATE NOT NULL,        -- 费款所属期
    insurance       VARCHAR NOT NULL,     -- 险种 (codes/insurance)
    base_fen        BIGINT,               -- 缴费基数, fen
    unit_fen        BIGINT NOT NULL,      -- 单位缴纳, fen
    person_fen      BIGINT NOT NULL,      -- 个人缴纳, fen
    arrived         BOOLEAN,              -- 到账标志 (true 已到账, false 未到账, NULL not given)
    PRIMARY KEY (unit_id, person_id, month, insurance)
);

CREATE SEQUENCE load_seq START 1;

-- One row per `load`: what file, when, and what it did.
CREATE TABLE loads (
    load_id         BIGINT PRIMARY KEY DEFAULT nextval('load_seq'),
    kind            VARCHAR NOT NULL,     -- unit, persons, wages, payments
    unit_id         VARCHAR NOT NULL,
    file            VARCHAR NOT NULL,
    loaded_at       TIMESTAMP NOT NULL,
    rows_read       INTEGER NOT NULL,
    added           INTEGER NOT NULL,
    changed         INTEGER NOT NULL,
    unchanged       INTEGER NOT NULL,
    rejected        INTEGER NOT NULL
);

-- The provenance of every loaded row: the latest load that added or changed it.
-- row_key identifies the row within its kind and unit (e.g. the ID number, or
-- ID number|month|insurance); row_hash is the md5 of its accepted values, so that
-- loading the same file again changes nothing.
CREATE TABLE loaded_rows (
    kind            VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    row_key         VARCHAR NOT NULL,
    row_hash        VARCHAR NOT NULL,
    load_id         BIGINT NOT NULL,
    file            VARCHAR NOT NULL,
    sheet_row       INTEGER NOT NULL,     -- the spreadsheet's own row number
    loaded_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, unit_id, row_key)
);

-- sbbatch workspace, migration 018: persons without its primary-key index.
--
-- Nothing looks a person up through the index: every read and update of persons joins
-- a frame of ID numbers (a hash join, registry.asked_persons), and every writer keeps
-- one row per person_id itself (unit_files.upsert_persons: UPDATE of the known, INSERT
-- … ANTI JOIN of the others; enrolment inserts only the persons not yet registered;
-- a sample world is generated with unique ids), and WorkspaceCore.insert_frame (the
-- path of Workspace.load and of enrolment) refuses a row whose person_id is stored
-- already or repeated in the frame, as the index did. DuckDB maintained the index on every
-- insert and wrote it again at every checkpoint: 0.25 s of the 100,000 persons of a
-- unit's first `sbbatch load persons` (0.1 s inserting, 0.15 s at commit), a third of
-- writing them. tests/store/test_persons_migration.py holds the one-row-per-person
-- promise through loads, reloads and enrolments.
--
-- DuckDB cannot drop a primary key in place: the table is rebuilt, in its rows' order.

ALTER TABLE persons RENAME TO persons_before_018;

CREATE TABLE persons (
    person_id       VARCHAR NOT NULL,     -- 社会保障号码 = 身份证号码 (18 characters)
    name            VARCHAR NOT NULL,     -- 姓名
    gender          VARCHAR NOT NULL,     -- 性别 (1 男, 2 女)
    birth_date      DATE NOT NULL,        -- 出生日期
    ethnicity       VARCHAR,              -- 民族 (GB 3304)
    phone           VARCHAR,              -- 手机号码
    hukou_province  VARCHAR,              -- 户口所在地省级
    hukou_city      VARCHAR,              -- 户口所在地市级
    hukou_county    VARCHAR,              -- 户口所在地县级
    hukou_detail    VARCHAR,              -- 户口所在地补充信息
    address         VARCHAR,              -- 通讯地址
    hukou_type      VARCHAR,              -- 户口性质
    employment_form VARCHAR,              -- 用工形式
    identity        VARCHAR,              -- 个人身份 (AAC012)
    work_start_date DATE                  -- 参加工作日期
);

INSERT INTO persons SELECT * FROM persons_before_018 ORDER BY rowid;

DROP TABLE persons_before_018;

-- sbbatch workspace, migration 001: the registry and the declaration state machine.
-- Months are DATE on the first of the month. Money is BIGINT fen. Codes are VARCHAR,
-- as in schemas/codes. Column comments give the Chinese term of the manual.

CREATE TABLE units (
    unit_id         VARCHAR PRIMARY KEY,  -- 单位编号
    name            VARCHAR NOT NULL,     -- 单位名称
    unit_type       VARCHAR,              -- 单位类型 (codes/unit_type)
    risk_class      INTEGER NOT NULL CHECK (risk_class BETWEEN 1 AND 8),  -- 行业风险类别
    injury_rate     VARCHAR,              -- 工伤费率 (exact decimal text) where the agency set a floating rate; NULL = the class's base rate
    payment_method  VARCHAR NOT NULL,     -- 缴费方式 (codes/payment_method: 1 银行代扣, 2 网银缴费)
    bank            VARCHAR,              -- 开户银行
    county_code     VARCHAR               -- 所在区县 (6-digit region code; minimum-wage tier)
);

CREATE TABLE persons (
    person_id       VARCHAR PRIMARY KEY,  -- 社会保障号码 = 身份证号码 (18 characters)
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

CREATE SEQUENCE period_seq START 1;

-- One row per person, unit and insurance for a run of insured months.
-- from_month is the 增员年月 (inclusive); until_month is the 减员年月 (exclusive,
-- the first month no longer insured); NULL means still insured.
CREATE TABLE insured_periods (
    period_id        BIGINT PRIMARY KEY DEFAULT nextval('period_seq'),
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

-- The wage declared for a person in a unit and month (工资申报, 缴费工资).
CREATE TABLE wage_bases (
    unit_id         VARCHAR NOT NULL,
    person_id       VARCHAR NOT NULL,
    month           DATE NOT NULL,        -- 申报年月
    wage_fen        BIGINT NOT NULL CHECK (wage_fen >= 0),  -- 缴费工资, fen
    declaration_id  VARCHAR,              -- NULL for history loaded from outside
    revoked_by      VARCHAR               -- 撤销工资申报 that revoked it
);

-- Every declaration (申报) of every business, with its state.
CREATE TABLE declarations (
    declaration_id  VARCHAR PRIMARY KEY,  -- 申报编号
    kind            VARCHAR NOT NULL,     -- business (enrolment, departure, wage_base, ...)
    unit_id         VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,     -- codes/declaration_status
    business_month  DATE,                 -- 申报年月 where the business has one
    created_at      TIMESTAMP NOT NULL,
    created_by      VARCHAR NOT NULL,
    parent_id       VARCHAR,              -- the declaration whose failed rows this one re-declares
    row_schema      VARCHAR NOT NULL,     -- JSON {column: dtype} of the rows' data
    note            VARCHAR
);

-- The rows of a declaration as declared (JSON text of the business's columns),
-- never updated after submission except for the review outcome.
CREATE TABLE declaration_rows (
    declaration_id  VARCHAR NOT NULL,
    row_no          INTEGER NOT NULL,     -- No. within the declaration, from 1
    source_row      INTEGER,              -- spreadsheet row number it came from
    person_id       VARCHAR,
    data            VARCHAR NOT NULL,     -- JSON object of the business's fields
    review_result   VARCHAR,              -- 审核结果 (codes/review_result)
    review_opinion  VARCHAR,              -- 审核意见
    PRIMARY KEY (declaration_id, row_no)
);

CREATE SEQUENCE event_seq START 1;

-- Append-only: every state change and every registry effect.
CREATE TABLE events (
    event_id        BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    declaration_id  VARCHAR,
    action          VARCHAR NOT NULL,
    from_status     VARCHAR,
    to_status       VARCHAR,
    occurred_at     TIMESTAMP NOT NULL,
    by_user         VARCHAR NOT NULL,
    note            VARCHAR
);

CREATE TABLE counters (
    name   VARCHAR PRIMARY KEY,
    value  BIGINT NOT NULL
);

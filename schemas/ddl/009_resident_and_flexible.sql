-- sbbatch workspace, migration 009: 居民医疗停保 (§1.10–1.11), 离休人员医疗申报 (§1.8)
-- and 灵活就业人员补扣养老费 (§1.9). Months are DATE on the first of the month; money
-- BIGINT fen. (门诊规定病种申请 uses outpatient_certificates / outpatient_diseases of 006.)

-- 居民医疗停保: the resident medical insurance of a person who became an employee is
-- stopped once; one row per person.
CREATE TABLE resident_medical_stops (
    person_id       VARCHAR PRIMARY KEY,  -- 身份证号码
    name            VARCHAR NOT NULL,     -- 姓名
    unit_id         VARCHAR NOT NULL,     -- the unit that asked for the stop
    declaration_id  VARCHAR NOT NULL,     -- the 居民医疗停保 (TB…)
    row_no          INTEGER NOT NULL,
    stopped_on      DATE NOT NULL         -- the agency's date of approval
);

-- 离休人员医疗申报: one record per 离休 person.
CREATE TABLE retiree_medical_records (
    person_id           VARCHAR PRIMARY KEY,  -- 身份证号码
    name                VARCHAR NOT NULL,     -- 姓名
    unit_id             VARCHAR NOT NULL,
    retired_on          DATE NOT NULL,        -- 离休日期
    treatment_category  VARCHAR,              -- 医疗待遇类别 (codes/retiree_medical_category)
    declaration_id      VARCHAR NOT NULL,     -- the 离休人员医疗申报 (LX…)
    row_no              INTEGER NOT NULL,
    approved_on         DATE NOT NULL
);

-- 灵活就业人员补扣养老费: one deduction per person and month.
CREATE TABLE flexible_pension_deductions (
    person_id       VARCHAR NOT NULL,     -- 身份证号码
    month           DATE NOT NULL,        -- 补扣年月
    unit_id         VARCHAR NOT NULL,
    declared_base_fen BIGINT NOT NULL,    -- 缴费基数 as declared
    base_fen        BIGINT NOT NULL,      -- 缴费基数 within the month's floor and ceiling
    rate            DECIMAL(6, 4) NOT NULL,  -- the flexible-employment pension rate
    amount_fen      BIGINT NOT NULL CHECK (amount_fen >= 0),
    declaration_id  VARCHAR NOT NULL,     -- the 灵活就业人员补扣养老费 (LH…)
    row_no          INTEGER NOT NULL,
    approved_on     DATE NOT NULL,
    PRIMARY KEY (person_id, month)
);

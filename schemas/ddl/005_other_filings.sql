-- sbbatch workspace, migration 005: the 其他申报 of the manual (§3.1, §3.8, §3.13).
-- 医疗账户补助金 granted to the persons of a new unit, the unit's 自助终端专管员 and
-- the 社保缴费证明 printed. Months are DATE on the first of the month; money BIGINT fen.

-- 医疗账户补助金申报 (§3.1): one row per approved declaration row.
CREATE TABLE medical_account_subsidies (
    declaration_id  VARCHAR NOT NULL,     -- the 医疗账户补助金申报 (YB…)
    row_no          INTEGER NOT NULL,
    unit_id         VARCHAR NOT NULL,
    person_id       VARCHAR NOT NULL,     -- 社会保障号码
    month           DATE NOT NULL,        -- 申报年月
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),  -- 本月申报金额
    approved_on     DATE NOT NULL,        -- the agency's date of approval
    PRIMARY KEY (declaration_id, row_no)
);

-- 自助终端专管员 (§3.8): who may pay for the unit at the self-service terminals.
-- Replaced as a whole by each approved 自助终端专管员维护.
CREATE TABLE terminal_operators (
    unit_id         VARCHAR NOT NULL,
    person_id       VARCHAR NOT NULL,     -- 身份证号码
    name            VARCHAR NOT NULL,     -- 姓名
    declaration_id  VARCHAR NOT NULL,
    since           DATE NOT NULL,        -- the agency's date of approval
    PRIMARY KEY (unit_id, person_id)
);

CREATE SEQUENCE certificate_seq START 1;

-- 社保缴费证明 printed (§3.13), append-only: one row per person and print.
CREATE TABLE payment_certificates (
    certificate_id  BIGINT PRIMARY KEY DEFAULT nextval('certificate_seq'),
    unit_id         VARCHAR NOT NULL,     -- the printing unit
    person_id       VARCHAR NOT NULL,
    first_month     DATE NOT NULL,        -- 起始年月
    last_month      DATE NOT NULL,        -- 终止年月
    purpose         VARCHAR NOT NULL,     -- 单位打印用途 (codes/certificate_purpose)
    note            VARCHAR,              -- 备注
    paid_fen        BIGINT NOT NULL,      -- Σ paid on the certificate
    printed_on      DATE NOT NULL,
    CHECK (last_month >= first_month)
);

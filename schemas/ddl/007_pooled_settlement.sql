-- sbbatch workspace, migration 007: 退休结清 (manual §3.7) and the 行业统筹 businesses
-- (manual §3.9–3.12). Dates are DATE; each row records what an approved declaration
-- established.

-- 退休结清 (§3.7): a person's pension account settled (养老账户结清日期 = settled_on).
-- Read by 退休申报 (§5.2).
CREATE TABLE retirement_settlements (
    person_id       VARCHAR PRIMARY KEY,  -- 身份证号码
    unit_id         VARCHAR NOT NULL,     -- the settling unit
    settled_on      DATE NOT NULL,        -- 养老账户结清日期 (the agency's date)
    declaration_id  VARCHAR NOT NULL      -- the 退休结清 (JQ…)
);

-- 行业统筹人员: persons of a unit in an industry pooling scheme (行业统筹), loaded from
-- outside (the agency's list); the businesses of §3.9–3.12 check them.
CREATE TABLE pooled_persons (
    person_id       VARCHAR PRIMARY KEY,
    unit_id         VARCHAR NOT NULL,
    scheme          VARCHAR NOT NULL,     -- 统筹行业 (e.g. 电力, 铁路)
    since           DATE NOT NULL         -- listed as pooled from
);

-- 核对行业统筹人员基本信息 (§3.9) confirmed, and its revocation (§3.10).
CREATE TABLE pooled_person_checks (
    person_id       VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    declaration_id  VARCHAR NOT NULL,     -- the 核对 (HT…)
    name            VARCHAR NOT NULL,     -- 姓名 as confirmed
    gender          VARCHAR NOT NULL,     -- 性别 as confirmed
    confirmed_on    DATE NOT NULL,
    status          VARCHAR NOT NULL CHECK (status IN ('confirmed', 'revoked')),
    revoked_by      VARCHAR,              -- the 撤销 (HC…)
    revoked_on      DATE,
    CHECK ((status = 'revoked') = (revoked_by IS NOT NULL)),
    PRIMARY KEY (person_id, declaration_id)
);

-- 核对行业统筹人员养老金 (§3.11) confirmed, and its revocation (§3.12).
CREATE TABLE pooled_pension_checks (
    person_id            VARCHAR NOT NULL,
    unit_id              VARCHAR NOT NULL,
    declaration_id       VARCHAR NOT NULL,  -- the 核对 (HY…)
    person_check_id      VARCHAR NOT NULL,  -- the confirmed basic-info check it rests on
    contribution_months  INTEGER NOT NULL,  -- 累计缴费月数 (pension) at the check
    confirmed_on         DATE NOT NULL,
    status               VARCHAR NOT NULL CHECK (status IN ('confirmed', 'revoked')),
    revoked_by           VARCHAR,           -- the 撤销 (HX…)
    revoked_on           DATE,
    CHECK ((status = 'revoked') = (revoked_by IS NOT NULL)),
    PRIMARY KEY (person_id, declaration_id)
);

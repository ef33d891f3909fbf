-- sbbatch workspace, migration 008: retirement management (退休管理, manual §5) and
-- unemployment benefit (失业支付, manual §6). Months are DATE on the first of the month;
-- money is BIGINT fen. Each table records what an approved declaration established.

-- The unit's approver (单位审定人, manual §5.1): one current approver per unit, replaced
-- by each approved 单位审定人信息维护 (the previous one stays in the events log).
CREATE TABLE unit_approvers (
    unit_id         VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,     -- 审定人姓名
    phone           VARCHAR NOT NULL,     -- 联系电话
    declaration_id  VARCHAR NOT NULL,
    updated_on      DATE NOT NULL         -- the agency's date of approval
);

-- A retirement approved by the agency (退休申报, manual §5.2): the pension starts.
CREATE TABLE retirements (
    person_id            VARCHAR PRIMARY KEY,  -- 身份证号码 / 社会保障号码
    unit_id              VARCHAR NOT NULL,
    declaration_id       VARCHAR NOT NULL,
    row_no               INTEGER NOT NULL,
    retirement_type      VARCHAR NOT NULL,     -- 退休类别 (codes/retirement_type)
    retirement_month     DATE NOT NULL,        -- 退休日期
    pension_start_month  DATE NOT NULL,        -- 养老金起发年月 (the month after 退休日期)
    declared_age         INTEGER,              -- 申报年龄 (completed years at 退休日期)
    contribution_months  INTEGER,              -- 累计缴费月数 (insured pension months)
    social_management    VARCHAR NOT NULL,     -- 社会化管理方式
    approved_on          DATE NOT NULL
);

-- A survivor benefit approved (遗属申报, manual §5.3): one row per deceased and survivor.
CREATE TABLE survivor_benefits (
    deceased_id     VARCHAR NOT NULL,     -- 死者社会保障号码
    survivor_id     VARCHAR NOT NULL,     -- 遗属身份证号码
    survivor_name   VARCHAR NOT NULL,     -- 遗属姓名
    unit_id         VARCHAR NOT NULL,
    declaration_id  VARCHAR NOT NULL,
    row_no          INTEGER NOT NULL,
    death_date      DATE NOT NULL,        -- 死亡日期
    relation        VARCHAR NOT NULL,     -- 与死者关系
    survivor_type   VARCHAR NOT NULL,     -- 遗属类别
    start_month     DATE NOT NULL,        -- 待遇享受开始年月
    regular_fen     BIGINT NOT NULL CHECK (regular_fen >= 0),   -- 定期支付金额
    lone_fen        BIGINT NOT NULL CHECK (lone_fen >= 0),      -- 孤独补贴
    pre1949_fen     BIGINT NOT NULL CHECK (pre1949_fen >= 0),   -- 建国前补贴
    total_fen       BIGINT NOT NULL,      -- 待遇总额
    approved_on     DATE NOT NULL,
    CHECK (total_fen = regular_fen + lone_fen + pre1949_fen),
    PRIMARY KEY (deceased_id, survivor_id)
);

-- Special-job periods recognised (特殊工种认定申报, manual §5.4); to_month inclusive.
CREATE TABLE special_job_periods (
    person_id        VARCHAR NOT NULL,
    from_month       DATE NOT NULL,       -- 起始年月
    to_month         DATE NOT NULL,       -- 终止年月
    special_job_type VARCHAR NOT NULL,    -- 特殊工种标识 (codes/special_job_type)
    job_name         VARCHAR NOT NULL,    -- 特殊工种名称
    job_unit_id      VARCHAR,             -- 单位编号 (where the work was done)
    job_unit_name    VARCHAR NOT NULL,    -- 单位名称
    note             VARCHAR,             -- 备注
    unit_id          VARCHAR NOT NULL,    -- the declaring unit
    declaration_id   VARCHAR NOT NULL,
    approved_on      DATE NOT NULL,
    CHECK (to_month >= from_month)
);

-- Transferred military cadres recognised (军转干申报, manual §5.5).
CREATE TABLE military_cadres (
    person_id          VARCHAR PRIMARY KEY,
    unit_id            VARCHAR NOT NULL,
    declaration_id     VARCHAR NOT NULL,
    transfer_month     DATE,              -- 军队转业年月
    enlistment_date    DATE,              -- 入伍时间
    post               VARCHAR,           -- 职务
    early_retirement   VARCHAR,           -- 是否军转提前退休 (是/否)
    retirement_date    DATE,              -- 申请退休日期
    approved_on        DATE NOT NULL
);

-- Unemployment benefits granted (失业待遇申报, manual §6.1).
CREATE TABLE unemployment_benefits (
    person_id          VARCHAR NOT NULL,
    unit_id            VARCHAR NOT NULL,
    declaration_id     VARCHAR NOT NULL,
    leave_month        DATE NOT NULL,     -- 减员年月 of the last unemployment period
    leave_reason       VARCHAR NOT NULL,  -- its 减员原因
    paid_months        INTEGER NOT NULL,  -- 失业保险缴费月数
    benefit_months     INTEGER NOT NULL,  -- 领取期限（月）
    start_month        DATE NOT NULL,     -- 待遇开始年月
    monthly_fen        BIGINT NOT NULL CHECK (monthly_fen >= 0),  -- 失业保险金月标准
    total_fen          BIGINT NOT NULL,   -- benefit_months × monthly_fen
    policy_id          VARCHAR NOT NULL,  -- the unemployment_benefit rule that set the amount
    history            VARCHAR NOT NULL,  -- 缴费历史 summary
    approved_on        DATE NOT NULL,
    CHECK (total_fen = benefit_months * monthly_fen),
    PRIMARY KEY (person_id, declaration_id)
);

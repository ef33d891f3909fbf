-- sbbatch workspace, migration 002: money — back-payment items, bills (单据), their lines
-- and payment attempts. Months are DATE on the first of the month; money is BIGINT fen;
-- rates are kept as the exact decimal text of the policy table (rate) and as parts per
-- million (rate_ppm), so amount_fen = (base_fen * rate_ppm + 500000) // 1000000.

-- What an approved 社会保险费补缴申报 (manual §1.7) made due: one row per person, month,
-- insurance and payer, at that month's own limits and rates. Late fees are not stored
-- here: they depend on the payment day and are computed on the back-payment bill.
CREATE TABLE backpay_items (
    declaration_id   VARCHAR NOT NULL,    -- the 补缴申报 (BJ…)
    row_no           INTEGER NOT NULL,    -- its row
    unit_id          VARCHAR NOT NULL,
    person_id        VARCHAR NOT NULL,
    month            DATE NOT NULL,       -- 补缴年月 (fee month)
    insurance        VARCHAR NOT NULL,    -- 险种 (AAE140)
    payer            VARCHAR NOT NULL,    -- unit 单位 / person 个人
    wage_fen         BIGINT,              -- 缴费工资 declared or taken from the month's approved wage
    base_fen         BIGINT,              -- 缴费基数 after the floor/ceiling; NULL for fixed amounts
    base_rule        VARCHAR,             -- floor 按下限核定 / ceiling 按上限核定 / NULL
    limits_policy_id VARCHAR,             -- base_limits row that set floor and ceiling
    rate             VARCHAR,             -- 缴费费率 as in the policy table; NULL for fixed amounts
    rate_ppm         BIGINT,
    fixed_fen        BIGINT,              -- fixed monthly amount (大额医疗); NULL for rates
    amount_fen       BIGINT NOT NULL CHECK (amount_fen >= 0),
    policy_id        VARCHAR NOT NULL,    -- rates row (or units:<id>:injury_rate) that set the rate
    reason           VARCHAR              -- 补缴原因
);

-- 单据: what a unit is asked to pay, for one fee month (工资申报缴费, manual §2.1) or for
-- approved back-payments (社会保险费补缴缴费). Lines never change after insert; the
-- status moves unpaid → paid | failed, failed → paid | failed (重新支付), unpaid | failed
-- → abandoned (放弃支付, frees the lines for a new bill). A paid bill never changes again.
CREATE TABLE bills (
    bill_id          VARCHAR PRIMARY KEY, -- 单据号
    kind             VARCHAR NOT NULL CHECK (kind IN ('wage', 'backpay')),
    unit_id          VARCHAR NOT NULL,
    fee_month        DATE,                -- 费款所属期 of a wage bill; NULL for back-payment bills
    insurances       VARCHAR NOT NULL,    -- 险种 codes on the bill, comma-separated
    status           VARCHAR NOT NULL CHECK (status IN ('unpaid', 'paid', 'failed', 'abandoned')),
    created_at       TIMESTAMP NOT NULL,
    created_by       VARCHAR NOT NULL,
    late_fee_until   DATE,                -- 滞纳金 counted up to this day; the bill is payable on it only
    contribution_fen BIGINT NOT NULL,     -- Σ lines.amount_fen
    late_fee_fen     BIGINT NOT NULL,     -- Σ lines.late_fee_fen
    total_fen        BIGINT NOT NULL,     -- 合计 = contribution_fen + late_fee_fen
    paid_at          TIMESTAMP,
    note             VARCHAR,
    CHECK (total_fen = contribution_fen + late_fee_fen)
);

-- One line per person, fee month, insurance and payer of a bill.
CREATE TABLE bill_lines (
    bill_id          VARCHAR NOT NULL,
    line_no          INTEGER NOT NULL,
    unit_id          VARCHAR NOT NULL,
    person_id        VARCHAR NOT NULL,
    month            DATE NOT NULL,
    insurance        VARCHAR NOT NULL,
    payer            VARCHAR NOT NULL,
    wage_fen         BIGINT,
    base_fen         BIGINT,
    base_rule        VARCHAR,
    limits_policy_id VARCHAR,
    rate             VARCHAR,
    rate_ppm         BIGINT,
    fixed_fen        BIGINT,
    amount_fen       BIGINT NOT NULL CHECK (amount_fen >= 0),
    policy_id        VARCHAR NOT NULL,
    backpay_id       VARCHAR,             -- the 补缴申报 the line comes from (back-payment bills)
    due_date         DATE,                -- last day to pay the fee month without 滞纳金
    late_fee_days    INTEGER,             -- days of 滞纳金 counted up to bills.late_fee_until
    late_fee_fen     BIGINT NOT NULL DEFAULT 0 CHECK (late_fee_fen >= 0),
    late_fee_policy_id VARCHAR,           -- late_fee daily_rate row(s), '+'-joined
    PRIMARY KEY (bill_id, line_no)
);

CREATE SEQUENCE payment_seq START 1;

-- Every payment attempt (支付) of a bill and its outcome, append-only.
CREATE TABLE payments (
    payment_id       BIGINT PRIMARY KEY DEFAULT nextval('payment_seq'),
    bill_id          VARCHAR NOT NULL,
    attempt          INTEGER NOT NULL,    -- 1 = 立即支付, 2… = 重新支付
    paid_on          DATE NOT NULL,       -- the agency's date of the attempt
    occurred_at      TIMESTAMP NOT NULL,
    by_user          VARCHAR NOT NULL,
    gateway          VARCHAR NOT NULL,    -- which payment channel answered
    amount_fen       BIGINT NOT NULL,
    outcome          VARCHAR NOT NULL CHECK (outcome IN ('success', 'failure')),
    reference        VARCHAR,             -- the channel's transaction number
    message          VARCHAR              -- the channel's message (failure reason)
);

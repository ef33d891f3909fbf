-- sbbatch workspace, migration 006: medical filings (manual §3.2–3.4).
-- The remote medical filings of persons (异地人员备案, ended by 撤销异地人员备案 or by a
-- new filing), and the outpatient special diseases approved for them (门诊规定病种,
-- 门规) with the person's 门规证.

CREATE SEQUENCE remote_filing_seq START 1;

-- One row per filing the agency registered. Active while ended_on IS NULL; at most
-- one active filing per person (a new filing ends the old one).
CREATE TABLE remote_filings (
    filing_id            BIGINT PRIMARY KEY DEFAULT nextval('remote_filing_seq'),
    person_id            VARCHAR NOT NULL,     -- 社会保障号码
    unit_id              VARCHAR NOT NULL,     -- the unit that filed it
    abroad               BOOLEAN NOT NULL,     -- 是否境外
    region_code          VARCHAR,              -- 备案地区编码 (6-digit region code)
    region_name          VARCHAR,              -- 备案地区名称
    hospital_code        VARCHAR,              -- 医院编码 (异地: 99999 + level digit)
    hospital_name        VARCHAR,              -- 医院名称
    actual_hospital_name VARCHAR,              -- 实际医院名称
    hospital_level       VARCHAR,              -- 医院级别 (codes/hospital_level)
    medical_type         VARCHAR NOT NULL,     -- 就医类别 (codes/medical_type)
    phone                VARCHAR,              -- 手机号码
    filed_on             DATE NOT NULL,        -- 备案日期
    start_date           DATE NOT NULL,        -- 起始日期 (原安置日期)
    address              VARCHAR,              -- 异地居住地址
    declaration_id       VARCHAR,              -- the 异地人员备案 (NULL for filings loaded from outside)
    approved_on          DATE NOT NULL,        -- the agency's date of registration (登记)
    ended_on             DATE,                 -- the agency's date the filing ended
    ended_by             VARCHAR,              -- the declaration that ended it
    end_reason           VARCHAR CHECK (end_reason IN ('refiled', 'revoked'))  -- 重新备案 / 撤销
);

-- The person's 门规证 (门诊规定病种 certificate): its number, kept across applications.
CREATE TABLE outpatient_certificates (
    person_id       VARCHAR PRIMARY KEY,      -- 社会保障号码
    certificate_no  VARCHAR NOT NULL,         -- 门规证号
    unit_id         VARCHAR NOT NULL,
    issued_on       DATE NOT NULL,
    declaration_id  VARCHAR
);

-- One row per disease approved for a person (门诊规定病种), with its hospital.
CREATE TABLE outpatient_diseases (
    person_id            VARCHAR NOT NULL,    -- 社会保障号码
    disease              VARCHAR NOT NULL,    -- 病种类别 (codes/outpatient_disease)
    outpatient_category  VARCHAR NOT NULL,    -- 门规申请类别 (codes/outpatient_category)
    hospital_code        VARCHAR NOT NULL,    -- 医院编码
    hospital_name        VARCHAR NOT NULL,    -- 医院名称
    hospital_type        VARCHAR,             -- 医院类型
    certificate_no       VARCHAR NOT NULL,    -- 门规证号
    unit_id              VARCHAR NOT NULL,
    approved_on          DATE NOT NULL,
    declaration_id       VARCHAR,
    PRIMARY KEY (person_id, disease)
);

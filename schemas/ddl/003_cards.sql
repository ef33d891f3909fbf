-- sbbatch workspace, migration 003: social security cards (社保卡), manual §4.
-- The unit's card issuing information (申领信息维护), its card collectors (领卡人),
-- the photos collected for cards (照片采集), stored by content hash so the workspace
-- file holds them, and the card state of each person with its history.

-- The unit's card bank and branch once the agency approved them (已确定): never
-- changed afterwards by the unit (manual §4.1: 「已经确定保存后将无法修改」).
CREATE TABLE card_issuing_info (
    unit_id         VARCHAR PRIMARY KEY,
    bank            VARCHAR NOT NULL,     -- 制卡银行
    branch_code     VARCHAR NOT NULL,     -- 网点编号
    branch_name     VARCHAR NOT NULL,     -- 网点名称
    address         VARCHAR,              -- 地址
    phone           VARCHAR,              -- 联系电话 (of the branch)
    contact         VARCHAR,              -- 联系人
    declaration_id  VARCHAR NOT NULL,     -- the 申领信息维护 that set it
    confirmed_on    DATE NOT NULL         -- the agency's date of approval
);

-- The unit's card collectors (领卡人): at most 2, replaced as a whole by an approved
-- 申领信息维护 (manual §4.1: 「领取人信息最多可维护 2 人，允许修改」).
CREATE TABLE card_collectors (
    unit_id         VARCHAR NOT NULL,
    slot            INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 2),  -- No.
    person_id       VARCHAR NOT NULL,     -- 社会保障号码
    name            VARCHAR NOT NULL,     -- 姓名
    phone           VARCHAR NOT NULL,     -- 联系电话
    declaration_id  VARCHAR NOT NULL,
    PRIMARY KEY (unit_id, slot)
);

-- Photo files by SHA-256 of their bytes: one copy of each, whoever it was used for.
CREATE TABLE photos (
    sha256          VARCHAR PRIMARY KEY,
    content         BLOB NOT NULL,
    size_bytes      INTEGER NOT NULL,
    format          VARCHAR,              -- by content: JPEG, PNG, … (NULL = not an image)
    width           INTEGER,
    height          INTEGER,
    stored_at       TIMESTAMP NOT NULL
);

CREATE SEQUENCE photo_collection_seq START 1;

-- 照片采集: a photo taken for a person (获取公安照片, 上传照片, a batch folder or zip).
-- Append-only; a person's current photo is the latest row. ``problems`` is the JSON
-- list of {rule, level, message} the photo check found when it was collected.
CREATE TABLE person_photos (
    collection_id   BIGINT PRIMARY KEY DEFAULT nextval('photo_collection_seq'),
    person_id       VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,     -- photos.sha256
    source          VARCHAR NOT NULL CHECK (source IN ('police', 'upload', 'batch')),
    file_name       VARCHAR,
    ok              BOOLEAN NOT NULL,     -- no 不通过 problem
    problems        VARCHAR NOT NULL,
    collected_at    TIMESTAMP NOT NULL,
    by_user         VARCHAR NOT NULL
);

-- The card state of a person: no row = 未申领; applying = 申领中 (the agency accepted
-- the application, the card is being made); made = 已制卡; revoked = 已撤销.
CREATE TABLE cards (
    person_id       VARCHAR PRIMARY KEY,
    unit_id         VARCHAR NOT NULL,
    state           VARCHAR NOT NULL CHECK (state IN ('applying', 'made', 'revoked')),
    application_id  VARCHAR,              -- the 社保卡申领 declaration (NULL for cards loaded from outside)
    photo_sha256    VARCHAR,              -- the photo the card is made with
    phone           VARCHAR,              -- 手机号码
    department      VARCHAR,              -- 部门信息
    note            VARCHAR,              -- 备注
    updated_by      VARCHAR,              -- declaration (or 'load' / 'production') of the last change
    updated_at      TIMESTAMP NOT NULL
);

CREATE SEQUENCE card_history_seq START 1;

-- Append-only: every change of a person's card state.
CREATE TABLE card_history (
    history_id      BIGINT PRIMARY KEY DEFAULT nextval('card_history_seq'),
    person_id       VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    from_state      VARCHAR,              -- NULL = 未申领
    to_state        VARCHAR NOT NULL,
    declaration_id  VARCHAR,
    occurred_at     TIMESTAMP NOT NULL,
    by_user         VARCHAR NOT NULL
);

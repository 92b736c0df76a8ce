-- sirtplan schema, version 1. One text for SQLite and PostgreSQL: {{ID}} is the generated
-- integer key of each dialect, {{BLOB}} its byte-string type. Instants are TEXT in UTC,
-- "YYYY-MM-DDTHH:MM:SS.mmmZ" (sorts as time); dates "YYYY-MM-DD"; flags BIGINT 0/1;
-- JSON and TOML documents TEXT.

CREATE TABLE users (
    id {{ID}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'physician', 'physicist', 'technologist', 'viewer')),
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_attempts (
    id {{ID}},
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TEXT NOT NULL,
    succeeded BIGINT NOT NULL CHECK (succeeded IN (0, 1))
);
CREATE INDEX login_attempts_key ON login_attempts (username, ip, at);

CREATE TABLE patients (
    id {{ID}},
    mrn TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    birth_date TEXT,
    sex TEXT CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE studies (
    id {{ID}},
    patient_id BIGINT NOT NULL REFERENCES patients (id),
    modality TEXT NOT NULL,
    description TEXT,
    study_date TEXT,
    source TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX studies_patient ON studies (patient_id);

CREATE TABLE cases (
    id {{ID}},
    patient_id BIGINT NOT NULL REFERENCES patients (id),
    title TEXT NOT NULL,
    indication TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cases_patient ON cases (patient_id);

CREATE TABLE plans (
    id {{ID}},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    version BIGINT NOT NULL,
    based_on BIGINT REFERENCES plans (id),
    state TEXT NOT NULL CHECK (state IN ('draft', 'checked', 'approved', 'delivered')),
    case_toml TEXT NOT NULL,
    parameters_json TEXT NOT NULL,
    result_json TEXT NOT NULL,
    inputs_sha256 TEXT,
    created_by BIGINT REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    checked_by BIGINT REFERENCES users (id),
    checked_by_name TEXT,
    checked_at TEXT,
    approved_by BIGINT REFERENCES users (id),
    approved_by_name TEXT,
    approved_at TEXT,
    delivered_by BIGINT REFERENCES users (id),
    delivered_by_name TEXT,
    delivered_at TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (case_id, version)
);

CREATE TABLE treatments (
    id {{ID}},
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    injection_id TEXT NOT NULL,
    delivered_activity_gbq DOUBLE PRECISION NOT NULL,
    residual_gbq DOUBLE PRECISION,
    administered_at TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX treatments_plan ON treatments (plan_id);

CREATE TABLE follow_ups (
    id {{ID}},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    visit_date TEXT NOT NULL,
    labs_json TEXT NOT NULL,
    recist TEXT,
    notes TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX follow_ups_case ON follow_ups (case_id);

CREATE TABLE toxicities (
    id {{ID}},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    follow_up_id BIGINT REFERENCES follow_ups (id),
    term TEXT NOT NULL,
    grade BIGINT NOT NULL CHECK (grade BETWEEN 1 AND 5),
    onset_date TEXT,
    attribution TEXT,
    notes TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX toxicities_case ON toxicities (case_id);

CREATE TABLE documents (
    id {{ID}},
    case_id BIGINT REFERENCES cases (id),
    plan_id BIGINT REFERENCES plans (id),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    content {{BLOB}},
    path TEXT,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    CHECK (case_id IS NOT NULL OR plan_id IS NOT NULL),
    CHECK (content IS NOT NULL OR path IS NOT NULL)
);
CREATE INDEX documents_case ON documents (case_id);

CREATE TABLE audit_log (
    id {{ID}},
    at TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

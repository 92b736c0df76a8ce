-- sirtplan schema, version 4: electronic signatures of the plan workflow (21 CFR Part 11
-- §11.50: who, with their full name and role at the time, when, and the meaning), the
-- acknowledgements of failed checks that approval needs, and the record frozen at approval
-- (the report as rendered then, with its SHA-256, and the approval hash of everything the
-- result depends on). One text for SQLite and PostgreSQL ({{ID}}, {{BLOB}} as in version 1).

CREATE TABLE plan_signatures (
    id {{ID}},
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    step TEXT NOT NULL CHECK (step IN ('check', 'approve')),
    user_id BIGINT NOT NULL REFERENCES users (id),
    username TEXT NOT NULL,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    meaning TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
CREATE INDEX plan_signatures_plan ON plan_signatures (plan_id);

CREATE TABLE plan_acknowledgements (
    id {{ID}},
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    username TEXT NOT NULL,
    full_name TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,
    result_sha256 TEXT NOT NULL
);
CREATE INDEX plan_acknowledgements_plan ON plan_acknowledgements (plan_id);

CREATE TABLE plan_frozen (
    plan_id BIGINT PRIMARY KEY REFERENCES plans (id),
    report_html TEXT NOT NULL,
    report_html_sha256 TEXT NOT NULL,
    report_pdf {{BLOB}},
    report_pdf_sha256 TEXT,
    approval_sha256 TEXT NOT NULL,
    approval_inputs_json TEXT NOT NULL,
    engine_id TEXT NOT NULL,
    frozen_at TEXT NOT NULL
);

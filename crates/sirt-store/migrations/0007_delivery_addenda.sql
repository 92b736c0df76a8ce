-- sirtplan schema, version 7: delivery addenda. The report frozen at approval never changes; a
-- delivery is a separate, dated record: each recording of a session (or a correction) stores
-- the delivery addendum rendered then (the records in force, the delivered doses and the
-- post-treatment checks computed at that instant, stamped with the engine and the instant),
-- with its SHA-256. Append-only (migration 8). One text for SQLite and PostgreSQL ({{ID}} as
-- in version 1).

CREATE TABLE plan_delivery_addenda (
    id {{ID}},
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    seq BIGINT NOT NULL,
    session_id TEXT NOT NULL,
    report_html TEXT NOT NULL,
    report_html_sha256 TEXT NOT NULL,
    engine_id TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, seq)
);

-- sirtplan schema, version 5: delivery records per injection and delivery state per session.
-- One text for SQLite and PostgreSQL ({{ID}} as in version 1).
--
-- A delivery record is a row of `treatments` with its session: the vial assay (activity as
-- entered and in GBq, instant, decayed to the injection), the residual (as entered, in GBq, instant), the injection
-- instant, the delivered activity computed from them, the catheter position, who recorded it.
-- A correction is a new row with `record_version` + 1, `replaces` the row it corrects and its
-- reason: the old row stays. Rows written before version 5 have no session and no version
-- beyond 1.

ALTER TABLE treatments ADD COLUMN session_id TEXT;
ALTER TABLE treatments ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE treatments ADD COLUMN replaces BIGINT REFERENCES treatments (id);
ALTER TABLE treatments ADD COLUMN vial_entered TEXT;
ALTER TABLE treatments ADD COLUMN vial_activity_gbq DOUBLE PRECISION;
ALTER TABLE treatments ADD COLUMN vial_assayed_at TEXT;
ALTER TABLE treatments ADD COLUMN vial_at_injection_gbq DOUBLE PRECISION;
ALTER TABLE treatments ADD COLUMN residual_entered TEXT;
ALTER TABLE treatments ADD COLUMN residual_measured_at TEXT;
ALTER TABLE treatments ADD COLUMN catheter_position TEXT;
ALTER TABLE treatments ADD COLUMN recorded_by_name TEXT;
ALTER TABLE treatments ADD COLUMN confirm_reason TEXT;
ALTER TABLE treatments ADD COLUMN correction_reason TEXT;
-- One record per injection and version (two recordings at once: one wins).
CREATE UNIQUE INDEX treatments_record_version ON treatments (plan_id, injection_id, record_version)
    WHERE session_id IS NOT NULL;

-- A session is delivered when every injection of it has a record; the plan when every session is.
CREATE TABLE session_deliveries (
    id {{ID}},
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    session_id TEXT NOT NULL,
    delivered_by BIGINT REFERENCES users (id),
    delivered_by_name TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    UNIQUE (plan_id, session_id)
);

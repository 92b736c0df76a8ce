-- sirtplan schema, version 12: failed logins audited per (username, address, minute) instead of
-- one audit row per attempt (issue 15). Each failed attempt keeps its reason until the minute it
-- belongs to is written to the audit log as one row; `audited` marks the attempts written.
-- Attempts recorded before this migration were audited one by one already: they are marked so.

ALTER TABLE login_attempts ADD COLUMN reason TEXT;
ALTER TABLE login_attempts ADD COLUMN audited BIGINT NOT NULL DEFAULT 0 CHECK (audited IN (0, 1));
UPDATE login_attempts SET audited = 1;
CREATE INDEX login_attempts_unaudited ON login_attempts (audited, at);
CREATE INDEX login_attempts_address ON login_attempts (ip, at);

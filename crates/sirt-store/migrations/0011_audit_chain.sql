-- sirtplan schema, version 11: the tamper-evident audit log (crates/sirt-store/src/audit_chain.rs
-- documents the encoding). Each audit row written with an audit key carries `mac`: 64 hexadecimal
-- digits of HMAC-SHA-256 (RFC 2104) over the previous chained row's MAC and the row's columns; the
-- key is kept outside the database. Rows written before this migration, or without a key before
-- the chain's first row, have no MAC and are reported as unprotected.
--
-- audit_chain_head is one row (id 1). Its genesis is written with the chain's first row and never
-- changed: first_id, that row's id, and unprotected, the number of rows without a MAC before it.
-- It also holds the last chained row's id and MAC, and the MAC of the head itself. A writer reads
-- it FOR UPDATE (PostgreSQL) and moves it in the transaction of its audit row, so that the writers
-- of several server processes append in one order. All NULL: the chain has not begun.

ALTER TABLE audit_log ADD COLUMN mac TEXT;

CREATE TABLE audit_chain_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    first_id BIGINT,
    unprotected BIGINT,
    last_id BIGINT,
    last_mac TEXT,
    head_mac TEXT
);
INSERT INTO audit_chain_head (id) VALUES (1);

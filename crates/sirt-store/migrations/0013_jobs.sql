-- sirtplan schema, version 13: the queue of background computations (issue 17, "Scale-out"): the
-- voxel part of a plan, run by `sirtplan worker` processes or a server's embedded worker.
--
-- One row per (kind, key): `key` is the SHA-256 of the computation's inputs, so that the same
-- inputs are queued once and computed once, whichever server asks. `state` is queued, running,
-- done or failed. A worker claims a queued job, or a running one whose lease (`lease_until`, an
-- instant as stored: fixed width, sorts as time) has passed, and extends the lease with each
-- heartbeat that also records `progress` (0 to 1) and `stage` (a word). `attempts` counts the
-- claims that may fail (a lease that expired counts: its worker died); at `max_attempts` a failure
-- is final. `runs` counts every claim: a job computed once has runs = 1. `result` names where the
-- result lies (a folder under the data folder); `error` the last failure as the caller stored it.
-- Jobs are derived from stored inputs: they are not audited (the plan and its inputs are).

CREATE TABLE jobs (
    id {{ID}},
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT 'queued',
    worker TEXT,
    lease_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL CHECK (max_attempts >= 1),
    runs BIGINT NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_claimable ON jobs (kind, state, id);

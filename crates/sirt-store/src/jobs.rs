//! The queue of background computations (issue 17, "Scale-out"): jobs keyed by the SHA-256 of
//! their inputs, claimed by workers under a lease, retried when a worker fails or dies.
//!
//! | step | from | to |
//! |---|---|---|
//! | [`Store::enqueue_job`] | (none) | queued; the same (kind, key) again returns the job there is |
//! | [`Store::claim_job`] | queued, or running with its lease past and attempts left | running, held by the worker until its lease ends |
//! | [`Store::heartbeat_job`] | running, held | running, lease extended, progress and stage recorded |
//! | [`Store::complete_job`] | running, held | done, with where the result lies |
//! | [`Store::fail_job`] | running, held | queued again while attempts are left, else failed |
//! | [`Store::requeue_job`] | done or failed | queued, attempts counted anew (its result went missing) |
//!
//! A claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1) … RETURNING` statement: on PostgreSQL
//! the inner `SELECT` takes its row `FOR UPDATE SKIP LOCKED` (concurrent claimers take different
//! rows without waiting on each other); on SQLite the statement runs in a `BEGIN IMMEDIATE`
//! transaction, serialised by SQLite's write lock. A worker that died mid-job leaves a running
//! job whose lease passes: the next claim takes it again (one more attempt), or, when its
//! attempts are spent, marks it failed. Leases are instants of the workers' clocks as stored
//! ([`crate::now`]): the machines of a site keep their clocks synchronised (NTP) far closer than
//! a lease lasts.
//!
//! Jobs are computations derived from stored inputs: they are not audited (the inputs are).

use crate::{Store, StoreError, check_len, check_not_blank, format_instant, limits, now};
use sirt_units::Fraction;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Held by a worker (until its lease ends).
    Running,
    /// Its result is where [`Job::result`] says.
    Done,
    /// Failed for good ([`Job::error`] says why).
    Failed,
}

impl JobState {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Key.
    pub id: i64,
    /// What computes it (e.g. `voxel`).
    pub kind: String,
    /// SHA-256 (hex) of its inputs: one job per (kind, key).
    pub key: String,
    /// What the worker needs, as the enqueuer wrote it (JSON).
    pub payload: String,
    /// Where it stands.
    pub state: JobState,
    /// How far the running worker is, 0 to 1 (its last heartbeat).
    pub progress: Fraction,
    /// What it is doing (a word: `queued`, `reading`, `dose`…).
    pub stage: String,
    /// The worker holding it or that held it last.
    pub worker: Option<String>,
    /// When the worker's lease ends, as stored.
    pub lease_until: Option<String>,
    /// Claims counted against [`Job::max_attempts`].
    pub attempts: i64,
    /// Claims allowed before a failure is final.
    pub max_attempts: i64,
    /// Every claim: a job computed once has 1.
    pub runs: i64,
    /// Where the result lies (done).
    pub result: Option<String>,
    /// The last failure, as the worker stored it.
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
    /// When it was done or failed for good.
    pub finished_at: Option<String>,
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// What computes it.
    pub kind: String,
    /// SHA-256 (hex) of its inputs.
    pub key: String,
    /// What the worker needs (JSON).
    pub payload: String,
    /// Claims allowed before a failure is final (at least 1).
    pub max_attempts: i64,
}

/// The longest kind, key, stage, worker id or result location: 200 characters (design choice:
/// words and hex digests, far shorter).
const SHORT_TEXT: usize = 200;

/// The error a job gets when its lease expired with no attempt left (its worker stopped each
/// time without finishing).
pub const LEASE_EXHAUSTED: &str = "the job's worker stopped without finishing it (its lease expired) as many times as it may be attempted";

const JOB_COLUMNS: &str = "id, kind, key, payload, state, progress, stage, worker, lease_until, attempts, \
     max_attempts, runs, result, error, created_at, updated_at, finished_at";

fn job_from(r: &AnyRow) -> Result<Job, StoreError> {
    let state: String = r.try_get("state")?;
    let progress: f64 = r.try_get("progress")?;
    Ok(Job {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        key: r.try_get("key")?,
        payload: r.try_get("payload")?,
        state: JobState::parse(&state).ok_or_else(|| StoreError::Invalid {
            field: "jobs.state",
            expected: "queued, running, done or failed".into(),
            found: format!("`{state}`"),
        })?,
        progress: Fraction::new(progress).ok_or_else(|| StoreError::Invalid {
            field: "jobs.progress",
            expected: "a fraction from 0 to 1".into(),
            found: progress.to_string(),
        })?,
        stage: r.try_get("stage")?,
        worker: r.try_get("worker")?,
        lease_until: r.try_get("lease_until")?,
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        runs: r.try_get("runs")?,
        result: r.try_get("result")?,
        error: r.try_get("error")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// The instant `lease` from now, as stored.
fn lease_end(lease: std::time::Duration) -> Result<String, StoreError> {
    let span = jiff::SignedDuration::try_from(lease).map_err(|_| StoreError::Invalid {
        field: "lease",
        expected: "a duration of at most a few hours".into(),
        found: format!("{lease:?}"),
    })?;
    let end = jiff::Timestamp::now()
        .checked_add(span)
        .map_err(|_| StoreError::Invalid {
            field: "lease",
            expected: "a duration of at most a few hours".into(),
            found: format!("{lease:?}"),
        })?;
    Ok(format_instant(end))
}

fn check_new(job: &NewJob) -> Result<(), StoreError> {
    check_not_blank("kind", &job.kind)?;
    check_len("kind", &job.kind, SHORT_TEXT)?;
    check_not_blank("key", &job.key)?;
    check_len("key", &job.key, SHORT_TEXT)?;
    check_len("payload", &job.payload, limits::DOCUMENT_TEXT)?;
    if job.max_attempts < 1 {
        return Err(StoreError::Invalid {
            field: "max_attempts",
            expected: "at least 1".into(),
            found: job.max_attempts.to_string(),
        });
    }
    Ok(())
}

impl Store {
    /// Queues a job, or returns the job of the same kind and key there is (whatever its state:
    /// the same inputs are never computed twice), with whether this call queued it.
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<(Job, bool), StoreError> {
        check_new(job)?;
        let at = now();
        let inserted = sqlx::query(
            "INSERT INTO jobs (kind, key, payload, state, max_attempts, created_at, updated_at) \
             VALUES ($1, $2, $3, 'queued', $4, $5, $5) ON CONFLICT (kind, key) DO NOTHING",
        )
        .bind(&job.kind)
        .bind(&job.key)
        .bind(&job.payload)
        .bind(job.max_attempts)
        .bind(&at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let found =
            self.job_by_key(&job.kind, &job.key)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "job",
                    id: format!("{} {}", job.kind, job.key),
                })?;
        Ok((found, inserted == 1))
    }

    /// A job by its id.
    pub async fn job(&self, id: i64) -> Result<Job, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        job_from(&self.row_by_id(&sql, "job", id).await?)
    }

    /// The job of this kind and key, when there is one.
    pub async fn job_by_key(&self, kind: &str, key: &str) -> Result<Option<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 AND key = $2");
        sqlx::query(&sql)
            .bind(kind)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(job_from)
            .transpose()
    }

    /// Claims the oldest job of `kind` that is queued, or running with its lease past and
    /// attempts left, for `worker` until `lease` from now (one more run and attempt); None when
    /// there is none. Jobs whose lease passed with no attempt left are failed first
    /// ([`LEASE_EXHAUSTED`]).
    pub async fn claim_job(
        &self,
        kind: &str,
        worker: &str,
        lease: std::time::Duration,
    ) -> Result<Option<Job>, StoreError> {
        check_len("worker", worker, SHORT_TEXT)?;
        let until = lease_end(lease)?;
        let at = now();
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE jobs SET state = 'failed', error = $1, finished_at = $2, updated_at = $2 \
             WHERE kind = $3 AND state = 'running' AND lease_until < $2 AND attempts >= max_attempts",
        )
        .bind(LEASE_EXHAUSTED)
        .bind(&at)
        .bind(kind)
        .execute(&mut *tx)
        .await?;
        let lock = match self.backend {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', worker = $1, lease_until = $2, attempts = attempts + 1, \
             runs = runs + 1, progress = 0, stage = 'claimed', updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE kind = $4 AND (state = 'queued' OR \
             (state = 'running' AND lease_until < $3 AND attempts < max_attempts)) \
             ORDER BY id LIMIT 1{lock}) RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(worker)
            .bind(&until)
            .bind(&at)
            .bind(kind)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.as_ref().map(job_from).transpose()
    }

    /// Extends the lease of a job `worker` holds to `lease` from now and records its progress
    /// and stage; false when the worker no longer holds it (its lease passed and another
    /// worker claimed it, or it was finished): the worker then drops its work.
    pub async fn heartbeat_job(
        &self,
        id: i64,
        worker: &str,
        progress: Fraction,
        stage: &str,
        lease: std::time::Duration,
    ) -> Result<bool, StoreError> {
        check_len("stage", stage, SHORT_TEXT)?;
        let until = lease_end(lease)?;
        let n = sqlx::query(
            "UPDATE jobs SET lease_until = $1, progress = $2, stage = $3, updated_at = $4 \
             WHERE id = $5 AND worker = $6 AND state = 'running'",
        )
        .bind(&until)
        .bind(progress.value())
        .bind(stage)
        .bind(now())
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Marks a job `worker` holds done, its result at `result`; false when the worker no
    /// longer holds it (the result, keyed by the inputs, is as good as the other worker's).
    pub async fn complete_job(
        &self,
        id: i64,
        worker: &str,
        result: &str,
    ) -> Result<bool, StoreError> {
        check_len("result", result, SHORT_TEXT)?;
        let at = now();
        let n = sqlx::query(
            "UPDATE jobs SET state = 'done', progress = 1, stage = 'done', result = $1, error = NULL, \
             lease_until = NULL, finished_at = $2, updated_at = $2 \
             WHERE id = $3 AND worker = $4 AND state = 'running'",
        )
        .bind(result)
        .bind(&at)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Records the failure of a job `worker` holds: queued again while attempts are left,
    /// failed for good otherwise; `retry: false` makes it final at once (the inputs are wrong:
    /// another attempt would fail the same way). None when the worker no longer holds it.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry: bool,
    ) -> Result<Option<Job>, StoreError> {
        check_len("error", error, limits::DESCRIPTION * 10)?;
        let at = now();
        let sql = format!(
            "UPDATE jobs SET \
             state = CASE WHEN $1 = 1 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
             finished_at = CASE WHEN $1 = 1 AND attempts < max_attempts THEN NULL ELSE $2 END, \
             stage = CASE WHEN $1 = 1 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
             error = $3, worker = NULL, lease_until = NULL, progress = 0, updated_at = $2 \
             WHERE id = $4 AND worker = $5 AND state = 'running' RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(i64::from(retry))
            .bind(&at)
            .bind(error)
            .bind(id)
            .bind(worker)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from).transpose()
    }

    /// Queues a finished job again, its attempts counted anew (its result went missing from the
    /// data folder); a queued or running job is left as it is. The job as it is then.
    pub async fn requeue_job(&self, id: i64) -> Result<Job, StoreError> {
        sqlx::query(
            "UPDATE jobs SET state = 'queued', stage = 'queued', progress = 0, attempts = 0, \
             result = NULL, error = NULL, worker = NULL, lease_until = NULL, finished_at = NULL, \
             updated_at = $1 WHERE id = $2 AND state IN ('done', 'failed')",
        )
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.job(id).await
    }
}

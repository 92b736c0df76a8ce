//! Background computations (issue 17, "Scale-out"): the voxel part of a plan is a job in the
//! database's queue (`sirt_store::Store::enqueue_job`), keyed by the SHA-256 of its inputs, run
//! by workers, its result written under the data folder where every server instance reads it.
//!
//! | module | what |
//! |---|---|
//! | `jobs` | [`Jobs`] (a server's embedded workers, started with the first job it queues or by [`crate::Server::run`]), the job's state as the API answers it ([`JobAnswer`], 202) |
//! | `worker` | [`run_workers`]: claim, compute under a lease with heartbeats carrying progress, complete or fail (retried up to [`MAX_ATTEMPTS`]); what `sirtplan worker` and `serve --workers N` run |
//! | `voxel` | the voxel job: its inputs and key (case file, parameters, delivery records in force, the image files' sizes and times), its payload, its computation, its result folder (`DATA/results/voxel/{key}/`, written in a temporary folder and renamed) |

pub(crate) mod voxel;
mod worker;

pub use worker::{WorkerOptions, run_workers};

use crate::AppState;
use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use std::time::Duration;

/// Claims a job may take before its failure is final: 3 (design choice: a worker killed twice
/// in a row, e.g. by the machine's out-of-memory killer, is not a passing accident; a failure
/// of the inputs is final at once).
pub const MAX_ATTEMPTS: i64 = 3;

/// How long a claim holds a job without a heartbeat: 30 s (design choice: ten heartbeats; a
/// dead worker's job waits at most this long for another; far above the clock differences of
/// NTP-synchronised machines).
pub const LEASE: Duration = Duration::from_secs(30);

/// How often a worker renews its lease and records its progress: 1 s (design choice: the page
/// polls about as often; a tenth of [`LEASE`] and above).
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// How often an idle worker looks for a job: 500 ms (design choice: a job queued by another
/// server waits at most this long; one small query per worker per half second). A job queued
/// by this process wakes its embedded workers at once.
pub const POLL: Duration = Duration::from_millis(500);

/// Seconds a client is told to wait before asking again about a job (`Retry-After` of 202 and
/// 503): 1 (design choice: as often as progress is recorded, [`HEARTBEAT`]).
pub const RETRY_AFTER_S: u64 = 1;

/// The progress last reported by a computation (stage word, fraction), read by its heartbeat.
pub(crate) type Progress = std::sync::Arc<std::sync::Mutex<(&'static str, sirt_units::Fraction)>>;

/// A server's embedded workers: how many, started once (with the first job this process
/// queues, or by [`crate::Server::run`]), and the signal that wakes them when it queues one.
#[derive(Debug)]
pub struct Jobs {
    /// Embedded workers (`serve --workers N`; 0: jobs are left to `sirtplan worker`).
    workers: usize,
    started: OnceLock<()>,
    wake: std::sync::Arc<tokio::sync::Notify>,
    /// The results this process's workers computed last, by key ([`RECENT_RESULTS`]).
    recent: std::sync::Mutex<Vec<(String, std::sync::Arc<voxel::ResultFiles>)>>,
    /// Told each time a result is kept: a listing request waiting for it answers at once
    /// rather than at its next look at the job's row.
    kept: tokio::sync::Notify,
}

/// Results kept in memory by the process that computed them: 2 (design choice: the plan being
/// edited and the one before; about 40 MB each on the demo phantom). Writing a result folder
/// takes longer than computing a parameter change (about 175 ms for 40 MB here); the process
/// whose worker computed it serves it from memory meanwhile, any other instance from the
/// folder once the job is done.
pub const RECENT_RESULTS: usize = 2;

impl Jobs {
    /// `workers` embedded workers, not started.
    pub fn new(workers: usize) -> Jobs {
        Jobs {
            workers,
            started: OnceLock::new(),
            wake: std::sync::Arc::default(),
            recent: std::sync::Mutex::default(),
            kept: tokio::sync::Notify::new(),
        }
    }

    /// Keeps a result computed by this process's worker.
    pub(crate) fn keep(&self, key: &str, files: std::sync::Arc<voxel::ResultFiles>) {
        let mut r = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        r.retain(|(k, _)| k != key);
        r.push((key.to_owned(), files));
        while r.len() > RECENT_RESULTS {
            r.remove(0);
        }
        drop(r);
        self.kept.notify_waiters();
    }

    /// A future that ends when this process next keeps a result ([`Jobs::keep`]); it counts
    /// from its first poll, or from [`tokio::sync::futures::Notified::enable`].
    pub(crate) fn kept(&self) -> tokio::sync::futures::Notified<'_> {
        self.kept.notified()
    }

    /// The result this process kept last, if any.
    pub(crate) fn latest(&self) -> Option<(String, std::sync::Arc<voxel::ResultFiles>)> {
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .last()
            .cloned()
    }

    /// A result of `key` kept in this process, if any.
    pub(crate) fn recent(&self, key: &str) -> Option<std::sync::Arc<voxel::ResultFiles>> {
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, f)| f.clone())
    }

    /// How many embedded workers this server runs.
    pub fn workers(&self) -> usize {
        self.workers
    }
}

impl Default for Jobs {
    /// One embedded worker (what `sirtplan serve` runs by default).
    fn default() -> Jobs {
        Jobs::new(1)
    }
}

/// Starts the embedded workers of `state` unless they run (on the current tokio runtime; they
/// stop with it).
pub(crate) fn ensure_workers(state: &AppState) {
    if state.jobs.workers == 0 {
        return;
    }
    state.jobs.started.get_or_init(|| {
        let options = WorkerOptions {
            workers: state.jobs.workers,
            name: process_name("serve"),
            wake: Some(state.jobs.wake.clone()),
            lease: LEASE,
        };
        drop(tokio::spawn(run_workers(
            state.clone(),
            options,
            std::future::pending(),
        )));
    });
}

/// A name for this process's workers: `prefix`, the process id and 4 random bytes (processes
/// of several machines may have the same id).
fn process_name(prefix: &str) -> String {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    format!("{prefix}-{}-{}", std::process::id(), hex::encode(b))
}

/// Wakes this process's embedded workers (a job was queued).
pub(crate) fn wake(state: &AppState) {
    ensure_workers(state);
    state.jobs.wake.notify_waiters();
}

/// A job's state as the API answers it while its result is not there (202).
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct JobAnswer {
    /// The job.
    pub job_id: i64,
    /// `queued` (no worker has it yet), `running`, `done` or `failed`.
    pub state: sirt_store::JobState,
    /// How far the worker is, 0 to 1.
    pub progress: f64,
    /// What it is doing: `queued`, `claimed`, `reading`, `resampling`, `dose`, `dvh`,
    /// `viewer`, `writing`, `done`.
    pub stage: String,
    /// Workers that have taken it (more than 1: a worker stopped mid-job and another took
    /// it over).
    pub runs: i64,
}

impl JobAnswer {
    /// The answer for a stored job.
    pub(crate) fn of(j: &sirt_store::Job) -> JobAnswer {
        JobAnswer {
            job_id: j.id,
            state: j.state,
            progress: j.progress.value(),
            stage: j.stage.clone(),
            runs: j.runs,
        }
    }

    /// 202 Accepted with the job's state and `Retry-After`.
    pub(crate) fn accepted(&self) -> Response {
        let mut r = (StatusCode::ACCEPTED, axum::Json(self)).into_response();
        r.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(RETRY_AFTER_S),
        );
        r
    }
}

/// A failure as a job stores it (`error` of its row): the API error it answers, as JSON.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct StoredError {
    status: u16,
    code: String,
    message: String,
}

/// The text stored for an API error.
pub(crate) fn store_error(e: &ApiError) -> String {
    serde_json::to_string(&StoredError {
        status: e.status.as_u16(),
        code: e.code.to_owned(),
        message: e.message.clone(),
    })
    .unwrap_or_default()
}

/// The codes a job's failure may carry back (anything else is answered as internal).
const STORED_CODES: &[&str] = &[
    "image_path",
    "images",
    "invalid_case",
    "no_images",
    "invalid",
];

/// The API error of a failed job: the one its worker stored (same status, code and words as
/// the request that computed it in place answered), or an internal error.
pub(crate) fn failure(job: &sirt_store::Job) -> ApiError {
    let stored = job
        .error
        .as_deref()
        .and_then(|t| serde_json::from_str::<StoredError>(t).ok());
    match stored {
        Some(s) => match (
            StatusCode::from_u16(s.status),
            STORED_CODES.iter().find(|c| **c == s.code),
        ) {
            (Ok(status), Some(code)) if status.is_client_error() => {
                ApiError::new(status, code, s.message)
            }
            _ => ApiError::internal(),
        },
        None => ApiError::internal(),
    }
}

/// How `sirtplan worker` runs: jobs alone, without HTTP.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// `sqlite://PATH` or `postgres://...`: the servers' database (migrated at start when it
    /// lacks this version's migrations, as `serve` does).
    pub database_url: String,
    /// The servers' data folder (the patients' images are read there, results written there).
    pub data_dir: std::path::PathBuf,
    /// The site settings the plans are made with (the servers' own).
    pub settings: sirt_settings::SiteSettings,
    /// Jobs computed at once (1 by default: one voxel computation's memory).
    pub workers: usize,
}

/// Why `sirtplan worker` could not start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] sirt_store::OpenError),
    /// The embedded engine data failed to load.
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    /// The data folder could not be created.
    #[error("data folder {}: cannot create it: {source}", .path.display())]
    DataDir {
        /// The folder.
        path: std::path::PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The runtime could not start.
    #[error("worker: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs `config.workers` workers on their own runtime until Ctrl-C (SIGINT) or SIGTERM,
/// calling `ready` once the database is open (for the CLI).
pub fn run_worker_blocking(config: WorkerConfig, ready: impl FnOnce()) -> Result<(), WorkerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        crate::uploads::prepare_data_dir(&config.data_dir).map_err(|source| {
            WorkerError::DataDir {
                path: config.data_dir.clone(),
                source,
            }
        })?;
        let store = sirt_store::Store::open(&config.database_url).await?;
        let state = AppState::with_site(
            store.clone(),
            false,
            crate::LoginLimit::default(),
            config.data_dir.clone(),
            config.settings.clone(),
        )?
        .with_workers(0);
        ready();
        let options = WorkerOptions {
            workers: config.workers,
            name: process_name("worker"),
            wake: None,
            lease: LEASE,
        };
        run_workers(state, options, crate::shutdown_signal()).await;
        store.close().await;
        Ok(())
    })
}

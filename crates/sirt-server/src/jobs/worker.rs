//! Workers: each claims the oldest job it can, computes it while a heartbeat renews its lease
//! with the progress, then records it done or failed. What `sirtplan worker` runs alone and
//! `sirtplan serve` runs embedded.

use super::{HEARTBEAT, POLL, Progress, voxel};
use crate::AppState;
use sirt_units::Fraction;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How a process runs its workers.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Jobs computed at once by this process (each a voxel computation: a few hundred MB on
    /// a 512 × 512 CT; one by default).
    pub workers: usize,
    /// The process's name in the job table (`worker` column, with the worker's number).
    pub name: String,
    /// Woken when this process queues a job (a server's embedded workers), else polled.
    pub wake: Option<Arc<tokio::sync::Notify>>,
    /// How long a claim lasts without a heartbeat ([`super::LEASE`]; tests shorten it).
    pub lease: Duration,
}

/// Runs `options.workers` workers over the state's database, engine and data folder until
/// `stop` completes (a job in progress is then abandoned: its lease passes and another worker
/// takes it). Errors of the database are retried after [`POLL`].
pub async fn run_workers(
    state: AppState,
    options: WorkerOptions,
    stop: impl std::future::Future<Output = ()>,
) {
    let mut set = tokio::task::JoinSet::new();
    for n in 0..options.workers {
        let id = format!("{}-{n}", options.name);
        set.spawn(worker_loop(state.clone(), options.clone(), id));
    }
    stop.await;
    set.abort_all();
}

/// One worker: claim, run, repeat; sleeps [`POLL`] (or until woken) when there is nothing.
async fn worker_loop(state: AppState, options: WorkerOptions, id: String) {
    loop {
        let claimed = state.store.claim_job(voxel::KIND, &id, options.lease).await;
        match claimed {
            Ok(Some(job)) => run_one(&state, &options, &id, job).await,
            Ok(None) | Err(_) => idle(&options).await,
        }
    }
}

async fn idle(options: &WorkerOptions) {
    match &options.wake {
        Some(w) => {
            let _ = tokio::time::timeout(POLL, w.notified()).await;
        }
        None => tokio::time::sleep(POLL).await,
    }
}

/// Computes one claimed job with heartbeats, then records its end.
async fn run_one(state: &AppState, options: &WorkerOptions, worker: &str, job: sirt_store::Job) {
    let progress: Progress = Arc::new(Mutex::new(("claimed", Fraction::ZERO)));
    let work = voxel::compute(state, &job, progress.clone());
    tokio::pin!(work);
    let mut beat = tokio::time::interval(HEARTBEAT);
    let outcome = loop {
        tokio::select! {
            r = &mut work => break Some(r),
            _ = beat.tick() => {
                let (stage, done) = *progress.lock().unwrap_or_else(PoisonError::into_inner);
                let held = state
                    .store
                    .heartbeat_job(job.id, worker, done, stage, options.lease)
                    .await;
                // Another worker holds it now (this one was too slow to renew): drop it.
                if matches!(held, Ok(false)) {
                    break None;
                }
            }
        }
    };
    let Some(outcome) = outcome else {
        return;
    };
    let _ = match outcome {
        Ok(computed) => {
            // The result folder is written, and the job recorded done, apart: this process
            // serves the result from memory meanwhile, and the worker takes the next job (a
            // parameter change queued while the previous result is written does not wait for
            // the disk).
            drop(tokio::spawn(finish(
                state.clone(),
                worker.to_owned(),
                job.id,
                computed,
            )));
            Ok(())
        }
        Err(e) => state
            .store
            .fail_job(
                job.id,
                worker,
                &super::store_error(&e),
                e.status.is_server_error(),
            )
            .await
            .map(|_| ()),
    };
}

/// Writes a computed result's folder, then records the job done (or failed, to be retried,
/// when the folder cannot be written).
async fn finish(state: AppState, worker: String, id: i64, computed: voxel::Computed) {
    let result = computed.result.clone();
    let written = tokio::task::spawn_blocking(move || computed.write()).await;
    let _ = match written {
        Ok(Ok(())) => state
            .store
            .complete_job(id, &worker, &result)
            .await
            .map(|_| ()),
        _ => state
            .store
            .fail_job(
                id,
                &worker,
                &super::store_error(&crate::error::ApiError::internal()),
                true,
            )
            .await
            .map(|_| ()),
    };
}

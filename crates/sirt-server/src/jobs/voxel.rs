//! The voxel part of a plan as a job: its inputs and their key, its computation, its result
//! folder.
//!
//! The key is the SHA-256 (hex) of what the voxel part depends on: the engine and the site data
//! (`site_stamp`), a NUL byte, the case file, a NUL byte,
//! the parameters JSON, then for each delivery record in force a NUL byte and its id, then for
//! each file under the case's image paths a NUL byte and its path relative to the patient's
//! folder, size and modification time (a missing path is written as missing). Checking or
//! approving a plan changes none of it; replacing an image file changes it.
//!
//! The result of a key lies in `DATA/results/voxel/{key}/`: `listing.json` (the viewer's
//! listing with each array's URL left as its name), `document.json` (the plan's report document
//! with its voxel sections) and one `{name}.bin` per array. It is written in a folder of
//! `DATA/tmp/` and renamed into place: a folder there is complete; two workers that computed
//! the same key leave the first one's.

use super::{JobAnswer, MAX_ATTEMPTS, Progress};
use crate::AppState;
use crate::error::ApiError;
use axum::http::StatusCode;
use sha2::Digest;
use sirt_store::{Job, JobState, NewJob, PlanDeliveries};
use sirt_units::Fraction;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The job kind of the voxel part.
pub(crate) const KIND: &str = "voxel";

/// Files under one image path that are fingerprinted at most: 20 000 (design choice, as the
/// planning cache's: a DICOM series folder holds hundreds; more is not a case's image folder).
const MAX_FILES: usize = 20_000;

/// How long a report waits for the voxel part of its plan before answering 503: 120 s (design
/// choice: a first voxel plan of the demo phantom took 4.7 s on a quiet machine and 8.6 s under
/// load; a queue of a few plans ahead of it fits; a person is not kept waiting longer).
const REPORT_WAIT: Duration = Duration::from_secs(120);

/// How often a waiting report looks at its job: 250 ms (design choice: a quarter of the
/// heartbeat).
const REPORT_POLL: Duration = Duration::from_millis(250);

/// What a worker needs to compute a plan's voxel part: the inputs the key was made from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Payload {
    /// The plan (its delivery records are read by id).
    pub plan_id: i64,
    /// The patient, whose folder the case's image paths are relative to.
    pub patient_id: i64,
    /// The case file.
    pub case_toml: String,
    /// The parameters JSON.
    pub parameters_json: String,
    /// The delivery records in force.
    pub record_ids: Vec<i64>,
    /// The engine and site data of the server that queued it ([`site_stamp`]): a worker with
    /// other ones does not compute it.
    pub site: String,
}

/// Where a plan's voxel part stands.
pub(crate) enum Status {
    /// Its result folder.
    Ready(ResultDir),
    /// Its job, not done.
    Pending(Box<Job>),
}

/// A complete result and its key: its folder, or, in the process whose worker computed it,
/// the same files still in memory (kept for the next requests while the folder is written).
pub(crate) struct ResultDir {
    /// Where the files are.
    source: Source,
    /// The inputs' SHA-256 (hex).
    pub key: String,
}

/// Where a result's files are.
enum Source {
    /// The result folder.
    Dir(PathBuf),
    /// In this process's memory ([`super::Jobs::recent`]).
    Memory(std::sync::Arc<ResultFiles>),
}

/// The folder of a key's result.
pub(crate) fn result_dir(data_dir: &Path, key: &str) -> PathBuf {
    data_dir.join("results").join(KIND).join(key)
}

/// Adds the stamp of every file under `path` (sorted) to `h`, paths relative to `base`; None
/// when a folder holds too many files.
fn fingerprint(base: &Path, path: &Path, h: &mut sha2::Sha256) -> Option<()> {
    let rel = path
        .strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string();
    let Ok(meta) = std::fs::metadata(path) else {
        h.update(format!("\0{rel}\0missing").as_bytes());
        return Some(());
    };
    if meta.is_file() {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        h.update(format!("\0{rel}\0{}\0{modified}", meta.len()).as_bytes());
        return Some(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    if entries.len() > MAX_FILES {
        return None;
    }
    entries.sort();
    for e in entries {
        fingerprint(base, &e, h)?;
    }
    Some(())
}

/// What else a result depends on: the engine (version and engine id) and the site data it was
/// computed with (settings, device and rule files): a result of another engine or site is not
/// served (a worker started with another `--site`, an upgrade).
fn site_stamp(state: &AppState) -> Result<String, ApiError> {
    let settings =
        serde_json::to_string(&state.engine.site().settings).map_err(|_| ApiError::internal())?;
    Ok(format!(
        "{}\0{settings}\0{}\0{}",
        state.engine_id,
        crate::frozen::files_sha256(state.engine.device_files()),
        crate::frozen::files_sha256(state.engine.rule_files()),
    ))
}

/// The key of a plan's voxel inputs (see the module).
fn key_of(
    payload: &Payload,
    site: &str,
    images: &sirt_case::Images,
    base: &Path,
) -> Result<String, ApiError> {
    let mut h = sha2::Sha256::new();
    h.update(site.as_bytes());
    h.update([0u8]);
    h.update(payload.case_toml.as_bytes());
    h.update([0u8]);
    h.update(payload.parameters_json.as_bytes());
    for id in &payload.record_ids {
        h.update(format!("\0{id}").as_bytes());
    }
    for p in images.paths() {
        fingerprint(base, &base.join(p), &mut h).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "images",
                format!(
                    "the images of the case: `{p}` holds more than {MAX_FILES} files; expected one series"
                ),
            )
        })?;
    }
    Ok(hex::encode(h.finalize()))
}

/// The payload and key of this version of a plan with its records in force; the analytic plan,
/// its `[images]` and their paths checked first (404 without images, 422 for a path leaving the
/// patient's folder), as the request computing in place did.
async fn inputs_of(
    state: &AppState,
    plan: &sirt_store::Plan,
    records: &PlanDeliveries,
) -> Result<(Payload, String), ApiError> {
    let case = state.store.case(plan.case_id).await?;
    let params = crate::engine::parameters_from(&crate::engine::parse_json(&plan.parameters_json))?;
    let computed = crate::engine::compute_stored(state, plan, params).await?;
    let Some(images) = computed.plan.case.images.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_images",
            "this plan's case file has no [images] section: an analytic plan has no images to show (the phantom demo case has them)",
        ));
    };
    let base = state.patient_folder(case.patient_id);
    sirt_planning::check_image_paths(&images)
        .map_err(|e| crate::volumes::outcome_error(crate::engine::EngineError::from(e), &base))?;
    let payload = Payload {
        plan_id: plan.id,
        patient_id: case.patient_id,
        case_toml: plan.case_toml.clone(),
        parameters_json: plan.parameters_json.clone(),
        record_ids: records.current().map(|r| r.id).collect(),
        site: site_stamp(state)?,
    };
    let p = payload.clone();
    let key = tokio::task::spawn_blocking(move || key_of(&p, &p.site, &images, &base))
        .await
        .map_err(|_| ApiError::internal())??;
    Ok((payload, key))
}

/// Where the voxel part of this version of a plan stands: its result, or its job (queued now
/// when there was none; a done job whose folder went missing is queued again). A job failed
/// for good answers its error.
pub(crate) async fn status(state: &AppState, plan: &sirt_store::Plan) -> Result<Status, ApiError> {
    let records = state.store.deliveries(plan.id).await?;
    let (payload, key) = inputs_of(state, plan, &records).await?;
    if let Some(files) = state.jobs.recent(&key) {
        return Ok(Status::Ready(ResultDir {
            source: Source::Memory(files),
            key,
        }));
    }
    let dir = result_dir(&state.data_dir, &key);
    if dir.is_dir() {
        return Ok(Status::Ready(ResultDir {
            source: Source::Dir(dir),
            key,
        }));
    }
    let (mut job, created) = state
        .store
        .enqueue_job(&NewJob {
            kind: KIND.into(),
            key: key.clone(),
            payload: serde_json::to_string(&payload).map_err(|_| ApiError::internal())?,
            max_attempts: MAX_ATTEMPTS,
        })
        .await?;
    match job.state {
        JobState::Failed => return Err(super::failure(&job)),
        JobState::Done => {
            // Finished meanwhile, or its folder was removed: look again, else compute again.
            if dir.is_dir() {
                return Ok(Status::Ready(ResultDir {
                    source: Source::Dir(dir),
                    key,
                }));
            }
            job = state.store.requeue_job(job.id).await?;
            super::wake(state);
        }
        JobState::Queued if created => super::wake(state),
        JobState::Queued | JobState::Running => super::ensure_workers(state),
    }
    Ok(Status::Pending(Box::new(job)))
}

/// The plan's report document with its voxel part, waiting for its job up to
/// [`REPORT_WAIT`]; 503 with `Retry-After` when it is not done by then, saying how far it is.
pub(crate) async fn document(
    state: &AppState,
    plan: &sirt_store::Plan,
) -> Result<sirt_report::document::Document, ApiError> {
    let started = tokio::time::Instant::now();
    loop {
        match status(state, plan).await? {
            Status::Ready(r) => return r.document().await,
            Status::Pending(job) if started.elapsed() >= REPORT_WAIT => {
                return Err(not_done_in_time(plan.id, &job));
            }
            Status::Pending(_) => tokio::time::sleep(REPORT_POLL).await,
        }
    }
}

/// 503: the voxel part was not done within [`REPORT_WAIT`].
fn not_done_in_time(plan_id: i64, job: &Job) -> ApiError {
    let a = JobAnswer::of(job);
    let hint = if job.state == JobState::Queued {
        " No worker has taken it: if this lasts, start `sirtplan worker` on the database or run `sirtplan serve` with `--workers 1` or more."
    } else {
        ""
    };
    let mut e = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "voxel_pending",
        format!(
            "plan {plan_id}: the voxel part of its report is being computed (job {}, {}, stage {}, {:.0} %) and was not done within {} s; ask again in a moment.{hint}",
            a.job_id,
            job.state.as_str(),
            a.stage,
            100.0 * a.progress,
            REPORT_WAIT.as_secs()
        ),
    );
    e.retry_after_s = Some(super::RETRY_AFTER_S);
    e
}

impl ResultDir {
    /// The result of `key` this process keeps in memory.
    pub(crate) fn in_memory(files: std::sync::Arc<ResultFiles>, key: String) -> Self {
        Self {
            source: Source::Memory(files),
            key,
        }
    }

    /// The viewer's listing for plan `plan_id`: each array's URL made from its name, with the
    /// key's first 16 digits (`v`: arrays of another version of the plan are refused).
    pub(crate) async fn listing(&self, plan_id: i64) -> Result<serde_json::Value, ApiError> {
        let mut v: serde_json::Value = match &self.source {
            Source::Dir(dir) => {
                let text = read(dir.join("listing.json")).await?;
                serde_json::from_slice(&text).map_err(|_| ApiError::internal())?
            }
            Source::Memory(f) => {
                serde_json::to_value(&f.listing).map_err(|_| ApiError::internal())?
            }
        };
        v["plan_id"] = plan_id.into();
        let v16 = &self.key[..16];
        for list in ["volumes", "structures"] {
            if let Some(items) = v[list].as_array_mut() {
                for item in items {
                    let name = item["url"].as_str().unwrap_or_default().to_owned();
                    item["url"] = format!("/api/plans/{plan_id}/volumes/{name}?v={v16}").into();
                }
            }
        }
        Ok(v)
    }

    /// The plan's report document with its voxel sections.
    pub(crate) async fn document(&self) -> Result<sirt_report::document::Document, ApiError> {
        let dir = match &self.source {
            Source::Dir(dir) => dir,
            Source::Memory(f) => return Ok(f.document.clone()),
        };
        let text = read(dir.join("document.json")).await?;
        let stored: StoredDocument =
            serde_json::from_slice(&text).map_err(|_| ApiError::internal())?;
        let mut d = stored.document;
        d.lang = stored.lang;
        Ok(d)
    }

    /// The bytes of array `name` (`ct`, `dose-0`, `mask-3`…), or None when there is none.
    pub(crate) async fn array(&self, name: &str) -> Result<Option<axum::body::Bytes>, ApiError> {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !plain {
            return Ok(None);
        }
        let dir = match &self.source {
            Source::Dir(dir) => dir,
            Source::Memory(f) => {
                return Ok(f
                    .arrays
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, b)| b.clone()));
            }
        };
        match tokio::fs::read(dir.join(format!("{name}.bin"))).await {
            Ok(b) => Ok(Some(b.into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(_) => Err(ApiError::internal()),
        }
    }
}

async fn read(path: PathBuf) -> Result<Vec<u8>, ApiError> {
    tokio::fs::read(path)
        .await
        .map_err(|_| ApiError::internal())
}

/// `document.json`: the document with its language (not part of the document's JSON).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredDocument {
    lang: sirt_i18n::Lang,
    document: sirt_report::document::Document,
}

/// What a result folder holds, before it is written.
pub(crate) struct ResultFiles {
    /// The viewer's listing, each URL the array's name.
    pub listing: crate::answers::Volumes,
    /// The report document.
    pub document: sirt_report::document::Document,
    /// The arrays (name, bytes): those of the images no parameter changes are shared with
    /// the results made before from the same images in this process.
    pub arrays: Vec<(String, axum::body::Bytes)>,
}

impl std::fmt::Debug for ResultFiles {
    /// The arrays' names and sizes, not their bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let arrays: Vec<(&str, usize)> = self
            .arrays
            .iter()
            .map(|(n, b)| (n.as_str(), b.len()))
            .collect();
        f.debug_struct("ResultFiles")
            .field("arrays", &arrays)
            .finish_non_exhaustive()
    }
}

/// A computed voxel part, in this process's memory, its folder not yet written.
pub(crate) struct Computed {
    /// Where its folder goes, relative to the data folder (the job's `result`).
    pub result: String,
    files: std::sync::Arc<ResultFiles>,
    data_dir: PathBuf,
    key: String,
    /// The result this process computed before (key, files): its arrays that are the same
    /// (the CT, SPECT, PET and masks do not change with a plan's parameters) are linked from
    /// its folder instead of written again.
    previous: Option<(String, std::sync::Arc<ResultFiles>)>,
}

impl Computed {
    /// Writes the result folder (blocking).
    pub(crate) fn write(&self) -> std::io::Result<()> {
        let previous = self
            .previous
            .as_ref()
            .map(|(k, f)| (result_dir(&self.data_dir, k), f.as_ref()))
            .filter(|(dir, _)| dir.is_dir());
        write_result(&self.data_dir, &self.key, &self.files, previous)
    }
}

/// Writes a result folder: in a new folder of `DATA/tmp/`, then renamed to its place; when
/// another worker's is there first, that one is kept.
fn write_result(
    data_dir: &Path,
    key: &str,
    files: &ResultFiles,
    previous: Option<(PathBuf, &ResultFiles)>,
) -> std::io::Result<()> {
    let dest = result_dir(data_dir, key);
    if dest.is_dir() {
        return Ok(());
    }
    // The data folder itself is never made here: a result finished after its server (or test)
    // removed the folder is dropped, not written into a new folder nobody removes.
    if !data_dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("the data folder {} is not there", data_dir.display()),
        ));
    }
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = data_dir
        .join("tmp")
        .join(format!("job-{}-{}", &key[..16], hex::encode(b)));
    let written = write_files(data_dir, &tmp, files, previous).and_then(|()| {
        if let Some(parent) = dest.parent() {
            dirs_under(data_dir, parent)?;
        }
        std::fs::rename(&tmp, &dest)
    });
    match written {
        Ok(()) => Ok(()),
        Err(_) if dest.is_dir() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// Makes the folders of `path` below `data_dir`, one at a time, never `data_dir` itself: a
/// result finished after its data folder was removed fails instead of making it again.
fn dirs_under(data_dir: &Path, path: &Path) -> std::io::Result<()> {
    let rel = path
        .strip_prefix(data_dir)
        .map_err(|_| std::io::Error::other("a result folder outside the data folder"))?;
    let mut at = data_dir.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match std::fs::create_dir(&at) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes the files of a result into `dir`, each synced to the disk, then the folder itself:
/// a folder renamed into place after this holds its whole content even after a crash (a
/// result folder is served as complete for as long as its key holds).
fn write_files(
    data_dir: &Path,
    dir: &Path,
    files: &ResultFiles,
    previous: Option<(PathBuf, &ResultFiles)>,
) -> std::io::Result<()> {
    if let Some(parent) = dir.parent() {
        dirs_under(data_dir, parent)?;
    }
    std::fs::create_dir(dir)?;
    let synced = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let mut f = std::fs::File::create(dir.join(name))?;
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()
    };
    synced("listing.json", &serde_json::to_vec(&files.listing)?)?;
    let doc = StoredDocument {
        lang: files.document.lang,
        document: files.document.clone(),
    };
    synced("document.json", &serde_json::to_vec(&doc)?)?;
    for (name, bytes) in &files.arrays {
        let file = format!("{name}.bin");
        // The same bytes in the previous result's folder (synced there): a hard link.
        let same = previous.as_ref().is_some_and(|(_, p)| {
            p.arrays.iter().any(|(n, b)| {
                // The same buffer (shared), else the same bytes.
                n == name && (b.as_ptr() == bytes.as_ptr() && b.len() == bytes.len() || b == bytes)
            })
        });
        if same
            && let Some((prev_dir, _)) = &previous
            && std::fs::hard_link(prev_dir.join(&file), dir.join(&file)).is_ok()
        {
            continue;
        }
        synced(&file, bytes)?;
    }
    std::fs::File::open(dir)?.sync_all()
}

/// Sets the stage and fraction a heartbeat records next.
fn set(progress: &Progress, stage: &'static str, done: f64) {
    if let Some(f) = Fraction::new(done) {
        *progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = (stage, f);
    }
}

/// Fraction of the job done when the voxel plan is made (design choice: laying out the
/// viewer's volumes on the CT grid and writing them take the rest).
const PLAN_DONE: f64 = 0.8;

/// Computes a claimed voxel job: the plan's voxel part from its payload, laid out for the viewer
/// and kept in this process's memory; the worker writes its result folder
/// ([`Computed::write`]). Errors are those a request computing in place answered.
pub(crate) async fn compute(
    state: &AppState,
    job: &Job,
    progress: Progress,
) -> Result<Computed, ApiError> {
    let payload: Payload = serde_json::from_str(&job.payload).map_err(|_| ApiError::internal())?;
    if payload.site != site_stamp(state)? {
        // Another engine version or site data than the server's that queued it: retried (by
        // another worker, when one has the server's), then failed.
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "worker_site",
            "the worker that took this job runs another engine version or other site data (settings, devices, rules) than the server that queued it: start `sirtplan worker` with the servers' own --site file and version",
        ));
    }
    let stored = state.store.deliveries(payload.plan_id).await?;
    // The records the key was made from (records are never changed; a correction is a new one).
    let records = PlanDeliveries {
        records: stored
            .records
            .into_iter()
            .filter(|r| payload.record_ids.contains(&r.id))
            .map(|r| sirt_store::DeliveryRecord { current: true, ..r })
            .collect(),
        sessions: stored.sessions,
    };
    let params =
        crate::engine::parameters_from(&crate::engine::parse_json(&payload.parameters_json))?;
    let overrides = crate::delivery::with_records(&params, &records)?;
    let base = state.patient_folder(payload.patient_id);
    let engine = state.engine.clone();
    let data_dir = state.data_dir.clone();
    let key = job.key.clone();
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        let p = progress.clone();
        let callback: sirt_planning::voxel::progress::Callback =
            std::sync::Arc::new(move |s, f| {
                set(&p, s.word(), PLAN_DONE * f.value());
            });
        let outcome = sirt_planning::voxel::with_progress(callback, || {
            engine.outcome_overrides(&payload.case_toml, &overrides, &base)
        })
        .map_err(|e| crate::volumes::outcome_error(e, &base))?;
        set(&progress, "viewer", PLAN_DONE);
        let files = std::sync::Arc::new(crate::volumes::result_files(&outcome)?);
        // This process serves the result at once; the folder, for every instance, follows
        // (`Computed::write`, run by the worker after it has let go of the computation).
        let previous = st.jobs.latest();
        st.jobs.keep(&key, files.clone());
        set(&progress, "writing", 0.95);
        Ok(Computed {
            result: format!("results/{KIND}/{key}"),
            files,
            data_dir,
            key,
            previous,
        })
    })
    .await
    .map_err(|_| ApiError::internal())?
}

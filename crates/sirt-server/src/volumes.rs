//! The images of a plan for the viewer and its report: the plan with its voxel part made by
//! the application layer (`sirt-planning`, as `sirtplan plan` makes it) on a case whose file has
//! `[images]`, its volumes on the CT grid as raw arrays, and its report document with the voxel
//! sections, computed by a job ([`crate::jobs`]) whose result every server reads from the data
//! folder (`GET /api/plans/{id}/volumes`: 200 with the listing when it is there, else 202 with
//! the job's state); and the digital-phantom demo, whose files the application layer makes.
//!
//! Image paths of a case file are read relative to the patient's folder in the data folder
//! (`DATA/patients/{patient id}/`, where uploads go) and must stay inside it: relative, without
//! `..` (a case file is user input; it must not read other files of the server).

use crate::answers::{
    DvhCurve, ImportedPhantom, PlanRef, ViewerGrid, ViewerStructure, ViewerVolume, VolumeKind,
    Volumes,
};
use crate::engine::EngineError;
use crate::error::{ApiError, ApiQuery, PathId};
use crate::{AppState, Auth};
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sirt_geometry::Image;
use sirt_planning::{Outcome, PlanningError};
use sirt_store::{NewCase, NewPatient, PlanInputs};
use std::any::Any;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

/// The phantom demo case (`sirtplan demo`) with its image paths moved under
/// [`PHANTOM_FOLDER`] of the patient's folder.
fn phantom_case() -> String {
    sirt_planning::DEMO_PHANTOM_CASE.replace("\"dicom/", &format!("\"{PHANTOM_FOLDER}/dicom/"))
}

/// Folder of the phantom's files inside the patient's folder.
const PHANTOM_FOLDER: &str = "demo-phantom";

/// The folder of a patient's images.
fn patient_folder(state: &AppState, patient_id: i64) -> PathBuf {
    state.patient_folder(patient_id)
}

fn unprocessable(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// The values as little-endian bytes (what the page reads into a `Float32Array`): written into
/// a buffer of the final size, four bytes at a time (a copy on a little-endian machine).
fn f32_bytes(values: &[f32]) -> Vec<u8> {
    let mut b = vec![0u8; values.len() * 4];
    for (out, v) in b.chunks_exact_mut(4).zip(values) {
        out.copy_from_slice(&v.to_le_bytes());
    }
    b
}

/// Points of the plotted cumulative DVH: the bin edges (Gy) and the percentage of the structure
/// at or above, thinned to at most [`DVH_POINTS`] (the curve is monotone: thinning keeps its
/// shape at screen resolution).
fn dvh_points(d: &sirt_voxel_dosimetry::physics::dvh::Dvh) -> (Vec<f64>, Vec<f64>) {
    let n = d.cumulative.len();
    let step = n.div_ceil(DVH_POINTS).max(1);
    let mut dose = Vec::new();
    let mut vol = Vec::new();
    for (i, c) in d.cumulative.iter().enumerate() {
        if i % step == 0 || i + 1 == n {
            dose.push(i as f64 * d.bin_gy);
            vol.push(100.0 * c);
        }
    }
    (dose, vol)
}

/// Largest number of points of a DVH curve sent to the page (design choice: screen resolution).
const DVH_POINTS: usize = 600;

/// A failure of the plan with its images as the API answers it: image paths leaving the
/// patient's folder and unusable images are the user's (422, in the case file's words, the
/// server's folders left out); the rest is internal.
pub(crate) fn outcome_error(e: EngineError, base: &std::path::Path) -> ApiError {
    match e {
        EngineError::Planning(p) => match *p {
            PlanningError::ImagePath { field, path } => unprocessable(
                "image_path",
                format!(
                    "case file field `images.{field}`: expected a path relative to the patient's image folder, without `..`, found \"{path}\""
                ),
            ),
            PlanningError::Voxel(v) if v.is_input() => voxel_input_error(&v, base),
            other => ApiError::from(EngineError::from(other)),
        },
        other => ApiError::from(other),
    }
}

/// An unusable image of the case, in the case file's words (the server's folders left out).
fn voxel_input_error(v: &sirt_planning::voxel::VoxelPlanError, base: &std::path::Path) -> ApiError {
    let folder = format!("{}/", base.display());
    let message = v
        .to_string()
        .replace(&folder, "")
        .replace(&base.display().to_string(), "the patient's image folder");
    unprocessable("images", format!("the images of the case: {message}"))
}

/// A volume of the viewer (no dose kind or session).
fn image_volume(
    name: &str,
    kind: VolumeKind,
    label: &str,
    unit: &str,
    url: String,
) -> ViewerVolume {
    ViewerVolume {
        name: name.to_owned(),
        kind,
        label: label.to_owned(),
        unit: unit.to_owned(),
        url,
        dose_kind: None,
        session: None,
    }
}

/// The label of a dose map in the viewer.
fn dose_label(d: &sirt_planning::voxel::DoseVolume) -> String {
    match d.kind {
        sirt_planning::voxel::DoseKind::Predicted => {
            format!("Predicted dose, session {}", d.session)
        }
        sirt_planning::voxel::DoseKind::Delivered => {
            format!("Delivered dose (PET), session {}", d.session)
        }
        sirt_planning::voxel::DoseKind::PredictedAtDelivered => format!(
            "Predicted dose at the delivered activity, session {}",
            d.session
        ),
    }
}

/// The viewer's volumes and masks and their arrays (name, bytes).
struct LaidOut {
    volumes: Vec<ViewerVolume>,
    structures: Vec<ViewerStructure>,
    arrays: Vec<(String, Bytes)>,
}

/// Bytes of arrays no parameter of a plan changes (the CT, the SPECT and the PET on the CT
/// grid, the structure masks), each with the image it was made from: the next listing made from
/// the same images in this process (the same `Arc`) shares them instead of converting again.
/// The `Weak` keeps the image's allocation, so its address is not another image's meanwhile.
type KeptBytes = Vec<(Weak<dyn Any + Send + Sync>, Vec<Bytes>)>;

static KEPT_BYTES: std::sync::OnceLock<Mutex<KeptBytes>> = std::sync::OnceLock::new();

/// Images whose bytes are kept at most (design choice: the CT, SPECT, PET and masks of the
/// process's two kept cases, `sirt_planning`'s image cache).
const KEPT_IMAGES: usize = 8;

/// The bytes of `source` made by `make`: shared with the last listing of the same image.
fn kept_bytes<T: Any + Send + Sync>(
    source: &Arc<T>,
    make: impl FnOnce(&T) -> Vec<Vec<u8>>,
) -> Vec<Bytes> {
    let kept = KEPT_BYTES.get_or_init(Default::default);
    let at = Arc::as_ptr(source).cast::<()>();
    let found = {
        let mut kept = kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The bytes of images no longer held anywhere go at once.
        kept.retain(|(w, _)| w.strong_count() > 0);
        kept.iter()
            .find(|(w, _)| Weak::as_ptr(w).cast::<()>() == at)
            .map(|(_, b)| b.clone())
    };
    if let Some(b) = found {
        return b;
    }
    let bytes: Vec<Bytes> = make(source).into_iter().map(Bytes::from).collect();
    let weak: Weak<dyn Any + Send + Sync> = Arc::downgrade(source) as Weak<dyn Any + Send + Sync>;
    let mut kept = kept
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.retain(|(w, _)| w.strong_count() > 0);
    if kept.len() >= KEPT_IMAGES {
        kept.remove(0);
    }
    kept.push((weak, bytes.clone()));
    bytes
}

/// The bytes of one image ([`f32_bytes`]), kept ([`kept_bytes`]).
fn image_bytes(image: &Arc<Image<f32>>) -> Bytes {
    kept_bytes(image, |i| vec![f32_bytes(i.data())])
        .pop()
        .unwrap_or_default()
}

/// The volumes and masks of the viewer with their arrays; `url` makes an array's URL.
fn lay_out(v: &sirt_planning::voxel::ViewerVolumes, url: &dyn Fn(&str) -> String) -> LaidOut {
    let mut vols = vec![image_volume("ct", VolumeKind::Ct, "CT", "HU", url("ct"))];
    let mut arrays: Vec<(String, Bytes)> = vec![("ct".to_owned(), image_bytes(&v.ct_hu))];
    if let Some(s) = &v.maa_spect_counts {
        vols.push(image_volume(
            "spect",
            VolumeKind::Activity,
            "MAA SPECT",
            "counts",
            url("spect"),
        ));
        arrays.push(("spect".into(), image_bytes(s)));
    }
    if let Some(p) = &v.y90_pet_bq_per_ml {
        vols.push(image_volume(
            "pet",
            VolumeKind::Activity,
            "Y-90 PET",
            "Bq/mL",
            url("pet"),
        ));
        arrays.push(("pet".into(), image_bytes(p)));
    }
    for (i, d) in v.doses.iter().enumerate() {
        let name = format!("dose-{i}");
        vols.push(ViewerVolume {
            dose_kind: Some(d.kind),
            session: Some(d.session.clone()),
            ..image_volume(&name, VolumeKind::Dose, &dose_label(d), "Gy", url(&name))
        });
        arrays.push((name, Bytes::from(f32_bytes(d.gy.data()))));
    }
    let mut structures = Vec::new();
    let masks = kept_bytes(&v.structures, |all| {
        all.iter()
            .map(|s| s.mask.data().iter().map(|&b| u8::from(b)).collect())
            .collect()
    });
    for (i, (s, bytes)) in v.structures.iter().zip(masks).enumerate() {
        let name = format!("mask-{i}");
        structures.push(ViewerStructure {
            name: s.name.clone(),
            role: format!("{:?}", s.role).to_lowercase(),
            url: url(&name),
        });
        arrays.push((name, bytes));
    }
    LaidOut {
        volumes: vols,
        structures,
        arrays,
    }
}

/// The DVH curves of the first predicted session, per structure (the report's curves).
fn dvh_curves(voxel: &sirt_planning::voxel::VoxelPlan) -> Vec<DvhCurve> {
    voxel
        .predicted
        .first()
        .map(|p| {
            p.dosimetry
                .structures
                .iter()
                .map(|s| {
                    let (dose_gy, volume_percent) = dvh_points(&s.dvh);
                    DvhCurve {
                        name: s.name.clone(),
                        dose_gy,
                        volume_percent,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The result folder's contents of a plan's voxel part: the viewer's listing (each array's URL
/// its name: [`crate::jobs::voxel::ResultDir::listing`] makes the URLs), the report document and
/// the arrays.
pub(crate) fn result_files(outcome: &Outcome) -> Result<crate::jobs::voxel::ResultFiles, ApiError> {
    let voxel = outcome.voxel.as_ref().ok_or_else(ApiError::internal)?;
    let v = voxel.viewer_volumes().map_err(|_| ApiError::internal())?;
    let g = &v.grid;
    let axis_aligned = (0..3)
        .all(|i| (0..3).all(|j| (g.direction[i][j] - f64::from(u8::from(i == j))).abs() < 1e-6));
    let url = |name: &str| name.to_owned();
    let LaidOut {
        volumes,
        structures,
        arrays,
    } = lay_out(&v, &url);
    let listing = Volumes {
        plan_id: 0,
        grid: ViewerGrid {
            dims: g.dims,
            spacing_mm: g.spacing_mm,
            axis_aligned,
            index: "i = x + nx·(y + ny·z), voxel centres, LPS (docs/coordinates.md)".to_owned(),
        },
        volumes,
        structures,
        dvh: dvh_curves(voxel),
        dvh_session: voxel.predicted.first().map(|p| p.session.clone()),
        // In the report's language (the site's), as the report blocks beside them.
        notes: voxel
            .notes
            .iter()
            .map(|n| n.render(outcome.report_options.lang))
            .collect(),
        report_blocks: outcome.voxel_blocks().to_vec(),
        image_checks: outcome.image_checks().cloned().collect(),
    };
    Ok(crate::jobs::voxel::ResultFiles {
        listing,
        document: outcome.document.clone(),
        arrays,
    })
}

/// The report document of this version of a plan with its voxel part (as read by the caller:
/// a report and its record come from the same version even when the plan is edited
/// meanwhile), waiting for its job (bounded: 503 when it is not done in time).
pub(crate) async fn document_for(
    state: &AppState,
    plan: &sirt_store::Plan,
) -> Result<sirt_report::document::Document, ApiError> {
    crate::jobs::voxel::document(state, plan).await
}

/// `GET /api/plans/{id}/volumes`: the grid, the volumes (CT, SPECT, PET, dose maps) and
/// structures with the URLs of their arrays, and the DVH of the first session, when the voxel
/// part of the plan as it is now is computed (200); else 202 with its job's state (queued now
/// when needed) and `Retry-After`; a job that failed answers its error (422 for the case's
/// images, in the case file's words).
///
/// With `wait_ms`, a job that is not done is waited for up to that long (at most
/// [`LISTING_WAIT_MAX_MS`]): the answer comes as soon as it is done, so that a recomputation of
/// a fraction of a second costs one request, not a poll interval.
pub(crate) async fn volumes(
    State(state): State<AppState>,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<ListingQuery>,
) -> Result<Response, ApiError> {
    let plan = state.store.plan(id).await?;
    let job = match crate::jobs::voxel::status(&state, &plan).await? {
        crate::jobs::voxel::Status::Ready(r) => {
            return Ok(Json(r.listing(id).await?).into_response());
        }
        crate::jobs::voxel::Status::Pending(job) => job,
    };
    let wait = std::time::Duration::from_millis(q.wait_ms.unwrap_or(0).min(LISTING_WAIT_MAX_MS));
    if wait.is_zero() || !wait_for_job(&state, &job, wait).await? {
        let job = state.store.job(job.id).await?;
        return Ok(crate::jobs::JobAnswer::of(&job).accepted());
    }
    // Kept by this process: served with the key already found.
    if let Some(files) = state.jobs.recent(&job.key) {
        let r = crate::jobs::voxel::ResultDir::in_memory(files, job.key.clone());
        return Ok(Json(r.listing(id).await?).into_response());
    }
    // Done or failed: the plan's status says which (its result, or its error).
    match crate::jobs::voxel::status(&state, &plan).await? {
        crate::jobs::voxel::Status::Ready(r) => Ok(Json(r.listing(id).await?).into_response()),
        crate::jobs::voxel::Status::Pending(job) => Ok(crate::jobs::JobAnswer::of(&job).accepted()),
    }
}

/// Longest wait a listing request may ask for: 10 s (design choice: below the usual 30–60 s
/// idle timeouts of reverse proxies, long enough for the phantom's first computation).
pub const LISTING_WAIT_MAX_MS: u64 = 10_000;

/// How often a waiting listing request reads its job's row: 20 ms (design choice: a small
/// indexed query; well below the interactive latency the page aims at, 300 ms).
const LISTING_WAIT_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// Waits until `job` is done or failed, or its result is in this process's memory (true), or
/// `wait` has passed (false).
async fn wait_for_job(
    state: &AppState,
    job: &sirt_store::Job,
    wait: std::time::Duration,
) -> Result<bool, ApiError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // Listening before looking: a result kept between the look and the sleep still wakes it.
        let kept = state.jobs.kept();
        tokio::pin!(kept);
        kept.as_mut().enable();
        if state.jobs.recent(&job.key).is_some() {
            return Ok(true);
        }
        let job = state.store.job(job.id).await?;
        if matches!(
            job.state,
            sirt_store::JobState::Done | sirt_store::JobState::Failed
        ) {
            return Ok(true);
        }
        if tokio::time::Instant::now() + LISTING_WAIT_POLL > deadline {
            return Ok(false);
        }
        // This process's worker keeping a result, or the poll (another instance's worker).
        let _ = tokio::time::timeout(LISTING_WAIT_POLL, kept).await;
    }
}

/// `GET /api/plans/{id}/volumes` query: `wait_ms`, how long to wait for a job that is not done
/// (0 by default: answer at once).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListingQuery {
    #[serde(default)]
    wait_ms: Option<u64>,
}

/// `GET /api/plans/{id}/volumes/{name}`: one array, little-endian `f32` (volumes) or `u8`
/// (masks), x fastest; 409 when `v` is not the plan's version now, 202 with the job's state
/// while its voxel part is computed again.
pub(crate) async fn volume(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<VolumeQuery>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_id",
            format!("path: expected a numeric id, found \"{id}\""),
        )
    })?;
    let plan = state.store.plan(id).await?;
    let status = crate::jobs::voxel::status(&state, &plan).await?;
    let key = match &status {
        crate::jobs::voxel::Status::Ready(r) => &r.key,
        crate::jobs::voxel::Status::Pending(job) => &job.key,
    };
    if let Some(v) = &q.v
        && !key.starts_with(v.as_str())
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("plan {id} changed since its volumes were listed: reload the plan"),
        ));
    }
    let r = match status {
        crate::jobs::voxel::Status::Ready(r) => r,
        crate::jobs::voxel::Status::Pending(job) => {
            return Ok(crate::jobs::JobAnswer::of(&job).accepted());
        }
    };
    let bytes = r
        .array(&name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("plan {id} has no volume `{name}`")))?;
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(r)
}

/// `GET /api/plans/{id}/volumes/{name}` query: `v`, the version of the listing the URL came
/// from (a prefix of the inputs' hash).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VolumeQuery {
    #[serde(default)]
    v: Option<String>,
}

/// `POST /api/demo/import-phantom`: the demo case on the digital phantom (`sirtplan demo`): its
/// images written into the patient's folder (DICOM CT, SPECT, PET, RT Struct), its patient,
/// case and computed draft plan.
pub(crate) async fn import_phantom(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> Result<Response, ApiError> {
    // In a task of its own: a client that goes away cannot stop it between the database and
    // the files.
    tokio::spawn(import_phantom_task(state, auth))
        .await
        .map_err(|_| ApiError::internal())?
}

async fn import_phantom_task(state: AppState, auth: Auth) -> Result<Response, ApiError> {
    let case_toml = phantom_case();
    let computed = crate::engine::compute(&state, case_toml.clone(), Default::default()).await?;
    crate::identity::check_import(&state, &computed.plan.case).await?;
    // The images first, in a staging folder named like the uploads' (removed at start when a
    // server stopped halfway): nothing is recorded unless they are written.
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).map_err(|_| ApiError::internal())?;
    let staging = state
        .data_dir
        .join("tmp")
        .join(format!("upload-phantom-{}", hex::encode(b)));
    let st = staging.clone();
    let written = tokio::task::spawn_blocking(move || write_phantom(&st))
        .await
        .map_err(|_| ApiError::internal())
        .and_then(|r| r);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let imported = state
        .store
        .import_case(
            &auth.actor(),
            &NewPatient {
                mrn: computed.plan.case.patient.id.clone(),
                name: "Phantom patient (synthetic)".into(),
                birth_date: Some(crate::identity::PHANTOM_BIRTH_DATE.into()),
                sex: computed.plan.case.patient.sex.clone(),
                pseudonym: None,
            },
            &NewCase {
                patient_id: 0,
                title: "Demo: digital phantom, whole-liver glass, Y-90 PET".into(),
                indication: computed.plan.case.diagnosis.indication.clone(),
            },
            &PlanInputs {
                case_toml,
                parameters_json: "{}".into(),
                result_json: computed.result.to_string(),
            },
        )
        .await;
    let (patient, case, plan) = match imported {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e.into());
        }
    };
    let dest = patient_folder(&state, patient.id).join(PHANTOM_FOLDER);
    if !dest.is_dir() {
        let moved = dest
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::rename(&staging, &dest));
        // Another import of the same patient may have placed the same files (same generator,
        // same seed) meanwhile: that is as good.
        if moved.is_err() && !dest.is_dir() {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(ApiError::internal());
        }
    }
    let _ = std::fs::remove_dir_all(&staging);
    let answer = ImportedPhantom {
        patient,
        case,
        plan: PlanRef {
            id: plan.id,
            version: plan.version,
            state: plan.state,
        },
    };
    let mut r = Json(answer).into_response();
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// The phantom's files as `sirtplan demo` writes them (`sirt_planning::phantom_files`: DICOM
/// series and structures under `dicom/`, NIfTI, truth) into `dir`.
fn write_phantom(dir: &std::path::Path) -> Result<(), ApiError> {
    let files = sirt_planning::phantom_files(sirt_phantom::Preset::Standard, 1)
        .map_err(|_| ApiError::internal())?;
    for (name, bytes) in files {
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|_| ApiError::internal())?;
        }
        std::fs::write(&path, bytes).map_err(|_| ApiError::internal())?;
    }
    Ok(())
}

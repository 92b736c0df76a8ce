//! The images of a plan for the viewer and its report: the plan with its voxel part made by
//! the application layer (`sirt-planning`, as `sirtplan plan` makes it) on a case whose file has
//! `[images]`, its volumes on the CT grid as raw arrays, and its report document with the voxel
//! sections; and the digital-phantom demo, whose files the application layer makes.
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
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sirt_planning::{Outcome, PlanningError};
use sirt_store::{NewCase, NewPatient, PlanInputs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The phantom demo case (`sirtplan demo`) with its image paths moved under
/// [`PHANTOM_FOLDER`] of the patient's folder.
fn phantom_case() -> String {
    sirt_planning::DEMO_PHANTOM_CASE.replace("\"dicom/", &format!("\"{PHANTOM_FOLDER}/dicom/"))
}

/// Folder of the phantom's files inside the patient's folder.
const PHANTOM_FOLDER: &str = "demo-phantom";

/// Plans whose volumes are kept in memory (about 40 MB each on the demo phantom): design
/// choice for a small server; older ones are computed again when asked.
const CACHED_PLANS: usize = 3;

/// One plan's volumes, ready to send, and its report document with the voxel sections (the
/// volumes and the report come from one computation; both are made again from the plan's
/// inputs when the cache no longer holds them).
pub(crate) struct Prepared {
    key: Key,
    meta: Volumes,
    arrays: Vec<(String, axum::body::Bytes)>,
    /// The report document of the plan with its voxel part (`sirt_planning::Outcome`).
    pub(crate) document: sirt_report::document::Document,
}

/// A plan's id and the SHA-256 (hex) of what its volumes depend on: the case file, a NUL byte,
/// the parameters JSON and the ids of its delivery records in force (`delivery`). Checking or
/// approving a plan does not change it.
type Key = (i64, String);

fn key_of(plan: &sirt_store::Plan, records: &sirt_store::PlanDeliveries) -> Key {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(plan.case_toml.as_bytes());
    h.update([0u8]);
    h.update(plan.parameters_json.as_bytes());
    // The records are inputs of the voxel part: its PET comparison scales the MAA prediction to
    // the delivered activity.
    for r in records.current() {
        h.update(format!("\0{}", r.id).as_bytes());
    }
    (plan.id, hex::encode(h.finalize()))
}

/// The cache and the lock that makes one computation run at a time (a voxel plan takes
/// seconds and hundreds of MB: concurrent viewers of one plan wait for the first).
#[derive(Default)]
pub struct VolumeCache {
    entries: Mutex<Vec<Arc<Prepared>>>,
    compute: tokio::sync::Mutex<()>,
}

impl VolumeCache {
    fn get(&self, key: &Key) -> Option<Arc<Prepared>> {
        self.entries
            .lock()
            .ok()
            .and_then(|e| e.iter().find(|p| &p.key == key).cloned())
    }

    fn put(&self, p: Arc<Prepared>) {
        if let Ok(mut e) = self.entries.lock() {
            e.retain(|x| x.key.0 != p.key.0);
            e.push(p);
            while e.len() > CACHED_PLANS {
                e.remove(0);
            }
        }
    }
}

/// The folder of a patient's images.
fn patient_folder(state: &AppState, patient_id: i64) -> PathBuf {
    state.patient_folder(patient_id)
}

fn unprocessable(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    let mut b = Vec::with_capacity(values.len() * 4);
    for v in values {
        b.extend_from_slice(&v.to_le_bytes());
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
fn outcome_error(e: EngineError, base: &std::path::Path) -> ApiError {
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
    arrays: Vec<(String, Vec<u8>)>,
}

/// The volumes and masks of the viewer with their arrays; `url` makes an array's URL.
fn lay_out(v: &sirt_planning::voxel::ViewerVolumes, url: &dyn Fn(&str) -> String) -> LaidOut {
    let mut vols = vec![image_volume("ct", VolumeKind::Ct, "CT", "HU", url("ct"))];
    let mut arrays: Vec<(String, Vec<u8>)> = vec![("ct".to_owned(), f32_bytes(v.ct_hu.data()))];
    if let Some(s) = &v.maa_spect_counts {
        vols.push(image_volume(
            "spect",
            VolumeKind::Activity,
            "MAA SPECT",
            "counts",
            url("spect"),
        ));
        arrays.push(("spect".into(), f32_bytes(s.data())));
    }
    if let Some(p) = &v.y90_pet_bq_per_ml {
        vols.push(image_volume(
            "pet",
            VolumeKind::Activity,
            "Y-90 PET",
            "Bq/mL",
            url("pet"),
        ));
        arrays.push(("pet".into(), f32_bytes(p.data())));
    }
    for (i, d) in v.doses.iter().enumerate() {
        let name = format!("dose-{i}");
        vols.push(ViewerVolume {
            dose_kind: Some(d.kind),
            session: Some(d.session.clone()),
            ..image_volume(&name, VolumeKind::Dose, &dose_label(d), "Gy", url(&name))
        });
        arrays.push((name, f32_bytes(d.gy.data())));
    }
    let mut structures = Vec::new();
    for (i, s) in v.structures.iter().enumerate() {
        let name = format!("mask-{i}");
        structures.push(ViewerStructure {
            name: s.name.clone(),
            role: format!("{:?}", s.role).to_lowercase(),
            url: url(&name),
        });
        arrays.push((name, s.mask.data().iter().map(|&b| u8::from(b)).collect()));
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

/// Lays the volumes of a plan's voxel part out for the viewer; keeps its report document.
fn prepare(key: Key, outcome: &Outcome) -> Result<Prepared, ApiError> {
    let voxel = outcome.voxel.as_ref().ok_or_else(ApiError::internal)?;
    let plan_id = key.0;
    let v = voxel.viewer_volumes().map_err(|_| ApiError::internal())?;
    let g = &v.grid;
    let axis_aligned = (0..3)
        .all(|i| (0..3).all(|j| (g.direction[i][j] - f64::from(u8::from(i == j))).abs() < 1e-6));
    // The inputs' hash in every URL: arrays of another version of the plan are refused.
    let url = |name: &str| format!("/api/plans/{plan_id}/volumes/{name}?v={}", &key.1[..16]);
    let LaidOut {
        volumes,
        structures,
        arrays,
    } = lay_out(&v, &url);
    let meta = Volumes {
        plan_id,
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
    Ok(Prepared {
        key,
        meta,
        document: outcome.document.clone(),
        arrays: arrays
            .into_iter()
            .map(|(n, b)| (n, axum::body::Bytes::from(b)))
            .collect(),
    })
}

pub(crate) async fn prepared(state: &AppState, id: i64) -> Result<Arc<Prepared>, ApiError> {
    let plan = state.store.plan(id).await?;
    prepared_for(state, &plan).await
}

/// The volumes and report document of this version of a plan (as read by the caller: a report
/// and its record come from the same version even when the plan is edited meanwhile).
pub(crate) async fn prepared_for(
    state: &AppState,
    plan: &sirt_store::Plan,
) -> Result<Arc<Prepared>, ApiError> {
    let records = state.store.deliveries(plan.id).await?;
    let key = key_of(plan, &records);
    if let Some(p) = state.volumes.get(&key) {
        return Ok(p);
    }
    // The analytic plan (milliseconds) and the images check before waiting for the voxel
    // computation of another plan.
    let case = state.store.case(plan.case_id).await?;
    let params = crate::engine::parameters_from(&crate::engine::parse_json(&plan.parameters_json))?;
    let computed = crate::engine::compute_stored(state, plan, params.clone()).await?;
    let Some(images) = &computed.plan.case.images else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_images",
            "this plan's case file has no [images] section: an analytic plan has no images to show (the phantom demo case has them)",
        ));
    };
    // Paths that leave the patient's folder are refused before waiting for another plan.
    let base = patient_folder(state, case.patient_id);
    sirt_planning::check_image_paths(images)
        .map_err(|e| outcome_error(crate::engine::EngineError::from(e), &base))?;
    let _turn = state.volumes.compute.lock().await;
    if let Some(p) = state.volumes.get(&key) {
        return Ok(p);
    }
    let engine = state.engine.clone();
    let case_toml = plan.case_toml.clone();
    // The parameters and the delivery records in force (`delivery`).
    let overrides = crate::delivery::with_records(&params, &records)?;
    let prepared = tokio::task::spawn_blocking(move || {
        let outcome = engine
            .outcome_overrides(&case_toml, &overrides, &base)
            .map_err(|e| outcome_error(e, &base))?;
        prepare(key, &outcome)
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let p = Arc::new(prepared);
    state.volumes.put(p.clone());
    Ok(p)
}

/// `GET /api/plans/{id}/volumes`: the grid, the volumes (CT, SPECT, PET, dose maps) and
/// structures with the URLs of their arrays, and the DVH of the first session.
pub(crate) async fn volumes(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let p = prepared(&state, id).await?;
    Ok(Json(&p.meta).into_response())
}

/// `GET /api/plans/{id}/volumes/{name}`: one array, little-endian `f32` (volumes) or `u8`
/// (masks), x fastest.
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
    let p = prepared(&state, id).await?;
    if let Some(v) = &q.v
        && !p.key.1.starts_with(v.as_str())
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("plan {id} changed since its volumes were listed: reload the plan"),
        ));
    }
    let bytes = p
        .arrays
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| b.clone())
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

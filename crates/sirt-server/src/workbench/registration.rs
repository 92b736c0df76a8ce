//! The registration step of the planning pages (issue 16, "Registration"): the MAA SPECT/CT
//! (through its CT when the draft has `maa_ct`, else the SPECT itself) and the Y-90 PET/CT
//! (through `pet_ct`, else the PET) registered to the planning CT by
//! `sirt_planning::registration`, looked at and nudged in the page, and saved as a DICOM Spatial
//! Registration object: a new series of the patient picked as the draft's `registration` (SPECT)
//! or `pet_registration` (PET) role.
//!
//! - `POST /api/cases/{id}/workbench/registration`: the automatic registration, off the async
//!   threads and one at a time; stores nothing but keeps the result beside the draft for the
//!   save that starts from it (its warnings must be accepted there).
//! - `PUT /api/cases/{id}/workbench/registration`: a transform (the automatic result, that
//!   result adjusted by hand, or one made by hand) checked to be rigid, written with the
//!   signed-in user as Content Creator and the method in the Content Description, stored through
//!   `crate::uploads::store_generated` (audited as the upload of a study) and picked in the draft.
//! - `GET /api/cases/{id}/workbench/registration`: the registrations the draft picks, read back
//!   from their REG objects (`sirt_planning::registration::saved_registration`): the transform,
//!   how it was found, who made it and when, so that the page shows them after a reload.

use super::{Context, context, draft, images, view};
use crate::answers::SeriesView;
use crate::error::{ApiError, ApiJson, PathId};
use crate::{AppState, Auth};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sirt_planning::registration::{
    Method, Provenance, RegionChoice, RegisterError, RigidRegistration, SavedRegistration, Series,
    Source, check_patients, load_fixed, load_moving, load_moving_ct, matrix, moving_through_ct,
    register, registration_object, rigid_from_matrix, rotation_angle_deg, rotation_angles_deg,
    saved_registration,
};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

type ApiResult = Result<Response, ApiError>;

/// One automatic registration at a time (design choice, as the engine's measurements: a
/// registration holds both images and its pyramid, hundreds of MB for a large CT, and uses
/// every core for seconds; a second request waits for the first).
static REGISTERING: Mutex<()> = Mutex::new(());

/// Largest difference between two matrix entries taken as the same transform (mm for the
/// translation column, unitless for the rotation): design choice, far below any nudge the page
/// makes (0.5°, 1 mm) and above the round trip of a matrix through JSON numbers.
const SAME_MATRIX: f64 = 1e-9;

/// An automatic result kept for the save that starts from it (its matrix, its warnings), in a
/// file beside the case's draft (`workbench/case-{case}-registration-{spect|pet}.json` in the
/// patient's folder), so that any server instance sharing the data folder checks the save.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    fixed_from_moving: [[f64; 4]; 4],
    warnings: Vec<String>,
    /// The series it was computed on: (planning CT, moving series, series registered in its
    /// place); a save whose draft picks others is not that result.
    series: [i64; 3],
}

/// Which image of the draft is registered to the planning CT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovingImage {
    /// The MAA SPECT (through `maa_ct` when picked).
    Spect,
    /// The Y-90 PET (through `pet_ct` when picked).
    Pet,
}

/// A region named by the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NamedRegion {
    /// The draft's liver structure (`structures.liver` of `roles.structures`), dilated by 20 mm.
    Liver,
    /// The whole planning CT.
    None,
}

/// A box in the planning CT's patient coordinates (LPS, mm).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoxRegion {
    /// Two opposite corners: x0, y0, z0, x1, y1, z1.
    #[serde(rename = "box")]
    pub corners: [f64; 6],
}

/// The region the registration samples.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RegionBody {
    /// `"liver"` or `"none"`.
    Named(NamedRegion),
    /// `{"box": [x0, y0, z0, x1, y1, z1]}`.
    Box(BoxRegion),
}

impl Default for RegionBody {
    fn default() -> Self {
        RegionBody::Named(NamedRegion::None)
    }
}

/// `POST /api/cases/{id}/workbench/registration` body.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRun {
    /// The image registered.
    pub moving: MovingImage,
    /// The region (default: the whole planning CT).
    #[serde(default)]
    pub region: RegionBody,
}

/// A warning of the automatic result.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WarningView {
    /// `not_converged`, `low_overlap`.
    pub kind: String,
    /// In words (English).
    pub text: String,
}

/// Rotation angles of a transform.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnglesView {
    /// About x, degrees (R = Rz·Ry·Rx).
    pub x: f64,
    /// About y, degrees.
    pub y: f64,
    /// About z, degrees.
    pub z: f64,
    /// The angle about the rotation's axis, degrees.
    pub total: f64,
}

/// The match at the automatic result (docs/registration.md, "Quality figures").
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QualityView {
    /// Normalised MI at the result (1 independent, 2 identical images).
    pub normalised_mi: f64,
    /// Normalised MI at the start.
    pub normalised_mi_initial: f64,
    /// Mattes MI at the result, nats.
    pub mattes_mi: f64,
    /// Mattes MI at the start, nats.
    pub mattes_mi_initial: f64,
    /// Correlation of the values at the result (CT to CT), when defined.
    pub correlation: Option<f64>,
    /// Share of the region inside the moving image at the result (0–1).
    pub overlap: f64,
}

/// `POST /api/cases/{id}/workbench/registration` answer: the automatic result (nothing stored).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RegistrationResult {
    /// The image registered.
    pub moving: MovingImage,
    /// The planning CT series.
    pub fixed_series_id: i64,
    /// The series whose frame is registered (the SPECT or PET).
    pub moving_series_id: i64,
    /// The series registered in its place (its CT), or the moving series itself.
    pub registered_series_id: i64,
    /// Takes a point in the moving series' patient coordinates (LPS, mm) to the planning CT's:
    /// 4 rows of 4 numbers, translation in the fourth column.
    pub fixed_from_moving: [[f64; 4]; 4],
    /// The translation, mm.
    pub translation_mm: [f64; 3],
    /// The rotation's angles.
    pub angles_deg: AnglesView,
    /// The centre of rotation the optimiser used (planning CT patient coordinates, mm).
    pub centre_of_rotation_mm: [f64; 3],
    /// The match.
    pub quality: QualityView,
    /// What to look at before saving (empty: none); a save from this result needs
    /// `accept_warnings` when there is one.
    pub warnings: Vec<WarningView>,
    /// The region used, in words (English).
    pub region: String,
}

/// `PUT /api/cases/{id}/workbench/registration` body.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationSave {
    /// The image registered.
    pub moving: MovingImage,
    /// The transform saved (possibly nudged): moving series' patient coordinates → planning
    /// CT's, 4 rows of 4 numbers; must be rigid.
    pub fixed_from_moving: [[f64; 4]; 4],
    /// The automatic result it started from (as `POST` answered it), or null when aligned by
    /// hand from the start.
    #[serde(default)]
    pub automatic: Option<[[f64; 4]; 4]>,
    /// Save even though the automatic result had warnings.
    #[serde(default)]
    pub accept_warnings: bool,
    /// The draft's revision (409 when it changed since).
    pub revision: i64,
}

/// The series of one registration: (fixed CT, moving series, series registered in its place)
/// as (id, path relative to the patient's folder, label).
struct Picks {
    fixed: (i64, String),
    moving: (i64, String, &'static str),
    registered: Option<(i64, String, &'static str)>,
}

fn pick(
    series: &[SeriesView],
    id: Option<i64>,
    field: &'static str,
    what: &str,
) -> Result<(i64, String), ApiError> {
    id.and_then(|id| series.iter().find(|s| s.series.id == id))
        .map(|s| (s.series.id, s.path.clone()))
        .ok_or_else(|| ApiError::invalid(format!("field `{field}`: expected {what}, found none")))
}

/// The draft's series for `moving` (422 naming the role when one is not picked).
fn picks(c: &Context, moving: MovingImage) -> Result<Picks, ApiError> {
    let r = &c.stored.draft.roles;
    super::roles::check(r, &c.series)?;
    let fixed = pick(
        &c.series,
        r.planning_ct,
        "roles.planning_ct",
        "the planning CT series",
    )?;
    let (activity, activity_field, activity_what, ct, ct_field) = match moving {
        MovingImage::Spect => (
            r.maa_spect,
            "roles.maa_spect",
            "the MAA SPECT series",
            r.maa_ct,
            "roles.maa_ct",
        ),
        MovingImage::Pet => (
            r.y90_pet,
            "roles.y90_pet",
            "the Y-90 PET series",
            r.pet_ct,
            "roles.pet_ct",
        ),
    };
    let (mid, mpath) = pick(&c.series, activity, activity_field, activity_what)?;
    let registered = match ct {
        Some(_) => {
            let (id, path) = pick(&c.series, ct, ct_field, "its CT")?;
            Some((id, path, ct_field))
        }
        None => None,
    };
    Ok(Picks {
        fixed,
        moving: (mid, mpath, activity_field),
        registered,
    })
}

/// A refusal of the application layer in the patient folder's words: 422 (`images`), or 500.
fn register_error(e: &RegisterError, base: &Path) -> ApiError {
    if e.is_input() {
        let mut a = images::image_error(e, base);
        a.code = "registration";
        a.message = a
            .message
            .replacen("the images picked: ", "registration: ", 1);
        a
    } else {
        ApiError::internal()
    }
}

/// The fixed series and the series registered, read (the moving series checked to share its
/// CT's frame when registered through it).
fn load_pair(base: &Path, p: &Picks) -> Result<(Series, Series), RegisterError> {
    let fixed_path = base.join(&p.fixed.1);
    let fixed = load_fixed(Source {
        label: "roles.planning_ct",
        path: &fixed_path,
    })?;
    let moving_path = base.join(&p.moving.1);
    let moving = Source {
        label: p.moving.2,
        path: &moving_path,
    };
    let registered = match &p.registered {
        Some((_, path, label)) => {
            let ct_path = base.join(path);
            let ct = load_moving_ct(Source {
                label,
                path: &ct_path,
            })?;
            moving_through_ct(moving, &ct)?;
            ct
        }
        None => load_moving(moving)?,
    };
    check_patients(&fixed, &registered)?;
    Ok((fixed, registered))
}

/// The region of the request on the draft's structures.
fn region_choice(c: &Context, body: &RegionBody, base: &Path) -> Result<RegionChoice, ApiError> {
    match body {
        RegionBody::Named(NamedRegion::None) => Ok(RegionChoice::Whole),
        RegionBody::Box(b) => {
            let [x0, y0, z0, x1, y1, z1] = b.corners;
            Ok(RegionChoice::Box {
                min: sirt_geometry::PointLps::new(x0, y0, z0),
                max: sirt_geometry::PointLps::new(x1, y1, z1),
            })
        }
        RegionBody::Named(NamedRegion::Liver) => {
            let d = &c.stored.draft;
            let (_, path) = pick(
                &c.series,
                d.roles.structures,
                "roles.structures",
                "the structures series (RT Structure Set or SEG) holding the liver",
            )?;
            let name = d
                .structures
                .liver
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "field `structures.liver`: expected the liver structure (the region \
                         \"liver\" samples it, dilated by 20 mm), found none",
                    )
                })?;
            Ok(RegionChoice::Structure {
                label: "roles.structures".into(),
                path: base.join(path),
                name: name.to_owned(),
            })
        }
    }
}

/// Where the automatic result of a case's image is kept.
fn kept_path(state: &AppState, patient_id: i64, case_id: i64, moving: MovingImage) -> PathBuf {
    let which = match moving {
        MovingImage::Spect => "spect",
        MovingImage::Pet => "pet",
    };
    state
        .patient_folder(patient_id)
        .join("workbench")
        .join(format!("case-{case_id}-registration-{which}.json"))
}

/// Keeps an automatic result (written to a new file, then renamed over the previous one).
async fn keep(
    state: &AppState,
    patient_id: i64,
    case_id: i64,
    moving: MovingImage,
    kept: &Kept,
) -> Result<(), ApiError> {
    let p = kept_path(state, patient_id, case_id, moving);
    let bytes = serde_json::to_vec(kept).map_err(|_| ApiError::internal())?;
    let mut tag = [0u8; 8];
    getrandom::fill(&mut tag).map_err(|_| ApiError::internal())?;
    let tmp = p.with_extension(format!("{}.tmp", hex::encode(tag)));
    if let Some(dir) = p.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|_| ApiError::internal())?;
    }
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(|_| ApiError::internal())?;
    if tokio::fs::rename(&tmp, &p).await.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(ApiError::internal());
    }
    Ok(())
}

/// The automatic result kept for a case's image, if any.
async fn kept(
    state: &AppState,
    patient_id: i64,
    case_id: i64,
    moving: MovingImage,
) -> Result<Option<Kept>, ApiError> {
    match tokio::fs::read(kept_path(state, patient_id, case_id, moving)).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| ApiError::internal()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) => Err(ApiError::internal()),
    }
}

fn result_view(
    moving: MovingImage,
    p: &Picks,
    r: &RigidRegistration,
    region: String,
) -> RegistrationResult {
    let f = &r.fixed_from_moving;
    let [x, y, z] = rotation_angles_deg(&f.rotation);
    let q = &r.quality;
    let c = r.centre_of_rotation;
    RegistrationResult {
        moving,
        fixed_series_id: p.fixed.0,
        moving_series_id: p.moving.0,
        registered_series_id: p.registered.as_ref().map_or(p.moving.0, |r| r.0),
        fixed_from_moving: matrix(f),
        translation_mm: f.translation_mm,
        angles_deg: AnglesView {
            x,
            y,
            z,
            total: rotation_angle_deg(&f.rotation),
        },
        centre_of_rotation_mm: [c.x, c.y, c.z],
        quality: QualityView {
            normalised_mi: q.normalised_mi,
            normalised_mi_initial: q.normalised_mi_initial,
            mattes_mi: q.mattes_mi,
            mattes_mi_initial: q.mattes_mi_initial,
            correlation: q.correlation,
            overlap: q.overlap.value(),
        },
        warnings: r
            .warnings
            .iter()
            .map(|w| WarningView {
                kind: match w {
                    sirt_planning::registration::RegistrationWarning::NotConverged { .. } => {
                        "not_converged".into()
                    }
                    sirt_planning::registration::RegistrationWarning::LowOverlap { .. } => {
                        "low_overlap".into()
                    }
                },
                text: w.to_string(),
            })
            .collect(),
        region,
    }
}

/// The region in words (English), without the server's folders.
fn region_words(s: &sirt_planning::registration::RegionSummary, base: &Path) -> String {
    use sirt_planning::registration::RegionSummary;
    match s {
        RegionSummary::Whole => "the whole planning CT".into(),
        RegionSummary::Box { min, max } => format!(
            "box ({}, {}, {}) to ({}, {}, {}) mm",
            min[0], min[1], min[2], max[0], max[1], max[2]
        ),
        RegionSummary::Mask {
            source,
            voxels,
            volume_ml,
            margin_mm,
        } => format!(
            "mask {} ({voxels} voxels, {volume_ml:.1} mL), dilated by {margin_mm} mm",
            source.replace(&format!("{}/", base.display()), "")
        ),
    }
}

/// `POST /api/cases/{id}/workbench/registration`: the automatic registration.
pub(crate) async fn post_registration(
    State(state): State<AppState>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<RegistrationRun>,
) -> ApiResult {
    let c = context(&state, id).await?;
    let p = picks(&c, body.moving)?;
    let base = state.patient_folder(c.patient.id);
    let choice = region_choice(&c, &body.region, &base)?;
    let moving = body.moving;
    let view = tokio::task::spawn_blocking(move || {
        let _turn = REGISTERING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let run = || -> Result<RegistrationResult, RegisterError> {
            let (fixed, registered) = load_pair(&base, &p)?;
            let (r, summary) = register(&fixed, &registered, &choice)?;
            Ok(result_view(moving, &p, &r, region_words(&summary, &base)))
        };
        run().map_err(|e| register_error(&e, &base))
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let automatic = Kept {
        fixed_from_moving: view.fixed_from_moving,
        warnings: view.warnings.iter().map(|w| w.text.clone()).collect(),
        series: [
            view.fixed_series_id,
            view.moving_series_id,
            view.registered_series_id,
        ],
    };
    keep(&state, c.patient.id, id, moving, &automatic).await?;
    Ok(Json(view).into_response())
}

fn same_matrix(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4]) -> bool {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .all(|(x, y)| (x - y).abs() <= SAME_MATRIX)
}

/// How the transform saved was found: checked against the automatic result this server
/// computed (422 when it is not that result, or when its warnings are not accepted).
async fn method_of(
    state: &AppState,
    c: &Context,
    body: &RegistrationSave,
) -> Result<(Method, Option<Kept>), ApiError> {
    let Some(automatic) = &body.automatic else {
        return Ok((Method::ByHand, None));
    };
    let p = picks(c, body.moving)?;
    let now = [
        p.fixed.0,
        p.moving.0,
        p.registered.as_ref().map_or(p.moving.0, |r| r.0),
    ];
    let k = kept(state, c.patient.id, c.case.id, body.moving)
        .await?
        .filter(|k| k.series == now)
        .filter(|k| same_matrix(&k.fixed_from_moving, automatic))
        .ok_or_else(|| {
            ApiError::invalid(
                "field `automatic`: expected the automatic result computed for these series \
                 (POST …/workbench/registration), found another or none (or the draft's \
                 series changed since): run the automatic registration again",
            )
        })?;
    if !k.warnings.is_empty() && !body.accept_warnings {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "registration_warnings",
            format!(
                "field `accept_warnings`: the automatic result has warnings ({}); look at the \
                 fused images, then accept them to save",
                k.warnings.join("; ")
            ),
        ));
    }
    if same_matrix(&body.fixed_from_moving, automatic) {
        Ok((Method::Automatic, Some(k)))
    } else {
        Ok((Method::AutomaticAdjusted, Some(k)))
    }
}

/// The person saving, as the object's Content Creator: the account's name shown, else its
/// login name.
fn person(auth: &Auth) -> String {
    let d = auth.user.display_name.trim();
    if d.is_empty() {
        auth.user.username.clone()
    } else {
        d.to_owned()
    }
}

/// The REG object's bytes for the transform saved (checked rigid between the two frames).
fn object_bytes(
    base: &Path,
    p: &Picks,
    m: [[f64; 4]; 4],
    method: Method,
    creator: &str,
) -> Result<Vec<u8>, ApiError> {
    let (fixed, registered) = load_pair(base, p).map_err(|e| register_error(&e, base))?;
    let t = rigid_from_matrix(
        m,
        fixed.frame().clone(),
        registered.frame().clone(),
        "fixed_from_moving",
    )
    .map_err(|e| ApiError::invalid(e.to_string()))?;
    let made = Provenance {
        creator: Some(creator),
        method,
        quality: None,
    };
    registration_object(&t, &fixed, &registered, &made).map_err(|e| register_error(&e, base))
}

/// The study's description of the object stored.
fn stored_description(moving: MovingImage, method: Method) -> String {
    let what = match moving {
        MovingImage::Spect => "MAA SPECT/CT",
        MovingImage::Pet => "Y-90 PET/CT",
    };
    format!(
        "Spatial registration of the {what} to the planning CT ({})",
        method.words()
    )
}

/// `PUT /api/cases/{id}/workbench/registration`: the transform saved as a REG series, picked.
pub(crate) async fn put_registration(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<RegistrationSave>,
) -> ApiResult {
    let mut c = context(&state, id).await?;
    if body.revision != c.stored.revision {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "the planning draft of case {id} is at revision {} (saved by {}), your registration was based on {}: reload it",
                c.stored.revision,
                c.stored.updated_by.as_deref().unwrap_or("no one"),
                body.revision
            ),
        ));
    }
    let p = picks(&c, body.moving)?;
    // Rigid first: a refusal names the field before any image is read.
    rigid_from_matrix(
        body.fixed_from_moving,
        sirt_geometry::FrameOfReference("fixed".into()),
        sirt_geometry::FrameOfReference("moving".into()),
        "fixed_from_moving",
    )
    .map_err(|e| ApiError::invalid(e.to_string()))?;
    let (method, _) = method_of(&state, &c, &body).await?;
    let base: PathBuf = state.patient_folder(c.patient.id);
    let creator = person(&auth);
    let m = body.fixed_from_moving;
    let bytes = tokio::task::spawn_blocking(move || object_bytes(&base, &p, m, method, &creator))
        .await
        .map_err(|_| ApiError::internal())??;
    let stored = crate::uploads::store_generated(
        &state,
        &auth.actor(),
        c.patient.id,
        &stored_description(body.moving, method),
        vec![("registration.dcm".to_owned(), bytes)],
    )
    .await?;
    let series_id = stored
        .study
        .series
        .iter()
        .find(|s| s.series.modality == "REG")
        .map(|s| s.series.id)
        .ok_or_else(ApiError::internal)?;
    let moving = body.moving;
    c.stored = draft::save(
        &state,
        c.patient.id,
        id,
        body.revision,
        &auth.user.username,
        |s| match moving {
            MovingImage::Spect => s.draft.roles.registration = Some(series_id),
            MovingImage::Pet => s.draft.roles.pet_registration = Some(series_id),
        },
    )
    .await?;
    // The new series is the patient's: the view lists it.
    let fresh = context(&state, id).await?;
    c.series = fresh.series;
    Ok((StatusCode::CREATED, Json(view(&state, &c).await?)).into_response())
}

/// How a saved transform was found (the REG object's own words, for an object sirtplan wrote).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SavedMethod {
    /// The automatic registration's result as it was.
    Automatic,
    /// The automatic result, then adjusted by hand.
    AutomaticAdjusted,
    /// Aligned by hand.
    ByHand,
}

/// A registration the draft picks, read back from its REG object.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SavedRegistrationView {
    /// The image registered.
    pub moving: MovingImage,
    /// The REG series (`roles.registration` or `roles.pet_registration`).
    pub series_id: i64,
    /// The planning CT series.
    pub fixed_series_id: i64,
    /// The SPECT or PET series.
    pub moving_series_id: i64,
    /// The series whose frame the transform takes (its CT, or the moving series itself).
    pub registered_series_id: i64,
    /// Takes a point in the moving series' patient coordinates (LPS, mm) to the planning CT's:
    /// 4 rows of 4 numbers, translation in the fourth column.
    pub fixed_from_moving: [[f64; 4]; 4],
    /// The translation, mm.
    pub translation_mm: [f64; 3],
    /// The rotation's angles.
    pub angles_deg: AnglesView,
    /// How it was found, for an object sirtplan wrote; null for another program's.
    pub method: Option<SavedMethod>,
    /// The object's Content Description.
    pub description: Option<String>,
    /// Who made it (Content Creator's Name, as written).
    pub creator: Option<String>,
    /// When (Content Date and Time as written: `2024-05-01 14:03:12`, UTC for sirtplan's).
    pub made_at: Option<String>,
    /// The Registration Type codes' meanings (PS3.16 CID 7100).
    pub registration_types: Vec<String>,
}

/// `GET /api/cases/{id}/workbench/registration` answer: the saved registrations the draft
/// picks (null where none is picked).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SavedRegistrations {
    /// The MAA SPECT/CT's (`roles.registration`).
    pub spect: Option<SavedRegistrationView>,
    /// The Y-90 PET/CT's (`roles.pet_registration`).
    pub pet: Option<SavedRegistrationView>,
}

/// The frame of reference of a series, or 422 naming its role.
fn frame_of(
    c: &Context,
    id: i64,
    field: &str,
) -> Result<sirt_geometry::FrameOfReference, ApiError> {
    c.series
        .iter()
        .find(|s| s.series.id == id)
        .and_then(|s| s.series.frame_of_reference_uid.clone())
        .map(sirt_geometry::FrameOfReference)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "field `{field}`: expected a DICOM series with a Frame of Reference UID (a saved \
                 registration relates frames of reference), found none"
            ))
        })
}

fn saved_view(
    moving: MovingImage,
    reg_id: i64,
    p: &Picks,
    r: &SavedRegistration,
) -> SavedRegistrationView {
    let f = &r.fixed_from_moving;
    let [x, y, z] = rotation_angles_deg(&f.rotation);
    SavedRegistrationView {
        moving,
        series_id: reg_id,
        fixed_series_id: p.fixed.0,
        moving_series_id: p.moving.0,
        registered_series_id: p.registered.as_ref().map_or(p.moving.0, |r| r.0),
        fixed_from_moving: matrix(f),
        translation_mm: f.translation_mm,
        angles_deg: AnglesView {
            x,
            y,
            z,
            total: rotation_angle_deg(&f.rotation),
        },
        method: r.method.map(|m| match m {
            Method::Automatic => SavedMethod::Automatic,
            Method::AutomaticAdjusted => SavedMethod::AutomaticAdjusted,
            Method::ByHand => SavedMethod::ByHand,
        }),
        description: r.description.clone(),
        creator: r.creator.clone(),
        made_at: r.made_at.clone(),
        registration_types: r.registration_types.clone(),
    }
}

/// The registration the draft picks for `moving`, read back (None when none is picked).
async fn saved_one(
    c: &Context,
    base: &Path,
    moving: MovingImage,
) -> Result<Option<SavedRegistrationView>, ApiError> {
    let r = &c.stored.draft.roles;
    let (reg, field) = match moving {
        MovingImage::Spect => (r.registration, "roles.registration"),
        MovingImage::Pet => (r.pet_registration, "roles.pet_registration"),
    };
    let Some(reg) = reg else {
        return Ok(None);
    };
    let (reg_id, reg_path) = pick(&c.series, Some(reg), field, "a spatial registration series")?;
    let p = picks(c, moving)?;
    let fixed = frame_of(c, p.fixed.0, "roles.planning_ct")?;
    let registered = p.registered.as_ref().map_or(p.moving.0, |r| r.0);
    let moving_field = p.registered.as_ref().map_or(p.moving.2, |r| r.2);
    let moving_frame = frame_of(c, registered, moving_field)?;
    // A REG object is stored as one file (the series' path names it).
    let file = base.join(&reg_path);
    let base2 = base.to_path_buf();
    let read = tokio::task::spawn_blocking(move || {
        saved_registration(&file, field, &fixed, &moving_frame)
            .map_err(|e| register_error(&e, &base2))
    })
    .await
    .map_err(|_| ApiError::internal())??;
    Ok(Some(saved_view(moving, reg_id, &p, &read)))
}

/// `GET /api/cases/{id}/workbench/registration`: the saved registrations the draft picks.
pub(crate) async fn get_registration(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> ApiResult {
    let c = context(&state, id).await?;
    let base = state.patient_folder(c.patient.id);
    let spect = saved_one(&c, &base, MovingImage::Spect).await?;
    let pet = saved_one(&c, &base, MovingImage::Pet).await?;
    Ok(Json(SavedRegistrations { spect, pet }).into_response())
}

//! Structure editing in the planning pages (issue 16, "Structures"): a physicist makes and edits
//! the structures on the planning CT in the browser. An editing session per case lies in files
//! under the patient's folder (`store`), seen by every server instance; each tool runs through
//! `sirt_planning::structures::make` (the tools of `sirt-segmentation`, the checks of an
//! implausible liver, a territory outside the liver, an empty result) off the async threads
//! (`run`), and answers the new volumes at once. Saving writes one DICOM SEG
//! (`sirt_planning::structures::seg_bytes`: Content Creator's Name the user's, each segment's
//! algorithm type and name from its edit history) or one RT Structure Set
//! (`sirt_planning::structures::rt_struct_bytes`: Operators' Name the user's, each ROI's
//! generation algorithm, description and interpreter from its history), stores it as a new
//! series of the patient and picks it as the draft's `roles.structures`.
//!
//! Routes (`/api/cases/{id}/workbench/structures/session…`): `GET` and `POST` (open or reset,
//! from the picked structures series or empty), `POST …/tools` (a tool), `PUT …/slab` (a
//! brush or eraser edit: the slices touched, one byte a voxel), `POST …/undo`, `POST …/redo`,
//! `GET …/mask` (one structure's mask, raw bytes or NIfTI), `POST …/save`.
//!
//! A brush or eraser edit is recorded in the edit history as an import of the drawing
//! ("import \"drawing: slices 40–41, 152 voxels added\""): the history's brush operation is a
//! ball or disc stroke, which a drawing of NiiVue is not; an import counts as neither an
//! algorithm nor a stroke, so a structure only drawn by hand stays MANUAL.

mod run;
mod store;

use crate::error::{ApiError, ApiJson, ApiQuery, PathId};
use crate::{AppState, Auth};
use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sirt_geometry::Role;

type ApiResult = Result<Response, ApiError>;

/// Largest brush or eraser edit, bytes (one a voxel). Design choice: 64 MiB holds a whole
/// 512 × 512 × 256 slab, far more than a drawing touches.
pub const SLAB_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// What a structure is (decides the checks and the SEG's codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// The whole liver, tumours included (its volume is checked against the site's bounds).
    Liver,
    /// The lungs.
    Lungs,
    /// A tumour.
    Tumour,
    /// A perfused territory (checked to lie in the liver).
    Territory,
    /// The liver without its tumours.
    NormalLiver,
    /// An extrahepatic structure (stomach, duodenum).
    Extrahepatic,
    /// Anything else.
    Other,
}

impl RoleName {
    pub(crate) fn role(self) -> Role {
        match self {
            RoleName::Liver => Role::Liver,
            RoleName::Lungs => Role::Lungs,
            RoleName::Tumour => Role::Tumour,
            RoleName::Territory => Role::Territory,
            RoleName::NormalLiver => Role::NormalLiver,
            RoleName::Extrahepatic => Role::Extrahepatic,
            RoleName::Other => Role::Other,
        }
    }

    /// The role a structure's name implies ("liver", "lungs", "T1", "right lobe", "stomach"),
    /// with the RT ROI Interpreted Type when stated (GTV: a tumour).
    pub(crate) fn implied(name: &str, interpreted_type: Option<&str>) -> RoleName {
        let n = name.trim().to_ascii_lowercase();
        let tumour_id =
            n.len() > 1 && n.starts_with('t') && n[1..].bytes().all(|b| b.is_ascii_digit());
        match n.as_str() {
            "liver" => RoleName::Liver,
            "lungs" | "lung" => RoleName::Lungs,
            "normal liver" => RoleName::NormalLiver,
            "stomach" | "duodenum" | "gallbladder" => RoleName::Extrahepatic,
            _ if tumour_id || interpreted_type.is_some_and(|t| t.eq_ignore_ascii_case("GTV")) => {
                RoleName::Tumour
            }
            _ if n.contains("territory") || n.ends_with(" lobe") => RoleName::Territory,
            _ => RoleName::Other,
        }
    }
}

/// Where a new session starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionSource {
    /// The structures of the series picked as `roles.structures` (RT Structure Set, SEG or a
    /// NIfTI label map), each on the planning CT's grid.
    Picked,
    /// No structure.
    Empty,
}

/// `POST /api/cases/{id}/workbench/structures/session` body.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionOpen {
    /// Where to start from (the session kept so far is replaced).
    pub source: SessionSource,
}

/// The image a threshold reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImageRole {
    /// The planning CT (HU).
    Ct,
    /// The MAA SPECT (counts).
    Spect,
    /// The Y-90 PET (Bq/mL).
    Pet,
}

/// Seeded region growing on the planning CT.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrowTool {
    /// The structure made (replaced when it exists).
    pub structure: String,
    /// What it is; default from its name ("liver": a liver).
    #[serde(default)]
    pub role: Option<RoleName>,
    /// The seed, patient coordinates (LPS, mm).
    pub seed_lps_mm: [f64; 3],
    /// Lowest HU kept.
    pub hu_min: f64,
    /// Highest HU kept.
    pub hu_max: f64,
    /// 6 (faces, the default) or 26 (faces, edges, corners).
    #[serde(default)]
    pub connectivity: Option<u8>,
    /// Fill the holes (3-D) of the grown region: tumours and vessels inside the liver.
    #[serde(default)]
    pub fill_holes: bool,
}

/// A threshold on the CT, the SPECT or the PET, with a connected-component filter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdTool {
    /// The structure made (replaced when it exists).
    pub structure: String,
    /// What it is; default from its name.
    #[serde(default)]
    pub role: Option<RoleName>,
    /// The image.
    pub image: ImageRole,
    /// Lowest value kept (HU, counts, Bq/mL).
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest value kept (CT and PET).
    #[serde(default)]
    pub max: Option<f64>,
    /// Instead of `min`/`max`: at least this percentage of the maximum (of the whole image; on
    /// the SPECT, of the maximum within `within`).
    #[serde(default)]
    pub percent_of_max: Option<f64>,
    /// A structure the result is restricted to.
    #[serde(default)]
    pub within: Option<String>,
    /// Keep the connected component holding this point (LPS, mm).
    #[serde(default)]
    pub seed_lps_mm: Option<[f64; 3]>,
    /// Keep the connected components of at least this many CT voxels.
    #[serde(default)]
    pub min_voxels: Option<usize>,
}

/// The perfused territory of one injection on the MAA SPECT, within the liver.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TerritoryTool {
    /// The structure made (replaced when it exists), e.g. "territory WL".
    pub structure: String,
    /// The liver structure the threshold is restricted to (and the territory checked against).
    pub liver: String,
    /// Keep the voxels at or above this percentage of the maximum within the liver.
    #[serde(default)]
    pub percent_of_max: Option<f64>,
    /// Or keep the voxels with at least this many counts within the liver.
    #[serde(default)]
    pub min_counts: Option<f64>,
}

/// A boolean operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BooleanName {
    /// a ∪ b.
    Union,
    /// a ∩ b.
    Intersection,
    /// a − b.
    Difference,
}

/// `result = a op b`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BooleanTool {
    /// The first structure.
    pub a: String,
    /// The operation.
    pub op: BooleanName,
    /// The second structure.
    pub b: String,
    /// The structure made (may be `a`: replaced).
    pub result: String,
    /// What the result is; default: `a`'s role when `result` is `a`, else from its name.
    #[serde(default)]
    pub role: Option<RoleName>,
}

/// One structure and a parameter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarginTool {
    /// The structure.
    pub structure: String,
    /// Grow (positive) or shrink (negative) by this distance, mm (exact Euclidean).
    pub mm: f64,
}

/// Fill the holes of a structure.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FillHolesTool {
    /// The structure.
    pub structure: String,
    /// Slice by slice instead of in 3-D.
    #[serde(default)]
    pub per_slice: bool,
}

/// Shape-based interpolation between two edited slices.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InterpolateTool {
    /// The structure.
    pub structure: String,
    /// One edited slice (k); default: the lower of the last two slices drawn.
    #[serde(default)]
    pub from_slice: Option<usize>,
    /// The other; default: the higher of the last two slices drawn.
    #[serde(default)]
    pub to_slice: Option<usize>,
}

/// A new empty structure (to draw in).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTool {
    /// Its name.
    pub structure: String,
    /// What it is; default from its name.
    #[serde(default)]
    pub role: Option<RoleName>,
    /// `#rrggbb`.
    #[serde(default)]
    pub colour: Option<String>,
}

/// Rename, recolour, change the role of, or delete a structure.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertiesTool {
    /// The structure.
    pub structure: String,
    /// A new name.
    #[serde(default)]
    pub rename_to: Option<String>,
    /// A colour, `#rrggbb`.
    #[serde(default)]
    pub colour: Option<String>,
    /// A role.
    #[serde(default)]
    pub role: Option<RoleName>,
    /// Delete it.
    #[serde(default)]
    pub delete: bool,
}

/// `POST /api/cases/{id}/workbench/structures/session/tools` body: one tool.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "tool", rename_all = "snake_case")]
pub enum StructureTool {
    /// Seeded region growing on the CT.
    Grow(GrowTool),
    /// Threshold (CT, SPECT, PET) with a connected-component filter.
    Threshold(ThresholdTool),
    /// A perfused territory on the SPECT within the liver.
    Territory(TerritoryTool),
    /// Union, intersection, difference.
    Boolean(BooleanTool),
    /// Grow or shrink.
    Margin(MarginTool),
    /// Fill holes.
    FillHoles(FillHolesTool),
    /// Interpolate between two edited slices.
    Interpolate(InterpolateTool),
    /// A new empty structure.
    New(NewTool),
    /// Rename, recolour, role, delete.
    Properties(PropertiesTool),
}

/// How a drawing changes the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlabMode {
    /// The slices become the slab (1 inside, 0 outside).
    Replace,
    /// The voxels at 1 are added (brush).
    Paint,
    /// The voxels at 1 are removed (eraser).
    Erase,
}

/// `PUT …/session/slab` query; the body is `application/octet-stream`, one byte a voxel (0 or
/// 1) of slices `first_slice` on, i fastest, then j, then k (the CT grid's order).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlabQuery {
    /// The structure drawn.
    pub structure: String,
    /// The first slice (k) of the slab.
    pub first_slice: usize,
    /// Replace (default), paint or erase.
    #[serde(default)]
    pub mode: Option<SlabMode>,
}

/// `GET …/session/mask` query.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaskQuery {
    /// The structure.
    pub structure: String,
    /// `u8` (default: one byte a voxel, the CT grid's order) or `nifti` (uint16 0/1, the CT's
    /// affine, as `…/series/{id}/volume`).
    #[serde(default)]
    pub format: Option<String>,
}

/// The DICOM object the structures are saved as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SaveFormat {
    /// A DICOM SEG (Segmentation Storage, one segment a structure: the masks voxel for voxel).
    #[default]
    Seg,
    /// An RT Structure Set (contours traced on every CT slice, for planning systems).
    RtStruct,
}

impl SaveFormat {
    /// The modality of the series stored.
    fn modality(self) -> &'static str {
        match self {
            SaveFormat::Seg => "SEG",
            SaveFormat::RtStruct => "RTSTRUCT",
        }
    }
}

/// `POST …/session/save` body.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionSave {
    /// The planning draft's revision the structures series is picked in (409 when it changed).
    pub revision: i64,
    /// `seg` (default) or `rt_struct`.
    #[serde(default)]
    pub format: SaveFormat,
}

/// A structure of the session.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EditedStructure {
    /// Its name.
    pub name: String,
    /// What it is.
    pub role: RoleName,
    /// `#rrggbb`, when chosen.
    pub colour: Option<String>,
    /// Its volume on the planning CT's grid, mL.
    pub volume_ml: f64,
    /// Voxels inside.
    pub voxels: usize,
    /// DICOM Segment Algorithm Type its history gives (MANUAL, SEMIAUTOMATIC, AUTOMATIC).
    pub algorithm_type: String,
    /// How it was made, in one line.
    pub how: String,
    /// Slices drawn by hand, latest last.
    pub edited_slices: Vec<usize>,
}

/// The editing session (`open` false: none yet).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StructureSession {
    /// The case.
    pub case_id: i64,
    /// Whether a session is open.
    pub open: bool,
    /// Changes so far.
    pub revision: u64,
    /// The planning CT series the masks lie on.
    pub ct_series_id: Option<i64>,
    /// Voxels along i, j, k of its grid.
    pub dims: Option<[usize; 3]>,
    /// Its voxel spacing, mm.
    pub spacing_mm: Option<[f64; 3]>,
    /// The structures series it was opened from.
    pub source_series_id: Option<i64>,
    /// The structures.
    pub structures: Vec<EditedStructure>,
    /// What undo would take back.
    pub undo: Option<String>,
    /// What redo would do again.
    pub redo: Option<String>,
    /// The last change, in words.
    pub last: Option<String>,
    /// The series (SEG or RT Structure Set) saved last.
    pub saved_series_id: Option<i64>,
}

/// `POST …/session/save` answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StructuresSaved {
    /// The new series (SEG or RT Structure Set).
    pub series_id: i64,
    /// What it is.
    pub format: SaveFormat,
    /// Its study.
    pub study_id: i64,
    /// The planning draft's revision with the series picked as `roles.structures`.
    pub revision: i64,
    /// Who made the structures (the SEG's Content Creator's Name, the RT Structure Set's
    /// Operators' Name and ROI Interpreter).
    pub content_creator: String,
    /// The session.
    pub session: StructureSession,
}

/// What a request needs, gathered on the async side.
pub(crate) struct Prepared {
    pub case_id: i64,
    pub patient_id: i64,
    pub base: std::path::PathBuf,
    pub dir: store::Dir,
    pub roles: super::draft::Roles,
    pub series: Vec<crate::answers::SeriesView>,
    pub plausibility: sirt_settings::Plausibility,
    pub draft_revision: i64,
}

async fn prepare(state: &AppState, case_id: i64) -> Result<Prepared, ApiError> {
    let c = super::context(state, case_id).await?;
    let base = state.patient_folder(c.patient.id);
    Ok(Prepared {
        case_id,
        patient_id: c.patient.id,
        dir: store::Dir::new(&base, case_id),
        base,
        roles: c.stored.draft.roles.clone(),
        series: c.series,
        plausibility: state.engine.site().settings.plausibility,
        draft_revision: c.stored.revision,
    })
}

/// The person as the SEG names them (Content Creator's Name, a DICOM person name
/// `Family^Given`, PS3.5 6.2.1): the account's display name, "Given Family" turned into
/// "Family^Given" at its last space (design choice: the display names of the accounts are
/// written given name first; one already holding `^` is kept as written), else its username.
fn person(auth: &Auth) -> String {
    let d = auth.user.display_name.trim();
    if d.is_empty() {
        return auth.user.username.clone();
    }
    if d.contains('^') {
        return d.to_owned();
    }
    match d.rsplit_once(' ') {
        Some((given, family)) => format!("{}^{}", family.trim(), given.trim()),
        None => d.to_owned(),
    }
}

/// Runs `f` off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal())?
}

/// `GET /api/cases/{id}/workbench/structures/session`.
pub(crate) async fn get_session(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let p = prepare(&state, id).await?;
    let view = blocking(move || run::view_of(&p)).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/cases/{id}/workbench/structures/session`: a new session.
pub(crate) async fn open_session(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<SessionOpen>,
) -> ApiResult {
    let p = prepare(&state, id).await?;
    let who = person(&auth);
    let view = blocking(move || run::open(&p, body.source, &who)).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/cases/{id}/workbench/structures/session/tools`.
pub(crate) async fn run_tool(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<StructureTool>,
) -> ApiResult {
    let p = prepare(&state, id).await?;
    let who = person(&auth);
    let view = blocking(move || run::tool(&p, &body, &who)).await?;
    Ok(Json(view).into_response())
}

/// `PUT /api/cases/{id}/workbench/structures/session/slab`.
pub(crate) async fn put_slab(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<SlabQuery>,
    body: Body,
) -> ApiResult {
    let bytes = axum::body::to_bytes(body, SLAB_LIMIT_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("request body: expected at most {SLAB_LIMIT_BYTES} bytes (a slab of slices, one byte a voxel), found more"),
            )
        })?;
    let p = prepare(&state, id).await?;
    let who = person(&auth);
    let view = blocking(move || run::slab(&p, &q, &bytes, &who)).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/cases/{id}/workbench/structures/session/undo`.
pub(crate) async fn undo(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let p = prepare(&state, id).await?;
    let view = blocking(move || run::undo_redo(&p, true)).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/cases/{id}/workbench/structures/session/redo`.
pub(crate) async fn redo(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let p = prepare(&state, id).await?;
    let view = blocking(move || run::undo_redo(&p, false)).await?;
    Ok(Json(view).into_response())
}

/// `GET /api/cases/{id}/workbench/structures/session/mask`.
pub(crate) async fn get_mask(
    State(state): State<AppState>,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<MaskQuery>,
) -> ApiResult {
    let p = prepare(&state, id).await?;
    let (bytes, nifti) = blocking(move || run::mask_bytes(&p, &q)).await?;
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if nifti {
            "application/x-nifti"
        } else {
            "application/octet-stream"
        }),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `POST /api/cases/{id}/workbench/structures/session/save`: the structures as one DICOM SEG or
/// RT Structure Set, stored as a new series of the patient and picked as the draft's
/// `roles.structures`.
pub(crate) async fn save(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<SessionSave>,
) -> ApiResult {
    let p = prepare(&state, id).await?;
    if body.revision != p.draft_revision {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "the planning draft of case {id} is at revision {}, your save was based on {}: reload it",
                p.draft_revision, body.revision
            ),
        ));
    }
    let who = person(&auth);
    let patient_id = p.patient_id;
    let dir = p.dir.clone();
    let format = body.format;
    let (bytes, creator, p) = blocking(move || {
        let (bytes, creator) = run::dicom(&p, &who, format)?;
        Ok((bytes, creator, p))
    })
    .await?;
    let stored = crate::uploads::store_generated(
        &state,
        &auth.actor(),
        patient_id,
        "Structures made in sirtplan",
        vec![("structures.dcm".to_owned(), bytes)],
    )
    .await?;
    let series_id = stored
        .study
        .series
        .iter()
        .find(|s| s.series.modality == format.modality())
        .map(|s| s.series.id)
        .ok_or_else(ApiError::internal)?;
    let kept = super::draft::save(
        &state,
        patient_id,
        id,
        body.revision,
        &auth.user.username,
        |s| s.draft.roles.structures = Some(series_id),
    )
    .await?;
    let session = blocking(move || {
        run::mark_saved(&dir, series_id)?;
        run::view_of(&p)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(StructuresSaved {
            series_id,
            format,
            study_id: stored.study.study.id,
            revision: kept.revision,
            content_creator: creator,
            session,
        }),
    )
        .into_response())
}

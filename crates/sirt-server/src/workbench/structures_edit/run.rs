//! The work of the editing session, off the async threads: the images read (kept in a small
//! cache: the same series serve many tools), each tool through
//! `sirt_planning::structures::make`, the drawings, undo and redo, the SEG or RT Struct.

use super::store::{Dir, Kept, SessionFile};
use super::{
    BooleanName, BooleanTool, EditedStructure, ImageRole, InterpolateTool, MaskQuery, Prepared,
    PropertiesTool, RoleName, SessionSource, SlabMode, SlabQuery, StructureSession, StructureTool,
    TerritoryTool, ThresholdTool,
};
use crate::error::ApiError;
use sirt_geometry::{Mask, PointLps, Rigid};
use sirt_planning::structures::tools::Connectivity;
use sirt_planning::structures::tools::boolean::BooleanOp;
use sirt_planning::structures::tools::margin::Margin;
use sirt_planning::structures::tools::threshold::Interval;
use sirt_planning::structures::{
    Author, Context, EditHistory, Made, Operation, SegRequest, SourceImage, StructureError,
    StructureSource, load_image, load_masks, make,
};
use sirt_units::{Fraction, Instant, Length, Volume};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Images kept in memory between tools. Design choice: two (the CT and the SPECT or PET of a
/// sitting); a 512 × 512 × 300 CT is 300 MB of f32.
const IMAGE_CACHE: usize = 2;

/// Edited slices remembered per structure (design choice: interpolation uses the last two).
const EDITED_SLICES_KEPT: usize = 8;

/// Images read lately: (file or folder, image).
static CACHE: Mutex<Vec<(PathBuf, Arc<SourceImage>)>> = Mutex::new(Vec::new());

/// A structure refused by the application layer: 422 naming `field`, the whole chain of causes,
/// the server's folders left out.
fn refused(field: &str, e: &StructureError, base: &Path) -> ApiError {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    let field = if text.contains("lies outside the image") || text.contains("seed 1 at voxel") {
        "seed_lps_mm"
    } else {
        field
    };
    let folder = format!("{}/", base.display());
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "structure_refused",
        format!("field `{field}`: {}", text.replace(&folder, "")),
    )
}

fn invalid(field: &str, what: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("field `{field}`: {what}"))
}

/// The series picked for a role: (path relative to the patient folder, format), or 422.
fn picked(
    p: &Prepared,
    id: Option<i64>,
    field: &str,
    what: &str,
) -> Result<(String, String), ApiError> {
    id.and_then(|id| p.series.iter().find(|s| s.series.id == id))
        .map(|s| (s.path.clone(), s.series.format.clone()))
        .ok_or_else(|| {
            invalid(
                field,
                format!("expected {what} picked in the planning draft, found none"),
            )
        })
}

/// An image, read once and kept.
fn image(
    p: &Prepared,
    rel: &str,
    field: &str,
    nifti_frame: Option<&sirt_geometry::FrameOfReference>,
) -> Result<Arc<SourceImage>, ApiError> {
    let path = p.base.join(rel);
    if let Ok(c) = CACHE.lock()
        && let Some((_, i)) = c.iter().find(|(k, _)| *k == path)
    {
        return Ok(i.clone());
    }
    let img =
        Arc::new(load_image(&path, field, nifti_frame).map_err(|e| refused(field, &e, &p.base))?);
    if let Ok(mut c) = CACHE.lock() {
        c.retain(|(k, _)| *k != path);
        c.push((path, img.clone()));
        while c.len() > IMAGE_CACHE {
            c.remove(0);
        }
    }
    Ok(img)
}

fn ct(p: &Prepared) -> Result<(i64, Arc<SourceImage>), ApiError> {
    let id = p.roles.planning_ct;
    let (rel, _) = picked(p, id, "roles.planning_ct", "the planning CT")?;
    Ok((
        id.unwrap_or_default(),
        image(p, &rel, "roles.planning_ct", None)?,
    ))
}

/// The SPECT or PET with the registration to the CT's frame when their frames differ.
fn functional(
    p: &Prepared,
    role: ImageRole,
    ct: &SourceImage,
) -> Result<(Arc<SourceImage>, Option<Rigid>), ApiError> {
    let (id, field, what) = match role {
        ImageRole::Spect => (p.roles.maa_spect, "roles.maa_spect", "the MAA SPECT"),
        ImageRole::Pet => (p.roles.y90_pet, "roles.y90_pet", "the Y-90 PET"),
        ImageRole::Ct => {
            return Ok((
                image(
                    p,
                    &picked(
                        p,
                        p.roles.planning_ct,
                        "roles.planning_ct",
                        "the planning CT",
                    )?
                    .0,
                    "roles.planning_ct",
                    None,
                )?,
                None,
            ));
        }
    };
    let (rel, _) = picked(p, id, field, what)?;
    let img = image(p, &rel, field, Some(&ct.image.grid().frame))?;
    let (a, b) = (&ct.image.grid().frame, &img.image.grid().frame);
    if a == b {
        return Ok((img, None));
    }
    let (reg_rel, _) = picked(
        p,
        p.roles.registration,
        "roles.registration",
        &format!(
            "a spatial registration: {what} lies in another frame of reference than the planning CT"
        ),
    )?;
    let reg = sirt_imaging::load_registration(&p.base.join(&reg_rel))
        .map_err(|e| invalid("roles.registration", e))?;
    let r = reg.between(a, b).ok_or_else(|| {
        invalid(
            "roles.registration",
            format!("no transform between the planning CT's frame {a} and the frame {b} of {what}"),
        )
    })?;
    Ok((img, Some(r)))
}

/// Who and when, for the edits of one request.
struct By {
    author: Author,
    at: Instant,
}

fn by(who: &str) -> Result<By, ApiError> {
    let now = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC);
    Ok(By {
        author: Author::Person(who.to_owned()),
        at: Instant::from_zoned(now),
    })
}

fn role_of(name: &str, role: Option<RoleName>) -> RoleName {
    role.unwrap_or_else(|| RoleName::implied(name, None))
}

fn check_name(name: &str, field: &str) -> Result<String, ApiError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!(
                "expected a structure name of 1 to 64 characters (a DICOM Segment Label), found \"{name}\""
            ),
        ));
    }
    Ok(n.to_owned())
}

fn check_colour(c: &str) -> Result<String, ApiError> {
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(c.to_ascii_lowercase())
    } else {
        Err(invalid(
            "colour",
            format!("expected #rrggbb, found \"{c}\""),
        ))
    }
}

fn point(v: [f64; 3]) -> PointLps {
    PointLps::new(v[0], v[1], v[2])
}

fn structure_view(s: &SessionFile, k: &Kept) -> EditedStructure {
    EditedStructure {
        name: k.name.clone(),
        role: k.role,
        colour: k.colour.clone(),
        volume_ml: k.voxels as f64 * (s.grid.voxel_volume_mm3() / 1000.0),
        voxels: k.voxels,
        algorithm_type: k.history.algorithm_type().dicom().to_owned(),
        how: k.history.describe(),
        edited_slices: k.edited_slices.clone(),
    }
}

fn session_view(case_id: i64, s: Option<&SessionFile>) -> StructureSession {
    StructureSession {
        case_id,
        open: s.is_some(),
        revision: s.map_or(0, |s| s.revision),
        ct_series_id: s.map(|s| s.ct_series_id),
        dims: s.map(|s| s.grid.dims),
        spacing_mm: s.map(|s| s.grid.spacing_mm),
        source_series_id: s.and_then(|s| s.source_series_id),
        structures: s.map_or_else(Vec::new, |s| {
            s.structures.iter().map(|k| structure_view(s, k)).collect()
        }),
        undo: s.and_then(|s| s.undo.last().map(|u| u.what.clone())),
        redo: s.and_then(|s| s.redo.last().map(|u| u.what.clone())),
        last: s.and_then(|s| s.last.clone()),
        saved_series_id: s.and_then(|s| s.saved_series_id),
    }
}

/// The session as it is.
pub(crate) fn view_of(p: &Prepared) -> Result<StructureSession, ApiError> {
    Ok(session_view(p.case_id, p.dir.read()?.as_ref()))
}

/// The session, refused when the planning CT picked is not the one its masks lie on.
fn read_current(p: &Prepared) -> Result<SessionFile, ApiError> {
    let s = p.dir.read_open()?;
    if p.roles.planning_ct != Some(s.ct_series_id) {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "planning_ct_changed",
            format!(
                "field `roles.planning_ct`: the editing session's structures lie on the planning CT series {}, the draft now picks {}: open a new session",
                s.ct_series_id,
                p.roles
                    .planning_ct
                    .map_or_else(|| "none".to_owned(), |i| i.to_string())
            ),
        ));
    }
    Ok(s)
}

/// A structure read from the picked series: its name, role and mask on the CT grid.
type Imported = (String, RoleName, Mask);

/// The names (and RT ROI Interpreted Types) in a structures file.
fn names_in(file: &Path, base: &Path) -> Result<Vec<(String, Option<String>)>, ApiError> {
    match sirt_dicom::read_rt_struct(file) {
        Ok(rt) => Ok(rt
            .rois
            .iter()
            .map(|r| (r.name.clone(), r.interpreted_type.clone()))
            .collect()),
        Err(rt_error) => match sirt_dicom::read_seg(file) {
            Ok(seg) => Ok(seg
                .segments
                .iter()
                .map(|s| (s.label.clone(), None))
                .collect()),
            Err(seg_error) => Err(super::super::images::image_error(
                &format!(
                    "roles.structures: expected an RT Structure Set or a DICOM SEG, found neither (as RT Struct: {rt_error}; as SEG: {seg_error})"
                ),
                base,
            )),
        },
    }
}

/// The masks of the picked structures series on the CT grid, with their roles: an RT Struct's
/// ROIs, a SEG's segments, a NIfTI label map's labels ("label 5").
fn picked_masks(p: &Prepared, ct: &SourceImage) -> Result<(i64, Vec<Imported>), ApiError> {
    let id = p.roles.structures;
    let (rel, format) = picked(
        p,
        id,
        "roles.structures",
        "the structures series (RT Structure Set, SEG or NIfTI label map)",
    )?;
    let file = p.base.join(&rel);
    let refuse = |e: StructureError| refused("roles.structures", &e, &p.base);
    let (names, labels) = if format == "nifti" {
        let labels = nifti_labels(&file, ct).map_err(refuse)?;
        let names = labels.keys().map(|n| (n.clone(), None)).collect();
        (names, labels)
    } else {
        (names_in(&file, &p.base)?, std::collections::BTreeMap::new())
    };
    let source = StructureSource {
        file,
        names: names.iter().map(|(n, _)| n.clone()).collect(),
        labels,
    };
    let masks = load_masks(&source, ct.image.grid(), "roles.structures").map_err(refuse)?;
    let out = masks
        .into_iter()
        .map(|(n, m)| {
            let t = names
                .iter()
                .find(|(x, _)| *x == n)
                .and_then(|(_, t)| t.as_deref());
            let role = RoleName::implied(&n, t);
            (n, role, m)
        })
        .collect();
    Ok((id.unwrap_or_default(), out))
}

/// The label values of a NIfTI label map, each a structure "label N".
fn nifti_labels(
    file: &Path,
    ct: &SourceImage,
) -> Result<std::collections::BTreeMap<String, Vec<u16>>, StructureError> {
    let read = |what: String| StructureError::Read {
        flag: "roles.structures".into(),
        path: file.to_path_buf(),
        what,
    };
    let bytes = std::fs::read(file).map_err(|e| read(e.to_string()))?;
    let map = sirt_nifti::read_labels(
        &bytes,
        &file.display().to_string(),
        ct.image.grid().frame.clone(),
    )
    .map_err(|e| read(e.to_string()))?;
    let mut values: Vec<u16> = map.data().iter().copied().filter(|&v| v != 0).collect();
    values.sort_unstable();
    values.dedup();
    Ok(values
        .into_iter()
        .map(|v| (format!("label {v}"), vec![v]))
        .collect())
}

/// Opens a new session (replacing the one kept).
pub(crate) fn open(
    p: &Prepared,
    source: SessionSource,
    who: &str,
) -> Result<StructureSession, ApiError> {
    let (ct_id, ct) = ct(p)?;
    let imported = match source {
        SessionSource::Picked => Some(picked_masks(p, &ct)?),
        SessionSource::Empty => None,
    };
    let by = by(who)?;
    let _lock = p.dir.lock()?;
    p.dir.clear()?;
    let grid = ct.image.grid().clone();
    let mut s = SessionFile {
        revision: 1,
        ct_series_id: ct_id,
        grid: grid.clone(),
        source_series_id: imported.as_ref().map(|(id, _)| *id),
        opened_by: who.to_owned(),
        opened_at: jiff::Timestamp::now().to_string(),
        next_mask: 0,
        structures: Vec::new(),
        undo: Vec::new(),
        redo: Vec::new(),
        last: None,
        saved_series_id: None,
    };
    for (name, role, mask) in imported.map(|(_, m)| m).unwrap_or_default() {
        let file = p.dir.write_mask(&mut s, &mask)?;
        let mut history = EditHistory::new(grid.clone());
        history.push(
            Operation::Import {
                mask: format!(
                    "{name} (structures series {})",
                    p.roles.structures.unwrap_or_default()
                ),
            },
            by.author.clone(),
            by.at.clone(),
        );
        s.structures.push(Kept {
            name,
            role,
            colour: None,
            mask: file,
            voxels: mask.count(),
            history,
            edited_slices: Vec::new(),
            made_on: None,
            resampled: None,
        });
    }
    p.dir.write(&s)?;
    Ok(session_view(p.case_id, Some(&s)))
}

/// A structure's mask with its name as the key tools know it by.
fn mask_of(
    p: &Prepared,
    s: &SessionFile,
    name: &str,
    field: &str,
) -> Result<(String, Mask, RoleName), ApiError> {
    let i = s.find(name, field)?;
    let k = &s.structures[i];
    Ok((k.name.clone(), p.dir.read_mask(s, k)?, k.role))
}

/// The session's liver (the first structure whose role is liver), for a territory's check.
fn liver_of(p: &Prepared, s: &SessionFile) -> Result<Option<(String, Mask)>, ApiError> {
    match s.structures.iter().find(|k| k.role == RoleName::Liver) {
        Some(k) => Ok(Some((k.name.clone(), p.dir.read_mask(s, k)?))),
        None => Ok(None),
    }
}

/// What `make` is given for one call.
struct Call<'a> {
    images: Vec<(&'a str, &'a SourceImage)>,
    masks: Vec<(&'a str, &'a Mask)>,
    registration: Option<&'a Rigid>,
    liver: Option<(&'a str, &'a Mask)>,
}

fn made(
    p: &Prepared,
    ct: &SourceImage,
    name: &str,
    role: RoleName,
    h: &EditHistory,
    c: &Call<'_>,
    field: &str,
) -> Result<Made, ApiError> {
    let cx = Context {
        images: &c.images,
        masks: &c.masks,
        registration: c.registration,
        ct,
        liver: c.liver,
        plausibility: &p.plausibility,
    };
    make(name, role.role(), h, &cx).map_err(|e| refused(field, &e, &p.base))
}

/// Keeps `m` as structure `name` (replacing or adding), its history extended by `edits`.
fn commit(
    p: &Prepared,
    s: &mut SessionFile,
    name: &str,
    role: RoleName,
    m: &Made,
    skip: usize,
    what: &str,
) -> Result<(), ApiError> {
    s.before_change(what);
    let file = p.dir.write_mask(s, &m.mask)?;
    let edits = m.history.edits.iter().skip(skip).cloned();
    if let Some(k) = s.structures.iter_mut().find(|k| k.name == name) {
        k.mask = file;
        k.voxels = m.mask.count();
        k.role = role;
        k.history.edits.extend(edits);
        if m.resampled.is_some() {
            k.made_on = Some(m.made_on.clone());
            k.resampled = m.resampled.clone();
        }
    } else {
        let mut history = EditHistory::new(s.grid.clone());
        history.edits.extend(edits);
        s.structures.push(Kept {
            name: name.to_owned(),
            role,
            colour: None,
            mask: file,
            voxels: m.mask.count(),
            history,
            edited_slices: Vec::new(),
            made_on: m.resampled.as_ref().map(|_| m.made_on.clone()),
            resampled: m.resampled.clone(),
        });
    }
    Ok(())
}

/// Runs one tool and keeps its result; the session's new state.
pub(crate) fn tool(
    p: &Prepared,
    t: &StructureTool,
    who: &str,
) -> Result<StructureSession, ApiError> {
    let (_, ct) = ct(p)?;
    let by = by(who)?;
    let _lock = p.dir.lock()?;
    let mut s = read_current(p)?;
    match t {
        StructureTool::Grow(g) => grow(p, &ct, &mut s, g, &by)?,
        StructureTool::Threshold(x) => threshold(p, &ct, &mut s, x, &by)?,
        StructureTool::Territory(x) => territory(p, &ct, &mut s, x, &by)?,
        StructureTool::Boolean(x) => boolean(p, &ct, &mut s, x, &by)?,
        StructureTool::Margin(x) => {
            if !x.mm.is_finite() || x.mm == 0.0 {
                return Err(invalid(
                    "mm",
                    format!(
                        "expected a distance in mm other than 0 (positive grows, negative shrinks), found {}",
                        x.mm
                    ),
                ));
            }
            let m = if x.mm > 0.0 {
                Margin::Grow(Length::from_m(x.mm / 1000.0))
            } else {
                Margin::Shrink(Length::from_m(-x.mm / 1000.0))
            };
            edit(
                p,
                &ct,
                &mut s,
                &x.structure,
                Operation::Margin { margin: m },
                &by,
                &format!("margin {:+} mm on {}", x.mm, x.structure),
            )?;
        }
        StructureTool::FillHoles(x) => {
            let op = if x.per_slice {
                Operation::FillHolesPerSlice
            } else {
                Operation::FillHoles
            };
            edit(
                p,
                &ct,
                &mut s,
                &x.structure,
                op,
                &by,
                &format!("fill holes of {}", x.structure),
            )?;
        }
        StructureTool::Interpolate(x) => interpolate(p, &ct, &mut s, x, &by)?,
        StructureTool::New(x) => {
            let name = check_name(&x.structure, "structure")?;
            if s.structures.iter().any(|k| k.name == name) {
                return Err(invalid(
                    "structure",
                    format!("a structure named \"{name}\" exists already"),
                ));
            }
            let colour = x.colour.as_deref().map(check_colour).transpose()?;
            s.before_change(&format!("new structure {name}"));
            let empty = Mask::filled(s.grid.clone(), false);
            let file = p.dir.write_mask(&mut s, &empty)?;
            s.structures.push(Kept {
                role: role_of(&name, x.role),
                name,
                colour,
                mask: file,
                voxels: 0,
                history: EditHistory::new(s.grid.clone()),
                edited_slices: Vec::new(),
                made_on: None,
                resampled: None,
            });
        }
        StructureTool::Properties(x) => properties(&mut s, x)?,
    }
    s.revision += 1;
    p.dir.write(&s)?;
    Ok(session_view(p.case_id, Some(&s)))
}

/// One operation on an existing structure (margin, fill holes, interpolation).
fn edit(
    p: &Prepared,
    ct: &SourceImage,
    s: &mut SessionFile,
    name: &str,
    op: Operation,
    by: &By,
    what: &str,
) -> Result<(), ApiError> {
    let (key, current, role) = mask_of(p, s, name, "structure")?;
    let liver = if role == RoleName::Territory {
        liver_of(p, s)?
    } else {
        None
    };
    let mut h = EditHistory::new(s.grid.clone());
    h.push(
        Operation::Import { mask: key.clone() },
        by.author.clone(),
        by.at.clone(),
    );
    h.push(op, by.author.clone(), by.at.clone());
    let c = Call {
        images: vec![],
        masks: vec![(key.as_str(), &current)],
        registration: None,
        liver: liver.as_ref().map(|(n, m)| (n.as_str(), m)),
    };
    let m = made(p, ct, name, role, &h, &c, "structure")?;
    commit(p, s, name, role, &m, 1, what)
}

fn grow(
    p: &Prepared,
    ct: &SourceImage,
    s: &mut SessionFile,
    g: &super::GrowTool,
    by: &By,
) -> Result<(), ApiError> {
    let name = check_name(&g.structure, "structure")?;
    let role = role_of(
        &name,
        g.role
            .or_else(|| s.structures.iter().find(|k| k.name == name).map(|k| k.role)),
    );
    let interval =
        Interval::new(g.hu_min as f32, g.hu_max as f32).map_err(|e| invalid("hu_min", e))?;
    let connectivity = match g.connectivity.unwrap_or(6) {
        6 => Connectivity::Six,
        26 => Connectivity::TwentySix,
        other => {
            return Err(invalid(
                "connectivity",
                format!("expected 6 or 26, found {other}"),
            ));
        }
    };
    let mut h = EditHistory::new(s.grid.clone());
    h.push(
        Operation::RegionGrow {
            image: "ct".into(),
            seeds: vec![point(g.seed_lps_mm)],
            interval,
            connectivity,
            within: None,
        },
        by.author.clone(),
        by.at.clone(),
    );
    if g.fill_holes {
        h.push(Operation::FillHoles, by.author.clone(), by.at.clone());
    }
    let c = Call {
        images: vec![("ct", ct)],
        masks: vec![],
        registration: None,
        liver: None,
    };
    let m = made(p, ct, &name, role, &h, &c, "hu_min")?;
    commit(
        p,
        s,
        &name,
        role,
        &m,
        0,
        &format!("region growing of {name}"),
    )
}

fn territory(
    p: &Prepared,
    ct: &SourceImage,
    s: &mut SessionFile,
    t: &TerritoryTool,
    by: &By,
) -> Result<(), ApiError> {
    let name = check_name(&t.structure, "structure")?;
    let (liver_name, liver, _) = mask_of(p, s, &t.liver, "liver")?;
    let (spect, registration) = functional(p, ImageRole::Spect, ct)?;
    let op = match (t.percent_of_max, t.min_counts) {
        (Some(pc), None) => Operation::ThresholdRelative {
            image: "spect".into(),
            fraction_of_max: Fraction::new(pc / 100.0)
                .filter(|_| pc > 0.0)
                .ok_or_else(|| {
                    invalid(
                        "percent_of_max",
                        format!("expected a percentage above 0 and at most 100, found {pc}"),
                    )
                })?,
            within: liver_name.clone(),
        },
        (None, Some(c)) if c.is_finite() => Operation::ThresholdCounts {
            image: "spect".into(),
            min_counts: c,
            within: Some(liver_name.clone()),
        },
        _ => {
            return Err(invalid(
                "percent_of_max",
                "expected either percent_of_max or min_counts",
            ));
        }
    };
    let mut h = EditHistory::new(spect.image.grid().clone());
    h.push(op, by.author.clone(), by.at.clone());
    let c = Call {
        images: vec![("spect", &spect)],
        masks: vec![(liver_name.as_str(), &liver)],
        registration: registration.as_ref(),
        liver: Some((liver_name.as_str(), &liver)),
    };
    let m = made(p, ct, &name, RoleName::Territory, &h, &c, "percent_of_max")?;
    commit(
        p,
        s,
        &name,
        RoleName::Territory,
        &m,
        0,
        &format!("territory {name} on the SPECT"),
    )
}

/// The first step of a threshold: the operation on its own image.
fn threshold_op(
    t: &ThresholdTool,
    img: &SourceImage,
    within: Option<&str>,
) -> Result<Operation, ApiError> {
    let image = match t.image {
        ImageRole::Ct => "ct",
        ImageRole::Spect => "spect",
        ImageRole::Pet => "pet",
    };
    if let Some(pc) = t.percent_of_max {
        if t.min.is_some() || t.max.is_some() {
            return Err(invalid(
                "percent_of_max",
                "expected either percent_of_max or min/max, found both",
            ));
        }
        let fraction = Fraction::new(pc / 100.0)
            .filter(|_| pc > 0.0)
            .ok_or_else(|| {
                invalid(
                    "percent_of_max",
                    format!("expected a percentage above 0 and at most 100, found {pc}"),
                )
            })?;
        if t.image == ImageRole::Spect {
            let within = within.ok_or_else(|| invalid("within", "a percentage of the SPECT's maximum is taken within a structure (the liver): name it"))?;
            return Ok(Operation::ThresholdRelative {
                image: image.into(),
                fraction_of_max: fraction,
                within: within.into(),
            });
        }
        let max = img
            .image
            .data()
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f32::NEG_INFINITY, f32::max);
        let interval = Interval::at_least((fraction.value() * f64::from(max)) as f32)
            .map_err(|e| invalid("percent_of_max", e))?;
        return Ok(Operation::Threshold {
            image: image.into(),
            interval,
        });
    }
    let lo = t.min.unwrap_or(f64::NEG_INFINITY) as f32;
    let hi = t.max.unwrap_or(f64::INFINITY) as f32;
    if t.min.is_none() && t.max.is_none() {
        return Err(invalid("min", "expected min, max or percent_of_max"));
    }
    if t.image == ImageRole::Spect {
        if t.max.is_some() || t.min.is_none() {
            return Err(invalid(
                "max",
                "a SPECT threshold keeps the voxels of at least `min` counts: give min only",
            ));
        }
        return Ok(Operation::ThresholdCounts {
            image: image.into(),
            min_counts: f64::from(lo),
            within: within.map(str::to_owned),
        });
    }
    Ok(Operation::Threshold {
        image: image.into(),
        interval: Interval::new(lo, hi).map_err(|e| invalid("min", e))?,
    })
}

fn threshold(
    p: &Prepared,
    ct: &SourceImage,
    s: &mut SessionFile,
    t: &ThresholdTool,
    by: &By,
) -> Result<(), ApiError> {
    let name = check_name(&t.structure, "structure")?;
    let role = role_of(
        &name,
        t.role
            .or_else(|| s.structures.iter().find(|k| k.name == name).map(|k| k.role)),
    );
    let within = t
        .within
        .as_deref()
        .map(|w| mask_of(p, s, w, "within"))
        .transpose()?;
    let (img, registration) = functional(p, t.image, ct)?;
    let op = threshold_op(t, &img, within.as_ref().map(|(n, _, _)| n.as_str()))?;
    let restricted_already = matches!(
        op,
        Operation::ThresholdRelative { .. }
            | Operation::ThresholdCounts {
                within: Some(_),
                ..
            }
    );
    let image_key = match t.image {
        ImageRole::Ct => "ct",
        ImageRole::Spect => "spect",
        ImageRole::Pet => "pet",
    };
    let mut first = EditHistory::new(img.image.grid().clone());
    first.push(op, by.author.clone(), by.at.clone());
    let masks: Vec<(&str, &Mask)> = within.iter().map(|(n, m, _)| (n.as_str(), m)).collect();
    let c = Call {
        images: vec![(image_key, &img)],
        masks: masks.clone(),
        registration: registration.as_ref(),
        liver: None,
    };
    let step1 = made(p, ct, &name, RoleName::Other, &first, &c, "min")?;
    // On the CT grid: restricted, then the components kept.
    const THRESHOLDED: &str = "thresholded";
    let mut second = EditHistory::new(s.grid.clone());
    second.push(
        Operation::Import {
            mask: THRESHOLDED.into(),
        },
        by.author.clone(),
        by.at.clone(),
    );
    if let (Some((w, _, _)), false) = (&within, restricted_already) {
        second.push(
            Operation::Combine {
                op: BooleanOp::Intersection,
                with: w.clone(),
            },
            by.author.clone(),
            by.at.clone(),
        );
    }
    if let Some(seed) = t.seed_lps_mm {
        second.push(
            Operation::KeepContaining {
                seeds: vec![point(seed)],
                connectivity: Connectivity::Six,
            },
            by.author.clone(),
            by.at.clone(),
        );
    }
    if let Some(n) = t.min_voxels {
        let min_volume = Volume::from_ml(n as f64 * (s.grid.voxel_volume_mm3() / 1000.0));
        second.push(
            Operation::RemoveSmallerThan {
                min_volume,
                connectivity: Connectivity::Six,
            },
            by.author.clone(),
            by.at.clone(),
        );
    }
    let mut masks2 = masks;
    masks2.push((THRESHOLDED, &step1.mask));
    let liver = if role == RoleName::Territory {
        liver_of(p, s)?
    } else {
        None
    };
    let c2 = Call {
        images: vec![],
        masks: masks2,
        registration: None,
        liver: liver.as_ref().map(|(n, m)| (n.as_str(), m)),
    };
    let mut m = made(p, ct, &name, role, &second, &c2, "min")?;
    // The history kept: the threshold, then the steps on the CT grid (the import left out).
    let mut edits = step1.history.edits.clone();
    edits.extend(m.history.edits.iter().skip(1).cloned());
    m.history.edits = edits;
    m.made_on = step1.made_on.clone();
    m.resampled = step1.resampled.clone();
    commit(p, s, &name, role, &m, 0, &format!("threshold of {name}"))
}

fn boolean(
    p: &Prepared,
    ct: &SourceImage,
    s: &mut SessionFile,
    t: &BooleanTool,
    by: &By,
) -> Result<(), ApiError> {
    let result = check_name(&t.result, "result")?;
    let (a, ma, role_a) = mask_of(p, s, &t.a, "a")?;
    let (b, mb, _) = mask_of(p, s, &t.b, "b")?;
    let role = t.role.unwrap_or(if result == a {
        role_a
    } else {
        RoleName::implied(&result, None)
    });
    let op = match t.op {
        BooleanName::Union => BooleanOp::Union,
        BooleanName::Intersection => BooleanOp::Intersection,
        BooleanName::Difference => BooleanOp::Difference,
    };
    let mut h = EditHistory::new(s.grid.clone());
    h.push(
        Operation::Import { mask: a.clone() },
        by.author.clone(),
        by.at.clone(),
    );
    h.push(
        Operation::Combine {
            op,
            with: b.clone(),
        },
        by.author.clone(),
        by.at.clone(),
    );
    let liver = if role == RoleName::Territory {
        liver_of(p, s)?
    } else {
        None
    };
    let c = Call {
        images: vec![],
        masks: vec![(a.as_str(), &ma), (b.as_str(), &mb)],
        registration: None,
        liver: liver.as_ref().map(|(n, m)| (n.as_str(), m)),
    };
    let m = made(p, ct, &result, role, &h, &c, "result")?;
    // Onto `a` itself only the combination is new; a new structure keeps the import of `a`.
    let skip = usize::from(result == a);
    commit(
        p,
        s,
        &result,
        role,
        &m,
        skip,
        &format!("{result} = {a} {} {b}", op.name()),
    )
}

fn interpolate(
    p: &Prepared,
    ct: &SourceImage,
    s: &mut SessionFile,
    t: &InterpolateTool,
    by: &By,
) -> Result<(), ApiError> {
    let i = s.find(&t.structure, "structure")?;
    let edited = &s.structures[i].edited_slices;
    let last_two = |n: usize| {
        edited
            .len()
            .checked_sub(n)
            .and_then(|j| edited.get(j))
            .copied()
    };
    let (a, b) = match (t.from_slice, t.to_slice) {
        (Some(a), Some(b)) => (a, b),
        _ => match (last_two(2), last_two(1)) {
            (Some(a), Some(b)) => (a.min(b), a.max(b)),
            _ => {
                return Err(invalid(
                    "from_slice",
                    format!(
                        "expected two slices drawn by hand of \"{}\" (or from_slice and to_slice), found {}",
                        t.structure,
                        edited.len()
                    ),
                ));
            }
        },
    };
    edit(
        p,
        ct,
        s,
        &t.structure,
        Operation::Interpolate {
            from_slice: a,
            to_slice: b,
        },
        by,
        &format!(
            "interpolation of {} between slices {a} and {b}",
            t.structure
        ),
    )
}

fn properties(s: &mut SessionFile, t: &PropertiesTool) -> Result<(), ApiError> {
    let i = s.find(&t.structure, "structure")?;
    if t.delete {
        s.before_change(&format!("deletion of {}", t.structure));
        s.structures.remove(i);
        return Ok(());
    }
    let to = t
        .rename_to
        .as_deref()
        .map(|n| check_name(n, "rename_to"))
        .transpose()?;
    if let Some(n) = &to
        && s.structures
            .iter()
            .enumerate()
            .any(|(j, k)| j != i && k.name == *n)
    {
        return Err(invalid(
            "rename_to",
            format!("a structure named \"{n}\" exists already"),
        ));
    }
    let colour = t.colour.as_deref().map(check_colour).transpose()?;
    s.before_change(&format!("properties of {}", t.structure));
    let k = &mut s.structures[i];
    if let Some(n) = to {
        k.name = n;
    }
    if let Some(c) = colour {
        k.colour = Some(c);
    }
    if let Some(r) = t.role {
        k.role = r;
    }
    Ok(())
}

/// A brush or eraser edit: the slab checked against the grid, applied, recorded.
pub(crate) fn slab(
    p: &Prepared,
    q: &SlabQuery,
    bytes: &[u8],
    who: &str,
) -> Result<StructureSession, ApiError> {
    let by = by(who)?;
    let _lock = p.dir.lock()?;
    let mut s = read_current(p)?;
    let [nx, ny, nz] = s.grid.dims;
    let plane = nx * ny;
    if bytes.is_empty() || !bytes.len().is_multiple_of(plane) {
        return Err(invalid(
            "body",
            format!(
                "expected whole slices of {nx} × {ny} = {plane} bytes (one a voxel of the planning CT's grid), found {} bytes",
                bytes.len()
            ),
        ));
    }
    let slices = bytes.len() / plane;
    // Checked: `first_slice` is any number a request gives.
    if q.first_slice.checked_add(slices).is_none_or(|end| end > nz) {
        return Err(invalid(
            "first_slice",
            format!(
                "{} slices from slice {} lie outside the planning CT's slices 0 to {}",
                slices,
                q.first_slice,
                nz - 1
            ),
        ));
    }
    if let Some(at) = bytes.iter().position(|&b| b > 1) {
        return Err(invalid(
            "body",
            format!(
                "byte {at}: expected 0 (outside) or 1 (inside), found {}",
                bytes[at]
            ),
        ));
    }
    let (key, mut mask, _) = mask_of(p, &s, &q.structure, "structure")?;
    let mode = q.mode.unwrap_or(SlabMode::Replace);
    let start = q.first_slice * plane;
    let (mut added, mut removed) = (0usize, 0usize);
    let mut touched = Vec::new();
    for (n, &b) in bytes.iter().enumerate() {
        let v = &mut mask.data_mut()[start + n];
        let new = match mode {
            SlabMode::Replace => b == 1,
            SlabMode::Paint => *v || b == 1,
            SlabMode::Erase => *v && b == 0,
        };
        if new != *v {
            if new {
                added += 1
            } else {
                removed += 1
            }
            let k = q.first_slice + n / plane;
            if touched.last() != Some(&k) {
                touched.push(k);
            }
            *v = new;
        }
    }
    if added + removed == 0 {
        return Ok(session_view(p.case_id, Some(&s)));
    }
    let what = format!(
        "drawing of {key}: slices {}–{}, {added} voxels added, {removed} removed",
        q.first_slice,
        q.first_slice + slices - 1
    );
    s.before_change(&what);
    let file = p.dir.write_mask(&mut s, &mask)?;
    let i = s.find(&key, "structure")?;
    let k = &mut s.structures[i];
    k.mask = file;
    k.voxels = mask.count();
    k.history
        .push(Operation::Import { mask: what.clone() }, by.author, by.at);
    for t in touched {
        k.edited_slices.retain(|&x| x != t);
        k.edited_slices.push(t);
    }
    let excess = k.edited_slices.len().saturating_sub(EDITED_SLICES_KEPT);
    k.edited_slices.drain(..excess);
    s.revision += 1;
    p.dir.write(&s)?;
    Ok(session_view(p.case_id, Some(&s)))
}

/// Undo (`true`) or redo.
pub(crate) fn undo_redo(p: &Prepared, undo: bool) -> Result<StructureSession, ApiError> {
    let _lock = p.dir.lock()?;
    let mut s = read_current(p)?;
    let from = if undo { s.undo.pop() } else { s.redo.pop() };
    let Some(step) = from else {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "nothing_to_undo",
            if undo {
                "nothing to undo"
            } else {
                "nothing to redo"
            },
        ));
    };
    let back = super::store::Step {
        what: step.what.clone(),
        structures: std::mem::replace(&mut s.structures, step.structures),
    };
    if undo {
        s.redo.push(back)
    } else {
        s.undo.push(back)
    }
    s.last = Some(format!(
        "{} {}",
        if undo { "undone:" } else { "redone:" },
        step.what
    ));
    s.revision += 1;
    p.dir.write(&s)?;
    Ok(session_view(p.case_id, Some(&s)))
}

/// One structure's mask: raw bytes (0/1, the grid's order) or NIfTI; (bytes, is NIfTI).
pub(crate) fn mask_bytes(p: &Prepared, q: &MaskQuery) -> Result<(Vec<u8>, bool), ApiError> {
    let s = p.dir.read_open()?;
    let (_, mask, _) = mask_of(p, &s, &q.structure, "structure")?;
    match q.format.as_deref() {
        None | Some("u8") => Ok((mask.data().iter().map(|&b| u8::from(b)).collect(), false)),
        Some("nifti") => {
            let labels = mask.map(u16::from);
            sirt_nifti::write_labels(&labels, false)
                .map(|b| (b, true))
                .map_err(|_| ApiError::internal())
        }
        Some(other) => Err(invalid(
            "format",
            format!("expected u8 or nifti, found \"{other}\""),
        )),
    }
}

/// The plan viewer's structure colours (static/viewer.js `STRUCTURE_COLOURS`): a structure
/// without its own colour is shown in the colour of its place in the list, and saved so.
const VIEWER_COLOURS: [[u8; 3]; 12] = [
    [0x00, 0xb8, 0xd4],
    [0xd5, 0x00, 0xf9],
    [0x8d, 0x6e, 0x63],
    [0x7c, 0x4d, 0xff],
    [0xff, 0x40, 0x81],
    [0x00, 0xbf, 0xa5],
    [0xc4, 0x9a, 0x6c],
    [0x9e, 0x9e, 0x9e],
    [0xf4, 0x8f, 0xb1],
    [0x4d, 0xd0, 0xe1],
    [0xba, 0x68, 0xc8],
    [0xa1, 0x88, 0x7f],
];

/// A structure's colour as the editor shows it: its own (`#rrggbb`, checked when set), else
/// the viewer's colour of its place.
fn colour_rgb(k: &Kept, place: usize) -> [u8; 3] {
    let own = k.colour.as_deref().and_then(|c| {
        let byte = |a: usize| c.get(a..a + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
        Some([byte(1)?, byte(3)?, byte(5)?])
    });
    own.unwrap_or(VIEWER_COLOURS[place % VIEWER_COLOURS.len()])
}

/// The session's structures as one DICOM SEG or RT Structure Set: each checked by the
/// application layer (an empty structure, an implausible liver, a territory outside the liver
/// refused, naming it), with its own history; (bytes, the person named as their maker).
pub(crate) fn dicom(
    p: &Prepared,
    who: &str,
    format: super::SaveFormat,
) -> Result<(Vec<u8>, String), ApiError> {
    let (_, ct) = ct(p)?;
    let by = by(who)?;
    let s = read_current(p)?;
    if s.structures.is_empty() {
        return Err(invalid(
            "structures",
            "expected at least one structure to save, found none",
        ));
    }
    let liver = liver_of(p, &s)?;
    let mut all = Vec::with_capacity(s.structures.len());
    for k in &s.structures {
        let mask = p.dir.read_mask(&s, k)?;
        let mut h = EditHistory::new(s.grid.clone());
        h.push(
            Operation::Import {
                mask: k.name.clone(),
            },
            by.author.clone(),
            by.at.clone(),
        );
        let c = Call {
            images: vec![],
            masks: vec![(k.name.as_str(), &mask)],
            registration: None,
            liver: liver.as_ref().map(|(n, m)| (n.as_str(), m)),
        };
        let mut m = made(p, &ct, &k.name, k.role, &h, &c, "structures")?;
        m.history = k.history.clone();
        if m.history.creator().is_none() {
            m.history.push(
                Operation::Import {
                    mask: format!("{} saved", k.name),
                },
                by.author.clone(),
                by.at.clone(),
            );
        }
        m.made_on = k.made_on.clone().unwrap_or(m.made_on);
        m.resampled = k.resampled.clone();
        all.push(m);
    }
    let req = SegRequest {
        structures: &all,
        ct: &ct,
        series_description: "Structures (sirtplan)",
        at: &by.at,
    };
    let bytes = match format {
        super::SaveFormat::Seg => sirt_planning::structures::seg_bytes(&req),
        super::SaveFormat::RtStruct => {
            let colours: Vec<[u8; 3]> = s
                .structures
                .iter()
                .enumerate()
                .map(|(i, k)| colour_rgb(k, i))
                .collect();
            sirt_planning::structures::rt_struct_bytes(&req, &colours)
        }
    }
    .map_err(|e| refused("structures", &e, &p.base))?;
    Ok((bytes, who.to_owned()))
}

/// Remembers the series saved.
pub(crate) fn mark_saved(dir: &Dir, series_id: i64) -> Result<(), ApiError> {
    let _lock = dir.lock()?;
    if let Some(mut s) = dir.read()? {
        s.saved_series_id = Some(series_id);
        s.last = Some(format!("saved as series {series_id}"));
        dir.write(&s)?;
    }
    Ok(())
}

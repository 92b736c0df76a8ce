//! Image consistency: whether the counts of the MAA SPECT and the activity of the Y-90 PET lie
//! where the CT and the structures say the patient and the liver are. A SPECT or PET shifted
//! out of the patient (a wrong registration, another patient's image, a volume written with a
//! wrong origin) would otherwise be planned on, with absurd doses and no error.
//!
//! Regions, each resampled onto the activity image's own grid by nearest neighbour through the
//! registration when the frames differ (`sirt_geometry::resample_nearest`, the transform
//! `ct_from_spect` / `ct_from_pet` of the voxel part):
//!
//! - **body outline**: CT voxels above [`BODY_HU`] (−500 HU), with the holes of each CT slice
//!   (k plane) filled (the lungs, bowel gas: every voxel the image border cannot reach through
//!   voxels at or below −500 HU), together with the liver and lung structures. Counts whose voxel
//!   centre lies outside the CT's extent count as outside the body;
//! - **liver with margin**: the liver structure dilated on the activity grid by the site's
//!   `maa_liver_margin` (15 mm by default: the SPECT's spill-out), an ellipsoid in voxels;
//! - **lungs**: the lung structure, when the case names one.
//!
//! Fractions are of the positive voxel values (counts, Bq/mL × voxel volume is the same sum up
//! to a constant): MAA counts inside the body and inside liver-with-margin ∪ lungs; PET activity
//! inside the body and inside the liver with its margin. Below the site's limits
//! (`[image_consistency]`) the plan is refused naming the file and the fractions, unless the case
//! accepts it with `[[accepted]]` (see [`crate::plausibility`]).

use crate::PlanningError;
use crate::plausibility::{Checked, resolve};
use crate::voxel::{VoxelPlan, VoxelPlanError};
use sirt_case::{Case, Images};
use sirt_geometry::{
    GeometryError, Grid, Image, Mask, Rigid, Role, Structure, resample_nearest, source_from_target,
};
use sirt_i18n::{Arg, Text};
use sirt_settings::SiteSettings;
use sirt_units::{Fraction, Length};
use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;

/// CT number above which a voxel is patient (or couch) rather than air, HU: halfway between
/// air (−1000 HU) and water (0 HU); lung parenchyma (about −850 to −700 HU) falls below and is
/// added by filling each slice's holes [site choice; the usual body-contour threshold of
/// treatment-planning systems lies between −700 and −300 HU].
pub const BODY_HU: f32 = -500.0;

/// Where the activity of one image lies, as fractions of its positive voxel values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivityFractions {
    /// Inside the body outline.
    pub in_body: f64,
    /// Inside the liver (dilated by the margin).
    pub in_liver: f64,
    /// Inside the liver (dilated) or the lungs.
    pub in_liver_and_lungs: f64,
}

/// The inputs of the voxel part as loaded, before any dosimetry.
pub(crate) struct Loaded<'a> {
    /// The CT, structures and MAA SPECT as loaded (and what was found on them before: the body
    /// outline, the SPECT's fractions).
    pub kept: &'a crate::voxel::cache::Loaded,
    /// CT ← SPECT, when their frames differ.
    pub ct_from_spect: Option<&'a Rigid>,
}

/// Checks the loaded inputs before the dosimetry runs: the qform and sform of each NIfTI file
/// (within `max_qform_sform_difference` of each other when both are set), the segmented liver and lung volumes
/// against the site's plausibility bounds, and the MAA SPECT's counts against the CT's body
/// outline and the liver and lungs. A note gives the SPECT's fractions, one more each accepted
/// exception. `base` is the folder the case's image paths are relative to.
pub(crate) fn check_loaded(
    case: &Case,
    base: &Path,
    settings: &SiteSettings,
    loaded: Loaded<'_>,
    notes: &mut Vec<Text>,
) -> Result<(), VoxelPlanError> {
    let Some(images) = &case.images else {
        return Ok(());
    };
    let refused = |e| VoxelPlanError::Refused(Box::new(e));
    let forms = qform_sform_checks(
        images,
        base,
        settings.image_consistency.max_qform_sform_difference,
    )?;
    resolve(case, "the case file", forms, notes).map_err(refused)?;
    crate::plausibility::check_structures(
        case,
        // Named as the case file names it: the reader knows that path, and a server's
        // folders stay out of the report.
        &images.structures,
        &loaded.kept.structures,
        &settings.plausibility,
        notes,
    )
    .map_err(refused)?;
    let kept = loaded.kept;
    let (Some(spect), Some(path)) = (&kept.spect, &images.maa_spect) else {
        return Ok(());
    };
    let limits = &settings.image_consistency;
    let margin_mm = settings.maa_liver_margin.m() * 1000.0;
    let file = path.clone();
    let found = kept.fractions(
        "spect",
        spect.grid(),
        loaded.ct_from_spect,
        margin_mm,
        || {
            let body = kept.body_outline(|| body_outline(&kept.ct, &kept.structures));
            fractions(
                spect,
                &body,
                &kept.structures,
                loaded.ct_from_spect,
                margin_mm,
            )
        },
    )?;
    let Some(f) = found else {
        return Ok(());
    };
    let found = found_text(&f, margin_mm, true);
    notes.push(Text::with(
        "note-maa-spect-file",
        vec![
            ("file", Arg::from(&file)),
            ("found", Arg::from(found.clone())),
        ],
    ));
    let checked = vec![
        check(
            &file,
            "images.maa_spect.counts_in_body",
            f.in_body,
            limits.min_counts_in_body,
            Text::msg("note-of-counts-in-body"),
            &found,
            "[image_consistency] min_counts_in_body",
        ),
        check(
            &file,
            "images.maa_spect.counts_in_liver_and_lungs",
            f.in_liver_and_lungs,
            limits.min_maa_counts_in_liver_and_lungs,
            Text::with(
                "note-of-counts-in-liver-and-lungs",
                vec![("margin", millimetres(margin_mm))],
            ),
            &found,
            "[image_consistency] min_maa_counts_in_liver_and_lungs",
        ),
    ];
    resolve(case, "the case file", checked, notes).map_err(refused)
}

/// The qform/sform check of each NIfTI file of `[images]` that sets both (header only): the
/// largest distance between the two at the image's corners against `max`.
fn qform_sform_checks(
    images: &Images,
    base: &Path,
    max: Length,
) -> Result<Vec<Checked>, VoxelPlanError> {
    let max_mm = max.m() * 1000.0;
    let fields = [
        ("ct", Some(&images.ct)),
        ("structures", Some(&images.structures)),
        ("maa_spect", images.maa_spect.as_ref()),
        ("y90_pet", images.y90_pet.as_ref()),
    ];
    let mut checked = Vec::new();
    for (field, path) in fields {
        let Some(path) = path else { continue };
        let lower = path.to_ascii_lowercase();
        if !(lower.ends_with(".nii") || lower.ends_with(".nii.gz")) {
            continue;
        }
        let full = base.join(path);
        let file = path.clone();
        let head = header_bytes(&full)?;
        let Some(d) = sirt_nifti::qform_sform_difference(&head, &file)
            .map_err(|e| VoxelPlanError::Imaging(e.into()))?
        else {
            continue;
        };
        let xyz = |p: [f64; 3]| {
            let c = |v: f64| Arg::Num {
                value: v,
                decimals: 2,
            };
            Arg::from(Text::with(
                "note-xyz",
                vec![("x", c(p[0])), ("y", c(p[1])), ("z", c(p[2]))],
            ))
        };
        let corner = |v: f64| Arg::Numeric(v.to_string());
        checked.push(Checked::new(
            Text::verbatim(file),
            &format!("images.{field}.qform_sform"),
            Text::with(
                "note-qform-sform-expected",
                vec![("max", millimetres(max_mm))],
            ),
            Text::with(
                "note-qform-sform-found",
                vec![
                    (
                        "distance",
                        Arg::Qty {
                            value: d.distance_mm,
                            decimals: 2,
                            unit: "mm",
                        },
                    ),
                    ("i", corner(d.corner[0])),
                    ("j", corner(d.corner[1])),
                    ("k", corner(d.corner[2])),
                    ("qform", xyz(d.qform_ras)),
                    ("sform", xyz(d.sform_ras)),
                ],
            ),
            "[image_consistency] max_qform_sform_difference",
            d.distance_mm.is_nan() || d.distance_mm > max_mm,
        ));
    }
    Ok(checked)
}

/// The first bytes of a file, enough for a NIfTI-1 header even through gzip (64 KiB).
fn header_bytes(path: &Path) -> Result<Vec<u8>, VoxelPlanError> {
    let io = |source| {
        VoxelPlanError::Imaging(sirt_imaging::ImagingError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_end(&mut head))
        .map_err(io)?;
    Ok(head)
}

/// Checks the Y-90 PET of a voxel plan against the CT's body outline and the liver (a note
/// gives its fractions, one more each accepted exception); `case_file` names the case.
pub(crate) fn check_pet(
    case: &Case,
    case_file: &str,
    voxel: &mut VoxelPlan,
    settings: &SiteSettings,
) -> Result<(), PlanningError> {
    let (Some(images), Some(pet)) = (&case.images, &voxel.y90_pet) else {
        return Ok(());
    };
    let Some(path) = &images.y90_pet else {
        return Ok(());
    };
    let limits = &settings.image_consistency;
    let margin_mm = settings.maa_liver_margin.m() * 1000.0;
    let file = path.clone();
    let ct_from_pet = voxel.ct_from_pet.as_ref();
    let find = || {
        let body = match &voxel.loaded {
            Some(kept) => kept.body_outline(|| body_outline(&voxel.ct, &voxel.structures)),
            None => std::sync::Arc::new(body_outline(&voxel.ct, &voxel.structures)),
        };
        fractions(pet, &body, &voxel.structures, ct_from_pet, margin_mm)
    };
    let fractions = match &voxel.loaded {
        Some(kept) => kept.fractions("pet", pet.grid(), ct_from_pet, margin_mm, find),
        None => find(),
    }
    .map_err(|e| PlanningError::Voxel(e.into()))?;
    let Some(f) = fractions else {
        return Ok(());
    };
    let found = found_text(&f, margin_mm, false);
    let mut notes = vec![Text::with(
        "note-y90-pet-file",
        vec![
            ("file", Arg::from(&file)),
            ("found", Arg::from(found.clone())),
        ],
    )];
    let checked = vec![
        check(
            &file,
            "images.y90_pet.activity_in_body",
            f.in_body,
            limits.min_counts_in_body,
            Text::msg("note-of-activity-in-body"),
            &found,
            "[image_consistency] min_counts_in_body",
        ),
        check(
            &file,
            "images.y90_pet.activity_in_liver",
            f.in_liver,
            limits.min_pet_activity_in_liver,
            Text::with(
                "note-of-activity-in-liver",
                vec![("margin", millimetres(margin_mm))],
            ),
            &found,
            "[image_consistency] min_pet_activity_in_liver",
        ),
    ];
    // As the SPECT's refusal: a voxel-part input error (the server words it without its folders).
    resolve(case, &format!("case file {case_file}"), checked, &mut notes)
        .map_err(|e| PlanningError::Voxel(VoxelPlanError::Refused(Box::new(e))))?;
    voxel.notes.extend(notes);
    Ok(())
}

/// The check of one fraction against its least value.
fn check(
    file: &str,
    what: &str,
    value: f64,
    least: Fraction,
    of_what: Text,
    found: &Text,
    setting: &str,
) -> Checked {
    Checked::new(
        Text::verbatim(file),
        what,
        Text::with(
            "note-at-least",
            vec![
                ("least", percent(least.value())),
                ("of_what", Arg::from(of_what)),
            ],
        ),
        found.clone(),
        setting,
        value < least.value(),
    )
}

/// A fraction as a percentage with one decimal ("12.3 %").
fn percent(x: f64) -> Arg {
    Arg::Qty {
        value: 100.0 * x,
        decimals: 1,
        unit: "%",
    }
}

/// A length in millimetres as a setting gives it ("10 mm", "7.5 mm").
fn millimetres(mm: f64) -> Arg {
    Arg::Numeric(format!("{mm} mm"))
}

/// The fractions as a refusal or a note prints them.
fn found_text(f: &ActivityFractions, margin_mm: f64, maa: bool) -> Text {
    if maa {
        Text::with(
            "note-maa-fractions",
            vec![
                ("in_body", percent(f.in_body)),
                ("in_liver_and_lungs", percent(f.in_liver_and_lungs)),
                ("margin", millimetres(margin_mm)),
            ],
        )
    } else {
        Text::with(
            "note-pet-fractions",
            vec![
                ("in_body", percent(f.in_body)),
                ("in_liver", percent(f.in_liver)),
                ("margin", millimetres(margin_mm)),
            ],
        )
    }
}

/// The body outline on the CT grid: above [`BODY_HU`], each slice's holes filled, with the liver
/// and lung structures that lie on the CT grid (a label map's are added on the activity grid).
fn body_outline(ct: &Image<f32>, structures: &[Structure]) -> Mask {
    let mut body = ct.map(|hu| hu > BODY_HU);
    fill_slice_holes(&mut body);
    let grid = ct.grid().clone();
    let data = body.data_mut();
    for s in structures {
        if matches!(s.role, Role::Liver | Role::Lungs) && s.mask.grid().same_as(&grid) {
            for (b, &m) in data.iter_mut().zip(s.mask.data()) {
                *b |= m;
            }
        }
    }
    body
}

/// Fills, in each k plane, the voxels outside `mask` that the plane's border cannot reach
/// through voxels outside `mask` (4-connected).
fn fill_slice_holes(mask: &mut Mask) {
    let [nx, ny, nz] = mask.grid().dims;
    let data = mask.data_mut();
    let plane = nx * ny;
    let mut reached = vec![false; plane];
    let mut queue = VecDeque::new();
    for k in 0..nz {
        let slice = &mut data[k * plane..(k + 1) * plane];
        reached.fill(false);
        for j in 0..ny {
            for i in 0..nx {
                let at = i + nx * j;
                let border = i == 0 || j == 0 || i + 1 == nx || j + 1 == ny;
                if border && !slice[at] {
                    reached[at] = true;
                    queue.push_back((i, j));
                }
            }
        }
        while let Some((i, j)) = queue.pop_front() {
            let mut visit = |a: usize, b: usize| {
                let at = a + nx * b;
                if !slice[at] && !reached[at] {
                    reached[at] = true;
                    queue.push_back((a, b));
                }
            };
            if i > 0 {
                visit(i - 1, j);
            }
            if i + 1 < nx {
                visit(i + 1, j);
            }
            if j > 0 {
                visit(i, j - 1);
            }
            if j + 1 < ny {
                visit(i, j + 1);
            }
        }
        for (v, &r) in slice.iter_mut().zip(&reached) {
            *v |= !r;
        }
    }
}

/// A mask in the CT's frame on `target`, the activity image's grid (`ct_from_target`: CT ←
/// activity image when their frames differ).
fn on_grid(
    mask: &Mask,
    target: &Grid,
    ct_from_target: Option<&Rigid>,
) -> Result<Mask, GeometryError> {
    let t = source_from_target(&mask.grid().frame, &target.frame, ct_from_target)?;
    resample_nearest(mask, target, &t, false)
}

/// The fractions of `image`'s positive values in the body, the liver with its margin and the
/// lungs; None for an image without positive values (the dosimetry refuses it).
fn fractions(
    image: &Image<f32>,
    body_on_ct: &Mask,
    structures: &[Structure],
    ct_from_image: Option<&Rigid>,
    margin_mm: f64,
) -> Result<Option<ActivityFractions>, GeometryError> {
    let grid = image.grid();
    let mut body = on_grid(body_on_ct, grid, ct_from_image)?;
    let mut liver = Mask::filled(grid.clone(), false);
    let mut lungs = Mask::filled(grid.clone(), false);
    for s in structures {
        let target = match s.role {
            Role::Liver => &mut liver,
            Role::Lungs => &mut lungs,
            _ => continue,
        };
        let m = on_grid(&s.mask, grid, ct_from_image)?;
        for ((t, b), &v) in target
            .data_mut()
            .iter_mut()
            .zip(body.data_mut().iter_mut())
            .zip(m.data())
        {
            *t |= v;
            *b |= v;
        }
    }
    let liver = dilate(&liver, margin_mm);
    let (mut total, mut in_body, mut in_liver, mut in_both) = (0.0, 0.0, 0.0, 0.0);
    for (n, &v) in image.data().iter().enumerate() {
        if v.is_nan() || v <= 0.0 {
            continue;
        }
        let v = f64::from(v);
        total += v;
        if body.data()[n] {
            in_body += v;
        }
        if liver.data()[n] {
            in_liver += v;
        }
        if liver.data()[n] || lungs.data()[n] {
            in_both += v;
        }
    }
    if total <= 0.0 {
        return Ok(None);
    }
    Ok(Some(ActivityFractions {
        in_body: in_body / total,
        in_liver: in_liver / total,
        in_liver_and_lungs: in_both / total,
    }))
}

/// `mask` dilated by `margin_mm`: every voxel whose centre lies within the margin of a mask
/// voxel's centre (an ellipsoid of radius margin / spacing voxels along each axis; the grid's
/// axes are orthonormal).
fn dilate(mask: &Mask, margin_mm: f64) -> Mask {
    let grid = mask.grid();
    let [nx, ny, nz] = grid.dims;
    let s = grid.spacing_mm;
    let reach = |a: usize| (margin_mm / s[a]).floor() as i64;
    let (rx, ry, rz) = (reach(0), reach(1), reach(2));
    let mut offsets = Vec::new();
    for dk in -rz..=rz {
        for dj in -ry..=ry {
            for di in -rx..=rx {
                let d2 = (di as f64 * s[0]).powi(2)
                    + (dj as f64 * s[1]).powi(2)
                    + (dk as f64 * s[2]).powi(2);
                if d2 <= margin_mm * margin_mm && (di, dj, dk) != (0, 0, 0) {
                    offsets.push((di, dj, dk));
                }
            }
        }
    }
    let src = mask.data();
    let mut out = mask.clone();
    let dims = [nx as i64, ny as i64, nz as i64];
    let at = |i: i64, j: i64, k: i64| (i + dims[0] * (j + dims[1] * k)) as usize;
    for (n, _) in src.iter().enumerate().filter(|(_, v)| **v) {
        let [i, j, k] = grid.index_of_offset(n).map(|x| x as i64);
        // Only voxels on the border of the mask can reach outside it.
        let inner = i > 0
            && j > 0
            && k > 0
            && i + 1 < dims[0]
            && j + 1 < dims[1]
            && k + 1 < dims[2]
            && sirt_geometry::FACE_NEIGHBOURS
                .iter()
                .all(|&(a, b, c)| src[at(i + a as i64, j + b as i64, k + c as i64)]);
        if inner {
            continue;
        }
        for &(di, dj, dk) in &offsets {
            let (a, b, c) = (i + di, j + dj, k + dk);
            if a >= 0 && b >= 0 && c >= 0 && a < dims[0] && b < dims[1] && c < dims[2] {
                out.data_mut()[at(a, b, c)] = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sirt_geometry::{FrameOfReference, PointLps};

    fn grid(n: usize, spacing: f64) -> Grid {
        Grid::axis_aligned(
            [n, n, n],
            [spacing, spacing, spacing],
            PointLps::new(0.0, 0.0, 0.0),
            FrameOfReference("f".into()),
        )
        .unwrap()
    }

    #[test]
    fn dilation_is_a_ball_of_the_margin() {
        // One voxel at the centre of 11³ voxels of 2 mm, dilated by 4 mm: the voxels within
        // 2 voxels (4 mm) of it: the lattice points of a ball of radius 2, 33 of them
        // (1 + 6 at 1, 12 at √2, 8 at √3, 6 at 2).
        let mut m = Mask::filled(grid(11, 2.0), false);
        m.set(5, 5, 5, true);
        let d = dilate(&m, 4.0);
        assert_eq!(d.count(), 33);
        assert!(d.get(5, 5, 7).unwrap());
        assert!(!d.get(5, 6, 7).unwrap());
        // No margin: unchanged.
        assert_eq!(dilate(&m, 0.0).count(), 1);
    }

    #[test]
    fn slice_holes_are_filled_in_plane_only() {
        // A 5 × 5 ring in each plane of a 7³ grid: its 3 × 3 inside is filled, nothing else.
        let mut m = Mask::filled(grid(7, 1.0), false);
        for k in 0..7 {
            for a in 1..6 {
                for (i, j) in [(a, 1), (a, 5), (1, a), (5, a)] {
                    m.set(i, j, k, true);
                }
            }
        }
        let ring = m.count();
        fill_slice_holes(&mut m);
        assert_eq!(ring, 16 * 7);
        assert_eq!(m.count(), 25 * 7);
        assert!(m.get(3, 3, 3).unwrap());
        assert!(!m.get(0, 3, 3).unwrap());
    }
}

//! Named structures and their partial-volume fractions on the dose grid.
//!
//! A [`Structure`] (`sirt-geometry`, shared with image loading) is a binary mask on the grid it
//! was drawn on (the CT's, usually). On the dose
//! grid (the SPECT's or PET's, whose voxels are larger) each voxel gets the fraction of its
//! volume inside the structure: 3 × 3 × 3 sample points per dose voxel, each looked up at the
//! nearest mask voxel through the registration (`sirt_geometry::resample_mask_fractional`, X4).
//! The normal liver is derived: f_normal = max(0, f_liver − Σ f_tumour), so that a tumour drawn
//! slightly outside the liver contour does not give negative fractions.

use crate::pipeline::DosimetryError;
use sirt_geometry::{FractionalMask, Grid, Image, Rigid, resample_mask_fractional};
pub use sirt_geometry::{Role, Structure};
use sirt_units::Length;

/// Sample points per axis and dose voxel for the partial-volume fractions (27 per voxel: a
/// fraction resolution of 1/27 ≈ 3.7 % of a voxel, which averages out over a structure).
pub const SUPERSAMPLING: usize = 3;

/// Lesions below this volume are flagged: at SPECT resolution (12–15 mm FWHM) their mean dose is
/// biased low by partial volume (NET recommendations, Lam et al. 2022, and `clinical-rules.md`:
/// lesions < 2 mL are not evaluable for dose–response).
pub const SMALL_LESION_ML: f64 = 2.0;

/// A structure on the dose grid.
#[derive(Debug, Clone, PartialEq)]
pub struct OnGrid {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Fraction of each dose voxel inside the structure.
    pub fractions: FractionalMask,
    /// Volume of the structure on its own grid, mL (voxel count × voxel volume).
    pub drawn_volume_ml: f64,
}

/// Puts every structure on `dose_grid` (fractions), adding the derived normal liver when a liver
/// and at least one tumour are given. `registration` links the frames when they differ (either
/// direction); structures in another frame without it are refused.
pub fn on_grid(
    structures: &[Structure],
    dose_grid: &Grid,
    registration: Option<&Rigid>,
) -> Result<Vec<OnGrid>, DosimetryError> {
    let mut out = Vec::with_capacity(structures.len() + 1);
    for s in structures {
        if out.iter().any(|o: &OnGrid| o.name == s.name) {
            return Err(DosimetryError::Structure {
                name: s.name.clone(),
                what: "given twice".into(),
            });
        }
        if s.mask.count() == 0 {
            return Err(DosimetryError::Structure {
                name: s.name.clone(),
                what: "the mask is empty".into(),
            });
        }
        let transform =
            sirt_geometry::source_from_target(&s.mask.grid().frame, &dose_grid.frame, registration)
                .map_err(|e| DosimetryError::Structure {
                    name: s.name.clone(),
                    what: format!("cannot be placed on the dose grid: {e}"),
                })?;
        let fractions = if s.mask.grid().same_as(dose_grid) {
            s.mask.map(|b| f32::from(u8::from(b)))
        } else {
            resample_mask_fractional(&s.mask, dose_grid, &transform, SUPERSAMPLING)?
        };
        if fractions.data().iter().all(|&f| f <= 0.0) {
            return Err(DosimetryError::Structure {
                name: s.name.clone(),
                what: "lies outside the dose grid (no dose voxel overlaps it)".into(),
            });
        }
        out.push(OnGrid {
            name: s.name.clone(),
            role: s.role,
            fractions,
            drawn_volume_ml: s.mask.volume_ml(),
        });
    }
    let liver = out.iter().find(|o| o.role == Role::Liver);
    let tumours: Vec<&OnGrid> = out.iter().filter(|o| o.role == Role::Tumour).collect();
    if let Some(liver) = liver
        && !tumours.is_empty()
    {
        let mut normal = liver.fractions.data().to_vec();
        for t in &tumours {
            for (n, f) in normal.iter_mut().zip(t.fractions.data()) {
                *n = (*n - f).max(0.0);
            }
        }
        let drawn = liver.drawn_volume_ml - tumours.iter().map(|t| t.drawn_volume_ml).sum::<f64>();
        let fractions = Image::new(dose_grid.clone(), normal)?;
        out.push(OnGrid {
            name: "normal liver (liver − tumours)".into(),
            role: Role::NormalLiver,
            fractions,
            drawn_volume_ml: drawn.max(0.0),
        });
    }
    Ok(out)
}

/// The first structure with `role`, or an error naming the role.
pub fn find(structures: &[OnGrid], role: Role) -> Result<&OnGrid, DosimetryError> {
    structures.iter().find(|s| s.role == role).ok_or_else(|| {
        DosimetryError::Input(format!("no structure with the role {role:?} was given"))
    })
}

/// Dose voxels whose fraction is at least this are the liver's own when its margin is drawn
/// ([`margin_zone`]): the contour passes through the voxel's centre at one half, a
/// site-independent design choice.
pub const MARGIN_SEED_FRACTION: f32 = 0.5;

/// The voxels within `margin` of the liver on its grid: every voxel with a liver fraction above
/// 0, and every voxel whose centre lies within `margin` (Euclidean, mm) of the centre of a voxel
/// with a fraction of at least [`MARGIN_SEED_FRACTION`]. Empty (all false) for a zero margin.
pub fn margin_zone(liver: &FractionalMask, margin: Length) -> Vec<bool> {
    let g = liver.grid();
    let f = liver.data();
    let mm = margin.m() * 1000.0;
    if !(mm.is_finite() && mm > 0.0) {
        return vec![false; f.len()];
    }
    let mut zone: Vec<bool> = f.iter().map(|&x| x > 0.0).collect();
    let offsets = ball(g.spacing_mm, mm);
    let seed = |i: isize, j: isize, k: isize| -> bool {
        let [nx, ny, nz] = g.dims.map(|d| d as isize);
        (0..nx).contains(&i)
            && (0..ny).contains(&j)
            && (0..nz).contains(&k)
            && g.offset(i as usize, j as usize, k as usize)
                .is_some_and(|o| f[o] >= MARGIN_SEED_FRACTION)
    };
    for (o, _) in f
        .iter()
        .enumerate()
        .filter(|(_, x)| **x >= MARGIN_SEED_FRACTION)
    {
        let [i, j, k] = g.index_of_offset(o).map(|x| x as isize);
        let inner = sirt_geometry::FACE_NEIGHBOURS
            .iter()
            .all(|(a, b, c)| seed(i + a, j + b, k + c));
        if inner {
            continue;
        }
        for &[a, b, c] in &offsets {
            let (p, q, r) = (i + a, j + b, k + c);
            if p >= 0
                && q >= 0
                && r >= 0
                && let Some(t) = g.offset(p as usize, q as usize, r as usize)
            {
                zone[t] = true;
            }
        }
    }
    zone
}

/// The index offsets within `mm` of a voxel's centre on a grid of `spacing` (orthonormal axes).
fn ball(spacing: [f64; 3], mm: f64) -> Vec<[isize; 3]> {
    let r = spacing.map(|s| (mm / s).floor() as isize);
    let mut out = Vec::new();
    for c in -r[2]..=r[2] {
        for b in -r[1]..=r[1] {
            for a in -r[0]..=r[0] {
                let d2 = (a as f64 * spacing[0]).powi(2)
                    + (b as f64 * spacing[1]).powi(2)
                    + (c as f64 * spacing[2]).powi(2);
                if d2 <= mm * mm {
                    out.push([a, b, c]);
                }
            }
        }
    }
    out
}

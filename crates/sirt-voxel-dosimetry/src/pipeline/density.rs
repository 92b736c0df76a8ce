//! The mass-density map on the dose grid.
//!
//! - From a CT: HU → g/mL by the calibration curve ([`HuToDensity`], a parameter), then onto the
//!   dose grid. When CT voxels are smaller than dose voxels (the usual case, 1–3 mm vs 4–5 mm)
//!   each dose voxel gets the mean density of the CT voxels whose centres it holds (mass
//!   conserving: ρ̄ = Σ ρ / n, `bin_sum` X5); otherwise the density is interpolated trilinearly.
//!   Dose voxels that hold no CT voxel centre lie outside the CT's field of view: they get
//!   [`OUTSIDE_CT_DENSITY_G_PER_ML`] and the count is reported.
//! - Uniform: a stated density everywhere (no CT; e.g. a PET-only post-treatment check).
//!
//! (D2) The density of the part of a dose voxel inside a structure ([`part_density`]): a border
//! voxel of the lungs holds lung and soft tissue, and its mean density ρ̄ belongs to neither. For
//! the structure's mass, M_s = Σ_v f_v ρ_s(v) V, ρ_s(v) is the mean density of the CT voxels
//! whose centres lie both in dose voxel v and inside the structure's mask (on the mask's grid:
//! the CT's, or a label map's, where the CT density is interpolated trilinearly at each mask
//! voxel centre): Σ ρ_c over those voxels / their number. Where no such CT voxel falls in v (the
//! fraction's 27 samples and the mask voxel centres disagree at the edge), or where CT voxels are
//! not smaller than dose voxels (no sub-voxel density to use), ρ_s(v) = ρ̄(v).

use crate::physics::activity::HuToDensity;
use crate::pipeline::DosimetryError;
use sirt_geometry::{Grid, Image, Mask, Rigid, bin_sum, resample_linear, source_from_target};
use sirt_units::Density;

/// Density given to dose voxels outside the CT field of view: soft tissue, ICRU 44 (1.00–1.06
/// g/mL); water's 1.0 is taken and every such voxel is reported.
pub const OUTSIDE_CT_DENSITY_G_PER_ML: f32 = 1.0;

/// Where the density comes from.
#[derive(Debug, Clone)]
pub enum DensityInput<'a> {
    /// A CT in HU and its calibration curve.
    FromCt {
        /// The CT, HU.
        ct: &'a Image<f32>,
        /// HU → g/mL.
        curve: HuToDensity,
    },
    /// One density everywhere.
    Uniform(Density),
}

/// The density map and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityMap {
    /// g/mL on the dose grid.
    pub g_per_ml: Image<f32>,
    /// Lines for the report, in the reader's language when rendered.
    pub notes: Vec<sirt_i18n::Text>,
    /// Dose voxels outside the CT that got [`OUTSIDE_CT_DENSITY_G_PER_ML`].
    pub outside_ct_voxels: usize,
    /// The CT's density on the CT grid, g/mL, when its voxels are smaller than the dose voxels
    /// (the sub-voxel density [`part_density`] uses); None otherwise.
    pub ct_g_per_ml: Option<Image<f32>>,
}

/// Whether CT voxels are small enough against dose voxels (at most half their volume) for the
/// dose voxel's density to be the mean of the CT voxels it holds (rebinning) rather than an
/// interpolation: a site-independent design choice of this tool.
fn ct_is_finer(ct: &Grid, dose: &Grid) -> bool {
    ct.voxel_volume_mm3() * 2.0 <= dose.voxel_volume_mm3()
}

/// (D2) The density of the part of each dose voxel inside the structure `mask` (module docs):
/// the mean density of the CT voxels inside both, else the voxel's mean density `mean`.
pub fn part_density(
    mean: &DensityMap,
    mask: &Mask,
    registration: Option<&Rigid>,
) -> Result<Image<f32>, DosimetryError> {
    let Some(ct) = &mean.ct_g_per_ml else {
        return Ok(mean.g_per_ml.clone());
    };
    let dose_grid = mean.g_per_ml.grid();
    let on_mask = if mask.grid().same_as(ct.grid()) {
        ct.clone()
    } else {
        let t = source_from_target(&ct.grid().frame, &mask.grid().frame, registration)
            .map_err(|e| DosimetryError::Geometry(format!("CT to structure grid: {e}")))?;
        resample_linear(ct, mask.grid(), &t, OUTSIDE_CT_DENSITY_G_PER_ML)?
    };
    let inside: Vec<f32> = on_mask
        .data()
        .iter()
        .zip(mask.data())
        .map(|(&r, &m)| if m { r } else { 0.0 })
        .collect();
    let inside = Image::new(mask.grid().clone(), inside)?;
    let transform = source_from_target(&mask.grid().frame, &dose_grid.frame, registration)
        .map_err(|e| DosimetryError::Geometry(format!("structure to dose grid: {e}")))?;
    let sum = bin_sum(&inside, dose_grid, &transform)?;
    let count = bin_sum(&mask.map(|m| f32::from(u8::from(m))), dose_grid, &transform)?;
    let data = sum
        .data()
        .iter()
        .zip(count.data())
        .zip(mean.g_per_ml.data())
        .map(|((&m, &c), &rho)| {
            if c > 0.0 && m > 0.0 {
                (m / c) as f32
            } else {
                rho
            }
        })
        .collect();
    Ok(Image::new(dose_grid.clone(), data)?)
}

/// The density on `dose_grid`.
pub fn density_on(
    input: &DensityInput<'_>,
    dose_grid: &Grid,
    registration: Option<&Rigid>,
) -> Result<DensityMap, DosimetryError> {
    match input {
        DensityInput::Uniform(d) => {
            let g = d.g_per_ml();
            if !(g.is_finite() && g > 0.0) {
                return Err(DosimetryError::Input(format!(
                    "a uniform density must be above 0 g/mL, found {d}"
                )));
            }
            Ok(DensityMap {
                g_per_ml: Image::filled(dose_grid.clone(), g as f32),
                notes: vec![sirt_i18n::Text::with(
                    "voxel-note-uniform-density",
                    vec![("density", sirt_i18n::Arg::Numeric(format!("{g} g/mL")))],
                )],
                outside_ct_voxels: 0,
                ct_g_per_ml: None,
            })
        }
        DensityInput::FromCt { ct, curve } => {
            let density_ct = curve.map(ct);
            let transform = source_from_target(&ct.grid().frame, &dose_grid.frame, registration)
                .map_err(|e| DosimetryError::Geometry(format!("CT to dose grid: {e}")))?;
            let finer = ct_is_finer(ct.grid(), dose_grid);
            let mut outside = 0usize;
            let (data, how) = if finer {
                // bin_sum maps source centres through the inverse of source_from_target.
                let mass = bin_sum(&density_ct, dose_grid, &transform)?;
                let count = bin_sum(&density_ct.map(|_| 1.0f32), dose_grid, &transform)?;
                let data = mass
                    .data()
                    .iter()
                    .zip(count.data())
                    .map(|(&m, &c)| {
                        if c > 0.0 {
                            (m / c) as f32
                        } else {
                            outside += 1;
                            OUTSIDE_CT_DENSITY_G_PER_ML
                        }
                    })
                    .collect();
                (data, sirt_i18n::Text::msg("voxel-note-density-mean"))
            } else {
                let r = resample_linear(&density_ct, dose_grid, &transform, f32::NAN)?;
                let data = r
                    .data()
                    .iter()
                    .map(|&v| {
                        if v.is_finite() {
                            v
                        } else {
                            outside += 1;
                            OUTSIDE_CT_DENSITY_G_PER_ML
                        }
                    })
                    .collect();
                (data, sirt_i18n::Text::msg("voxel-note-density-trilinear"))
            };
            let mut notes = vec![sirt_i18n::Text::with(
                "voxel-note-density-from-ct",
                vec![
                    ("source", sirt_i18n::Arg::Str(curve.source.to_string())),
                    ("how", sirt_i18n::Arg::from(how)),
                ],
            )];
            if outside > 0 {
                notes.push(sirt_i18n::Text::with(
                    "voxel-note-outside-ct",
                    vec![
                        ("count", sirt_i18n::Arg::from(outside)),
                        (
                            "density",
                            sirt_i18n::Arg::Numeric(format!("{OUTSIDE_CT_DENSITY_G_PER_ML} g/mL")),
                        ),
                    ],
                ));
            }
            Ok(DensityMap {
                g_per_ml: Image::new(dose_grid.clone(), data)?,
                notes,
                outside_ct_voxels: outside,
                ct_g_per_ml: finer.then_some(density_ct),
            })
        }
    }
}

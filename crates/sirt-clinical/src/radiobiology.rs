//! BED and EQD2 of a permanent implant with mono-exponential decay (Dale RG, Br J Radiol
//! 1985;58:515–528), clinical-rules.md §4.1 \[R formula; standard].
//!
//! BED = D · [1 + D·λ / ((μ + λ)·(α/β))] = D + D² · T_rep / ((T_rep + T_phys)·(α/β)),
//! EQD2 = BED / (1 + 2 Gy / (α/β)). For microspheres T_eff = T_phys (no biological washout).
//! Never quote a BED without its parameters: they are part of [`Bed`].
//!
//! | module | what |
//! |---|---|
//! | this file | [`bed_permanent_implant`] (one dose), [`DaleFactor`] (the formula's coefficient, checked once), [`bed_voxels`] / [`eqd2_voxels`] (a dose map's voxels) |
//! | `data` | [`RadiobiologyData`]: tissue parameters (α/β, T_rep, gEUD `a`), NTCP parameter sets and dose–response fits as cited records (`data/radiobiology.toml`, extended or overridden by site files) |
//! | `models` | [`geud`] (Niemierko's generalised EUD), [`lq_eud`] (Niemierko's LQ-based EUD), [`lkb_ntcp`], [`logistic_response`] on weighted voxels |

mod data;
mod models;

pub use data::{
    EMBEDDED_RADIOBIOLOGY_FILE, Fit, FitKind, FitModel, FitQuantity, InvalidRecord,
    RadiobiologyData, RadiobiologyDataError, TissueRecord, TissueRole,
};
pub(crate) use data::{Problem, RawRecord, merge_records};
pub use models::{ModelError, Weighted, geud, lkb_ntcp, logistic_response, lq_eud, weighted_mean};

use sirt_units::{AbsorbedDose, TimeSpan};
use std::borrow::Cow;
use thiserror::Error;

/// Linear-quadratic parameters of a tissue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LqParameters {
    /// α/β (Gy).
    pub alpha_beta: AbsorbedDose,
    /// Repair half-time T_rep (μ = ln 2 / T_rep).
    pub repair_half_time: TimeSpan,
    /// Where the values come from.
    pub source: Cow<'static, str>,
}

impl LqParameters {
    /// Normal liver: α/β 2.5 Gy, T_rep 1.5 h. Cremonesi et al., Front Oncol 2014;4:210; Strigari
    /// et al., J Nucl Med 2010;51:1377; Chiesa et al., EJNMMI 2015;42:1718 (clinical-rules.md
    /// §4.1 \[R: primaries not opened]).
    pub fn normal_liver() -> Self {
        Self {
            alpha_beta: AbsorbedDose::from_gy(2.5),
            repair_half_time: TimeSpan::from_hours(1.5),
            source: Cow::Borrowed(
                "normal liver α/β 2.5 Gy, T_rep 1.5 h (Cremonesi 2014; Strigari 2010; Chiesa 2015) [R]",
            ),
        }
    }

    /// Normal liver with the slower repair some papers use: α/β 2.5 Gy, T_rep 2.5 h
    /// (clinical-rules.md §4.1 \[R]).
    pub fn normal_liver_slow_repair() -> Self {
        Self {
            alpha_beta: AbsorbedDose::from_gy(2.5),
            repair_half_time: TimeSpan::from_hours(2.5),
            source: Cow::Borrowed(
                "normal liver α/β 2.5 Gy, T_rep 2.5 h (clinical-rules.md §4.1) [R]",
            ),
        }
    }

    /// Tumour: α/β 10 Gy, T_rep 1.5 h (clinical-rules.md §4.1 \[R]).
    pub fn tumour() -> Self {
        Self {
            alpha_beta: AbsorbedDose::from_gy(10.0),
            repair_half_time: TimeSpan::from_hours(1.5),
            source: Cow::Borrowed("tumour α/β 10 Gy, T_rep 1.5 h (clinical-rules.md §4.1) [R]"),
        }
    }
}

/// A parameter that makes the formula meaningless.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RadiobiologyError {
    /// Zero, negative or not finite.
    #[error("BED: `{field}`: expected a finite value above zero, found {found}")]
    NotPositive {
        /// Parameter.
        field: &'static str,
        /// Value as printed.
        found: String,
    },
    /// A negative or non-finite dose.
    #[error("BED: `dose`: expected a finite, non-negative absorbed dose, found {found}")]
    BadDose {
        /// Value as printed.
        found: String,
    },
    /// A voxel of a dose map that is negative or not finite.
    #[error(
        "BED: dose voxel {index}: expected a finite, non-negative absorbed dose, found {found} Gy"
    )]
    BadVoxel {
        /// The voxel's index in the map's data.
        index: usize,
        /// Its value.
        found: f32,
    },
}

/// A BED with the parameters it was computed with.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Bed {
    /// Total absorbed dose to full decay.
    pub dose: AbsorbedDose,
    /// Biologically effective dose.
    pub bed: AbsorbedDose,
    /// Equivalent dose in 2 Gy fractions.
    pub eqd2: AbsorbedDose,
    /// Physical (= effective) half-life.
    pub half_life: TimeSpan,
    /// LQ parameters.
    pub parameters: LqParameters,
}

fn positive(field: &'static str, x: f64, shown: String) -> Result<f64, RadiobiologyError> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(RadiobiologyError::NotPositive {
            field,
            found: shown,
        })
    }
}

/// EQD2 = BED / (1 + 2 Gy / (α/β)).
pub fn eqd2(
    bed: AbsorbedDose,
    alpha_beta: AbsorbedDose,
) -> Result<AbsorbedDose, RadiobiologyError> {
    let ab = positive("alpha_beta", alpha_beta.gy(), alpha_beta.to_string())?;
    Ok(AbsorbedDose::from_gy(
        bed.gy() / (1.0 + EQD2_REFERENCE_GY / ab),
    ))
}

/// The coefficient of Dale's formula for a permanent implant, checked once:
/// BED = D + D² · k with k = T_rep / ((T_rep + T_phys) · α/β), and EQD2 = BED · e with
/// e = 1 / (1 + 2 Gy / (α/β)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DaleFactor {
    /// k, Gy⁻¹.
    per_gy: f64,
    /// e = 1 / (1 + 2 Gy / (α/β)).
    eqd2_per_bed: f64,
}

/// The reference dose per fraction of EQD2, Gy (by definition of "equivalent dose in 2 Gy
/// fractions"; Bentzen SM et al., Radiother Oncol 2012;105:266, doi 10.1016/j.radonc.2012.10.006).
const EQD2_REFERENCE_GY: f64 = 2.0;

impl DaleFactor {
    /// Checks the half-life and the parameters (finite, above zero) and computes k.
    pub fn new(half_life: TimeSpan, p: &LqParameters) -> Result<Self, RadiobiologyError> {
        let t_phys = positive("half_life", half_life.hours(), half_life.to_string())?;
        let t_rep = positive(
            "repair_half_time",
            p.repair_half_time.hours(),
            p.repair_half_time.to_string(),
        )?;
        let ab = positive("alpha_beta", p.alpha_beta.gy(), p.alpha_beta.to_string())?;
        Ok(Self {
            per_gy: t_rep / ((t_rep + t_phys) * ab),
            eqd2_per_bed: 1.0 / (1.0 + EQD2_REFERENCE_GY / ab),
        })
    }

    /// BED (Gy) of a total dose `d_gy` (Gy, finite and non-negative: checked by the callers).
    pub fn bed_gy(self, d_gy: f64) -> f64 {
        d_gy + d_gy * d_gy * self.per_gy
    }

    /// EQD2 (Gy) of a BED (Gy).
    pub fn eqd2_gy(self, bed_gy: f64) -> f64 {
        bed_gy * self.eqd2_per_bed
    }
}

/// BED and EQD2 of a permanent implant delivering `dose` to full decay with `half_life`.
pub fn bed_permanent_implant(
    dose: AbsorbedDose,
    half_life: TimeSpan,
    p: &LqParameters,
) -> Result<Bed, RadiobiologyError> {
    let d = dose.gy();
    if !d.is_finite() || d < 0.0 {
        return Err(RadiobiologyError::BadDose {
            found: dose.to_string(),
        });
    }
    let f = DaleFactor::new(half_life, p)?;
    let bed = f.bed_gy(d);
    Ok(Bed {
        dose,
        bed: AbsorbedDose::from_gy(bed),
        eqd2: AbsorbedDose::from_gy(f.eqd2_gy(bed)),
        half_life,
        parameters: p.clone(),
    })
}

/// The BED of every voxel of a dose map (Gy to full decay per voxel; the map's data in its own
/// order), each voxel a permanent implant of `half_life` (Dale's formula voxel by voxel: the
/// dose rate of a voxel decays with the nuclide, repair is mono-exponential). A negative or
/// non-finite voxel is refused, naming it.
pub fn bed_voxels(
    dose_gy: &[f32],
    half_life: TimeSpan,
    p: &LqParameters,
) -> Result<Vec<f32>, RadiobiologyError> {
    let f = DaleFactor::new(half_life, p)?;
    dose_gy
        .iter()
        .enumerate()
        .map(|(index, &d)| {
            if d.is_finite() && d >= 0.0 {
                Ok(f.bed_gy(f64::from(d)) as f32)
            } else {
                Err(RadiobiologyError::BadVoxel { index, found: d })
            }
        })
        .collect()
}

/// The EQD2 of every voxel of a BED map (Gy), with the α/β of the BED.
pub fn eqd2_voxels(
    bed_gy: &[f32],
    alpha_beta: AbsorbedDose,
) -> Result<Vec<f32>, RadiobiologyError> {
    let e = eqd2(AbsorbedDose::from_gy(1.0), alpha_beta)?.gy();
    Ok(bed_gy.iter().map(|&b| (f64::from(b) * e) as f32).collect())
}

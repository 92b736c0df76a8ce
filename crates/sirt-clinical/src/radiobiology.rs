//! BED and EQD2 of a permanent implant with mono-exponential decay (Dale RG, Br J Radiol
//! 1985;58:515–528), clinical-rules.md §4.1 \[R formula; standard].
//!
//! BED = D · [1 + D·λ / ((μ + λ)·(α/β))] = D + D² · T_rep / ((T_rep + T_phys)·(α/β)),
//! EQD2 = BED / (1 + 2 Gy / (α/β)). For microspheres T_eff = T_phys (no biological washout).
//! Never quote a BED without its parameters: they are part of [`Bed`].

use sirt_units::{AbsorbedDose, TimeSpan};
use thiserror::Error;

/// Linear-quadratic parameters of a tissue.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LqParameters {
    /// α/β (Gy).
    pub alpha_beta: AbsorbedDose,
    /// Repair half-time T_rep (μ = ln 2 / T_rep).
    pub repair_half_time: TimeSpan,
    /// Where the values come from.
    pub source: &'static str,
}

impl LqParameters {
    /// Normal liver: α/β 2.5 Gy, T_rep 1.5 h. Cremonesi et al., Front Oncol 2014;4:210; Strigari
    /// et al., J Nucl Med 2010;51:1377; Chiesa et al., EJNMMI 2015;42:1718 (clinical-rules.md
    /// §4.1 \[R: primaries not opened]).
    pub fn normal_liver() -> Self {
        Self {
            alpha_beta: AbsorbedDose::from_gy(2.5),
            repair_half_time: TimeSpan::from_hours(1.5),
            source: "normal liver α/β 2.5 Gy, T_rep 1.5 h (Cremonesi 2014; Strigari 2010; Chiesa 2015) [R]",
        }
    }

    /// Normal liver with the slower repair some papers use: α/β 2.5 Gy, T_rep 2.5 h
    /// (clinical-rules.md §4.1 \[R]).
    pub fn normal_liver_slow_repair() -> Self {
        Self {
            alpha_beta: AbsorbedDose::from_gy(2.5),
            repair_half_time: TimeSpan::from_hours(2.5),
            source: "normal liver α/β 2.5 Gy, T_rep 2.5 h (clinical-rules.md §4.1) [R]",
        }
    }

    /// Tumour: α/β 10 Gy, T_rep 1.5 h (clinical-rules.md §4.1 \[R]).
    pub fn tumour() -> Self {
        Self {
            alpha_beta: AbsorbedDose::from_gy(10.0),
            repair_half_time: TimeSpan::from_hours(1.5),
            source: "tumour α/β 10 Gy, T_rep 1.5 h (clinical-rules.md §4.1) [R]",
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
}

/// A BED with the parameters it was computed with.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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
    Ok(AbsorbedDose::from_gy(bed.gy() / (1.0 + 2.0 / ab)))
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
    let t_phys = positive("half_life", half_life.hours(), half_life.to_string())?;
    let t_rep = positive(
        "repair_half_time",
        p.repair_half_time.hours(),
        p.repair_half_time.to_string(),
    )?;
    let ab = positive("alpha_beta", p.alpha_beta.gy(), p.alpha_beta.to_string())?;
    let bed = AbsorbedDose::from_gy(d + d * d * t_rep / ((t_rep + t_phys) * ab));
    Ok(Bed {
        dose,
        bed,
        eqd2: eqd2(bed, p.alpha_beta)?,
        half_life,
        parameters: *p,
    })
}

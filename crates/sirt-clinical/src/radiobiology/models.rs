//! Dose summaries and probability models on the weighted voxels of a structure (weights: the
//! voxels' masses or volumes, as the DVH weighs them; only their ratios matter).
//!
//! - Generalised EUD (Niemierko A, "A generalized concept of equivalent uniform dose (EUD)",
//!   Med Phys 1999;26:1100 \[R]): gEUD = (Σ vᵢ Dᵢ^a)^(1/a), vᵢ the relative weights;
//!   a = 1 gives the mean, a → +∞ the maximum, a → −∞ the minimum; in LKB, a = 1/n.
//! - LQ-based EUD (Niemierko A, "Reporting and analyzing dose distributions: a concept of
//!   equivalent uniform dose", Med Phys 1997;24:103, doi 10.1118/1.598063 \[R]): the uniform dose
//!   giving the same expected surviving fraction, EUD = −ln(Σ vᵢ exp(−α Dᵢ)) / α
//!   (clinical-rules.md §4.2 \[R]); with BED in place of D it is the EUBED.
//! - Lyman–Kutcher–Burman NTCP = Φ((x − TD50) / (m · TD50)) with x the gEUD (a = 1/n) or, for a
//!   parallel organ with n = 1, the mean (Lyman JT, Radiat Res Suppl 1985;8:S13; Kutcher GJ,
//!   Burman C, IJROBP 1989;16:1623 \[R]; clinical-rules.md §4.2).
//! - Logistic dose–response 1 / (1 + (D50 / x)^(4 γ50)), γ50 the normalised slope at D50
//!   (Bentzen SM, Tucker SL, Int J Radiat Biol 1997;71:531 \[R]; the form of most published TCP and
//!   response fits).

use thiserror::Error;

/// A voxel's value (dose or BED, Gy) and its weight (mass or volume).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighted {
    /// Dose or BED, Gy.
    pub gy: f64,
    /// Weight (kg or mL).
    pub weight: f64,
}

/// Inputs a summary cannot be made of.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// No voxel with a positive weight.
    #[error("EUD: the structure has no voxel with a positive weight")]
    Empty,
    /// A voxel that is negative or not finite, or a weight that is.
    #[error(
        "EUD: voxel {index}: expected a finite dose ≥ 0 Gy and weight ≥ 0, found {gy} Gy, weight {weight}"
    )]
    BadVoxel {
        /// Position in the slice given.
        index: usize,
        /// Its value.
        gy: f64,
        /// Its weight.
        weight: f64,
    },
    /// A model parameter that is not usable.
    #[error("EUD: `{field}`: expected {expected}, found {found}")]
    BadParameter {
        /// Parameter.
        field: &'static str,
        /// Expected.
        expected: &'static str,
        /// Found.
        found: f64,
    },
}

/// The voxels with a positive weight, checked, and their total weight.
fn checked(v: &[Weighted]) -> Result<(Vec<Weighted>, f64), ModelError> {
    let mut kept = Vec::with_capacity(v.len());
    let mut total = 0.0;
    for (index, x) in v.iter().enumerate() {
        let ok = x.gy.is_finite() && x.gy >= 0.0 && x.weight.is_finite() && x.weight >= 0.0;
        if !ok {
            return Err(ModelError::BadVoxel {
                index,
                gy: x.gy,
                weight: x.weight,
            });
        }
        if x.weight > 0.0 {
            total += x.weight;
            kept.push(*x);
        }
    }
    if kept.is_empty() {
        return Err(ModelError::Empty);
    }
    Ok((kept, total))
}

/// The weighted mean Σ wᵢ Dᵢ / Σ wᵢ.
pub fn weighted_mean(v: &[Weighted]) -> Result<f64, ModelError> {
    let (v, total) = checked(v)?;
    Ok(v.iter().map(|x| x.gy * x.weight).sum::<f64>() / total)
}

/// Niemierko's generalised EUD (Σ vᵢ Dᵢ^a)^(1/a), a finite and not 0. Computed relative to the
/// largest (a > 0) or smallest (a < 0) dose so that large |a| neither overflows nor
/// underflows; with a < 0 a voxel at 0 Gy makes the gEUD 0 Gy (its Dᵢ^a is infinite).
pub fn geud(v: &[Weighted], a: f64) -> Result<f64, ModelError> {
    if !a.is_finite() || a == 0.0 {
        return Err(ModelError::BadParameter {
            field: "a",
            expected: "a finite number other than 0",
            found: a,
        });
    }
    let (v, total) = checked(v)?;
    let reference = if a > 0.0 {
        v.iter().map(|x| x.gy).fold(0.0, f64::max)
    } else {
        v.iter().map(|x| x.gy).fold(f64::INFINITY, f64::min)
    };
    if reference == 0.0 {
        return Ok(0.0);
    }
    let sum: f64 = v
        .iter()
        .map(|x| x.weight / total * (x.gy / reference).powf(a))
        .sum();
    Ok(reference * sum.powf(1.0 / a))
}

/// Niemierko's LQ-based EUD −ln(Σ vᵢ exp(−α Dᵢ)) / α (α > 0, Gy⁻¹), relative to the smallest
/// dose so that the exponentials stay in range.
pub fn lq_eud(v: &[Weighted], alpha_per_gy: f64) -> Result<f64, ModelError> {
    if !alpha_per_gy.is_finite() || alpha_per_gy <= 0.0 {
        return Err(ModelError::BadParameter {
            field: "alpha",
            expected: "a finite radiosensitivity above 0 Gy⁻¹",
            found: alpha_per_gy,
        });
    }
    let (v, total) = checked(v)?;
    let low = v.iter().map(|x| x.gy).fold(f64::INFINITY, f64::min);
    let sum: f64 = v
        .iter()
        .map(|x| x.weight / total * (-alpha_per_gy * (x.gy - low)).exp())
        .sum();
    Ok(low - sum.ln() / alpha_per_gy)
}

/// Lyman–Kutcher–Burman NTCP Φ((x − TD50) / (m · TD50)) of a summary dose `x_gy` (the gEUD with
/// a = 1/n, or the mean for n = 1). NaN for TD50 or m not above 0.
pub fn lkb_ntcp(x_gy: f64, td50_gy: f64, m: f64) -> f64 {
    if !(td50_gy > 0.0 && m > 0.0) {
        return f64::NAN;
    }
    sirt_survival::special::normal_cdf((x_gy - td50_gy) / (m * td50_gy))
}

/// Logistic dose–response 1 / (1 + (D50 / x)^(4 γ50)); 0 at x = 0. NaN for D50 or γ50 not
/// above 0 or a negative x.
pub fn logistic_response(x_gy: f64, d50_gy: f64, gamma50: f64) -> f64 {
    if !(d50_gy > 0.0 && gamma50 > 0.0 && x_gy >= 0.0) {
        return f64::NAN;
    }
    if x_gy == 0.0 {
        return 0.0;
    }
    1.0 / (1.0 + (d50_gy / x_gy).powf(4.0 * gamma50))
}

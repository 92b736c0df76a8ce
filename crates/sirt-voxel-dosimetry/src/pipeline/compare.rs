//! Predicted (MAA) versus delivered (Y-90 PET / bremsstrahlung SPECT) voxel dosimetry.
//!
//! Structures are matched by name. Per structure: predicted and delivered mass-weighted mean
//! dose (P1), and both DVHs for an overlay. Across tumours:
//! Bland–Altman (P2) when at least two are matched. The dose-difference map (P3) is on the
//! predicted (SPECT) grid: the delivered dose is interpolated trilinearly onto it (dose is an
//! intensive quantity, so interpolation, not rebinning), through the registration when the frames
//! differ.
//!
//! The statistics:
//! - (P1) per structure: predicted and delivered mean dose, difference Δ = delivered − predicted
//!   and ratio;
//! - (P2) Bland–Altman across lesions (Bland & Altman, Lancet 1986;1:307): mean difference d̄,
//!   standard deviation s of the differences (n − 1), limits of agreement d̄ ± 1.96 s; also on
//!   the relative difference Δ / mean(pred, deliv), the scale on which MAA bias is usually given;
//! - (P3) dose-difference map: delivered − predicted voxel by voxel on one grid.

use crate::physics::DoseError;
use crate::pipeline::DosimetryError;
use crate::pipeline::run::VoxelDosimetry;
use crate::pipeline::structures::Role;
use sirt_geometry::{Image, Rigid, resample_linear, source_from_target};

/// The comparison.
#[derive(Debug, Clone)]
pub struct Verification {
    /// Per matched structure, in the predicted order.
    pub rows: Vec<(Role, Comparison)>,
    /// Over the matched tumours (None with fewer than two).
    pub tumours: Option<BlandAltman>,
    /// Delivered − predicted, Gy, on the predicted grid.
    pub difference: Image<f32>,
    /// Structures of one side without a match on the other.
    pub unmatched: Vec<String>,
}

/// Compares a prediction with a delivery.
pub fn compare(
    predicted: &VoxelDosimetry,
    delivered: &VoxelDosimetry,
    registration: Option<&Rigid>,
) -> Result<Verification, DosimetryError> {
    let mut rows = Vec::new();
    let mut unmatched = Vec::new();
    for p in &predicted.structures {
        match delivered.structure(&p.name) {
            Some(d) => rows.push((
                p.role,
                Comparison::new(p.name.clone(), p.dvh.mean_gy, d.dvh.mean_gy),
            )),
            None => unmatched.push(p.name.clone()),
        }
    }
    for d in &delivered.structures {
        if predicted.structure(&d.name).is_none() {
            unmatched.push(d.name.clone());
        }
    }
    if rows.is_empty() {
        return Err(DosimetryError::Input(
            "the predicted and delivered dosimetries share no structure name".into(),
        ));
    }
    let tumour_rows: Vec<Comparison> = rows
        .iter()
        .filter(|(r, _)| *r == Role::Tumour)
        .map(|(_, c)| c.clone())
        .collect();
    let tumours = if tumour_rows.len() >= 2 {
        Some(bland_altman(&tumour_rows)?)
    } else {
        None
    };
    let target = predicted.dose.gy.grid();
    let source = delivered.dose.gy.grid();
    let delivered_on_predicted = if source.same_as(target) {
        delivered.dose.gy.clone()
    } else {
        let t = source_from_target(&source.frame, &target.frame, registration)
            .map_err(|e| DosimetryError::Geometry(format!("delivered to predicted grid: {e}")))?;
        resample_linear(&delivered.dose.gy, target, &t, 0.0)?
    };
    let difference = difference_map(&predicted.dose.gy, &delivered_on_predicted)?;
    Ok(Verification {
        rows,
        tumours,
        difference,
        unmatched,
    })
}

/// One structure's predicted and delivered mean dose.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// Structure name.
    pub name: String,
    /// Predicted mean dose, Gy.
    pub predicted_gy: f64,
    /// Delivered mean dose, Gy.
    pub delivered_gy: f64,
    /// Delivered − predicted, Gy.
    pub difference_gy: f64,
    /// Delivered / predicted.
    pub ratio: f64,
}

impl Comparison {
    /// (P1).
    pub fn new(name: impl Into<String>, predicted_gy: f64, delivered_gy: f64) -> Self {
        Self {
            name: name.into(),
            predicted_gy,
            delivered_gy,
            difference_gy: delivered_gy - predicted_gy,
            ratio: if predicted_gy != 0.0 {
                delivered_gy / predicted_gy
            } else {
                f64::NAN
            },
        }
    }
}

/// A Bland–Altman summary (P2).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BlandAltman {
    /// Number of pairs.
    pub n: usize,
    /// Mean difference (bias), Gy.
    pub mean_difference_gy: f64,
    /// Standard deviation of the differences, Gy.
    pub sd_gy: f64,
    /// Lower and upper limits of agreement, Gy.
    pub limits_gy: (f64, f64),
    /// Mean relative difference, Δ / mean of the pair.
    pub mean_relative: f64,
    /// Standard deviation of the relative differences.
    pub sd_relative: f64,
    /// Lower and upper limits of agreement of the relative differences.
    pub limits_relative: (f64, f64),
}

/// 1.96: the two-sided 95 % quantile of the normal distribution used for the limits.
pub const LIMITS_Z: f64 = 1.96;

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = if x.len() > 1 {
        x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, v.sqrt())
}

/// (P2) over the comparisons; needs at least two pairs.
pub fn bland_altman(pairs: &[Comparison]) -> Result<BlandAltman, DoseError> {
    if pairs.len() < 2 {
        return Err(DoseError::Input(format!(
            "a Bland–Altman summary needs at least 2 pairs, found {}",
            pairs.len()
        )));
    }
    let d: Vec<f64> = pairs.iter().map(|c| c.difference_gy).collect();
    let rel: Vec<f64> = pairs
        .iter()
        .map(|c| {
            let m = 0.5 * (c.predicted_gy + c.delivered_gy);
            if m != 0.0 { c.difference_gy / m } else { 0.0 }
        })
        .collect();
    let (md, sd) = mean_sd(&d);
    let (mr, sr) = mean_sd(&rel);
    Ok(BlandAltman {
        n: pairs.len(),
        mean_difference_gy: md,
        sd_gy: sd,
        limits_gy: (md - LIMITS_Z * sd, md + LIMITS_Z * sd),
        mean_relative: mr,
        sd_relative: sr,
        limits_relative: (mr - LIMITS_Z * sr, mr + LIMITS_Z * sr),
    })
}

/// (P3) delivered − predicted on one grid.
pub fn difference_map(
    predicted: &Image<f32>,
    delivered: &Image<f32>,
) -> Result<Image<f32>, DoseError> {
    if !predicted.grid().same_as(delivered.grid()) {
        return Err(DoseError::Input(
            "predicted and delivered doses are on different grids: resample one first".into(),
        ));
    }
    let data = predicted
        .data()
        .iter()
        .zip(delivered.data())
        .map(|(p, d)| d - p)
        .collect();
    Image::new(predicted.grid().clone(), data).map_err(|e| DoseError::Input(e.to_string()))
}

#[cfg(test)]
mod statistics_tests {
    use super::*;

    /// By hand: differences 10, −20, 40 Gy → mean 10, SD √((0 + 900 + 900)/2) = 30,
    /// limits 10 ± 58.8 = (−48.8, 68.8).
    #[test]
    fn bland_altman_by_hand() {
        let pairs = [
            Comparison::new("a", 100.0, 110.0),
            Comparison::new("b", 200.0, 180.0),
            Comparison::new("c", 150.0, 190.0),
        ];
        let b = bland_altman(&pairs).unwrap();
        assert!((b.mean_difference_gy - 10.0).abs() < 1e-12);
        assert!((b.sd_gy - 30.0).abs() < 1e-12);
        assert!((b.limits_gy.0 + 48.8).abs() < 1e-9 && (b.limits_gy.1 - 68.8).abs() < 1e-9);
        assert!((pairs[0].ratio - 1.1).abs() < 1e-12);
        assert!(bland_altman(&pairs[..1]).is_err());
    }
}

//! Predicted (MAA) versus delivered (Y-90 PET / bremsstrahlung SPECT) voxel dosimetry.
//!
//! Structures are matched by name. Per structure: predicted and delivered mass-weighted mean
//! dose (P1, `crate::physics::compare`), and both DVHs for an overlay. Across tumours:
//! Bland–Altman (P2) when at least two are matched. The dose-difference map (P3) is on the
//! predicted (SPECT) grid: the delivered dose is interpolated trilinearly onto it (dose is an
//! intensive quantity, so interpolation, not rebinning), through the registration when the frames
//! differ.

use crate::physics::compare::{BlandAltman, Comparison, bland_altman, difference_map};
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

//! Compartment concentrations with partial-volume fractions (a geometric transfer matrix without
//! blur, after Rousset et al., J Nucl Med 1998;39:904).
//!
//! A voxel v of mass share m_{v,c} = f_{v,c} ρ_v V in compartment c holds A_v = Σ_c a_c m_{v,c}
//! with a_c the activity per mass of c (one more compartment, "rest", takes the mass outside all
//! masks). (C1) a = argmin Σ_v (A_v − Σ_c a_c m_{v,c})², solved by the normal equations.
//! (C2) With local deposition the mean dose of c is K · a_c; unlike a fractional-mask average of
//! voxel doses, boundary voxels shared with other compartments do not dilute it.

use crate::physics::DoseError;
use sirt_geometry::{FractionalMask, Image};

/// Activity per mass of each compartment (MBq/kg), in the order of the masks, then the rest.
pub fn concentrations(
    activity_mbq: &Image<f32>,
    masks: &[&FractionalMask],
    density: &Image<f32>,
) -> Result<Vec<f64>, DoseError> {
    let g = activity_mbq.grid();
    if masks.iter().any(|m| !m.grid().same_as(g)) || !density.grid().same_as(g) {
        return Err(DoseError::Input(
            "activity, masks and density must share one grid".into(),
        ));
    }
    let n = masks.len() + 1;
    let voxel_kg = g.voxel_volume_mm3() / 1e6;
    let mut ata = vec![0.0f64; n * n];
    let mut atb = vec![0.0f64; n];
    let mut row = vec![0.0f64; n];
    for v in 0..g.len() {
        let rho = f64::from(density.data()[v]);
        let mut used = 0.0;
        for (c, m) in masks.iter().enumerate() {
            let f = f64::from(m.data()[v].clamp(0.0, 1.0));
            row[c] = f * rho * voxel_kg;
            used += f;
        }
        row[n - 1] = (1.0 - used).max(0.0) * rho * voxel_kg;
        let a = f64::from(activity_mbq.data()[v]);
        if row.iter().all(|&x| x == 0.0) {
            continue;
        }
        for i in 0..n {
            atb[i] += row[i] * a;
            for j in 0..n {
                ata[i * n + j] += row[i] * row[j];
            }
        }
    }
    solve(&mut ata, &mut atb, n).ok_or_else(|| {
        DoseError::Input(
            "the compartment masks are degenerate (an empty or duplicated compartment)".into(),
        )
    })
}

/// Gaussian elimination with partial pivoting; `None` when singular.
fn solve(a: &mut [f64], b: &mut [f64], n: usize) -> Option<Vec<f64>> {
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for col in 0..n {
        let piv =
            (col..n).max_by(|&x, &y| a[x * n + col].abs().total_cmp(&a[y * n + col].abs()))?;
        if a[piv * n + col].abs() <= 1e-14 * scale {
            return None;
        }
        if piv != col {
            for k in 0..n {
                a.swap(col * n + k, piv * n + k);
            }
            b.swap(col, piv);
        }
        for r in (col + 1)..n {
            let f = a[r * n + col] / a[col * n + col];
            for k in col..n {
                a[r * n + k] -= f * a[col * n + k];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = ((r + 1)..n).map(|k| a[r * n + k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r * n + r];
    }
    Some(x)
}

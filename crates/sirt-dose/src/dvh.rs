//! Dose–volume histograms and dose metrics of a structure, mass-weighted.
//!
//! Each voxel weighs w = f · ρ · V (f its fraction inside the structure, ρ its density; without a
//! density map w = f · V, volume weighting). With W = Σ w:
//! - (H1) mean = Σ w D / W; min and max over voxels with w > 0;
//! - (H2) differential DVH: weight per dose bin [n b, (n + 1) b) / W;
//!   cumulative DVH C(d) = weight with D ≥ d / W, at the bin edges;
//! - (H3) V_x = C(x) (the fraction of the structure receiving at least x Gy), computed exactly
//!   from the voxels, not from the bins;
//! - (H4) D_x = the largest bin edge d with C(d) ≥ x/100: the minimum dose of the hottest x %
//!   of the structure, at the bin resolution (as dicompyler-core's 0.01 Gy bins).

use crate::DoseError;
use sirt_geometry::{FractionalMask, Image};

/// Default V_x levels, Gy (issue 4).
pub const DEFAULT_VX_GY: [f64; 9] = [30.0, 50.0, 70.0, 100.0, 120.0, 150.0, 200.0, 205.0, 400.0];
/// Default D_x levels, % of the structure.
pub const DEFAULT_DX_PERCENT: [f64; 6] = [2.0, 50.0, 70.0, 90.0, 95.0, 98.0];

/// A DVH with its metrics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dvh {
    /// Bin width, Gy.
    pub bin_gy: f64,
    /// Whether weights are masses (a density map was given) or volumes.
    pub mass_weighted: bool,
    /// Total volume, mL (Σ f V).
    pub volume_ml: f64,
    /// Total mass, kg (Σ f ρ V), when mass weighted.
    pub mass_kg: Option<f64>,
    /// Mean dose, Gy (H1).
    pub mean_gy: f64,
    /// Minimum dose, Gy.
    pub min_gy: f64,
    /// Maximum dose, Gy.
    pub max_gy: f64,
    /// (x %, D_x Gy) (H4).
    pub d: Vec<(f64, f64)>,
    /// (x Gy, V_x fraction) (H3).
    pub v: Vec<(f64, f64)>,
    /// Differential DVH: fraction of the structure in each bin [n b, (n + 1) b).
    pub differential: Vec<f64>,
    /// Cumulative DVH at the bin edges n b: fraction with D ≥ n b.
    pub cumulative: Vec<f64>,
}

/// Computes the DVH of `dose` in `mask` (fractional; a binary mask as 0/1), mass weighted when
/// `density` (g/mL) is given.
pub fn dvh(
    dose: &Image<f32>,
    mask: &FractionalMask,
    density: Option<&Image<f32>>,
    bin_gy: f64,
    dx_percent: &[f64],
    vx_gy: &[f64],
) -> Result<Dvh, DoseError> {
    if !dose.grid().same_as(mask.grid()) {
        return Err(DoseError::Input(
            "dose and structure mask are on different grids: resample the mask first".into(),
        ));
    }
    if let Some(r) = density
        && !dose.grid().same_as(r.grid())
    {
        return Err(DoseError::Input(
            "dose and density are on different grids".into(),
        ));
    }
    if !(bin_gy.is_finite() && bin_gy > 0.0) {
        return Err(DoseError::Input(format!(
            "DVH bin width must be above 0 Gy, found {bin_gy}"
        )));
    }
    let voxel_ml = dose.grid().voxel_volume_mm3() / 1000.0;
    let mut voxels: Vec<(f64, f64)> = Vec::new();
    let mut volume_ml = 0.0;
    for (n, (&d, &f)) in dose.data().iter().zip(mask.data()).enumerate() {
        if f.is_nan() || f <= 0.0 {
            continue;
        }
        if !d.is_finite() {
            return Err(DoseError::Input(format!("dose voxel {n} is {d}")));
        }
        let f = f64::from(f.min(1.0));
        volume_ml += f * voxel_ml;
        let w = match density {
            Some(r) => f * f64::from(r.data()[n]) * voxel_ml / 1000.0,
            None => f * voxel_ml,
        };
        voxels.push((f64::from(d), w));
    }
    let total: f64 = voxels.iter().map(|v| v.1).sum();
    if voxels.is_empty() || total.is_nan() || total <= 0.0 {
        return Err(DoseError::Input(
            "the structure is empty on the dose grid (no voxel with a positive fraction or mass)"
                .into(),
        ));
    }
    let mean = voxels.iter().map(|(d, w)| d * w).sum::<f64>() / total;
    let min = voxels.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
    let max = voxels.iter().map(|v| v.0).fold(f64::NEG_INFINITY, f64::max);
    let nbins = ((max.max(0.0) / bin_gy).floor() as usize) + 1;
    let mut differential = vec![0.0; nbins];
    for &(d, w) in &voxels {
        let b = ((d.max(0.0) / bin_gy).floor() as usize).min(nbins - 1);
        differential[b] += w / total;
    }
    let mut cumulative = vec![0.0; nbins + 1];
    for b in (0..nbins).rev() {
        cumulative[b] = cumulative[b + 1] + differential[b];
    }
    let v = vx_gy
        .iter()
        .map(|&x| {
            (
                x,
                voxels
                    .iter()
                    .filter(|(d, _)| *d >= x)
                    .map(|v| v.1)
                    .sum::<f64>()
                    / total,
            )
        })
        .collect();
    let d = dx_percent
        .iter()
        .map(|&x| {
            let target = x / 100.0 - 1e-12;
            let b = (0..=nbins)
                .rev()
                .find(|&b| cumulative[b] >= target)
                .unwrap_or(0);
            (x, b as f64 * bin_gy)
        })
        .collect();
    Ok(Dvh {
        bin_gy,
        mass_weighted: density.is_some(),
        volume_ml,
        mass_kg: density.map(|_| total),
        mean_gy: mean,
        min_gy: min,
        max_gy: max,
        d,
        v,
        differential,
        cumulative,
    })
}

/// DVHs of several non-overlapping binary structures given as one label map, in a single pass
/// over the voxels (the fast path for many structures on large grids). Same definitions (H1–H4)
/// as [`dvh`] with fractions 0 or 1; `structures` lists the label values wanted.
pub fn dvh_labels(
    dose: &Image<f32>,
    labels: &Image<u16>,
    structures: &[u16],
    density: Option<&Image<f32>>,
    bin_gy: f64,
    dx_percent: &[f64],
    vx_gy: &[f64],
) -> Result<Vec<Dvh>, DoseError> {
    use rayon::prelude::*;
    if !dose.grid().same_as(labels.grid())
        || density.is_some_and(|r| !dose.grid().same_as(r.grid()))
    {
        return Err(DoseError::Input(
            "dose, labels and density must share one grid".into(),
        ));
    }
    if !(bin_gy.is_finite() && bin_gy > 0.0) {
        return Err(DoseError::Input(format!(
            "DVH bin width must be above 0 Gy, found {bin_gy}"
        )));
    }
    let voxel_ml = dose.grid().voxel_volume_mm3() / 1000.0;
    let slot: Vec<Option<usize>> = {
        let mut s = vec![None; usize::from(u16::MAX) + 1];
        for (n, &l) in structures.iter().enumerate() {
            s[usize::from(l)] = Some(n);
        }
        s
    };
    #[derive(Clone)]
    struct Acc {
        volume: f64,
        w: f64,
        wd: f64,
        min: f64,
        max: f64,
        hist: Vec<f64>,
        vx: Vec<f64>,
        bad: Option<(usize, f32)>,
    }
    let empty = Acc {
        volume: 0.0,
        w: 0.0,
        wd: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        hist: Vec::new(),
        vx: vec![0.0; vx_gy.len()],
        bad: None,
    };
    let chunk = 1 << 16;
    let accs: Vec<Acc> = dose
        .data()
        .par_chunks(chunk)
        .zip(labels.data().par_chunks(chunk))
        .enumerate()
        .fold(
            || vec![empty.clone(); structures.len()],
            |mut accs, (c, (d, l))| {
                for (m, (&dv, &lv)) in d.iter().zip(l).enumerate() {
                    let Some(s) = slot[usize::from(lv)] else {
                        continue;
                    };
                    let a = &mut accs[s];
                    let n = c * chunk + m;
                    if !dv.is_finite() {
                        a.bad = Some((n, dv));
                        continue;
                    }
                    let dv = f64::from(dv);
                    let w = match density {
                        Some(r) => f64::from(r.data()[n]) * voxel_ml / 1000.0,
                        None => voxel_ml,
                    };
                    a.volume += voxel_ml;
                    a.w += w;
                    a.wd += w * dv;
                    a.min = a.min.min(dv);
                    a.max = a.max.max(dv);
                    let b = (dv.max(0.0) / bin_gy).floor() as usize;
                    if b >= a.hist.len() {
                        a.hist.resize(b + 1, 0.0);
                    }
                    a.hist[b] += w;
                    for (x, acc) in vx_gy.iter().zip(a.vx.iter_mut()) {
                        if dv >= *x {
                            *acc += w;
                        }
                    }
                }
                accs
            },
        )
        .reduce(
            || vec![empty.clone(); structures.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    x.volume += y.volume;
                    x.w += y.w;
                    x.wd += y.wd;
                    x.min = x.min.min(y.min);
                    x.max = x.max.max(y.max);
                    if y.hist.len() > x.hist.len() {
                        x.hist.resize(y.hist.len(), 0.0);
                    }
                    for (h, v) in x.hist.iter_mut().zip(&y.hist) {
                        *h += v;
                    }
                    for (h, v) in x.vx.iter_mut().zip(&y.vx) {
                        *h += v;
                    }
                    x.bad = x.bad.or(y.bad);
                }
                a
            },
        );
    structures
        .iter()
        .zip(accs)
        .map(|(&label, a)| {
            if let Some((n, v)) = a.bad {
                return Err(DoseError::Input(format!("dose voxel {n} is {v}")));
            }
            if a.w.is_nan() || a.w <= 0.0 {
                return Err(DoseError::Input(format!(
                    "structure with label {label} is empty on the dose grid"
                )));
            }
            let differential: Vec<f64> = a.hist.iter().map(|h| h / a.w).collect();
            let nbins = differential.len();
            let mut cumulative = vec![0.0; nbins + 1];
            for b in (0..nbins).rev() {
                cumulative[b] = cumulative[b + 1] + differential[b];
            }
            let d = dx_percent
                .iter()
                .map(|&x| {
                    let target = x / 100.0 - 1e-12;
                    (
                        x,
                        (0..=nbins)
                            .rev()
                            .find(|&b| cumulative[b] >= target)
                            .unwrap_or(0) as f64
                            * bin_gy,
                    )
                })
                .collect();
            Ok(Dvh {
                bin_gy,
                mass_weighted: density.is_some(),
                volume_ml: a.volume,
                mass_kg: density.map(|_| a.w),
                mean_gy: a.wd / a.w,
                min_gy: a.min,
                max_gy: a.max,
                d,
                v: vx_gy
                    .iter()
                    .zip(&a.vx)
                    .map(|(x, v)| (*x, v / a.w))
                    .collect(),
                differential,
                cumulative,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sirt_geometry::{FrameOfReference, Grid, PointLps};

    /// Ten voxels with doses 1..10 Gy, equal weights: mean 5.5, V5 = 0.6 (5..10 Gy), D50 = 6 Gy
    /// (the hottest half, 6..10 Gy, receives at least 6 Gy), D100 = 1 Gy, D10 = 10 Gy.
    #[test]
    fn small_example_by_hand() {
        let g = Grid::axis_aligned(
            [10, 1, 1],
            [1.0; 3],
            PointLps::new(0.0, 0.0, 0.0),
            FrameOfReference("f".into()),
        )
        .unwrap();
        let dose = Image::new(g.clone(), (1..=10).map(|d| d as f32).collect()).unwrap();
        let mask = Image::filled(g, 1.0f32);
        let h = dvh(&dose, &mask, None, 0.01, &[50.0, 100.0, 10.0], &[5.0, 10.5]).unwrap();
        assert!((h.mean_gy - 5.5).abs() < 1e-12);
        assert_eq!((h.min_gy, h.max_gy), (1.0, 10.0));
        assert!((h.v[0].1 - 0.6).abs() < 1e-12);
        assert_eq!(h.v[1].1, 0.0);
        assert!((h.d[0].1 - 6.0).abs() < 1e-9);
        assert!((h.d[1].1 - 1.0).abs() < 1e-9);
        assert!((h.d[2].1 - 10.0).abs() < 1e-9);
        assert!((h.volume_ml - 0.01).abs() < 1e-12);
        // Cumulative is monotone and starts at 1.
        assert!((h.cumulative[0] - 1.0).abs() < 1e-12);
        assert!(h.cumulative.windows(2).all(|w| w[0] >= w[1]));
    }
}

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

use crate::physics::DoseError;
use sirt_geometry::{FractionalMask, Image};

/// "No structure" in the label → structure table of [`dvh_labels`].
const NO_SLOT: u8 = u8::MAX;

/// Largest number of DVH bins (2²⁴: 1.68 MGy at 0.1 Gy): a dose above bin × this is refused as
/// input no real dose map holds, rather than allocated.
pub const MAX_DVH_BINS: usize = 1 << 24;

fn above_range(n: usize, d: f64, bin_gy: f64) -> DoseError {
    DoseError::Input(format!(
        "dose voxel {n} is {d} Gy: above the DVH range ({MAX_DVH_BINS} bins of {bin_gy} Gy)"
    ))
}

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
    dvh_of(
        mask,
        density,
        |n| {
            let d = dose.data()[n];
            if d.is_finite() {
                Ok(f64::from(d))
            } else {
                Err(DoseError::Input(format!("dose voxel {n} is {d}")))
            }
        },
        bin_gy,
        dx_percent,
        vx_gy,
    )
}

/// [`dvh`] of the values `value(n)` of the voxels n of `mask` (called only for the voxels
/// with a positive fraction, in index order; an error stops it): a dose a caller derives voxel
/// by voxel (a structure's part dose, its BED) without a map of the whole grid. `mask` and
/// `density` on one grid (checked by the caller).
pub(crate) fn dvh_of(
    mask: &FractionalMask,
    density: Option<&Image<f32>>,
    mut value: impl FnMut(usize) -> Result<f64, DoseError>,
    bin_gy: f64,
    dx_percent: &[f64],
    vx_gy: &[f64],
) -> Result<Dvh, DoseError> {
    if !(bin_gy.is_finite() && bin_gy > 0.0) {
        return Err(DoseError::Input(format!(
            "DVH bin width must be above 0 Gy, found {bin_gy}"
        )));
    }
    let voxel_ml = mask.grid().voxel_volume_mm3() / 1000.0;
    let mut voxels: Vec<(f64, f64)> = Vec::new();
    let mut index: Vec<usize> = Vec::new();
    let mut volume_ml = 0.0;
    for (n, &f) in mask.data().iter().enumerate() {
        if f.is_nan() || f <= 0.0 {
            continue;
        }
        let d = value(n)?;
        let f = f64::from(f.min(1.0));
        volume_ml += f * voxel_ml;
        let w = match density {
            Some(r) => f * f64::from(r.data()[n]) * voxel_ml / 1000.0,
            None => f * voxel_ml,
        };
        voxels.push((d, w));
        index.push(n);
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
    let top = (max.max(0.0) / bin_gy).floor();
    if top >= MAX_DVH_BINS as f64 {
        let at = voxels.iter().position(|v| v.0 == max).unwrap_or(0);
        return Err(above_range(
            index.get(at).copied().unwrap_or(0),
            max,
            bin_gy,
        ));
    }
    let nbins = top as usize + 1;
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
    check_label_inputs(dose, labels, structures, density, bin_gy)?;
    let voxel_ml = dose.grid().voxel_volume_mm3() / 1000.0;
    let slot = label_slots(structures);
    let inv_bin = 1.0 / bin_gy;
    let levels = VxLevels::new(vx_gy, inv_bin);
    let pass = Pass {
        dose: dose.data(),
        labels: labels.data(),
        slot: &slot,
        inv_bin,
        boundary: &levels.boundary,
        exact_vx: levels.exact,
        vx_gy,
        structures: structures.len(),
    };
    let accs: Vec<Acc> = match density.map(|r| r.data()) {
        // Volume weighting: integer counts (every voxel weighs the voxel volume).
        None => pass
            .run(|_| 1u64)
            .into_iter()
            .map(|a| a.scaled(voxel_ml))
            .collect(),
        Some(rho) => {
            let kg_per_g_ml = voxel_ml / 1000.0;
            pass.run(|n| f64::from(rho[n]) * kg_per_g_ml)
                .into_iter()
                .map(|a| a.scaled(1.0))
                .collect()
        }
    };
    let accs: Vec<Acc> = accs
        .into_iter()
        .map(|a| levels.completed(a, inv_bin))
        .collect();
    let summary = LabelSummary {
        bin_gy,
        mass_weighted: density.is_some(),
        voxel_ml,
        dx_percent,
        vx_gy,
    };
    structures
        .iter()
        .zip(accs)
        .map(|(&label, a)| summary.dvh(label, a))
        .collect()
}

/// One grid for dose, labels and density; a bin width above 0; fewer structures than the
/// label table's "no structure" slot.
fn check_label_inputs(
    dose: &Image<f32>,
    labels: &Image<u16>,
    structures: &[u16],
    density: Option<&Image<f32>>,
    bin_gy: f64,
) -> Result<(), DoseError> {
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
    if structures.len() >= usize::from(NO_SLOT) {
        return Err(DoseError::Input(format!(
            "at most {} structures per label-map DVH, found {}",
            NO_SLOT - 1,
            structures.len()
        )));
    }
    Ok(())
}

/// Label → structure index (u8: the table stays in L1/L2 cache); [`NO_SLOT`] for labels not
/// wanted.
fn label_slots(structures: &[u16]) -> Vec<u8> {
    let mut s = vec![NO_SLOT; usize::from(u16::MAX) + 1];
    for (n, &l) in structures.iter().enumerate() {
        s[usize::from(l)] = n as u8;
    }
    s
}

/// The V_x levels in histogram bins. (H3) exactly: a voxel in a bin above the one holding x has
/// D ≥ x; only voxels in the bin holding x are compared with x.
struct VxLevels {
    /// Whether the levels are counted exactly (at most 32 levels, one bit each).
    exact: bool,
    /// `boundary[b]` has bit j set when level j falls in bin b.
    boundary: Vec<u32>,
    /// The first bin wholly above each level.
    first_bin_above: Vec<usize>,
}

impl VxLevels {
    fn new(vx_gy: &[f64], inv_bin: f64) -> VxLevels {
        // Histograms grow to the largest bin met; the boundary table covers the V_x levels.
        let level_bins = vx_gy
            .iter()
            .map(|&x| (x.max(0.0) * inv_bin).floor())
            .filter(|b| b.is_finite())
            .fold(0.0f64, f64::max);
        let nbins = (level_bins as usize).saturating_add(1).min(1 << 24);
        let exact = vx_gy.len() <= 32;
        let mut boundary = vec![0u32; nbins];
        let mut first_bin_above: Vec<usize> = Vec::with_capacity(vx_gy.len());
        for (j, &x) in vx_gy.iter().enumerate() {
            let b = (x.max(0.0) * inv_bin).floor();
            let b = if b.is_finite() {
                b as usize
            } else {
                usize::MAX
            };
            if exact && b < nbins {
                boundary[b] |= 1 << j;
            }
            first_bin_above.push(b.saturating_add(1));
        }
        VxLevels {
            exact,
            boundary,
            first_bin_above,
        }
    }

    /// The structure's sums with each V_x weight completed (the boundary bin's exact part plus
    /// every bin above it) and the histogram trimmed after the structure's own maximum (as the
    /// per-mask DVH does).
    fn completed(&self, mut a: Acc, inv_bin: f64) -> Acc {
        if self.exact {
            for (j, v) in a.vx_boundary.iter_mut().enumerate() {
                let from = self.first_bin_above[j].min(a.hist.len());
                *v += a.hist[from..].iter().sum::<f64>();
            }
        }
        let last = if a.max.is_finite() {
            ((f64::from(a.max.max(0.0))) * inv_bin) as usize
        } else {
            0
        };
        a.hist.resize(last + 1, 0.0);
        a
    }
}

/// What every structure's DVH of [`dvh_labels`] shares.
struct LabelSummary<'a> {
    bin_gy: f64,
    mass_weighted: bool,
    voxel_ml: f64,
    dx_percent: &'a [f64],
    vx_gy: &'a [f64],
}

impl LabelSummary<'_> {
    /// The DVH of the structure with label `label` from its completed sums.
    fn dvh(&self, label: u16, a: Acc) -> Result<Dvh, DoseError> {
        let bin_gy = self.bin_gy;
        if let Some((n, v)) = a.bad {
            if v.is_finite() {
                return Err(above_range(n, f64::from(v), bin_gy));
            }
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
        let d = self
            .dx_percent
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
            mass_weighted: self.mass_weighted,
            volume_ml: a.count as f64 * self.voxel_ml,
            mass_kg: self.mass_weighted.then_some(a.w),
            mean_gy: a.wd / a.w,
            min_gy: f64::from(a.min),
            max_gy: f64::from(a.max),
            d,
            v: self
                .vx_gy
                .iter()
                .zip(&a.vx_boundary)
                .map(|(x, v)| (*x, v / a.w))
                .collect(),
            differential,
            cumulative,
        })
    }
}

/// A voxel weight of the single-pass DVH: an integer count (volume weighting) or a mass (f64).
trait Weight: Copy + Default + std::ops::AddAssign + Send + Sync {
    fn to_f64(self) -> f64;
}

impl Weight for u64 {
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Weight for f64 {
    fn to_f64(self) -> f64 {
        self
    }
}

/// Per-structure sums of the single pass, in weight units.
#[derive(Clone)]
struct Sums<W> {
    count: u64,
    w: W,
    wd: f64,
    min: f32,
    max: f32,
    hist: Vec<W>,
    vx_boundary: Vec<W>,
    bad: Option<(usize, f32)>,
}

impl<W: Weight> Sums<W> {
    fn new(levels: usize) -> Self {
        Self {
            count: 0,
            w: W::default(),
            wd: 0.0,
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            hist: Vec::new(),
            vx_boundary: vec![W::default(); levels],
            bad: None,
        }
    }

    fn merge(&mut self, y: Self) {
        self.count += y.count;
        self.w += y.w;
        self.wd += y.wd;
        self.min = self.min.min(y.min);
        self.max = self.max.max(y.max);
        if y.hist.len() > self.hist.len() {
            self.hist.resize(y.hist.len(), W::default());
        }
        for (h, v) in self.hist.iter_mut().zip(&y.hist) {
            *h += *v;
        }
        for (h, v) in self.vx_boundary.iter_mut().zip(&y.vx_boundary) {
            *h += *v;
        }
        self.bad = self.bad.or(y.bad);
    }

    /// In kg or mL: every weight times `unit`.
    fn scaled(self, unit: f64) -> Acc {
        Acc {
            count: self.count,
            w: self.w.to_f64() * unit,
            wd: self.wd * unit,
            min: self.min,
            max: self.max,
            hist: self.hist.iter().map(|h| h.to_f64() * unit).collect(),
            vx_boundary: self.vx_boundary.iter().map(|v| v.to_f64() * unit).collect(),
            bad: self.bad,
        }
    }
}

/// Per-structure sums in kg or mL.
struct Acc {
    count: u64,
    w: f64,
    wd: f64,
    min: f32,
    max: f32,
    hist: Vec<f64>,
    vx_boundary: Vec<f64>,
    bad: Option<(usize, f32)>,
}

/// The inputs of the single pass of [`dvh_labels`].
struct Pass<'a> {
    dose: &'a [f32],
    labels: &'a [u16],
    slot: &'a [u8],
    inv_bin: f64,
    boundary: &'a [u32],
    exact_vx: bool,
    vx_gy: &'a [f64],
    structures: usize,
}

impl Pass<'_> {
    /// One pass over the voxels, chunks in parallel. Runs of one label are accumulated in
    /// registers, then flushed: a structure's sums are not a store-to-load chain per voxel.
    fn run<W: Weight>(&self, weight: impl Fn(usize) -> W + Sync) -> Vec<Sums<W>> {
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        let levels = self.vx_gy.len();
        // A few pieces per thread: each piece carries its own histograms, and merging them
        // costs as much as a chunk's voxels when rayon splits down to single chunks.
        let pieces = 4 * rayon::current_num_threads();
        let min_len = self.dose.len().div_ceil(CHUNK).div_ceil(pieces).max(1);
        self.dose
            .par_chunks(CHUNK)
            .zip(self.labels.par_chunks(CHUNK))
            .enumerate()
            .with_min_len(min_len)
            .fold(
                || vec![Sums::<W>::new(levels); self.structures],
                |mut accs, (c, (d, l))| {
                    let mut m = 0;
                    while m < d.len() {
                        let lv = l[m];
                        let mut e = m + 1;
                        while e < d.len() && l[e] == lv {
                            e += 1;
                        }
                        let s = self.slot[usize::from(lv)];
                        if s == NO_SLOT {
                            m = e;
                            continue;
                        }
                        let a = &mut accs[usize::from(s)];
                        let run = &d[m..e];
                        let base = c * CHUNK + m;
                        // Statistics and histogram in two loops over the run (it is in L1):
                        // fewer live values per loop, so the sums stay in registers.
                        let limit = MAX_DVH_BINS as f64;
                        let usable =
                            |v: f32| v.is_finite() && f64::from(v.max(0.0)) * self.inv_bin < limit;
                        let (mut count, mut w_sum, mut wd, mut min, mut max) =
                            (0u64, W::default(), 0.0f64, a.min, a.max);
                        for (offset, &dv) in run.iter().enumerate() {
                            if !usable(dv) {
                                a.bad = Some((base + offset, dv));
                                continue;
                            }
                            let w = weight(base + offset);
                            count += 1;
                            w_sum += w;
                            wd += w.to_f64() * f64::from(dv);
                            min = min.min(dv);
                            max = max.max(dv);
                        }
                        for (offset, &dv) in run.iter().enumerate() {
                            if !usable(dv) {
                                continue;
                            }
                            let w = weight(base + offset);
                            // Below 2²⁴ by `usable`: the conversion is exact and in range.
                            let b = (f64::from(dv.max(0.0)) * self.inv_bin) as u32 as usize;
                            if b >= a.hist.len() {
                                a.hist.resize(b + 1, W::default());
                            }
                            a.hist[b] += w;
                            if self.exact_vx {
                                let mut bits = self.boundary.get(b).copied().unwrap_or(0);
                                while bits != 0 {
                                    let j = bits.trailing_zeros() as usize;
                                    bits &= bits - 1;
                                    if f64::from(dv) >= self.vx_gy[j] {
                                        a.vx_boundary[j] += w;
                                    }
                                }
                            } else {
                                for (x, acc) in self.vx_gy.iter().zip(a.vx_boundary.iter_mut()) {
                                    if f64::from(dv) >= *x {
                                        *acc += w;
                                    }
                                }
                            }
                        }
                        a.count += count;
                        a.w += w_sum;
                        a.wd += wd;
                        a.min = min;
                        a.max = max;
                        m = e;
                    }
                    accs
                },
            )
            .reduce(
                || vec![Sums::<W>::new(levels); self.structures],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        x.merge(y);
                    }
                    a
                },
            )
    }
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

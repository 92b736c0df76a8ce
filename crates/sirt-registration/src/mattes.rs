//! Mattes mutual information and its gradient (Mattes et al., IEEE TMI 2003;22:120–128,
//! doi:10.1109/TMI.2002.803111), as ITK's `MattesMutualInformationImageToImageMetricv4`
//! computes it.
//!
//! - Intensities are binned into `B` bins, of which 2 at each end are padding: bin size
//!   Δ = (max − min) / (B − 4), normalised value u = v / Δ − (min / Δ − 2) ∈ [2, B − 2].
//! - Parzen windows: the fixed image's is a zero-order B-spline (a box: one bin per sample), the
//!   moving image's a cubic B-spline β³ over the four bins around u (eq. 3–5 of the paper).
//! - The joint histogram h(ι, κ) = Σ_samples [ι = bin(f)] β³(κ − u_m); p = h / Σh; marginals by
//!   summing; MI = Σ p log(p / (p_F p_M)) (nats).
//! - Gradient (eq. 12–13): ∂MI/∂μ = Σ_{ι,κ} ∂p(ι,κ)/∂μ · log(p(ι,κ) / p_M(κ)); with
//!   ∂u/∂μ = (1/Δ) ∇m · ∂y/∂μ and ∂β³(κ − u)/∂u = −β³′(κ − u), each sample s contributes
//!   −(1 / (N Δ)) · A_s · ∇m_s · ∂y/∂μ with A_s = Σ_κ log(p(ι_s, κ)/p_M(κ)) · β³′(κ − u_s),
//!   computed in a second pass once the histogram is known.

use crate::error::{RegistrationError, Which};
use crate::interpolate::Volume;
use crate::sampling::Sample;
use crate::transform::{Pose, cross, mat_vec};
use rayon::prelude::*;

/// Padding bins at each end of the histogram: 2, the half-support of the cubic B-spline (ITK's
/// `padding`, Mattes et al. 2003 §II.B).
const PADDING: usize = 2;

/// Samples per parallel work item: design choice, large enough that the per-item histogram
/// (50 × 50 f64) costs little beside the work, small enough to share it among the cores. The
/// items' sums are added in their order, so that a result does not depend on the number of
/// threads or on how the work was shared.
const CHUNK: usize = 2_048;

/// Histogram cells below this probability are taken as empty in the logarithms: ITK's
/// `closeToZero`, the smallest normal f64.
const CLOSE_TO_ZERO: f64 = f64::MIN_POSITIVE;

/// Cubic B-spline β³(u).
#[inline]
pub(crate) fn bspline3(u: f64) -> f64 {
    let a = u.abs();
    if a < 1.0 {
        (4.0 - 6.0 * a * a + 3.0 * a * a * a) / 6.0
    } else if a < 2.0 {
        let b = 2.0 - a;
        b * b * b / 6.0
    } else {
        0.0
    }
}

/// Quadratic B-spline β²(u).
#[inline]
fn bspline2(u: f64) -> f64 {
    let a = u.abs();
    if a < 0.5 {
        0.75 - a * a
    } else if a < 1.5 {
        let b = 1.5 - a;
        0.5 * b * b
    } else {
        0.0
    }
}

/// β³′(u) = β²(u + ½) − β²(u − ½).
#[inline]
pub(crate) fn bspline3_derivative(u: f64) -> f64 {
    bspline2(u + 0.5) - bspline2(u - 0.5)
}

/// Intensity binning of one image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binning {
    size: f64,
    normalised_min: f64,
}

impl Binning {
    fn new(
        min: f64,
        max: f64,
        bins: usize,
        image: Which,
        scope: &'static str,
    ) -> Result<Self, RegistrationError> {
        if max <= min {
            return Err(RegistrationError::Constant {
                image,
                value: min as f32,
                scope,
            });
        }
        let size = (max - min) / (bins - 2 * PADDING) as f64;
        Ok(Self {
            size,
            normalised_min: min / size - PADDING as f64,
        })
    }

    #[inline]
    fn term(&self, v: f64) -> f64 {
        v / self.size - self.normalised_min
    }
}

/// Per-sample results of the first pass.
#[derive(Debug, Clone, Copy, Default)]
struct Cached {
    /// Normalised moving value u (NaN when the sample falls outside the moving image).
    term: f64,
    /// Moving value.
    value: f64,
    /// ∇m, patient coordinates.
    gradient: [f64; 3],
    /// y₀ = R (x − c).
    y0: [f64; 3],
}

/// The metric on one level's samples.
pub(crate) struct Mattes<'a> {
    samples: &'a [Sample],
    fixed_bins: Vec<usize>,
    moving: &'a Volume,
    bins: usize,
    moving_binning: Binning,
}

/// One evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    /// Mattes mutual information, nats.
    pub mi: f64,
    /// ∂MI/∂(δθ, δt): rotation (per radian) then translation (per mm).
    pub gradient: [f64; 6],
    /// Samples inside the moving image.
    pub valid: usize,
    /// Studholme's normalised MI (H_F + H_M) / H_FM.
    pub normalised_mi: f64,
    /// Pearson correlation of the fixed and moving values over the valid samples (`None` when
    /// either is constant there).
    pub correlation: Option<f64>,
}

/// The index of `u` clamped so that the four bins around it exist.
#[inline]
fn moving_window(u: f64, bins: usize) -> usize {
    (u.floor().max(PADDING as f64) as usize).clamp(PADDING, bins - PADDING - 1)
}

impl<'a> Mattes<'a> {
    /// The metric: fixed bins from the samples' values (their range), moving bins from the
    /// moving level image's range.
    pub fn new(
        samples: &'a [Sample],
        moving: &'a Volume,
        bins: usize,
    ) -> Result<Self, RegistrationError> {
        let (lo, hi) = samples
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), s| {
                (l.min(f64::from(s.fixed)), h.max(f64::from(s.fixed)))
            });
        let fixed = Binning::new(lo, hi, bins, Which::Fixed, "within the registration region")?;
        let (mlo, mhi) = moving.range();
        let moving_binning = Binning::new(
            f64::from(mlo),
            f64::from(mhi),
            bins,
            Which::Moving,
            "at this resolution",
        )?;
        let fixed_bins = samples
            .iter()
            .map(|s| {
                let u = fixed.term(f64::from(s.fixed)).floor();
                (u.max(PADDING as f64) as usize).clamp(PADDING, bins - PADDING - 1)
            })
            .collect();
        Ok(Self {
            samples,
            fixed_bins,
            moving,
            bins,
            moving_binning,
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// First pass: the moving value, gradient and y₀ of every sample, and the joint histogram.
    fn histogram(&self, pose: &Pose) -> (Vec<f64>, Vec<Cached>) {
        let (a, b) = pose.affine();
        let (ia, ib) = self.moving.index_map(&a, b);
        let rc = mat_vec(&pose.rotation, pose.centre);
        let bins = self.bins;
        let mut cache = vec![Cached::default(); self.samples.len()];
        let joint = self
            .samples
            .par_chunks(CHUNK)
            .zip(self.fixed_bins.par_chunks(CHUNK))
            .zip(cache.par_chunks_mut(CHUNK))
            .map(|((samples, fbins), cached)| {
                let mut h = vec![0.0; bins * bins];
                for ((s, &fb), c) in samples.iter().zip(fbins).zip(cached.iter_mut()) {
                    let idx = [0, 1, 2].map(|r| {
                        ia[r][0] * s.point[0]
                            + ia[r][1] * s.point[1]
                            + ia[r][2] * s.point[2]
                            + ib[r]
                    });
                    if !self.moving.inside_index(idx) {
                        c.term = f64::NAN;
                        continue;
                    }
                    let vg = self.moving.value_gradient(idx);
                    let u = self.moving_binning.term(vg.value);
                    let w = moving_window(u, bins);
                    let row = &mut h[fb * bins..(fb + 1) * bins];
                    for (kappa, cell) in row.iter_mut().enumerate().take(w + 3).skip(w - 1) {
                        *cell += bspline3(kappa as f64 - u);
                    }
                    let ra = mat_vec(&pose.rotation, s.point);
                    *c = Cached {
                        term: u,
                        value: vg.value,
                        gradient: vg.gradient,
                        y0: [ra[0] - rc[0], ra[1] - rc[1], ra[2] - rc[2]],
                    };
                }
                h
            })
            .collect::<Vec<_>>()
            .into_iter()
            .fold(vec![0.0; bins * bins], |mut x, y| {
                x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
                x
            });
        (joint, cache)
    }

    /// MI, the gradient (when asked) and the quality figures at `pose`.
    pub fn evaluate(&self, pose: &Pose, with_gradient: bool) -> Evaluation {
        let bins = self.bins;
        let (joint, cache) = self.histogram(pose);
        let total: f64 = joint.iter().sum();
        let valid = cache.iter().filter(|c| !c.term.is_nan()).count();
        let mut p_fixed = vec![0.0; bins];
        let mut p_moving = vec![0.0; bins];
        for i in 0..bins {
            for k in 0..bins {
                let p = joint[i * bins + k] / total.max(CLOSE_TO_ZERO);
                p_fixed[i] += p;
                p_moving[k] += p;
            }
        }
        let entropy = |p: &[f64]| -> f64 {
            p.iter()
                .filter(|&&x| x > CLOSE_TO_ZERO)
                .map(|&x| -x * x.ln())
                .sum()
        };
        let mut mi = 0.0;
        let mut log_ratio = vec![0.0; bins * bins];
        for i in 0..bins {
            for k in 0..bins {
                let p = joint[i * bins + k] / total.max(CLOSE_TO_ZERO);
                if p > CLOSE_TO_ZERO && p_moving[k] > CLOSE_TO_ZERO {
                    log_ratio[i * bins + k] = (p / p_moving[k]).ln();
                    if p_fixed[i] > CLOSE_TO_ZERO {
                        mi += p * (p / (p_fixed[i] * p_moving[k])).ln();
                    }
                }
            }
        }
        let joint_p: Vec<f64> = joint
            .iter()
            .map(|&h| h / total.max(CLOSE_TO_ZERO))
            .collect();
        let h_joint = entropy(&joint_p);
        let normalised_mi = (entropy(&p_fixed) + entropy(&p_moving)) / h_joint;
        let gradient = if with_gradient && valid > 0 {
            self.gradient(&cache, &log_ratio, valid)
        } else {
            [0.0; 6]
        };
        Evaluation {
            mi,
            gradient,
            valid,
            normalised_mi,
            correlation: self.correlation(&cache),
        }
    }

    /// Second pass: ∂MI/∂(δθ, δt).
    fn gradient(&self, cache: &[Cached], log_ratio: &[f64], valid: usize) -> [f64; 6] {
        let bins = self.bins;
        let sum = cache
            .par_chunks(CHUNK)
            .zip(self.fixed_bins.par_chunks(CHUNK))
            .map(|(cached, fbins)| {
                let mut g = [0.0; 6];
                for (c, &fb) in cached.iter().zip(fbins) {
                    if c.term.is_nan() {
                        continue;
                    }
                    let w = moving_window(c.term, bins);
                    let row = &log_ratio[fb * bins..(fb + 1) * bins];
                    let a: f64 = (w - 1..=w + 2)
                        .map(|kappa| row[kappa] * bspline3_derivative(kappa as f64 - c.term))
                        .sum();
                    let moment = cross(c.y0, c.gradient);
                    for d in 0..3 {
                        g[d] += a * moment[d];
                        g[3 + d] += a * c.gradient[d];
                    }
                }
                g
            })
            .collect::<Vec<_>>()
            .into_iter()
            .fold([0.0; 6], |mut x, y| {
                x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
                x
            });
        let factor = -1.0 / (valid as f64 * self.moving_binning.size);
        sum.map(|x| x * factor)
    }

    /// Pearson correlation of fixed and moving values over the samples inside.
    fn correlation(&self, cache: &[Cached]) -> Option<f64> {
        let mut n = 0.0;
        let (mut sf, mut sm, mut sff, mut smm, mut sfm) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (s, c) in self.samples.iter().zip(cache) {
            if c.term.is_nan() {
                continue;
            }
            let f = f64::from(s.fixed);
            let m = c.value;
            n += 1.0;
            sf += f;
            sm += m;
            sff += f * f;
            smm += m * m;
            sfm += f * m;
        }
        let cov = sfm - sf * sm / n;
        let vf = sff - sf * sf / n;
        let vm = smm - sm * sm / n;
        (n >= 2.0 && vf > 0.0 && vm > 0.0).then(|| cov / (vf * vm).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::draw;
    use crate::transform::{IDENTITY, Pose};
    use sirt_geometry::{ContinuousIndex, FrameOfReference, Grid, Image, PointLps};

    /// Two smooth blobs of different brightness on a grid of n³ voxels of 3 mm centred at 0.
    fn blobs(frame: &str, shift: [f64; 3], n: usize) -> Image<f32> {
        let o = -(n as f64 - 1.0) * 1.5;
        let g = Grid::axis_aligned(
            [n; 3],
            [3.0; 3],
            PointLps::new(o, o, o),
            FrameOfReference(frame.into()),
        )
        .unwrap();
        let data = (0..g.len())
            .map(|o| {
                let [i, j, k] = g.index_of_offset(o);
                let p = g.patient_from_index(ContinuousIndex::of_voxel(i, j, k));
                let b = |c: [f64; 3], r: f64, a: f64| {
                    let d2 = (p.x - shift[0] - c[0]).powi(2)
                        + (p.y - shift[1] - c[1]).powi(2)
                        + (p.z - shift[2] - c[2]).powi(2);
                    a * (-d2 / (2.0 * r * r)).exp()
                };
                (b([-10.0, 5.0, 0.0], 14.0, 100.0) + b([15.0, -8.0, 10.0], 8.0, 60.0)) as f32
            })
            .collect();
        Image::new(g, data).unwrap()
    }

    /// The analytic gradient (rotation and translation) equals central differences of the
    /// metric itself, within 1 %: the derivative formulas (Mattes et al. 2003
    /// eq. 12–13, the step's Jacobian) are checked against the definition.
    #[test]
    fn gradient_matches_finite_differences() {
        // The moving image is larger, so that no sample leaves it during the differences (a
        // sample crossing the border makes the metric jump).
        let fixed = blobs("f", [0.0; 3], 32);
        let moving = Volume::new(&blobs("m", [3.0, -2.0, 1.5], 40));
        let fixed_volume = Volume::new(&fixed);
        let candidates: Vec<usize> = (0..fixed.grid().len()).collect();
        let samples = draw(&fixed, &fixed_volume, &candidates, 0.5, 3);
        let metric = Mattes::new(&samples, &moving, 50).unwrap();
        let mut pose = Pose::from_affine(IDENTITY, [1.0, 0.5, -0.5], [2.0, 1.0, -3.0]);
        pose.step([0.02, -0.03, 0.05], [0.0; 3]);
        let analytic = metric.evaluate(&pose, true).gradient;
        let h = [1e-5, 1e-5, 1e-5, 1e-3, 1e-3, 1e-3];
        for p in 0..6 {
            let at = |sign: f64| {
                let mut q = pose.clone();
                let mut d = [0.0; 6];
                d[p] = sign * h[p];
                q.step([d[0], d[1], d[2]], [d[3], d[4], d[5]]);
                metric.evaluate(&q, false).mi
            };
            let numeric = (at(1.0) - at(-1.0)) / (2.0 * h[p]);
            assert!(
                (numeric - analytic[p]).abs() <= 0.01 * numeric.abs(),
                "parameter {p}: analytic {} numeric {numeric} (all {analytic:?})",
                analytic[p]
            );
        }
    }
}

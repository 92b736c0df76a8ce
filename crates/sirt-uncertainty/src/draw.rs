//! One Monte Carlo draw of a plan's inputs: sample `i` of seed `s` uses the ChaCha8 stream `i`
//! of the key made from `s`, so that every draw is the same whatever the number of threads and
//! the order they run in.

use crate::model::{MIN_DISCREPANCY_FACTOR, Spreads, log_sigma};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use sirt_case::LsfSource;
use sirt_units::Fraction;
use sirt_workflow::{Perturbation, Plan};

/// The largest LSF or residual fraction a draw takes: just below 1, which the partition model
/// refuses (design choice: a draw beyond is put on the bound; with the spreads of the defaults
/// the probability is far below 10⁻⁹).
pub const FRACTION_CEILING: f64 = 1.0 - 1e-9;

/// 2⁻⁵³: a uniform number in (0, 1) from the top 53 bits of a 64-bit word (the resolution of an
/// f64 mantissa; IEEE 754).
const TWO_POW_MINUS_53: f64 = 1.0 / 9_007_199_254_740_992.0;

/// A reproducible source of standard normal numbers for one sample.
pub struct Normals {
    rng: ChaCha8Rng,
    spare: Option<f64>,
}

impl Normals {
    /// The normals of sample `index` of `seed`.
    pub fn new(seed: u64, index: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        Self { rng, spare: None }
    }

    /// A uniform number in the open interval (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.rng.next_u64() >> 11) as f64 + 0.5) * TWO_POW_MINUS_53
    }

    /// A standard normal number: the Box–Muller transform (Box GEP, Muller ME, Ann Math Stat
    /// 1958;29(2):610–611, doi 10.1214/aoms/1177706645), both numbers of a pair used.
    pub fn standard(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let r = (-2.0 * self.uniform().ln()).sqrt();
        let theta = std::f64::consts::TAU * self.uniform();
        self.spare = Some(r * theta.sin());
        r * theta.cos()
    }
}

/// One tumour's share of an injection, at the plan's point values.
#[derive(Debug, Clone, Copy)]
struct Share {
    /// The case's tumour index.
    tumour: usize,
    /// Its predicted dose with the ordered vial, Gy.
    dose_gy: f64,
    /// Its part w of the territory's liver activity (tumours and normal liver).
    activity_fraction: f64,
}

/// Largest part of a territory's liver activity a lesion may take in a draw: 0.999 (design
/// choice: a discrepancy that would put more than all of it in one lesion is capped just below).
const MAX_LESION_ACTIVITY_FRACTION: f64 = 0.999;

/// The factor f on a lesion's TNR that multiplies its partition dose by `r`, its part of the
/// territory's liver activity being `w`. The dose is c·TNR/(Σ TNR_j·M_j + M_n): raising the
/// lesion's TNR also raises the denominator, so D′/D = f/(1 − w + f·w), and
/// f = r(1 − w)/(1 − r·w) (r·w capped at [`MAX_LESION_ACTIVITY_FRACTION`]).
fn tnr_factor(r: f64, w: f64) -> f64 {
    if !(w > 0.0 && w < 1.0) {
        return r;
    }
    let rw = (r * w).min(MAX_LESION_ACTIVITY_FRACTION);
    (rw / w) * (1.0 - w) / (1.0 - rw)
}

/// What a draw needs of the plan, computed once.
#[derive(Debug, Clone)]
pub struct Base {
    /// The plan's own inputs.
    point: Perturbation,
    /// For each injection, the LSF group it draws from: injections whose LSF comes from the
    /// mapping (stated, planar or measured) share one error; an LSF stated on the injection
    /// has its own.
    lsf_group: Vec<usize>,
    groups: usize,
    residual: Vec<f64>,
    /// For each injection and tumour share: the case's tumour index, the share's predicted
    /// dose with the ordered vial (Gy) and its fraction of the territory's liver activity, for
    /// the lesion discrepancy.
    shares: Vec<Vec<Share>>,
}

impl Base {
    /// The base of `plan`.
    pub fn new(plan: &Plan) -> Self {
        let mut groups = 1;
        let lsf_group = plan
            .injections
            .iter()
            .map(|p| match p.input.lsf_source {
                LsfSource::Injection => {
                    groups += 1;
                    groups - 1
                }
                LsfSource::Mapping | LsfSource::Planar | LsfSource::Measured => 0,
            })
            .collect();
        let shares = plan
            .injections
            .iter()
            .map(|p| {
                let doses = p.planned().map(|a| &a.expected.doses);
                p.tumours
                    .iter()
                    .map(|t| {
                        let index = plan
                            .case
                            .tumours
                            .iter()
                            .position(|c| c.id == t.id)
                            .unwrap_or(usize::MAX);
                        let compartment =
                            doses.and_then(|d| d.tumours.iter().find(|(id, _)| *id == t.id));
                        let dose = compartment.map_or(0.0, |(_, c)| c.dose.gy());
                        // The tumour's part of the territory's liver activity (tumours and
                        // normal liver: the perfused compartment).
                        let fraction = match (compartment, doses) {
                            (Some((_, c)), Some(d)) if d.perfused.activity.gbq() > 0.0 => {
                                c.activity.gbq() / d.perfused.activity.gbq()
                            }
                            _ => 0.0,
                        };
                        Share {
                            tumour: index,
                            dose_gy: dose,
                            activity_fraction: fraction,
                        }
                    })
                    .collect()
            })
            .collect();
        Self {
            point: Perturbation::of_plan(plan),
            lsf_group,
            groups,
            residual: plan
                .injections
                .iter()
                .map(|p| p.input.residual_fraction.value())
                .collect(),
            shares,
        }
    }

    /// A perturbation buffer holding the plan's own inputs.
    pub fn buffer(&self) -> Perturbation {
        self.point.clone()
    }

    /// Draws sample `index` of `seed` into `out`.
    pub fn draw(&self, s: &Spreads, seed: u64, index: u64, out: &mut Perturbation) {
        let mut z = Normals::new(seed, index);
        let point = &self.point;
        let calibration = (log_sigma(s.activity_calibration_cv) * z.standard()).exp();
        out.delivered_factor = calibration;
        let lsf_errors: Vec<f64> = (0..self.groups).map(|_| s.lsf_sd * z.standard()).collect();
        for n in 0..point.lsf.len() {
            let lsf = point.lsf[n].value() + lsf_errors[self.lsf_group[n]];
            out.lsf[n] = Fraction::new(lsf.clamp(0.0, FRACTION_CEILING)).unwrap_or(point.lsf[n]);
            let r = self.residual[n];
            let drawn = s.residual_sd[n]
                .mul_add(z.standard(), r)
                .clamp(0.0, FRACTION_CEILING);
            out.activity_factor[n] = calibration * (1.0 - drawn) / (1.0 - r);
            out.normal_liver_mass[n] =
                point.normal_liver_mass[n] * (log_sigma(s.perfused_volume_cv) * z.standard()).exp();
        }
        out.whole_normal_liver_mass =
            point.whole_normal_liver_mass * (log_sigma(s.liver_volume_cv) * z.standard()).exp();
        out.lung_mass = point.lung_mass * (log_sigma(s.lung_mass_cv) * z.standard()).exp();
        for (t, m) in point.tumour_mass.iter().enumerate() {
            out.tumour_mass[t] = *m * (log_sigma(s.tumour_volume_cv[t]) * z.standard()).exp();
        }
        let discrepancy: Vec<f64> = (0..point.tumour_mass.len())
            .map(|_| s.lesion_discrepancy_sd_gy * z.standard())
            .collect();
        for (n, shares) in self.shares.iter().enumerate() {
            for (j, share) in shares.iter().enumerate() {
                let t = share.tumour;
                let cv = s.tnr_cv.get(t).copied().unwrap_or(0.0);
                let delta = discrepancy.get(t).copied().unwrap_or(0.0);
                let lesion = if share.dose_gy > 0.0 && delta != 0.0 {
                    tnr_factor(
                        ((share.dose_gy + delta) / share.dose_gy).max(MIN_DISCREPANCY_FACTOR),
                        share.activity_fraction,
                    )
                } else {
                    1.0
                };
                out.tnr[n][j] = point.tnr[n][j] * (log_sigma(cv) * z.standard()).exp() * lesion;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Partition-model dose of tumour 0 (MIRD partition: c·TNR/(Σ TNR_j·M_j + M_n)).
    fn dose(c: f64, tnr: &[f64], mass: &[f64], normal: f64) -> f64 {
        let den: f64 = tnr.iter().zip(mass).map(|(t, m)| t * m).sum::<f64>() + normal;
        c * tnr[0] / den
    }

    /// The reviewer's example (tumour 100 g, normal liver 600 g, TNR 4) and a two-tumour
    /// territory: the TNR factor gives exactly the dose ratio asked for.
    #[test]
    fn tnr_factor_gives_the_dose_ratio_asked_for() {
        for (tnr, mass, normal) in [
            (vec![4.0], vec![100.0], 600.0),
            (vec![3.0, 6.0], vec![250.0, 40.0], 900.0),
        ] {
            let c = 1000.0;
            let d = dose(c, &tnr, &mass, normal);
            let den: f64 = tnr.iter().zip(&mass).map(|(t, m)| t * m).sum::<f64>() + normal;
            let w = tnr[0] * mass[0] / den;
            for r in [0.2, 0.7, 1.0, 1.5, 2.0] {
                let mut t = tnr.clone();
                t[0] *= tnr_factor(r, w);
                let got = dose(c, &t, &mass, normal) / d;
                assert!((got - r).abs() < 1e-12, "r {r}, w {w}: {got}");
            }
        }
        // Without the fraction (0), the factor is the ratio itself.
        assert_eq!(tnr_factor(1.5, 0.0), 1.5);
    }
}

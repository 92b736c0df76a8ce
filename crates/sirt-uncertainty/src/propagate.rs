//! The Monte Carlo loop: draws, the plan's doses and checks recomputed for each, percentiles and
//! probabilities.

use crate::UncertaintyError;
use crate::draw::Base;
use crate::model::Spreads;
use sirt_analytic::partition::PartitionDoses;
use sirt_rules::{CheckBasis, CheckValue, Quantity, RuleSet, Status};
use sirt_settings::SiteSettings;
use sirt_workflow::{InjectionPlan, Plan, Resampler, SessionPlan};

/// The default number of samples: the p5, p50 and p95 of the demo case's doses then differ by
/// less than 1 % of the median between seeds (tests/convergence.rs; design choice).
pub const DEFAULT_SAMPLES: usize = 20_000;

/// The fewest samples allowed: 100, so that 5 samples lie beyond each of p5 and p95 (design
/// choice).
pub const MIN_SAMPLES: usize = 100;

/// The most samples allowed: 1 000 000 (design choice: the values kept for the percentiles take
/// 8 bytes × samples × doses, 400 MB for 50 doses).
pub const MAX_SAMPLES: usize = 1_000_000;

/// The default seed: 20260305 (design choice: any fixed number makes the result reproducible;
/// this one is the demo case's first treatment date).
pub const DEFAULT_SEED: u64 = 20_260_305;

/// The number of worker threads: 2 (design choice: the machine the speed goal is set on has 2
/// cores; the draws do not depend on it).
pub const THREADS: usize = 2;

/// How to propagate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Number of samples.
    pub samples: usize,
    /// Seed of the random numbers.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            samples: DEFAULT_SAMPLES,
            seed: DEFAULT_SEED,
        }
    }
}

/// The 5th, 50th and 95th percentiles of a dose (Gy).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// A predicted dose of the plan, as the JSON names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Dose {
    /// An injection's dose at the prescribed activity (`injections[n].<key>`).
    Prescribed {
        /// Injection index in the case.
        injection: usize,
        /// The JSON key (`normal_liver_gy`), or `tumour_gy` with the tumour id.
        key: DoseKey,
    },
    /// An injection's dose with the ordered vial (`injections[n].with_ordered_vial.<key>`).
    WithOrderedVial {
        /// Injection index in the case.
        injection: usize,
        /// The key.
        key: DoseKey,
    },
    /// A session's dose (`sessions[k].<key>`).
    Session {
        /// Session index in the plan.
        session: usize,
        /// The key.
        key: DoseKey,
    },
}

/// The JSON key of a dose.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseKey {
    /// A plain key (`normal_liver_gy`).
    Key(&'static str),
    /// A tumour of `tumour_gy` by id.
    Tumour(String),
}

/// One check's probability.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckProbability {
    /// Rule id.
    pub rule: String,
    /// Subject, as the check names it.
    pub subject: String,
    /// The fraction of samples in which the check's comparison holds.
    pub probability_met: f64,
}

/// The result of a propagation.
#[derive(Debug, Clone, PartialEq)]
pub struct Propagation {
    /// Options used.
    pub options: Options,
    /// Spreads used, with the defaults named.
    pub spreads: Spreads,
    /// Each predicted dose with its interval.
    pub doses: Vec<(Dose, Interval)>,
    /// The partition dose checks with their probability.
    pub checks: Vec<CheckProbability>,
}

impl Propagation {
    /// The interval of a dose.
    pub fn interval(&self, dose: &Dose) -> Option<Interval> {
        self.doses.iter().find(|(d, _)| d == dose).map(|(_, i)| *i)
    }

    /// The probability of a check.
    pub fn probability(&self, rule: &str, subject: &str) -> Option<f64> {
        self.checks
            .iter()
            .find(|c| c.rule == rule && c.subject == subject)
            .map(|c| c.probability_met)
    }
}

/// Whether a rule's quantity is a dose (or an input) the propagation makes uncertain: its
/// checks get a probability.
fn uncertain(q: Quantity) -> bool {
    matches!(
        q,
        Quantity::TumourDose
            | Quantity::PerfusedDose
            | Quantity::PerfusedNormalLiverDose
            | Quantity::LungActivity
            | Quantity::Lsf
            | Quantity::WholeLiverNtad
            | Quantity::LungDoseSession
            | Quantity::LungDoseCumulative
            | Quantity::LungDoseSession1kg
            | Quantity::LungDoseCumulative1kg
    )
}

/// The partition checks of the plan that get a probability: a number compared, on a dose
/// quantity.
fn dose_checks(plan: &Plan, rules: &RuleSet) -> Vec<(String, String)> {
    plan.checks
        .iter()
        .filter(|c| c.basis == CheckBasis::Partition)
        .filter(|c| matches!(c.value, Some(CheckValue::Number(_))))
        .filter(|c| {
            rules
                .rules()
                .iter()
                .any(|r| r.id == c.rule && uncertain(r.quantity))
        })
        .map(|c| (c.rule.clone(), c.subject.clone()))
        .collect()
}

/// The rules of `checks` alone (the others removed as a site file's `enabled = false` removes
/// them), so that each draw evaluates only what it counts; the full set when that cannot be
/// made (same probabilities, slower).
fn reduced(rules: &RuleSet, checks: &[(String, String)]) -> RuleSet {
    let text: String = rules
        .rules()
        .iter()
        .filter(|r| !checks.iter().any(|(id, _)| *id == r.id))
        .map(|r| format!("[[rule]]\nid = {:?}\nenabled = false\n", r.id))
        .collect();
    let mut only = rules.clone();
    match only.merge_toml(&text, "sirt-uncertainty") {
        Ok(()) => only,
        Err(_) => rules.clone(),
    }
}

/// Visits every predicted dose of injections and sessions, in a fixed order.
fn visit(injections: &[InjectionPlan], sessions: &[SessionPlan], f: &mut dyn FnMut(Dose, f64)) {
    for (n, p) in injections.iter().enumerate() {
        let Some(a) = p.planned() else { continue };
        visit_doses(&a.solution.doses, &mut |key, gy| {
            f(Dose::Prescribed { injection: n, key }, gy);
        });
        visit_doses(&a.expected.doses, &mut |key, gy| {
            f(Dose::WithOrderedVial { injection: n, key }, gy);
        });
    }
    for (k, s) in sessions.iter().enumerate() {
        let mut key = |key: DoseKey, gy: f64| f(Dose::Session { session: k, key }, gy);
        if let Some(t) = s.totals {
            if s.ntad_not_evaluable.is_none() {
                key(DoseKey::Key("whole_liver_ntad_gy"), t.whole_liver_ntad.gy());
            }
            key(DoseKey::Key("lung_gy"), t.lung_dose.gy());
            key(
                DoseKey::Key("cumulative_lung_gy"),
                t.cumulative_lung_dose.gy(),
            );
        }
        for (id, d) in &s.tumour_doses {
            key(DoseKey::Tumour(id.clone()), d.gy());
        }
        key(
            DoseKey::Key("plan_whole_liver_ntad_gy"),
            s.plan_whole_liver_ntad.gy(),
        );
        if let Some(d) = s.cumulative_whole_liver_ntad {
            key(DoseKey::Key("cumulative_whole_liver_ntad_gy"), d.gy());
        }
        if let Some(d) = s.lung_dose_1kg {
            key(DoseKey::Key("lung_gy_1kg_convention"), d.gy());
        }
        if let Some(d) = s.cumulative_lung_dose_1kg {
            key(DoseKey::Key("cumulative_lung_gy_1kg_convention"), d.gy());
        }
    }
}

fn visit_doses(d: &PartitionDoses, f: &mut dyn FnMut(DoseKey, f64)) {
    for (id, c) in &d.tumours {
        f(DoseKey::Tumour(id.clone()), c.dose.gy());
    }
    if let Some(c) = d.tumours_combined {
        f(DoseKey::Key("tumours_combined_gy"), c.dose.gy());
    }
    f(DoseKey::Key("normal_liver_gy"), d.normal_liver.dose.gy());
    f(DoseKey::Key("perfused_gy"), d.perfused.dose.gy());
    f(DoseKey::Key("lung_gy"), d.lung.dose.gy());
}

/// What one thread returns: its samples' dose values (sample-major) and each check's count of
/// samples in which it is met.
struct Chunk {
    values: Vec<f64>,
    met: Vec<usize>,
}

/// The shared inputs of the worker threads.
struct Job<'a> {
    plan: &'a Plan,
    file: &'a str,
    rules: RuleSet,
    settings: &'a SiteSettings,
    spreads: &'a Spreads,
    base: Base,
    checks: Vec<(String, String)>,
    slots: usize,
    seed: u64,
}

impl Job<'_> {
    /// Samples `range` one after the other.
    fn run(&self, range: std::ops::Range<usize>) -> Result<Chunk, UncertaintyError> {
        let mut resampler = Resampler::new(self.plan, self.file);
        let mut draw = self.base.buffer();
        let mut values = Vec::with_capacity(range.len() * self.slots);
        let mut met = vec![0; self.checks.len()];
        for i in range {
            self.base.draw(self.spreads, self.seed, i as u64, &mut draw);
            resampler.apply(&draw).map_err(UncertaintyError::Plan)?;
            let before = values.len();
            visit(
                resampler.injections(),
                resampler.sessions(),
                &mut |_, gy| {
                    values.push(gy);
                },
            );
            if values.len() - before != self.slots {
                return Err(UncertaintyError::Layout { sample: i });
            }
            if self.checks.is_empty() {
                continue;
            }
            let facts = resampler.partition_facts(self.settings);
            for c in self.rules.evaluate(&facts) {
                if c.status != Status::Pass {
                    continue;
                }
                if let Some(k) = self
                    .checks
                    .iter()
                    .position(|(r, s)| *r == c.rule && *s == c.subject)
                {
                    met[k] += 1;
                }
            }
        }
        Ok(Chunk { values, met })
    }
}

/// Propagates the spreads of `plan`'s inputs (`spreads`) to its doses and dose checks:
/// `options.samples` draws, each recomputed by the plan's own code
/// ([`sirt_workflow::Resampler`]) and checked by `rules` under `settings` (the rules and
/// settings the plan was made with). `file` names the case in errors.
pub fn propagate(
    plan: &Plan,
    file: &str,
    rules: &RuleSet,
    settings: &SiteSettings,
    spreads: &Spreads,
    options: Options,
) -> Result<Propagation, UncertaintyError> {
    if !(MIN_SAMPLES..=MAX_SAMPLES).contains(&options.samples) {
        return Err(UncertaintyError::Samples {
            found: options.samples,
        });
    }
    let mut layout = Vec::new();
    visit(&plan.injections, &plan.sessions, &mut |d, _| layout.push(d));
    let checks = dose_checks(plan, rules);
    let job = Job {
        plan,
        file,
        rules: reduced(rules, &checks),
        settings,
        spreads,
        base: Base::new(plan),
        checks,
        slots: layout.len(),
        seed: options.seed,
    };
    let n = options.samples;
    let chunks: Vec<Result<Chunk, UncertaintyError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let job = &job;
                scope.spawn(move || job.run(t * n / THREADS..(t + 1) * n / THREADS))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(UncertaintyError::Worker)))
            .collect()
    });
    let mut values = Vec::with_capacity(n * layout.len());
    let mut met = vec![0usize; job.checks.len()];
    for c in chunks {
        let c = c?;
        values.extend_from_slice(&c.values);
        for (m, x) in met.iter_mut().zip(&c.met) {
            *m += x;
        }
    }
    let doses = layout
        .into_iter()
        .enumerate()
        .map(|(slot, d)| {
            let mut column: Vec<f64> = values
                .iter()
                .skip(slot)
                .step_by(job.slots)
                .copied()
                .collect();
            (d, interval(&mut column))
        })
        .collect();
    let checks = job
        .checks
        .iter()
        .zip(&met)
        .map(|((rule, subject), &m)| CheckProbability {
            rule: rule.clone(),
            subject: subject.clone(),
            probability_met: m as f64 / n as f64,
        })
        .collect();
    Ok(Propagation {
        options,
        spreads: spreads.clone(),
        doses,
        checks,
    })
}

/// The 5th, 50th and 95th percentiles of `values` (sorted in place).
fn interval(values: &mut [f64]) -> Interval {
    values.sort_by(f64::total_cmp);
    Interval {
        p5: percentile(values, 0.05),
        p50: percentile(values, 0.50),
        p95: percentile(values, 0.95),
    }
}

/// The `q` quantile of sorted values: linear interpolation between order statistics at
/// (n − 1) q (Hyndman RJ, Fan Y, Am Stat 1996;50(4):361–365, doi 10.2307/2684934, definition 7;
/// numpy's default).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

//! Kaplan–Meier estimate with Greenwood variance, pointwise confidence intervals, the median
//! with its band-inversion interval, and numbers at risk.

use crate::special::z_two_sided;
use crate::table::{Cohort, TimeUnit};
use serde::Serialize;

/// Transform of the pointwise confidence interval for S(t) (clinical-rules.md §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CiTransform {
    /// S·exp(±z·√Σ), upper limit capped at 1: R `survfit` default (`conf.type = "log"`).
    Log,
    /// S^exp(±z·√Σ/|ln S|): Kalbfleisch–Prentice "exponential Greenwood"; lifelines' only
    /// interval and R `conf.type = "log-log"`.
    LogLog,
    /// S ± z·√Var, clipped to [0, 1]: R `conf.type = "plain"`.
    Plain,
}

impl CiTransform {
    /// Short name for reports: "log", "log-log", "plain".
    pub fn label(self) -> &'static str {
        match self {
            CiTransform::Log => "log",
            CiTransform::LogLog => "log-log",
            CiTransform::Plain => "plain",
        }
    }
}

/// Rule for a quantile when the curve lies exactly on 0.5 over an interval
/// (clinical-rules.md §6.1; equality within [`QUANTILE_TOLERANCE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MedianRule {
    /// The first time with Ŝ ≤ 0.5: the left end of a flat at 0.5 (lifelines
    /// `median_survival_times`). T = [1, 2, 3, 4], all events, gives 2. Ŝ is compared with 0.5
    /// within [`QUANTILE_TOLERANCE`]: where lifelines' product rounds an exact 0.5 up
    /// (e.g. 30/60 reached as a product of factors, 0.5000000000000002) it reports the next
    /// time instead; sirtplan reports the exact flat's start.
    FirstAtOrBelow,
    /// R `quantile.survfit`: on a flat at 0.5 the midpoint between its start and the next time
    /// the curve drops (or the last follow-up time when it never drops). T = [1, 2, 3, 4] gives 2.5.
    MidpointOfFlat,
}

/// Tolerance for "Ŝ equals 0.5": √ε, R `quantile.survfit(tolerance = sqrt(.Machine$double.eps))`.
pub const QUANTILE_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// Options of the Kaplan–Meier estimate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KmOptions {
    /// Two-sided level: the intervals are 100·(1 − alpha) % intervals.
    pub alpha: f64,
    /// Pointwise interval transform; it also sets the median interval.
    pub transform: CiTransform,
    /// Median rule on exact 0.5 flats.
    pub median_rule: MedianRule,
}

impl Default for KmOptions {
    /// alpha 0.05, log-log interval and the first-at-or-below median: lifelines 0.30.3's
    /// `KaplanMeierFitter` conventions, which the reference outputs in
    /// `shared/reference/survival` use.
    fn default() -> Self {
        KmOptions {
            alpha: 0.05,
            transform: CiTransform::LogLog,
            median_rule: MedianRule::FirstAtOrBelow,
        }
    }
}

/// A closed interval [lower, upper].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// One distinct observed time of a Kaplan–Meier table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KmRow {
    /// The time, in the cohort's unit.
    pub time: f64,
    /// Subjects at risk just before `time` (duration ≥ time; a subject censored at an event time
    /// is at risk at it).
    pub at_risk: usize,
    /// Events at `time`.
    pub events: usize,
    /// Censored at `time`.
    pub censored: usize,
    /// Ŝ(time) = Π (1 − dᵢ/nᵢ) over event times ≤ time.
    pub survival: f64,
    /// Greenwood sum Σ dᵢ/(nᵢ(nᵢ − dᵢ)); `None` once every subject at risk has had the event
    /// (dᵢ = nᵢ, Ŝ = 0), where it is infinite.
    pub greenwood_sum: Option<f64>,
    /// Greenwood variance Ŝ²·Σ; `None` where the sum is.
    pub variance: Option<f64>,
    /// Pointwise interval with the chosen transform; `None` where the variance is (R `survfit`
    /// gives NA there too). Before the first event (Σ = 0) it is [1, 1].
    pub ci: Option<Interval>,
}

/// A time that may not have been reached within follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TimeEstimate {
    /// The curve (or band) reached the level at `time`.
    Reached {
        /// Time in the cohort's unit.
        time: f64,
    },
    /// The curve (or band) stayed above the level to the end of follow-up.
    NotReached,
}

impl TimeEstimate {
    /// The time, when reached.
    pub fn time(self) -> Option<f64> {
        match self {
            TimeEstimate::Reached { time } => Some(time),
            TimeEstimate::NotReached => None,
        }
    }
}

/// Median survival with its band-inversion interval (Brookmeyer–Crowley style).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MedianSurvival {
    /// Median: first time Ŝ ≤ 0.5 under the median rule.
    pub median: TimeEstimate,
    /// Lower limit: first time the lower band is ≤ 0.5.
    pub lower: TimeEstimate,
    /// Upper limit: first time the upper band is ≤ 0.5.
    pub upper: TimeEstimate,
}

/// A Kaplan–Meier curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KmCurve {
    /// Subjects.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Options used.
    pub options: KmOptions,
    /// Critical value z_{1−α/2}.
    pub z: f64,
    /// One row per distinct observed time (event or censoring), increasing.
    pub rows: Vec<KmRow>,
    /// Median and its interval.
    pub median: MedianSurvival,
}

/// Why a Kaplan–Meier estimate could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KmError {
    /// No subjects.
    #[error("Kaplan-Meier{group}: expected at least one subject, found none")]
    Empty {
        /// " for group X" or "".
        group: String,
    },
    /// Durations and events differ in length.
    #[error(
        "Kaplan-Meier: expected as many event flags as durations ({durations}), found {events}"
    )]
    Length {
        /// Durations given.
        durations: usize,
        /// Event flags given.
        events: usize,
    },
    /// A duration is negative or not finite.
    #[error("Kaplan-Meier: subject {index}: expected a duration of 0 or more, found {found}")]
    Duration {
        /// Zero-based subject.
        index: usize,
        /// Value found.
        found: f64,
    },
    /// alpha outside (0, 1).
    #[error("Kaplan-Meier: expected alpha between 0 and 1 (exclusive), found {found}")]
    Alpha {
        /// Value found.
        found: f64,
    },
}

impl KmCurve {
    /// Fits the curve to durations and event flags.
    pub fn fit(durations: &[f64], events: &[bool], options: &KmOptions) -> Result<Self, KmError> {
        if durations.len() != events.len() {
            return Err(KmError::Length {
                durations: durations.len(),
                events: events.len(),
            });
        }
        if durations.is_empty() {
            return Err(KmError::Empty {
                group: String::new(),
            });
        }
        if !(options.alpha > 0.0 && options.alpha < 1.0) {
            return Err(KmError::Alpha {
                found: options.alpha,
            });
        }
        if let Some((index, &found)) = durations
            .iter()
            .enumerate()
            .find(|(_, d)| !(d.is_finite() && **d >= 0.0))
        {
            return Err(KmError::Duration { index, found });
        }
        let z = z_two_sided(options.alpha);
        let mut order: Vec<usize> = (0..durations.len()).collect();
        order.sort_by(|&a, &b| durations[a].total_cmp(&durations[b]));
        let mut rows = Vec::new();
        let mut at_risk = durations.len();
        let mut s = 1.0f64;
        let mut sum = Some(0.0f64);
        let mut i = 0;
        while i < order.len() {
            let t = durations[order[i]];
            let mut d = 0;
            let mut c = 0;
            while i < order.len() && durations[order[i]] == t {
                if events[order[i]] {
                    d += 1;
                } else {
                    c += 1;
                }
                i += 1;
            }
            if d > 0 {
                let (n, df) = (at_risk as f64, d as f64);
                s *= 1.0 - df / n;
                sum = match sum {
                    Some(v) if d < at_risk => Some(v + df / (n * (n - df))),
                    _ => None,
                };
            }
            let variance = sum.map(|v| s * s * v);
            let ci = sum.map(|v| interval(s, v, z, options.transform));
            rows.push(KmRow {
                time: t,
                at_risk,
                events: d,
                censored: c,
                survival: s,
                greenwood_sum: sum,
                variance,
                ci,
            });
            at_risk -= d + c;
        }
        let median = median_survival(&rows, options.median_rule);
        Ok(KmCurve {
            n: durations.len(),
            events: events.iter().filter(|&&e| e).count(),
            options: *options,
            z,
            rows,
            median,
        })
    }

    /// Ŝ(t), right-continuous: 1 before the first row.
    pub fn survival_at(&self, t: f64) -> f64 {
        self.rows
            .iter()
            .take_while(|r| r.time <= t)
            .last()
            .map_or(1.0, |r| r.survival)
    }

    /// The row in force at t (the last row with time ≤ t), if any.
    pub fn row_at(&self, t: f64) -> Option<&KmRow> {
        self.rows.iter().take_while(|r| r.time <= t).last()
    }

    /// Number at risk at t: subjects whose duration is ≥ t (the risk-table convention of R
    /// `summary.survfit` and survminer).
    pub fn at_risk_at(&self, t: f64) -> usize {
        self.rows
            .iter()
            .filter(|r| r.time >= t)
            .map(|r| r.events + r.censored)
            .sum()
    }

    /// The last observed time (event or censoring).
    pub fn last_time(&self) -> f64 {
        self.rows.last().map_or(0.0, |r| r.time)
    }
}

/// Pointwise interval at survival `s` with Greenwood sum `sum`.
fn interval(s: f64, sum: f64, z: f64, transform: CiTransform) -> Interval {
    if sum == 0.0 {
        return Interval { lower: s, upper: s };
    }
    let se_log = sum.sqrt();
    match transform {
        CiTransform::Log => Interval {
            lower: s * (-z * se_log).exp(),
            upper: (s * (z * se_log).exp()).min(1.0),
        },
        CiTransform::LogLog => {
            let v = s.ln(); // < 0 here: s in (0, 1) once an event has occurred with sum > 0
            let k = z * se_log / v.abs();
            Interval {
                lower: s.powf(k.exp()),
                upper: s.powf((-k).exp()),
            }
        }
        CiTransform::Plain => {
            let se = s * se_log;
            Interval {
                lower: (s - z * se).max(0.0),
                upper: (s + z * se).min(1.0),
            }
        }
    }
}

/// First time a step function falls to 0.5 under `rule`; `values[i]` holds at `times[i]`.
fn quantile_half(times: &[f64], values: &[f64], last_time: f64, rule: MedianRule) -> TimeEstimate {
    let p = 0.5;
    let Some(i1) = values.iter().position(|&v| v <= p + QUANTILE_TOLERANCE) else {
        return TimeEstimate::NotReached;
    };
    match rule {
        MedianRule::FirstAtOrBelow => TimeEstimate::Reached { time: times[i1] },
        MedianRule::MidpointOfFlat => {
            if (values[i1] - p).abs() < QUANTILE_TOLERANCE {
                let end = values
                    .iter()
                    .position(|&v| v < p - QUANTILE_TOLERANCE)
                    .map_or(last_time, |i2| times[i2]);
                TimeEstimate::Reached {
                    time: 0.5 * (times[i1] + end),
                }
            } else {
                TimeEstimate::Reached { time: times[i1] }
            }
        }
    }
}

/// Median and its interval by inverting the pointwise band. Where Ŝ = 0 the band is taken as
/// [0, 0] (lifelines' value there), so a band that has not crossed 0.5 before the curve ends
/// at 0 crosses at that time.
fn median_survival(rows: &[KmRow], rule: MedianRule) -> MedianSurvival {
    let times: Vec<f64> = rows.iter().map(|r| r.time).collect();
    let last = times.last().copied().unwrap_or(0.0);
    let s: Vec<f64> = rows.iter().map(|r| r.survival).collect();
    let band = |f: fn(&Interval) -> f64| -> Vec<f64> {
        rows.iter()
            .map(|r| r.ci.as_ref().map_or(r.survival, f))
            .collect()
    };
    let lo = band(|i| i.lower);
    let hi = band(|i| i.upper);
    MedianSurvival {
        median: quantile_half(&times, &s, last, rule),
        lower: quantile_half(&times, &lo, last, rule),
        upper: quantile_half(&times, &hi, last, rule),
    }
}

/// Kaplan–Meier curve of one group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KmGroup {
    /// Group label ("all" when the cohort has no groups).
    pub label: String,
    /// The curve.
    pub curve: KmCurve,
}

/// Kaplan–Meier curves of a cohort, one per group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KmReport {
    /// Unit of every time in the report.
    pub time_unit: TimeUnit,
    /// Where the data came from.
    pub source: String,
    /// Curves, in group display order.
    pub groups: Vec<KmGroup>,
}

/// Numbers at risk of every group at the given times.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AtRiskTable {
    /// The times, in the report's unit.
    pub times: Vec<f64>,
    /// (group label, counts at each time).
    pub groups: Vec<(String, Vec<usize>)>,
}

impl KmReport {
    /// Numbers at risk (duration ≥ t) of each group at `times`.
    pub fn at_risk(&self, times: &[f64]) -> AtRiskTable {
        AtRiskTable {
            times: times.to_vec(),
            groups: self
                .groups
                .iter()
                .map(|g| {
                    (
                        g.label.clone(),
                        times.iter().map(|&t| g.curve.at_risk_at(t)).collect(),
                    )
                })
                .collect(),
        }
    }
    /// The group with this label.
    pub fn group(&self, label: &str) -> Option<&KmCurve> {
        self.groups
            .iter()
            .find(|g| g.label == label)
            .map(|g| &g.curve)
    }
}

/// Label of the single curve of a cohort without groups.
pub const ALL_SUBJECTS_LABEL: &str = "all";

/// Kaplan–Meier curves of a cohort: one per group, or one labelled "all" when no subject has a
/// group. Subjects without a group in a grouped cohort are left out of the per-group curves.
pub fn kaplan_meier(cohort: &Cohort, options: &KmOptions) -> Result<KmReport, KmError> {
    let labels = cohort.group_labels();
    let mut groups = Vec::new();
    if labels.is_empty() {
        groups.push(KmGroup {
            label: ALL_SUBJECTS_LABEL.to_string(),
            curve: KmCurve::fit(&cohort.durations(), &cohort.events(), options)?,
        });
    } else {
        for label in labels {
            let (d, e): (Vec<f64>, Vec<bool>) = cohort
                .subjects()
                .iter()
                .filter(|s| s.group.as_deref() == Some(label.as_str()))
                .map(|s| (s.duration, s.event))
                .unzip();
            let curve = KmCurve::fit(&d, &e, options).map_err(|e| match e {
                KmError::Empty { .. } => KmError::Empty {
                    group: format!(" for group {label}"),
                },
                other => other,
            })?;
            groups.push(KmGroup { label, curve });
        }
    }
    Ok(KmReport {
        time_unit: cohort.time_unit(),
        source: cohort.source().to_string(),
        groups,
    })
}

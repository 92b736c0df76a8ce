//! Log-rank test for k ≥ 2 groups (clinical-rules.md §6.1): O − E per group, hypergeometric
//! covariance, χ² on k − 1 degrees of freedom.

use crate::linalg::{cholesky, cholesky_solve};
use crate::special::chi2_sf;
use crate::table::Cohort;
use serde::Serialize;

/// Observed and expected events of one group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogRankGroup {
    /// Group label.
    pub label: String,
    /// Subjects.
    pub n: usize,
    /// Observed events O.
    pub observed: usize,
    /// Expected events E = Σ d_t n_jt / n_t.
    pub expected: f64,
    /// Variance of O − E (diagonal of the hypergeometric covariance).
    pub variance: f64,
}

/// Result of the log-rank test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogRankResult {
    /// Groups, in display order.
    pub groups: Vec<LogRankGroup>,
    /// χ² statistic (O − E)ᵀ V⁻¹ (O − E) over the first k − 1 groups.
    pub chi2: f64,
    /// Degrees of freedom k − 1.
    pub df: usize,
    /// Upper-tail χ² p-value.
    pub p_value: f64,
}

/// Why a log-rank test could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogRankError {
    /// Fewer than two groups.
    #[error("log-rank test: expected at least 2 groups, found {found}")]
    Groups {
        /// Groups found.
        found: usize,
    },
    /// Inputs of different lengths.
    #[error("log-rank test: expected {expected} values per input, found {found}")]
    Length {
        /// Durations given.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A group index is out of range.
    #[error("log-rank test: subject {index}: expected a group index below {groups}, found {found}")]
    GroupIndex {
        /// Subject.
        index: usize,
        /// Number of groups.
        groups: usize,
        /// Index found.
        found: usize,
    },
    /// No events, or the covariance of O − E is singular (a group never at risk at an event).
    #[error("log-rank test: expected events with every group at risk, found {found}")]
    Degenerate {
        /// What was found.
        found: String,
    },
}

/// Log-rank test of the cohort's groups (subjects without a group are left out).
pub fn logrank(cohort: &Cohort) -> Result<LogRankResult, LogRankError> {
    let labels = cohort.group_labels();
    if labels.len() < 2 {
        return Err(LogRankError::Groups {
            found: labels.len(),
        });
    }
    let mut d = Vec::new();
    let mut e = Vec::new();
    let mut g = Vec::new();
    for s in cohort.subjects() {
        if let Some(k) = s
            .group
            .as_ref()
            .and_then(|l| labels.iter().position(|x| x == l))
        {
            d.push(s.duration);
            e.push(s.event);
            g.push(k);
        }
    }
    logrank_test(&d, &e, &g, &labels)
}

/// Log-rank test from arrays: `group[i]` indexes `labels`.
pub fn logrank_test(
    durations: &[f64],
    events: &[bool],
    group: &[usize],
    labels: &[String],
) -> Result<LogRankResult, LogRankError> {
    let k = labels.len();
    if k < 2 {
        return Err(LogRankError::Groups { found: k });
    }
    for len in [events.len(), group.len()] {
        if len != durations.len() {
            return Err(LogRankError::Length {
                expected: durations.len(),
                found: len,
            });
        }
    }
    if let Some((index, &found)) = group.iter().enumerate().find(|(_, g)| **g >= k) {
        return Err(LogRankError::GroupIndex {
            index,
            groups: k,
            found,
        });
    }
    let mut order: Vec<usize> = (0..durations.len()).collect();
    order.sort_by(|&a, &b| durations[a].total_cmp(&durations[b]));
    let mut at_risk = vec![0usize; k];
    for &gi in group {
        at_risk[gi] += 1;
    }
    let n_per_group = at_risk.clone();
    let mut observed = vec![0usize; k];
    let mut expected = vec![0.0; k];
    let mut cov = vec![0.0; k * k];
    let mut i = 0;
    while i < order.len() {
        let t = durations[order[i]];
        let start = i;
        let mut dj = vec![0usize; k];
        while i < order.len() && durations[order[i]] == t {
            if events[order[i]] {
                dj[group[order[i]]] += 1;
            }
            i += 1;
        }
        let dt: usize = dj.iter().sum();
        let nt: usize = at_risk.iter().sum();
        if dt > 0 {
            let (dtf, ntf) = (dt as f64, nt as f64);
            let factor = if nt > 1 {
                dtf * (ntf - dtf) / (ntf - 1.0)
            } else {
                0.0
            };
            for a in 0..k {
                observed[a] += dj[a];
                let pa = at_risk[a] as f64 / ntf;
                expected[a] += dtf * pa;
                for b in 0..k {
                    let pb = at_risk[b] as f64 / ntf;
                    let delta = if a == b { 1.0 } else { 0.0 };
                    cov[a * k + b] += factor * pa * (delta - pb);
                }
            }
        }
        for &o in &order[start..i] {
            at_risk[group[o]] -= 1;
        }
    }
    let m = k - 1;
    let diff: Vec<f64> = (0..m).map(|a| observed[a] as f64 - expected[a]).collect();
    let mut v = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            v[a * m + b] = cov[a * k + b];
        }
    }
    let l = cholesky(&v, m).map_err(|j| LogRankError::Degenerate {
        found: if observed.iter().sum::<usize>() == 0 {
            "no events".to_string()
        } else {
            format!(
                "a singular covariance (group \"{}\" carries no information)",
                labels[j]
            )
        },
    })?;
    let sol = cholesky_solve(&l, m, &diff);
    let chi2: f64 = diff.iter().zip(&sol).map(|(a, b)| a * b).sum();
    let df = m;
    Ok(LogRankResult {
        groups: (0..k)
            .map(|a| LogRankGroup {
                label: labels[a].clone(),
                n: n_per_group[a],
                observed: observed[a],
                expected: expected[a],
                variance: cov[a * k + a],
            })
            .collect(),
        chi2,
        df,
        p_value: chi2_sf(chi2, df as f64),
    })
}

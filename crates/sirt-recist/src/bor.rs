//! Best overall response from a series of time-point responses, without and with confirmation.
//!
//! Without confirmation (RECIST 1.1 §4.4.3; admiralonco `derive_param_bor`): the best time-point
//! response up to and including the first PD, ranked CR > PR > SD > non-CR/non-PD > PD > NE; SD
//! and non-CR/non-PD count only at least `sd_min_days` after the reference date (otherwise NE);
//! ties go to the earliest.
//!
//! With confirmation (RECIST 1.1 §4.6 and Table 3; admiralonco `derive_param_confirmed_bor`):
//! a CR counts when a later CR at least `min_confirmation_days` after it follows with only CR or
//! NE between (at most `max_ne_between` NE); a PR counts when a later CR or PR at least
//! `min_confirmation_days` after it follows with only CR, PR, SD or NE between (at most
//! `max_ne_between` NE, at most one SD when `accept_sd_between`, no PR after a CR). An
//! unconfirmed CR or PR counts as SD when the SD duration is met, otherwise NE; in non-target
//! disease only ([`Disease::NonTargetOnly`]) an unconfirmed CR counts as non-CR/non-PD, the
//! category Table 2 assigns instead of SD. When nothing better than NE remains and a CR was
//! followed by a PR, SD or non-CR/non-PD, the disease came back after CR and the best response
//! is PD (Table 3 rows "CR, SD" and "CR, PR", footnote a).

use jiff::civil::Date;
use serde::Serialize;

use crate::params::Params;
use crate::response::OverallResponse;

/// What disease a series follows: the rules for an unconfirmed complete response differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Disease {
    /// Target lesions at baseline (with or without non-targets): RECIST 1.1 Table 1.
    #[serde(rename = "target")]
    Target,
    /// Non-target lesions only: RECIST 1.1 Table 2, whose categories are CR, non-CR/non-PD, PD
    /// and NE. "Non-CR/non-PD" is preferred over "stable disease" for non-target disease
    /// (Eisenhauer 2009, footnote of Table 2: SD is used as an efficacy endpoint, so it is not
    /// assigned when no lesion can be measured); for the best response non-CR/non-PD counts
    /// like SD (the same minimum duration, ranked just below it; admiralonco
    /// `derive_param_confirmed_bor`). Seymour L et al., Lancet Oncol 2017;18:e143–e152
    /// (iRECIST) Table 3 legend restates it: "for patients with non-target disease only at
    /// baseline, only CR or non-CR/non-PD can be assigned at each timepoint".
    #[serde(rename = "non-target only")]
    NonTargetOnly,
}

impl Disease {
    /// What an unconfirmed CR counts as once the SD duration is met: SD with targets,
    /// non-CR/non-PD without (never SD, which Table 2 does not assign).
    fn unconfirmed_cr(self) -> OverallResponse {
        match self {
            Disease::Target => OverallResponse::Sd,
            Disease::NonTargetOnly => OverallResponse::NonCrNonPd,
        }
    }
}

/// One time-point response with its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Scan date.
    pub date: Date,
    /// Overall response at that date.
    pub response: OverallResponse,
}

/// A best overall response with the time point it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BestResponse {
    /// The category.
    pub response: OverallResponse,
    /// The time point it was first met (`None` when there was no assessment).
    pub date: Option<Date>,
    /// For a confirmed CR or PR, the date of the confirming assessment.
    pub confirmed_on: Option<Date>,
    /// Why, when it is not simply the best time point (downgrade, footnote, no assessment).
    pub note: Option<String>,
}

/// Days from `a` to `b` (negative when `b` is earlier), on the proleptic Gregorian calendar.
pub(crate) fn days_between(a: Date, b: Date) -> i64 {
    day_number(b) - day_number(a)
}

/// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
fn day_number(d: Date) -> i64 {
    let (mut y, m, day) = (
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    );
    if m <= 2 {
        y -= 1;
    }
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Index of the assessment that confirms the CR at `i`, if any.
fn confirm_cr(points: &[Assessment], i: usize, p: &Params) -> Option<usize> {
    use OverallResponse as R;
    let min = i64::from(p.min_confirmation_days);
    let j = (i + 1..points.len()).find(|&j| {
        points[j].response == R::Cr && days_between(points[i].date, points[j].date) >= min
    })?;
    let between = &points[i + 1..=j];
    let only_cr_ne = between.iter().all(|a| matches!(a.response, R::Cr | R::Ne));
    let ne = between.iter().filter(|a| a.response == R::Ne).count();
    (only_cr_ne && ne <= p.max_ne_between as usize).then_some(j)
}

/// Index of the assessment that confirms the PR at `i`, if any.
fn confirm_pr(points: &[Assessment], i: usize, p: &Params) -> Option<usize> {
    use OverallResponse as R;
    let min = i64::from(p.min_confirmation_days);
    let j = (i + 1..points.len()).find(|&j| {
        matches!(points[j].response, R::Cr | R::Pr)
            && days_between(points[i].date, points[j].date) >= min
    })?;
    let between = &points[i + 1..=j];
    let allowed = between
        .iter()
        .all(|a| matches!(a.response, R::Cr | R::Pr | R::Sd | R::Ne));
    let ne = between.iter().filter(|a| a.response == R::Ne).count();
    let sd = between.iter().filter(|a| a.response == R::Sd).count();
    let max_sd = usize::from(p.accept_sd_between);
    let first_cr = between.iter().position(|a| a.response == R::Cr);
    let last_pr = between.iter().rposition(|a| a.response == R::Pr);
    let pr_after_cr = matches!((first_cr, last_pr), (Some(c), Some(r)) if r > c);
    (allowed && ne <= p.max_ne_between as usize && sd <= max_sd && !pr_after_cr).then_some(j)
}

/// Whether a CR or PR at `i` is confirmed within `points`.
pub(crate) fn confirmed(points: &[Assessment], i: usize, p: &Params) -> Option<usize> {
    match points.get(i)?.response {
        OverallResponse::Cr => confirm_cr(points, i, p),
        OverallResponse::Pr => confirm_pr(points, i, p),
        _ => None,
    }
}

/// The best overall response of `points` (in date order), with `reference` the date the SD
/// duration runs from (treatment start, else the baseline scan), for a series following
/// `disease`.
pub fn best_overall_response(
    points: &[Assessment],
    reference: Date,
    params: &Params,
    confirmation: bool,
    disease: Disease,
) -> BestResponse {
    use OverallResponse as R;
    let end = points
        .iter()
        .position(|a| a.response == R::Pd)
        .map_or(points.len(), |i| i + 1);
    let points = &points[..end];
    if points.is_empty() {
        return BestResponse {
            response: R::Ne,
            date: None,
            confirmed_on: None,
            note: Some("no follow-up assessment".to_owned()),
        };
    }
    let sd_min = i64::from(params.sd_min_days);
    let mut best: Option<(R, usize, Option<usize>, Option<String>)> = None;
    for (i, a) in points.iter().enumerate() {
        let sd_ok = days_between(reference, a.date) >= sd_min;
        let too_early = || {
            Some(format!(
                "{} on {} is less than {} days after the reference date {}",
                a.response.label(),
                a.date,
                params.sd_min_days,
                reference
            ))
        };
        let (r, conf, note) = match a.response {
            R::Cr | R::Pr if !confirmation => (a.response, None, None),
            R::Cr | R::Pr => match confirmed(points, i, params) {
                Some(j) => (a.response, Some(j), None),
                None if sd_ok => {
                    let counts = if a.response == R::Cr {
                        disease.unconfirmed_cr()
                    } else {
                        R::Sd
                    };
                    (
                        counts,
                        None,
                        Some(format!(
                            "{} on {} not confirmed; counts as {}",
                            a.response.label(),
                            a.date,
                            counts.label()
                        )),
                    )
                }
                None => (
                    R::Ne,
                    None,
                    Some(format!(
                        "{} on {} not confirmed, and before the SD minimum of {} days",
                        a.response.label(),
                        a.date,
                        params.sd_min_days
                    )),
                ),
            },
            R::Sd | R::NonCrNonPd if sd_ok => (a.response, None, None),
            R::Sd | R::NonCrNonPd => (R::Ne, None, too_early()),
            R::Pd | R::Ne => (a.response, None, None),
        };
        let better = match &best {
            None => true,
            Some((b, ..)) => r.rank() < b.rank(),
        };
        if better {
            best = Some((r, i, conf, note));
        }
    }
    let Some((mut r, i, conf, mut note)) = best else {
        return BestResponse {
            response: R::Ne,
            date: None,
            confirmed_on: None,
            note: Some("no follow-up assessment".to_owned()),
        };
    };
    let mut date = points[i].date;
    if confirmation && r == R::Ne {
        let cr_then_worse = points.iter().enumerate().find_map(|(k, a)| {
            (a.response == R::Cr)
                .then(|| {
                    points[k + 1..]
                        .iter()
                        .find(|b| matches!(b.response, R::Pr | R::Sd | R::NonCrNonPd))
                        .map(|b| (a.date, *b))
                })
                .flatten()
        });
        if let Some((cr_date, later)) = cr_then_worse {
            r = R::Pd;
            date = later.date;
            note = Some(format!(
                "CR on {cr_date} followed by {} on {} before the SD minimum: disease came back \
                 after CR (RECIST 1.1 Table 3, footnote a); re-review the CR",
                later.response.label(),
                later.date
            ));
        }
    }
    BestResponse {
        response: r,
        date: Some(date),
        confirmed_on: conf.map(|j| points[j].date),
        note,
    }
}

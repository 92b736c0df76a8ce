//! The evaluation: per time point sum, nadir, target / non-target / new-lesion / overall response
//! and reasons, for all lesions (global) and for the liver lesions only (hepatic), and the best
//! overall response without and with confirmation.

use jiff::civil::Date;
use serde::Serialize;

use crate::baseline::{check, density_used, uses_viable};
use crate::bor::{
    Assessment, BestResponse, Disease, best_overall_response, confirmed, days_between,
};
use crate::error::{Finding, RecistError, Severity};
use crate::input::{
    Diameter, Lesion, LesionKind, LesionStatus, Series, TumourMarkers, Unassessed, Visit, is_liver,
};
use crate::params::{CHOI_DENSITY_PR, Criteria, NODE_PATHOLOGICAL_MIN_TENTH_MM, Params, SizeRule};
use crate::response::{
    NewLesions, NonTargetResponse, OverallResponse, TargetResponse, overall_with_targets,
    overall_without_targets,
};

/// Which lesions a track follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// Every lesion.
    #[serde(rename = "global")]
    Global,
    /// Lesions whose organ is the liver (targets, non-targets and new lesions); tumour markers
    /// are not used.
    #[serde(rename = "hepatic")]
    Hepatic,
}

/// One follow-up time point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimePoint {
    /// "follow-up N".
    pub visit: String,
    /// Scan date.
    pub date: Date,
    /// Days since the baseline scan.
    pub days_from_baseline: i64,
    /// Sum of the target diameters (tenths of a mm); `None` when a target was not measured.
    pub sum_tenth_mm: Option<u64>,
    /// When some targets were not measured: the sum of those that were.
    pub measured_sum_tenth_mm: Option<u64>,
    /// The reference for PD: the smallest complete sum before this visit, baseline included.
    pub nadir_tenth_mm: Option<u64>,
    /// Change of the sum from baseline, tenths of a percent, rounded half away from zero.
    pub change_from_baseline_tenth_pct: Option<i64>,
    /// Change of the sum from the nadir, tenths of a percent, rounded half away from zero.
    pub change_from_nadir_tenth_pct: Option<i64>,
    /// Choi: change of the summed target attenuation from baseline, tenths of a percent.
    pub density_change_tenth_pct: Option<i64>,
    /// Target response (`None` without target lesions).
    pub target: Option<TargetResponse>,
    /// Non-target response (`None` without non-target lesions and markers not above normal).
    pub non_target: Option<NonTargetResponse>,
    /// New lesions.
    pub new_lesions: NewLesions,
    /// Overall time-point response.
    pub overall: OverallResponse,
    /// The lesions of the track without a usable record at this visit, and why (not done, or
    /// assessed but not evaluable): RECIST 1.1 §4.3.4.
    pub unassessed: Vec<UnassessedLesion>,
    /// Reasons: NE causes, PD causes, continued PR, equivocal lesions.
    pub notes: Vec<String>,
}

/// A baseline lesion without a usable record at a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnassessedLesion {
    /// The lesion's id.
    pub lesion: String,
    /// Target or non-target.
    pub kind: LesionKind,
    /// Not done, or not evaluable.
    pub cause: Unassessed,
}

/// The response history of one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Track {
    /// Global or hepatic.
    pub scope: Scope,
    /// Target disease (Table 1) or non-target disease only (Table 2).
    pub disease: Disease,
    /// Target lesion ids.
    pub targets: Vec<String>,
    /// Non-target lesion ids.
    pub non_targets: Vec<String>,
    /// Baseline sum of diameters (`None` without targets).
    pub baseline_sum_tenth_mm: Option<u64>,
    /// Whether the Choi density criterion is applied.
    pub density_criterion: bool,
    /// Time points under the parameters' confirmation rule.
    pub time_points: Vec<TimePoint>,
    /// Best overall response under the parameters' confirmation rule.
    pub best: BestResponse,
    /// Best overall response when confirmation is not required.
    pub best_unconfirmed: BestResponse,
    /// Best overall response when confirmation is required.
    pub best_confirmed: BestResponse,
    /// Date of the first PD time point.
    pub first_progression: Option<Date>,
    /// Dates whose time-point response differs under the other confirmation rule (a continued
    /// PR, or reappearance after CR, depends on whether the response had to be confirmed).
    pub other_rule_differs_on: Vec<Date>,
}

/// The evaluation of one patient's series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// File name as given.
    pub file: String,
    /// Pseudonymous patient identifier.
    pub patient: Option<String>,
    /// The parameters applied (caller's, with the file's `[protocol]` on top).
    pub params: Params,
    /// The date the SD duration runs from.
    pub reference_date: Date,
    /// Whether `reference_date` is the treatment start (else the baseline scan).
    pub reference_is_treatment_start: bool,
    /// Warnings about the baseline and the follow-ups.
    pub findings: Vec<Finding>,
    /// All lesions.
    pub global: Track,
    /// Liver lesions only (`None` without a liver lesion at baseline).
    pub hepatic: Option<Track>,
    /// Why there is no hepatic track.
    pub hepatic_note: Option<String>,
    /// The series evaluated.
    pub series: Series,
}

/// Change from `reference` to `current` in tenths of a percent, rounded half away from zero;
/// `None` when the reference is zero.
pub fn change_tenth_pct(reference: i64, current: i64) -> Option<i64> {
    if reference == 0 {
        return None;
    }
    let num = i128::from(current - reference) * 1000;
    let den = i128::from(reference);
    let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
    let q = (2 * num.abs() + den) / (2 * den);
    let q = if num < 0 { -q } else { q };
    i64::try_from(q).ok()
}

struct Scoped<'a> {
    scope: Scope,
    targets: Vec<&'a Lesion>,
    non_targets: Vec<&'a Lesion>,
}

/// Evaluates a checked series. Baseline errors (non-measurable target, too many targets, ...)
/// refuse the evaluation with every error listed.
pub fn evaluate_series(
    series: &Series,
    file: &str,
    params: &Params,
) -> Result<Evaluation, RecistError> {
    let p = params.with(&series.protocol);
    let findings = check(series, &p);
    let errors: Vec<Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(RecistError::Baseline {
            file: file.to_owned(),
            criteria: p.criteria.label().to_owned(),
            findings: errors,
        });
    }
    let reference = series.treatment_start.unwrap_or(series.baseline.date);
    let scoped = |scope: Scope| {
        let keep = |l: &&Lesion| scope == Scope::Global || l.is_liver();
        Scoped {
            scope,
            targets: series
                .lesions
                .iter()
                .filter(|l| l.kind == LesionKind::Target)
                .filter(keep)
                .collect(),
            non_targets: series
                .lesions
                .iter()
                .filter(|l| l.kind == LesionKind::NonTarget)
                .filter(keep)
                .collect(),
        }
    };
    let global = track(series, &scoped(Scope::Global), &p, reference);
    let hep = scoped(Scope::Hepatic);
    let (hepatic, hepatic_note) = if hep.targets.is_empty() && hep.non_targets.is_empty() {
        (None, Some("no liver lesion at baseline".to_owned()))
    } else {
        (Some(track(series, &hep, &p, reference)), None)
    };
    Ok(Evaluation {
        file: file.to_owned(),
        patient: series.patient.clone(),
        params: p,
        reference_date: reference,
        reference_is_treatment_start: series.treatment_start.is_some(),
        findings: findings
            .into_iter()
            .filter(|f| f.severity == Severity::Warning)
            .collect(),
        global,
        hepatic,
        hepatic_note,
        series: series.clone(),
    })
}

fn track(series: &Series, sc: &Scoped<'_>, p: &Params, reference: Date) -> Track {
    let unconfirmed = run(series, sc, p, false);
    let confirmed_tp = run(series, sc, p, true);
    let points = |tps: &[TimePoint]| -> Vec<Assessment> {
        tps.iter()
            .map(|t| Assessment {
                date: t.date,
                response: t.overall,
            })
            .collect()
    };
    let disease = if sc.targets.is_empty() {
        Disease::NonTargetOnly
    } else {
        Disease::Target
    };
    let best_unconfirmed =
        best_overall_response(&points(&unconfirmed), reference, p, false, disease);
    let best_confirmed = best_overall_response(&points(&confirmed_tp), reference, p, true, disease);
    let other_rule_differs_on = unconfirmed
        .iter()
        .zip(&confirmed_tp)
        .filter(|(a, b)| a.overall != b.overall || a.target != b.target)
        .map(|(a, _)| a.date)
        .collect();
    let (time_points, best) = if p.confirmation_required {
        (confirmed_tp, best_confirmed.clone())
    } else {
        (unconfirmed, best_unconfirmed.clone())
    };
    let target_ids: Vec<&str> = sc.targets.iter().map(|l| l.id.as_str()).collect();
    let baseline_sum_tenth_mm = (!sc.targets.is_empty()).then(|| {
        sc.targets
            .iter()
            .map(|l| u64::from(baseline_value(series, l, p.criteria)))
            .sum()
    });
    Track {
        scope: sc.scope,
        disease,
        targets: target_ids.iter().map(|s| (*s).to_owned()).collect(),
        non_targets: sc.non_targets.iter().map(|l| l.id.clone()).collect(),
        baseline_sum_tenth_mm,
        density_criterion: matches!(p.criteria, Criteria::Choi | Criteria::ChoiModified)
            && density_used(series, &target_ids),
        first_progression: time_points
            .iter()
            .find(|t| t.overall == OverallResponse::Pd)
            .map(|t| t.date),
        time_points,
        best,
        best_unconfirmed,
        best_confirmed,
        other_rule_differs_on,
    }
}

/// The baseline value of a target (validated as measured before the evaluation runs).
fn baseline_value(series: &Series, l: &Lesion, criteria: Criteria) -> u32 {
    let viable = uses_viable(series, &l.id, criteria);
    let m = series.baseline.measurement(&l.id);
    match m.and_then(|m| if viable { m.viable } else { m.diameter }) {
        Some(Diameter::TenthMm(d)) => d,
        _ => 0,
    }
}

/// New-lesion status per follow-up, with an equivocal lesion confirmed later dated back to the
/// scan that first showed it (RECIST 1.1 §4.3.5).
fn new_lesion_status(series: &Series, scope: Scope) -> Vec<(NewLesions, Vec<String>)> {
    let visits = &series.follow_ups;
    visits
        .iter()
        .enumerate()
        .map(|(j, v)| {
            let in_scope = |organ: &str| scope == Scope::Global || is_liver(organ);
            let mut notes = Vec::new();
            let unequivocal: Vec<String> = v
                .new_lesions
                .iter()
                .filter(|n| !n.equivocal && in_scope(&n.organ))
                .map(|n| format!("`{}` ({})", n.id, n.organ))
                .collect();
            let mut status = NewLesions::No;
            if !unequivocal.is_empty() {
                status = NewLesions::Yes;
                notes.push(format!("new lesion {}", unequivocal.join(", ")));
            }
            for n in v
                .new_lesions
                .iter()
                .filter(|n| n.equivocal && in_scope(&n.organ))
            {
                let confirmed_on = visits[j + 1..].iter().find_map(|w| {
                    w.new_lesions
                        .iter()
                        .any(|m| m.id == n.id && !m.equivocal)
                        .then_some(w.date)
                });
                match confirmed_on {
                    Some(d) => {
                        status = NewLesions::Yes;
                        notes.push(format!(
                            "new lesion `{}` ({}) equivocal here, confirmed on {d}: PD dated to this scan (RECIST 1.1 §4.3.5)",
                            n.id, n.organ
                        ));
                    }
                    None => {
                        if status == NewLesions::No {
                            status = NewLesions::Equivocal;
                        }
                        notes.push(format!(
                            "equivocal new lesion `{}` ({}): PD only if a later scan confirms it",
                            n.id, n.organ
                        ));
                    }
                }
            }
            (status, notes)
        })
        .collect()
}

/// Why a target has no value at a visit: the cause and the sentence for the notes.
type NoValue = (Unassessed, String);

/// The value of a target at a visit, or why there is none: no record or `"not done"` is not
/// done; `"not evaluable"` is assessed but not evaluable (RECIST 1.1 §4.3.4).
fn target_value(
    v: &Visit,
    l: &Lesion,
    viable: bool,
    p: &Params,
    last_seen: Option<Date>,
) -> Result<u32, NoValue> {
    let field = if viable { "viable_mm" } else { "diameter_mm" };
    let seen = last_seen.map_or(String::new(), |d| format!(", last measured on {d}"));
    let not_done = |why: String| (Unassessed::NotDone, why);
    match v.measurement(&l.id) {
        None => Err(not_done(format!(
            "target `{}` not done (no record at this visit){seen}",
            l.id
        ))),
        Some(m) => match if viable { m.viable } else { m.diameter } {
            Some(Diameter::TenthMm(d)) => Ok(d),
            Some(Diameter::TooSmall) => Ok(p.too_small_tenth_mm),
            Some(Diameter::Unassessed(u)) => {
                Err((u, format!("target `{}` {}{seen}", l.id, u.label())))
            }
            None => Err(not_done(format!("target `{}` has no {field}{seen}", l.id))),
        },
    }
}

/// Whether a target value counts as gone for CR: 0 for a non-nodal lesion (or viable tumour),
/// short axis below 10 mm for a node (RECIST 1.1 §4.3.1).
fn is_gone(l: &Lesion, viable: bool, value: u32) -> bool {
    if l.nodal && !viable {
        value < NODE_PATHOLOGICAL_MIN_TENTH_MM
    } else {
        value == 0
    }
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn mm(t: u64) -> String {
    format!("{}.{} mm", t / 10, t % 10)
}

/// Since the last PD, whether a PR or CR has been assigned (and confirmed, when required):
/// returns its date.
fn pr_established(prefix: &[Assessment], p: &Params, confirmation: bool) -> Option<Date> {
    let start = prefix
        .iter()
        .rposition(|a| a.response == OverallResponse::Pd)
        .map_or(0, |i| i + 1);
    (start..prefix.len()).find_map(|i| {
        let a = prefix[i];
        let ok = matches!(a.response, OverallResponse::Pr | OverallResponse::Cr)
            && (!confirmation || confirmed(prefix, i, p).is_some());
        ok.then_some(a.date)
    })
}

/// Whether an overall CR was definitively assigned (confirmed, when required) and only CR or NE
/// followed: returns its date.
fn cr_established(prefix: &[Assessment], p: &Params, confirmation: bool) -> Option<Date> {
    use OverallResponse as R;
    let run_start = (0..prefix.len()).find(|&i| {
        prefix[i].response == R::Cr
            && prefix[i + 1..]
                .iter()
                .all(|a| matches!(a.response, R::Cr | R::Ne))
    })?;
    if !confirmation {
        return Some(prefix[run_start].date);
    }
    (run_start..prefix.len()).find_map(|k| {
        (prefix[k].response == R::Cr && confirmed(prefix, k, p).is_some()).then_some(prefix[k].date)
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DensityPr {
    NotUsed,
    Unknown,
    Met(bool),
}

/// What every time point of a track is judged against: the targets at baseline and the rules
/// of the parameters.
struct TrackBasis<'a> {
    sc: &'a Scoped<'a>,
    p: &'a Params,
    rule: SizeRule,
    target_ids: Vec<&'a str>,
    /// Whether each target is followed by its viable diameter (mRECIST).
    viable: Vec<bool>,
    /// Whether the Choi density criterion is applied.
    density_on: bool,
    /// Summed target attenuation at baseline (0 when one is missing).
    base_density: i64,
    base_sum: u64,
}

impl<'a> TrackBasis<'a> {
    fn new(series: &Series, sc: &'a Scoped<'a>, p: &'a Params) -> Self {
        let target_ids: Vec<&str> = sc.targets.iter().map(|l| l.id.as_str()).collect();
        let viable: Vec<bool> = sc
            .targets
            .iter()
            .map(|l| uses_viable(series, &l.id, p.criteria))
            .collect();
        let choi = matches!(p.criteria, Criteria::Choi | Criteria::ChoiModified);
        let density_on = choi && density_used(series, &target_ids);
        let base_sum: u64 = sc
            .targets
            .iter()
            .map(|l| u64::from(baseline_value(series, l, p.criteria)))
            .sum();
        let mut basis = Self {
            sc,
            p,
            rule: SizeRule::of(p.criteria),
            target_ids,
            viable,
            density_on,
            base_density: 0,
            base_sum,
        };
        basis.base_density = basis.density_of(&series.baseline).unwrap_or(0);
        basis
    }

    /// Summed target attenuation at a visit, when every target has one.
    fn density_of(&self, v: &Visit) -> Option<i64> {
        self.target_ids
            .iter()
            .map(|id| {
                v.measurement(id)
                    .and_then(|m| m.density_tenth_hu)
                    .map(i64::from)
            })
            .sum()
    }

    /// Each target's value at visit `v` (or why there is none); updates when each was last
    /// seen and lists in `reappeared` the targets measured but not gone.
    fn target_values(
        &self,
        v: &Visit,
        last_seen: &mut [Option<Date>],
        reappeared: &mut Vec<String>,
    ) -> Vec<Result<u32, NoValue>> {
        let sc = self.sc;
        let values: Vec<Result<u32, NoValue>> = sc
            .targets
            .iter()
            .zip(&self.viable)
            .zip(last_seen.iter())
            .map(|((l, &vb), &seen)| target_value(v, l, vb, self.p, seen))
            .collect();
        for (((l, &vb), val), seen) in sc
            .targets
            .iter()
            .zip(&self.viable)
            .zip(&values)
            .zip(last_seen.iter_mut())
        {
            if let Ok(d) = val {
                *seen = Some(v.date);
                if !is_gone(l, vb, *d) {
                    reappeared.push(format!("`{}`", l.id));
                }
            }
        }
        values
    }

    /// Whether the Choi density PR (attenuation down by the threshold) is met at visit `v`.
    fn density_pr(&self, v: &Visit) -> DensityPr {
        if !self.density_on {
            DensityPr::NotUsed
        } else {
            match self.density_of(v) {
                Some(d) => {
                    DensityPr::Met(d * CHOI_DENSITY_PR.1 <= self.base_density * CHOI_DENSITY_PR.0)
                }
                None => DensityPr::Unknown,
            }
        }
    }

    /// The target response of a visit whose every target was measured (sum `s`), by size
    /// against the baseline and the nadir, and by density under Choi.
    fn complete_target_response(
        &self,
        values: &[Result<u32, NoValue>],
        s: u64,
        nadir: u64,
        density_pr: DensityPr,
        notes: &mut Vec<String>,
    ) -> TargetResponse {
        let p = self.p;
        let all_gone = self
            .sc
            .targets
            .iter()
            .zip(&self.viable)
            .zip(values)
            .all(|((l, &vb), val)| matches!(val, Ok(d) if is_gone(l, vb, *d)));
        let size_pr = self.rule.is_pr(self.base_sum, s);
        let size_pd = self.rule.is_pd(nadir, s);
        if all_gone {
            TargetResponse::Cr
        } else if p.criteria == Criteria::Choi && density_pr == DensityPr::Met(true) {
            notes.push("PR by density (attenuation down at least 15 %, Choi)".to_owned());
            TargetResponse::Pr
        } else if size_pd && density_pr == DensityPr::Unknown {
            notes.push(
                "target attenuation not recorded for every target: Choi PD needs it".to_owned(),
            );
            TargetResponse::Ne
        } else if size_pd && density_pr != DensityPr::Met(true) {
            TargetResponse::Pd
        } else {
            match (p.criteria, density_pr) {
                (Criteria::ChoiModified, DensityPr::Met(d)) => {
                    if size_pr && d {
                        TargetResponse::Pr
                    } else {
                        TargetResponse::Sd
                    }
                }
                (Criteria::Choi | Criteria::ChoiModified, DensityPr::Unknown)
                    if !(size_pr && p.criteria == Criteria::Choi) =>
                {
                    notes.push(
                        "target attenuation not recorded for every target: the Choi density criterion cannot be applied"
                            .to_owned(),
                    );
                    TargetResponse::Ne
                }
                _ if size_pr => TargetResponse::Pr,
                _ => TargetResponse::Sd,
            }
        }
    }

    /// The target response of a visit where some target was not measured: PD when those
    /// measured already make it (size only), else NE; the reasons go to `notes`.
    fn incomplete_target_response(
        &self,
        values: &[Result<u32, NoValue>],
        measured_sum: u64,
        nadir: u64,
        notes: &mut Vec<String>,
    ) -> TargetResponse {
        for (_, why) in values.iter().filter_map(|r| r.as_ref().err()) {
            notes.push(why.clone());
        }
        if self.rule.is_pd(nadir, measured_sum) && !self.density_on {
            notes.push(format!(
                "the targets measured already sum to {}, PD over the nadir of {}",
                mm(measured_sum),
                mm(nadir)
            ));
            TargetResponse::Pd
        } else {
            TargetResponse::Ne
        }
    }
}

/// The non-target response at visit `v` (with tumour markers above normal when they apply):
/// `None` without non-targets and markers not above normal. A non-target without a record, or
/// `"not done"`, is not done; `"NE"` is assessed but not evaluable; either makes the response
/// NE unless another non-target is PD (RECIST 1.1 Table 1/2 "not all evaluated"). Non-targets
/// still present go to `reappeared`, unassessed ones to `unassessed`, reasons to `notes`.
fn non_target_response(
    sc: &Scoped<'_>,
    v: &Visit,
    markers_high: bool,
    notes: &mut Vec<String>,
    reappeared: &mut Vec<String>,
    unassessed: &mut Vec<UnassessedLesion>,
) -> Option<NonTargetResponse> {
    if sc.non_targets.is_empty() {
        return markers_high.then_some(NonTargetResponse::NonCrNonPd);
    }
    let mut any_pd = false;
    let mut any_ne = false;
    let mut all_cr = true;
    for l in &sc.non_targets {
        let status = v
            .measurement(&l.id)
            .and_then(|m| m.status)
            .unwrap_or(LesionStatus::Unassessed(Unassessed::NotDone));
        match status {
            LesionStatus::Unassessed(cause) => {
                any_ne = true;
                all_cr = false;
                notes.push(match (cause, v.measurement(&l.id)) {
                    (Unassessed::NotDone, None) => {
                        format!("non-target `{}` not done (no record at this visit)", l.id)
                    }
                    _ => format!("non-target `{}` {}", l.id, cause.label()),
                });
                unassessed.push(UnassessedLesion {
                    lesion: l.id.clone(),
                    kind: LesionKind::NonTarget,
                    cause,
                });
            }
            LesionStatus::Pd => {
                any_pd = true;
                all_cr = false;
                reappeared.push(format!("`{}`", l.id));
                notes.push(format!("non-target `{}` unequivocal progression", l.id));
            }
            LesionStatus::NonCrNonPd => {
                all_cr = false;
                reappeared.push(format!("`{}`", l.id));
            }
            LesionStatus::Cr => {}
        }
    }
    Some(if any_pd {
        NonTargetResponse::Pd
    } else if any_ne {
        NonTargetResponse::Ne
    } else if all_cr && !markers_high {
        NonTargetResponse::Cr
    } else {
        if all_cr {
            notes.push("tumour markers above normal: non-target not CR".to_owned());
        }
        NonTargetResponse::NonCrNonPd
    })
}

/// The overall response from the target, non-target and new-lesion responses.
fn overall_response(
    target: Option<TargetResponse>,
    non_target: Option<NonTargetResponse>,
    new: NewLesions,
) -> OverallResponse {
    match (target, non_target) {
        (Some(t), nt) => overall_with_targets(t, nt, new),
        (None, Some(nt)) => overall_without_targets(nt, new),
        (None, None) => overall_without_targets(NonTargetResponse::Cr, new),
    }
}

/// PD when a lesion came back (`reappeared`) after an established CR (reason in `notes`);
/// `overall` otherwise.
fn pd_on_return_after_cr(
    overall: OverallResponse,
    reappeared: &[String],
    assessments: &[Assessment],
    p: &Params,
    confirmation: bool,
    notes: &mut Vec<String>,
) -> OverallResponse {
    if overall != OverallResponse::Pd
        && !reappeared.is_empty()
        && let Some(d) = cr_established(assessments, p, confirmation)
    {
        notes.push(format!(
            "{} came back after the {}complete response of {d}: PD (EORTC RECIST FAQ \"Does a new lesion always result in PD?\")",
            reappeared.join(", "),
            if confirmation { "confirmed " } else { "" }
        ));
        return OverallResponse::Pd;
    }
    overall
}

/// The targets without a value at a visit, with why.
fn unassessed_targets(sc: &Scoped<'_>, values: &[Result<u32, NoValue>]) -> Vec<UnassessedLesion> {
    sc.targets
        .iter()
        .zip(values)
        .filter_map(|(l, v)| {
            v.as_ref().err().map(|(cause, _)| UnassessedLesion {
                lesion: l.id.clone(),
                kind: LesionKind::Target,
                cause: *cause,
            })
        })
        .collect()
}

/// The note of a visit at which no lesion of the track was assessed and no new lesion was
/// seen: NE, "when no imaging/measurement is done at all at a particular time point, the
/// patient is not evaluable (NE) at that time point" (RECIST 1.1 §4.3.4, quoted in the EORTC
/// RECIST FAQ "Surgery/radiotherapy and RECIST").
fn nothing_done_note(
    sc: &Scoped<'_>,
    unassessed: &[UnassessedLesion],
    new: NewLesions,
) -> Option<String> {
    let lesions = sc.targets.len() + sc.non_targets.len();
    let all_not_done =
        unassessed.len() == lesions && unassessed.iter().all(|u| u.cause == Unassessed::NotDone);
    (lesions > 0 && all_not_done && new == NewLesions::No).then(|| {
        "no lesion assessed at this time point: NE (RECIST 1.1 §4.3.4, missing assessment)"
            .to_owned()
    })
}

fn run(series: &Series, sc: &Scoped<'_>, p: &Params, confirmation: bool) -> Vec<TimePoint> {
    let basis = TrackBasis::new(series, sc, p);
    let base_sum = basis.base_sum;
    let new_status = new_lesion_status(series, sc.scope);
    let markers_apply = sc.scope == Scope::Global;

    let mut nadir = base_sum;
    let mut last_seen: Vec<Option<Date>> = vec![Some(series.baseline.date); sc.targets.len()];
    let mut assessments: Vec<Assessment> = Vec::new();
    let mut out = Vec::new();

    for (vi, v) in series.follow_ups.iter().enumerate() {
        let mut notes = Vec::new();
        let mut reappeared: Vec<String> = Vec::new();

        // Targets.
        let values = basis.target_values(v, &mut last_seen, &mut reappeared);
        let measured_sum: u64 = values.iter().flatten().map(|&d| u64::from(d)).sum();
        let complete = values.iter().all(Result::is_ok);
        let density_pr = basis.density_pr(v);
        let density_change_tenth_pct = if basis.density_on {
            basis
                .density_of(v)
                .and_then(|d| change_tenth_pct(basis.base_density, d))
        } else {
            None
        };
        let mut target = None;
        if !sc.targets.is_empty() {
            let t = if complete {
                basis.complete_target_response(&values, measured_sum, nadir, density_pr, &mut notes)
            } else {
                basis.incomplete_target_response(&values, measured_sum, nadir, &mut notes)
            };
            target = Some(t);
        }

        // Stickiness of an established PR (EORTC RECIST FAQ "Managing PR when TP measurements
        // change slightly over time").
        if target == Some(TargetResponse::Sd)
            && let Some(d) = pr_established(&assessments, p, confirmation)
        {
            target = Some(TargetResponse::Pr);
            notes.push(format!(
                "continued PR: the {}response of {d} holds until PD (EORTC RECIST FAQ)",
                if confirmation { "confirmed " } else { "" }
            ));
        }

        let mut unassessed = unassessed_targets(sc, &values);
        let markers_high = markers_apply && v.tumour_markers == Some(TumourMarkers::AboveNormal);
        let non_target = non_target_response(
            sc,
            v,
            markers_high,
            &mut notes,
            &mut reappeared,
            &mut unassessed,
        );

        // New lesions.
        let (new, new_notes) = new_status
            .get(vi)
            .cloned()
            .unwrap_or((NewLesions::No, Vec::new()));
        notes.extend(new_notes);
        if let Some(n) = nothing_done_note(sc, &unassessed, new) {
            notes.push(n);
        }

        let overall = pd_on_return_after_cr(
            overall_response(target, non_target, new),
            &reappeared,
            &assessments,
            p,
            confirmation,
            &mut notes,
        );

        let sum_tenth_mm = (complete && !sc.targets.is_empty()).then_some(measured_sum);
        let has_targets = !sc.targets.is_empty();
        out.push(TimePoint {
            visit: v.label.clone(),
            date: v.date,
            days_from_baseline: days_between(series.baseline.date, v.date),
            sum_tenth_mm,
            measured_sum_tenth_mm: (has_targets && !complete).then_some(measured_sum),
            nadir_tenth_mm: has_targets.then_some(nadir),
            change_from_baseline_tenth_pct: sum_tenth_mm
                .and_then(|s| change_tenth_pct(signed(base_sum), signed(s))),
            change_from_nadir_tenth_pct: sum_tenth_mm
                .and_then(|s| change_tenth_pct(signed(nadir), signed(s))),
            density_change_tenth_pct,
            target,
            non_target,
            new_lesions: new,
            overall,
            unassessed,
            notes,
        });
        if let Some(s) = sum_tenth_mm {
            nadir = nadir.min(s);
        }
        assessments.push(Assessment {
            date: v.date,
            response: overall,
        });
    }
    out
}

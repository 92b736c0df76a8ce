//! Toxicity timeline of one patient: CTCAE grade of every dated laboratory value, baseline
//! grade, worst grade after SIRT with its day, REILD per Braat's definition and Braat's
//! hepatotoxicity grade.

use crate::ctcae::{self, Baseline, CtcaeError, CtcaeVersion, GradeOutcome, LabContext, LabTerm};
use crate::record::{Ascites, LabSet, LiverTreatment, PatientRecord};
use jiff::ToSpan;
use jiff::civil::Date;

/// REILD onset window start after SIRT: 2 weeks. Braat MNGJA et al., "Radioembolization-induced
/// liver disease: a systematic review", Eur J Gastroenterol Hepatol 2017;29:144–152, as quoted
/// in van Roekel's thesis p. 39 (clinical-rules.md §3.3 \[S]).
pub const REILD_WINDOW_START_DAYS: i64 = 14;
/// REILD onset window end after SIRT: 4 months (calendar months). Braat 2017 (clinical-rules.md
/// §3.3 \[S]).
pub const REILD_WINDOW_END_MONTHS: i64 = 4;

/// When a value was taken relative to the treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the baseline value (or before treatment when there is no treatment).
    Before,
    /// The baseline: latest value on or before the treatment date.
    Baseline,
    /// After treatment.
    After,
}

/// One graded value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    /// Sampling date.
    pub date: Date,
    /// Days after the treatment (negative before); `None` without a treatment.
    pub day: Option<i64>,
    /// The value with its unit, as written (bilirubin) or in the base unit.
    pub value: String,
    /// Phase.
    pub phase: Phase,
    /// Grade.
    pub grade: GradeOutcome,
}

/// The worst grade after treatment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Worst {
    /// Grade.
    pub grade: u8,
    /// First date it was reached.
    pub date: Date,
    /// Days after treatment (time to onset of the worst grade).
    pub day: i64,
    /// The value.
    pub value: String,
}

/// One laboratory term over time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabTrack {
    /// CTCAE term.
    pub term: LabTerm,
    /// CTCAE term name.
    pub name: &'static str,
    /// Points, by date.
    pub points: Vec<Point>,
    /// Grade of the baseline, when there is one.
    pub baseline_grade: Option<GradeOutcome>,
    /// Worst graded value after treatment.
    pub worst_after: Option<Worst>,
    /// First day after treatment with a grade above the baseline grade.
    pub first_worsening_day: Option<i64>,
    /// Values after treatment that CTCAE v5.0 does not grade (each point says why).
    pub not_gradable_after: usize,
}

impl LabTrack {
    /// Baseline grade, when graded.
    pub fn baseline(&self) -> Option<u8> {
        self.baseline_grade.as_ref().and_then(GradeOutcome::grade)
    }
}

/// REILD status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReildStatus {
    /// Every criterion met and tumour progression and biliary obstruction recorded as absent.
    Met,
    /// Every criterion met but progression or obstruction not recorded as absent.
    Possible,
    /// A criterion is not met, or the deterioration is explained by progression or obstruction.
    NotMet,
    /// A criterion cannot be decided from the record.
    NotEvaluated,
}

/// REILD assessment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reild {
    /// Status.
    pub status: ReildStatus,
    /// The onset window (2 weeks to 4 months after treatment).
    pub window: Option<(Date, Date)>,
    /// When all criteria were first met.
    pub onset: Option<Date>,
    /// Days after treatment of the onset.
    pub onset_day: Option<i64>,
    /// Criterion by criterion.
    pub reasons: Vec<String>,
}

/// Braat hepatotoxicity grade.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BraatGrade {
    /// 0–5, or `None` when the record does not decide it.
    pub grade: Option<u8>,
    /// Why.
    pub explanation: String,
}

/// The toxicity timeline of a patient.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Timeline {
    /// Patient id.
    pub patient_id: String,
    /// The record's file name.
    pub file: String,
    /// CTCAE version.
    pub version: CtcaeVersion,
    /// Treatment date (day 0).
    pub treatment_date: Option<Date>,
    /// Anticoagulation as recorded.
    pub anticoagulated: Option<bool>,
    /// One track per term with any value.
    pub tracks: Vec<LabTrack>,
    /// REILD.
    pub reild: Reild,
    /// Braat grade.
    pub braat: BraatGrade,
}

/// Values of one term: (date, value in the term's unit, text).
fn series(record: &PatientRecord, term: LabTerm) -> Vec<(Date, f64, String)> {
    let pick = |l: &LabSet| -> Option<(f64, String)> {
        match term {
            LabTerm::BilirubinIncreased => {
                l.bilirubin.map(|b| (b.value.mg_per_dl(), b.to_string()))
            }
            LabTerm::AstIncreased => l.ast.map(|v| (v.u_per_l(), v.to_string())),
            LabTerm::AltIncreased => l.alt.map(|v| (v.u_per_l(), v.to_string())),
            LabTerm::AlpIncreased => l.alp.map(|v| (v.u_per_l(), v.to_string())),
            LabTerm::GgtIncreased => l.ggt.map(|v| (v.u_per_l(), v.to_string())),
            LabTerm::Hypoalbuminemia => l.albumin.map(|v| (v.g_per_l(), v.to_string())),
            LabTerm::PlateletCountDecreased => l.platelets.map(|v| (v.per_nl(), v.to_string())),
            LabTerm::InrIncreased => l.inr.map(|v| (v.value(), format!("INR {v}"))),
        }
    };
    record
        .labs
        .iter()
        .filter_map(|l| pick(l).map(|(v, t)| (l.date, v, t)))
        .collect()
}

fn limits(record: &PatientRecord, term: LabTerm) -> (Option<f64>, Option<f64>) {
    let r = &record.reference_ranges;
    match term {
        LabTerm::BilirubinIncreased => (r.bilirubin_uln.map(|b| b.value.mg_per_dl()), None),
        LabTerm::AstIncreased => (r.ast_uln.map(|v| v.u_per_l()), None),
        LabTerm::AltIncreased => (r.alt_uln.map(|v| v.u_per_l()), None),
        LabTerm::AlpIncreased => (r.alp_uln.map(|v| v.u_per_l()), None),
        LabTerm::GgtIncreased => (r.ggt_uln.map(|v| v.u_per_l()), None),
        LabTerm::Hypoalbuminemia => (None, r.albumin_lln.map(|v| v.g_per_l())),
        LabTerm::PlateletCountDecreased => (None, r.platelets_lln.map(|v| v.per_nl())),
        LabTerm::InrIncreased => (None, None),
    }
}

fn days_between(from: Date, to: Date) -> i64 {
    to.since(from).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

fn track(
    record: &PatientRecord,
    term: LabTerm,
    version: CtcaeVersion,
) -> Result<Option<LabTrack>, CtcaeError> {
    let values = series(record, term);
    if values.is_empty() {
        return Ok(None);
    }
    let (uln, lln) = limits(record, term);
    let treated = record.treatment.as_ref().map(|t| t.date);
    let baseline_index = treated.and_then(|t| values.iter().rposition(|(d, _, _)| *d <= t));
    let baseline_value = baseline_index.map(|i| values[i].1);
    let mut points = Vec::with_capacity(values.len());
    for (i, (date, value, text)) in values.iter().enumerate() {
        let phase = match (treated, baseline_index) {
            (Some(t), _) if *date > t => Phase::After,
            (_, Some(b)) if i == b => Phase::Baseline,
            _ => Phase::Before,
        };
        let baseline = match phase {
            Phase::After => baseline_value.map_or(Baseline::Missing, Baseline::Value),
            Phase::Baseline | Phase::Before => Baseline::ThisIsBaseline,
        };
        let ctx = LabContext {
            baseline,
            uln,
            lln,
            anticoagulated: record.clinical.anticoagulated,
        };
        points.push(Point {
            date: *date,
            day: treated.map(|t| days_between(t, *date)),
            value: text.clone(),
            phase,
            grade: ctcae::grade(version, term, *value, &ctx)?,
        });
    }
    let baseline_grade = baseline_index.map(|i| points[i].grade.clone());
    let base = baseline_grade.as_ref().and_then(GradeOutcome::grade);
    let mut worst_after: Option<Worst> = None;
    let mut first_worsening_day = None;
    let mut not_gradable_after = 0;
    for p in points.iter().filter(|p| p.phase == Phase::After) {
        let Some(g) = p.grade.grade() else {
            not_gradable_after += 1;
            continue;
        };
        if worst_after.as_ref().is_none_or(|w| g > w.grade) {
            worst_after = Some(Worst {
                grade: g,
                date: p.date,
                day: p.day.unwrap_or(0),
                value: p.value.clone(),
            });
        }
        if first_worsening_day.is_none() && base.is_some_and(|b| g > b) {
            first_worsening_day = p.day;
        }
    }
    Ok(Some(LabTrack {
        term,
        name: term.name(),
        points,
        baseline_grade,
        worst_after,
        first_worsening_day,
        not_gradable_after,
    }))
}

/// Grades every laboratory value of the record and derives the REILD flag and Braat grade.
///
/// The baseline of a term is its latest value on or before the treatment date and is graded
/// against the reference range (× ULN); later values use the v5.0 baseline rules. Without a
/// treatment date every value is graded against the reference range and nothing is "after".
pub fn grade_labs(record: &PatientRecord, version: CtcaeVersion) -> Result<Timeline, CtcaeError> {
    // Refused for every record, also one without lab values.
    for term in LabTerm::ALL {
        crate::ctcae::supported(version, term)?;
    }
    let mut tracks = Vec::new();
    for term in LabTerm::ALL {
        if let Some(t) = track(record, term, version)? {
            tracks.push(t);
        }
    }
    let reild = reild(record, &tracks);
    let braat = braat(record, &tracks, &reild);
    Ok(Timeline {
        patient_id: record.patient.id.clone(),
        file: record.file.clone(),
        version,
        treatment_date: record.treatment.as_ref().map(|t| t.date),
        anticoagulated: record.clinical.anticoagulated,
        tracks,
        reild,
        braat,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Finding {
    Yes(Date),
    No(String),
    Unknown(String),
}

/// First date in [start, end] with a grade above the baseline grade.
fn lab_worsened(tracks: &[LabTrack], term: LabTerm, start: Date, end: Date) -> Finding {
    let what = match term {
        LabTerm::BilirubinIncreased => "hyperbilirubinaemia",
        _ => "hypoalbuminaemia",
    };
    let Some(t) = tracks.iter().find(|t| t.term == term) else {
        return Finding::Unknown(format!("{what}: no {} values", term.lab()));
    };
    let Some(base) = t.baseline() else {
        return Finding::Unknown(format!("{what}: no graded baseline {}", term.lab()));
    };
    let in_window: Vec<&Point> = t
        .points
        .iter()
        .filter(|p| p.phase == Phase::After && p.date >= start && p.date <= end)
        .collect();
    if let Some(p) = in_window
        .iter()
        .find(|p| p.grade.grade().is_some_and(|g| g > base))
    {
        return Finding::Yes(p.date);
    }
    if in_window.is_empty() {
        return Finding::Unknown(format!("{what}: no {} value in the window", term.lab()));
    }
    if in_window.iter().any(|p| p.grade.grade().is_none()) {
        return Finding::Unknown(format!(
            "{what}: some {} values in the window are not gradable",
            term.lab()
        ));
    }
    Finding::No(format!(
        "{what}: no {} grade above the baseline grade {base} in the window",
        term.lab()
    ))
}

fn reild(record: &PatientRecord, tracks: &[LabTrack]) -> Reild {
    let not_evaluated = |reason: &str| Reild {
        status: ReildStatus::NotEvaluated,
        window: None,
        onset: None,
        onset_day: None,
        reasons: vec![reason.to_owned()],
    };
    let Some(t) = record.treatment.as_ref().map(|t| t.date) else {
        return not_evaluated("no treatment date");
    };
    let (Ok(start), Ok(end)) = (
        t.checked_add(REILD_WINDOW_START_DAYS.days()),
        t.checked_add(REILD_WINDOW_END_MONTHS.months()),
    ) else {
        return not_evaluated("treatment date out of range");
    };
    let bili = lab_worsened(tracks, LabTerm::BilirubinIncreased, start, end);
    let alb = lab_worsened(tracks, LabTerm::Hypoalbuminemia, start, end);
    // Ascites at baseline: the latest observation on or before treatment, else the clinical state.
    let base_ascites = record
        .observations
        .iter()
        .filter(|o| o.date <= t)
        .filter_map(|o| o.ascites)
        .next_back()
        .or(record.clinical.ascites);
    let window_obs: Vec<_> = record
        .observations
        .iter()
        .filter(|o| o.date >= start && o.date <= end)
        .collect();
    let ascites = match base_ascites {
        None => Finding::Unknown("ascites: baseline ascites not recorded".to_owned()),
        Some(b) => match window_obs.iter().find(|o| o.ascites.is_some_and(|a| a > b)) {
            Some(o) => Finding::Yes(o.date),
            None if window_obs.iter().any(|o| o.ascites.is_some()) => Finding::No(format!(
                "ascites: none new or increased over the baseline ({}) in the window",
                ascites_word(b)
            )),
            None => Finding::Unknown("ascites: not recorded in the window".to_owned()),
        },
    };
    let mut reasons = Vec::new();
    let mut any_no = false;
    let mut any_unknown = false;
    let mut onset: Option<Date> = None;
    for (label, f) in [
        (
            "hyperbilirubinaemia (bilirubin grade above baseline)",
            &bili,
        ),
        ("hypoalbuminaemia (albumin grade above baseline)", &alb),
        ("new or increased ascites", &ascites),
    ] {
        match f {
            Finding::Yes(d) => {
                reasons.push(format!("{label}: yes, from {d}"));
                onset = Some(onset.map_or(*d, |o| o.max(*d)));
            }
            Finding::No(r) => {
                any_no = true;
                reasons.push(r.clone());
            }
            Finding::Unknown(r) => {
                any_unknown = true;
                reasons.push(r.clone());
            }
        }
    }
    let progression = window_obs
        .iter()
        .any(|o| o.tumour_progression == Some(true));
    let obstruction = window_obs
        .iter()
        .any(|o| o.biliary_obstruction == Some(true));
    let progression_excluded = window_obs
        .iter()
        .any(|o| o.tumour_progression == Some(false));
    let obstruction_excluded = window_obs
        .iter()
        .any(|o| o.biliary_obstruction == Some(false));
    if progression {
        reasons.push("tumour progression recorded in the window".to_owned());
    }
    if obstruction {
        reasons.push("biliary obstruction recorded in the window".to_owned());
    }
    let status = if any_no || progression || obstruction {
        ReildStatus::NotMet
    } else if any_unknown {
        ReildStatus::NotEvaluated
    } else if !(progression_excluded && obstruction_excluded) {
        reasons.push(
            "tumour progression and biliary obstruction not both recorded as absent in the window"
                .to_owned(),
        );
        ReildStatus::Possible
    } else {
        reasons.push("tumour progression and biliary obstruction recorded as absent".to_owned());
        ReildStatus::Met
    };
    let onset = matches!(status, ReildStatus::Met | ReildStatus::Possible)
        .then_some(onset)
        .flatten();
    Reild {
        status,
        window: Some((start, end)),
        onset,
        onset_day: onset.map(|d| days_between(t, d)),
        reasons,
    }
}

fn ascites_word(a: Ascites) -> &'static str {
    match a {
        Ascites::None => "none",
        Ascites::Mild => "mild",
        Ascites::ModerateSevere => "moderate-severe",
    }
}

/// The liver terms of Braat's grading.
const LIVER_TERMS: [LabTerm; 7] = [
    LabTerm::BilirubinIncreased,
    LabTerm::AstIncreased,
    LabTerm::AltIncreased,
    LabTerm::AlpIncreased,
    LabTerm::GgtIncreased,
    LabTerm::Hypoalbuminemia,
    LabTerm::InrIncreased,
];

/// Braat hepatotoxicity grade (van Roekel thesis p. 38, clinical-rules.md §3.3 \[S]), read as:
/// REILD (met or possible) → 5 fatal, 4 invasive treatment, 3 non-invasive treatment, 2 none;
/// otherwise 0 without a CTCAE grade change from baseline, 1 when only AST/ALT/ALP/GGT rose and
/// none above grade 1, else 2.
fn braat(record: &PatientRecord, tracks: &[LabTrack], reild: &Reild) -> BraatGrade {
    let none = |why: String| BraatGrade {
        grade: None,
        explanation: why,
    };
    let Some(t) = record.treatment.as_ref().map(|t| t.date) else {
        return none("no treatment date".to_owned());
    };
    let after: Vec<_> = record.observations.iter().filter(|o| o.date > t).collect();
    if matches!(reild.status, ReildStatus::Met | ReildStatus::Possible) {
        let qualifier = if reild.status == ReildStatus::Possible {
            " (REILD possible: progression or obstruction not excluded)"
        } else {
            ""
        };
        if after.iter().any(|o| o.fatal_liver_failure == Some(true)) {
            return BraatGrade {
                grade: Some(5),
                explanation: format!("fatal REILD{qualifier}"),
            };
        }
        let treatment = after.iter().filter_map(|o| o.liver_treatment).max();
        return match treatment {
            Some(LiverTreatment::Invasive) => BraatGrade {
                grade: Some(4),
                explanation: format!("REILD needing invasive treatment{qualifier}"),
            },
            Some(LiverTreatment::NonInvasive) => BraatGrade {
                grade: Some(3),
                explanation: format!("REILD managed non-invasively{qualifier}"),
            },
            Some(LiverTreatment::None) => BraatGrade {
                grade: Some(2),
                explanation: format!("REILD criteria met, no intervention{qualifier}"),
            },
            None => none(format!(
                "REILD criteria met{qualifier}; grade 2, 3 or 4 depends on the treatment it \
                 needed, which is not recorded"
            )),
        };
    }
    let mut changed: Vec<(LabTerm, u8)> = Vec::new();
    let mut unknown: Vec<&'static str> = Vec::new();
    for term in LIVER_TERMS {
        let Some(tr) = tracks.iter().find(|x| x.term == term) else {
            continue;
        };
        match (tr.baseline(), &tr.worst_after) {
            (Some(b), Some(w)) if w.grade > b => changed.push((term, w.grade)),
            (Some(_), Some(_)) => {}
            _ => unknown.push(term.lab()),
        }
    }
    let unknown_note = if unknown.is_empty() {
        String::new()
    } else {
        format!("; not evaluated: {}", unknown.join(", "))
    };
    let synthetic_worse = changed
        .iter()
        .any(|(t, _)| matches!(t, LabTerm::BilirubinIncreased | LabTerm::Hypoalbuminemia));
    if reild.status == ReildStatus::NotEvaluated && synthetic_worse {
        return none(format!(
            "bilirubin or albumin worsened but REILD could not be evaluated ({})",
            reild.reasons.join("; ")
        ));
    }
    if changed.is_empty() {
        if unknown.len() == LIVER_TERMS.len() || tracks.is_empty() {
            return none("no liver test graded before and after treatment".to_owned());
        }
        return BraatGrade {
            grade: Some(0),
            explanation: format!("no CTCAE grade change from baseline{unknown_note}"),
        };
    }
    let enzymes_only = changed.iter().all(|(t, _)| {
        matches!(
            t,
            LabTerm::AstIncreased
                | LabTerm::AltIncreased
                | LabTerm::AlpIncreased
                | LabTerm::GgtIncreased
        )
    });
    let list = changed
        .iter()
        .map(|(t, g)| format!("{} G{g}", t.lab()))
        .collect::<Vec<_>>()
        .join(", ");
    if enzymes_only && changed.iter().all(|(_, g)| *g <= 1) {
        BraatGrade {
            grade: Some(1),
            explanation: format!(
                "only liver enzymes raised, at most CTCAE G1 ({list}){unknown_note}"
            ),
        }
    } else {
        BraatGrade {
            grade: Some(2),
            explanation: format!(
                "CTCAE grade change from baseline ({list}) without REILD{unknown_note}"
            ),
        }
    }
}

//! CTCAE laboratory grading with explicit baseline and anticoagulation rules.
//!
//! Source: CTCAE v5.0 (NCI, 27 Nov 2017) as transcribed with machine rules in
//! `pharmaverse/admiral` `data-raw/adlb_grading/ncictcaev5.json` (clinical-rules.md §2.1 \[V]).
//! Boundaries follow admiral: every upper bound inclusive; both sides compared after rounding to
//! 15 significant digits.
//!
//! Versions 4.03 and 6.0 are a parameter, but clinical-rules.md does not give their complete
//! criteria, so grading with them is a [`CtcaeError::UnsupportedVersion`], never a guess.

use sirt_units::{short, signif15};
use std::fmt;
use thiserror::Error;

/// CTCAE version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CtcaeVersion {
    /// v4.03 (14 June 2010).
    #[serde(rename = "4.03")]
    V4_03,
    /// v5.0 (27 November 2017).
    #[serde(rename = "5.0")]
    V5_0,
    /// v6.0.
    #[serde(rename = "6.0")]
    V6_0,
}

impl fmt::Display for CtcaeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CtcaeVersion::V4_03 => "v4.03",
            CtcaeVersion::V5_0 => "v5.0",
            CtcaeVersion::V6_0 => "v6.0",
        })
    }
}

impl std::str::FromStr for CtcaeVersion {
    type Err = String;
    /// "4.03", "5.0", "6.0", with or without a leading "v".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().trim_start_matches(['v', 'V']) {
            "4.03" => Ok(CtcaeVersion::V4_03),
            "5.0" | "5" => Ok(CtcaeVersion::V5_0),
            "6.0" | "6" => Ok(CtcaeVersion::V6_0),
            _ => Err(format!(
                "expected a CTCAE version 4.03, 5.0 or 6.0, found \"{s}\""
            )),
        }
    }
}

/// A CTCAE laboratory term graded here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabTerm {
    /// Blood bilirubin increased (mg/dL).
    BilirubinIncreased,
    /// Aspartate aminotransferase increased (U/L).
    AstIncreased,
    /// Alanine aminotransferase increased (U/L).
    AltIncreased,
    /// Alkaline phosphatase increased (U/L).
    AlpIncreased,
    /// GGT increased (U/L).
    GgtIncreased,
    /// Hypoalbuminemia (g/L).
    Hypoalbuminemia,
    /// Platelet count decreased (10⁹/L).
    PlateletCountDecreased,
    /// INR increased (ratio).
    InrIncreased,
}

impl LabTerm {
    /// Every term, in report order.
    pub const ALL: [LabTerm; 8] = [
        LabTerm::BilirubinIncreased,
        LabTerm::AstIncreased,
        LabTerm::AltIncreased,
        LabTerm::AlpIncreased,
        LabTerm::GgtIncreased,
        LabTerm::Hypoalbuminemia,
        LabTerm::PlateletCountDecreased,
        LabTerm::InrIncreased,
    ];

    /// The CTCAE term.
    pub fn name(self) -> &'static str {
        match self {
            LabTerm::BilirubinIncreased => "Blood bilirubin increased",
            LabTerm::AstIncreased => "Aspartate aminotransferase increased",
            LabTerm::AltIncreased => "Alanine aminotransferase increased",
            LabTerm::AlpIncreased => "Alkaline phosphatase increased",
            LabTerm::GgtIncreased => "GGT increased",
            LabTerm::Hypoalbuminemia => "Hypoalbuminemia",
            LabTerm::PlateletCountDecreased => "Platelet count decreased",
            LabTerm::InrIncreased => "INR increased",
        }
    }

    /// Short laboratory name.
    pub fn lab(self) -> &'static str {
        match self {
            LabTerm::BilirubinIncreased => "bilirubin",
            LabTerm::AstIncreased => "AST",
            LabTerm::AltIncreased => "ALT",
            LabTerm::AlpIncreased => "ALP",
            LabTerm::GgtIncreased => "GGT",
            LabTerm::Hypoalbuminemia => "albumin",
            LabTerm::PlateletCountDecreased => "platelets",
            LabTerm::InrIncreased => "INR",
        }
    }

    /// The unit of the numbers given to [`grade`] for this term.
    pub fn unit(self) -> &'static str {
        match self {
            LabTerm::BilirubinIncreased => "mg/dL",
            LabTerm::AstIncreased
            | LabTerm::AltIncreased
            | LabTerm::AlpIncreased
            | LabTerm::GgtIncreased => "U/L",
            LabTerm::Hypoalbuminemia => "g/L",
            LabTerm::PlateletCountDecreased => "10^9/L",
            LabTerm::InrIncreased => "",
        }
    }
}

/// The baseline of a graded value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// The value being graded is itself the baseline: graded against the reference range only.
    ThisIsBaseline,
    /// The baseline value, in the term's unit.
    Value(f64),
    /// No baseline is known.
    Missing,
}

/// What a graded value was compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    /// Multiples of the ULN (baseline normal, or the baseline itself).
    UlnMultiples,
    /// Multiples of the baseline (baseline above the ULN).
    BaselineMultiples,
    /// The LLN and absolute cut-offs (albumin, platelets).
    LlnAndAbsolute,
    /// Absolute cut-offs (INR, not anticoagulated).
    Absolute,
    /// Absolute cut-offs and multiples of the baseline, the higher grade (INR on anticoagulation).
    AbsoluteOrBaseline,
}

impl Criterion {
    /// Wording for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Criterion::UlnMultiples => "× ULN",
            Criterion::BaselineMultiples => "× baseline (baseline above ULN)",
            Criterion::LlnAndAbsolute => "LLN and absolute cut-offs",
            Criterion::Absolute => "absolute cut-offs (not anticoagulated)",
            Criterion::AbsoluteOrBaseline => "absolute or × baseline, higher (anticoagulated)",
        }
    }
}

/// Why a value has no CTCAE v5.0 grade: the value, or what is known about the patient, lies
/// outside what the criteria define. Printed as "not gradable (reason)", never as grade 0.
#[derive(Debug, Clone, PartialEq)]
pub enum NotGradable {
    /// The value is not a finite, non-negative number.
    InvalidValue {
        /// The value given.
        value: f64,
    },
    /// No upper limit of normal for a term graded against it.
    NoUpperLimit {
        /// The term.
        term: LabTerm,
    },
    /// No lower limit of normal for a term whose grade 1 is "< LLN" (the value is not below
    /// the grade 2 cut-off, so only grade 0 or 1 is possible).
    NoLowerLimit {
        /// The term.
        term: LabTerm,
    },
    /// A value above the ULN after treatment without a baseline: CTCAE v5.0 grades it against
    /// the ULN when the baseline was normal and against the baseline when it was abnormal, so
    /// the grade depends on a baseline that is missing.
    NoBaseline {
        /// The term.
        term: LabTerm,
    },
    /// The baseline was above the ULN and the value is above the ULN but below the lower bound
    /// of the "if baseline was abnormal" grade 1 (AST/ALT 1.5 × baseline, ALP/GGT 2.0 ×
    /// baseline, bilirubin > 1.0 × baseline): CTCAE v5.0 defines no grade there (admiral
    /// writes grade 0; clinical-rules.md §2.1 "Gap").
    BelowAbnormalBaselineGrade1 {
        /// The term.
        term: LabTerm,
        /// The baseline value.
        baseline: f64,
        /// The ULN.
        uln: f64,
        /// Grade 1 starts at this multiple of the baseline ...
        grade1_multiple: f64,
        /// ... inclusive (≥) or strict (>).
        inclusive: bool,
    },
    /// INR without the anticoagulation status: CTCAE v5.0 grades the INR of an anticoagulated
    /// patient against the baseline as well.
    AnticoagulationNotRecorded,
    /// INR of an anticoagulated patient without a baseline INR, not above the absolute grade 3
    /// cut-off: the × baseline criterion cannot be applied.
    AnticoagulatedWithoutBaseline,
}

impl NotGradable {
    /// A short stable code, for JSON (`"cause"`).
    pub fn code(&self) -> &'static str {
        match self {
            NotGradable::InvalidValue { .. } => "invalid_value",
            NotGradable::NoUpperLimit { .. } => "no_upper_limit",
            NotGradable::NoLowerLimit { .. } => "no_lower_limit",
            NotGradable::NoBaseline { .. } => "no_baseline",
            NotGradable::BelowAbnormalBaselineGrade1 { .. } => "below_abnormal_baseline_grade1",
            NotGradable::AnticoagulationNotRecorded => "anticoagulation_not_recorded",
            NotGradable::AnticoagulatedWithoutBaseline => "anticoagulated_without_baseline",
        }
    }
}

impl fmt::Display for NotGradable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotGradable::InvalidValue { value } => {
                write!(f, "value {value} is not a finite, non-negative number")
            }
            NotGradable::NoUpperLimit { term } => {
                write!(f, "no upper limit of normal for {}", term.lab())
            }
            NotGradable::NoLowerLimit { term } => write!(
                f,
                "no lower limit of normal for {} (grade 1 is < LLN)",
                term.lab()
            ),
            NotGradable::NoBaseline { term } => write!(
                f,
                "no baseline {}: CTCAE v5.0 grades against the ULN when the baseline was \
                 normal and against the baseline when it was abnormal",
                term.lab()
            ),
            NotGradable::BelowAbnormalBaselineGrade1 {
                term,
                baseline,
                uln,
                grade1_multiple,
                inclusive,
            } => write!(
                f,
                "baseline {} {} was above the ULN {}; the value is above the ULN but below \
                 grade 1 ({}{:.1} × baseline = {}), where CTCAE v5.0 defines no grade",
                term.lab(),
                short(*baseline),
                short(*uln),
                if *inclusive { "≥ " } else { "> " },
                grade1_multiple,
                short(grade1_multiple * baseline)
            ),
            NotGradable::AnticoagulationNotRecorded => f.write_str(
                "anticoagulation status not recorded: CTCAE v5.0 grades the INR of an \
                 anticoagulated patient against the baseline as well",
            ),
            NotGradable::AnticoagulatedWithoutBaseline => f.write_str(
                "anticoagulated patient without a baseline INR: the × baseline criterion \
                 cannot be applied",
            ),
        }
    }
}

/// The grade of one value, or why there is none.
///
/// JSON: `{"status": "graded", "grade": 2, "criterion": "uln-multiples"}` or
/// `{"status": "not_gradable", "cause": "no_baseline", "reason": "no baseline ALT: ..."}`.
#[derive(Debug, Clone, PartialEq)]
pub enum GradeOutcome {
    /// Graded.
    Graded {
        /// 0 (no adverse event) to 4.
        grade: u8,
        /// What the value was compared with.
        criterion: Criterion,
    },
    /// CTCAE v5.0 gives no grade for this value with what is known.
    NotGradable {
        /// Why.
        reason: NotGradable,
    },
}

impl serde::Serialize for GradeOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match self {
            GradeOutcome::Graded { grade, criterion } => {
                let mut st = s.serialize_struct("GradeOutcome", 3)?;
                st.serialize_field("status", "graded")?;
                st.serialize_field("grade", grade)?;
                st.serialize_field("criterion", criterion)?;
                st.end()
            }
            GradeOutcome::NotGradable { reason } => {
                let mut st = s.serialize_struct("GradeOutcome", 3)?;
                st.serialize_field("status", "not_gradable")?;
                st.serialize_field("cause", reason.code())?;
                st.serialize_field("reason", &reason.to_string())?;
                st.end()
            }
        }
    }
}

impl GradeOutcome {
    /// The grade, when graded.
    pub fn grade(&self) -> Option<u8> {
        match self {
            GradeOutcome::Graded { grade, .. } => Some(*grade),
            GradeOutcome::NotGradable { .. } => None,
        }
    }

    /// "G2 (× ULN)" or "not gradable (reason)".
    pub fn text(&self) -> String {
        match self {
            GradeOutcome::Graded { grade, criterion } => {
                format!("G{grade} ({})", criterion.describe())
            }
            GradeOutcome::NotGradable { reason } => format!("not gradable ({reason})"),
        }
    }
}

/// What grading needs besides the value, in the term's unit ([`LabTerm::unit`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LabContext {
    /// Baseline.
    pub baseline: Baseline,
    /// Upper limit of normal (bilirubin, AST, ALT, ALP, GGT).
    pub uln: Option<f64>,
    /// Lower limit of normal (albumin, platelets).
    pub lln: Option<f64>,
    /// Anticoagulation status (INR); `None` is never read as "no".
    pub anticoagulated: Option<bool>,
}

/// A grading that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CtcaeError {
    /// The version's criteria are not available to this program for the term.
    #[error(
        "CTCAE {version}, \"{term}\": expected a version whose criteria are encoded (v5.0), found {version}: {reason}"
    )]
    UnsupportedVersion {
        /// Version asked for.
        version: CtcaeVersion,
        /// CTCAE term.
        term: &'static str,
        /// Why.
        reason: &'static str,
    },
}

/// Multipliers of the "increased" terms in CTCAE v5.0 and the baseline-abnormal grade 1 rule.
struct Increased {
    /// Upper bounds (inclusive) of grades 1, 2, 3 as multiples of ULN or baseline.
    k: (f64, f64, f64),
    /// Grade-1 lower bound as a multiple of the baseline when the baseline is abnormal.
    g1_baseline: f64,
    /// Whether that bound is inclusive (≥) or strict (>).
    g1_inclusive: bool,
}

/// CTCAE v5.0 (NCI, 27 Nov 2017) liver tests, "if baseline was normal" / "if baseline was
/// abnormal" (verbatim CTCAE text in admiral `ncictcaev5.json`, clinical-rules.md §2.1 \[V]):
///
/// * Blood bilirubin increased: G1 `>ULN - 1.5 x ULN` / `>1.0 - 1.5 x baseline`; G2
///   `>1.5 - 3.0`; G3 `>3.0 - 10.0`; G4 `>10.0` (× ULN / × baseline).
/// * AST, ALT increased: G1 `>ULN - 3.0 x ULN` / `1.5 - 3.0 x baseline`; G2 `>3.0 - 5.0`; G3
///   `>5.0 - 20.0`; G4 `>20.0`. The baseline-abnormal grade 1 includes 1.5 × baseline (admiral's
///   machine rule `AVAL >= 1.5 * BASE` and its vector BASE 40: 60 → 1).
/// * ALP increased: G1 `>ULN - 2.5 x ULN` / `2.0 - 2.5 x baseline`; G2 `>2.5 - 5.0`; G3
///   `>5.0 - 20.0`; G4 `>20.0` (admiral: `AVAL >= 2 * BASE`, BASE 40: 80 → 1).
/// * GGT increased: as ALP, with admiral's strict `AVAL > 2 * BASE` for the baseline-abnormal
///   grade 1.
///
/// "Baseline abnormal" is a baseline above the ULN (admiral `BNRIND` high). Between the ULN and
/// the baseline-abnormal grade 1 bound the criteria give no grade:
/// [`NotGradable::BelowAbnormalBaselineGrade1`].
fn v5_increased(term: LabTerm) -> Option<Increased> {
    Some(match term {
        LabTerm::BilirubinIncreased => Increased {
            k: (1.5, 3.0, 10.0),
            g1_baseline: 1.0,
            g1_inclusive: false,
        },
        LabTerm::AstIncreased | LabTerm::AltIncreased => Increased {
            k: (3.0, 5.0, 20.0),
            g1_baseline: 1.5,
            g1_inclusive: true,
        },
        LabTerm::AlpIncreased => Increased {
            k: (2.5, 5.0, 20.0),
            g1_baseline: 2.0,
            g1_inclusive: true,
        },
        LabTerm::GgtIncreased => Increased {
            k: (2.5, 5.0, 20.0),
            g1_baseline: 2.0,
            g1_inclusive: false,
        },
        LabTerm::Hypoalbuminemia | LabTerm::PlateletCountDecreased | LabTerm::InrIncreased => {
            return None;
        }
    })
}

/// Hypoalbuminemia v5.0 cut-offs in g/L: G2 < 30, G3 < 20 (G1 < LLN; G4 is clinical only).
pub const V5_ALBUMIN_G_PER_L: (f64, f64) = (30.0, 20.0);
/// Platelet count decreased v5.0 cut-offs in 10⁹/L: G2 < 75, G3 < 50, G4 < 25 (G1 < LLN).
pub const V5_PLATELETS_PER_NL: (f64, f64, f64) = (75.0, 50.0, 25.0);
/// INR increased v5.0: G1 > 1.2, G2 > 1.5, G3 > 2.5; on anticoagulation also G1 > 1 × BL,
/// G2 > 1.5 × BL, G3 > 2.5 × BL.
pub const V5_INR: (f64, f64, f64) = (1.2, 1.5, 2.5);

fn gt(a: f64, b: f64) -> bool {
    signif15(a) > signif15(b)
}
fn ge(a: f64, b: f64) -> bool {
    signif15(a) >= signif15(b)
}
fn lt(a: f64, b: f64) -> bool {
    signif15(a) < signif15(b)
}

fn graded(grade: u8, criterion: Criterion) -> GradeOutcome {
    GradeOutcome::Graded { grade, criterion }
}

fn not_gradable(reason: NotGradable) -> GradeOutcome {
    GradeOutcome::NotGradable { reason }
}

/// Whether `version`'s criteria for `term` are encoded here (v5.0 only): the typed refusal
/// otherwise, whether or not there is a value to grade.
pub fn supported(version: CtcaeVersion, term: LabTerm) -> Result<(), CtcaeError> {
    match version {
        CtcaeVersion::V5_0 => Ok(()),
        CtcaeVersion::V4_03 => Err(CtcaeError::UnsupportedVersion {
            version,
            term: term.name(),
            reason: "clinical-rules.md does not give the CTCAE v4.03 criteria \
                         (admiral's ncictcaev4.json has them; not encoded here)",
        }),
        CtcaeVersion::V6_0 => Err(CtcaeError::UnsupportedVersion {
            version,
            term: term.name(),
            reason: "clinical-rules.md gives only the v6.0 changes to the baseline-abnormal \
                         rules of AST/ALT, bilirubin and ALP, not complete criteria",
        }),
    }
}

/// Grades `value` (in [`LabTerm::unit`]) for `term` under `version`.
///
/// A value that CTCAE v5.0 does not grade with what is known (no ULN, no baseline where one is
/// needed, a value between the ULN and the grade 1 bound of an abnormal baseline, no
/// anticoagulation status for the INR) is [`GradeOutcome::NotGradable`] with the reason,
/// never grade 0.
pub fn grade(
    version: CtcaeVersion,
    term: LabTerm,
    value: f64,
    ctx: &LabContext,
) -> Result<GradeOutcome, CtcaeError> {
    supported(version, term)?;
    if !value.is_finite() || value < 0.0 {
        return Ok(not_gradable(NotGradable::InvalidValue { value }));
    }
    Ok(match term {
        LabTerm::Hypoalbuminemia => {
            let (g2, g3) = V5_ALBUMIN_G_PER_L;
            if lt(value, g3) {
                graded(3, Criterion::LlnAndAbsolute)
            } else if lt(value, g2) {
                graded(2, Criterion::LlnAndAbsolute)
            } else {
                below_lln(term, value, ctx.lln)
            }
        }
        LabTerm::PlateletCountDecreased => {
            let (g2, g3, g4) = V5_PLATELETS_PER_NL;
            if lt(value, g4) {
                graded(4, Criterion::LlnAndAbsolute)
            } else if lt(value, g3) {
                graded(3, Criterion::LlnAndAbsolute)
            } else if lt(value, g2) {
                graded(2, Criterion::LlnAndAbsolute)
            } else {
                below_lln(term, value, ctx.lln)
            }
        }
        LabTerm::InrIncreased => grade_inr(value, ctx),
        LabTerm::BilirubinIncreased
        | LabTerm::AstIncreased
        | LabTerm::AltIncreased
        | LabTerm::AlpIncreased
        | LabTerm::GgtIncreased => match v5_increased(term) {
            Some(inc) => grade_increased(term, &inc, value, ctx),
            None => not_gradable(NotGradable::NoUpperLimit { term }),
        },
    })
}

/// Grade 1 (< LLN) or 0 of a value not below the grade 2 cut-off.
fn below_lln(term: LabTerm, value: f64, lln: Option<f64>) -> GradeOutcome {
    match lln {
        Some(lln) if lt(value, lln) => graded(1, Criterion::LlnAndAbsolute),
        Some(_) => graded(0, Criterion::LlnAndAbsolute),
        None => not_gradable(NotGradable::NoLowerLimit { term }),
    }
}

/// Grade from multiples `k` of `reference` (the ULN, or an abnormal baseline) with grade 1 from
/// `g1`; 0 below it.
fn by_multiples(value: f64, reference: f64, k: (f64, f64, f64), g1: bool) -> u8 {
    let (k1, k2, k3) = k;
    if gt(value, k3 * reference) {
        4
    } else if gt(value, k2 * reference) {
        3
    } else if gt(value, k1 * reference) {
        2
    } else if g1 {
        1
    } else {
        0
    }
}

fn grade_increased(term: LabTerm, inc: &Increased, value: f64, ctx: &LabContext) -> GradeOutcome {
    let Some(uln) = ctx.uln else {
        return not_gradable(NotGradable::NoUpperLimit { term });
    };
    let by_uln = || {
        graded(
            by_multiples(value, uln, inc.k, gt(value, uln)),
            Criterion::UlnMultiples,
        )
    };
    match ctx.baseline {
        Baseline::ThisIsBaseline => by_uln(),
        Baseline::Value(base) if !gt(base, uln) => by_uln(),
        Baseline::Value(base) => {
            // Baseline abnormal (above the ULN). A value within the reference range is no
            // "increased" event: grade 0 against the ULN.
            if !gt(value, uln) {
                return graded(0, Criterion::UlnMultiples);
            }
            let g1 = if inc.g1_inclusive {
                ge(value, inc.g1_baseline * base)
            } else {
                gt(value, inc.g1_baseline * base)
            };
            match by_multiples(value, base, inc.k, g1) {
                0 => not_gradable(NotGradable::BelowAbnormalBaselineGrade1 {
                    term,
                    baseline: base,
                    uln,
                    grade1_multiple: inc.g1_baseline,
                    inclusive: inc.g1_inclusive,
                }),
                g => graded(g, Criterion::BaselineMultiples),
            }
        }
        Baseline::Missing => {
            // Every baseline-abnormal threshold lies above the ULN, so a value at or below the
            // ULN is grade 0 whichever rule applies.
            if gt(value, uln) {
                not_gradable(NotGradable::NoBaseline { term })
            } else {
                graded(0, Criterion::UlnMultiples)
            }
        }
    }
}

fn grade_inr(value: f64, ctx: &LabContext) -> GradeOutcome {
    let (t1, t2, t3) = V5_INR;
    let absolute = if gt(value, t3) {
        3
    } else if gt(value, t2) {
        2
    } else if gt(value, t1) {
        1
    } else {
        0
    };
    match ctx.anticoagulated {
        None => not_gradable(NotGradable::AnticoagulationNotRecorded),
        Some(false) => graded(absolute, Criterion::Absolute),
        Some(true) => {
            let base = match ctx.baseline {
                // The ×baseline criterion of the baseline itself is grade 0.
                Baseline::ThisIsBaseline => return graded(absolute, Criterion::AbsoluteOrBaseline),
                Baseline::Value(b) => b,
                Baseline::Missing if absolute == 3 => {
                    return graded(3, Criterion::AbsoluteOrBaseline);
                }
                Baseline::Missing => {
                    return not_gradable(NotGradable::AnticoagulatedWithoutBaseline);
                }
            };
            let relative = if gt(value, 2.5 * base) {
                3
            } else if gt(value, 1.5 * base) {
                2
            } else if gt(value, base) {
                1
            } else {
                0
            };
            graded(absolute.max(relative), Criterion::AbsoluteOrBaseline)
        }
    }
}

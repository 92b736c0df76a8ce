//! CTCAE laboratory grading with explicit baseline and anticoagulation rules.
//!
//! Source: CTCAE v5.0 (NCI, 27 Nov 2017) as transcribed with machine rules in
//! `pharmaverse/admiral` `data-raw/adlb_grading/ncictcaev5.json` (clinical-rules.md §2.1 \[V]).
//! Boundaries follow admiral: every upper bound inclusive; both sides compared after rounding to
//! 15 significant digits.
//!
//! Versions 4.03 and 6.0 are a parameter, but clinical-rules.md does not give their complete
//! criteria, so grading with them is a [`CtcaeError::UnsupportedVersion`], never a guess.

use sirt_units::signif15;
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

/// The grade of one value, or why there is none.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GradeOutcome {
    /// Graded.
    Graded {
        /// 0 (no adverse event) to 4.
        grade: u8,
        /// What the value was compared with.
        criterion: Criterion,
    },
    /// Not evaluated.
    NotEvaluated {
        /// Why.
        reason: String,
    },
}

impl GradeOutcome {
    /// The grade, when graded.
    pub fn grade(&self) -> Option<u8> {
        match self {
            GradeOutcome::Graded { grade, .. } => Some(*grade),
            GradeOutcome::NotEvaluated { .. } => None,
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

/// CTCAE v5.0 multipliers. Bilirubin: G1 > ULN–1.5, G2 > 1.5–3, G3 > 3–10, G4 > 10 (× ULN or
/// × BL), BL-abnormal G1 > 1.0 × BL. AST/ALT: 3, 5, 20; BL-abnormal G1 ≥ 1.5 × BL. ALP: 2.5, 5,
/// 20; G1 ≥ 2 × BL. GGT: 2.5, 5, 20; G1 > 2 × BL. admiral `ncictcaev5.json` (clinical-rules.md
/// §2.1 \[V]).
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
        _ => return None,
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

fn not_evaluated(reason: impl Into<String>) -> GradeOutcome {
    GradeOutcome::NotEvaluated {
        reason: reason.into(),
    }
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
/// A value that cannot be graded with what is known (no ULN, no baseline where one is needed,
/// no anticoagulation status for the INR) is [`GradeOutcome::NotEvaluated`] with the reason.
pub fn grade(
    version: CtcaeVersion,
    term: LabTerm,
    value: f64,
    ctx: &LabContext,
) -> Result<GradeOutcome, CtcaeError> {
    supported(version, term)?;
    if !value.is_finite() || value < 0.0 {
        return Ok(not_evaluated(format!(
            "value {value} is not a finite, non-negative number"
        )));
    }
    if let Some(inc) = v5_increased(term) {
        return Ok(grade_increased(term, &inc, value, ctx));
    }
    Ok(match term {
        LabTerm::Hypoalbuminemia => {
            let (g2, g3) = V5_ALBUMIN_G_PER_L;
            if lt(value, g3) {
                graded(3, Criterion::LlnAndAbsolute)
            } else if lt(value, g2) {
                graded(2, Criterion::LlnAndAbsolute)
            } else {
                match ctx.lln {
                    Some(lln) if lt(value, lln) => graded(1, Criterion::LlnAndAbsolute),
                    Some(_) => graded(0, Criterion::LlnAndAbsolute),
                    None => {
                        not_evaluated("no lower limit of normal for albumin (grade 1 is < LLN)")
                    }
                }
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
                match ctx.lln {
                    Some(lln) if lt(value, lln) => graded(1, Criterion::LlnAndAbsolute),
                    Some(_) => graded(0, Criterion::LlnAndAbsolute),
                    None => {
                        not_evaluated("no lower limit of normal for platelets (grade 1 is < LLN)")
                    }
                }
            }
        }
        LabTerm::InrIncreased => grade_inr(value, ctx),
        _ => not_evaluated("term without criteria"),
    })
}

fn grade_increased(term: LabTerm, inc: &Increased, value: f64, ctx: &LabContext) -> GradeOutcome {
    let Some(uln) = ctx.uln else {
        return not_evaluated(format!("no upper limit of normal for {}", term.lab()));
    };
    let (k1, k2, k3) = inc.k;
    let by_uln = || {
        let g = if gt(value, k3 * uln) {
            4
        } else if gt(value, k2 * uln) {
            3
        } else if gt(value, k1 * uln) {
            2
        } else if gt(value, uln) {
            1
        } else {
            0
        };
        graded(g, Criterion::UlnMultiples)
    };
    match ctx.baseline {
        Baseline::ThisIsBaseline => by_uln(),
        Baseline::Value(base) if !gt(base, uln) => by_uln(),
        Baseline::Value(base) => {
            let g1 = if inc.g1_inclusive {
                ge(value, inc.g1_baseline * base)
            } else {
                gt(value, inc.g1_baseline * base)
            };
            let g = if gt(value, k3 * base) {
                4
            } else if gt(value, k2 * base) {
                3
            } else if gt(value, k1 * base) {
                2
            } else if g1 {
                1
            } else {
                0
            };
            graded(g, Criterion::BaselineMultiples)
        }
        Baseline::Missing => {
            // Every baseline-abnormal threshold lies above the ULN, so a value at or below the
            // ULN is grade 0 whichever rule applies.
            if gt(value, uln) {
                not_evaluated(format!(
                    "no baseline {}: CTCAE v5.0 grades against the ULN when the baseline was \
                     normal and against the baseline when it was abnormal",
                    term.lab()
                ))
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
        None => not_evaluated(
            "anticoagulation status not recorded: CTCAE v5.0 grades the INR of an \
             anticoagulated patient against the baseline as well",
        ),
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
                    return not_evaluated(
                        "anticoagulated patient without a baseline INR: the × baseline criterion \
                         cannot be applied",
                    );
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

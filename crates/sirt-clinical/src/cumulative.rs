//! The cumulative dose over a patient's course, per structure (partition level): each course's
//! absorbed dose and BED with its own time structure, their sums, and the cumulative limits a
//! source gives, checked only in their own quantity (docs/cumulative-dose.md).
//!
//! - SIRT (microspheres, permanent implant): Dale's BED with the nuclide's half-life
//!   ([`crate::DaleFactor`]); a dose spread over a part f of an organ (a lobar session's
//!   whole-liver NTAD) has the organ-mean BED f · BED(D / f) (uniform in the part, 0 Gy elsewhere).
//! - PRRT: Dale's formula with the organ's effective half-life T_eff (mono-exponential clearance,
//!   instantaneous uptake), cycle by cycle, the cycles of one record equal. Without an effective
//!   half-life, T_eff = T_phys gives the smallest BED the dose can have and T_eff → 0 (one acute
//!   dose, BED = d + d²/(α/β)) the largest: both are kept and a limit is decided only when both
//!   sides agree.
//! - EBRT/SBRT: BED = n·d·(1 + d/(α/β)), the LQ fractionation formula with complete repair between
//!   fractions.
//! - Sums: BED_total = Σ BED_i, complete repair between courses and no repopulation (months apart:
//!   conservative); EQD2 = BED / (1 + 2 Gy/(α/β)). A summed BED is never compared with an
//!   absorbed-dose threshold (safety-and-radiobiology.md §7.4).

mod data;

pub use data::{
    Applies, CumulativeData, CumulativeLimit, EMBEDDED_CUMULATIVE_FILE, LimitQuantity, NoLimit,
    OrganPerActivity, Radiopharmaceutical,
};

use crate::radiobiology::{DaleFactor, LqParameters, RadiobiologyData, TissueRole};
use serde::Deserialize;
use sirt_units::{AbsorbedDose, TimeSpan};
use thiserror::Error;

/// The kind of a structure of the cumulative dose (the records' `organ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganKind {
    /// The whole non-tumoural liver (organ mean).
    NormalLiver,
    /// The kidneys.
    Kidneys,
    /// The lungs.
    Lungs,
    /// A tumour.
    Tumour,
}

impl OrganKind {
    /// Label as in data files and JSON.
    pub fn label(self) -> &'static str {
        match self {
            OrganKind::NormalLiver => "normal_liver",
            OrganKind::Kidneys => "kidneys",
            OrganKind::Lungs => "lungs",
            OrganKind::Tumour => "tumour",
        }
    }

    /// The tissue role whose record gives its α/β and T_rep.
    fn tissue_role(self) -> TissueRole {
        match self {
            OrganKind::NormalLiver => TissueRole::NormalLiver,
            OrganKind::Kidneys => TissueRole::Kidneys,
            OrganKind::Lungs => TissueRole::Lungs,
            OrganKind::Tumour => TissueRole::Tumour,
        }
    }
}

/// A structure of the cumulative dose.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Organ {
    /// Kind.
    pub kind: OrganKind,
    /// The tumour's id (tumours only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tumour: Option<String>,
}

impl Organ {
    /// An organ that is not a tumour.
    pub fn of(kind: OrganKind) -> Self {
        Self { kind, tumour: None }
    }

    /// A tumour of the case.
    pub fn tumour(id: &str) -> Self {
        Self {
            kind: OrganKind::Tumour,
            tumour: Some(id.to_owned()),
        }
    }
}

/// The modality of a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// Radioembolization (microspheres).
    Sirt,
    /// Peptide receptor radionuclide therapy.
    Prrt,
    /// External-beam radiotherapy.
    Ebrt,
    /// Stereotactic body radiotherapy.
    Sbrt,
}

/// Where an effective half-life comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HalfLifeBasis {
    /// Entered in the case.
    Entered,
    /// A record of the cumulative data, with its source.
    Record {
        /// Citation.
        source: String,
    },
    /// Not known: the physical half-life bounds it (the BED is then a range).
    PhysicalBound,
}

/// How the dose of a course was delivered in time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TimeStructure {
    /// A permanent implant decaying with the nuclide's half-life (microspheres).
    PermanentImplant {
        /// Physical half-life.
        half_life: TimeSpan,
    },
    /// Mono-exponential clearance with an effective half-life, `cycles` equal cycles.
    Clearance {
        /// The effective half-life used.
        half_life: TimeSpan,
        /// Where it comes from.
        basis: HalfLifeBasis,
        /// Number of equal cycles the dose is split into.
        cycles: u32,
    },
    /// External beam: `fractions` equal fractions.
    Fractions {
        /// Number of fractions.
        fractions: u32,
    },
    /// Not known (e.g. an EBRT course without its number of fractions): no BED.
    Unknown {
        /// The field that would give it.
        missing: String,
    },
}

/// Where the absorbed dose of a course comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DoseBasis {
    /// Entered in the case, with the method when given.
    Entered {
        /// The case field.
        field: String,
        /// How it was obtained (`dose_method`).
        #[serde(skip_serializing_if = "Option::is_none")]
        method: Option<String>,
    },
    /// Activity × the radiopharmaceutical's Gy/GBq (a population mean, not this patient).
    PerActivity {
        /// Gy/GBq.
        gy_per_gbq: f64,
        /// Total activity of the record (all cycles), GBq.
        activity_gbq: f64,
        /// Citation.
        source: String,
        /// Evidence label.
        evidence: String,
    },
    /// The plan's partition model (this plan's sessions).
    Plan {
        /// What the dose is: a message id of the report's catalogue (`cum-what-ntad`).
        what: String,
    },
}

/// One course's dose to one structure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CourseTerm {
    /// The course ("session S1", "PRRT 2023-05-15").
    pub course: String,
    /// Modality.
    pub modality: Modality,
    /// Date (YYYY-MM-DD) or instant as printed.
    pub date: String,
    /// The structure.
    pub organ: Organ,
    /// Mean absorbed dose of the course (all cycles or fractions) over the structure.
    pub dose: AbsorbedDose,
    /// Where it comes from.
    pub dose_basis: DoseBasis,
    /// How it was delivered in time.
    pub time: TimeStructure,
    /// The part of the structure the dose was given to, when it is a mean over a larger whole
    /// (0 < f ≤ 1): the mean BED is f · BED(D / f).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub irradiated_fraction: Option<f64>,
}

/// The BED of one course, or why there is none.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TermResult {
    /// The course.
    #[serde(flatten)]
    pub term: CourseTerm,
    /// BED, Gy (with an unknown effective half-life: the smallest, T_eff = T_phys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bed_gy: Option<f64>,
    /// The largest BED when it is a range (T_eff unknown: one acute dose).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bed_max_gy: Option<f64>,
    /// EQD2 of `bed_gy`, Gy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eqd2_gy: Option<f64>,
}

/// The status of a cumulative limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitStatus {
    /// Below the threshold (for every BED the unknowns allow).
    Met,
    /// At or above it (even the smallest BED the unknowns allow).
    Exceeded,
    /// Depends on what is not known (effective half-life, fractions): enter it.
    Undetermined,
}

/// Why a limit of this patient was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitChoice {
    /// It applies to every patient.
    Always,
    /// The case states the renal risk factors it is for.
    Stated,
    /// The case does not state them: the threshold for patients with risk factors (the lower)
    /// is applied.
    NotStatedLowerApplied,
}

/// A cumulative limit checked on a structure's sum.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LimitCheck {
    /// The limit.
    pub limit: CumulativeLimit,
    /// Why it applies to this patient.
    pub choice: LimitChoice,
    /// The cumulative value compared (BED: the smallest), Gy.
    pub value_gy: f64,
    /// The largest value the unknowns allow, when it is a range (None: unbounded when a course
    /// has no BED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_max_gy: Option<f64>,
    /// Whether every course's value is known exactly.
    pub exact: bool,
    /// Result.
    pub status: LimitStatus,
}

/// The tissue parameters a structure's BED is computed with.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TissueUsed {
    /// Tissue record id.
    pub id: String,
    /// Wording.
    pub title: String,
    /// French wording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_fr: Option<String>,
    /// α/β and T_rep with their source.
    pub lq: LqParameters,
    /// Evidence label.
    pub evidence: String,
}

/// One structure's courses, sums and checks.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OrganTotal {
    /// The structure.
    pub organ: Organ,
    /// Its tissue parameters (None: no record: no BED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tissue: Option<TissueUsed>,
    /// The courses, in the order given.
    pub terms: Vec<TermResult>,
    /// Σ absorbed dose, Gy (a mean over the structure: means add).
    pub dose_gy: f64,
    /// Σ BED, Gy (the smallest where a course's BED is a range; a course without a BED counts
    /// its absorbed dose, BED ≥ D). None without tissue parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bed_gy: Option<f64>,
    /// The largest Σ BED the unknowns allow (None: unbounded or exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bed_max_gy: Option<f64>,
    /// Whether every course's BED is exact.
    pub bed_exact: bool,
    /// EQD2 of `bed_gy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eqd2_gy: Option<f64>,
    /// The cumulative limits checked.
    pub checks: Vec<LimitCheck>,
    /// What is said where no limit applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_limit: Option<NoLimit>,
}

/// A course that cannot be computed as given.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CumulativeError {
    /// A dose, half-life or fraction count that makes the formula meaningless.
    #[error("cumulative dose, {course}, {organ}: {source}")]
    Parameters {
        /// The course.
        course: String,
        /// The structure.
        organ: &'static str,
        /// What is wrong.
        #[source]
        source: crate::RadiobiologyError,
    },
}

/// The EQD2 reference dose per fraction, Gy (by definition; as in `radiobiology`).
const EQD2_REFERENCE_GY: f64 = 2.0;

fn tissue_used(organ: OrganKind, rb: &RadiobiologyData) -> Option<TissueUsed> {
    rb.tissue_for(organ.tissue_role()).map(|t| TissueUsed {
        id: t.id.clone(),
        title: t.title.clone(),
        title_fr: t.title_fr.clone(),
        lq: t.lq.clone(),
        evidence: t.evidence.clone(),
    })
}

/// BED of `n` equal parts of a total `d` with Dale coefficient `k` (Gy⁻¹): n·(d/n + (d/n)²·k).
fn split_bed(d: f64, n: u32, k: f64) -> f64 {
    let per = d / f64::from(n);
    f64::from(n) * (per + per * per * k)
}

/// The BED of one course: (BED, largest BED when a range); None when the time structure is
/// unknown.
pub fn term_bed(
    term: &CourseTerm,
    lq: &LqParameters,
) -> Result<Option<(f64, Option<f64>)>, CumulativeError> {
    let err = |source| CumulativeError::Parameters {
        course: term.course.clone(),
        organ: term.organ.kind.label(),
        source,
    };
    let d = term.dose.gy();
    if !d.is_finite() || d < 0.0 {
        return Err(err(crate::RadiobiologyError::BadDose {
            found: term.dose.to_string(),
        }));
    }
    let ab = lq.alpha_beta.gy();
    // The dose over the irradiated part, and the factor back to the structure's mean.
    let (d_part, f) = match term.irradiated_fraction {
        Some(f) if f > 0.0 && f <= 1.0 => (d / f, f),
        _ => (d, 1.0),
    };
    let out = match &term.time {
        TimeStructure::PermanentImplant { half_life } => {
            let k = DaleFactor::new(*half_life, lq).map_err(err)?;
            Some((f * k.bed_gy(d_part), None))
        }
        TimeStructure::Clearance {
            half_life,
            basis,
            cycles,
        } => {
            let dale = dale_per_gy(*half_life, lq).map_err(err)?;
            let n = (*cycles).max(1);
            let bed = f * split_bed(d_part, n, dale);
            let max = matches!(basis, HalfLifeBasis::PhysicalBound)
                .then(|| f * split_bed(d_part, n, 1.0 / ab));
            Some((bed, max))
        }
        TimeStructure::Fractions { fractions } => {
            let n = (*fractions).max(1);
            Some((f * split_bed(d_part, n, 1.0 / ab), None))
        }
        TimeStructure::Unknown { .. } => None,
    };
    Ok(out)
}

/// Dale's coefficient k = T_rep / ((T_rep + T) · α/β), Gy⁻¹, checked by [`DaleFactor::new`].
fn dale_per_gy(half_life: TimeSpan, lq: &LqParameters) -> Result<f64, crate::RadiobiologyError> {
    let factor = DaleFactor::new(half_life, lq)?;
    // bed_gy(1) = 1 + k.
    Ok(factor.bed_gy(1.0) - 1.0)
}

/// Which limits of `organ` apply to this patient, and why.
fn limits_for(
    organ: OrganKind,
    data: &CumulativeData,
    kidney_risk_factors: Option<bool>,
) -> Vec<(&CumulativeLimit, LimitChoice)> {
    data.limits()
        .iter()
        .filter(|l| l.organ == organ)
        .filter_map(|l| match (l.applies, kidney_risk_factors) {
            (Applies::Always, _) => Some((l, LimitChoice::Always)),
            (Applies::WithKidneyRiskFactors, Some(true))
            | (Applies::WithoutKidneyRiskFactors, Some(false)) => Some((l, LimitChoice::Stated)),
            (Applies::WithKidneyRiskFactors, None) => Some((l, LimitChoice::NotStatedLowerApplied)),
            _ => None,
        })
        .collect()
}

fn check(limit: &CumulativeLimit, choice: LimitChoice, total: &OrganTotal) -> Option<LimitCheck> {
    let (value, max, exact) = match limit.quantity {
        LimitQuantity::AbsorbedDose => (total.dose_gy, Some(total.dose_gy), true),
        LimitQuantity::Bed => {
            let bed = total.bed_gy?;
            let max = if total.bed_exact {
                Some(bed)
            } else {
                total.bed_max_gy
            };
            (bed, max, total.bed_exact)
        }
    };
    let threshold = limit.threshold.gy();
    let status = if value >= threshold {
        LimitStatus::Exceeded
    } else if max.is_some_and(|m| m < threshold) {
        LimitStatus::Met
    } else {
        LimitStatus::Undetermined
    };
    Some(LimitCheck {
        limit: limit.clone(),
        choice,
        value_gy: value,
        value_max_gy: if exact { None } else { max },
        exact,
        status,
    })
}

/// Sums the courses per structure (structures in the order of their kind, then tumour id) and
/// checks the cumulative limits that apply (`kidney_risk_factors`: the case's statement).
pub fn cumulative(
    terms: Vec<CourseTerm>,
    rb: &RadiobiologyData,
    data: &CumulativeData,
    kidney_risk_factors: Option<bool>,
) -> Result<Vec<OrganTotal>, CumulativeError> {
    let mut organs: Vec<Organ> = terms.iter().map(|t| t.organ.clone()).collect();
    organs.sort();
    organs.dedup();
    organs
        .into_iter()
        .map(|organ| {
            let mine = terms.iter().filter(|t| t.organ == organ).cloned().collect();
            organ_total(organ, mine, rb, data, kidney_risk_factors)
        })
        .collect()
}

fn organ_total(
    organ: Organ,
    terms: Vec<CourseTerm>,
    rb: &RadiobiologyData,
    data: &CumulativeData,
    kidney_risk_factors: Option<bool>,
) -> Result<OrganTotal, CumulativeError> {
    let tissue = tissue_used(organ.kind, rb);
    let mut results = Vec::new();
    let (mut bed, mut bed_max, mut exact, mut dose) = (0.0, Some(0.0), true, 0.0);
    for term in terms {
        dose += term.dose.gy();
        let computed = match &tissue {
            Some(t) => term_bed(&term, &t.lq)?,
            None => None,
        };
        let ab = tissue.as_ref().map(|t| t.lq.alpha_beta.gy());
        match computed {
            Some((b, max)) => {
                bed += b;
                exact &= max.is_none();
                bed_max = bed_max.map(|s| s + max.unwrap_or(b));
            }
            None => {
                // BED ≥ D for any time structure: the sum's smallest value counts D.
                bed += term.dose.gy();
                exact = false;
                bed_max = None;
            }
        }
        results.push(TermResult {
            bed_gy: computed.map(|c| c.0),
            bed_max_gy: computed.and_then(|c| c.1),
            eqd2_gy: computed
                .zip(ab)
                .map(|(c, ab)| c.0 / (1.0 + EQD2_REFERENCE_GY / ab)),
            term,
        });
    }
    let bed_total = tissue.as_ref().map(|_| bed);
    let mut total = OrganTotal {
        eqd2_gy: tissue
            .as_ref()
            .map(|t| bed / (1.0 + EQD2_REFERENCE_GY / t.lq.alpha_beta.gy())),
        tissue,
        terms: results,
        dose_gy: dose,
        bed_gy: bed_total,
        bed_max_gy: if exact { None } else { bed_max },
        bed_exact: exact,
        checks: Vec::new(),
        no_limit: None,
        organ,
    };
    total.checks = limits_for(total.organ.kind, data, kidney_risk_factors)
        .into_iter()
        .filter_map(|(l, choice)| check(l, choice, &total))
        .collect();
    if total.checks.is_empty() {
        total.no_limit = data.no_limit(total.organ.kind).cloned();
    }
    Ok(total)
}

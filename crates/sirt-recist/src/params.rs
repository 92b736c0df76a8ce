//! Protocol parameters and the cited thresholds behind them.
//!
//! Lengths are integer tenths of a millimetre (`_tenth_mm`): measurements are recorded to 0.1 mm and
//! every threshold below is a whole number of tenths, so comparisons are exact integer
//! cross-multiplications (RECIST-tracker `src/domain/recist.js` shows why floating point fails
//! at 14.0 → 9.8 mm). `sirt_units::Length` is a float and is therefore not used here.

use serde::Serialize;

/// Minimum longest diameter of a measurable non-nodal lesion on CT/MRI with slices ≤ 5 mm, and by
/// caliper: 10 mm. Eisenhauer EA et al., Eur J Cancer 2009;45:228–247 (RECIST 1.1) §3.1.1.
pub const MEASURABLE_MIN_TENTH_MM: u32 = 100;
/// Slice thickness above which the measurable minimum becomes twice the slice thickness: 5 mm.
/// RECIST 1.1 §3.1.1 (clinical-rules.md §1.1, secondary: radiologykey).
pub const THIN_SLICE_MAX_TENTH_MM: u32 = 50;
/// Minimum longest diameter of a measurable lesion on a chest X-ray: 20 mm. RECIST 1.1 §3.1.1.
pub const CHEST_XRAY_MIN_TENTH_MM: u32 = 200;
/// Short axis from which a lymph node is measurable (may be a target): 15 mm. RECIST 1.1 §3.1.1;
/// Schwartz LH et al., Eur J Cancer 2009;45:261–267.
pub const NODE_TARGET_MIN_TENTH_MM: u32 = 150;
/// Short axis from which a lymph node is pathological; below it the node is normal, and a node
/// below it counts as disappeared for CR: 10 mm. RECIST 1.1 §3.1.1 and §4.3.1.
pub const NODE_PATHOLOGICAL_MIN_TENTH_MM: u32 = 100;
/// Value recorded for a target that is present but too small to measure: 5 mm. RECIST 1.1
/// §4.3.2; EORTC RECIST FAQ "Lesions less than 5 mm" (recist.eortc.org).
pub const TOO_SMALL_DEFAULT_TENTH_MM: u32 = 50;
/// Absolute increase of the sum over the nadir needed, besides +20 %, for target PD: 5 mm.
/// RECIST 1.1 §4.3.1.
pub const RECIST_PD_MIN_INCREASE_TENTH_MM: u64 = 50;
/// Maximum number of target lesions: 5. RECIST 1.1 §4.2.
pub const MAX_TARGETS: u32 = 5;
/// Maximum number of target lesions per organ (all lymph nodes together are one organ): 2.
/// RECIST 1.1 §4.2; EORTC RECIST FAQ "Two target lesions": "Nodes are considered to be one organ".
pub const MAX_TARGETS_PER_ORGAN: u32 = 2;
/// Minimum interval between a CR or PR and its confirming assessment: 4 weeks = 28 days.
/// RECIST 1.1 §4.6; admiralonco `derive_param_confirmed_bor(ref_confirm = 28)` in its tests.
pub const MIN_CONFIRMATION_DAYS: u32 = 28;
/// Minimum time from the reference date (treatment start, else the baseline scan) at which a
/// time point can count as SD for the best response. RECIST 1.1 §4.4.3 leaves it to the
/// protocol ("usually 6–8 weeks"); sirtplan's default is 6 weeks = 42 days.
pub const SD_MIN_DAYS: u32 = 42;
/// NE assessments tolerated between a response and its confirmation: 1 (admiralonco
/// `derive_param_confirmed_bor`, default `max_nr_ne = 1`).
pub const MAX_NE_BETWEEN: u32 = 1;
/// Longest interval allowed between the baseline scan and the start of treatment: 4 weeks.
/// RECIST 1.1 §3.2 ("as close as possible to the treatment start and never more than 4 weeks
/// before").
pub const BASELINE_MAX_DAYS_BEFORE_START: i64 = 28;
/// Plausibility bound on any diameter or slice thickness read from a file: 1000 mm. Not a
/// guideline value; it keeps the integer arithmetic far from overflow.
pub const MAX_LENGTH_TENTH_MM: u32 = 10_000;

/// The response criteria applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub enum Criteria {
    /// RECIST 1.1 (Eisenhauer 2009): sum of longest diameters (short axis for nodes).
    #[default]
    #[serde(rename = "RECIST 1.1")]
    Recist11,
    /// mRECIST (Lencioni & Llovet, Semin Liver Dis 2010;30:52–60): sum of the longest diameters of
    /// viable (arterially enhancing) tumour; PD ≥ 20 % over the nadir without the 5 mm rule.
    #[serde(rename = "mRECIST")]
    MRecist,
    /// Choi (Choi H et al., J Clin Oncol 2007;25:1753–1759): PR is a size decrease ≥ 10 % OR a
    /// density decrease ≥ 15 %; PD is a size increase ≥ 10 % without PR by density.
    #[serde(rename = "Choi")]
    Choi,
    /// Modified Choi: PR needs both the 10 % size and the 15 % density decrease
    /// (clinical-rules.md §1.8, secondary source).
    #[serde(rename = "modified Choi")]
    ChoiModified,
}

impl Criteria {
    /// The name as written in files and reports.
    pub fn label(self) -> &'static str {
        match self {
            Criteria::Recist11 => "RECIST 1.1",
            Criteria::MRecist => "mRECIST",
            Criteria::Choi => "Choi",
            Criteria::ChoiModified => "modified Choi",
        }
    }

    /// The source, for reports.
    pub fn source(self) -> &'static str {
        match self {
            Criteria::Recist11 => "Eisenhauer EA et al., Eur J Cancer 2009;45:228-247",
            Criteria::MRecist => "Lencioni R, Llovet JM, Semin Liver Dis 2010;30:52-60",
            Criteria::Choi => "Choi H et al., J Clin Oncol 2007;25:1753-1759",
            Criteria::ChoiModified => {
                "Choi H et al., J Clin Oncol 2007;25:1753-1759, both size and density for PR"
            }
        }
    }

    /// Every criteria value, in file spelling order.
    pub const ALL: [Criteria; 4] = [
        Criteria::Recist11,
        Criteria::MRecist,
        Criteria::Choi,
        Criteria::ChoiModified,
    ];

    /// Reads a criteria name as written in a file.
    pub fn from_label(text: &str) -> Option<Criteria> {
        Criteria::ALL.into_iter().find(|c| c.label() == text)
    }
}

/// Size thresholds of one criteria set, as exact ratios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRule {
    /// PR when `current × pr.1 ≤ baseline × pr.0` (RECIST: 7/10, a decrease of at least 30 %).
    pub pr: (u64, u64),
    /// PD when `current × pd.1 ≥ nadir × pd.0` (RECIST: 6/5, an increase of at least 20 %) ...
    pub pd: (u64, u64),
    /// ... and `current − nadir ≥ pd_min_increase_tenth_mm` (RECIST 5 mm; 0.1 mm, i.e. any
    /// increase, for the criteria without an absolute rule).
    pub pd_min_increase_tenth_mm: u64,
}

impl SizeRule {
    /// RECIST 1.1 §4.3.1: PR ≥ 30 % decrease vs baseline; PD ≥ 20 % and ≥ 5 mm over the nadir.
    pub const RECIST: SizeRule = SizeRule {
        pr: (7, 10),
        pd: (6, 5),
        pd_min_increase_tenth_mm: RECIST_PD_MIN_INCREASE_TENTH_MM,
    };
    /// mRECIST (Lencioni & Llovet 2010; clinical-rules.md §1.8, secondary: KJR 2022 PMC9747269 T11):
    /// thresholds of RECIST on viable tumour, and "there is no 5 mm absolute rule".
    pub const MRECIST: SizeRule = SizeRule {
        pr: (7, 10),
        pd: (6, 5),
        pd_min_increase_tenth_mm: 1,
    };
    /// Choi 2007 (clinical-rules.md §1.8, verified: radiopaedia; secondary: PMC5658474 T2): size PR ≥ 10 %
    /// decrease, size PD ≥ 10 % increase (taken over the nadir, as in RECIST: simplification).
    pub const CHOI: SizeRule = SizeRule {
        pr: (9, 10),
        pd: (11, 10),
        pd_min_increase_tenth_mm: 1,
    };

    /// The size rule of a criteria set.
    pub fn of(criteria: Criteria) -> SizeRule {
        match criteria {
            Criteria::Recist11 => SizeRule::RECIST,
            Criteria::MRecist => SizeRule::MRECIST,
            Criteria::Choi | Criteria::ChoiModified => SizeRule::CHOI,
        }
    }

    /// Whether `current` is a partial response against `baseline` (exact).
    pub fn is_pr(&self, baseline: u64, current: u64) -> bool {
        u128::from(current) * u128::from(self.pr.1) <= u128::from(baseline) * u128::from(self.pr.0)
    }

    /// Whether `current` is progression against `nadir` (exact; both the relative and the
    /// absolute condition).
    pub fn is_pd(&self, nadir: u64, current: u64) -> bool {
        current > nadir
            && current - nadir >= self.pd_min_increase_tenth_mm
            && u128::from(current) * u128::from(self.pd.1)
                >= u128::from(nadir) * u128::from(self.pd.0)
    }
}

/// Choi density PR: mean CT attenuation (portal-venous phase) down by at least 15 %:
/// `current × 100 ≤ baseline × 85`. Choi 2007 (clinical-rules.md §1.8, verified: radiopaedia).
pub const CHOI_DENSITY_PR: (i64, i64) = (85, 100);

/// Protocol parameters of an evaluation. A file's `[protocol]` table overrides these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Params {
    /// Response criteria.
    pub criteria: Criteria,
    /// Whether CR and PR need confirmation for the reported best response. RECIST 1.1 §4.4.3/§4.6:
    /// required in non-randomised trials with response as primary endpoint, not required in
    /// randomised trials or when PFS is the endpoint. Default false (follow-up outside a
    /// single-arm response trial); both best responses are always computed and shown.
    pub confirmation_required: bool,
    /// Minimum days between a response and its confirmation ([`MIN_CONFIRMATION_DAYS`]).
    pub min_confirmation_days: u32,
    /// Minimum days from the reference date for SD to count as best response ([`SD_MIN_DAYS`]).
    pub sd_min_days: u32,
    /// NE assessments tolerated between a response and its confirmation ([`MAX_NE_BETWEEN`]).
    pub max_ne_between: u32,
    /// Whether one SD between a PR and its confirmation is accepted (admiralonco `accept_sd`,
    /// default false).
    pub accept_sd_between: bool,
    /// Value used for "too small to measure" ([`TOO_SMALL_DEFAULT_TENTH_MM`]).
    pub too_small_tenth_mm: u32,
    /// Maximum number of targets ([`MAX_TARGETS`]).
    pub max_targets: u32,
    /// Maximum number of targets per organ ([`MAX_TARGETS_PER_ORGAN`]).
    pub max_targets_per_organ: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            criteria: Criteria::Recist11,
            confirmation_required: false,
            min_confirmation_days: MIN_CONFIRMATION_DAYS,
            sd_min_days: SD_MIN_DAYS,
            max_ne_between: MAX_NE_BETWEEN,
            accept_sd_between: false,
            too_small_tenth_mm: TOO_SMALL_DEFAULT_TENTH_MM,
            max_targets: MAX_TARGETS,
            max_targets_per_organ: MAX_TARGETS_PER_ORGAN,
        }
    }
}

/// Parameters a file may set in its `[protocol]` table; `None` keeps the caller's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProtocolOverrides {
    /// See [`Params::criteria`].
    pub criteria: Option<Criteria>,
    /// See [`Params::confirmation_required`].
    pub confirmation_required: Option<bool>,
    /// See [`Params::min_confirmation_days`].
    pub min_confirmation_days: Option<u32>,
    /// See [`Params::sd_min_days`].
    pub sd_min_days: Option<u32>,
    /// See [`Params::max_ne_between`].
    pub max_ne_between: Option<u32>,
    /// See [`Params::accept_sd_between`].
    pub accept_sd_between: Option<bool>,
    /// See [`Params::too_small_tenth_mm`].
    pub too_small_tenth_mm: Option<u32>,
    /// See [`Params::max_targets`].
    pub max_targets: Option<u32>,
    /// See [`Params::max_targets_per_organ`].
    pub max_targets_per_organ: Option<u32>,
}

impl Params {
    /// These parameters with a file's overrides applied.
    pub fn with(mut self, o: &ProtocolOverrides) -> Params {
        if let Some(v) = o.criteria {
            self.criteria = v;
        }
        if let Some(v) = o.confirmation_required {
            self.confirmation_required = v;
        }
        if let Some(v) = o.min_confirmation_days {
            self.min_confirmation_days = v;
        }
        if let Some(v) = o.sd_min_days {
            self.sd_min_days = v;
        }
        if let Some(v) = o.max_ne_between {
            self.max_ne_between = v;
        }
        if let Some(v) = o.accept_sd_between {
            self.accept_sd_between = v;
        }
        if let Some(v) = o.too_small_tenth_mm {
            self.too_small_tenth_mm = v;
        }
        if let Some(v) = o.max_targets {
            self.max_targets = v;
        }
        if let Some(v) = o.max_targets_per_organ {
            self.max_targets_per_organ = v;
        }
        self
    }
}

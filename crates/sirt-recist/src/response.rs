//! Response categories and the overall time-point response tables of RECIST 1.1
//! (Eisenhauer 2009 Table 1: target disease at baseline; Table 2: non-target disease only).

use serde::Serialize;

/// Response of the target lesions at one time point (RECIST 1.1 §4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TargetResponse {
    /// Complete response: every non-nodal target gone, every nodal target < 10 mm short axis.
    #[serde(rename = "CR")]
    Cr,
    /// Partial response: sum down ≥ 30 % from baseline (criteria-dependent threshold).
    #[serde(rename = "PR")]
    Pr,
    /// Stable disease: neither PR (vs baseline) nor PD (vs nadir).
    #[serde(rename = "SD")]
    Sd,
    /// Progressive disease: sum up ≥ 20 % and ≥ 5 mm over the nadir.
    #[serde(rename = "PD")]
    Pd,
    /// Not evaluable: a target not measured, and the measured ones do not already prove PD.
    #[serde(rename = "NE")]
    Ne,
}

/// Response of the non-target lesions at one time point (RECIST 1.1 §4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum NonTargetResponse {
    /// All non-target lesions gone, nodes < 10 mm, tumour markers normal.
    #[serde(rename = "CR")]
    Cr,
    /// One or more persist, or a marker stays above normal.
    #[serde(rename = "non-CR/non-PD")]
    NonCrNonPd,
    /// Unequivocal progression of existing non-target lesions.
    #[serde(rename = "PD")]
    Pd,
    /// Not all evaluated.
    #[serde(rename = "NE")]
    Ne,
}

/// New lesions at one time point (RECIST 1.1 §4.3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum NewLesions {
    /// None.
    #[serde(rename = "no")]
    No,
    /// Only equivocal ones: not PD now; PD dated to this scan if a later scan confirms them.
    #[serde(rename = "equivocal")]
    Equivocal,
    /// At least one unequivocal new lesion (or an equivocal one confirmed later).
    #[serde(rename = "yes")]
    Yes,
}

/// Overall response at one time point, and best overall response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum OverallResponse {
    /// Complete response.
    #[serde(rename = "CR")]
    Cr,
    /// Partial response.
    #[serde(rename = "PR")]
    Pr,
    /// Stable disease.
    #[serde(rename = "SD")]
    Sd,
    /// Non-CR/non-PD (non-target disease only; preferred over "SD", RECIST 1.1 Table 2).
    #[serde(rename = "non-CR/non-PD")]
    NonCrNonPd,
    /// Progressive disease.
    #[serde(rename = "PD")]
    Pd,
    /// Not evaluable.
    #[serde(rename = "NE")]
    Ne,
}

impl TargetResponse {
    /// Abbreviation as printed.
    pub fn label(self) -> &'static str {
        match self {
            TargetResponse::Cr => "CR",
            TargetResponse::Pr => "PR",
            TargetResponse::Sd => "SD",
            TargetResponse::Pd => "PD",
            TargetResponse::Ne => "NE",
        }
    }
}

impl NonTargetResponse {
    /// Abbreviation as printed.
    pub fn label(self) -> &'static str {
        match self {
            NonTargetResponse::Cr => "CR",
            NonTargetResponse::NonCrNonPd => "non-CR/non-PD",
            NonTargetResponse::Pd => "PD",
            NonTargetResponse::Ne => "NE",
        }
    }

    /// Reads the per-lesion status as written in a file (`CR`, `non-CR/non-PD`, `PD`, `NE`).
    pub fn from_label(text: &str) -> Option<NonTargetResponse> {
        [
            NonTargetResponse::Cr,
            NonTargetResponse::NonCrNonPd,
            NonTargetResponse::Pd,
            NonTargetResponse::Ne,
        ]
        .into_iter()
        .find(|r| r.label() == text)
    }
}

impl NewLesions {
    /// As printed.
    pub fn label(self) -> &'static str {
        match self {
            NewLesions::No => "no",
            NewLesions::Equivocal => "equivocal",
            NewLesions::Yes => "yes",
        }
    }
}

impl OverallResponse {
    /// Abbreviation as printed.
    pub fn label(self) -> &'static str {
        match self {
            OverallResponse::Cr => "CR",
            OverallResponse::Pr => "PR",
            OverallResponse::Sd => "SD",
            OverallResponse::NonCrNonPd => "non-CR/non-PD",
            OverallResponse::Pd => "PD",
            OverallResponse::Ne => "NE",
        }
    }

    /// Rank for the best response: CR best, NE worst (admiralonco `aval_resp` order
    /// CR > PR > SD > NON-CR/NON-PD > PD > NE).
    pub fn rank(self) -> u8 {
        match self {
            OverallResponse::Cr => 0,
            OverallResponse::Pr => 1,
            OverallResponse::Sd => 2,
            OverallResponse::NonCrNonPd => 3,
            OverallResponse::Pd => 4,
            OverallResponse::Ne => 5,
        }
    }
}

/// RECIST 1.1 Table 1 (patients with target disease): the overall response from the target
/// response, the non-target response (`None` when there was no non-target lesion at baseline
/// and markers are not above normal, which reads as CR) and new lesions. An equivocal new
/// lesion reads as "no" here (§4.3.5).
pub fn overall_with_targets(
    target: TargetResponse,
    non_target: Option<NonTargetResponse>,
    new: NewLesions,
) -> OverallResponse {
    use NonTargetResponse as N;
    use TargetResponse as T;
    if target == T::Pd || non_target == Some(N::Pd) || new == NewLesions::Yes {
        return OverallResponse::Pd;
    }
    match (target, non_target) {
        (T::Cr, None | Some(N::Cr)) => OverallResponse::Cr,
        (T::Cr, Some(N::NonCrNonPd | N::Ne)) => OverallResponse::Pr,
        (T::Pr, _) => OverallResponse::Pr,
        (T::Sd, _) => OverallResponse::Sd,
        (T::Ne, _) => OverallResponse::Ne,
        // Unreachable: PD returned above.
        (T::Pd, _) | (_, Some(N::Pd)) => OverallResponse::Pd,
    }
}

/// RECIST 1.1 Table 2 (non-target disease only).
pub fn overall_without_targets(non_target: NonTargetResponse, new: NewLesions) -> OverallResponse {
    if non_target == NonTargetResponse::Pd || new == NewLesions::Yes {
        return OverallResponse::Pd;
    }
    match non_target {
        NonTargetResponse::Cr => OverallResponse::Cr,
        NonTargetResponse::NonCrNonPd => OverallResponse::NonCrNonPd,
        NonTargetResponse::Ne => OverallResponse::Ne,
        NonTargetResponse::Pd => OverallResponse::Pd,
    }
}

//! Baseline validation (measurability, target choice, limits) and follow-up consistency checks.

use std::collections::BTreeMap;

use crate::bor::days_between;
use crate::error::{Finding, Severity};
use crate::input::{Diameter, Lesion, LesionKind, Modality, Series, tenths_text};
use crate::params::{
    BASELINE_MAX_DAYS_BEFORE_START, CHEST_XRAY_MIN_TENTH_MM, Criteria, MEASURABLE_MIN_TENTH_MM,
    NODE_PATHOLOGICAL_MIN_TENTH_MM, NODE_TARGET_MIN_TENTH_MM, Params, THIN_SLICE_MAX_TENTH_MM,
};

/// RECIST 1.1 §3.1.1, measurable lesions.
pub const RULE_MEASURABLE: &str = "RECIST 1.1 §3.1.1, Eisenhauer 2009";
/// RECIST 1.1 §3.1.1 and the lymph-node paper.
pub const RULE_NODES: &str = "RECIST 1.1 §3.1.1; Schwartz 2009, Eur J Cancer 45:261";
/// RECIST 1.1 §4.2, number of targets.
pub const RULE_TARGET_COUNT: &str = "RECIST 1.1 §4.2: at most 5 targets";
/// RECIST 1.1 §4.2, targets per organ; nodes are one organ.
pub const RULE_PER_ORGAN: &str =
    "RECIST 1.1 §4.2: at most 2 targets per organ; EORTC RECIST FAQ: all nodes are one organ";
/// RECIST 1.1 §4.2, targets chosen by size and reproducibility.
pub const RULE_SELECTION: &str = "RECIST 1.1 §4.2: targets chosen by size";
/// RECIST 1.1 §3.1.3, previously locally treated lesions.
pub const RULE_TREATED: &str = "RECIST 1.1 §3.1.3: previously locally treated lesions";
/// RECIST 1.1 §3.2.2, same method of assessment throughout.
pub const RULE_SAME_METHOD: &str = "RECIST 1.1 §3.2.2: same method at baseline and follow-up";
/// RECIST 1.1 §3.2, baseline timing.
pub const RULE_BASELINE_WINDOW: &str = "RECIST 1.1 §3.2: baseline at most 4 weeks before treatment";
/// mRECIST target lesions.
pub const RULE_MRECIST: &str =
    "mRECIST, Lencioni & Llovet 2010: target with arterial enhancement, viable diameter >= 10 mm";
/// Choi density criterion.
pub const RULE_CHOI: &str = "Choi 2007: density criterion needs the attenuation of every target";

fn finding(severity: Severity, place: String, message: String, rule: &'static str) -> Finding {
    Finding {
        severity,
        place,
        message,
        rule,
    }
}

/// Smallest measurable longest diameter of a non-nodal lesion for a modality and slice
/// thickness (RECIST 1.1 §3.1.1), with the reason.
pub fn measurable_min_tenth_mm(modality: Modality, slice_tenth_mm: Option<u32>) -> (u32, String) {
    match modality {
        Modality::Ct | Modality::Mri => match slice_tenth_mm {
            Some(s) if s > THIN_SLICE_MAX_TENTH_MM => (
                2 * s,
                format!("twice the slice thickness of {}", tenths_text(s)),
            ),
            _ => (MEASURABLE_MIN_TENTH_MM, "10 mm on CT/MRI".to_owned()),
        },
        Modality::Caliper => (MEASURABLE_MIN_TENTH_MM, "10 mm by caliper".to_owned()),
        Modality::ChestXray => (CHEST_XRAY_MIN_TENTH_MM, "20 mm on a chest X-ray".to_owned()),
    }
}

/// Whether the lesion is measured by its viable diameter under mRECIST (its baseline record
/// has `viable_mm`).
pub(crate) fn uses_viable(series: &Series, id: &str, criteria: Criteria) -> bool {
    criteria == Criteria::MRecist
        && series
            .baseline
            .measurement(id)
            .is_some_and(|m| m.viable.is_some())
}

/// Whether the Choi density criterion applies: every target has a baseline attenuation and
/// their sum is above zero.
pub(crate) fn density_used(series: &Series, targets: &[&str]) -> bool {
    let mut sum = 0i64;
    for id in targets {
        match series
            .baseline
            .measurement(id)
            .and_then(|m| m.density_tenth_hu)
        {
            Some(d) => sum += i64::from(d),
            None => return false,
        }
    }
    !targets.is_empty() && sum > 0
}

/// Every baseline and follow-up finding of a series under `params` (errors and warnings).
pub fn check(series: &Series, params: &Params) -> Vec<Finding> {
    let mut out = Vec::new();
    let b = &series.baseline;
    let targets: Vec<_> = series
        .lesions
        .iter()
        .filter(|l| l.kind == LesionKind::Target)
        .collect();
    if matches!(b.modality, Modality::Ct | Modality::Mri) && b.slice_thickness_tenth_mm.is_none() {
        out.push(finding(
            Severity::Warning,
            b.place(),
            "slice thickness not given; measurability assumes slices of 5 mm or less".to_owned(),
            RULE_MEASURABLE,
        ));
    }
    for l in &targets {
        check_target(series, params, l, &mut out);
    }
    check_target_counts(series, params, &targets, &mut out);
    check_non_targets(series, &targets, &mut out);
    if matches!(params.criteria, Criteria::Choi | Criteria::ChoiModified) {
        let ids: Vec<&str> = targets.iter().map(|l| l.id.as_str()).collect();
        if !density_used(series, &ids) {
            out.push(finding(
                Severity::Warning,
                b.place(),
                "the attenuation (density_hu) of every target is not recorded, or sums to 0 HU or less: Choi is applied on size only".to_owned(),
                RULE_CHOI,
            ));
        }
    }
    check_baseline_timing(series, &mut out);
    check_follow_up_methods(series, &mut out);
    out
}

/// A baseline target: measured, measurable (viable diameter under mRECIST, node short axis,
/// non-nodal minimum), and warnings for thick slices under nodes, previous local treatment
/// and mRECIST targets without a viable diameter.
fn check_target(series: &Series, params: &Params, l: &Lesion, out: &mut Vec<Finding>) {
    use Severity::{Error, Warning};
    let b = &series.baseline;
    let (min_non_nodal, why) = measurable_min_tenth_mm(b.modality, b.slice_thickness_tenth_mm);
    let place = format!("{}, target `{}`", b.place(), l.id);
    let m = b.measurement(&l.id);
    let viable = uses_viable(series, &l.id, params.criteria);
    let d = if viable {
        m.and_then(|m| m.viable)
    } else {
        m.and_then(|m| m.diameter)
    };
    let field = if viable { "viable_mm" } else { "diameter_mm" };
    let d = match d {
        Some(Diameter::TenthMm(d)) => d,
        Some(Diameter::TooSmall | Diameter::Unassessed(_)) | None => {
            out.push(finding(
                Error,
                place,
                format!("a target must be measured at baseline; {field} is not a measurement"),
                RULE_MEASURABLE,
            ));
            return;
        }
    };
    if viable {
        if d < MEASURABLE_MIN_TENTH_MM {
            out.push(finding(
                Error,
                place.clone(),
                format!(
                    "viable tumour of {} is below the 10 mm of a measurable mRECIST target",
                    tenths_text(d)
                ),
                RULE_MRECIST,
            ));
        }
    } else if l.nodal {
        check_nodal_target(series, d, &place, out);
    } else if d < min_non_nodal {
        out.push(finding(
            Error,
            place.clone(),
            format!(
                "longest diameter {} is below the measurable minimum ({why}): record it as a non-target",
                tenths_text(d)
            ),
            RULE_MEASURABLE,
        ));
    }
    if l.previously_treated {
        out.push(finding(
            Warning,
            place.clone(),
            "target in a previously treated area: non-measurable unless progression was shown there; the protocol must state the rule".to_owned(),
            RULE_TREATED,
        ));
    }
    if params.criteria == Criteria::MRecist && !viable {
        out.push(finding(
            Warning,
            place,
            "no viable_mm at baseline: followed by its RECIST 1.1 diameter".to_owned(),
            RULE_MRECIST,
        ));
    }
}

/// A nodal target of short axis `d`: at least 15 mm, preferably on slices of 5 mm or less.
fn check_nodal_target(series: &Series, d: u32, place: &str, out: &mut Vec<Finding>) {
    if d < NODE_TARGET_MIN_TENTH_MM {
        out.push(finding(
            Severity::Error,
            place.to_owned(),
            format!(
                "node short axis {} is below 15 mm: not measurable, {}",
                tenths_text(d),
                if d >= NODE_PATHOLOGICAL_MIN_TENTH_MM {
                    "record it as a non-target (pathological, 10 to 15 mm)"
                } else {
                    "and below 10 mm it is a normal node"
                }
            ),
            RULE_NODES,
        ));
    }
    if series
        .baseline
        .slice_thickness_tenth_mm
        .is_some_and(|s| s > THIN_SLICE_MAX_TENTH_MM)
    {
        out.push(finding(
            Severity::Warning,
            place.to_owned(),
            "nodal target on slices thicker than 5 mm (5 mm or less recommended)".to_owned(),
            RULE_NODES,
        ));
    }
}

/// At most `max_targets` targets, and `max_targets_per_organ` in any organ (nodes are one).
fn check_target_counts(
    series: &Series,
    params: &Params,
    targets: &[&Lesion],
    out: &mut Vec<Finding>,
) {
    let bplace = series.baseline.place();
    let count = u32::try_from(targets.len()).unwrap_or(u32::MAX);
    if count > params.max_targets {
        let ids: Vec<String> = targets.iter().map(|l| format!("`{}`", l.id)).collect();
        out.push(finding(
            Severity::Error,
            bplace.clone(),
            format!(
                "at most {} target lesions, found {} ({})",
                params.max_targets,
                count,
                ids.join(", ")
            ),
            RULE_TARGET_COUNT,
        ));
    }
    let mut per_organ: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for l in targets {
        per_organ.entry(l.organ_key()).or_default().push(&l.id);
    }
    for (organ, ids) in &per_organ {
        if u32::try_from(ids.len()).unwrap_or(u32::MAX) > params.max_targets_per_organ {
            let ids: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
            out.push(finding(
                Severity::Error,
                bplace.clone(),
                format!(
                    "at most {} target lesions per organ, found {} in {organ} ({})",
                    params.max_targets_per_organ,
                    ids.len(),
                    ids.join(", ")
                ),
                RULE_PER_ORGAN,
            ));
        }
    }
}

/// Non-targets: normal nodes (short axis below 10 mm), and non-nodal ones larger than a target
/// of the same organ.
fn check_non_targets(series: &Series, targets: &[&Lesion], out: &mut Vec<Finding>) {
    let b = &series.baseline;
    let bplace = b.place();
    for l in series
        .lesions
        .iter()
        .filter(|l| l.kind == LesionKind::NonTarget)
    {
        let place = format!("{bplace}, non-target `{}`", l.id);
        let Some(Diameter::TenthMm(d)) = b.measurement(&l.id).and_then(|m| m.diameter) else {
            continue;
        };
        if l.nodal && d < NODE_PATHOLOGICAL_MIN_TENTH_MM {
            out.push(finding(
                Severity::Warning,
                place.clone(),
                format!(
                    "node short axis {} is below 10 mm: a normal node, not recorded as a lesion",
                    tenths_text(d)
                ),
                RULE_NODES,
            ));
        }
        if !l.nodal {
            let smaller: Vec<String> = targets
                .iter()
                .filter(|t| !t.nodal && t.organ_key() == l.organ_key())
                .filter_map(|t| match b.measurement(&t.id).and_then(|m| m.diameter) {
                    Some(Diameter::TenthMm(td)) if td < d => {
                        Some(format!("`{}` ({})", t.id, tenths_text(td)))
                    }
                    _ => None,
                })
                .collect();
            if !smaller.is_empty() {
                out.push(finding(
                    Severity::Warning,
                    place,
                    format!(
                        "non-target of {} is larger than target {} in the same organ",
                        tenths_text(d),
                        smaller.join(", ")
                    ),
                    RULE_SELECTION,
                ));
            }
        }
    }
}

/// The baseline at most `BASELINE_MAX_DAYS_BEFORE_START` days before the treatment start, and
/// not after it.
fn check_baseline_timing(series: &Series, out: &mut Vec<Finding>) {
    let b = &series.baseline;
    if let Some(start) = series.treatment_start {
        let before = days_between(b.date, start);
        if before > BASELINE_MAX_DAYS_BEFORE_START {
            out.push(finding(
                Severity::Warning,
                b.place(),
                format!("baseline scan {before} days before the treatment start ({start})"),
                RULE_BASELINE_WINDOW,
            ));
        } else if before < 0 {
            out.push(finding(
                Severity::Warning,
                b.place(),
                format!("baseline scan after the treatment start ({start})"),
                RULE_BASELINE_WINDOW,
            ));
        }
    }
}

/// Follow-ups measured like the baseline: same modality and slice thickness.
fn check_follow_up_methods(series: &Series, out: &mut Vec<Finding>) {
    let b = &series.baseline;
    for v in &series.follow_ups {
        if v.modality != b.modality {
            out.push(finding(
                Severity::Warning,
                v.place(),
                format!(
                    "modality {} differs from the baseline ({})",
                    v.modality.label(),
                    b.modality.label()
                ),
                RULE_SAME_METHOD,
            ));
        }
        if let (Some(s), Some(bs)) = (v.slice_thickness_tenth_mm, b.slice_thickness_tenth_mm)
            && s != bs
        {
            out.push(finding(
                Severity::Warning,
                v.place(),
                format!(
                    "slice thickness {} differs from the baseline ({})",
                    tenths_text(s),
                    tenths_text(bs)
                ),
                RULE_SAME_METHOD,
            ));
        }
    }
}

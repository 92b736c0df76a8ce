//! The checks of the voxel results: the rules evaluated on the MAA-predicted voxel dosimetry of
//! each session (basis `voxel`) and on the Y-90 PET dosimetry (basis `delivered`), added to the
//! plan's partition and delivered checks.
//!
//! A rule is checked on a voxel value only where the voxel dosimetry has that value: the mean
//! dose of the whole non-tumoural liver (whole-liver NTAD), of the lungs (with the lung mass of
//! the CT), of each segmented tumour, of each injection's territory (its perfused dose), and the
//! share of the administered activity in each segmented extrahepatic structure
//! (`VoxelDosimetry::extrahepatic`: the MAA accounting's A · f_i, or the PET's measured share).

use crate::voxel::VoxelPlan;
use crate::{Outcome, SiteData};
use sirt_case::{Images, TerritoryKind};
use sirt_i18n::{Arg, Text};
use sirt_rules::{CheckBasis, Facts, InjectionFacts, SessionFacts};
use sirt_units::AbsorbedDose;
use sirt_voxel_dosimetry::{Role, VoxelDosimetry};
use sirt_workflow::{Plan, SessionPlan};

/// The messages that say how the voxel values of a check were obtained (MAA SPECT voxel
/// dosimetry, Y-90 PET voxel dosimetry): what tells an image check from the others.
const IMAGE_VALUES: [&str; 3] = ["values-voxel", "values-voxel-with-margin", "values-pet"];

impl Outcome {
    /// The checks of the voxel results (MAA-predicted voxel dosimetry, basis `voxel`; Y-90 PET,
    /// basis `delivered`): what the planning workspace shows with the voxel part, since a
    /// recompute without images has only the partition and delivery-record checks.
    pub fn image_checks(&self) -> impl Iterator<Item = &sirt_rules::Check> {
        self.plan
            .checks
            .iter()
            .filter(|c| matches!(&c.values_from, Text::Msg { id, .. } if IMAGE_VALUES.contains(id)))
    }
}

/// Adds the voxel and PET checks of `voxel` (when there is a voxel part) to the plan's checks.
pub(crate) fn add(plan: &mut Plan, voxel: Option<&VoxelPlan>, site: &SiteData) {
    let (Some(v), Some(images)) = (voxel, plan.case.images.as_ref()) else {
        return;
    };
    let mut checks = Vec::new();
    if let Some(facts) = predicted_facts(plan, v, images, site) {
        checks.extend(site.rules.evaluate(&facts));
    }
    if let Some(facts) = pet_facts(plan, v, images, site) {
        // Beside the delivered checks of the delivery records, the PET's name the image.
        checks.extend(site.rules.evaluate(&facts).into_iter().map(|mut c| {
            c.subject = format!("{} (Y-90 PET)", c.subject);
            c
        }));
    }
    plan.checks.extend(checks);
}

/// The patient-level labels of the plan's facts, on `basis`, without sessions.
fn base_facts(plan: &Plan, site: &SiteData, basis: CheckBasis, values_from: Text) -> Facts {
    let c = &plan.case;
    Facts {
        check_basis: basis,
        values_from,
        profile: Some(site.settings.event_profile.label().to_owned()),
        indication: Some(c.diagnosis.indication.clone()),
        grade: c.diagnosis.grade.map(|g| g.label().to_owned()),
        ..Facts::default()
    }
}

/// The share of the SPECT counts in the liver margin, per session: activity that counts as the
/// liver's in the accounting but stays in its voxels outside the liver contour, so the voxel
/// liver doses leave it out (docs/dosimetry.md).
/// How the MAA-predicted voxel values were obtained: the engine, and the share of the SPECT
/// counts in the liver margin per session when the accounting gives it.
fn voxel_values(v: &VoxelPlan, images: &Images) -> Text {
    let parts: Vec<Text> = v
        .predicted
        .iter()
        .filter_map(|p| {
            p.dosimetry.accounting().map(|a| {
                Text::with(
                    "values-margin-of-session",
                    vec![
                        ("session", Arg::from(&p.session)),
                        (
                            "fraction",
                            Arg::Qty {
                                value: a.margin_counts_fraction.percent(),
                                decimals: 1,
                                unit: "%",
                            },
                        ),
                    ],
                )
            })
        })
        .collect();
    let engine = Arg::from(engine_words(images));
    if parts.is_empty() {
        return Text::with("values-voxel", vec![("engine", engine)]);
    }
    Text::with(
        "values-voxel-with-margin",
        vec![
            ("engine", engine),
            ("margins", Arg::from(sirt_workflow::comma_list(parts))),
        ],
    )
}

/// The engine's name as the report words it.
fn engine_words(images: &Images) -> Text {
    match images.engine {
        sirt_case::VoxelEngine::Kernel => Text::msg("values-engine-kernel"),
        sirt_case::VoxelEngine::LocalDeposition => Text::msg("values-engine-local-deposition"),
    }
}

/// The facts of the MAA-predicted voxel dosimetry of every session that has one.
fn predicted_facts(plan: &Plan, v: &VoxelPlan, images: &Images, site: &SiteData) -> Option<Facts> {
    let sessions: Vec<SessionFacts> = v
        .predicted
        .iter()
        .filter_map(|p| {
            let s = plan.sessions.iter().find(|s| s.id == p.session)?;
            Some(session_facts(plan, s, &p.dosimetry, images, true))
        })
        .collect();
    (!sessions.is_empty()).then(|| Facts {
        sessions,
        ..base_facts(plan, site, CheckBasis::Voxel, voxel_values(v, images))
    })
}

/// The facts of the Y-90 PET dosimetry of its session.
fn pet_facts(plan: &Plan, v: &VoxelPlan, images: &Images, site: &SiteData) -> Option<Facts> {
    let d = v.delivered.as_ref()?;
    let s = plan.sessions.iter().find(|s| s.id == d.session)?;
    Some(Facts {
        sessions: vec![session_facts(plan, s, &d.dosimetry, images, false)],
        ..base_facts(
            plan,
            site,
            CheckBasis::Delivered,
            Text::with(
                "values-pet",
                vec![("engine", Arg::from(engine_words(images)))],
            ),
        )
    })
}

/// The mean dose of the first structure with `role`.
fn role_mean(d: &VoxelDosimetry, role: Role) -> Option<AbsorbedDose> {
    d.structures
        .iter()
        .find(|s| s.role == role)
        .map(|s| AbsorbedDose::from_gy(s.dvh.mean_gy))
}

/// The mean dose of the structure named `name`.
fn named_mean(d: &VoxelDosimetry, name: &str) -> Option<AbsorbedDose> {
    d.structure(name)
        .map(|s| AbsorbedDose::from_gy(s.dvh.mean_gy))
}

/// The voxel facts of one session from one dosimetry (`lungs`: whether its lung dose is
/// checked; a Y-90 PET does not measure the lung dose reliably).
fn session_facts(
    plan: &Plan,
    s: &SessionPlan,
    d: &VoxelDosimetry,
    images: &Images,
    lungs: bool,
) -> SessionFacts {
    let lung = if lungs { lung_facts(d) } else { (None, None) };
    SessionFacts {
        id: s.id.clone(),
        extent: s.extent.label().to_owned(),
        whole_liver_ntad: role_mean(d, Role::NormalLiver),
        lung_dose: lung.0,
        lung_detail: lung.1,
        tumours: images
            .tumours
            .iter()
            .filter(|(id, _)| plan_treats(plan, s, id))
            .filter_map(|(id, name)| named_mean(d, name).map(|g| (id.clone(), Some(g))))
            .collect(),
        extrahepatic: d
            .extrahepatic
            .iter()
            .map(|e| (e.structure.clone(), e.fraction_of_administered))
            .collect(),
        excluded_counts: d.accounting().map(|a| a.excluded_counts_fraction),
        injections: s
            .injections
            .iter()
            .map(|&n| injection_facts(plan, n, d, images))
            .collect(),
        ..SessionFacts::default()
    }
}

/// The voxel lung mean dose and how it was obtained.
fn lung_facts(d: &VoxelDosimetry) -> (Option<AbsorbedDose>, Option<Text>) {
    let Some(l) = d.structures.iter().find(|s| s.role == Role::Lungs) else {
        return (None, None);
    };
    let structure = ("structure", Arg::from(&l.name));
    let detail = match l.dvh.mass_kg {
        Some(m) => Text::with(
            "check-voxel-lung-detail-with-mass",
            vec![
                structure,
                (
                    "mass",
                    Arg::Qty {
                        value: m,
                        decimals: 3,
                        unit: "kg",
                    },
                ),
            ],
        ),
        None => Text::with("check-voxel-lung-detail", vec![structure]),
    };
    (Some(AbsorbedDose::from_gy(l.dvh.mean_gy)), Some(detail))
}

/// Whether a tumour is aimed at in the session (some injection's territory holds it).
fn plan_treats(plan: &Plan, s: &SessionPlan, id: &str) -> bool {
    s.injections
        .iter()
        .any(|&n| plan.injections[n].tumours.iter().any(|t| t.id == id))
}

/// The voxel facts of an injection: its perfused dose, the mean dose of its territory
/// structure (or of the liver for a whole-liver territory).
fn injection_facts(plan: &Plan, n: usize, d: &VoxelDosimetry, images: &Images) -> InjectionFacts {
    let p = &plan.injections[n];
    let perfused = match images.territories.get(&p.input.id) {
        Some(name) => named_mean(d, name),
        None if p.input.territory == TerritoryKind::WholeLiver => role_mean(d, Role::Liver),
        None => None,
    };
    InjectionFacts {
        perfused_dose: perfused.filter(|_| p.planned().is_some()),
        ..sirt_workflow::injection_labels(p)
    }
}

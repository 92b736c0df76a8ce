//! From a goal to an activity, per injection: the prescription method gives one candidate
//! activity, each limit gives another, and the smallest binds.
//!
//! Every candidate is an **administered** activity A (what reaches the patient); the vial must
//! hold A / (1 − R) at injection, R the residual fraction (see [`vial_activity_for`]).
//!
//! - (I1) MIRD, perfused target D: A = D · M_perfused / (K · (1 − LSF))
//! - (I2) partition, tumour target D on compartment c: A = D / d_c, d_c the dose per GBq of (P4)
//! - (I3) normal-liver limit D: A = D / d_N; (I4) lung limit D: A = D · M_lung / (K · LSF)
//! - (I5) Ho-166 rule: A = D · M_perfused / K (HEPAR "3.781 GBq per kg for 60 Gy"; the lung
//!   shunt is not subtracted by the rule, the lung dose is checked separately)
//! - (I6) BSA: the activity of [`crate::bsa`], then capped by the limits

use crate::error::{ModelError, positive};
use crate::lung::Lung;
use crate::partition::{PartitionDoses, Territory};
use sirt_units::{AbsorbedDose, Activity, DepositionCoefficient, Fraction};

/// Which tumour dose a tumour target refers to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum TumourTarget {
    /// Mean dose to all tumours of the territory taken together (mass-weighted).
    Combined,
    /// Every tumour of the territory reaches the target (the lowest TNR decides).
    Every,
    /// One named tumour (the index lesion).
    Named(String),
}

/// How the activity of an injection is prescribed.
#[derive(Debug, Clone, PartialEq)]
pub enum Prescription {
    /// MIRD single compartment: mean dose to the perfused volume (I1).
    PerfusedDose(AbsorbedDose),
    /// Partition model: a tumour absorbed dose (I2).
    TumourDose {
        /// Which tumour dose.
        target: TumourTarget,
        /// The dose to reach.
        dose: AbsorbedDose,
    },
    /// Ho-166 rule (I5).
    Ho166Rule(AbsorbedDose),
    /// An activity given by a formula (BSA), still capped by the limits (I6).
    Formula {
        /// The formula's activity.
        activity: Activity,
        /// Its name, "bsa".
        label: &'static str,
    },
    /// The largest activity the limits allow (no target).
    MaximumAllowed,
    /// An activity fixed by the user: forward calculation, limits are only checked.
    Fixed(Activity),
}

/// Upper limits applied to one injection.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct InjectionLimits {
    /// Perfused non-tumoural liver dose limit (I3).
    pub normal_liver_max: Option<AbsorbedDose>,
    /// Lung dose limit for this injection alone (I4).
    pub lung_max: Option<AbsorbedDose>,
    /// Perfused-volume dose limit (e.g. for SCD), by (I1).
    pub perfused_max: Option<AbsorbedDose>,
}

/// What set the activity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// MIRD perfused-volume target.
    PerfusedTarget,
    /// Tumour dose target.
    TumourTarget,
    /// Ho-166 60 Gy rule (or another dose with it).
    Ho166Rule,
    /// BSA formula.
    BsaFormula,
    /// Activity fixed by the user.
    FixedActivity,
    /// Perfused normal-liver dose limit.
    NormalLiverLimit,
    /// Perfused-volume dose limit.
    PerfusedLimit,
    /// Lung dose limit of the injection.
    LungLimit,
    /// Whole-liver normal-tissue dose limit of the session (scaled across injections).
    WholeLiverNtadLimit,
    /// Lung dose limit per session (scaled across injections).
    SessionLungLimit,
    /// Cumulative lung dose limit over all treatments (scaled across injections).
    CumulativeLungLimit,
}

impl Constraint {
    /// Human wording.
    pub fn describe(&self) -> &'static str {
        match self {
            Constraint::PerfusedTarget => "perfused-volume dose target",
            Constraint::TumourTarget => "tumour dose target",
            Constraint::Ho166Rule => "Ho-166 dose rule",
            Constraint::BsaFormula => "BSA formula",
            Constraint::FixedActivity => "activity fixed by the user",
            Constraint::NormalLiverLimit => "perfused normal-liver dose limit",
            Constraint::PerfusedLimit => "perfused-volume dose limit",
            Constraint::LungLimit => "lung dose limit of the injection",
            Constraint::WholeLiverNtadLimit => {
                "whole-liver normal-tissue dose limit of the session"
            }
            Constraint::SessionLungLimit => "lung dose limit per session",
            Constraint::CumulativeLungLimit => "cumulative lung dose limit",
        }
    }
}

/// One candidate activity and the constraint behind it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Candidate {
    /// The constraint.
    pub constraint: Constraint,
    /// The administered activity it allows or asks for.
    pub activity: Activity,
}

/// The solved injection.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Solution {
    /// The administered activity.
    pub administered: Activity,
    /// What set it.
    pub binding: Constraint,
    /// Every candidate considered (the prescription first).
    pub candidates: Vec<Candidate>,
    /// True when the activity is the user's (forward calculation).
    pub fixed: bool,
    /// The doses at the administered activity.
    pub doses: PartitionDoses,
}

/// Solves one injection: the smallest of the prescription's activity and the limits' activities.
pub fn solve(
    territory: &Territory,
    lung: &Lung,
    k: DepositionCoefficient,
    prescription: &Prescription,
    limits: &InjectionLimits,
) -> Result<Solution, ModelError> {
    positive("K", k.gy_kg_per_gbq(), k)?;
    let per_gbq = territory.dose_per_activity(k, lung)?;
    let mut candidates = Vec::new();
    let by_dose = |dose: AbsorbedDose, per_gbq_gy: f64| Activity::from_gbq(dose.gy() / per_gbq_gy);
    let target_positive = |name: &str, d: AbsorbedDose| positive(name, d.gy(), d);

    match prescription {
        Prescription::PerfusedDose(d) => {
            target_positive("perfused dose target", *d)?;
            candidates.push(Candidate {
                constraint: Constraint::PerfusedTarget,
                activity: by_dose(*d, per_gbq.perfused.dose.gy()),
            });
        }
        Prescription::TumourDose { target, dose } => {
            target_positive("tumour dose target", *dose)?;
            let per = tumour_dose_per_gbq(&per_gbq, target)?;
            candidates.push(Candidate {
                constraint: Constraint::TumourTarget,
                activity: by_dose(*dose, per),
            });
        }
        Prescription::Ho166Rule(d) => {
            target_positive("Ho-166 rule dose", *d)?;
            candidates.push(Candidate {
                constraint: Constraint::Ho166Rule,
                activity: k.activity_for(*d, territory.perfused_mass()),
            });
        }
        Prescription::Formula { activity, label: _ } => {
            positive("formula activity", activity.gbq(), activity)?;
            candidates.push(Candidate {
                constraint: Constraint::BsaFormula,
                activity: *activity,
            });
        }
        Prescription::MaximumAllowed => {}
        Prescription::Fixed(a) => {
            positive("administered activity", a.gbq(), a)?;
            let doses = territory.doses(k, *a, lung)?;
            return Ok(Solution {
                administered: *a,
                binding: Constraint::FixedActivity,
                candidates: vec![Candidate {
                    constraint: Constraint::FixedActivity,
                    activity: *a,
                }],
                fixed: true,
                doses,
            });
        }
    }

    if let Some(d) = limits.normal_liver_max {
        target_positive("normal-liver dose limit", d)?;
        candidates.push(Candidate {
            constraint: Constraint::NormalLiverLimit,
            activity: by_dose(d, per_gbq.normal_liver.dose.gy()),
        });
    }
    if let Some(d) = limits.perfused_max {
        target_positive("perfused dose limit", d)?;
        candidates.push(Candidate {
            constraint: Constraint::PerfusedLimit,
            activity: by_dose(d, per_gbq.perfused.dose.gy()),
        });
    }
    if let Some(d) = limits.lung_max {
        target_positive("lung dose limit", d)?;
        if lung.lsf.value() > 0.0 {
            candidates.push(Candidate {
                constraint: Constraint::LungLimit,
                activity: by_dose(d, per_gbq.lung.dose.gy()),
            });
        }
    }

    let Some(best) = candidates
        .iter()
        .min_by(|a, b| a.activity.total_cmp(&b.activity))
        .cloned()
    else {
        return Err(ModelError::new(
            "prescription",
            "a target dose or at least one dose limit",
            "no target and no limit with a positive lung shunt",
        ));
    };
    let doses = territory.doses(k, best.activity, lung)?;
    Ok(Solution {
        administered: best.activity,
        binding: best.constraint,
        candidates,
        fixed: false,
        doses,
    })
}

/// Dose per GBq of the compartment a tumour target refers to.
fn tumour_dose_per_gbq(per_gbq: &PartitionDoses, target: &TumourTarget) -> Result<f64, ModelError> {
    let none = || {
        ModelError::new(
            "tumour dose target",
            "a territory with at least one tumour",
            "no tumour in the territory",
        )
    };
    match target {
        TumourTarget::Combined => per_gbq
            .tumours_combined
            .map(|c| c.dose.gy())
            .ok_or_else(none),
        TumourTarget::Every => per_gbq
            .tumours
            .iter()
            .map(|(_, c)| c.dose.gy())
            .min_by(f64::total_cmp)
            .ok_or_else(none),
        TumourTarget::Named(id) => per_gbq
            .tumours
            .iter()
            .find(|(t, _)| t == id)
            .map(|(_, c)| c.dose.gy())
            .ok_or_else(|| {
                ModelError::new(
                    "tumour dose target",
                    "a tumour of this territory",
                    format!("\"{id}\""),
                )
            }),
    }
}

/// The vial activity needed at injection for `administered` with residual fraction R:
/// A_vial = A / (1 − R).
pub fn vial_activity_for(
    administered: Activity,
    residual: Fraction,
) -> Result<Activity, ModelError> {
    if residual.value() >= 1.0 {
        return Err(ModelError::new(
            "residual fraction",
            "a fraction in [0, 1)",
            residual.value(),
        ));
    }
    Ok(administered / residual.complement())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::TumourCompartment;
    use sirt_units::Mass;

    fn k50() -> DepositionCoefficient {
        DepositionCoefficient::from_gy_kg_per_gbq(50.0)
    }

    fn lung(lsf: f64) -> Lung {
        Lung::convention(Fraction::new(lsf).unwrap())
    }

    fn two_tumours() -> Territory {
        Territory {
            tumours: vec![
                TumourCompartment {
                    id: "A".into(),
                    mass: Mass::from_kg(0.1),
                    tnr: 4.0,
                },
                TumourCompartment {
                    id: "B".into(),
                    mass: Mass::from_kg(0.05),
                    tnr: 2.0,
                },
            ],
            normal_liver: Mass::from_kg(1.0),
        }
    }

    #[test]
    fn mird_target_by_hand() {
        // (I1): 120 Gy × 1.5 kg / (50 × 0.9) = 4.0 GBq (derived vector glass_mird_D120_M1.5_LSF0.1).
        let t = Territory {
            tumours: vec![],
            normal_liver: Mass::from_kg(1.5),
        };
        let s = solve(
            &t,
            &lung(0.1),
            k50(),
            &Prescription::PerfusedDose(AbsorbedDose::from_gy(120.0)),
            &InjectionLimits::default(),
        )
        .unwrap();
        assert!((s.administered.gbq() - 4.0).abs() < 1e-12);
        assert_eq!(s.binding, Constraint::PerfusedTarget);
        assert!((s.doses.lung.dose.gy() - 20.0).abs() < 1e-12);
    }

    #[test]
    fn the_smallest_candidate_binds() {
        // S = 4·0.1 + 2·0.05 + 1.0 = 1.5 kg. Per GBq (LSF 0.1): D_N = 50·0.9/1.5 = 30 Gy,
        // D_A = 120 Gy, D_B = 60 Gy, D_lung = 5 Gy.
        // Target 200 Gy on every tumour → B decides: 200/60 = 3.3333 GBq.
        // NTL limit 75 Gy → 2.5 GBq. Lung 30 Gy → 6 GBq. So the NTL limit binds at 2.5 GBq.
        let s = solve(
            &two_tumours(),
            &lung(0.1),
            k50(),
            &Prescription::TumourDose {
                target: TumourTarget::Every,
                dose: AbsorbedDose::from_gy(200.0),
            },
            &InjectionLimits {
                normal_liver_max: Some(AbsorbedDose::from_gy(75.0)),
                lung_max: Some(AbsorbedDose::from_gy(30.0)),
                perfused_max: None,
            },
        )
        .unwrap();
        assert_eq!(s.binding, Constraint::NormalLiverLimit);
        assert!((s.administered.gbq() - 2.5).abs() < 1e-12);
        assert!((s.candidates[0].activity.gbq() - 200.0 / 60.0).abs() < 1e-12);
        assert!((s.candidates[2].activity.gbq() - 6.0).abs() < 1e-12);
        assert!((s.doses.normal_liver.dose.gy() - 75.0).abs() < 1e-12);
        assert!((s.doses.tumours[1].1.dose.gy() - 150.0).abs() < 1e-12);
    }

    #[test]
    fn named_and_combined_targets() {
        // Combined: ΣA_T/ΣM_T per GBq = K·0.9·(0.4+0.1)/1.5/0.15 = 100 Gy → 2 GBq for 200 Gy.
        let s = solve(
            &two_tumours(),
            &lung(0.1),
            k50(),
            &Prescription::TumourDose {
                target: TumourTarget::Combined,
                dose: AbsorbedDose::from_gy(200.0),
            },
            &InjectionLimits::default(),
        )
        .unwrap();
        assert!((s.administered.gbq() - 2.0).abs() < 1e-12);
        let e = solve(
            &two_tumours(),
            &lung(0.1),
            k50(),
            &Prescription::TumourDose {
                target: TumourTarget::Named("Z".into()),
                dose: AbsorbedDose::from_gy(200.0),
            },
            &InjectionLimits::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"Z\""));
    }

    #[test]
    fn ho166_rule_matches_the_3781_rule() {
        // 60 Gy × 1.8 kg / 15.87 = 6.80529 GBq; derived vector ho166_W1.8_D60: 6805.2930056710775 MBq.
        let t = Territory {
            tumours: vec![],
            normal_liver: Mass::from_kg(1.8),
        };
        let s = solve(
            &t,
            &lung(0.0),
            DepositionCoefficient::from_gy_kg_per_gbq(15.87),
            &Prescription::Ho166Rule(AbsorbedDose::from_gy(60.0)),
            &InjectionLimits::default(),
        )
        .unwrap();
        assert!((s.administered.mbq() - 6805.2930056710775).abs() < 1e-9);
    }

    #[test]
    fn nothing_to_solve_is_an_error() {
        let t = Territory {
            tumours: vec![],
            normal_liver: Mass::from_kg(1.0),
        };
        assert!(
            solve(
                &t,
                &lung(0.0),
                k50(),
                &Prescription::MaximumAllowed,
                &InjectionLimits {
                    lung_max: Some(AbsorbedDose::from_gy(30.0)),
                    ..Default::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn residual_divides() {
        let v = vial_activity_for(Activity::from_gbq(2.0), Fraction::new(0.2).unwrap()).unwrap();
        assert!((v.gbq() - 2.5).abs() < 1e-12);
        assert!(vial_activity_for(Activity::from_gbq(2.0), Fraction::new(1.0).unwrap()).is_err());
    }
}

//! Totals over the injections of one treatment session, and the limits that span them.
//!
//! Two normal-liver quantities are kept apart (primer §6):
//! - the perfused normal-liver dose of each injection, D_N of (P4);
//! - the whole-liver normal-tissue dose of the session,
//!   (S1) NTAD_WL = Σⱼ K_j · A_N,j / M_NTL, with M_NTL the mass of **all** non-tumoural liver,
//!   untreated liver counting as 0 Gy.
//!
//! The NET recommendation "maximum NTAD 75 Gy for single-session whole-liver treatment,
//! proportionally higher for smaller fractions" is exactly (S1) ≤ 75 Gy: with a treated fraction
//! f = M_NTL,perfused / M_NTL, the equivalent limit on the perfused normal-liver dose is 75 Gy / f.
//! [`SessionTotals::treated_normal_fraction`] reports f so that a report can print that limit.
//!
//! - (S2) lung dose of the session: Σⱼ K_j · A_j · LSF_j / M_lung
//! - (S3) cumulative lung dose: earlier treatments + earlier sessions + (S2)
//!
//! Session limits are met by scaling: when a sum exceeds its limit, every injection that
//! contributes to it and whose activity is not fixed by the user is scaled by one common
//! factor, f = max(0, (limit − fixed part) / scalable part). Scaling only lowers every sum, so the
//! limits are taken once each, in the order (S1), (S2), (S3), and all hold at the end unless
//! activities fixed by the user exceed them alone (then f = 0 for the others). This keeps the
//! ratio of activities between injections as prescribed; it is not an optimisation across
//! injections.

use crate::error::{ModelError, positive};
use crate::lung::Lung;
use crate::partition::Territory;
use crate::prescription::{Constraint, Solution};
use sirt_units::{AbsorbedDose, DepositionCoefficient, Energy, Mass};

/// One solved injection of a session, with what is needed to recompute it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInjection {
    /// Its territory.
    pub territory: Territory,
    /// Its lung side.
    pub lung: Lung,
    /// K of its device convention.
    pub k: DepositionCoefficient,
    /// The solution (activity, binding constraint, doses).
    pub solution: Solution,
}

/// Patient-level masses and earlier doses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionContext {
    /// Mass of all non-tumoural liver (whole liver − all tumours).
    pub whole_normal_liver: Mass,
    /// Lung mass.
    pub lung_mass: Mass,
    /// Lung dose received before this session (earlier treatments and sessions).
    pub earlier_lung_dose: AbsorbedDose,
}

/// Limits that span a session.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SessionLimits {
    /// (S1) limit.
    pub whole_liver_ntad_max: Option<AbsorbedDose>,
    /// (S2) limit.
    pub lung_session_max: Option<AbsorbedDose>,
    /// (S3) limit.
    pub lung_cumulative_max: Option<AbsorbedDose>,
}

/// The totals of a session.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SessionTotals {
    /// Energy in all perfused non-tumoural liver.
    pub normal_liver_energy: Energy,
    /// (S1).
    pub whole_liver_ntad: AbsorbedDose,
    /// Perfused non-tumoural liver mass over all non-tumoural liver mass (may exceed 1 when
    /// territories overlap).
    pub treated_normal_fraction: f64,
    /// (S2).
    pub lung_dose: AbsorbedDose,
    /// (S3).
    pub cumulative_lung_dose: AbsorbedDose,
}

/// A scaling applied to meet a session limit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionScaling {
    /// The limit that was exceeded.
    pub constraint: Constraint,
    /// The common factor applied to the scalable injections.
    pub factor: f64,
    /// Indices of the injections that were scaled.
    pub injections: Vec<usize>,
}

impl SessionContext {
    fn validate(&self) -> Result<(), ModelError> {
        positive(
            "whole non-tumoural liver mass",
            self.whole_normal_liver.kg(),
            self.whole_normal_liver,
        )?;
        positive("lung mass", self.lung_mass.kg(), self.lung_mass)
    }
}

/// Computes (S1)–(S3).
pub fn totals(
    injections: &[SessionInjection],
    ctx: &SessionContext,
) -> Result<SessionTotals, ModelError> {
    ctx.validate()?;
    let normal_liver_energy: Energy = injections
        .iter()
        .map(|i| i.solution.doses.normal_liver.energy)
        .sum();
    let lung_energy: Energy = injections
        .iter()
        .map(|i| i.solution.doses.lung.energy)
        .sum();
    let perfused_normal: Mass = injections.iter().map(|i| i.territory.normal_liver).sum();
    let lung_dose = lung_energy / ctx.lung_mass;
    Ok(SessionTotals {
        normal_liver_energy,
        whole_liver_ntad: normal_liver_energy / ctx.whole_normal_liver,
        treated_normal_fraction: perfused_normal / ctx.whole_normal_liver,
        lung_dose,
        cumulative_lung_dose: ctx.earlier_lung_dose + lung_dose,
    })
}

/// Scales injections so that the session limits hold; returns what was scaled.
///
/// Injections whose activity the user fixed are never scaled. When they (with the earlier dose)
/// already reach a limit, the other injections get the factor 0 — no activity is allowed for
/// them — and the checks report the excess of the fixed ones.
pub fn apply_limits(
    injections: &mut [SessionInjection],
    ctx: &SessionContext,
    limits: &SessionLimits,
) -> Result<Vec<SessionScaling>, ModelError> {
    ctx.validate()?;
    let mut applied = Vec::new();
    type Contribution = fn(&SessionInjection, &SessionContext) -> f64;
    let steps: [(Option<AbsorbedDose>, Constraint, Contribution, f64); 3] = [
        (
            limits.whole_liver_ntad_max,
            Constraint::WholeLiverNtadLimit,
            |i, c| (i.solution.doses.normal_liver.energy / c.whole_normal_liver).gy(),
            0.0,
        ),
        (
            limits.lung_session_max,
            Constraint::SessionLungLimit,
            |i, c| (i.solution.doses.lung.energy / c.lung_mass).gy(),
            0.0,
        ),
        (
            limits.lung_cumulative_max,
            Constraint::CumulativeLungLimit,
            |i, c| (i.solution.doses.lung.energy / c.lung_mass).gy(),
            ctx.earlier_lung_dose.gy(),
        ),
    ];
    for (limit, constraint, contribution, offset) in steps {
        let Some(limit) = limit else { continue };
        positive(constraint.describe(), limit.gy(), limit)?;
        let mut fixed = offset;
        let mut scalable = 0.0;
        let mut who = Vec::new();
        for (n, inj) in injections.iter().enumerate() {
            let x = contribution(inj, ctx);
            if inj.solution.fixed {
                fixed += x;
            } else if x > 0.0 {
                scalable += x;
                who.push(n);
            }
        }
        if fixed + scalable <= limit.gy() * (1.0 + 1e-12) || who.is_empty() {
            continue;
        }
        // When the fixed injections and earlier treatments already reach the limit, nothing is
        // left for the others: their factor is 0 (no activity allowed), never left unscaled.
        let factor = ((limit.gy() - fixed) / scalable).max(0.0);
        for &n in &who {
            let inj = &mut injections[n];
            let a = inj.solution.administered * factor;
            inj.solution.doses = inj.territory.doses(inj.k, a, &inj.lung)?;
            inj.solution.administered = a;
            inj.solution.binding = constraint.clone();
        }
        applied.push(SessionScaling {
            constraint,
            factor,
            injections: who,
        });
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::TumourCompartment;
    use crate::prescription::{InjectionLimits, Prescription, TumourTarget, solve};
    use sirt_units::{Activity, Fraction};

    fn injection(
        normal_kg: f64,
        tumour_kg: f64,
        tnr: f64,
        lsf: f64,
        p: Prescription,
    ) -> SessionInjection {
        let territory = Territory {
            tumours: vec![TumourCompartment {
                id: "T".into(),
                mass: Mass::from_kg(tumour_kg),
                tnr,
            }],
            normal_liver: Mass::from_kg(normal_kg),
        };
        let lung = Lung::convention(Fraction::new(lsf).unwrap());
        let k = DepositionCoefficient::from_gy_kg_per_gbq(50.0);
        let solution = solve(&territory, &lung, k, &p, &InjectionLimits::default()).unwrap();
        SessionInjection {
            territory,
            lung,
            k,
            solution,
        }
    }

    #[test]
    fn whole_liver_ntad_counts_untreated_liver_as_zero() {
        // One right-lobe injection: 1.0 kg perfused NTL at D_N; whole NTL 1.6 kg.
        // Fixed 2 GBq, LSF 0: S = 3·0.2 + 1.0 = 1.6; D_N = 50·2/1.6 = 62.5 Gy, E_N = 62.5 J.
        // NTAD_WL = 62.5 J / 1.6 kg = 39.0625 Gy; f = 1.0/1.6 = 0.625.
        let inj = injection(
            1.0,
            0.2,
            3.0,
            0.0,
            Prescription::Fixed(Activity::from_gbq(2.0)),
        );
        let ctx = SessionContext {
            whole_normal_liver: Mass::from_kg(1.6),
            lung_mass: Mass::from_kg(1.0),
            earlier_lung_dose: AbsorbedDose::from_gy(0.0),
        };
        let t = totals(&[inj], &ctx).unwrap();
        assert!((t.whole_liver_ntad.gy() - 39.0625).abs() < 1e-12);
        assert!((t.treated_normal_fraction - 0.625).abs() < 1e-12);
    }

    #[test]
    fn session_limits_scale_scalable_injections() {
        // Two injections each targeting 300 Gy to their tumour; whole NTL 2.0 kg; limit 40 Gy.
        let p = || Prescription::TumourDose {
            target: TumourTarget::Combined,
            dose: AbsorbedDose::from_gy(300.0),
        };
        let mut injs = vec![
            injection(1.0, 0.1, 3.0, 0.05, p()),
            injection(0.8, 0.1, 2.0, 0.05, p()),
        ];
        let ctx = SessionContext {
            whole_normal_liver: Mass::from_kg(2.0),
            lung_mass: Mass::from_kg(1.0),
            earlier_lung_dose: AbsorbedDose::from_gy(25.0),
        };
        // Before: D_N,1 = 100 Gy (300/3), E = 100 J; D_N,2 = 150 Gy, E = 120 J; NTAD_WL = 110 Gy.
        let before = totals(&injs, &ctx).unwrap();
        assert!((before.whole_liver_ntad.gy() - 110.0).abs() < 1e-9);
        let limits = SessionLimits {
            whole_liver_ntad_max: Some(AbsorbedDose::from_gy(40.0)),
            lung_session_max: Some(AbsorbedDose::from_gy(30.0)),
            lung_cumulative_max: Some(AbsorbedDose::from_gy(50.0)),
        };
        let applied = apply_limits(&mut injs, &ctx, &limits).unwrap();
        let after = totals(&injs, &ctx).unwrap();
        assert!((after.whole_liver_ntad.gy() - 40.0).abs() < 1e-9);
        assert_eq!(applied[0].constraint, Constraint::WholeLiverNtadLimit);
        assert!((applied[0].factor - 40.0 / 110.0).abs() < 1e-12);
        assert!(after.cumulative_lung_dose.gy() <= 50.0 + 1e-9);
        assert_eq!(injs[0].solution.binding, Constraint::WholeLiverNtadLimit);
        // The ratio of activities is kept.
        let r_before = before.normal_liver_energy.j();
        assert!(r_before > after.normal_liver_energy.j());
    }

    #[test]
    fn nothing_left_means_zero_not_unscaled() {
        // Earlier lung dose 45 Gy, cumulative limit 50 Gy; a fixed injection alone gives 10 Gy.
        let mut injs = vec![
            injection(
                1.0,
                0.1,
                3.0,
                0.2,
                Prescription::Fixed(Activity::from_gbq(1.0)),
            ),
            injection(
                1.0,
                0.1,
                3.0,
                0.2,
                Prescription::PerfusedDose(AbsorbedDose::from_gy(120.0)),
            ),
        ];
        let ctx = SessionContext {
            whole_normal_liver: Mass::from_kg(2.5),
            lung_mass: Mass::from_kg(1.0),
            earlier_lung_dose: AbsorbedDose::from_gy(45.0),
        };
        let limits = SessionLimits {
            lung_cumulative_max: Some(AbsorbedDose::from_gy(50.0)),
            ..Default::default()
        };
        let applied = apply_limits(&mut injs, &ctx, &limits).unwrap();
        assert_eq!(applied[0].factor, 0.0);
        assert_eq!(injs[1].solution.administered.gbq(), 0.0);
        assert_eq!(injs[0].solution.administered.gbq(), 1.0);
    }

    #[test]
    fn cumulative_lung_limit_binds() {
        // LSF 0.2, fixed tumour target → A large; earlier lung dose 40 Gy, cumulative limit 50.
        let mut injs = vec![injection(
            1.0,
            0.1,
            3.0,
            0.2,
            Prescription::PerfusedDose(AbsorbedDose::from_gy(120.0)),
        )];
        let ctx = SessionContext {
            whole_normal_liver: Mass::from_kg(1.5),
            lung_mass: Mass::from_kg(1.0),
            earlier_lung_dose: AbsorbedDose::from_gy(40.0),
        };
        let limits = SessionLimits {
            whole_liver_ntad_max: None,
            lung_session_max: Some(AbsorbedDose::from_gy(30.0)),
            lung_cumulative_max: Some(AbsorbedDose::from_gy(50.0)),
        };
        apply_limits(&mut injs, &ctx, &limits).unwrap();
        let t = totals(&injs, &ctx).unwrap();
        assert!((t.cumulative_lung_dose.gy() - 50.0).abs() < 1e-9);
        assert_eq!(injs[0].solution.binding, Constraint::CumulativeLungLimit);
        // A = 10 Gy × 1 kg / (50 × 0.2) = 1 GBq.
        assert!((injs[0].solution.administered.gbq() - 1.0).abs() < 1e-12);
    }
}

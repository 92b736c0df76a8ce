//! A plan's doses and partition facts recomputed with perturbed inputs, the activities as planned:
//! what one Monte Carlo draw of `sirt-uncertainty` needs (docs/uncertainty.md).
//!
//! Nothing is solved again: the prescribed activities, the vial orders and the session scalings
//! stay those of the plan (the question is "with this plan, what doses may the patient get?").
//! Each injection's doses come from [`Territory::doses`] (the partition model of
//! `sirt-analytic`, the function the plan used) on the perturbed territory, lung and activity;
//! each session's totals from [`sirt_analytic::session::totals`]; the carried lung dose and
//! whole-liver NTAD are summed as [`crate::plan_for_site`] sums them; the facts the rules are
//! evaluated on come from the plan's own facts builder (`facts::partition`).

use crate::{
    InjectionPlan, Outcome, Plan, PlanError, PlannedActivity, SessionPlan, facts,
    whole_tumour_doses,
};
use sirt_analytic::lung::{LUNG_MASS_CONVENTION_KG, Lung};
use sirt_analytic::partition::{Territory, TumourCompartment};
use sirt_analytic::prescription::Solution;
use sirt_analytic::session::{SessionContext, SessionInjection, totals};
use sirt_case::Tumour;
use sirt_rules::Facts;
use sirt_settings::SiteSettings;
use sirt_units::{AbsorbedDose, Energy, Fraction, Mass};

/// One draw of a plan's inputs. Vectors indexed by injection follow the case's injections
/// (`Plan::injections`); `tnr[n]` follows `Plan::injections[n].tumours`; `tumour_mass` follows
/// the case's tumours.
#[derive(Debug, Clone, PartialEq)]
pub struct Perturbation {
    /// LSF of each injection.
    pub lsf: Vec<Fraction>,
    /// Non-tumoural liver mass of each injection's territory.
    pub normal_liver_mass: Vec<Mass>,
    /// Factor on each injection's planned administered activity (calibration × delivered part
    /// of the vial after the residual, over the planned part).
    pub activity_factor: Vec<f64>,
    /// TNR of each tumour share of each injection.
    pub tnr: Vec<Vec<f64>>,
    /// Mass of each whole tumour of the case.
    pub tumour_mass: Vec<Mass>,
    /// Mass of all non-tumoural liver.
    pub whole_normal_liver_mass: Mass,
    /// Lung mass used (the 1 kg convention of the lung limits is not perturbed).
    pub lung_mass: Mass,
    /// Factor on the delivered activities of delivery records (the calibration alone: the
    /// residual was measured).
    pub delivered_factor: f64,
}

impl Perturbation {
    /// The plan's own inputs: a draw with no perturbation.
    pub fn of_plan(plan: &Plan) -> Self {
        let case = &plan.case;
        Self {
            lsf: plan.injections.iter().map(|p| p.input.lung.lsf).collect(),
            normal_liver_mass: plan
                .injections
                .iter()
                .map(|p| p.input.normal_liver_mass)
                .collect(),
            activity_factor: vec![1.0; plan.injections.len()],
            tnr: plan
                .injections
                .iter()
                .map(|p| p.tumours.iter().map(|t| t.tnr).collect())
                .collect(),
            tumour_mass: case.tumours.iter().map(|t| t.mass).collect(),
            whole_normal_liver_mass: case.whole_normal_liver_mass(),
            lung_mass: case.lungs.mass,
            delivered_factor: 1.0,
        }
    }
}

/// Recomputes a plan's doses for draws of its inputs, reusing its buffers between draws.
#[derive(Debug, Clone)]
pub struct Resampler<'p> {
    plan: &'p Plan,
    /// The case file's name, for errors.
    file: String,
    /// For each injection and tumour share, the index of its tumour in the case.
    tumour_index: Vec<Vec<usize>>,
    injections: Vec<InjectionPlan>,
    sessions: Vec<SessionPlan>,
    tumours: Vec<Tumour>,
}

impl<'p> Resampler<'p> {
    /// A resampler of `plan` (from the case file `file`), its buffers a copy of the plan.
    pub fn new(plan: &'p Plan, file: &str) -> Self {
        let tumour_index = plan
            .injections
            .iter()
            .map(|p| {
                p.tumours
                    .iter()
                    .map(|t| {
                        plan.case
                            .tumours
                            .iter()
                            .position(|c| c.id == t.id)
                            .unwrap_or(usize::MAX)
                    })
                    .collect()
            })
            .collect();
        Self {
            plan,
            file: file.to_owned(),
            tumour_index,
            injections: plan.injections.clone(),
            sessions: plan.sessions.clone(),
            tumours: plan.case.tumours.clone(),
        }
    }

    /// The injections of the last draw (doses, LSF, tumour masses and TNRs as drawn).
    pub fn injections(&self) -> &[InjectionPlan] {
        &self.injections
    }

    /// The sessions of the last draw.
    pub fn sessions(&self) -> &[SessionPlan] {
        &self.sessions
    }

    /// The partition facts of the last draw, as the plan's checks are made from its own.
    pub fn partition_facts(&self, settings: &SiteSettings) -> Facts {
        facts::partition(&self.plan.case, &self.injections, &self.sessions, settings)
    }

    /// Recomputes every dose of the plan with the draw `p`.
    pub fn apply(&mut self, p: &Perturbation) -> Result<(), PlanError> {
        let n_inj = self.plan.injections.len();
        let n_tum = self.plan.case.tumours.len();
        if [
            p.lsf.len(),
            p.normal_liver_mass.len(),
            p.activity_factor.len(),
            p.tnr.len(),
        ]
        .iter()
        .any(|&l| l != n_inj)
            || p.tumour_mass.len() != n_tum
        {
            return Err(self.error(
                "perturbation",
                format!("one value per injection ({n_inj}) and per tumour ({n_tum})"),
            ));
        }
        for (t, m) in self.tumours.iter_mut().zip(&p.tumour_mass) {
            t.mass = *m;
        }
        for n in 0..n_inj {
            self.injection(n, p)?;
        }
        self.sessions_doses(p)
    }

    fn error(&self, field: &str, message: String) -> PlanError {
        PlanError::Input {
            file: self.file.clone(),
            field: field.to_owned(),
            message,
        }
    }

    /// The perturbed territory and lung of injection `n`, its tumour shares updated.
    fn territory(&mut self, n: usize, p: &Perturbation) -> Result<(Territory, Lung), PlanError> {
        let base = &self.plan.injections[n];
        let scratch = &mut self.injections[n];
        let tnr = &p.tnr[n];
        if tnr.len() != base.tumours.len() {
            return Err(PlanError::Input {
                file: self.file.clone(),
                field: format!("perturbation.tnr[{n}]"),
                message: format!("one TNR per tumour share ({})", base.tumours.len()),
            });
        }
        let mut compartments = Vec::with_capacity(base.tumours.len());
        for (j, (t, s)) in base.tumours.iter().zip(&mut scratch.tumours).enumerate() {
            let whole = p
                .tumour_mass
                .get(self.tumour_index[n][j])
                .copied()
                .unwrap_or(t.mass);
            s.mass = whole * t.fraction;
            s.tnr = tnr[j];
            compartments.push(TumourCompartment {
                id: t.id.clone(),
                mass: s.mass,
                tnr: s.tnr,
            });
        }
        let lung = Lung {
            lsf: p.lsf[n],
            mass: p.lung_mass,
            basis: base.input.lung.basis,
        };
        scratch.input.lung = lung;
        let territory = Territory {
            tumours: compartments,
            normal_liver: p.normal_liver_mass[n],
        };
        Ok((territory, lung))
    }

    /// Injection `n`'s doses with the draw: prescribed, with the ordered vial, delivered.
    fn injection(&mut self, n: usize, p: &Perturbation) -> Result<(), PlanError> {
        let plan = self.plan;
        let Outcome::Planned(base) = &plan.injections[n].outcome else {
            return Ok(());
        };
        let k = plan.injections[n].k.k;
        let (territory, lung) = self.territory(n, p)?;
        let file = self.file.clone();
        let err = |e: sirt_analytic::ModelError| PlanError::Input {
            file: file.clone(),
            field: format!("injections[{n}] (perturbed)"),
            message: e.to_string(),
        };
        let f = p.activity_factor[n];
        let prescribed = base.solution.administered * f;
        let expected = base.expected.administered * f;
        let prescribed_doses = territory.doses(k, prescribed, &lung).map_err(err)?;
        let expected_doses = territory.doses(k, expected, &lung).map_err(err)?;
        let delivered = base
            .delivered
            .as_ref()
            .map(|d| territory.doses(k, d.delivery.delivered * p.delivered_factor, &lung))
            .transpose()
            .map_err(err)?;
        if let Outcome::Planned(s) = &mut self.injections[n].outcome {
            s.solution.administered = prescribed;
            s.solution.doses = prescribed_doses;
            s.expected.administered = expected;
            s.expected.doses = expected_doses;
            if let (Some(sd), Some(doses)) = (s.delivered.as_mut(), delivered) {
                sd.doses = doses;
            }
        }
        Ok(())
    }

    /// The sessions' totals and carried doses with the draw, in the plan's order, as
    /// [`crate::plan_for_site`] carries them (delivered doses where recorded).
    fn sessions_doses(&mut self, p: &Perturbation) -> Result<(), PlanError> {
        let case = &self.plan.case;
        let whole_normal = p.whole_normal_liver_mass;
        let mut earlier_lung = case.earlier_lung_dose();
        let mut earlier_lung_1kg = case.earlier_lung_dose();
        let mut plan_ntad = AbsorbedDose::from_gy(0.0);
        let mut cumulative_ntad = Some(case.earlier_sirt_whole_liver_ntad());
        for s in &mut self.sessions {
            let ctx = SessionContext {
                whole_normal_liver: whole_normal,
                lung_mass: p.lung_mass,
                earlier_lung_dose: earlier_lung,
            };
            let mut group = Vec::new();
            let mut lung_energy = Energy::from_j(0.0);
            let mut normal_energy = Energy::from_j(0.0);
            for &n in &s.injections {
                let scratch = &self.injections[n];
                let Some(a) = scratch.planned() else { continue };
                let carried = a.delivered.as_ref().map_or(&a.expected.doses, |d| &d.doses);
                lung_energy += carried.lung.energy;
                normal_energy += carried.normal_liver.energy;
                group.push(session_member(scratch, a));
            }
            s.totals = if group.is_empty() {
                None
            } else {
                Some(totals(&group, &ctx).map_err(|e| PlanError::Input {
                    file: self.file.clone(),
                    field: format!("session \"{}\" (perturbed)", s.id),
                    message: e.to_string(),
                })?)
            };
            s.tumour_doses = whole_tumour_doses(&self.tumours, &group);
            s.earlier_lung_dose = earlier_lung;
            plan_ntad += normal_energy / whole_normal;
            s.plan_whole_liver_ntad = plan_ntad;
            cumulative_ntad = cumulative_ntad
                .filter(|_| s.ntad_not_evaluable.is_none())
                .map(|d| d + normal_energy / whole_normal);
            s.cumulative_whole_liver_ntad = cumulative_ntad;
            s.lung_dose_1kg = s.totals.map(|t| t.lung_dose * p.lung_mass.kg());
            s.cumulative_lung_dose_1kg = s.lung_dose_1kg.map(|d| earlier_lung_1kg + d);
            earlier_lung += lung_energy / p.lung_mass;
            earlier_lung_1kg += lung_energy / Mass::from_kg(LUNG_MASS_CONVENTION_KG);
        }
        Ok(())
    }
}

/// A session member at the activity expected with the ordered vial (what the session totals
/// use), from an injection of the draw.
fn session_member(p: &InjectionPlan, a: &PlannedActivity) -> SessionInjection {
    let doses = a.expected.doses.clone();
    SessionInjection {
        territory: Territory {
            tumours: p
                .tumours
                .iter()
                .map(|t| TumourCompartment {
                    id: t.id.clone(),
                    mass: t.mass,
                    tnr: t.tnr,
                })
                .collect(),
            normal_liver: doses.normal_liver.mass,
        },
        lung: p.input.lung,
        k: p.k.k,
        solution: Solution {
            doses,
            administered: a.expected.administered,
            ..a.solution.clone()
        },
    }
}

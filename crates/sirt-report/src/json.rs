//! The plan for machines: snake_case keys, the unit as the key's suffix (`activity_gbq`,
//! `tumour_gy`, `lung_mass_kg`), instants as RFC 3339 / RFC 9557 strings.

use serde_json::{Value, json};
use sirt_analytic::partition::PartitionDoses;
use sirt_case::{Goal, Limits};
use sirt_workflow::{InjectionPlan, Outcome, Plan, RESEARCH_NOTICE};

fn doses_json(p: &InjectionPlan, d: &PartitionDoses) -> Value {
    let tumours: Vec<Value> = d
        .tumours
        .iter()
        .map(|(id, c)| {
            let tnr = p.tumours.iter().find(|t| t.id == *id).map(|t| t.tnr);
            json!({
                "id": id,
                "tnr": tnr,
                "mass_kg": c.mass.kg(),
                "activity_gbq": c.activity.gbq(),
                "gy": c.dose.gy(),
            })
        })
        .collect();
    json!({
        "tumour_gy": tumours,
        "tumours_combined_gy": d.tumours_combined.map(|c| c.dose.gy()),
        "normal_liver_gy": d.normal_liver.dose.gy(),
        "normal_liver_energy_j": d.normal_liver.energy.j(),
        "perfused_gy": d.perfused.dose.gy(),
        "lung_gy": d.lung.dose.gy(),
        "lung_activity_gbq": d.lung.activity.gbq(),
    })
}

fn goal_json(g: &Goal) -> Value {
    match g {
        Goal::TumourDose { dose, tumour } => {
            json!({"kind": "tumour_dose", "tumour_dose_gy": dose.gy(), "tumour": tumour})
        }
        Goal::PerfusedDose { dose } => {
            json!({"kind": "perfused_dose", "perfused_dose_gy": dose.gy()})
        }
        Goal::Activity { activity } => {
            json!({"kind": "activity", "activity_gbq": activity.gbq(), "activity_mci": activity.mci()})
        }
        Goal::Maximum => json!({"kind": "maximum"}),
        Goal::Formula => json!({"kind": "formula"}),
    }
}

fn limits_json(l: &Limits) -> Value {
    let gy = |d: Option<sirt_units::AbsorbedDose>| d.map(|d| d.gy());
    json!({
        "normal_liver_max_gy": gy(l.normal_liver_max),
        "perfused_max_gy": gy(l.perfused_max),
        "lung_max_gy": gy(l.lung_max),
        "whole_liver_ntad_max_gy": gy(l.whole_liver_ntad_max),
        "lung_session_max_gy": gy(l.lung_session_max),
        "lung_cumulative_max_gy": gy(l.lung_cumulative_max),
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn injection_json(plan: &Plan, p: &InjectionPlan) -> Value {
    let i = &p.input;
    let base = json!({
        "id": i.id,
        "session": i.session,
        "label": i.label,
        "territory": i.territory.label(),
        "lobe": format!("{:?}", i.lobe).to_lowercase(),
        "method": i.method.label(),
        "device": p.device.id,
        "nuclide": p.device.nuclide.to_string(),
        "k_gy_kg_per_gbq": p.k.k.gy_kg_per_gbq(),
        "k_convention": p.k.label,
        "k_source": p.k.source,
        "lsf": i.lung.lsf.value(),
        "lsf_source": i.lsf_source,
        "lung_mass_kg": i.lung.mass.kg(),
        "residual_fraction": i.residual_fraction.value(),
        "perfused_volume_ml": i.perfused_volume.ml(),
        "perfused_mass_kg": i.perfused_mass.kg(),
        "normal_liver_mass_kg": i.normal_liver_mass.kg(),
        "goal": goal_json(&i.goal),
        "limits": limits_json(&i.limits),
        "bsa": p.bsa,
    });
    let rest = match &p.outcome {
        Outcome::Contraindicated { reason } => json!({
            "status": "contraindicated",
            "contraindication": reason,
            "prescribed_activity_gbq": null,
            "prescribed_activity_mci": null,
        }),
        Outcome::NoActivityAllowed { reason } => json!({
            "status": "no_activity_allowed",
            "contraindication": reason,
            "prescribed_activity_gbq": null,
            "prescribed_activity_mci": null,
        }),
        Outcome::Planned(a) => {
            let s = &a.solution;
            let o = &a.order;
            let order = json!({
                "device": o.device,
                "ordering": o.ordering,
                "vials": o.vials,
                "vial_activity_at_calibration_gbq": o.chosen.nominal.gbq() / f64::from(o.vials),
                "vial_activity_at_calibration_mci": o.chosen.nominal.mci() / f64::from(o.vials),
                "calibration": o.chosen.calibration,
                "activity_at_injection_gbq": o.chosen.at_injection.gbq(),
                "required_at_injection_gbq": o.required_at_injection.gbq(),
                "deviation_percent": o.chosen.deviation * 100.0,
                "fraction_drawn": o.fraction_drawn,
                "exact_instant": o.exact_instant,
                "days_after_calibration": o.days_after_calibration,
                "spheres": o.spheres,
                "schedule_verified": o.schedule_verified,
                "schedule_source": o.schedule_source,
                "alternatives": o.alternatives.iter().map(|x| json!({
                    "vial_activity_at_calibration_gbq": x.nominal.gbq(),
                    "calibration": x.calibration,
                    "activity_at_injection_gbq": x.at_injection.gbq(),
                    "deviation_percent": x.deviation * 100.0,
                })).collect::<Vec<_>>(),
                "treatment_days": o.days.iter().map(|d| json!({
                    "instant": d.instant,
                    "days_after_calibration": d.days_after_calibration,
                    "activity_at_injection_gbq": d.at_injection.gbq(),
                    "deviation_percent": d.deviation * 100.0,
                })).collect::<Vec<_>>(),
            });
            let delivered = a.delivered.as_ref().map(|dd| {
                merge(
                    json!({
                        "injected": dd.injected,
                        "vial_activity_at_injection_gbq": dd.delivery.vial_at_injection.gbq(),
                        "residual_at_injection_gbq": dd.delivery.residual_at_injection.gbq(),
                        "residual_fraction": dd.delivery.residual_fraction,
                        "delivered_activity_gbq": dd.delivery.delivered.gbq(),
                        "delivered_activity_mci": dd.delivery.delivered.mci(),
                    }),
                    doses_json(p, &dd.doses),
                )
            });
            merge(
                json!({
                    "status": "planned",
                    "prescribed_activity_gbq": s.administered.gbq(),
                    "prescribed_activity_mci": s.administered.mci(),
                    "vial_activity_at_injection_gbq": a.vial_activity.gbq(),
                    "vial_activity_at_injection_mci": a.vial_activity.mci(),
                    "binding_constraint": s.binding,
                    "binding_constraint_text": s.binding.describe(),
                    "target_reached": a.target_reached,
                    "candidates": s.candidates.iter().map(|c| json!({
                        "constraint": c.constraint,
                        "activity_gbq": c.activity.gbq(),
                    })).collect::<Vec<_>>(),
                    "vial_order": order,
                    "with_ordered_vial": merge(
                        json!({
                            "administered_activity_gbq": a.expected.administered.gbq(),
                            "administered_activity_mci": a.expected.administered.mci(),
                        }),
                        doses_json(p, &a.expected.doses),
                    ),
                    "delivered": delivered,
                }),
                doses_json(p, &s.doses),
            )
        }
    };
    let _ = plan;
    merge(base, rest)
}

/// The plan as a JSON value.
pub fn plan_json(plan: &Plan) -> Value {
    let c = &plan.case;
    let sessions: Vec<Value> = plan
        .sessions
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "treatment": s.treatment,
                "extent": s.extent,
                "injections": s.injections.iter().map(|&n| plan.injections[n].input.id.clone()).collect::<Vec<_>>(),
                "whole_liver_ntad_gy": s.totals.filter(|_| s.ntad_not_evaluable.is_none()).map(|t| t.whole_liver_ntad.gy()),
                "ntad_not_evaluable": s.ntad_not_evaluable,
                "normal_liver_energy_j": s.totals.map(|t| t.normal_liver_energy.j()),
                "plan_whole_liver_ntad_gy": s.plan_whole_liver_ntad.gy(),
                "cumulative_whole_liver_ntad_gy": s.cumulative_whole_liver_ntad.map(|d| d.gy()),
                "tumour_gy": s.tumour_doses.iter().map(|(id, d)| json!({"id": id, "gy": d.gy()})).collect::<Vec<_>>(),
                "treated_normal_fraction": s.totals.filter(|_| s.ntad_not_evaluable.is_none()).map(|t| t.treated_normal_fraction),
                "lung_gy": s.totals.map(|t| t.lung_dose.gy()),
                "lung_gy_1kg_convention": s.lung_dose_1kg.map(|d| d.gy()),
                "cumulative_lung_gy_1kg_convention": s.cumulative_lung_dose_1kg.map(|d| d.gy()),
                "earlier_lung_gy": s.earlier_lung_dose.gy(),
                "cumulative_lung_gy": s.totals.map(|t| t.cumulative_lung_dose.gy()),
                "scalings": s.scalings.iter().map(|x| json!({
                    "constraint": x.constraint,
                    "factor": x.factor,
                    "injections": x.injections.iter().map(|&n| plan.injections[n].input.id.clone()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let cumulative = plan
        .sessions
        .iter()
        .rev()
        .find_map(|s| s.totals.map(|t| t.cumulative_lung_dose.gy()));
    json!({
        "tool": { "name": "sirtplan", "version": env!("CARGO_PKG_VERSION") },
        "research_notice": RESEARCH_NOTICE,
        "patient": {
            "id": c.patient.id,
            "sex": c.patient.sex,
            "age_years": c.patient.age_years,
            "height_m": c.patient.height.map(|h| h.m()),
            "weight_kg": c.patient.weight.map(|w| w.kg()),
        },
        "diagnosis": c.diagnosis,
        "parameters": {
            "liver_volume_ml": c.liver.volume.ml(),
            "liver_density_g_per_ml": c.liver.density.g_per_ml(),
            "liver_density_is_default": c.liver.density_is_default,
            "whole_liver_mass_kg": c.liver.mass().kg(),
            "whole_normal_liver_mass_kg": c.whole_normal_liver_mass().kg(),
            "tumour_burden": c.tumour_burden().map(|b| b.value()),
            "lung_mass_kg": c.lungs.mass.kg(),
            "lung_mass_basis": c.lungs.basis,
            "earlier_lung_gy": c.earlier_lung_dose().gy(),
        },
        "earlier_treatments": earlier_treatments_json(c),
        "tumours": c.tumours.iter().map(|t| json!({
            "id": t.id, "segment": t.segment, "volume_ml": t.volume.ml(), "mass_kg": t.mass.kg(),
        })).collect::<Vec<_>>(),
        "injections": plan.injections.iter().map(|p| injection_json(plan, p)).collect::<Vec<_>>(),
        "sessions": sessions,
        "cumulative_lung_gy": cumulative,
        "checks": plan.checks,
        "accepted": c.accepted,
        "notes": plan.notes,
    })
}

/// The treatment history with every field recorded (null where not recorded).
fn earlier_treatments_json(c: &sirt_case::Case) -> Vec<Value> {
    let gy = |d: Option<sirt_units::AbsorbedDose>| d.map(|d| d.gy());
    c.earlier_treatments
        .iter()
        .map(|e| {
            json!({
                "date": e.date,
                "kind": e.kind,
                "description": e.description,
                "lung_gy": gy(e.lung_dose),
                "whole_liver_ntad_gy": gy(e.whole_liver_ntad),
                "activity_gbq": e.activity.map(|a| a.gbq()),
                "activity_mci": e.activity.map(|a| a.mci()),
                "activity_per": e.activity.map(|_| if e.kind == "PRRT" { "cycle" } else { "treatment" }),
                "device": e.device,
                "territory": e.territory.map(|t| t.label()),
                "lobe": e.lobe,
                "cycles": e.cycles,
                "liver_gy": gy(e.liver_dose),
                "kidney_gy": gy(e.kidney_dose),
                "liver_mean_gy": gy(e.liver_mean_dose),
                "fractions": e.fractions,
            })
        })
        .collect()
}

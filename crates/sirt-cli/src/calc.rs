//! `sirtplan calc ...`: the quick calculators, each a thin shell over the library models.

use crate::{Failure, Result, input};
use anyhow::anyhow;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use sirt_models::bsa::{BsaInputs, LsfBands};
use sirt_models::lung::{Lung, LungMassBasis, PlanarCounts};
use sirt_models::partition::{Territory, TumourCompartment};
use sirt_models::prescription::{
    InjectionLimits, Prescription, Solution, TumourTarget, solve, vial_activity_for,
};
use sirt_nuclides::{Coefficient, KConvention, Nuclide};
use sirt_units::{AbsorbedDose, Activity, Fraction, Instant, Length, Mass, Volume};
use std::io::Write;

#[derive(Clone, Copy, ValueEnum, Default)]
pub(crate) enum Format {
    /// For people.
    #[default]
    Text,
    /// For machines.
    Json,
}

#[derive(Args)]
pub(crate) struct Common {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Args)]
pub(crate) struct LungArgs {
    /// Lung shunt fraction ("0.06" or "6 %").
    #[arg(long)]
    lsf: Option<Fraction>,
    /// Planar lung counts "anterior,posterior" (LSF by geometric mean, with --liver-counts).
    #[arg(
        long,
        value_name = "ANT,POST",
        requires = "liver_counts",
        conflicts_with = "lsf"
    )]
    lung_counts: Option<String>,
    /// Planar liver counts "anterior,posterior".
    #[arg(long, value_name = "ANT,POST", requires = "lung_counts")]
    liver_counts: Option<String>,
    /// Lung mass (default 1 kg, the TheraSphere IFU convention).
    #[arg(long)]
    lung_mass: Option<Mass>,
}

#[derive(Subcommand)]
pub(crate) enum Calc {
    /// MIRD single compartment: dose to a perfused mass ↔ activity.
    Mird {
        /// Target mean dose of the perfused volume.
        #[arg(
            long,
            required_unless_present = "activity",
            conflicts_with = "activity"
        )]
        target_dose: Option<AbsorbedDose>,
        /// Administered activity (forward calculation).
        #[arg(long)]
        activity: Option<Activity>,
        /// Perfused mass (tumour included).
        #[arg(long)]
        mass: Mass,
        #[command(flatten)]
        lung: LungArgs,
        /// K: a number of Gy·kg/GBq or therasphere-ifu, resin-partition, nuclear-data.
        #[arg(long, default_value = "therasphere-ifu")]
        k: KConvention,
        /// Residual fraction in vial and lines (vial activity = A / (1 − R)).
        #[arg(long, default_value = "0")]
        residual: Fraction,
        #[command(flatten)]
        common: Common,
    },
    /// Partition model, one tumour compartment: tumour, normal liver and lung doses ↔ activity.
    Partition {
        /// Target normal-liver dose.
        #[arg(long, group = "goal")]
        normal_dose: Option<AbsorbedDose>,
        /// Target tumour dose.
        #[arg(long, group = "goal")]
        tumour_dose: Option<AbsorbedDose>,
        /// Administered activity (forward calculation).
        #[arg(long, group = "goal")]
        activity: Option<Activity>,
        /// Tumour-to-normal ratio of activity concentration.
        #[arg(long)]
        tnr: f64,
        /// Tumour mass.
        #[arg(long)]
        tumour_mass: Mass,
        /// Non-tumoural liver mass of the territory.
        #[arg(long)]
        normal_mass: Mass,
        #[command(flatten)]
        lung: LungArgs,
        /// K: a number of Gy·kg/GBq or a convention name.
        #[arg(long, default_value = "resin-partition")]
        k: KConvention,
        /// Lung dose limit (caps the activity).
        #[arg(long)]
        lung_limit: Option<AbsorbedDose>,
        /// Normal-liver dose limit (caps the activity).
        #[arg(long)]
        normal_limit: Option<AbsorbedDose>,
        /// Residual fraction.
        #[arg(long, default_value = "0")]
        residual: Fraction,
        #[command(flatten)]
        common: Common,
    },
    /// Resin BSA method (whole liver or lobar), with the LSF reduction bands.
    Bsa {
        /// Body height.
        #[arg(long)]
        height: Length,
        /// Body weight.
        #[arg(long)]
        weight: Mass,
        /// Tumour volume.
        #[arg(long)]
        tumour_volume: Volume,
        /// Whole liver volume, tumour included.
        #[arg(long)]
        liver_volume: Volume,
        /// Perfused lobe volume for lobar treatment.
        #[arg(long)]
        lobe_volume: Option<Volume>,
        /// Lung shunt fraction.
        #[arg(long)]
        lsf: Fraction,
        #[command(flatten)]
        common: Common,
    },
    /// Ho-166: activity for a dose to a mass (3.781 GBq per kg for 60 Gy).
    Ho166 {
        /// Liver or perfused mass.
        #[arg(long)]
        mass: Mass,
        /// Target dose.
        #[arg(long)]
        target_dose: AbsorbedDose,
        /// Lung shunt fraction (for the lung dose; the rule does not subtract it).
        #[arg(long)]
        lsf: Option<Fraction>,
        /// Lung mass (default 1 kg).
        #[arg(long)]
        lung_mass: Option<Mass>,
        /// K (default the Ho-166 rule, 15.87 Gy·kg/GBq).
        #[arg(long, default_value = "ho166-rule")]
        k: KConvention,
        #[command(flatten)]
        common: Common,
    },
    /// Lung dose of an activity.
    Lung {
        /// Administered activity.
        #[arg(long)]
        activity: Activity,
        #[command(flatten)]
        lung: LungArgs,
        /// K: a number of Gy·kg/GBq or a convention name.
        #[arg(long, default_value = "therasphere-ifu")]
        k: KConvention,
        #[command(flatten)]
        common: Common,
    },
    /// Decay of an activity between two instants.
    Decay {
        /// Nuclide (Y-90, Ho-166, Tc-99m, Lu-177).
        #[arg(long)]
        nuclide: Nuclide,
        /// Activity at --from.
        #[arg(long)]
        activity: Activity,
        /// Instant of the activity, with zone.
        #[arg(long)]
        from: Instant,
        /// Instant wanted, with zone.
        #[arg(long)]
        to: Instant,
        #[command(flatten)]
        common: Common,
    },
}

fn counts(s: &str, what: &str) -> Result<(f64, f64)> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let parse = |p: &str| p.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
    match parts.as_slice() {
        [a, b] => match (parse(a), parse(b)) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(input(anyhow!(
                "--{what}: expected two counts \"ANTERIOR,POSTERIOR\" ≥ 0, found \"{s}\""
            ))),
        },
        _ => Err(input(anyhow!(
            "--{what}: expected two counts \"ANTERIOR,POSTERIOR\", found \"{s}\""
        ))),
    }
}

fn lung_of(args: &LungArgs) -> Result<(Lung, &'static str)> {
    let (lsf, source) = match (&args.lsf, &args.lung_counts, &args.liver_counts) {
        (Some(l), _, _) => (*l, "given"),
        (None, Some(lc), Some(vc)) => {
            let (la, lp) = counts(lc, "lung-counts")?;
            let (va, vp) = counts(vc, "liver-counts")?;
            let p = PlanarCounts {
                lung_anterior: la,
                lung_posterior: lp,
                liver_anterior: va,
                liver_posterior: vp,
            };
            (p.lsf().map_err(input)?, "planar geometric mean")
        }
        _ => {
            return Err(input(anyhow!(
                "give --lsf, or --lung-counts and --liver-counts"
            )));
        }
    };
    let lung = match args.lung_mass {
        Some(m) => Lung::with_mass(lsf, m),
        None => Lung::convention(lsf),
    };
    lung.validate().map_err(input)?;
    Ok((lung, source))
}

fn k_of(k: KConvention, nuclide: Nuclide) -> Result<Coefficient> {
    k.resolve(nuclide).map_err(|e| input(anyhow!("--k: {e}")))
}

fn lung_mass_text(l: &Lung) -> String {
    match l.basis {
        LungMassBasis::Convention => {
            format!("{:.3} kg (1 kg TheraSphere IFU convention)", l.mass.kg())
        }
        _ => format!("{:.3} kg", l.mass.kg()),
    }
}

fn k_line(k: &Coefficient) -> String {
    format!(
        "{} Gy·kg/GBq ({}: {})",
        k.k.gy_kg_per_gbq(),
        k.label,
        k.source
    )
}

fn act(a: Activity) -> String {
    a.gbq_and_mci(4)
}

/// Writes `lines` (label, value) or the JSON value.
fn emit(
    out: &mut impl Write,
    format: Format,
    title: &str,
    lines: &[(&str, String)],
    json: Value,
) -> Result<()> {
    match format {
        Format::Json => {
            let s = serde_json::to_string_pretty(&json).map_err(|e| Failure::Internal(e.into()))?;
            writeln!(out, "{s}")?;
        }
        Format::Text => {
            writeln!(out, "{title}")?;
            let w = lines
                .iter()
                .map(|(l, _)| l.chars().count())
                .max()
                .unwrap_or(0);
            for (l, v) in lines {
                writeln!(out, "  {l:<w$}  {v}")?;
            }
            writeln!(out, "  (research use only; check every number)")?;
        }
    }
    Ok(())
}

fn solution_json(s: &Solution, vial: Activity) -> Value {
    json!({
        "activity_gbq": s.administered.gbq(),
        "activity_mci": s.administered.mci(),
        "vial_activity_gbq": vial.gbq(),
        "vial_activity_mci": vial.mci(),
        "binding_constraint": s.binding,
        "perfused_gy": s.doses.perfused.dose.gy(),
        "normal_liver_gy": s.doses.normal_liver.dose.gy(),
        "tumour_gy": s.doses.tumours.first().map(|(_, c)| c.dose.gy()),
        "lung_gy": s.doses.lung.dose.gy(),
        "lung_activity_gbq": s.doses.lung.activity.gbq(),
    })
}

pub(crate) fn run(calc: Calc, out: &mut impl Write) -> Result<()> {
    match calc {
        Calc::Mird {
            target_dose,
            activity,
            mass,
            lung,
            k,
            residual,
            common,
        } => {
            let (lung, lsf_source) = lung_of(&lung)?;
            let k = k_of(k, Nuclide::Y90)?;
            let territory = Territory {
                tumours: vec![],
                normal_liver: mass,
            };
            let p = match (target_dose, activity) {
                (Some(d), _) => Prescription::PerfusedDose(d),
                (None, Some(a)) => Prescription::Fixed(a),
                (None, None) => return Err(input(anyhow!("give --target-dose or --activity"))),
            };
            let s =
                solve(&territory, &lung, k.k, &p, &InjectionLimits::default()).map_err(input)?;
            let vial = vial_activity_for(s.administered, residual).map_err(input)?;
            let mut j = solution_json(&s, vial);
            j["k_gy_kg_per_gbq"] = json!(k.k.gy_kg_per_gbq());
            j["k_convention"] = json!(k.label);
            j["mass_kg"] = json!(mass.kg());
            j["lsf"] = json!(lung.lsf.value());
            j["lung_mass_kg"] = json!(lung.mass.kg());
            j["residual_fraction"] = json!(residual.value());
            emit(
                out,
                common.format,
                "MIRD single compartment (Y-90): D = K · A · (1 − LSF) / M",
                &[
                    ("perfused mass", format!("{:.3} kg", mass.kg())),
                    (
                        "LSF",
                        format!(
                            "{} ({lsf_source})",
                            sirt_report::fmt_pct(lung.lsf.value(), 2)
                        ),
                    ),
                    ("K", k_line(&k)),
                    ("administered activity", act(s.administered)),
                    (
                        "vial at injection",
                        format!(
                            "{} (residual {})",
                            act(vial),
                            sirt_report::fmt_pct(residual.value(), 1)
                        ),
                    ),
                    (
                        "perfused dose",
                        format!("{:.1} Gy", s.doses.perfused.dose.gy()),
                    ),
                    (
                        "lung dose",
                        format!(
                            "{:.2} Gy (lung {})",
                            s.doses.lung.dose.gy(),
                            lung_mass_text(&lung)
                        ),
                    ),
                    ("activity to lungs", act(s.doses.lung.activity)),
                ],
                j,
            )
        }
        Calc::Partition {
            normal_dose,
            tumour_dose,
            activity,
            tnr,
            tumour_mass,
            normal_mass,
            lung,
            k,
            lung_limit,
            normal_limit,
            residual,
            common,
        } => {
            let (lung, lsf_source) = lung_of(&lung)?;
            let k = k_of(k, Nuclide::Y90)?;
            let territory = Territory {
                tumours: vec![TumourCompartment {
                    id: "tumour".into(),
                    mass: tumour_mass,
                    tnr,
                }],
                normal_liver: normal_mass,
            };
            let mut limits = InjectionLimits {
                normal_liver_max: normal_limit,
                lung_max: lung_limit,
                perfused_max: None,
            };
            let p = match (normal_dose, tumour_dose, activity) {
                (Some(d), None, None) => {
                    limits.normal_liver_max = Some(limits.normal_liver_max.map_or(d, |l| l.min(d)));
                    Prescription::MaximumAllowed
                }
                (None, Some(d), None) => Prescription::TumourDose {
                    target: TumourTarget::Combined,
                    dose: d,
                },
                (None, None, Some(a)) => Prescription::Fixed(a),
                _ => {
                    return Err(input(anyhow!(
                        "give one of --normal-dose, --tumour-dose or --activity"
                    )));
                }
            };
            let s = solve(&territory, &lung, k.k, &p, &limits).map_err(input)?;
            let vial = vial_activity_for(s.administered, residual).map_err(input)?;
            let mut j = solution_json(&s, vial);
            j["k_gy_kg_per_gbq"] = json!(k.k.gy_kg_per_gbq());
            j["k_convention"] = json!(k.label);
            j["tnr"] = json!(tnr);
            j["lsf"] = json!(lung.lsf.value());
            j["lung_mass_kg"] = json!(lung.mass.kg());
            j["candidates"] = json!(
                s.candidates
                    .iter()
                    .map(|c| json!({"constraint": c.constraint, "activity_gbq": c.activity.gbq()}))
                    .collect::<Vec<_>>()
            );
            let tumour = s
                .doses
                .tumours
                .first()
                .map(|(_, c)| c.dose.gy())
                .unwrap_or(f64::NAN);
            let cands: Vec<String> = s
                .candidates
                .iter()
                .map(|c| format!("{} {}", c.constraint.describe(), act(c.activity)))
                .collect();
            emit(
                out,
                common.format,
                "Partition model (Y-90): tumour, normal liver and lung",
                &[
                    (
                        "tumour / normal mass",
                        format!(
                            "{:.3} kg / {:.3} kg, TNR {tnr}",
                            tumour_mass.kg(),
                            normal_mass.kg()
                        ),
                    ),
                    (
                        "LSF",
                        format!(
                            "{} ({lsf_source})",
                            sirt_report::fmt_pct(lung.lsf.value(), 2)
                        ),
                    ),
                    ("K", k_line(&k)),
                    ("administered activity", act(s.administered)),
                    (
                        "vial at injection",
                        format!(
                            "{} (residual {})",
                            act(vial),
                            sirt_report::fmt_pct(residual.value(), 1)
                        ),
                    ),
                    ("binding constraint", s.binding.describe().to_owned()),
                    ("candidates", cands.join("; ")),
                    ("tumour dose", format!("{tumour:.1} Gy")),
                    (
                        "normal-liver dose",
                        format!("{:.1} Gy", s.doses.normal_liver.dose.gy()),
                    ),
                    (
                        "lung dose",
                        format!(
                            "{:.2} Gy (lung {})",
                            s.doses.lung.dose.gy(),
                            lung_mass_text(&lung)
                        ),
                    ),
                ],
                j,
            )
        }
        Calc::Bsa {
            height,
            weight,
            tumour_volume,
            liver_volume,
            lobe_volume,
            lsf,
            common,
        } => {
            let bands = LsfBands::default();
            let r = BsaInputs {
                height,
                weight,
                tumour_volume,
                liver_volume,
                perfused_volume: lobe_volume,
                lsf,
            }
            .compute(&bands)
            .map_err(input)?;
            let j = json!({
                "bsa_m2": r.bsa_m2,
                "tumour_involvement": r.tumour_involvement,
                "whole_liver_activity_gbq": r.whole_liver_activity.gbq(),
                "perfused_fraction": r.perfused_fraction,
                "lsf": lsf.value(),
                "lsf_factor": r.lsf_factor,
                "contraindicated": r.activity.is_none(),
                "activity_gbq": r.activity.map(|a| a.gbq()),
                "activity_mci": r.activity.map(|a| a.mci()),
                "lsf_bands_source": bands.source,
            });
            let result = match r.activity {
                Some(a) => act(a),
                None => format!(
                    "none: LSF {} is above 20 %, treatment contraindicated",
                    sirt_report::fmt_pct(lsf.value(), 1)
                ),
            };
            emit(
                out,
                common.format,
                "BSA method (resin): A = (BSA − 0.2) + V_tumour / V_liver",
                &[
                    ("BSA (Du Bois)", format!("{:.4} m²", r.bsa_m2)),
                    ("tumour involvement", format!("{:.4}", r.tumour_involvement)),
                    ("whole-liver activity", act(r.whole_liver_activity)),
                    ("perfused fraction", format!("{:.4}", r.perfused_fraction)),
                    (
                        "LSF factor",
                        r.lsf_factor
                            .map(|f| format!("{f}"))
                            .unwrap_or_else(|| "contraindicated".into()),
                    ),
                    ("activity", result),
                    ("bands", bands.source.clone()),
                ],
                j,
            )
        }
        Calc::Ho166 {
            mass,
            target_dose,
            lsf,
            lung_mass,
            k,
            common,
        } => {
            let k = k_of(k, Nuclide::Ho166)?;
            let lsf_v = lsf.unwrap_or(Fraction::ZERO);
            let lung = match lung_mass {
                Some(m) => Lung::with_mass(lsf_v, m),
                None => Lung::convention(lsf_v),
            };
            let territory = Territory {
                tumours: vec![],
                normal_liver: mass,
            };
            let s = solve(
                &territory,
                &lung,
                k.k,
                &Prescription::Ho166Rule(target_dose),
                &InjectionLimits::default(),
            )
            .map_err(input)?;
            let mut j = json!({
                "activity_gbq": s.administered.gbq(),
                "activity_mbq": s.administered.mbq(),
                "activity_mci": s.administered.mci(),
                "mass_kg": mass.kg(),
                "target_gy": target_dose.gy(),
                "k_gy_kg_per_gbq": k.k.gy_kg_per_gbq(),
                "k_convention": k.label,
            });
            let mut lines = vec![
                ("mass", format!("{:.3} kg", mass.kg())),
                ("K", k_line(&k)),
                (
                    "activity",
                    format!("{} = {:.1} MBq", act(s.administered), s.administered.mbq()),
                ),
            ];
            if lsf.is_some() {
                j["lsf"] = json!(lsf_v.value());
                j["lung_gy"] = json!(s.doses.lung.dose.gy());
                j["perfused_gy"] = json!(s.doses.perfused.dose.gy());
                lines.push((
                    "lung dose",
                    format!(
                        "{:.2} Gy (lung {})",
                        s.doses.lung.dose.gy(),
                        lung_mass_text(&lung)
                    ),
                ));
                lines.push((
                    "perfused dose after shunt",
                    format!("{:.1} Gy", s.doses.perfused.dose.gy()),
                ));
            } else {
                lines.push((
                    "lung dose",
                    "not computed (no --lsf); the rule does not subtract the lung shunt".into(),
                ));
            }
            emit(
                out,
                common.format,
                "Ho-166 dose rule: A = D · M / K",
                &lines,
                j,
            )
        }
        Calc::Lung {
            activity,
            lung,
            k,
            common,
        } => {
            let (lung, lsf_source) = lung_of(&lung)?;
            let nuclide = if matches!(k, KConvention::Ho166Rule) {
                Nuclide::Ho166
            } else {
                Nuclide::Y90
            };
            let k = k_of(k, nuclide)?;
            let lung_activity = activity * lung.lsf.value();
            let dose = k.k.dose(lung_activity, lung.mass);
            let label_limit = Activity::from_mci(16.5);
            let j = json!({
                "activity_gbq": activity.gbq(),
                "lsf": lung.lsf.value(),
                "lung_mass_kg": lung.mass.kg(),
                "k_gy_kg_per_gbq": k.k.gy_kg_per_gbq(),
                "k_convention": k.label,
                "lung_activity_gbq": lung_activity.gbq(),
                "lung_activity_mci": lung_activity.mci(),
                "lung_gy": dose.gy(),
                "label_lung_activity_limit_gbq": label_limit.gbq(),
            });
            emit(
                out,
                common.format,
                "Lung dose: D = K · A · LSF / M_lung",
                &[
                    ("activity", act(activity)),
                    (
                        "LSF",
                        format!(
                            "{} ({lsf_source})",
                            sirt_report::fmt_pct(lung.lsf.value(), 2)
                        ),
                    ),
                    ("lung mass", lung_mass_text(&lung)),
                    ("K", k_line(&k)),
                    (
                        "activity to lungs",
                        format!(
                            "{} (TheraSphere label limit 0.61 GBq / 16.5 mCi)",
                            act(lung_activity)
                        ),
                    ),
                    (
                        "lung dose",
                        format!(
                            "{:.2} Gy (limits 30 Gy per session, 50 Gy cumulative)",
                            dose.gy()
                        ),
                    ),
                ],
                j,
            )
        }
        Calc::Decay {
            nuclide,
            activity,
            from,
            to,
            common,
        } => {
            let elapsed = to.since(&from);
            let factor = nuclide.decay_factor(elapsed);
            let a = activity * factor;
            let j = json!({
                "nuclide": nuclide.to_string(),
                "half_life_h": nuclide.half_life().hours(),
                "from": from,
                "to": to,
                "elapsed_h": elapsed.hours(),
                "decay_factor": factor,
                "activity_from_gbq": activity.gbq(),
                "activity_gbq": a.gbq(),
                "activity_mci": a.mci(),
            });
            emit(
                out,
                common.format,
                &format!(
                    "Decay of {nuclide} (T½ {} h, {})",
                    nuclide.half_life().hours(),
                    nuclide.data().source
                ),
                &[
                    ("from", format!("{from}: {}", act(activity))),
                    ("to", to.to_string()),
                    ("elapsed", format!("{:.4} h", elapsed.hours())),
                    ("decay factor", format!("{factor:.8}")),
                    ("activity", act(a)),
                ],
                j,
            )
        }
    }
}

//! The measured inputs of a plan (issue 16, "Measurements feed the plan"): a case file may
//! leave out the lung shunt fraction (`mapping.lsf`), the tumour-to-normal ratios
//! (`injections[].tumours[].tnr`) and the perfused volumes (`injections[].perfused_volume`)
//! when its images and masks measure them; [`feed`] measures them with the code of
//! `sirtplan measure` ([`crate::measure::measure_images`]), puts them into the case
//! ([`sirt_case::parse_with_measured`]) and records where every such input came from
//! ([`sirt_case::InputProvenance`]): measured (series, masks, method, grid, counts), entered in
//! the case file (with its reason, or none), changed by a plan parameter, or the planar
//! geometric mean. A case that states a value its images also measure is measured all the
//! same, so that the report prints both; a measurement that fails there is a note, never an
//! error (the voxel part refuses bad images with its own message).
//!
//! The rules then run on the values as they run on stated ones; [`restate_checks`] makes each
//! dose, activity and LSF check say which of its inputs were measured.

use crate::measure::{ImageMeasurement, MeasureError, lsf_not_measurable, measure_images};
use crate::outcome::{CaseText, ImageRoot, check_image_paths};
use crate::{PlanningError, SiteData};
use sirt_case::{
    Case, InputProvenance, LsfInput, LsfMeasurement, LsfSource, MeasuredValues, Missing,
    NotMeasured, Origin, Overrides, PerfusedInput, Source, Stated, TerritoryMeasurement, TnrInput,
    TnrMeasurement,
};
use sirt_i18n::{Arg, Text};
use sirt_rules::{Check, CheckBasis};
use sirt_units::{Density, Fraction, Mass, Volume};
use sirt_workflow::Plan;
use std::path::Path;

/// The case of a plan, its measured values put in, and the provenance of its measurable
/// inputs.
#[derive(Debug, Clone)]
pub(crate) struct Fed {
    /// The validated case.
    pub case: Case,
    /// Where each measurable input came from.
    pub provenance: InputProvenance,
}

/// The folder a case's images are read from (`Ok`), or why they are not read here (`Err`: no
/// `[images]`, or [`ImageRoot::Skip`]); a confined root checks the image paths first.
fn image_folder<'a>(
    case: &Case,
    root: ImageRoot<'a>,
) -> Result<Result<&'a Path, String>, PlanningError> {
    let Some(images) = &case.images else {
        return Ok(Err(
            "the case has no [images] table (CT, structures and MAA SPECT)".into(),
        ));
    };
    Ok(match root {
        ImageRoot::Skip => Err(
            "the images are not read by this computation (the web application's recompute of the numbers): measure them first"
                .into(),
        ),
        ImageRoot::Folder(base) => Ok(base),
        ImageRoot::Confined(base) => {
            check_image_paths(images)?;
            Ok(base)
        }
    })
}

/// Reads the case, measures on its images what it leaves out (and what it states, to show
/// beside it), and validates it with the measured values and the typed `overrides`.
pub(crate) fn feed(
    site: &SiteData,
    case: CaseText<'_>,
    overrides: &Overrides,
    root: ImageRoot<'_>,
) -> Result<Fed, PlanningError> {
    let stated = sirt_case::stated_values(case.text, case.name)?;
    if stated.missing.is_empty() {
        let parsed = sirt_case::parse_with_overrides(case.text, case.name, overrides)?;
        let measured = match image_folder(&parsed, root)? {
            Ok(base) => optional(measure_images(
                &parsed,
                &stated,
                case.name,
                base,
                &site.settings,
            ))?,
            Err(why) => Err(why),
        };
        let provenance = provenance(&parsed, &stated, overrides, measured.as_ref());
        return Ok(Fed {
            case: parsed,
            provenance,
        });
    }
    let (placeholders, _) = sirt_case::parse_for_measurement(case.text, case.name)?;
    let m = match image_folder(&placeholders, root)? {
        Ok(base) => measure_images(&placeholders, &stated, case.name, base, &site.settings)?,
        Err(why) => {
            let first = &stated.missing[0];
            return Err(not_measurable(case.name, first, why).into());
        }
    };
    let values = measured_values(&placeholders, &stated, &m, case.name)?;
    let (parsed, _) = sirt_case::parse_with_measured(case.text, case.name, overrides, &values)?;
    let provenance = provenance(&parsed, &stated, overrides, Ok(&m));
    Ok(Fed {
        case: parsed,
        provenance,
    })
}

/// The values a case leaves out, measured on its images (the server's recompute keeps them
/// with the plan so that a parameter change does not read the images again:
/// [`crate::plan_without_document_measured`]).
pub fn measured_values_of(
    site: &SiteData,
    case: CaseText<'_>,
    root: ImageRoot<'_>,
) -> Result<MeasuredValues, PlanningError> {
    let stated = sirt_case::stated_values(case.text, case.name)?;
    if stated.missing.is_empty() {
        return Ok(MeasuredValues::default());
    }
    let (placeholders, _) = sirt_case::parse_for_measurement(case.text, case.name)?;
    let m = match image_folder(&placeholders, root)? {
        Ok(base) => measure_images(&placeholders, &stated, case.name, base, &site.settings)?,
        Err(why) => return Err(not_measurable(case.name, &stated.missing[0], why).into()),
    };
    Ok(measured_values(&placeholders, &stated, &m, case.name)?)
}

/// A measurement of a case that states its values: an input failure is the reason it was not
/// measured (shown in the report), an internal failure an error.
fn optional(
    r: Result<ImageMeasurement, MeasureError>,
) -> Result<Result<ImageMeasurement, String>, PlanningError> {
    match r {
        Ok(m) => Ok(Ok(m)),
        Err(e) if e.is_input() => Ok(Err(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// The error of a value left out that cannot be measured.
fn not_measurable(file: &str, missing: &Missing, why: String) -> MeasureError {
    let alternative = match missing {
        Missing::Lsf => ", injections[].lsf or mapping.planar counts".to_owned(),
        Missing::Tnr { .. } | Missing::PerfusedVolume { .. } => String::new(),
    };
    MeasureError::NotMeasurable {
        file: file.to_owned(),
        field: missing.field().to_owned(),
        why,
        alternative,
    }
}

/// The measured value of every value the case leaves out, or the error naming the first one
/// the images cannot give and what would measure it.
fn measured_values(
    case: &Case,
    stated: &Stated,
    m: &ImageMeasurement,
    file: &str,
) -> Result<MeasuredValues, MeasureError> {
    let mut values = MeasuredValues::default();
    for missing in &stated.missing {
        match missing {
            Missing::Lsf => {
                let why = || {
                    case.images
                        .as_ref()
                        .and_then(lsf_not_measurable)
                        .unwrap_or_else(|| "no lung and liver counts".into())
                };
                let lsf = m
                    .lsf
                    .as_ref()
                    .and_then(|(l, _)| Fraction::new(*l))
                    .ok_or_else(|| not_measurable(file, missing, why()))?;
                values.lsf = Some(lsf);
            }
            Missing::Tnr {
                injection, tumour, ..
            } => {
                let tnr = m
                    .tnr
                    .iter()
                    .find(|t| &t.tumour == tumour && t.injection.as_deref() == Some(injection))
                    .map(|t| t.tnr)
                    .ok_or_else(|| not_measurable(file, missing, tnr_why(case, tumour)))?;
                values.tnr.insert((injection.clone(), tumour.clone()), tnr);
            }
            Missing::PerfusedVolume { injection, .. } => {
                let volume = m
                    .perfused
                    .iter()
                    .find(|p| &p.injection == injection)
                    .and_then(|p| p.volume_ml)
                    .ok_or_else(|| not_measurable(file, missing, perfused_why(injection)))?;
                values
                    .perfused_volume
                    .insert(injection.clone(), Volume::from_ml(volume));
            }
        }
    }
    Ok(values)
}

/// Why a tumour's TNR cannot be measured.
fn tnr_why(case: &Case, tumour: &str) -> String {
    match &case.images {
        Some(i) if i.maa_spect.is_none() => {
            "images.maa_spect names no MAA SPECT (the TNR is counted on it in the tumour mask and the normal liver)".into()
        }
        Some(i) => format!(
            "no structure for tumour {tumour} in {} (name it in images.tumours.{tumour}, or give the structure the tumour's id)",
            i.structures
        ),
        None => "the case has no [images] table".into(),
    }
}

/// Why an injection's perfused volume cannot be measured.
fn perfused_why(injection: &str) -> String {
    format!(
        "images.territories.{injection} names no perfused-territory structure (the perfused volume is its mask's volume; a whole-liver injection without one takes the liver mask)"
    )
}

/// The provenance of every measurable input of the validated `case`.
fn provenance(
    case: &Case,
    stated: &Stated,
    overrides: &Overrides,
    measured: Result<&ImageMeasurement, &String>,
) -> InputProvenance {
    let m = measured.ok();
    let mut p = InputProvenance {
        lsf_measured: m.and_then(lsf_measurement),
        lsf_planar: case.mapping.planar.as_ref().map(|(_, l)| *l),
        lsf: lsf_inputs(case, stated, overrides),
        tnr_source: m.and_then(|m| {
            let t = m.tnr_provenance.as_ref()?;
            Some(Source {
                image: t.source.clone(),
                series_uids: m
                    .lsf
                    .as_ref()
                    .map(|(_, p)| p.spect_series_uids.clone())
                    .unwrap_or_default(),
                structures: case
                    .images
                    .as_ref()
                    .map(|i| i.structures.clone())
                    .unwrap_or_default(),
                grid: m.spect_grid.clone().unwrap_or_default(),
                method: t.method.clone(),
            })
        }),
        tnr: tnr_inputs(case, stated, overrides, m),
        territory_source: m.map(|m| Source {
            image: m.mass_provenance.ct.clone(),
            series_uids: m.mass_provenance.ct_series_uids.clone(),
            structures: m.perfused_provenance.source.clone(),
            grid: m.mass_provenance.grid.clone(),
            method: format!(
                "{}; mass: {} (density curve: {})",
                m.perfused_provenance.method,
                m.mass_provenance.method,
                m.mass_provenance.density_curve
            ),
        }),
        perfused: perfused_inputs(case, stated, m),
        lung_mass: m
            .and_then(|m| m.lung_mass.as_ref())
            .map(|l| sirt_case::LungMassMeasurement {
                mask: l.mask.clone(),
                volume: Volume::from_ml(l.volume_ml),
                mass_from_ct: Mass::from_kg(l.mass_g / 1000.0),
                mass_conventional: Mass::from_kg(l.conventional_mass_g / 1000.0),
                conventional_density: Density::from_g_per_ml(l.conventional_density_g_per_ml),
            }),
        not_measured: Vec::new(),
    };
    p.not_measured = not_measured(case, m, measured.err());
    p
}

/// The measured LSF with its provenance.
fn lsf_measurement(m: &ImageMeasurement) -> Option<LsfMeasurement> {
    let (lsf, p) = m.lsf.as_ref()?;
    Some(LsfMeasurement {
        lsf: Fraction::new(*lsf)?,
        lung_mask: p.lung_mask.clone(),
        liver_mask: p.liver_mask.clone(),
        lung_counts: p.lungs.counts,
        liver_counts: p.liver.counts,
        source: Source {
            image: p.spect.clone(),
            series_uids: p.spect_series_uids.clone(),
            structures: p.structures_file.clone(),
            grid: m.spect_grid.clone().unwrap_or_default(),
            method: p.method.clone(),
        },
    })
}

/// The LSF of each injection and where it came from.
fn lsf_inputs(case: &Case, stated: &Stated, overrides: &Overrides) -> Vec<LsfInput> {
    case.injections
        .iter()
        .enumerate()
        .map(|(n, inj)| {
            let parameter = overrides
                .injections
                .get(&inj.id)
                .is_some_and(|o| o.lsf.is_some());
            let origin = if parameter {
                Origin::Parameter {
                    field: format!("injections.{}.lsf", inj.id),
                }
            } else {
                match inj.lsf_source {
                    LsfSource::Injection => Origin::Entered {
                        field: format!("injections[{n}].lsf"),
                        reason: stated.reasons.injection_lsf.get(&inj.id).cloned(),
                    },
                    LsfSource::Mapping if stated.lsf.is_some() => Origin::Entered {
                        field: "mapping.lsf".into(),
                        reason: stated.reasons.lsf.clone(),
                    },
                    LsfSource::Mapping | LsfSource::Measured => Origin::Measured,
                    LsfSource::Planar => Origin::Planar,
                }
            };
            LsfInput {
                injection: inj.id.clone(),
                used: inj.lung.lsf,
                origin,
            }
        })
        .collect()
}

/// The TNR of each tumour share and where it came from, with its measurement.
fn tnr_inputs(
    case: &Case,
    stated: &Stated,
    overrides: &Overrides,
    m: Option<&ImageMeasurement>,
) -> Vec<TnrInput> {
    let mut out = Vec::new();
    for (n, inj) in case.injections.iter().enumerate() {
        for (k, share) in inj.tumours.iter().enumerate() {
            let key = (inj.id.clone(), share.id.clone());
            let parameter = overrides
                .injections
                .get(&inj.id)
                .is_some_and(|o| o.tnr.contains_key(&share.id));
            let origin = if parameter {
                Origin::Parameter {
                    field: format!("injections.{}.tnr.{}", inj.id, share.id),
                }
            } else if stated.tnr.contains_key(&key) {
                Origin::Entered {
                    field: format!("injections[{n}].tumours[{k}].tnr"),
                    reason: stated.reasons.tnr.get(&key).cloned(),
                }
            } else {
                Origin::Measured
            };
            let measured = m.and_then(|m| {
                m.tnr
                    .iter()
                    .find(|t| t.tumour == share.id && t.injection.as_deref() == Some(&inj.id))
                    .map(|t| TnrMeasurement {
                        tnr: t.tnr,
                        tumour_mask: t.mask.clone(),
                        normal_region: t.normal_region.clone(),
                        tumour_counts_per_ml: t.tumour_counts.per_ml(),
                        normal_counts_per_ml: t.normal_counts.per_ml(),
                        tumour_volume: Volume::from_ml(t.tumour_counts.volume_ml),
                    })
            });
            out.push(TnrInput {
                injection: inj.id.clone(),
                tumour: share.id.clone(),
                used: share.tnr,
                origin,
                measured,
            });
        }
    }
    out
}

/// The perfused volume and mass of each injection and where they came from.
fn perfused_inputs(
    case: &Case,
    stated: &Stated,
    m: Option<&ImageMeasurement>,
) -> Vec<PerfusedInput> {
    case.injections
        .iter()
        .enumerate()
        .map(|(n, inj)| {
            let origin = if stated.perfused_volume.contains(&inj.id) {
                Origin::Entered {
                    field: format!("injections[{n}].perfused_volume"),
                    reason: stated.reasons.perfused_volume.get(&inj.id).cloned(),
                }
            } else {
                Origin::Measured
            };
            let measured = m
                .and_then(|m| m.perfused.iter().find(|p| p.injection == inj.id))
                .and_then(|p| {
                    Some(TerritoryMeasurement {
                        volume: Volume::from_ml(p.volume_ml?),
                        mask: p.source.clone(),
                        mass_from_ct: Mass::from_kg(p.perfused_mass_g? / 1000.0),
                    })
                });
            PerfusedInput {
                injection: inj.id.clone(),
                used: inj.perfused_volume,
                origin,
                measured,
                mass_used: inj.perfused_mass,
                density: case.liver.density,
            }
        })
        .collect()
}

/// What the images did not measure, and why.
fn not_measured(
    case: &Case,
    m: Option<&ImageMeasurement>,
    failed: Option<&String>,
) -> Vec<NotMeasured> {
    let entry = |what: &str, why: String| NotMeasured {
        what: what.to_owned(),
        why,
    };
    let Some(m) = m else {
        let why = failed.cloned().unwrap_or_default();
        return vec![entry("all", why)];
    };
    let mut out = Vec::new();
    if m.lsf.is_none() {
        let why = case
            .images
            .as_ref()
            .and_then(lsf_not_measurable)
            .unwrap_or_default();
        out.push(entry("lsf", why));
    }
    for t in &case.tumours {
        let listed = case
            .injections
            .iter()
            .any(|i| i.tumours.iter().any(|s| s.id == t.id));
        if listed && !m.tnr.iter().any(|x| x.tumour == t.id) {
            out.push(entry(&format!("tnr {}", t.id), tnr_why(case, &t.id)));
        }
    }
    for p in m.perfused.iter().filter(|p| p.volume_ml.is_none()) {
        out.push(entry(
            &format!("perfused_volume {}", p.injection),
            perfused_why(&p.injection),
        ));
    }
    if m.lung_mass.is_none() {
        out.push(entry(
            "lung_mass",
            "images.lungs names no lung structure (the lung mass is counted in its mask on the CT)"
                .into(),
        ));
    }
    out
}

/// Whether a check's value depends on the plan's measurable inputs: the doses and activities
/// of the partition model and of the delivered values, and the LSF itself.
fn depends_on_inputs(c: &Check) -> bool {
    matches!(c.basis, CheckBasis::Partition | CheckBasis::Delivered)
        && (c.unit == "Gy" || c.unit == "GBq" || c.rule.contains("lsf"))
}

/// Makes the checks state the basis of their inputs when some were measured: each dose,
/// activity and LSF check's `values_from` names the measured inputs, and the lung checks'
/// detail says "measured on the MAA SPECT/CT" for an LSF the case file left out (instead of
/// the field it was put in).
pub(crate) fn restate_checks(plan: &mut Plan, p: &InputProvenance) {
    if !p.any_measured() {
        return;
    }
    let measured_lsf: Vec<&str> = p
        .lsf
        .iter()
        .filter(|x| x.origin == Origin::Measured)
        .map(|x| x.injection.as_str())
        .collect();
    let inputs = measured_inputs_text(p);
    for c in plan.checks.iter_mut().filter(|c| depends_on_inputs(c)) {
        c.values_from = Text::with(
            "measured-values-from",
            vec![
                ("values", Arg::from(c.values_from.clone())),
                ("inputs", Arg::from(inputs.clone())),
            ],
        );
        if let Some(note) = &mut c.note {
            restate_lsf_method(note, &measured_lsf);
        }
    }
}

/// "LSF measured on the MAA SPECT/CT (WL); TNR measured …; perfused volume measured …".
fn measured_inputs_text(p: &InputProvenance) -> Text {
    let ids = |v: Vec<String>| Arg::from(v.join(", "));
    let mut parts = Vec::new();
    let lsf: Vec<String> = p
        .lsf
        .iter()
        .filter(|x| x.origin == Origin::Measured)
        .map(|x| x.injection.clone())
        .collect();
    if !lsf.is_empty() {
        parts.push(Text::with(
            "measured-input-lsf",
            vec![("injections", ids(lsf))],
        ));
    }
    let tnr: Vec<String> = p
        .tnr
        .iter()
        .filter(|x| x.origin == Origin::Measured)
        .map(|x| format!("{} {}", x.injection, x.tumour))
        .collect();
    if !tnr.is_empty() {
        parts.push(Text::with(
            "measured-input-tnr",
            vec![("tumours", ids(tnr))],
        ));
    }
    let perfused: Vec<String> = p
        .perfused
        .iter()
        .filter(|x| x.origin == Origin::Measured)
        .map(|x| x.injection.clone())
        .collect();
    if !perfused.is_empty() {
        parts.push(Text::with(
            "measured-input-perfused",
            vec![("injections", ids(perfused))],
        ));
    }
    Text::Join(parts)
}

/// In a lung check's detail, the LSF method of each injection in `measured` (written
/// "mapping.lsf", the field the measured value was put in) becomes "measured on the MAA
/// SPECT/CT".
fn restate_lsf_method(text: &mut Text, measured: &[&str]) {
    match text {
        Text::Msg { id, args } if *id == "check-lsf-of-injection" => {
            let of_measured = args.iter().any(|(k, v)| {
                *k == "injection" && matches!(v, Arg::Str(s) if measured.contains(&s.as_str()))
            });
            if of_measured {
                for (k, v) in args.iter_mut() {
                    if *k == "method" {
                        *v = Arg::from(Text::msg("measured-lsf-method"));
                    }
                }
            }
        }
        Text::Msg { args, .. } => {
            for (_, v) in args.iter_mut() {
                if let Arg::Text(t) = v {
                    restate_lsf_method(t, measured);
                }
            }
        }
        Text::Join(parts) => {
            for t in parts {
                restate_lsf_method(t, measured);
            }
        }
        _ => {}
    }
}

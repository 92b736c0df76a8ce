//! The planning draft (as typed) → a typed plan request (`sirt_planning::case_builder`): every
//! value read with `sirt-units`' parsers, a refusal naming the case file's field
//! (`patient.weight`, `injections[0].goal`) so that the page shows it beside its input.

use super::draft::{Draft, GoalDraft, InjectionDraft, InstantDraft, Prescription};
use crate::answers::SeriesView;
use crate::error::ApiError;
use sirt_case::{Accepted, Goal, Intent, Lobe, Method, TerritoryKind};
use sirt_planning::case_builder::{
    DiagnosisInput, ImagesInput, InjectionInput, LiverInput, LungsInput, PatientInput, PlanRequest,
    PlanningInput, SessionInput, TumourInput,
};
use sirt_units::{AbsorbedDose, Activity, Fraction, Instant, Volume};
use std::collections::BTreeMap;

/// The session of a plan made on these pages: one session (design choice: the pages plan one
/// treatment day; a staged treatment is made as a new version with its own session).
pub const SESSION_ID: &str = "1";

/// Decimals of a structure's volume written into the case, mL: 0.01 mL (design choice: far
/// below a planning CT voxel's partial-volume uncertainty, short enough to read).
pub const VOLUME_DECIMALS: i32 = 2;

/// The device named in the case measured before a prescription exists: the measurement reads
/// only the images, masks and injections (design choice: never shown, never planned).
const MEASURE_DEVICE: &str = "therasphere";

/// The activity of the forward goal of the case measured before a prescription exists (design
/// choice: a goal the case reader accepts without limits; never planned).
const MEASURE_ACTIVITY_GBQ: f64 = 1.0;

/// The treatment instant of the case measured before a prescription exists (design choice: the
/// measurement does not read it; never planned).
const MEASURE_TREATMENT: &str = "2000-01-01T00:00:00+00:00";

/// A refusal naming a case file field.
pub(crate) fn field_error(field: &str, expected: &str, found: &str) -> ApiError {
    ApiError::invalid(format!(
        "field `{field}`: expected {expected}, found \"{}\"",
        found.chars().take(60).collect::<String>()
    ))
}

fn missing(field: &str, expected: &str) -> ApiError {
    ApiError::invalid(format!("field `{field}`: expected {expected}, found none"))
}

/// The text, `None` when blank.
fn given(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A quantity typed with its unit; blank: none.
fn quantity<T>(field: &str, v: Option<&String>) -> Result<Option<T>, ApiError>
where
    T: std::str::FromStr<Err = sirt_units::ParseQuantityError>,
{
    given(v)
        .map(|s| {
            s.parse::<T>()
                .map_err(|e| ApiError::invalid(format!("field `{field}`: {e}")))
        })
        .transpose()
}

fn fraction(field: &str, v: Option<&String>) -> Result<Option<Fraction>, ApiError> {
    quantity::<Fraction>(field, v)
}

/// `YYYY-MM-DD`, `HH:MM[:SS]` and a zone (IANA name or offset) as an instant.
fn instant(field: &str, d: &InstantDraft) -> Result<Option<Instant>, ApiError> {
    let (date, time, zone) = (d.date.trim(), d.time.trim(), d.zone.trim());
    if date.is_empty() && time.is_empty() {
        return Ok(None);
    }
    if date.is_empty() || time.is_empty() || zone.is_empty() {
        return Err(field_error(
            field,
            "a date, a time and a time zone (2025-01-29, 10:00, Europe/London)",
            &format!("{date} {time} {zone}"),
        ));
    }
    let seconds = if time.len() == 5 { ":00" } else { "" };
    let text = if zone.starts_with(['+', '-']) || zone == "Z" {
        format!("{date}T{time}{seconds}{zone}")
    } else {
        format!("{date}T{time}{seconds}[{zone}]")
    };
    text.parse::<Instant>()
        .map(Some)
        .map_err(|e| ApiError::invalid(format!("field `{field}`: {e}")))
}

fn lobe(field: &str, v: &str) -> Result<Lobe, ApiError> {
    match v.trim() {
        "right" => Ok(Lobe::Right),
        "left" => Ok(Lobe::Left),
        "both" => Ok(Lobe::Both),
        other => Err(field_error(field, "right, left or both", other)),
    }
}

fn territory(field: &str, v: &str) -> Result<TerritoryKind, ApiError> {
    match v.trim() {
        "whole-liver" => Ok(TerritoryKind::WholeLiver),
        "lobar" => Ok(TerritoryKind::Lobar),
        "segmental" => Ok(TerritoryKind::Segmental),
        other => Err(field_error(field, "whole-liver, lobar or segmental", other)),
    }
}

fn intent(field: &str, v: Option<&String>) -> Result<Option<Intent>, ApiError> {
    given(v)
        .map(|s| match s {
            "whole-liver" => Ok(Intent::WholeLiver),
            "lobar" => Ok(Intent::Lobar),
            "segmentectomy" => Ok(Intent::Segmentectomy),
            "lobectomy" => Ok(Intent::Lobectomy),
            other => Err(field_error(
                field,
                "whole-liver, lobar, segmentectomy or lobectomy",
                other,
            )),
        })
        .transpose()
}

fn method(field: &str, v: &str) -> Result<Method, ApiError> {
    match v.trim() {
        "mird" => Ok(Method::Mird),
        "partition" => Ok(Method::Partition),
        "bsa" => Ok(Method::Bsa),
        "ho166" => Ok(Method::Ho166),
        other => Err(field_error(field, "mird, partition, bsa or ho166", other)),
    }
}

fn goal(field: &str, g: &GoalDraft) -> Result<Goal, ApiError> {
    let value = |what: &str| given(g.value.as_ref()).ok_or_else(|| missing(field, what));
    let dose = |s: &str| {
        s.parse::<AbsorbedDose>()
            .map_err(|e| ApiError::invalid(format!("field `{field}`: {e}")))
    };
    match g.kind.trim() {
        "tumour_dose" => Ok(Goal::TumourDose {
            dose: dose(value("a tumour dose such as \"150 Gy\"")?)?,
            tumour: given(g.tumour.as_ref()).unwrap_or("combined").to_owned(),
        }),
        "perfused_dose" => Ok(Goal::PerfusedDose {
            dose: dose(value("a perfused-volume dose such as \"120 Gy\"")?)?,
        }),
        "activity" => Ok(Goal::Activity {
            activity: value("an activity such as \"1.2 GBq\"")?
                .parse::<Activity>()
                .map_err(|e| ApiError::invalid(format!("field `{field}`: {e}")))?,
        }),
        "maximum" => Ok(Goal::Maximum),
        "formula" => Ok(Goal::Formula),
        other => Err(field_error(
            field,
            "tumour_dose, perfused_dose, activity, maximum or formula (BSA)",
            other,
        )),
    }
}

/// The series of a role, as the case file names it (`studies/12/CT-2`).
fn path_of(series: &[SeriesView], id: Option<i64>) -> Option<String> {
    id.and_then(|id| series.iter().find(|s| s.series.id == id))
        .map(|s| s.path.clone())
}

/// `[images]` from the roles and structures picked; refuses a plan without the required ones.
pub(crate) fn images(draft: &Draft, series: &[SeriesView]) -> Result<ImagesInput, ApiError> {
    let r = &draft.roles;
    let need = |id: Option<i64>, field: &str, what: &str| {
        path_of(series, id).ok_or_else(|| missing(field, what))
    };
    let s = &draft.structures;
    Ok(ImagesInput {
        ct: need(r.planning_ct, "roles.planning_ct", "the planning CT series")?,
        maa_spect: Some(need(
            r.maa_spect,
            "roles.maa_spect",
            "the MAA SPECT series",
        )?),
        y90_pet: path_of(series, r.y90_pet),
        structures: need(
            r.structures,
            "roles.structures",
            "the structures (RT Structure Set or SEG)",
        )?,
        // The SPECT's registration object, then the PET's (each registers its frame to the
        // planning CT's; the plan uses them together).
        registration: [r.registration, r.pet_registration]
            .into_iter()
            .filter_map(|id| path_of(series, id))
            .fold(Vec::new(), |mut v, p| {
                if !v.contains(&p) {
                    v.push(p);
                }
                v
            }),
        liver: given(s.liver.as_ref())
            .ok_or_else(|| missing("structures.liver", "the liver structure (tumours included)"))?
            .to_owned(),
        lungs: Some(
            given(s.lungs.as_ref())
                .ok_or_else(|| {
                    missing(
                        "structures.lungs",
                        "the lung structure (the lung shunt fraction is counted in it)",
                    )
                })?
                .to_owned(),
        ),
        tumours: s
            .tumours
            .iter()
            .map(|t| (t.id.clone(), t.structure.clone()))
            .collect(),
        territories: draft
            .injections
            .iter()
            .filter_map(|i| {
                given(i.territory_structure.as_ref()).map(|t| (i.id.clone(), t.to_owned()))
            })
            .collect(),
        extrahepatic: s.extrahepatic.clone(),
    })
}

/// A volume rounded to [`VOLUME_DECIMALS`].
pub(crate) fn rounded(ml: f64) -> Volume {
    let scale = 10f64.powi(VOLUME_DECIMALS);
    Volume::from_ml((ml * scale).round() / scale)
}

/// The tumours with their volumes (structure volumes on the planning CT).
fn tumours(draft: &Draft, volumes: &BTreeMap<String, f64>) -> Result<Vec<TumourInput>, ApiError> {
    draft
        .structures
        .tumours
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let v = volumes.get(&t.structure).ok_or_else(|| {
                field_error(
                    &format!("structures.tumours[{i}].structure"),
                    "a structure of the structures series",
                    &t.structure,
                )
            })?;
            Ok(TumourInput {
                id: t.id.clone(),
                volume: rounded(*v),
                segment: given(t.segment.as_ref()).map(str::to_owned),
                lobe: given(t.lobe.as_ref())
                    .map(|l| lobe(&format!("structures.tumours[{i}].lobe"), l))
                    .transpose()?,
                source: Some(format!(
                    "volume of structure \"{}\" on the planning CT",
                    t.structure
                )),
            })
        })
        .collect()
}

/// One injection; `neutral`: the method and goal of a measurement-only case.
fn injection(i: usize, d: &InjectionDraft, neutral: bool) -> Result<InjectionInput, ApiError> {
    let f = |k: &str| format!("injections[{i}].{k}");
    let shares = d
        .tumours
        .iter()
        .enumerate()
        .map(|(j, s)| {
            Ok((
                s.id.clone(),
                fraction(&f(&format!("tumours[{j}].fraction")), s.fraction.as_ref())?,
            ))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let (method, goal) = if neutral {
        (
            Method::Mird,
            Goal::Activity {
                activity: Activity::from_gbq(MEASURE_ACTIVITY_GBQ),
            },
        )
    } else {
        (method(&f("method"), &d.method)?, goal(&f("goal"), &d.goal)?)
    };
    Ok(InjectionInput {
        id: d.id.clone(),
        label: given(d.label.as_ref()).map(str::to_owned),
        territory: territory(&f("territory"), &d.territory)?,
        intent: if neutral {
            None
        } else {
            intent(&f("intent"), d.intent.as_ref())?
        },
        lobe: lobe(&f("lobe"), &d.lobe)?,
        method,
        goal,
        tumours: shares,
        perfused_volume: None,
    })
}

/// The patient and structure parts of a request, shared by the measurement and the plan.
pub(crate) struct Known<'a> {
    /// The patient record.
    pub patient: &'a sirt_store::Patient,
    /// The case record.
    pub case: &'a sirt_store::Case,
    /// The patient's series.
    pub series: &'a [SeriesView],
    /// Structure volumes on the planning CT, mL, by name.
    pub volumes: &'a BTreeMap<String, f64>,
}

fn volume_of(k: &Known<'_>, name: &str, field: &str) -> Result<f64, ApiError> {
    k.volumes
        .get(name)
        .copied()
        .ok_or_else(|| field_error(field, "a structure of the structures series", name))
}

/// The case's identifier: the patient's pseudonym, else the MRN (a case file never names the
/// patient).
fn case_patient_id(p: &sirt_store::Patient) -> String {
    p.pseudonym.clone().unwrap_or_else(|| p.mrn.clone())
}

/// A request with the structures' volumes and the images; the prescription's values, or the
/// neutral ones of a measurement when `neutral`.
fn request(k: &Known<'_>, draft: &Draft, neutral: bool) -> Result<PlanRequest, ApiError> {
    let images = images(draft, k.series)?;
    let liver_ml = volume_of(k, &images.liver, "structures.liver")?;
    let lungs = match &images.lungs {
        Some(l) => Some(volume_of(k, l, "structures.lungs")?),
        None => None,
    };
    if draft.injections.is_empty() {
        return Err(missing(
            "injections",
            "at least one injection (catheter position) with its territory",
        ));
    }
    let injections = draft
        .injections
        .iter()
        .enumerate()
        .map(|(i, d)| injection(i, d, neutral))
        .collect::<Result<Vec<_>, _>>()?;
    let p = &draft.prescription;
    let liver_density = if neutral {
        None
    } else {
        quantity("liver.density", p.liver_density.as_ref())?
    };
    let lung_density = if neutral {
        None
    } else {
        quantity("lungs.density", p.lung_density.as_ref())?
    };
    Ok(PlanRequest {
        patient: PatientInput {
            id: case_patient_id(k.patient),
            sex: None,
            age_years: None,
            height: None,
            weight: None,
        },
        diagnosis: DiagnosisInput {
            indication: k.case.indication.clone(),
            grade: None,
            ki67_percent: None,
            primary_site: None,
        },
        liver: LiverInput {
            volume: rounded(liver_ml),
            density: liver_density,
            source: Some(format!(
                "volume of structure \"{}\" on the planning CT (tumours included)",
                images.liver
            )),
        },
        lungs: lungs
            .zip(images.lungs.clone())
            .map(|(ml, name)| LungsInput {
                ct_volume: rounded(ml),
                density: lung_density,
                source: Some(format!("volume of structure \"{name}\" on the planning CT")),
            }),
        mapping_date: None,
        tumours: tumours(draft, k.volumes)?,
        planning: PlanningInput {
            device: MEASURE_DEVICE.to_owned(),
            residual_fraction: Fraction::ZERO,
            limits: sirt_case::Limits::default(),
        },
        session: SessionInput {
            id: SESSION_ID.to_owned(),
            treatment: MEASURE_TREATMENT
                .parse()
                .map_err(|_| ApiError::internal())?,
        },
        injections,
        images,
        measured: None,
        accepted: draft
            .accepted
            .iter()
            .map(|a| Accepted {
                what: a.what.trim().to_owned(),
                reason: a.reason.trim().to_owned(),
            })
            .collect(),
    })
}

/// The request measured before the prescription: neutral planning values, no measured values.
pub(crate) fn measurement_request(k: &Known<'_>, draft: &Draft) -> Result<PlanRequest, ApiError> {
    request(k, draft, true)
}

/// Age in whole years on a date.
fn age_on(birth: jiff::civil::Date, on: jiff::civil::Date) -> i64 {
    let years = i64::from(on.year()) - i64::from(birth.year());
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years - 1
    } else {
        years
    }
}

/// The patient's data: as typed, else from the patient record (sex; age at the treatment from
/// the birth date).
fn patient_input(
    k: &Known<'_>,
    p: &Prescription,
    treatment: &Instant,
) -> Result<PatientInput, ApiError> {
    let age = match given(p.age.as_ref()) {
        Some(a) => Some(
            a.parse::<u32>()
                .map_err(|_| field_error("patient.age", "a whole number of years", a))?,
        ),
        None => k
            .patient
            .birth_date
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .and_then(|b| u32::try_from(age_on(b, treatment.zoned().date())).ok()),
    };
    Ok(PatientInput {
        id: case_patient_id(k.patient),
        sex: given(p.sex.as_ref())
            .map(str::to_owned)
            .or_else(|| k.patient.sex.clone()),
        age_years: age,
        height: quantity("patient.height", p.height.as_ref())?,
        weight: quantity("patient.weight", p.weight.as_ref())?,
    })
}

/// The limits as typed.
fn limits(p: &Prescription) -> Result<sirt_case::Limits, ApiError> {
    let l = &p.limits;
    let d = |k: &str, v: &Option<String>| {
        quantity::<AbsorbedDose>(&format!("planning.limits.{k}"), v.as_ref())
    };
    Ok(sirt_case::Limits {
        normal_liver_max: d("normal_liver_max", &l.normal_liver_max)?,
        perfused_max: d("perfused_max", &l.perfused_max)?,
        lung_max: d("lung_max", &l.lung_max)?,
        whole_liver_ntad_max: d("whole_liver_ntad_max", &l.whole_liver_ntad_max)?,
        lung_session_max: d("lung_session_max", &l.lung_session_max)?,
        lung_cumulative_max: d("lung_cumulative_max", &l.lung_cumulative_max)?,
    })
}

/// The full request: the prescription's values; the measured values left out (the planning
/// engine measures them on the images and keeps them with the plan, each with its provenance).
pub(crate) fn plan_request(k: &Known<'_>, draft: &Draft) -> Result<PlanRequest, ApiError> {
    let mut r = request(k, draft, false)?;
    let p = &draft.prescription;
    let treatment = instant("sessions[0].treatment", &p.treatment)?.ok_or_else(|| {
        missing(
            "sessions[0].treatment",
            "the planned treatment's date, time and zone",
        )
    })?;
    r.patient = patient_input(k, p, &treatment)?;
    r.diagnosis.grade = given(p.grade.as_ref()).map(str::to_owned);
    r.diagnosis.primary_site = given(p.primary_site.as_ref()).map(str::to_owned);
    r.diagnosis.ki67_percent = given(p.ki67_percent.as_ref())
        .map(|s| {
            s.parse::<f64>()
                .map_err(|_| field_error("diagnosis.ki67_percent", "a number from 0 to 100", s))
        })
        .transpose()?;
    let device = p.device.trim();
    if device.is_empty() {
        return Err(missing("planning.device", "a device of the catalogue"));
    }
    r.planning = PlanningInput {
        device: device.to_owned(),
        residual_fraction: fraction("planning.residual_fraction", Some(&p.residual_fraction))?
            .ok_or_else(|| {
                missing(
                    "planning.residual_fraction",
                    "the fraction left in vial, tubing and catheter (0 for none)",
                )
            })?,
        limits: limits(p)?,
    };
    r.session.treatment = treatment;
    r.mapping_date = instant("mapping.date", &p.mapping)?;
    Ok(r)
}

//! Raw case → validated [`Case`], with an error that names the field for every refusal.

use crate::CaseError;
use crate::case::*;
use crate::raw::*;
use sirt_analytic::lung::{LUNG_DENSITY_CT_DEFAULT_G_PER_ML, Lung};
use sirt_nuclides::KConvention;
use sirt_units::{Density, Fraction, Mass, Volume};
use std::collections::{BTreeMap, BTreeSet};

/// The known indications, canonical spelling.
pub const INDICATIONS: [&str; 5] = ["NET", "HCC", "mCRC", "ICC", "other"];
/// The known kinds of earlier treatment.
pub const EARLIER_KINDS: [&str; 8] = [
    "SIRT", "PRRT", "TACE", "surgery", "systemic", "EBRT", "SBRT", "other",
];

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        field: impl Into<String>,
        expected: impl Into<String>,
        found: impl ToString,
    ) -> CaseError {
        CaseError::Invalid {
            file: self.file.to_owned(),
            field: field.into(),
            expected: expected.into(),
            found: found.to_string(),
        }
    }
}

fn one_of(ctx: &Ctx<'_>, field: &str, value: &str, options: &[&str]) -> Result<String, CaseError> {
    options
        .iter()
        .find(|o| o.eq_ignore_ascii_case(value))
        .map(|o| (*o).to_owned())
        .ok_or_else(|| {
            ctx.err(
                field,
                format!("one of {}", options.join(", ")),
                format!("\"{value}\""),
            )
        })
}

pub(crate) fn validate(raw: RawCase, file: &str) -> Result<Case, CaseError> {
    let ctx = Ctx { file };
    if raw.schema != SCHEMA {
        return Err(ctx.err(
            "schema",
            format!("\"{SCHEMA}\""),
            format!("\"{}\"", raw.schema),
        ));
    }
    let patient = patient(&ctx, raw.patient)?;
    let diagnosis = diagnosis(&ctx, raw.diagnosis)?;
    let liver = liver(&ctx, &raw.liver)?;
    let lungs = lungs(&ctx, raw.lungs)?;
    let mapping = mapping(&ctx, raw.mapping)?;
    let (tumours, tumour_ids) = tumours(&ctx, raw.tumours, &liver)?;
    let planning = planning(&ctx, raw.planning)?;
    let (sessions, session_ids) = sessions(&ctx, raw.sessions)?;
    let known = Known {
        patient: &patient,
        liver: &liver,
        lungs: &lungs,
        mapping: &mapping,
        tumours: &tumours,
        tumour_ids: &tumour_ids,
        planning: &planning,
        session_ids: &session_ids,
    };
    let injections = injections(&ctx, raw.injections, &known)?;
    let earlier_treatments = earlier_treatments(&ctx, raw.earlier_treatments, &tumour_ids)?;
    let images = match raw.images {
        None => None,
        Some(im) => Some(images(&ctx, im, &tumours, &injections, &sessions)?),
    };
    let accepted = accepted(&ctx, raw.accepted, images.as_ref())?;
    let uncertainty = raw
        .uncertainty
        .map(|u| {
            crate::uncertainty::validate(u, &tumour_ids, &|field, expected, found| {
                ctx.err(field, expected, found)
            })
        })
        .transpose()?;

    Ok(Case {
        patient,
        diagnosis,
        labs: raw.labs.map(|l| Labs {
            bilirubin: l.bilirubin,
            sampled: l.sampled,
        }),
        liver,
        lungs,
        mapping,
        tumours,
        planning,
        sessions,
        injections,
        earlier_treatments,
        images,
        accepted,
        uncertainty,
        cumulative: raw.cumulative.into(),
    })
}

/// `[[accepted]]`: each names a check of [`ACCEPTABLE`] once, with a reason; an image check
/// needs its image in `[images]` (a qform/sform check, a NIfTI file).
fn accepted(
    ctx: &Ctx<'_>,
    raw: Vec<RawAccepted>,
    images: Option<&Images>,
) -> Result<Vec<Accepted>, CaseError> {
    let mut out: Vec<Accepted> = Vec::new();
    for (n, a) in raw.into_iter().enumerate() {
        let field = |name: &str| format!("accepted[{n}].{name}");
        if !ACCEPTABLE.contains(&a.what.as_str()) {
            return Err(ctx.err(
                field("what"),
                format!("the name a refusal gives, one of {}", ACCEPTABLE.join(", ")),
                format!("\"{}\"", a.what),
            ));
        }
        if a.reason.trim().is_empty() {
            return Err(ctx.err(
                field("reason"),
                format!("why the case accepts {} (printed in the report)", a.what),
                "an empty text",
            ));
        }
        if out.iter().any(|o| o.what == a.what) {
            return Err(ctx.err(
                field("what"),
                "each check accepted once",
                format!("\"{}\" a second time", a.what),
            ));
        }
        if let Some(missing) = accepted_image_missing(&a.what, images) {
            return Err(ctx.err(field("what"), missing, format!("\"{}\"", a.what)));
        }
        out.push(Accepted {
            what: a.what,
            reason: a.reason.trim().to_owned(),
        });
    }
    Ok(out)
}

/// What an accepted image check needs that the case's `[images]` lacks (None when it has it).
fn accepted_image_missing(what: &str, images: Option<&Images>) -> Option<String> {
    let rest = what.strip_prefix("images.")?;
    let Some(im) = images else {
        return Some(format!("an [images] table for {what}"));
    };
    let (field, check) = rest.split_once('.').unwrap_or((rest, ""));
    let path = match field {
        "ct" => Some(&im.ct),
        "structures" => Some(&im.structures),
        "maa_spect" => im.maa_spect.as_ref(),
        "y90_pet" => im.y90_pet.as_ref(),
        "lungs" => im.lungs.as_ref(),
        _ => Some(&im.liver),
    };
    let Some(path) = path else {
        return Some(format!("images.{field} in the case for {what}"));
    };
    let lower = path.to_ascii_lowercase();
    let nifti = lower.ends_with(".nii") || lower.ends_with(".nii.gz");
    (check == "qform_sform" && !nifti).then(|| {
        format!("a NIfTI file (.nii, .nii.gz) at images.{field} for {what} (found \"{path}\")")
    })
}

/// What an injection is checked against: the parts of the case validated before it.
struct Known<'a> {
    patient: &'a Patient,
    liver: &'a Liver,
    lungs: &'a Lungs,
    mapping: &'a Mapping,
    tumours: &'a [Tumour],
    tumour_ids: &'a BTreeSet<String>,
    planning: &'a Planning,
    session_ids: &'a BTreeSet<String>,
}

fn patient(ctx: &Ctx<'_>, raw: RawPatient) -> Result<Patient, CaseError> {
    use sirt_analytic::bsa::{HEIGHT_PLAUSIBLE_M, WEIGHT_PLAUSIBLE_KG};
    if raw.id.trim().is_empty() {
        return Err(ctx.err("patient.id", "a pseudonymous identifier", "an empty text"));
    }
    if let Some(h) = raw.height
        && !(h.m() >= HEIGHT_PLAUSIBLE_M.0 && h.m() <= HEIGHT_PLAUSIBLE_M.1)
    {
        return Err(ctx.err(
            "patient.height",
            format!(
                "a body height from {} to {} m",
                HEIGHT_PLAUSIBLE_M.0, HEIGHT_PLAUSIBLE_M.1
            ),
            h,
        ));
    }
    if let Some(w) = raw.weight
        && !(w.kg() >= WEIGHT_PLAUSIBLE_KG.0 && w.kg() <= WEIGHT_PLAUSIBLE_KG.1)
    {
        return Err(ctx.err(
            "patient.weight",
            format!(
                "a body weight from {} to {} kg",
                WEIGHT_PLAUSIBLE_KG.0, WEIGHT_PLAUSIBLE_KG.1
            ),
            w,
        ));
    }
    Ok(Patient {
        id: raw.id,
        sex: raw.sex,
        age_years: raw.age,
        height: raw.height,
        weight: raw.weight,
    })
}

fn diagnosis(ctx: &Ctx<'_>, raw: RawDiagnosis) -> Result<Diagnosis, CaseError> {
    let indication = one_of(ctx, "diagnosis.indication", &raw.indication, &INDICATIONS)?;
    let grade = match raw.grade.as_deref() {
        None => None,
        Some(g) => Some(match g.to_ascii_uppercase().as_str() {
            "G1" => Grade::G1,
            "G2" => Grade::G2,
            "G3" => Grade::G3,
            "NEC" => Grade::Nec,
            _ => {
                return Err(ctx.err(
                    "diagnosis.grade",
                    "one of G1, G2, G3, NEC",
                    format!("\"{g}\""),
                ));
            }
        }),
    };
    if let Some(k) = raw.ki67_percent
        && !(0.0..=100.0).contains(&k)
    {
        return Err(ctx.err("diagnosis.ki67_percent", "a percentage from 0 to 100", k));
    }
    Ok(Diagnosis {
        indication,
        primary_site: raw.primary_site,
        grade,
        ki67_percent: raw.ki67_percent,
        history: raw.history,
    })
}

fn liver(ctx: &Ctx<'_>, raw: &RawLiver) -> Result<Liver, CaseError> {
    if !raw.volume.is_positive() {
        return Err(ctx.err("liver.volume", "a volume above zero", raw.volume));
    }
    Ok(match raw.density {
        Some(d) if !d.is_positive() => {
            return Err(ctx.err("liver.density", "a density above zero", d));
        }
        Some(d) => Liver {
            volume: raw.volume,
            density: d,
            density_is_default: false,
        },
        None => Liver {
            volume: raw.volume,
            density: Density::from_g_per_ml(LIVER_DENSITY_DEFAULT_G_PER_ML),
            density_is_default: true,
        },
    })
}

fn mapping(ctx: &Ctx<'_>, raw: Option<RawMapping>) -> Result<Mapping, CaseError> {
    Ok(match raw {
        None => Mapping {
            lsf: None,
            planar: None,
            date: None,
        },
        Some(m) => {
            let planar = match m.planar {
                None => None,
                Some(p) => {
                    let lsf = p.lsf().map_err(|e| {
                        ctx.err(format!("mapping.planar ({})", e.field), e.expected, e.found)
                    })?;
                    Some((p, lsf))
                }
            };
            Mapping {
                lsf: m.lsf,
                planar,
                date: m.date,
            }
        }
    })
}

/// The tumours with their volumes and masses, and their ids.
fn tumours(
    ctx: &Ctx<'_>,
    raw: Vec<RawTumour>,
    liver: &Liver,
) -> Result<(Vec<Tumour>, BTreeSet<String>), CaseError> {
    let mut tumours = Vec::new();
    let mut ids = BTreeSet::new();
    for (n, t) in raw.into_iter().enumerate() {
        let f = |name: &str| format!("tumours[{n}].{name}");
        if t.id.trim().is_empty() {
            return Err(ctx.err(f("id"), "an identifier", "an empty text"));
        }
        if !ids.insert(t.id.clone()) {
            return Err(ctx.err(
                f("id"),
                "identifiers unique among tumours",
                format!("\"{}\" a second time", t.id),
            ));
        }
        tumours.push(tumour(ctx, n, t, liver)?);
    }
    let tumour_volume: Volume = tumours.iter().map(|t| t.volume).sum();
    if tumour_volume >= liver.volume {
        return Err(ctx.err(
            "tumours",
            format!(
                "a total tumour volume below the whole liver volume ({})",
                liver.volume
            ),
            format!("{tumour_volume:.1} in all"),
        ));
    }
    Ok((tumours, ids))
}

/// One tumour (`tumours[n]`): density, then volume and mass from whichever is stated.
fn tumour(ctx: &Ctx<'_>, n: usize, t: RawTumour, liver: &Liver) -> Result<Tumour, CaseError> {
    let f = |name: &str| format!("tumours[{n}].{name}");
    let density = match t.density {
        Some(d) if !d.is_positive() => {
            return Err(ctx.err(f("density"), "a density above zero", d));
        }
        Some(d) => d,
        None => liver.density,
    };
    let (volume, mass, mass_basis) = match (t.volume, t.mass) {
        (Some(v), None) if v.is_positive() => (v, v * density, MassBasis::Volume),
        (None, Some(m)) if m.is_positive() => (m / density, m, MassBasis::Stated),
        (Some(v), None) => return Err(ctx.err(f("volume"), "a volume above zero", v)),
        (None, Some(m)) => return Err(ctx.err(f("mass"), "a mass above zero", m)),
        _ => {
            return Err(ctx.err(
                format!("tumours[{n}]"),
                "exactly one of `volume` or `mass`",
                "both or neither",
            ));
        }
    };
    let lobe = match t.lobe.as_deref() {
        None => None,
        Some(l) => Some(lobe(ctx, &f("lobe"), l)?),
    };
    Ok(Tumour {
        id: t.id,
        segment: t.segment,
        lobe,
        volume,
        mass,
        mass_basis,
    })
}

fn planning(ctx: &Ctx<'_>, raw: RawPlanning) -> Result<Planning, CaseError> {
    let k = raw
        .k
        .as_deref()
        .map(|k| {
            k.parse::<KConvention>()
                .map_err(|e| ctx.err("planning.k", "a K convention or a number of Gy·kg/GBq", e))
        })
        .transpose()?;
    if raw.device.trim().is_empty() {
        return Err(ctx.err(
            "planning.device",
            "a device id of the catalogue",
            "an empty text",
        ));
    }
    let residual_fraction = raw.residual_fraction.ok_or_else(|| {
        ctx.err("planning.residual_fraction", "the residual fraction expected in vial, tubing and catheter (e.g. 0.02; write 0 for none)", "nothing")
    })?;
    if residual_fraction.value() >= 1.0 {
        return Err(ctx.err(
            "planning.residual_fraction",
            "a fraction in [0, 1)",
            residual_fraction.value(),
        ));
    }
    let planning_limits = limits(ctx, "planning.limits", &raw.limits, &Limits::default())?;
    Ok(Planning {
        device: raw.device,
        k,
        residual_fraction,
        limits: planning_limits,
    })
}

/// The sessions in treatment order, and their ids.
fn sessions(
    ctx: &Ctx<'_>,
    raw: Vec<RawSession>,
) -> Result<(Vec<Session>, BTreeSet<String>), CaseError> {
    if raw.is_empty() {
        return Err(ctx.err(
            "sessions",
            "at least one [[sessions]] with its treatment instant",
            "none",
        ));
    }
    let mut sessions = Vec::new();
    let mut session_ids = BTreeSet::new();
    for (n, s) in raw.into_iter().enumerate() {
        if !session_ids.insert(s.id.clone()) {
            return Err(ctx.err(
                format!("sessions[{n}].id"),
                "identifiers unique among sessions",
                format!("\"{}\" a second time", s.id),
            ));
        }
        if let Some(m) = &s.mapping_date
            && m > &s.treatment
        {
            return Err(ctx.err(
                format!("sessions[{n}].mapping_date"),
                format!(
                    "an instant before the session's treatment ({})",
                    s.treatment
                ),
                m,
            ));
        }
        sessions.push(Session {
            id: s.id,
            treatment: s.treatment,
            calibration: s.calibration,
            mapping_date: s.mapping_date,
        });
    }
    sessions.sort_by(|a, b| a.treatment.cmp(&b.treatment));
    Ok((sessions, session_ids))
}

/// Share of each tumour given within each session, keyed by (session id, tumour id).
type SessionShares = BTreeMap<(String, String), f64>;

fn injections(
    ctx: &Ctx<'_>,
    raw: Vec<RawInjection>,
    known: &Known<'_>,
) -> Result<Vec<Injection>, CaseError> {
    if raw.is_empty() {
        return Err(ctx.err("injections", "at least one [[injections]]", "none"));
    }
    let mut injections = Vec::new();
    let mut injection_ids = BTreeSet::new();
    let mut shares_by_session = SessionShares::new();
    for (n, i) in raw.into_iter().enumerate() {
        if !injection_ids.insert(i.id.clone()) {
            return Err(ctx.err(
                format!("injections[{n}].id"),
                "identifiers unique among injections",
                format!("\"{}\" a second time", i.id),
            ));
        }
        injections.push(injection(ctx, n, i, known, &mut shares_by_session)?);
    }
    check_session_shares(ctx, &shares_by_session)?;
    Ok(injections)
}

/// A tumour's fractions within one session add up to at most 1.
fn check_session_shares(ctx: &Ctx<'_>, shares_by_session: &SessionShares) -> Result<(), CaseError> {
    for ((session, tumour), total) in shares_by_session {
        if *total > 1.0 + 1e-9 {
            return Err(ctx.err(
                "injections[].tumours[].fraction",
                format!("fractions of tumour \"{tumour}\" adding up to at most 1 within session \"{session}\""),
                format!("{total} in all"),
            ));
        }
    }
    Ok(())
}

/// One injection (`injections[n]`), its id already known to be unique.
fn injection(
    ctx: &Ctx<'_>,
    n: usize,
    i: RawInjection,
    known: &Known<'_>,
    shares_by_session: &mut SessionShares,
) -> Result<Injection, CaseError> {
    let f = |name: &str| format!("injections[{n}].{name}");
    if !known.session_ids.contains(&i.session) {
        return Err(ctx.err(
            f("session"),
            format!(
                "one of the session ids ({})",
                known
                    .session_ids
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("\"{}\"", i.session),
        ));
    }
    let territory = territory_kind(ctx, &f("territory"), &i.territory)?;
    let intent = intent(ctx, &f("intent"), i.intent.as_deref(), territory)?;
    let lobe = lobe(ctx, &f("lobe"), &i.lobe)?;
    let liver = known.liver;
    if !i.perfused_volume.is_positive() || i.perfused_volume > liver.volume {
        return Err(ctx.err(
            f("perfused_volume"),
            format!(
                "a volume above zero and at most the whole liver ({})",
                liver.volume
            ),
            i.perfused_volume,
        ));
    }
    let territory_tumours =
        territory_tumours(ctx, n, i.tumours, &i.session, known, shares_by_session)?;
    let tumour_volume = territory_tumours.volume;
    if tumour_volume >= i.perfused_volume {
        return Err(ctx.err(
            f("perfused_volume"),
            format!("more than the tumour volume inside the territory ({tumour_volume:.1})"),
            i.perfused_volume,
        ));
    }
    let normal_liver_mass = (i.perfused_volume - tumour_volume) * liver.density;
    let perfused_mass = normal_liver_mass + territory_tumours.mass;
    let method = method(ctx, &f("method"), &i.method)?;
    let (lung, lsf_source) = injection_lung(ctx, &f("lsf"), i.lsf, known)?;
    let k =
        i.k.as_deref()
            .map(|k| {
                k.parse::<KConvention>()
                    .map_err(|e| ctx.err(f("k"), "a K convention or a number of Gy·kg/GBq", e))
            })
            .transpose()?;
    let residual_fraction = i
        .residual_fraction
        .unwrap_or(known.planning.residual_fraction);
    if residual_fraction.value() >= 1.0 {
        return Err(ctx.err(
            f("residual_fraction"),
            "a fraction in [0, 1)",
            residual_fraction.value(),
        ));
    }
    let goal = goal(
        ctx,
        n,
        method,
        &i.goal,
        !territory_tumours.shares.is_empty(),
        &territory_tumours.ids,
    )?;
    if method == Method::Bsa && (known.patient.height.is_none() || known.patient.weight.is_none()) {
        return Err(ctx.err(
            "patient.height / patient.weight",
            format!("both, for the BSA method of injection \"{}\"", i.id),
            "a missing value",
        ));
    }
    let limits = limits(ctx, &f("limits"), &i.limits, &known.planning.limits)?;
    let delivery = match i.delivery {
        None => None,
        Some(d) => Some(delivery(ctx, n, d)?),
    };
    Ok(Injection {
        id: i.id,
        session: i.session,
        label: i.label,
        territory,
        intent,
        lobe,
        perfused_volume: i.perfused_volume,
        perfused_mass,
        normal_liver_mass,
        tumours: territory_tumours.shares,
        method,
        device: i.device.unwrap_or_else(|| known.planning.device.clone()),
        k,
        lung,
        lsf_source,
        residual_fraction,
        goal,
        limits,
        delivery,
    })
}

fn territory_kind(ctx: &Ctx<'_>, field: &str, value: &str) -> Result<TerritoryKind, CaseError> {
    match value {
        "whole-liver" => Ok(TerritoryKind::WholeLiver),
        "lobar" => Ok(TerritoryKind::Lobar),
        "segmental" => Ok(TerritoryKind::Segmental),
        other => Err(ctx.err(
            field,
            "one of whole-liver, lobar, segmental",
            format!("\"{other}\""),
        )),
    }
}

/// The injection's treatment intent: as written, else from its territory (whole liver → whole
/// liver, lobar → lobar, segmental → radiation segmentectomy).
fn intent(
    ctx: &Ctx<'_>,
    field: &str,
    value: Option<&str>,
    territory: TerritoryKind,
) -> Result<Intent, CaseError> {
    match value {
        None => Ok(Intent::from_territory(territory)),
        Some("whole-liver") => Ok(Intent::WholeLiver),
        Some("lobar") => Ok(Intent::Lobar),
        Some("segmentectomy") => Ok(Intent::Segmentectomy),
        Some("lobectomy") => Ok(Intent::Lobectomy),
        Some(other) => Err(ctx.err(
            field,
            "one of whole-liver, lobar, segmentectomy, lobectomy",
            format!("\"{other}\""),
        )),
    }
}

fn method(ctx: &Ctx<'_>, field: &str, value: &str) -> Result<Method, CaseError> {
    match value {
        "mird" => Ok(Method::Mird),
        "partition" => Ok(Method::Partition),
        "bsa" => Ok(Method::Bsa),
        "ho166" => Ok(Method::Ho166),
        other => Err(ctx.err(
            field,
            "one of mird, partition, bsa, ho166",
            format!("\"{other}\""),
        )),
    }
}

/// The tumours inside one injection's territory.
struct TerritoryTumours {
    shares: Vec<TumourShare>,
    ids: BTreeSet<String>,
    volume: Volume,
    mass: Mass,
}

/// The tumour shares of `injections[n]`: each names a known tumour once, with a TNR and a
/// fraction above zero; the fractions are added to the session's totals.
fn territory_tumours(
    ctx: &Ctx<'_>,
    n: usize,
    raw: Vec<RawShare>,
    session: &str,
    known: &Known<'_>,
    shares_by_session: &mut SessionShares,
) -> Result<TerritoryTumours, CaseError> {
    let mut shares = Vec::new();
    let mut in_territory = BTreeSet::new();
    let mut tumour_volume = Volume::from_ml(0.0);
    let mut tumour_mass = Mass::from_kg(0.0);
    for (m, s) in raw.into_iter().enumerate() {
        let g = |name: &str| format!("injections[{n}].tumours[{m}].{name}");
        let Some(t) = known.tumours.iter().find(|t| t.id == s.id) else {
            return Err(ctx.err(
                g("id"),
                format!(
                    "a tumour id of [[tumours]] ({})",
                    known
                        .tumour_ids
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!("\"{}\"", s.id),
            ));
        };
        if !in_territory.insert(s.id.clone()) {
            return Err(ctx.err(
                g("id"),
                "each tumour once per injection",
                format!("\"{}\" a second time", s.id),
            ));
        }
        if !(s.tnr.is_finite() && s.tnr > 0.0) {
            return Err(ctx.err(g("tnr"), "a tumour-to-normal ratio above zero", s.tnr));
        }
        let fraction = s.fraction.unwrap_or(Fraction::ONE);
        if fraction.value() <= 0.0 {
            return Err(ctx.err(
                g("fraction"),
                "a fraction above zero (leave the tumour out instead)",
                fraction.value(),
            ));
        }
        *shares_by_session
            .entry((session.to_owned(), s.id.clone()))
            .or_insert(0.0) += fraction.value();
        tumour_volume += t.volume * fraction.value();
        tumour_mass += t.mass * fraction.value();
        shares.push(TumourShare {
            id: s.id,
            tnr: s.tnr,
            fraction,
        });
    }
    Ok(TerritoryTumours {
        shares,
        ids: in_territory,
        volume: tumour_volume,
        mass: tumour_mass,
    })
}

/// The injection's lung (its LSF from the injection, the mapping or the planar counts, in that
/// order) and where the LSF came from.
fn injection_lung(
    ctx: &Ctx<'_>,
    field: &str,
    stated: Option<Fraction>,
    known: &Known<'_>,
) -> Result<(Lung, LsfSource), CaseError> {
    let mapping = known.mapping;
    let (lsf, lsf_source) = match (stated, mapping.lsf, &mapping.planar) {
        (Some(l), _, _) => (l, LsfSource::Injection),
        (None, Some(l), _) => (l, LsfSource::Mapping),
        (None, None, Some((_, l))) => (*l, LsfSource::Planar),
        (None, None, None) => {
            return Err(ctx.err(
                field,
                "a lung shunt fraction: injections[].lsf, mapping.lsf or mapping.planar counts",
                "none of them",
            ));
        }
    };
    if lsf.value() >= 1.0 {
        return Err(ctx.err(field, "a fraction in [0, 1)", lsf.value()));
    }
    let lung = Lung {
        lsf,
        mass: known.lungs.mass,
        basis: known.lungs.basis,
    };
    Ok((lung, lsf_source))
}

fn delivery(ctx: &Ctx<'_>, n: usize, d: RawDelivery) -> Result<Delivery, CaseError> {
    if let Some(v) = d.vial_activity
        && !v.is_positive()
    {
        return Err(ctx.err(
            format!("injections[{n}].delivery.vial_activity"),
            "an activity above zero",
            v,
        ));
    }
    Ok(Delivery {
        injected: d.injected,
        vial_activity: d.vial_activity,
        residual: d.residual,
        residual_measured: d.residual_measured,
    })
}

fn earlier_treatments(
    ctx: &Ctx<'_>,
    raw: Vec<RawEarlier>,
    tumour_ids: &BTreeSet<String>,
) -> Result<Vec<EarlierTreatment>, CaseError> {
    raw.into_iter()
        .enumerate()
        .map(|(n, e)| earlier_treatment(ctx, n, e, tumour_ids))
        .collect()
}

/// The kinds each kind-specific field of `[[earlier_treatments]]` belongs to.
const EARLIER_FIELD_KINDS: [(&str, &[&str]); 18] = [
    ("whole_liver_ntad", &["SIRT"]),
    // The SIRT cumulative lung dose (50 Gy) adds earlier SIRT lung doses only: an EBRT lung dose
    // is another quantity (fractionated, another convention).
    ("lung_dose", &["SIRT"]),
    ("activity", &["SIRT", "PRRT"]),
    ("device", &["SIRT"]),
    ("territory", &["SIRT"]),
    ("lobe", &["SIRT"]),
    ("cycles", &["PRRT"]),
    ("liver_dose", &["PRRT"]),
    ("kidney_dose", &["PRRT"]),
    ("liver_mean_dose", &["EBRT", "SBRT"]),
    ("fractions", &["EBRT", "SBRT"]),
    // The dose detail of the cumulative dose over the course (docs/cumulative-dose.md).
    ("nuclide", &["SIRT"]),
    ("radiopharmaceutical", &["PRRT"]),
    ("dose_method", &["SIRT", "PRRT", "EBRT", "SBRT"]),
    ("liver_effective_half_life", &["PRRT"]),
    ("kidney_effective_half_life", &["PRRT"]),
    ("kidney_mean_dose", &["EBRT", "SBRT"]),
    ("tumour_doses", &["SIRT", "PRRT", "EBRT", "SBRT"]),
];

/// The names of the kind-specific fields an earlier treatment gives.
fn earlier_fields_given(e: &RawEarlier) -> Vec<&'static str> {
    let given = [
        e.whole_liver_ntad.is_some(),
        e.lung_dose.is_some(),
        e.activity.is_some(),
        e.device.is_some(),
        e.territory.is_some(),
        e.lobe.is_some(),
        e.cycles.is_some(),
        e.liver_dose.is_some(),
        e.kidney_dose.is_some(),
        e.liver_mean_dose.is_some(),
        e.fractions.is_some(),
        e.nuclide.is_some(),
        e.radiopharmaceutical.is_some(),
        e.dose_method.is_some(),
        e.liver_effective_half_life.is_some(),
        e.kidney_effective_half_life.is_some(),
        e.kidney_mean_dose.is_some(),
        e.tumour_doses.is_some(),
    ];
    EARLIER_FIELD_KINDS
        .iter()
        .zip(given)
        .filter(|(_, g)| *g)
        .map(|((name, _), _)| *name)
        .collect()
}

fn earlier_treatment(
    ctx: &Ctx<'_>,
    n: usize,
    mut e: RawEarlier,
    tumour_ids: &BTreeSet<String>,
) -> Result<EarlierTreatment, CaseError> {
    let f = |name: &str| format!("earlier_treatments[{n}].{name}");
    e.date
        .parse::<jiff::civil::Date>()
        .map_err(|_| ctx.err(f("date"), "a date YYYY-MM-DD", format!("\"{}\"", e.date)))?;
    let kind = one_of(ctx, &f("kind"), &e.kind, &EARLIER_KINDS)?;
    for name in earlier_fields_given(&e) {
        let kinds = EARLIER_FIELD_KINDS
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(&[][..], |(_, kinds)| *kinds);
        if !kinds.contains(&kind.as_str()) {
            return Err(ctx.err(
                f(name),
                format!("only on a treatment of kind {}", kinds.join(" or ")),
                format!("it on kind {kind}"),
            ));
        }
    }
    if let Some(a) = e.activity.filter(|a| !a.is_positive()) {
        return Err(ctx.err(f("activity"), "an activity above zero", a));
    }
    for (name, count) in [("cycles", e.cycles), ("fractions", e.fractions)] {
        if count == Some(0) {
            return Err(ctx.err(f(name), "a count of at least 1", 0));
        }
    }
    if let Some(d) = &e.device
        && d.trim().is_empty()
    {
        return Err(ctx.err(f("device"), "a device name", "an empty text"));
    }
    let territory = match &e.territory {
        Some(t) => Some(territory_kind(ctx, &f("territory"), t)?),
        None => None,
    };
    let lobe = match &e.lobe {
        Some(l) => Some(lobe(ctx, &f("lobe"), l)?),
        None => None,
    };
    let course =
        crate::course::course_detail(&mut e, &f, tumour_ids, &|field, expected, found| {
            ctx.err(field, expected, found)
        })?;
    Ok(EarlierTreatment {
        date: e.date,
        kind,
        description: e.description,
        lung_dose: e.lung_dose,
        whole_liver_ntad: e.whole_liver_ntad,
        activity: e.activity,
        device: e.device,
        territory,
        lobe,
        cycles: e.cycles,
        liver_dose: e.liver_dose,
        kidney_dose: e.kidney_dose,
        liver_mean_dose: e.liver_mean_dose,
        fractions: e.fractions,
        course,
    })
}

fn images(
    ctx: &Ctx<'_>,
    im: RawImages,
    tumours: &[Tumour],
    injections: &[Injection],
    sessions: &[Session],
) -> Result<Images, CaseError> {
    for (field, value) in [("images.ct", &im.ct), ("images.structures", &im.structures)] {
        if value.trim().is_empty() {
            return Err(ctx.err(field, "a path relative to the case file", "an empty text"));
        }
    }
    let mut names = BTreeMap::new();
    let mut stated = Vec::new();
    for (id, name) in &im.tumours {
        if !tumours.iter().any(|t| &t.id == id) {
            return Err(ctx.err(
                format!("images.tumours.{id}"),
                "the id of a tumour of the case",
                format!("\"{id}\""),
            ));
        }
        names.insert(id.clone(), name.clone());
        stated.push(id.clone());
    }
    for t in tumours {
        names.entry(t.id.clone()).or_insert_with(|| t.id.clone());
    }
    for id in im.territories.keys() {
        if !injections.iter().any(|i| &i.id == id) {
            return Err(ctx.err(
                format!("images.territories.{id}"),
                "the id of an injection of the case",
                format!("\"{id}\""),
            ));
        }
    }
    extrahepatic_names(ctx, &im)?;
    let mut labels = BTreeMap::new();
    for (name, values) in im.labels {
        let field = format!("images.labels.{name}");
        if values.is_empty() {
            return Err(ctx.err(field, "a list of label values", "an empty list"));
        }
        let v: Vec<u16> = values
            .iter()
            .map(|&x| u16::try_from(x))
            .collect::<Result<_, _>>()
            .map_err(|_| {
                ctx.err(
                    &field,
                    "label values from 0 to 65535",
                    format!("{values:?}"),
                )
            })?;
        labels.insert(name, v);
    }
    let engine = match im.engine.as_deref() {
        None | Some("kernel") => VoxelEngine::Kernel,
        Some("local-deposition") => VoxelEngine::LocalDeposition,
        Some(other) => {
            return Err(ctx.err(
                "images.engine",
                "\"kernel\" or \"local-deposition\"",
                format!("\"{other}\""),
            ));
        }
    };
    if let Some(points) = &im.hu_to_density {
        let ok = points.len() >= 2
            && points
                .iter()
                .all(|(h, d)| h.is_finite() && d.is_finite() && *d > 0.0)
            && points.windows(2).all(|w| w[0].0 < w[1].0);
        if !ok {
            return Err(ctx.err(
                "images.hu_to_density",
                "at least two [HU, g/mL] points, HU increasing, densities above 0",
                format!("{points:?}"),
            ));
        }
    }
    if let Some(s) = &im.pet_session
        && !sessions.iter().any(|x| &x.id == s)
    {
        return Err(ctx.err(
            "images.pet_session",
            "the id of a session of the case",
            format!("\"{s}\""),
        ));
    }
    if im.pet_session.is_some() && im.y90_pet.is_none() {
        return Err(ctx.err("images.pet_session", "images.y90_pet as well", "no PET"));
    }
    Ok(Images {
        ct: im.ct,
        maa_spect: im.maa_spect,
        y90_pet: im.y90_pet,
        structures: im.structures,
        liver: im.liver.unwrap_or_else(|| "liver".into()),
        lungs: im.lungs,
        tumours: names,
        tumours_stated: stated,
        territories: im.territories,
        extrahepatic: im.extrahepatic,
        labels,
        engine,
        hu_to_density: im.hu_to_density,
        pet_session: im.pet_session,
        registration: registrations(ctx, im.registration)?,
    })
}

/// `images.registration`: a path or a non-empty list of distinct, non-empty paths.
fn registrations(
    ctx: &Ctx<'_>,
    r: Option<crate::raw::OneOrMany>,
) -> Result<Vec<String>, CaseError> {
    let list = match r {
        None => return Ok(Vec::new()),
        Some(crate::raw::OneOrMany::One(p)) => vec![p],
        Some(crate::raw::OneOrMany::Many(l)) => l,
    };
    if list.is_empty() {
        return Err(ctx.err(
            "images.registration",
            "a path or a list of paths of spatial registration objects",
            "an empty list",
        ));
    }
    for (i, p) in list.iter().enumerate() {
        if p.trim().is_empty() {
            return Err(ctx.err("images.registration", "a path", "an empty text"));
        }
        if list[..i].contains(p) {
            return Err(ctx.err(
                "images.registration",
                "distinct paths",
                format!("\"{p}\" twice"),
            ));
        }
    }
    Ok(list)
}

/// `images.extrahepatic`: non-empty names, none repeated, none that is the liver or the lungs.
fn extrahepatic_names(ctx: &Ctx<'_>, im: &RawImages) -> Result<(), CaseError> {
    let liver = im.liver.as_deref().unwrap_or("liver");
    for (n, name) in im.extrahepatic.iter().enumerate() {
        let field = format!("images.extrahepatic[{n}]");
        if name.trim().is_empty() {
            return Err(ctx.err(field, "a structure name", "an empty text"));
        }
        if im.extrahepatic[..n].contains(name) {
            return Err(ctx.err(
                field,
                "a name not given before",
                format!("\"{name}\" again"),
            ));
        }
        if name == liver || im.lungs.as_deref() == Some(name.as_str()) {
            return Err(ctx.err(
                field,
                "a structure other than the liver and the lungs",
                format!("\"{name}\""),
            ));
        }
    }
    Ok(())
}

fn lobe(ctx: &Ctx<'_>, field: &str, value: &str) -> Result<Lobe, CaseError> {
    match value {
        "right" => Ok(Lobe::Right),
        "left" => Ok(Lobe::Left),
        "both" => Ok(Lobe::Both),
        other => Err(ctx.err(field, "one of right, left, both", format!("\"{other}\""))),
    }
}

fn lungs(ctx: &Ctx<'_>, raw: Option<RawLungs>) -> Result<Lungs, CaseError> {
    use sirt_analytic::lung::{LUNG_MASS_CONVENTION_KG, LungMassBasis};
    let Some(l) = raw else {
        return Ok(Lungs {
            mass: Mass::from_kg(LUNG_MASS_CONVENTION_KG),
            basis: LungMassBasis::Convention,
        });
    };
    match (l.mass, l.ct_volume, l.density) {
        (Some(m), None, None) if m.is_positive() => Ok(Lungs {
            mass: m,
            basis: LungMassBasis::Stated,
        }),
        (Some(m), None, None) => Err(ctx.err("lungs.mass", "a mass above zero", m)),
        (None, Some(v), d) => {
            let density = d.unwrap_or(Density::from_g_per_ml(LUNG_DENSITY_CT_DEFAULT_G_PER_ML));
            if !v.is_positive() || !density.is_positive() {
                return Err(ctx.err(
                    "lungs.ct_volume / lungs.density",
                    "a volume and a density above zero",
                    format!("{v}, {density}"),
                ));
            }
            Ok(Lungs {
                mass: v * density,
                basis: LungMassBasis::CtVolume { volume: v, density },
            })
        }
        (None, None, None) => Ok(Lungs {
            mass: Mass::from_kg(LUNG_MASS_CONVENTION_KG),
            basis: LungMassBasis::Convention,
        }),
        _ => Err(ctx.err(
            "lungs",
            "either `mass`, or `ct_volume` with an optional `density`",
            "a mix of them",
        )),
    }
}

fn limits(ctx: &Ctx<'_>, path: &str, raw: &RawLimits, base: &Limits) -> Result<Limits, CaseError> {
    let pick = |name: &str, v: Option<sirt_units::AbsorbedDose>, b| match v {
        Some(d) if !d.is_positive() => {
            Err(ctx.err(format!("{path}.{name}"), "a dose above zero", d))
        }
        Some(d) => Ok(Some(d)),
        None => Ok(b),
    };
    Ok(Limits {
        normal_liver_max: pick(
            "normal_liver_max",
            raw.normal_liver_max,
            base.normal_liver_max,
        )?,
        perfused_max: pick("perfused_max", raw.perfused_max, base.perfused_max)?,
        lung_max: pick("lung_max", raw.lung_max, base.lung_max)?,
        whole_liver_ntad_max: pick(
            "whole_liver_ntad_max",
            raw.whole_liver_ntad_max,
            base.whole_liver_ntad_max,
        )?,
        lung_session_max: pick(
            "lung_session_max",
            raw.lung_session_max,
            base.lung_session_max,
        )?,
        lung_cumulative_max: pick(
            "lung_cumulative_max",
            raw.lung_cumulative_max,
            base.lung_cumulative_max,
        )?,
    })
}

fn goal(
    ctx: &Ctx<'_>,
    n: usize,
    method: Method,
    g: &RawGoal,
    has_tumours: bool,
    in_territory: &BTreeSet<String>,
) -> Result<Goal, CaseError> {
    let field = format!("injections[{n}].goal");
    let given: Vec<&str> = [
        g.tumour_dose.map(|_| "tumour_dose"),
        g.perfused_dose.map(|_| "perfused_dose"),
        g.activity.map(|_| "activity"),
        g.maximum.then_some("maximum"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if g.tumour.is_some() && g.tumour_dose.is_none() {
        return Err(ctx.err(
            format!("{field}.tumour"),
            "only together with goal.tumour_dose",
            "goal.tumour alone",
        ));
    }
    let allowed: &[&str] = match method {
        Method::Mird => &["perfused_dose", "activity"],
        Method::Partition => &["tumour_dose", "activity", "maximum"],
        Method::Bsa => &[],
        Method::Ho166 => &["perfused_dose", "activity"],
    };
    if method == Method::Bsa {
        if given.is_empty() {
            return Ok(Goal::Formula);
        }
        return Err(ctx.err(
            &field,
            "no goal for the BSA method (the formula sets the activity)",
            given.join(", "),
        ));
    }
    if given.len() != 1 || !allowed.contains(&given[0]) {
        return Err(ctx.err(
            &field,
            format!(
                "exactly one of {} for the {} method",
                allowed.join(", "),
                method.label()
            ),
            if given.is_empty() {
                "none".to_owned()
            } else {
                given.join(", ")
            },
        ));
    }
    let positive = |name: &str, ok: bool, shown: String| {
        if ok {
            Ok(())
        } else {
            Err(ctx.err(format!("{field}.{name}"), "a value above zero", shown))
        }
    };
    Ok(match given[0] {
        "tumour_dose" => {
            let dose = g
                .tumour_dose
                .ok_or_else(|| ctx.err(&field, "tumour_dose", "nothing"))?;
            positive("tumour_dose", dose.is_positive(), dose.to_string())?;
            if !has_tumours {
                return Err(ctx.err(
                    format!("{field}.tumour_dose"),
                    "tumours listed in the injection's territory",
                    "a territory without tumours",
                ));
            }
            let tumour = g.tumour.clone().unwrap_or_else(|| "combined".to_owned());
            if tumour != "combined" && tumour != "every" && !in_territory.contains(&tumour) {
                return Err(ctx.err(
                    format!("{field}.tumour"),
                    "\"combined\", \"every\" or a tumour of this territory",
                    format!("\"{tumour}\""),
                ));
            }
            Goal::TumourDose { dose, tumour }
        }
        "perfused_dose" => {
            let dose = g
                .perfused_dose
                .ok_or_else(|| ctx.err(&field, "perfused_dose", "nothing"))?;
            positive("perfused_dose", dose.is_positive(), dose.to_string())?;
            Goal::PerfusedDose { dose }
        }
        "activity" => {
            let activity = g
                .activity
                .ok_or_else(|| ctx.err(&field, "activity", "nothing"))?;
            positive("activity", activity.is_positive(), activity.to_string())?;
            Goal::Activity { activity }
        }
        _ => Goal::Maximum,
    })
}

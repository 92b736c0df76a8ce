//! [`build_case`]: a typed plan request (what the web application's planning pages collect:
//! the series picked for each role, the structures, the measured values and the prescription)
//! → the text of a case file (`sirtplan-case/1`, docs/case-format.md), validated by
//! `sirt_case` before it is returned, so that nothing unreadable is ever stored.
//!
//! The text is written key by key (not through a serialiser) so that each value taken from the
//! images carries a TOML comment naming where it came from (the structure it is the volume of;
//! when a request gives measured values, the SPECT and masks the lung shunt fraction was counted
//! on — the web application gives none: the engine measures them, `crate::feed`): the case file
//! read by a person says which numbers came from the images and how. Quantities are written in their base unit with the
//! shortest text that reads back to the same number (`sirt_units` `Display`), fractions and
//! ratios as TOML floats with Rust's shortest round-trip form (`{:?}`), so that every value
//! round-trips exactly.

use sirt_case::{Accepted, Goal, Intent, Lobe, Method, TerritoryKind};
use sirt_units::{AbsorbedDose, Density, Fraction, Instant, Length, Mass, Volume};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The schema line every case file starts with (docs/case-format.md).
pub const CASE_SCHEMA: &str = "sirtplan-case/1";

/// The name a generated case file is validated under (errors name it).
pub const GENERATED_CASE_NAME: &str = "generated case file";

/// A plan request, typed: everything the generated case file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// `[patient]`.
    pub patient: PatientInput,
    /// `[diagnosis]`.
    pub diagnosis: DiagnosisInput,
    /// `[liver]`: the whole liver (tumours included), usually the liver mask's volume.
    pub liver: LiverInput,
    /// `[lungs]` from the lung mask's CT volume; `None`: the 1 kg convention.
    pub lungs: Option<LungsInput>,
    /// `mapping.date`: the MAA mapping's instant.
    pub mapping_date: Option<Instant>,
    /// `[[tumours]]`.
    pub tumours: Vec<TumourInput>,
    /// `[planning]`.
    pub planning: PlanningInput,
    /// The one `[[sessions]]` of the plan.
    pub session: SessionInput,
    /// `[[injections]]`.
    pub injections: Vec<InjectionInput>,
    /// `[images]`.
    pub images: ImagesInput,
    /// The values measured on the images, written into the case with their provenance; `None`:
    /// left out (the planning engine measures them).
    pub measured: Option<MeasuredInput>,
    /// `[[accepted]]`.
    pub accepted: Vec<Accepted>,
}

/// `[patient]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientInput {
    /// Pseudonymous identifier (never a name).
    pub id: String,
    /// `female`, `male`, …
    pub sex: Option<String>,
    /// Age in years.
    pub age_years: Option<u32>,
    /// Height (BSA method).
    pub height: Option<Length>,
    /// Weight (BSA method).
    pub weight: Option<Mass>,
}

/// `[diagnosis]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagnosisInput {
    /// `NET`, `HCC`, `mCRC`, `ICC` or `other`.
    pub indication: String,
    /// `G1`, `G2`, `G3`, `NEC`.
    pub grade: Option<String>,
    /// Ki-67 index, %.
    pub ki67_percent: Option<f64>,
    /// Free text.
    pub primary_site: Option<String>,
}

/// `[liver]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LiverInput {
    /// Whole liver, tumours included.
    pub volume: Volume,
    /// Tissue density; `None`: the case format's default.
    pub density: Option<Density>,
    /// Where the volume came from (a TOML comment), e.g. `volume of structure "liver"`.
    pub source: Option<String>,
}

/// `[lungs]` from a CT volume.
#[derive(Debug, Clone, PartialEq)]
pub struct LungsInput {
    /// Lung volume on the CT.
    pub ct_volume: Volume,
    /// Lung density; `None`: the case format's default.
    pub density: Option<Density>,
    /// Where the volume came from (a TOML comment).
    pub source: Option<String>,
}

/// One `[[tumours]]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct TumourInput {
    /// Identifier, referenced by injections and `images.tumours`.
    pub id: String,
    /// Volume.
    pub volume: Volume,
    /// Couinaud segment.
    pub segment: Option<String>,
    /// Lobe.
    pub lobe: Option<Lobe>,
    /// Where the volume came from (a TOML comment).
    pub source: Option<String>,
}

/// `[planning]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningInput {
    /// Device id of the catalogue.
    pub device: String,
    /// Fraction left in vial, tubing and catheter.
    pub residual_fraction: Fraction,
    /// `[planning.limits]`.
    pub limits: sirt_case::Limits,
}

/// The session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInput {
    /// Identifier.
    pub id: String,
    /// Planned instant of the injection (with its zone).
    pub treatment: Instant,
}

/// One `[[injections]]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectionInput {
    /// Identifier.
    pub id: String,
    /// Catheter position.
    pub label: Option<String>,
    /// Territory kind.
    pub territory: TerritoryKind,
    /// Intent; `None`: the territory's default.
    pub intent: Option<Intent>,
    /// Lobe.
    pub lobe: Lobe,
    /// Planning method.
    pub method: Method,
    /// Goal (`Goal::Formula` for BSA: no `goal` table).
    pub goal: Goal,
    /// Tumours in the territory with the part of each inside it (`None`: all of it).
    pub tumours: Vec<(String, Option<Fraction>)>,
    /// Perfused volume when stated rather than measured (a territory without a mask).
    pub perfused_volume: Option<Volume>,
}

/// `[images]`: paths relative to the patient's image folder.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImagesInput {
    /// CT series folder (or NIfTI).
    pub ct: String,
    /// MAA SPECT file or folder.
    pub maa_spect: Option<String>,
    /// Y-90 PET series folder.
    pub y90_pet: Option<String>,
    /// RT Struct, SEG or NIfTI label map.
    pub structures: String,
    /// Spatial registration files (the SPECT's, the PET's), in that order.
    pub registration: Vec<String>,
    /// Liver structure's name.
    pub liver: String,
    /// Lung structure's name.
    pub lungs: Option<String>,
    /// Tumour id → structure name.
    pub tumours: BTreeMap<String, String>,
    /// Injection id → territory structure name.
    pub territories: BTreeMap<String, String>,
    /// Extrahepatic structures.
    pub extrahepatic: Vec<String>,
}

/// The values measured on the images, with their provenance (each written as a comment).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredInput {
    /// Lung shunt fraction.
    pub lsf: Fraction,
    /// How and where the LSF was measured.
    pub lsf_source: String,
    /// TNR by (injection id, tumour id).
    pub tnr: BTreeMap<(String, String), f64>,
    /// How and where the TNRs were measured.
    pub tnr_source: String,
    /// Perfused volume by injection id.
    pub perfused_volume: BTreeMap<String, Volume>,
    /// How and where the perfused volumes were measured.
    pub perfused_source: String,
}

/// Why no case file could be made from a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaseBuildError {
    /// The request misses a value the case needs (a measured value, a perfused volume).
    #[error("field `{field}`: expected {expected}, found none")]
    Missing {
        /// The case file's field path.
        field: String,
        /// What was expected.
        expected: String,
    },
    /// The generated text does not validate (the case file's rules: the field named).
    #[error(transparent)]
    Invalid(#[from] sirt_case::CaseError),
}

impl CaseBuildError {
    /// The case file field the error names, when it names one (`patient.weight`,
    /// `injections[0].goal`).
    pub fn field(&self) -> Option<&str> {
        match self {
            CaseBuildError::Missing { field, .. } => Some(field),
            CaseBuildError::Invalid(sirt_case::CaseError::Invalid { field, .. }) => Some(field),
            CaseBuildError::Invalid(sirt_case::CaseError::Override { field, .. }) => Some(field),
            CaseBuildError::Invalid(sirt_case::CaseError::Syntax { .. }) => None,
        }
    }
}

/// The case file of a request, validated with [`sirt_case::parse`] (measured values written
/// in) or [`sirt_case::parse_for_measurement`] (left out for the engine to measure); returns
/// the text and the case it reads as.
pub fn build_case(request: &PlanRequest) -> Result<(String, sirt_case::Case), CaseBuildError> {
    let text = case_text(request)?;
    let case = match &request.measured {
        Some(_) => sirt_case::parse(&text, GENERATED_CASE_NAME)?,
        None => sirt_case::parse_for_measurement(&text, GENERATED_CASE_NAME)?.0,
    };
    Ok((text, case))
}

/// A TOML basic string: quotes, backslashes and control characters escaped (TOML 1.0 §String).
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float as TOML reads it back to the same number (`1.0`, `0.0593`, `1e-7`).
fn toml_float(x: f64) -> String {
    format!("{x:?}")
}

/// A comment's text on one line (line breaks would end the comment and start TOML).
fn comment(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// `key = value` with an optional comment.
fn line(out: &mut String, key: &str, value: &str, note: Option<&str>) {
    match note {
        Some(n) => {
            let _ = writeln!(out, "{key} = {value}    # {}", comment(n));
        }
        None => {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
}

/// `key = "quantity"` for an optional value.
fn opt_quantity(out: &mut String, key: &str, v: Option<impl std::fmt::Display>) {
    if let Some(v) = v {
        line(out, key, &toml_string(&v.to_string()), None);
    }
}

/// `key = "text"` for an optional value.
fn opt_text(out: &mut String, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        line(out, key, &toml_string(v), None);
    }
}

/// The lobe as the case format writes it.
pub fn lobe_label(l: Lobe) -> &'static str {
    match l {
        Lobe::Right => "right",
        Lobe::Left => "left",
        Lobe::Both => "both",
    }
}

/// The case file's text (not yet validated).
fn case_text(r: &PlanRequest) -> Result<String, CaseBuildError> {
    let mut out = String::new();
    out.push_str(
        "# Generated by the sirtplan web application from the images and the prescription\n\
         # entered on its planning pages (docs/server.md, \"Planning from images\"); the values\n\
         # the images measure (LSF, TNRs, perfused volumes) are left out: the engine measures\n\
         # them and the report's \"Measured inputs\" says how; volumes carry a comment.\n\
         # Format reference: docs/case-format.md. Research use only.\n\n",
    );
    line(&mut out, "schema", &toml_string(CASE_SCHEMA), None);
    patient_section(&mut out, r);
    liver_sections(&mut out, r);
    tumour_sections(&mut out, r);
    planning_section(&mut out, r);
    for (i, inj) in r.injections.iter().enumerate() {
        injection_section(&mut out, r, i, inj)?;
    }
    images_section(&mut out, &r.images);
    for a in &r.accepted {
        out.push_str("\n[[accepted]]\n");
        line(&mut out, "what", &toml_string(&a.what), None);
        line(&mut out, "reason", &toml_string(&a.reason), None);
    }
    Ok(out)
}

fn patient_section(out: &mut String, r: &PlanRequest) {
    let p = &r.patient;
    out.push_str("\n[patient]\n");
    line(out, "id", &toml_string(&p.id), None);
    opt_text(out, "sex", p.sex.as_deref());
    if let Some(a) = p.age_years {
        line(out, "age", &a.to_string(), None);
    }
    opt_quantity(out, "height", p.height);
    opt_quantity(out, "weight", p.weight);
    let d = &r.diagnosis;
    out.push_str("\n[diagnosis]\n");
    line(out, "indication", &toml_string(&d.indication), None);
    opt_text(out, "primary_site", d.primary_site.as_deref());
    opt_text(out, "grade", d.grade.as_deref());
    if let Some(k) = d.ki67_percent {
        line(out, "ki67_percent", &toml_float(k), None);
    }
}

fn liver_sections(out: &mut String, r: &PlanRequest) {
    out.push_str("\n[liver]\n");
    line(
        out,
        "volume",
        &toml_string(&r.liver.volume.to_string()),
        r.liver.source.as_deref(),
    );
    opt_quantity(out, "density", r.liver.density);
    if let Some(l) = &r.lungs {
        out.push_str("\n[lungs]\n");
        line(
            out,
            "ct_volume",
            &toml_string(&l.ct_volume.to_string()),
            l.source.as_deref(),
        );
        opt_quantity(out, "density", l.density);
    }
    if r.mapping_date.is_some() || r.measured.is_some() {
        out.push_str("\n[mapping]\n");
        opt_quantity(out, "date", r.mapping_date.as_ref());
        if let Some(m) = &r.measured {
            line(
                out,
                "lsf",
                &toml_float(m.lsf.value()),
                Some(&format!("measured: {}", m.lsf_source)),
            );
        }
    }
}

fn tumour_sections(out: &mut String, r: &PlanRequest) {
    for t in &r.tumours {
        out.push_str("\n[[tumours]]\n");
        line(out, "id", &toml_string(&t.id), None);
        opt_text(out, "segment", t.segment.as_deref());
        if let Some(l) = t.lobe {
            line(out, "lobe", &toml_string(lobe_label(l)), None);
        }
        line(
            out,
            "volume",
            &toml_string(&t.volume.to_string()),
            t.source.as_deref(),
        );
    }
}

fn limits_lines(out: &mut String, l: &sirt_case::Limits) {
    let items: [(&str, Option<AbsorbedDose>); 6] = [
        ("normal_liver_max", l.normal_liver_max),
        ("perfused_max", l.perfused_max),
        ("lung_max", l.lung_max),
        ("whole_liver_ntad_max", l.whole_liver_ntad_max),
        ("lung_session_max", l.lung_session_max),
        ("lung_cumulative_max", l.lung_cumulative_max),
    ];
    for (k, v) in items {
        opt_quantity(out, k, v);
    }
}

fn planning_section(out: &mut String, r: &PlanRequest) {
    let p = &r.planning;
    out.push_str("\n[planning]\n");
    line(out, "device", &toml_string(&p.device), None);
    line(
        out,
        "residual_fraction",
        &toml_float(p.residual_fraction.value()),
        None,
    );
    out.push_str("\n[planning.limits]\n");
    limits_lines(out, &p.limits);
    out.push_str("\n[[sessions]]\n");
    line(out, "id", &toml_string(&r.session.id), None);
    line(
        out,
        "treatment",
        &toml_string(&r.session.treatment.to_string()),
        None,
    );
}

/// The goal as an inline table, `None` for the BSA formula.
fn goal_text(g: &Goal) -> Option<String> {
    match g {
        Goal::TumourDose { dose, tumour } => Some(format!(
            "{{ tumour_dose = {}, tumour = {} }}",
            toml_string(&dose.to_string()),
            toml_string(tumour)
        )),
        Goal::PerfusedDose { dose } => Some(format!(
            "{{ perfused_dose = {} }}",
            toml_string(&dose.to_string())
        )),
        Goal::Activity { activity } => Some(format!(
            "{{ activity = {} }}",
            toml_string(&activity.to_string())
        )),
        Goal::Maximum => Some("{ maximum = true }".to_owned()),
        Goal::Formula => None,
    }
}

fn injection_section(
    out: &mut String,
    r: &PlanRequest,
    i: usize,
    inj: &InjectionInput,
) -> Result<(), CaseBuildError> {
    out.push_str("\n[[injections]]\n");
    line(out, "id", &toml_string(&inj.id), None);
    line(out, "session", &toml_string(&r.session.id), None);
    opt_text(out, "label", inj.label.as_deref());
    line(out, "territory", &toml_string(inj.territory.label()), None);
    if let Some(intent) = inj.intent {
        line(out, "intent", &toml_string(intent.label()), None);
    }
    line(out, "lobe", &toml_string(lobe_label(inj.lobe)), None);
    line(out, "method", &toml_string(inj.method.label()), None);
    let measured = r
        .measured
        .as_ref()
        .and_then(|m| m.perfused_volume.get(&inj.id).map(|v| (*v, m)));
    match (inj.perfused_volume, measured) {
        (Some(v), _) => line(
            out,
            "perfused_volume",
            &toml_string(&v.to_string()),
            Some("stated"),
        ),
        (None, Some((v, m))) => line(
            out,
            "perfused_volume",
            &toml_string(&v.to_string()),
            Some(&format!("measured: {}", m.perfused_source)),
        ),
        (None, None) if r.measured.is_some() => {
            return Err(CaseBuildError::Missing {
                field: format!("injections[{i}].perfused_volume"),
                expected: "the perfused volume (a territory structure for the injection, or a volume typed)".into(),
            });
        }
        (None, None) => {}
    }
    share_lines(out, r, i, inj)?;
    if let Some(g) = goal_text(&inj.goal) {
        line(out, "goal", &g, None);
    }
    Ok(())
}

fn share_lines(
    out: &mut String,
    r: &PlanRequest,
    i: usize,
    inj: &InjectionInput,
) -> Result<(), CaseBuildError> {
    if inj.tumours.is_empty() {
        return Ok(());
    }
    out.push_str("tumours = [\n");
    for (j, (id, fraction)) in inj.tumours.iter().enumerate() {
        let mut parts = vec![format!("id = {}", toml_string(id))];
        if let Some(m) = &r.measured {
            let tnr = m.tnr.get(&(inj.id.clone(), id.clone())).ok_or_else(|| {
                CaseBuildError::Missing {
                    field: format!("injections[{i}].tumours[{j}].tnr"),
                    expected: format!("a measured TNR of tumour {id} (a structure for it)"),
                }
            })?;
            parts.push(format!("tnr = {}", toml_float(*tnr)));
        }
        if let Some(f) = fraction {
            parts.push(format!("fraction = {}", toml_float(f.value())));
        }
        let _ = writeln!(out, "  {{ {} }},", parts.join(", "));
    }
    out.push_str("]\n");
    if let Some(m) = &r.measured {
        let _ = writeln!(out, "# tnr measured: {}", comment(&m.tnr_source));
    }
    Ok(())
}

fn string_map(out: &mut String, key: &str, m: &BTreeMap<String, String>) {
    if m.is_empty() {
        return;
    }
    let items: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{} = {}", toml_string(k), toml_string(v)))
        .collect();
    line(out, key, &format!("{{ {} }}", items.join(", ")), None);
}

fn images_section(out: &mut String, im: &ImagesInput) {
    out.push_str("\n[images]    # paths relative to the patient's image folder\n");
    line(out, "ct", &toml_string(&im.ct), None);
    opt_text(out, "maa_spect", im.maa_spect.as_deref());
    opt_text(out, "y90_pet", im.y90_pet.as_deref());
    line(out, "structures", &toml_string(&im.structures), None);
    match im.registration.as_slice() {
        [] => {}
        [one] => line(out, "registration", &toml_string(one), None),
        many => {
            let items: Vec<String> = many.iter().map(|s| toml_string(s)).collect();
            line(
                out,
                "registration",
                &format!("[{}]", items.join(", ")),
                None,
            );
        }
    }
    line(out, "liver", &toml_string(&im.liver), None);
    opt_text(out, "lungs", im.lungs.as_deref());
    string_map(out, "tumours", &im.tumours);
    string_map(out, "territories", &im.territories);
    if !im.extrahepatic.is_empty() {
        let items: Vec<String> = im.extrahepatic.iter().map(|s| toml_string(s)).collect();
        line(
            out,
            "extrahepatic",
            &format!("[{}]", items.join(", ")),
            None,
        );
    }
}

#[cfg(test)]
mod tests;

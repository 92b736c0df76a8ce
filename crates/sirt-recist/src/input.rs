//! The measurement file (TOML, format in `FORMAT.md`): raw serde mirror, exact decimal reading,
//! and the structural checks that do not depend on the criteria.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use toml::{Spanned, Value};

use crate::error::RecistError;
use crate::params::{
    Criteria, MAX_LENGTH_TENTH_MM, NODE_PATHOLOGICAL_MIN_TENTH_MM, ProtocolOverrides,
};

/// The `schema` value of this format.
pub const SCHEMA: &str = "sirtplan-recist/1";

// ---------------------------------------------------------------- raw (as written)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema: String,
    patient: Option<String>,
    treatment_start: Option<Spanned<Value>>,
    protocol: Option<RawProtocol>,
    #[serde(default)]
    lesions: Vec<RawLesion>,
    baseline: RawVisit,
    #[serde(default)]
    follow_up: Vec<RawVisit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtocol {
    criteria: Option<String>,
    confirmation_required: Option<bool>,
    min_confirmation_days: Option<u32>,
    sd_min_days: Option<u32>,
    max_ne_between: Option<u32>,
    accept_sd_between: Option<bool>,
    too_small_mm: Option<Spanned<Value>>,
    max_targets: Option<u32>,
    max_targets_per_organ: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesion {
    id: String,
    kind: String,
    organ: String,
    #[serde(default)]
    nodal: bool,
    location: Option<String>,
    #[serde(default)]
    previously_treated: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVisit {
    date: Spanned<Value>,
    modality: String,
    slice_thickness_mm: Option<Spanned<Value>>,
    tumour_markers: Option<String>,
    #[serde(default)]
    measurements: Vec<RawMeasurement>,
    #[serde(default)]
    new_lesions: Vec<RawNew>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasurement {
    lesion: String,
    diameter_mm: Option<Spanned<Value>>,
    viable_mm: Option<Spanned<Value>>,
    density_hu: Option<Spanned<Value>>,
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNew {
    id: String,
    organ: String,
    certainty: Option<String>,
    location: Option<String>,
}

// ---------------------------------------------------------------- the checked series

/// Target or non-target, chosen at baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LesionKind {
    /// Measured and summed.
    #[serde(rename = "target")]
    Target,
    /// Followed qualitatively.
    #[serde(rename = "non-target")]
    NonTarget,
}

/// A lesion recorded at baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lesion {
    /// Identifier used by the measurements.
    pub id: String,
    /// Target or non-target.
    pub kind: LesionKind,
    /// Organ as written; "liver" (any case) makes it hepatic.
    pub organ: String,
    /// A lymph node: measured by its short axis.
    pub nodal: bool,
    /// Free text (segment, station).
    pub location: Option<String>,
    /// In an area treated locally before (radiation, SIRT, TACE, ablation).
    pub previously_treated: bool,
}

impl Lesion {
    /// Whether the lesion counts for the hepatic-only response.
    pub fn is_liver(&self) -> bool {
        is_liver(&self.organ)
    }

    /// The organ for the per-organ target limit: all lymph nodes are one organ (EORTC RECIST
    /// FAQ "Two target lesions").
    pub fn organ_key(&self) -> String {
        if self.nodal {
            "lymph nodes".to_owned()
        } else {
            self.organ.trim().to_lowercase()
        }
    }
}

/// Whether an organ name is the liver.
pub(crate) fn is_liver(organ: &str) -> bool {
    organ.trim().eq_ignore_ascii_case("liver")
}

/// Imaging modality of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Modality {
    /// Computed tomography.
    #[serde(rename = "CT")]
    Ct,
    /// Magnetic resonance imaging.
    #[serde(rename = "MRI")]
    Mri,
    /// Clinical examination with calipers.
    #[serde(rename = "caliper")]
    Caliper,
    /// Chest X-ray.
    #[serde(rename = "chest X-ray")]
    ChestXray,
}

impl Modality {
    const ALL: [Modality; 4] = [
        Modality::Ct,
        Modality::Mri,
        Modality::Caliper,
        Modality::ChestXray,
    ];
    /// The name as written in files.
    pub fn label(self) -> &'static str {
        match self {
            Modality::Ct => "CT",
            Modality::Mri => "MRI",
            Modality::Caliper => "caliper",
            Modality::ChestXray => "chest X-ray",
        }
    }
}

/// Tumour markers at a visit (RECIST 1.1 §4.3.3: non-target CR needs normal markers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TumourMarkers {
    /// Within normal limits.
    #[serde(rename = "normal")]
    Normal,
    /// Above the upper limit of normal.
    #[serde(rename = "above normal")]
    AboveNormal,
}

/// Why a lesion has no usable record at a follow-up: RECIST 1.1 §4.3.4 "Missing assessments
/// and inevaluable designation" (Eisenhauer 2009), and CDISC's two reasons for a tumour result
/// "NOT DONE" (scan not performed; not evaluable). Both make the response of the lesions NE
/// unless what was assessed already shows PD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unassessed {
    /// Not assessed: the lesion was not imaged or not read at this visit (no record, or
    /// `"not done"`).
    #[serde(rename = "not done")]
    NotDone,
    /// Assessed but not evaluable (artefact, obscured, different phase): `"not evaluable"`
    /// (`"not evaluated"` and the non-target status `"NE"` read the same).
    #[serde(rename = "not evaluable")]
    NotEvaluable,
}

impl Unassessed {
    /// As printed.
    pub fn label(self) -> &'static str {
        match self {
            Unassessed::NotDone => "not done",
            Unassessed::NotEvaluable => "not evaluable",
        }
    }
}

/// A recorded length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Diameter {
    /// Measured, in tenths of a millimetre (0 = gone).
    #[serde(rename = "tenth_mm")]
    TenthMm(u32),
    /// Present but too small to measure (counted as the protocol's default, 5 mm).
    #[serde(rename = "too small")]
    TooSmall,
    /// Not measured at this visit, and why (`"not done"`, `"not evaluable"` in JSON).
    #[serde(untagged)]
    Unassessed(Unassessed),
}

/// The status of a non-target lesion at a follow-up (RECIST 1.1 §4.3.3), or why it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LesionStatus {
    /// Gone (a node below 10 mm short axis).
    #[serde(rename = "CR")]
    Cr,
    /// Present.
    #[serde(rename = "non-CR/non-PD")]
    NonCrNonPd,
    /// Unequivocal progression.
    #[serde(rename = "PD")]
    Pd,
    /// Not assessed, or assessed but not evaluable (`"not done"`, `"not evaluable"` in JSON).
    #[serde(untagged)]
    Unassessed(Unassessed),
}

/// One lesion's record at one visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measurement {
    /// The lesion's id.
    pub lesion: String,
    /// Longest diameter (short axis for nodes).
    pub diameter: Option<Diameter>,
    /// mRECIST: longest diameter of the viable (arterially enhancing) tumour.
    pub viable: Option<Diameter>,
    /// Choi: mean attenuation in tenths of a Hounsfield unit.
    pub density_tenth_hu: Option<i32>,
    /// Non-target status at a follow-up.
    pub status: Option<LesionStatus>,
}

/// A new lesion at a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewLesion {
    /// Identifier, kept from visit to visit so that an equivocal lesion can be confirmed.
    pub id: String,
    /// Organ ("liver" makes it hepatic).
    pub organ: String,
    /// Equivocal (not PD yet) rather than unequivocal.
    pub equivocal: bool,
    /// Free text.
    pub location: Option<String>,
}

/// One imaging visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    /// "baseline" or "follow-up N".
    pub label: String,
    /// Scan date.
    pub date: Date,
    /// Modality.
    pub modality: Modality,
    /// Reconstructed slice thickness (CT/MRI), tenths of a millimetre.
    pub slice_thickness_tenth_mm: Option<u32>,
    /// Tumour markers, when recorded.
    pub tumour_markers: Option<TumourMarkers>,
    /// Records by lesion, in file order.
    pub measurements: Vec<Measurement>,
    /// New lesions (follow-ups only).
    pub new_lesions: Vec<NewLesion>,
}

impl Visit {
    /// "follow-up 2 (2025-04-10)".
    pub fn place(&self) -> String {
        format!("{} ({})", self.label, self.date)
    }

    /// The record of a lesion at this visit.
    pub fn measurement(&self, id: &str) -> Option<&Measurement> {
        self.measurements.iter().find(|m| m.lesion == id)
    }
}

/// One patient's measurement series, structurally checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    /// Pseudonymous patient identifier.
    pub patient: Option<String>,
    /// Start of treatment (the SD duration runs from it; else from the baseline scan).
    pub treatment_start: Option<Date>,
    /// Protocol parameters set in the file.
    pub protocol: ProtocolOverrides,
    /// Baseline lesions (targets and non-targets), in file order.
    pub lesions: Vec<Lesion>,
    /// The baseline visit.
    pub baseline: Visit,
    /// Follow-up visits in date order.
    pub follow_ups: Vec<Visit>,
}

impl Series {
    /// A lesion by id.
    pub fn lesion(&self, id: &str) -> Option<&Lesion> {
        self.lesions.iter().find(|l| l.id == id)
    }
}

// ---------------------------------------------------------------- reading

/// Reads a length or density literal exactly: optional sign (only when `signed`), digits, and at
/// most one decimal digit. Returns tenths.
pub(crate) fn parse_tenths(text: &str, signed: bool) -> Option<i64> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        Some(_) => return None,
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if int.is_empty() || int.len() > 9 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_digit = match frac {
        None => 0,
        Some(f) if f.len() == 1 && f.as_bytes()[0].is_ascii_digit() => {
            i64::from(f.as_bytes()[0] - b'0')
        }
        Some(_) => return None,
    };
    let whole: i64 = int.parse().ok()?;
    let v = whole * 10 + frac_digit;
    Some(if neg { -v } else { v })
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        place: impl Into<String>,
        field: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> RecistError {
        RecistError::Invalid {
            file: self.file.to_owned(),
            place: place.into(),
            field: field.to_owned(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// The value as written in the file (number literal) or quoted (text).
    fn written(&self, v: &Spanned<Value>) -> String {
        match v.get_ref() {
            Value::String(s) => format!("\"{s}\""),
            Value::Integer(_) | Value::Float(_) => self
                .text
                .get(v.span())
                .map_or_else(|| v.get_ref().to_string(), |s| s.trim().to_owned()),
            Value::Boolean(b) => format!("{b}"),
            Value::Datetime(d) => d.to_string(),
            Value::Array(_) => "a list".to_owned(),
            Value::Table(_) => "a table".to_owned(),
        }
    }

    /// The number text to parse: the literal for numbers, the content for texts.
    fn number_text<'v>(&'v self, v: &'v Spanned<Value>) -> Option<&'v str> {
        match v.get_ref() {
            Value::String(s) => Some(s.trim()),
            Value::Integer(_) | Value::Float(_) => self.text.get(v.span()).map(str::trim),
            _ => None,
        }
    }

    fn length(
        &self,
        place: &str,
        field: &str,
        v: &Spanned<Value>,
        words: bool,
    ) -> Result<Diameter, RecistError> {
        if words && let Value::String(s) = v.get_ref() {
            match s.trim() {
                "too small" => return Ok(Diameter::TooSmall),
                "not done" => return Ok(Diameter::Unassessed(Unassessed::NotDone)),
                "not evaluable" | "not evaluated" => {
                    return Ok(Diameter::Unassessed(Unassessed::NotEvaluable));
                }
                _ => {}
            }
        }
        let expected = if words {
            "millimetres with at most one decimal place (like 14.2), \"too small\", \"not evaluable\" or \"not done\""
        } else {
            "millimetres with at most one decimal place (like 2.5)"
        };
        let tenths = self
            .number_text(v)
            .and_then(|t| parse_tenths(t, false))
            .ok_or_else(|| self.err(place, field, expected, self.written(v)))?;
        match u32::try_from(tenths) {
            Ok(t) if t <= MAX_LENGTH_TENTH_MM => Ok(Diameter::TenthMm(t)),
            _ => Err(self.err(
                place,
                field,
                format!("at most {} mm", MAX_LENGTH_TENTH_MM / 10),
                self.written(v),
            )),
        }
    }

    fn plain_length(
        &self,
        place: &str,
        field: &str,
        v: &Spanned<Value>,
    ) -> Result<u32, RecistError> {
        match self.length(place, field, v, false)? {
            Diameter::TenthMm(t) => Ok(t),
            Diameter::TooSmall | Diameter::Unassessed(_) => Err(self.err(
                place,
                field,
                "millimetres with at most one decimal place (like 2.5)",
                self.written(v),
            )),
        }
    }

    fn density(&self, place: &str, field: &str, v: &Spanned<Value>) -> Result<i32, RecistError> {
        self.number_text(v)
            .and_then(|t| parse_tenths(t, true))
            .and_then(|t| i32::try_from(t).ok())
            .filter(|t| (-10_000..=40_000).contains(t))
            .ok_or_else(|| {
                self.err(
                    place,
                    field,
                    "a mean attenuation in HU from -1000 to 4000 with at most one decimal place",
                    self.written(v),
                )
            })
    }

    fn date(&self, place: &str, field: &str, v: &Spanned<Value>) -> Result<Date, RecistError> {
        let text = match v.get_ref() {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => Some(d.to_string()),
            _ => None,
        };
        let well_formed = |t: &str| {
            t.len() == 10
                && t.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
        };
        text.filter(|t| well_formed(t))
            .and_then(|t| t.parse::<Date>().ok())
            .ok_or_else(|| self.err(place, field, "an ISO date (YYYY-MM-DD)", self.written(v)))
    }

    fn choice<T: Copy>(
        &self,
        place: &str,
        field: &str,
        value: &str,
        options: &[(&str, T)],
    ) -> Result<T, RecistError> {
        options
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(value.trim()))
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                self.err(
                    place,
                    field,
                    format!("one of {}", names.join(", ")),
                    format!("\"{value}\""),
                )
            })
    }
}

fn lesion_place(visit: &str, id: &str) -> String {
    format!("{visit}, lesion `{id}`")
}

/// Reads and checks a measurement file; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Series, RecistError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| RecistError::Syntax {
        file: file.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    let ctx = Ctx { file, text };
    if raw.schema != SCHEMA {
        return Err(ctx.err(
            "",
            "schema",
            format!("\"{SCHEMA}\""),
            format!("\"{}\"", raw.schema),
        ));
    }
    let treatment_start = raw
        .treatment_start
        .as_ref()
        .map(|v| ctx.date("", "treatment_start", v))
        .transpose()?;
    let protocol = read_protocol(&ctx, raw.protocol.as_ref())?;

    let lesions = read_lesions(&ctx, &raw.lesions)?;

    let baseline = read_visit(&ctx, &raw.baseline, "baseline".to_owned(), &lesions, true)?;
    for l in lesions.iter().filter(|l| l.kind == LesionKind::Target) {
        if baseline.measurement(&l.id).is_none() {
            return Err(ctx.err(
                baseline.place(),
                "measurements",
                format!("a baseline measurement of target lesion `{}`", l.id),
                "none",
            ));
        }
    }
    let follow_ups = read_follow_ups(&ctx, &raw.follow_up, &lesions, &baseline, treatment_start)?;
    Ok(Series {
        patient: raw
            .patient
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty()),
        treatment_start,
        protocol,
        lesions,
        baseline,
        follow_ups,
    })
}

/// The baseline lesions: each with a unique, non-empty id, a kind and an organ; at least one.
fn read_lesions(ctx: &Ctx<'_>, raw: &[RawLesion]) -> Result<Vec<Lesion>, RecistError> {
    let mut lesions: Vec<Lesion> = Vec::with_capacity(raw.len());
    for (i, l) in raw.iter().enumerate() {
        let place = format!("lesions[{}]", i + 1);
        let id = l.id.trim();
        if id.is_empty() {
            return Err(ctx.err(place, "id", "a lesion identifier", "an empty text"));
        }
        if lesions.iter().any(|o| o.id == id) {
            return Err(ctx.err(
                place,
                "id",
                "an identifier used once",
                format!("`{id}` again"),
            ));
        }
        let kind = ctx.choice(
            &place,
            "kind",
            &l.kind,
            &[
                ("target", LesionKind::Target),
                ("non-target", LesionKind::NonTarget),
            ],
        )?;
        if l.organ.trim().is_empty() {
            return Err(ctx.err(
                place,
                "organ",
                "an organ (\"liver\", \"lung\", ...)",
                "an empty text",
            ));
        }
        lesions.push(Lesion {
            id: id.to_owned(),
            kind,
            organ: l.organ.trim().to_owned(),
            nodal: l.nodal,
            location: l.location.clone(),
            previously_treated: l.previously_treated,
        });
    }
    if lesions.is_empty() {
        return Err(ctx.err("", "lesions", "at least one baseline lesion", "none"));
    }
    Ok(lesions)
}

/// The follow-up visits: each after the previous visit and the treatment start, a new lesion
/// always in the organ first given for it.
fn read_follow_ups(
    ctx: &Ctx<'_>,
    raw: &[RawVisit],
    lesions: &[Lesion],
    baseline: &Visit,
    treatment_start: Option<Date>,
) -> Result<Vec<Visit>, RecistError> {
    let mut follow_ups: Vec<Visit> = Vec::with_capacity(raw.len());
    let mut new_organs: BTreeMap<String, String> = BTreeMap::new();
    for (i, rv) in raw.iter().enumerate() {
        let v = read_visit(ctx, rv, format!("follow-up {}", i + 1), lesions, false)?;
        let previous = follow_ups.last().unwrap_or(baseline);
        if v.date <= previous.date {
            return Err(ctx.err(
                v.place(),
                "date",
                format!("a date after the {} ({})", previous.label, previous.date),
                v.date.to_string(),
            ));
        }
        if let Some(start) = treatment_start
            && v.date <= start
        {
            return Err(ctx.err(
                v.place(),
                "date",
                format!("a date after the treatment start ({start})"),
                v.date.to_string(),
            ));
        }
        for n in &v.new_lesions {
            match new_organs.get(&n.id) {
                Some(organ) if !organ.eq_ignore_ascii_case(&n.organ) => {
                    return Err(ctx.err(
                        lesion_place(&v.place(), &n.id),
                        "organ",
                        format!("the organ given before (\"{organ}\")"),
                        format!("\"{}\"", n.organ),
                    ));
                }
                _ => {
                    new_organs.insert(n.id.clone(), n.organ.clone());
                }
            }
        }
        follow_ups.push(v);
    }
    Ok(follow_ups)
}

fn read_protocol(
    ctx: &Ctx<'_>,
    raw: Option<&RawProtocol>,
) -> Result<ProtocolOverrides, RecistError> {
    let Some(p) = raw else {
        return Ok(ProtocolOverrides::default());
    };
    let criteria = p
        .criteria
        .as_deref()
        .map(|c| {
            let options: Vec<(&str, Criteria)> =
                Criteria::ALL.iter().map(|c| (c.label(), *c)).collect();
            ctx.choice("protocol", "criteria", c, &options)
        })
        .transpose()?;
    let too_small_tenth_mm = p
        .too_small_mm
        .as_ref()
        .map(|v| ctx.plain_length("protocol", "too_small_mm", v))
        .transpose()?;
    if p.max_targets == Some(0) {
        return Err(ctx.err("protocol", "max_targets", "at least 1", "0"));
    }
    if p.max_targets_per_organ == Some(0) {
        return Err(ctx.err("protocol", "max_targets_per_organ", "at least 1", "0"));
    }
    Ok(ProtocolOverrides {
        criteria,
        confirmation_required: p.confirmation_required,
        min_confirmation_days: p.min_confirmation_days,
        sd_min_days: p.sd_min_days,
        max_ne_between: p.max_ne_between,
        accept_sd_between: p.accept_sd_between,
        too_small_tenth_mm,
        max_targets: p.max_targets,
        max_targets_per_organ: p.max_targets_per_organ,
    })
}

fn read_visit(
    ctx: &Ctx<'_>,
    rv: &RawVisit,
    label: String,
    lesions: &[Lesion],
    is_baseline: bool,
) -> Result<Visit, RecistError> {
    let date = ctx.date(&label, "date", &rv.date)?;
    let place = format!("{label} ({date})");
    let options: Vec<(&str, Modality)> = Modality::ALL.iter().map(|m| (m.label(), *m)).collect();
    let modality = ctx.choice(&place, "modality", &rv.modality, &options)?;
    let slice_thickness_tenth_mm = rv
        .slice_thickness_mm
        .as_ref()
        .map(|v| ctx.plain_length(&place, "slice_thickness_mm", v))
        .transpose()?;
    if slice_thickness_tenth_mm == Some(0) {
        return Err(ctx.err(
            &place,
            "slice_thickness_mm",
            "a slice thickness above 0 mm",
            "0",
        ));
    }
    let tumour_markers = rv
        .tumour_markers
        .as_deref()
        .map(|t| {
            ctx.choice(
                &place,
                "tumour_markers",
                t,
                &[
                    ("normal", TumourMarkers::Normal),
                    ("above normal", TumourMarkers::AboveNormal),
                ],
            )
        })
        .transpose()?;
    let mut seen = BTreeSet::new();
    let mut measurements = Vec::with_capacity(rv.measurements.len());
    for m in &rv.measurements {
        measurements.push(read_measurement(
            ctx,
            m,
            &place,
            lesions,
            is_baseline,
            &mut seen,
        )?);
    }
    let mut new_lesions: Vec<NewLesion> = Vec::with_capacity(rv.new_lesions.len());
    for n in &rv.new_lesions {
        let new = read_new_lesion(ctx, n, &place, lesions, &new_lesions, is_baseline)?;
        new_lesions.push(new);
    }
    Ok(Visit {
        label,
        date,
        modality,
        slice_thickness_tenth_mm,
        tumour_markers,
        measurements,
        new_lesions,
    })
}

/// A measurement record of a visit at `place`: of a listed lesion, once per visit (`seen`),
/// its values read, with what its kind requires (a diameter for a target, a status for a
/// non-target at follow-ups, none at baseline).
fn read_measurement(
    ctx: &Ctx<'_>,
    m: &RawMeasurement,
    place: &str,
    lesions: &[Lesion],
    is_baseline: bool,
    seen: &mut BTreeSet<String>,
) -> Result<Measurement, RecistError> {
    let id = m.lesion.trim();
    let lp = lesion_place(place, id);
    let Some(lesion) = lesions.iter().find(|l| l.id == id) else {
        let known: Vec<String> = lesions.iter().map(|l| format!("`{}`", l.id)).collect();
        return Err(ctx.err(
            place,
            "measurements.lesion",
            format!("a lesion listed in [[lesions]] ({})", known.join(", ")),
            format!("`{id}`"),
        ));
    };
    if !seen.insert(id.to_owned()) {
        return Err(ctx.err(
            lp,
            "lesion",
            "one record per lesion and visit",
            "a second record",
        ));
    }
    let diameter = m
        .diameter_mm
        .as_ref()
        .map(|v| ctx.length(&lp, "diameter_mm", v, true))
        .transpose()?;
    let viable = m
        .viable_mm
        .as_ref()
        .map(|v| ctx.length(&lp, "viable_mm", v, true))
        .transpose()?;
    let density_tenth_hu = m
        .density_hu
        .as_ref()
        .map(|v| ctx.density(&lp, "density_hu", v))
        .transpose()?;
    let status = m
        .status
        .as_deref()
        .map(|s| {
            ctx.choice(
                &lp,
                "status",
                s,
                &[
                    ("CR", LesionStatus::Cr),
                    ("non-CR/non-PD", LesionStatus::NonCrNonPd),
                    ("PD", LesionStatus::Pd),
                    ("NE", LesionStatus::Unassessed(Unassessed::NotEvaluable)),
                    (
                        "not evaluable",
                        LesionStatus::Unassessed(Unassessed::NotEvaluable),
                    ),
                    ("not done", LesionStatus::Unassessed(Unassessed::NotDone)),
                ],
            )
        })
        .transpose()?;
    let measurement = Measurement {
        lesion: id.to_owned(),
        diameter,
        viable,
        density_tenth_hu,
        status,
    };
    match lesion.kind {
        LesionKind::Target => check_target_record(ctx, &lp, m, &measurement)?,
        LesionKind::NonTarget => {
            check_non_target_record(ctx, &lp, m, &measurement, lesion, is_baseline)?;
        }
    }
    Ok(measurement)
}

/// A target's record: no status, and a diameter (or viable diameter).
fn check_target_record(
    ctx: &Ctx<'_>,
    lp: &str,
    m: &RawMeasurement,
    read: &Measurement,
) -> Result<(), RecistError> {
    if let Some(s) = &m.status {
        return Err(ctx.err(
            lp,
            "status",
            "no status for a target lesion (its diameter_mm gives the response)",
            format!("\"{s}\""),
        ));
    }
    if read.diameter.is_none() && read.viable.is_none() {
        return Err(ctx.err(
            lp,
            "diameter_mm",
            "a diameter for a target lesion (a number, \"too small\", \"not evaluable\" or \"not done\")",
            "none",
        ));
    }
    Ok(())
}

/// A non-target's record: no status at baseline, a status at follow-ups, and a node with status
/// CR below 10 mm.
fn check_non_target_record(
    ctx: &Ctx<'_>,
    lp: &str,
    m: &RawMeasurement,
    read: &Measurement,
    lesion: &Lesion,
    is_baseline: bool,
) -> Result<(), RecistError> {
    if is_baseline && let Some(s) = &m.status {
        return Err(ctx.err(
            lp,
            "status",
            "no status at baseline (non-target lesions are assessed at follow-ups)",
            format!("\"{s}\""),
        ));
    }
    if !is_baseline && read.status.is_none() {
        return Err(ctx.err(
            lp,
            "status",
            "the status of a non-target lesion (\"CR\", \"non-CR/non-PD\", \"PD\", \"NE\" (not evaluable) or \"not done\")",
            "none",
        ));
    }
    if lesion.nodal
        && read.status == Some(LesionStatus::Cr)
        && let Some(Diameter::TenthMm(d)) = read.diameter
        && d >= NODE_PATHOLOGICAL_MIN_TENTH_MM
    {
        return Err(ctx.err(
            lp,
            "status",
            "a short axis below 10 mm for a node with status CR (RECIST 1.1 §4.3.3)",
            format!("\"CR\" with diameter_mm {}", tenths_text(d)),
        ));
    }
    Ok(())
}

/// A new lesion of a follow-up at `place`: not at baseline, with an id used by no baseline
/// lesion nor another new lesion of the visit (`earlier`), an organ and a certainty.
fn read_new_lesion(
    ctx: &Ctx<'_>,
    n: &RawNew,
    place: &str,
    lesions: &[Lesion],
    earlier: &[NewLesion],
    is_baseline: bool,
) -> Result<NewLesion, RecistError> {
    let id = n.id.trim();
    let lp = lesion_place(place, id);
    if is_baseline {
        return Err(ctx.err(
            place,
            "new_lesions",
            "no new lesions at baseline",
            format!("`{id}`"),
        ));
    }
    if id.is_empty() {
        return Err(ctx.err(
            place,
            "new_lesions.id",
            "a lesion identifier",
            "an empty text",
        ));
    }
    if lesions.iter().any(|l| l.id == id) || earlier.iter().any(|o| o.id == id) {
        return Err(ctx.err(
            lp,
            "id",
            "an identifier not used by another lesion of the visit or the baseline",
            format!("`{id}` again"),
        ));
    }
    if n.organ.trim().is_empty() {
        return Err(ctx.err(
            lp,
            "organ",
            "an organ (\"liver\", \"lung\", ...)",
            "an empty text",
        ));
    }
    let equivocal = n
        .certainty
        .as_deref()
        .map(|c| {
            ctx.choice(
                &lp,
                "certainty",
                c,
                &[("unequivocal", false), ("equivocal", true)],
            )
        })
        .transpose()?
        .unwrap_or(false);
    Ok(NewLesion {
        id: id.to_owned(),
        organ: n.organ.trim().to_owned(),
        equivocal,
        location: n.location.clone(),
    })
}

/// "14.2 mm" from tenths.
pub(crate) fn tenths_text(t: u32) -> String {
    format!("{}.{} mm", t / 10, t % 10)
}

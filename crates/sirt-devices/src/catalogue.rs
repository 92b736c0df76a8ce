//! The device catalogue: read from TOML (the embedded `data/devices.toml` plus site files).

use sirt_analytic::bsa::LsfBands;
use sirt_nuclides::{KConvention, Nuclide};
use sirt_units::{Activity, TimeSpan};
use std::collections::BTreeMap;
use thiserror::Error;

/// The catalogue shipped with sirtplan (`data/devices.toml`).
pub const EMBEDDED_DEVICES: &str = include_str!("../../../data/devices.toml");

/// How a device is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ordering {
    /// Whole vials of fixed activity at calibration (glass).
    Vials,
    /// A fraction drawn from a vial of fixed activity (resin).
    Fraction,
    /// Activity ordered for the patient (Ho-166).
    PatientSpecific,
}

/// When vials are calibrated and how long they can be used.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalibrationSchedule {
    /// Day of the week of calibration; `None` for every day.
    #[serde(serialize_with = "ser_weekday")]
    pub weekday: Option<jiff::civil::Weekday>,
    /// Clock time of calibration in `zone`.
    pub time: jiff::civil::Time,
    /// IANA zone of the calibration time.
    pub zone: String,
    /// Calibrated for the planned administration instant (patient-specific activity).
    pub at_treatment: bool,
    /// Earliest use, relative to calibration (negative: before).
    pub usable_from: TimeSpan,
    /// Latest use, relative to calibration.
    pub usable_to: TimeSpan,
    /// Whether these values were checked in the IFU.
    pub verified: bool,
    /// Where they come from.
    pub source: String,
}

/// One device of the catalogue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Device {
    /// Identifier used in case files ("therasphere").
    pub id: String,
    /// Product name.
    pub name: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Sphere material ("glass", "resin", ...).
    pub material: String,
    /// The nuclide.
    pub nuclide: Nuclide,
    /// The K convention of the device.
    #[serde(serialize_with = "ser_k")]
    pub k_convention: KConvention,
    /// How it is ordered.
    pub ordering: Ordering,
    /// Vial activities at calibration, ascending (empty for patient-specific).
    pub vial_activities: Vec<Activity>,
    /// Source of the vial sizes.
    pub vial_source: String,
    /// Activity per sphere at calibration, where known.
    pub activity_per_sphere: Option<Activity>,
    /// Its source.
    pub activity_per_sphere_source: Option<String>,
    /// Calibration and usable window.
    pub calibration: CalibrationSchedule,
    /// Activity factors of the BSA method by LSF (resin), with their source.
    pub lsf_bands: Option<LsfBands>,
}

fn ser_weekday<S: serde::Serializer>(
    w: &Option<jiff::civil::Weekday>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match w {
        None => s.serialize_none(),
        Some(w) => s.collect_str(&format_args!("{w:?}")),
    }
}

fn ser_k<S: serde::Serializer>(k: &KConvention, s: S) -> Result<S::Ok, S::Error> {
    match k {
        KConvention::Custom(v) => s.serialize_f64(*v),
        other => s.serialize_str(other.label()),
    }
}

/// A catalogue file that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CatalogueError {
    /// TOML syntax or type error.
    #[error("device catalogue {origin}: {message}")]
    Syntax {
        /// File name or "embedded".
        origin: String,
        /// The TOML reader's message (line and column included).
        message: String,
    },
    /// A value that parses but makes no sense.
    #[error(
        "device catalogue {origin}, device \"{device}\", field `{field}`: expected {expected}, found {found}"
    )]
    Invalid {
        /// File name or "embedded".
        origin: String,
        /// Device id.
        device: String,
        /// Field name.
        field: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    device: Vec<RawDevice>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    id: String,
    name: String,
    manufacturer: String,
    material: String,
    nuclide: String,
    k_convention: String,
    ordering: Ordering,
    #[serde(default)]
    vial_activities: Vec<Activity>,
    vial_source: String,
    activity_per_sphere: Option<Activity>,
    activity_per_sphere_source: Option<String>,
    calibration: RawCalibration,
    lsf_bands: Option<LsfBands>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalibration {
    weekday: Option<String>,
    time: Option<String>,
    zone: Option<String>,
    #[serde(default)]
    at_treatment: bool,
    usable_from: Option<TimeSpan>,
    usable_to: Option<TimeSpan>,
    verified: bool,
    source: String,
}

/// The devices known to a plan, by id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalogue {
    devices: BTreeMap<String, Device>,
}

impl Catalogue {
    /// The embedded catalogue.
    pub fn embedded() -> Result<Self, CatalogueError> {
        let mut c = Catalogue::default();
        c.merge_toml(EMBEDDED_DEVICES, "embedded data/devices.toml")?;
        Ok(c)
    }

    /// Adds the devices of a TOML text; a device with an existing id replaces it.
    pub fn merge_toml(&mut self, text: &str, origin: &str) -> Result<(), CatalogueError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| CatalogueError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        for d in raw.device {
            let device = convert(d, origin)?;
            self.devices.insert(device.id.clone(), device);
        }
        Ok(())
    }

    /// The device with this id.
    pub fn get(&self, id: &str) -> Option<&Device> {
        self.devices.get(id)
    }

    /// All ids, sorted.
    pub fn ids(&self) -> Vec<&str> {
        self.devices.keys().map(String::as_str).collect()
    }

    /// All devices, sorted by id.
    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.devices.values()
    }
}

/// Builds the refusals of one device of a catalogue.
struct Refusal<'a> {
    origin: &'a str,
    device: &'a str,
}

impl Refusal<'_> {
    fn invalid(&self, field: &str, expected: &str, found: String) -> CatalogueError {
        CatalogueError::Invalid {
            origin: self.origin.to_owned(),
            device: self.device.to_owned(),
            field: field.to_owned(),
            expected: expected.to_owned(),
            found,
        }
    }
}

fn convert(d: RawDevice, origin: &str) -> Result<Device, CatalogueError> {
    let refusal = Refusal {
        origin,
        device: &d.id,
    };
    let (nuclide, k_convention) = nuclide_and_k(&d, &refusal)?;
    let vials = vial_sizes(&d, &refusal)?;
    let calibration = calibration(&d.calibration, &refusal)?;
    if let Some(b) = &d.lsf_bands {
        check_lsf_bands(b, &refusal)?;
    }
    Ok(Device {
        id: d.id.clone(),
        name: d.name,
        manufacturer: d.manufacturer,
        material: d.material,
        nuclide,
        k_convention,
        ordering: d.ordering,
        vial_activities: vials,
        vial_source: d.vial_source,
        activity_per_sphere: d.activity_per_sphere,
        activity_per_sphere_source: d.activity_per_sphere_source,
        calibration,
        lsf_bands: d.lsf_bands,
    })
}

/// The nuclide and the K convention, which must resolve for that nuclide.
fn nuclide_and_k(d: &RawDevice, r: &Refusal<'_>) -> Result<(Nuclide, KConvention), CatalogueError> {
    let nuclide: Nuclide = d
        .nuclide
        .parse()
        .map_err(|e: sirt_nuclides::UnknownNuclide| {
            r.invalid("nuclide", "Y-90, Ho-166, Tc-99m or Lu-177", e.0)
        })?;
    let k_convention: KConvention = d.k_convention.parse().map_err(|_| {
        r.invalid(
            "k_convention",
            "a K convention name or a number of Gy·kg/GBq",
            d.k_convention.clone(),
        )
    })?;
    k_convention.resolve(nuclide).map_err(|e| {
        r.invalid(
            "k_convention",
            "a convention valid for the nuclide",
            e.to_string(),
        )
    })?;
    Ok((nuclide, k_convention))
}

/// The vial activities, sorted: above zero, at least one for vials and fractions, none for
/// patient-specific ordering.
fn vial_sizes(d: &RawDevice, r: &Refusal<'_>) -> Result<Vec<Activity>, CatalogueError> {
    let mut vials = d.vial_activities.clone();
    if vials.iter().any(|v| !v.is_positive()) {
        return Err(r.invalid(
            "vial_activities",
            "activities above zero",
            format!("{vials:?}"),
        ));
    }
    vials.sort_by(|a, b| a.total_cmp(b));
    match d.ordering {
        Ordering::Vials | Ordering::Fraction if vials.is_empty() => Err(r.invalid(
            "vial_activities",
            "at least one vial activity for this ordering",
            "none".into(),
        )),
        Ordering::PatientSpecific if !vials.is_empty() => Err(r.invalid(
            "vial_activities",
            "no vial sizes for patient-specific ordering",
            format!("{} sizes", vials.len()),
        )),
        _ => Ok(vials),
    }
}

/// The calibration schedule: weekday, clock time and zone (none when calibrated at treatment),
/// and the usable window.
fn calibration(c: &RawCalibration, r: &Refusal<'_>) -> Result<CalibrationSchedule, CatalogueError> {
    let weekday = match &c.weekday {
        None => None,
        Some(w) => Some(parse_weekday(w).ok_or_else(|| {
            r.invalid(
                "calibration.weekday",
                "a day name such as \"sunday\"",
                w.clone(),
            )
        })?),
    };
    let (time, zone) = if c.at_treatment {
        (jiff::civil::Time::midnight(), String::new())
    } else {
        calibration_time(c, r)?
    };
    let (usable_from, usable_to) = match (c.usable_from, c.usable_to, c.at_treatment) {
        (Some(a), Some(b), _) => (a, b),
        (None, None, true) => (TimeSpan::from_seconds(0.0), TimeSpan::from_seconds(0.0)),
        _ => {
            return Err(r.invalid(
                "calibration.usable_from / usable_to",
                "both limits of the usable window",
                "one or none".into(),
            ));
        }
    };
    if usable_to < usable_from {
        return Err(r.invalid(
            "calibration.usable_to",
            "a limit after usable_from",
            format!("{usable_to}"),
        ));
    }
    Ok(CalibrationSchedule {
        weekday,
        time,
        zone,
        at_treatment: c.at_treatment,
        usable_from,
        usable_to,
        verified: c.verified,
        source: c.source.clone(),
    })
}

/// The calibration clock time and its IANA zone.
fn calibration_time(
    c: &RawCalibration,
    r: &Refusal<'_>,
) -> Result<(jiff::civil::Time, String), CatalogueError> {
    let t = c.time.as_deref().ok_or_else(|| {
        r.invalid(
            "calibration.time",
            "a clock time \"HH:MM\"",
            "nothing".into(),
        )
    })?;
    let time: jiff::civil::Time = t
        .parse()
        .map_err(|_| r.invalid("calibration.time", "a clock time \"HH:MM\"", t.to_owned()))?;
    let zone = c.zone.clone().ok_or_else(|| {
        r.invalid(
            "calibration.zone",
            "an IANA zone such as \"America/New_York\"",
            "nothing".into(),
        )
    })?;
    jiff::tz::TimeZone::get(&zone).map_err(|_| {
        r.invalid(
            "calibration.zone",
            "an IANA zone such as \"America/New_York\"",
            zone.clone(),
        )
    })?;
    Ok((time, zone))
}

/// Each LSF band: 0 ≤ lower ≤ upper ≤ 1 and a factor in [0, 1] or none.
fn check_lsf_bands(b: &LsfBands, r: &Refusal<'_>) -> Result<(), CatalogueError> {
    for (n, band) in b.bands.iter().enumerate() {
        let ok = (0.0..=1.0).contains(&band.lower)
            && (0.0..=1.0).contains(&band.upper)
            && band.lower <= band.upper
            && band.factor.is_none_or(|f| (0.0..=1.0).contains(&f));
        if !ok {
            return Err(r.invalid(
                &format!("lsf_bands.bands[{n}]"),
                "0 ≤ lower ≤ upper ≤ 1 (fractions) and a factor in [0, 1] or none",
                format!("{band:?}"),
            ));
        }
    }
    Ok(())
}

fn parse_weekday(s: &str) -> Option<jiff::civil::Weekday> {
    use jiff::civil::Weekday::*;
    Some(match s.to_ascii_lowercase().as_str() {
        "monday" => Monday,
        "tuesday" => Tuesday,
        "wednesday" => Wednesday,
        "thursday" => Thursday,
        "friday" => Friday,
        "saturday" => Saturday,
        "sunday" => Sunday,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_loads() {
        let c = Catalogue::embedded().unwrap();
        assert_eq!(c.ids(), vec!["quiremspheres", "sir-spheres", "therasphere"]);
        let ts = c.get("therasphere").unwrap();
        let gbq: Vec<f64> = ts.vial_activities.iter().map(|a| a.gbq()).collect();
        assert_eq!(gbq, vec![3.0, 5.0, 7.0, 10.0, 15.0, 20.0]);
        assert_eq!(ts.k_convention, KConvention::TheraSphereIfu);
        assert_eq!(c.get("quiremspheres").unwrap().nuclide, Nuclide::Ho166);
    }

    #[test]
    fn site_file_overrides_and_errors_name_the_field() {
        let mut c = Catalogue::embedded().unwrap();
        let site = r#"
[[device]]
id = "therasphere"
name = "TheraSphere (site)"
manufacturer = "BSC"
material = "glass"
nuclide = "Y-90"
k_convention = "nuclear-data"
ordering = "vials"
vial_activities = ["3 GBq", "3.5 GBq"]
vial_source = "site order form"
[device.calibration]
weekday = "sunday"
time = "12:00"
zone = "America/New_York"
usable_from = "0 d"
usable_to = "12 d"
verified = true
source = "site IFU copy"
"#;
        c.merge_toml(site, "site.toml").unwrap();
        assert_eq!(c.get("therasphere").unwrap().vial_activities.len(), 2);
        let bad = site.replace("\"Y-90\"", "\"Y-91\"");
        let e = c.merge_toml(&bad, "site.toml").unwrap_err().to_string();
        assert!(
            e.contains("site.toml") && e.contains("nuclide") && e.contains("Y-91"),
            "{e}"
        );
        let bad = site.replace(
            "k_convention = \"nuclear-data\"",
            "k_convention = \"ho166-rule\"",
        );
        let e = c.merge_toml(&bad, "site.toml").unwrap_err().to_string();
        assert!(e.contains("k_convention"), "{e}");
        let bad = site.replace("\"3 GBq\", ", "\"3\", ");
        let e = c.merge_toml(&bad, "site.toml").unwrap_err().to_string();
        assert!(e.contains("bare number"), "{e}");
    }
}

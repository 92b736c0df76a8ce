//! Reading a site settings file: every key optional, unknown keys refused, each value parsed with
//! its unit; what the file leaves out keeps its default.

use crate::{Bounds, EventProfile, PaperSize, SiteSettings};
use std::str::FromStr;

/// A settings file that cannot be used: the file, the key, what was expected and what was found.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Not TOML, an unknown key, or a value of the wrong type.
    #[error("{file}: {source}")]
    Toml {
        /// The file's name.
        file: String,
        /// The TOML error (with its line and column).
        #[source]
        source: toml::de::Error,
    },
    /// A value that is not what the key takes.
    #[error("{file}: {key}: expected {expected}, found {found:?}")]
    Value {
        /// The file's name.
        file: String,
        /// The key ("maa.liver_margin").
        key: String,
        /// What the key takes.
        expected: String,
        /// What the file has.
        found: String,
    },
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    site: RawSite,
    #[serde(default)]
    events: RawEvents,
    #[serde(default)]
    maa: RawMaa,
    #[serde(default)]
    retreatment: RawRetreatment,
    #[serde(default)]
    plausibility: RawPlausibility,
    #[serde(default)]
    image_consistency: RawConsistency,
    #[serde(default)]
    optimisation: RawOptimisation,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptimisation {
    epsilon: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: Option<String>,
    time_zone: Option<String>,
    language: Option<String>,
    paper_size: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvents {
    profile: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaa {
    liver_margin: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetreatment {
    imaging_max_age: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBounds {
    min: Option<String>,
    max: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlausibility {
    liver_volume: Option<RawBounds>,
    lung_mass: Option<RawBounds>,
    lung_volume: Option<RawBounds>,
    patient_weight: Option<RawBounds>,
    patient_height: Option<RawBounds>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsistency {
    min_counts_in_body: Option<String>,
    min_maa_counts_in_liver_and_lungs: Option<String>,
    min_pet_activity_in_liver: Option<String>,
    max_qform_sform_difference: Option<String>,
}

/// Builds the errors of one file.
struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn error(&self, key: &str, expected: &str, found: &str) -> SettingsError {
        SettingsError::Value {
            file: self.file.to_owned(),
            key: key.to_owned(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        }
    }

    /// A quantity with its unit, positive, into `slot` when the file has it.
    fn quantity<Q>(
        &self,
        key: &str,
        text: Option<&String>,
        slot: &mut Q,
    ) -> Result<(), SettingsError>
    where
        Q: FromStr<Err = sirt_units::ParseQuantityError> + Copy,
    {
        if let Some(t) = text {
            *slot = t
                .parse()
                .map_err(|e: sirt_units::ParseQuantityError| self.error(key, &e.to_string(), t))?;
        }
        Ok(())
    }

    /// A fraction ("90 %" or 0.9 as text) into `slot` when the file has it.
    fn fraction(
        &self,
        key: &str,
        text: Option<&String>,
        slot: &mut sirt_units::Fraction,
    ) -> Result<(), SettingsError> {
        if let Some(t) = text {
            *slot = t
                .parse()
                .map_err(|_| self.error(key, "a fraction from 0 to 1 (\"90 %\" or \"0.9\")", t))?;
        }
        Ok(())
    }

    /// Bounds, each end optional, min ≤ max afterwards.
    fn bounds<Q>(
        &self,
        key: &str,
        raw: Option<&RawBounds>,
        slot: &mut Bounds<Q>,
    ) -> Result<(), SettingsError>
    where
        Q: FromStr<Err = sirt_units::ParseQuantityError> + Copy + PartialOrd + std::fmt::Display,
    {
        let Some(raw) = raw else { return Ok(()) };
        self.quantity(&format!("{key}.min"), raw.min.as_ref(), &mut slot.min)?;
        self.quantity(&format!("{key}.max"), raw.max.as_ref(), &mut slot.max)?;
        if slot.min > slot.max {
            return Err(self.error(
                key,
                "min at most max",
                &format!("min {} > max {}", slot.min, slot.max),
            ));
        }
        Ok(())
    }
}

impl SiteSettings {
    /// Reads a site settings file over the defaults; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, SettingsError> {
        let raw: Raw = toml::from_str(text).map_err(|source| SettingsError::Toml {
            file: file.to_owned(),
            source,
        })?;
        let r = Reader { file };
        let mut s = Self::default();
        s.read_site(&r, &raw.site)?;
        if let Some(p) = &raw.events.profile {
            s.event_profile = EventProfile::from_label(p)
                .ok_or_else(|| r.error("events.profile", "\"us-nrc\" or \"eanm\"", p))?;
        }
        r.quantity(
            "maa.liver_margin",
            raw.maa.liver_margin.as_ref(),
            &mut s.maa_liver_margin,
        )?;
        r.quantity(
            "retreatment.imaging_max_age",
            raw.retreatment.imaging_max_age.as_ref(),
            &mut s.imaging_max_age,
        )?;
        s.read_plausibility(&r, &raw.plausibility)?;
        s.read_consistency(&r, &raw.image_consistency)?;
        s.read_optimisation(&r, &raw.optimisation)?;
        s.refuse_negative(&r)?;
        Ok(s)
    }

    fn read_site(&mut self, r: &Reader<'_>, raw: &RawSite) -> Result<(), SettingsError> {
        if let Some(n) = &raw.name {
            self.site_name = Some(n.clone());
        }
        if let Some(z) = &raw.time_zone {
            jiff::tz::TimeZone::get(z).map_err(|_| {
                r.error("site.time_zone", "an IANA time zone (\"Europe/Paris\")", z)
            })?;
            self.time_zone = Some(z.clone());
        }
        if let Some(l) = &raw.language {
            self.language = l
                .parse()
                .map_err(|_| r.error("site.language", "\"en\" (English) or \"fr\" (French)", l))?;
        }
        if let Some(p) = &raw.paper_size {
            self.paper_size = match p.as_str() {
                "A4" => PaperSize::A4,
                "Letter" => PaperSize::Letter,
                _ => return Err(r.error("site.paper_size", "\"A4\" or \"Letter\"", p)),
            };
        }
        Ok(())
    }

    fn read_plausibility(
        &mut self,
        r: &Reader<'_>,
        raw: &RawPlausibility,
    ) -> Result<(), SettingsError> {
        let p = &mut self.plausibility;
        r.bounds(
            "plausibility.liver_volume",
            raw.liver_volume.as_ref(),
            &mut p.liver_volume,
        )?;
        r.bounds(
            "plausibility.lung_mass",
            raw.lung_mass.as_ref(),
            &mut p.lung_mass,
        )?;
        r.bounds(
            "plausibility.lung_volume",
            raw.lung_volume.as_ref(),
            &mut p.lung_volume,
        )?;
        r.bounds(
            "plausibility.patient_weight",
            raw.patient_weight.as_ref(),
            &mut p.patient_weight,
        )?;
        r.bounds(
            "plausibility.patient_height",
            raw.patient_height.as_ref(),
            &mut p.patient_height,
        )
    }

    fn read_consistency(
        &mut self,
        r: &Reader<'_>,
        raw: &RawConsistency,
    ) -> Result<(), SettingsError> {
        let c = &mut self.image_consistency;
        r.fraction(
            "image_consistency.min_counts_in_body",
            raw.min_counts_in_body.as_ref(),
            &mut c.min_counts_in_body,
        )?;
        r.fraction(
            "image_consistency.min_maa_counts_in_liver_and_lungs",
            raw.min_maa_counts_in_liver_and_lungs.as_ref(),
            &mut c.min_maa_counts_in_liver_and_lungs,
        )?;
        r.fraction(
            "image_consistency.min_pet_activity_in_liver",
            raw.min_pet_activity_in_liver.as_ref(),
            &mut c.min_pet_activity_in_liver,
        )?;
        r.quantity(
            "image_consistency.max_qform_sform_difference",
            raw.max_qform_sform_difference.as_ref(),
            &mut c.max_qform_sform_difference,
        )
    }

    /// `optimisation.epsilon`: a probability strictly between 0 and 1 (0 would allow nothing,
    /// 1 would bound nothing).
    fn read_optimisation(
        &mut self,
        r: &Reader<'_>,
        raw: &RawOptimisation,
    ) -> Result<(), SettingsError> {
        let key = "optimisation.epsilon";
        r.fraction(key, raw.epsilon.as_ref(), &mut self.optimisation_epsilon)?;
        let e = self.optimisation_epsilon.value();
        if !(e > 0.0 && e < 1.0) {
            let found = raw.epsilon.clone().unwrap_or_default();
            return Err(r.error(
                key,
                "a probability above 0 and below 1 (\"5 %\" or \"0.05\")",
                &found,
            ));
        }
        Ok(())
    }

    /// Lengths and spans must not be negative (the unit parser accepts a sign for time spans).
    fn refuse_negative(&self, r: &Reader<'_>) -> Result<(), SettingsError> {
        let checks = [
            ("maa.liver_margin", self.maa_liver_margin.m()),
            (
                "retreatment.imaging_max_age",
                self.imaging_max_age.seconds(),
            ),
            (
                "image_consistency.max_qform_sform_difference",
                self.image_consistency.max_qform_sform_difference.m(),
            ),
        ];
        for (key, v) in checks {
            if !(v.is_finite() && v >= 0.0) {
                return Err(r.error(key, "a value of at least 0", &v.to_string()));
            }
        }
        Ok(())
    }
}

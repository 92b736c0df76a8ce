//! Every setting as a row (key, value, default, source) for reports and docs; the ones a site
//! changed.

use crate::{Bounds, SiteSettings};
use std::fmt::Display;

/// One setting: its key in the file, its value and default as printed, and the default's source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SettingRow {
    /// Key in the settings file ("maa.liver_margin").
    pub key: &'static str,
    /// Value in use.
    pub value: String,
    /// The documented default.
    pub default: String,
    /// Where the default comes from, or "site choice".
    pub source: &'static str,
}

/// A setting whose value differs from its default.
pub type Difference = SettingRow;

const NONE: &str = SettingRow::NONE;
const OWN_ZONE: &str = SettingRow::OWN_ZONE;
const SITE_CHOICE: &str = SettingRow::SITE_CHOICE;

impl SettingRow {
    /// What an unset optional setting prints ("site.name").
    pub const NONE: &'static str = "(none)";

    /// What an unset `site.time_zone` prints.
    pub const OWN_ZONE: &'static str = "(each instant in its own zone)";

    /// The source of a default that is the site's to choose.
    pub const SITE_CHOICE: &'static str = "site choice";

    /// Whether the value and default are number texts with units ("12 mm", "400 mL – 14000 mL",
    /// "5 %"), which a report prints with the reader's decimal separator; names, zones, codes and
    /// labels are not.
    pub fn is_number(&self) -> bool {
        !self.key.starts_with("site.") && !self.key.starts_with("events.")
    }
}

fn bounds<Q: Display>(b: &Bounds<Q>) -> String {
    format!("{} – {}", b.min, b.max)
}

fn mm(l: sirt_units::Length) -> String {
    format!("{} mm", sirt_units::short(l.m() * 1000.0))
}

fn days(t: sirt_units::TimeSpan) -> String {
    format!("{} d", sirt_units::short(t.seconds() / 86_400.0))
}

fn percent(f: sirt_units::Fraction) -> String {
    format!("{} %", sirt_units::short(f.percent()))
}

fn optional(s: Option<&String>, none: &str) -> String {
    s.cloned().unwrap_or_else(|| none.to_owned())
}

/// The rows of `s`, with the defaults of `d`.
fn rows(s: &SiteSettings, d: &SiteSettings) -> Vec<SettingRow> {
    let row = |key, value: String, default: String, source| SettingRow {
        key,
        value,
        default,
        source,
    };
    let (p, dp) = (&s.plausibility, &d.plausibility);
    let (c, dc) = (&s.image_consistency, &d.image_consistency);
    vec![
        row(
            "site.name",
            optional(s.site_name.as_ref(), NONE),
            NONE.into(),
            SITE_CHOICE,
        ),
        row(
            "site.time_zone",
            optional(s.time_zone.as_ref(), OWN_ZONE),
            OWN_ZONE.into(),
            SITE_CHOICE,
        ),
        row(
            "site.language",
            s.language.code().into(),
            d.language.code().into(),
            "site choice; --lang and each user's choice override it",
        ),
        row(
            "site.paper_size",
            s.paper_size.label().into(),
            d.paper_size.label().into(),
            "ISO 216 A4; site choice",
        ),
        row(
            "events.profile",
            s.event_profile.label().into(),
            d.event_profile.label().into(),
            "10 CFR 35.3045(a)(1) (US NRC, ≥ 20 %); EANM level 1 (Konijnenberg 2021, 10 %); site choice",
        ),
        row(
            "maa.liver_margin",
            mm(s.maa_liver_margin),
            mm(d.maa_liver_margin),
            "about one FWHM of Tc-99m SPECT [memory]; site choice",
        ),
        row(
            "retreatment.imaging_max_age",
            days(s.imaging_max_age),
            days(d.imaging_max_age),
            "issue default 8 weeks; no guideline interval found; site choice",
        ),
        row(
            "plausibility.liver_volume",
            bounds(&p.liver_volume),
            bounds(&dp.liver_volume),
            "ICRP 89 reference liver 1.4–1.8 kg [memory]; site choice",
        ),
        row(
            "plausibility.lung_mass",
            bounds(&p.lung_mass),
            bounds(&dp.lung_mass),
            "Kao 2014 822 ± 103 g [V abstract]; ICRP 89 [memory]; site choice",
        ),
        row(
            "plausibility.lung_volume",
            bounds(&p.lung_volume),
            bounds(&dp.lung_volume),
            "adult total lung capacity 4–6 L [memory]; site choice",
        ),
        row(
            "plausibility.patient_weight",
            bounds(&p.patient_weight),
            bounds(&dp.patient_weight),
            "site choice",
        ),
        row(
            "plausibility.patient_height",
            bounds(&p.patient_height),
            bounds(&dp.patient_height),
            "site choice",
        ),
        row(
            "image_consistency.min_counts_in_body",
            percent(c.min_counts_in_body),
            percent(dc.min_counts_in_body),
            "site choice",
        ),
        row(
            "image_consistency.min_maa_counts_in_liver_and_lungs",
            percent(c.min_maa_counts_in_liver_and_lungs),
            percent(dc.min_maa_counts_in_liver_and_lungs),
            "site choice",
        ),
        row(
            "image_consistency.min_pet_activity_in_liver",
            percent(c.min_pet_activity_in_liver),
            percent(dc.min_pet_activity_in_liver),
            "site choice",
        ),
        row(
            "image_consistency.max_qform_sform_difference",
            mm(c.max_qform_sform_difference),
            mm(dc.max_qform_sform_difference),
            "site choice",
        ),
        row(
            "optimisation.epsilon",
            percent(s.optimisation_epsilon),
            percent(d.optimisation_epsilon),
            "5 %, the conventional one-sided test level; no guideline value found; site choice",
        ),
    ]
}

impl SiteSettings {
    /// Every setting with its value, default and source.
    pub fn rows(&self) -> Vec<SettingRow> {
        rows(self, &Self::default())
    }

    /// The settings whose value differs from the default (what reports print).
    pub fn differences(&self) -> Vec<Difference> {
        self.rows()
            .into_iter()
            .filter(|r| r.value != r.default)
            .collect()
    }
}

//! Site settings: the parameters a site may change, each with its documented default and source.
//!
//! A site writes only what it changes, in a TOML file given with `--site FILE` (`sirtplan plan`,
//! `dose`, `calc`, `serve`); everything else keeps the default below. Reports print the
//! settings that differ from the defaults ([`SiteSettings::differences`]); `docs/site-settings.md`
//! lists them all. Guideline and safety thresholds are rules (`data/rules/`, site rule files with
//! `--rules`); the settings hold what is a site's choice rather than a published value.
//!
//! ```toml
//! [site]
//! name = "Example University Hospital, nuclear medicine"
//! time_zone = "Europe/Paris"
//! paper_size = "A4"
//!
//! [events]
//! profile = "eanm"            # "us-nrc" (default) or "eanm"
//!
//! [maa]
//! liver_margin = "12 mm"
//!
//! [plausibility]
//! liver_volume = { min = "0.4 L", max = "14 L" }
//! ```

mod file;
mod table;

pub use file::SettingsError;
pub use table::{Difference, SettingRow};

use sirt_units::{Fraction, Length, Mass, TimeSpan, Volume};

/// Which regulatory definition of a reportable event the delivered checks apply (the rules with
/// a `profile` filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventProfile {
    /// US NRC: administered activity differing from the written directive by 20 % or more is a
    /// possible medical event (10 CFR 35.3045(a)(1); Y-90 microspheres under 35.1000 guidance),
    /// with its documented exceptions (stasis, emergent patient conditions).
    UsNrc,
    /// EANM position on Euratom 2013/59 Art. 56, compliance level 1: the activity administered
    /// within 10 % of the intended activity (Konijnenberg M et al., EJNMMI 2021;48:67–72,
    /// doi 10.1007/s00259-020-05038-9).
    Eanm,
}

impl EventProfile {
    /// The label in settings and rule files ("us-nrc", "eanm").
    pub fn label(self) -> &'static str {
        match self {
            Self::UsNrc => "us-nrc",
            Self::Eanm => "eanm",
        }
    }

    /// Reads a label.
    pub fn from_label(s: &str) -> Option<Self> {
        match s {
            "us-nrc" => Some(Self::UsNrc),
            "eanm" => Some(Self::Eanm),
            _ => None,
        }
    }
}

/// Paper of printed reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PaperSize {
    /// ISO 216 A4, 210 × 297 mm.
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl PaperSize {
    /// The label in settings files and in CSS `@page { size: … }`.
    pub fn label(self) -> &'static str {
        match self {
            Self::A4 => "A4",
            Self::Letter => "Letter",
        }
    }
}

/// An inclusive range a measured quantity must lie in unless the case accepts it with a reason.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Bounds<Q> {
    /// Smallest plausible value.
    pub min: Q,
    /// Largest plausible value.
    pub max: Q,
}

impl<Q: PartialOrd + Copy> Bounds<Q> {
    /// Whether `x` lies in the range.
    pub fn contains(&self, x: Q) -> bool {
        x >= self.min && x <= self.max
    }
}

/// Plausibility bounds of masses and volumes a plan uses: a value outside is refused (exit 2,
/// naming the field) unless the case accepts it with a reason (`[[accepted]]`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Plausibility {
    /// Whole-liver volume (case `liver.volume`, segmented liver).
    pub liver_volume: Bounds<Volume>,
    /// Lung mass used for lung doses (case `lungs.mass`, CT-derived).
    pub lung_mass: Bounds<Mass>,
    /// Segmented lung volume (air included).
    pub lung_volume: Bounds<Volume>,
    /// Patient weight.
    pub patient_weight: Bounds<Mass>,
    /// Patient height.
    pub patient_height: Bounds<Length>,
}

/// Limits of the image-consistency checks: an image failing one is refused (exit 2, naming the
/// file and the numbers) unless the case accepts it with a reason.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ImageConsistency {
    /// Least fraction of a SPECT's counts or a PET's activity inside the body outline of the CT.
    pub min_counts_in_body: Fraction,
    /// Least fraction of the MAA SPECT's counts in the liver (with the margin) and the lungs.
    pub min_maa_counts_in_liver_and_lungs: Fraction,
    /// Least fraction of the Y-90 PET's activity in the liver (with the margin).
    pub min_pet_activity_in_liver: Fraction,
    /// Largest distance between the qform and sform mappings of a NIfTI file at its corners.
    pub max_qform_sform_difference: Length,
}

/// Everything a site may change. [`SiteSettings::default`] holds the documented defaults.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SiteSettings {
    /// The site's name, printed on reports (none by default).
    pub site_name: Option<String>,
    /// IANA time zone every instant of a plan report is printed in (none: each instant in the
    /// zone it was written in); checked against the bundled time zone database when read.
    pub time_zone: Option<String>,
    /// Language of reports and command-line text when neither the command (`--lang`) nor the
    /// user chooses one.
    pub language: sirt_i18n::Lang,
    /// Paper of printed reports.
    pub paper_size: PaperSize,
    /// Definition of reportable events used by the delivered checks.
    pub event_profile: EventProfile,
    /// Counts of the MAA SPECT (and activity of the Y-90 PET) within this distance of the liver
    /// outline count as liver: the spill-out of the SPECT's resolution.
    pub maa_liver_margin: Length,
    /// A session planned on imaging (its MAA mapping) older than this at its treatment warns.
    pub imaging_max_age: TimeSpan,
    /// Plausibility bounds of masses and volumes.
    pub plausibility: Plausibility,
    /// Image-consistency limits.
    pub image_consistency: ImageConsistency,
    /// The largest probability that a dose limit is exceeded which `sirtplan optimise` accepts
    /// (ε, in (0, 1); `--epsilon` overrides it).
    pub optimisation_epsilon: Fraction,
}

/// Default event profile: US NRC, the only numeric event definition found for Y-90 microspheres
/// (10 CFR 35.3045(a)(1), "20 percent or more"; `safety-and-radiobiology.md` §1.1) [site choice].
pub const DEFAULT_EVENT_PROFILE: EventProfile = EventProfile::UsNrc;

/// Default MAA liver margin, 15 mm: about one FWHM of a Tc-99m SPECT with low-energy
/// high-resolution collimators at clinical distances (10–15 mm) [memory; site choice]; counts
/// this close to the liver outline are the liver's spill-out, not extrahepatic uptake.
pub const DEFAULT_MAA_LIVER_MARGIN_MM: f64 = 15.0;

/// Default imaging age limit for a later session, 8 weeks (56 days): issue 13's default; no
/// guideline interval was found (`safety-and-radiobiology.md` §8: re-mapping before each staged
/// session is common practice [memory]) [site choice].
pub const DEFAULT_IMAGING_MAX_AGE_DAYS: f64 = 56.0;

/// Default liver volume bounds, 0.4–10 L. Reference adult liver mass 1.8 kg (male) and 1.4 kg
/// (female), ICRP Publication 89 Table 2.8 [memory]; the upper bound leaves room for NET
/// hepatomegaly and refuses typing errors such as 16 L [site choice].
pub const DEFAULT_LIVER_VOLUME_L: (f64, f64) = (0.4, 10.0);

/// Default lung mass bounds, 0.3–2.5 kg. Lung parenchyma by CT densitovolumetry 822 ± 103 g
/// (Kao YH et al., EJNMMI Res 2014;4:33) [V abstract]; reference lungs with blood 1.2 kg (male),
/// 0.95 kg (female), ICRP 89 [memory] [site choice].
pub const DEFAULT_LUNG_MASS_KG: (f64, f64) = (0.3, 2.5);

/// Default segmented lung volume bounds (air included), 1–10 L: adult total lung capacity about
/// 6 L (male), 4.2 L (female) [memory]; a 50 L lung is a units or segmentation error [site choice].
pub const DEFAULT_LUNG_VOLUME_L: (f64, f64) = (1.0, 10.0);

/// Default patient weight bounds, 25–300 kg [site choice].
pub const DEFAULT_PATIENT_WEIGHT_KG: (f64, f64) = (25.0, 300.0);

/// Default patient height bounds, 1.0–2.5 m [site choice].
pub const DEFAULT_PATIENT_HEIGHT_M: (f64, f64) = (1.0, 2.5);

/// Default least fraction of SPECT counts / PET activity inside the body outline, 90 % [site
/// choice]: a volume shifted out of the CT leaves most of its counts outside.
pub const DEFAULT_MIN_COUNTS_IN_BODY: f64 = 0.9;

/// Default least fraction of MAA counts in liver (with margin) and lungs, 50 % [site choice]:
/// half the counts elsewhere is a misregistration or a wrong image, not a shunt.
pub const DEFAULT_MIN_MAA_COUNTS_IN_LIVER_AND_LUNGS: f64 = 0.5;

/// Default least fraction of Y-90 PET activity in the liver (with margin), 50 % [site choice].
pub const DEFAULT_MIN_PET_ACTIVITY_IN_LIVER: f64 = 0.5;

/// Default ε of the optimisation, 5 % [site choice]: one chance in twenty that a dose limit of
/// the session is exceeded, the conventional 5 % level of a one-sided statistical test; no
/// guideline states a probability for SIRT dose limits (design choice, issue 18 "a site ε").
pub const DEFAULT_OPTIMISATION_EPSILON: f64 = 0.05;

/// Default largest qform/sform disagreement of a NIfTI file, 1 mm [site choice]: below a voxel
/// of any image used here.
pub const DEFAULT_MAX_QFORM_SFORM_DIFFERENCE_MM: f64 = 1.0;

fn volume_bounds((min, max): (f64, f64)) -> Bounds<Volume> {
    Bounds {
        min: Volume::from_ml(min * 1000.0),
        max: Volume::from_ml(max * 1000.0),
    }
}

fn fraction(x: f64) -> Fraction {
    // The defaults above are fractions in 0–1.
    Fraction::new(x).unwrap_or(Fraction::ONE)
}

impl SiteSettings {
    /// The zone of `site.time_zone` (checked when the file was read; `None` when unset or not
    /// in the bundled time zone database).
    pub fn zone(&self) -> Option<jiff::tz::TimeZone> {
        self.time_zone
            .as_deref()
            .and_then(|z| jiff::tz::TimeZone::get(z).ok())
    }
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            site_name: None,
            time_zone: None,
            language: sirt_i18n::Lang::En,
            paper_size: PaperSize::A4,
            event_profile: DEFAULT_EVENT_PROFILE,
            maa_liver_margin: Length::from_m(DEFAULT_MAA_LIVER_MARGIN_MM / 1000.0),
            imaging_max_age: TimeSpan::from_seconds(DEFAULT_IMAGING_MAX_AGE_DAYS * 86_400.0),
            plausibility: Plausibility {
                liver_volume: volume_bounds(DEFAULT_LIVER_VOLUME_L),
                lung_mass: Bounds {
                    min: Mass::from_kg(DEFAULT_LUNG_MASS_KG.0),
                    max: Mass::from_kg(DEFAULT_LUNG_MASS_KG.1),
                },
                lung_volume: volume_bounds(DEFAULT_LUNG_VOLUME_L),
                patient_weight: Bounds {
                    min: Mass::from_kg(DEFAULT_PATIENT_WEIGHT_KG.0),
                    max: Mass::from_kg(DEFAULT_PATIENT_WEIGHT_KG.1),
                },
                patient_height: Bounds {
                    min: Length::from_m(DEFAULT_PATIENT_HEIGHT_M.0),
                    max: Length::from_m(DEFAULT_PATIENT_HEIGHT_M.1),
                },
            },
            image_consistency: ImageConsistency {
                min_counts_in_body: fraction(DEFAULT_MIN_COUNTS_IN_BODY),
                min_maa_counts_in_liver_and_lungs: fraction(
                    DEFAULT_MIN_MAA_COUNTS_IN_LIVER_AND_LUNGS,
                ),
                min_pet_activity_in_liver: fraction(DEFAULT_MIN_PET_ACTIVITY_IN_LIVER),
                max_qform_sform_difference: Length::from_m(
                    DEFAULT_MAX_QFORM_SFORM_DIFFERENCE_MM / 1000.0,
                ),
            },
            optimisation_epsilon: fraction(DEFAULT_OPTIMISATION_EPSILON),
        }
    }
}

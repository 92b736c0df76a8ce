//! The validated case: every value typed, every reference resolved, every default recorded.

use sirt_analytic::lung::{Lung, LungMassBasis, PlanarCounts};
use sirt_nuclides::KConvention;
use sirt_units::{
    AbsorbedDose, Activity, Bilirubin, Density, Fraction, Instant, Length, Mass, Volume,
};
use std::collections::BTreeMap;

/// Schema tag every case file starts with.
pub const SCHEMA: &str = "sirtplan-case/1";

/// Default density of liver and tumour tissue, 1.03 g/mL, the conversion of CT liver volume to
/// mass in the TheraSphere dosimetry convention [R] (primer §4: liver and tumour 1.03–1.06 g/mL).
/// Used when the case does not state `liver.density`, and printed with the plan.
pub const LIVER_DENSITY_DEFAULT_G_PER_ML: f64 = 1.03;

/// A whole case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Patient.
    pub patient: Patient,
    /// Diagnosis.
    pub diagnosis: Diagnosis,
    /// Laboratory values, when given.
    pub labs: Option<Labs>,
    /// Whole liver.
    pub liver: Liver,
    /// Lung mass and its basis.
    pub lungs: Lungs,
    /// MAA mapping (LSF).
    pub mapping: Mapping,
    /// Tumours.
    pub tumours: Vec<Tumour>,
    /// Planning defaults.
    pub planning: Planning,
    /// Treatment sessions, in chronological order.
    pub sessions: Vec<Session>,
    /// Injections, in file order.
    pub injections: Vec<Injection>,
    /// Earlier treatments.
    pub earlier_treatments: Vec<EarlierTreatment>,
    /// Images for voxel dosimetry, when given.
    pub images: Option<Images>,
    /// Refused inputs the case accepts, each with its reason (`[[accepted]]`), in file order.
    pub accepted: Vec<Accepted>,
    /// The spreads of the inputs (`[uncertainty]`), when the case states them.
    pub uncertainty: Option<crate::uncertainty::UncertaintyInput>,
    /// What the cumulative limits need to know about the patient (`[cumulative]`).
    pub cumulative: crate::course::CumulativeInput,
}

/// `[[accepted]]`: an input refused by a plausibility or image-consistency check that the case
/// accepts, with the reason the report prints. `what` is one of [`ACCEPTABLE`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Accepted {
    /// The field or check accepted, as the refusal names it (`liver.volume`).
    pub what: String,
    /// Why (non-empty), printed in the report.
    pub reason: String,
}

/// The plausibility and image-consistency checks a case may accept with `[[accepted]]`, by the
/// name their refusals give (docs/checks.md).
pub const ACCEPTABLE: [&str; 14] = [
    "liver.volume",
    "lungs.mass",
    "patient.weight",
    "patient.height",
    "images.liver.volume",
    "images.lungs.volume",
    "images.maa_spect.counts_in_body",
    "images.maa_spect.counts_in_liver_and_lungs",
    "images.y90_pet.activity_in_body",
    "images.y90_pet.activity_in_liver",
    "images.ct.qform_sform",
    "images.structures.qform_sform",
    "images.maa_spect.qform_sform",
    "images.y90_pet.qform_sform",
];

impl Case {
    /// The case's acceptance of `what` (one of [`ACCEPTABLE`]), when it has one.
    pub fn accepted(&self, what: &str) -> Option<&Accepted> {
        self.accepted.iter().find(|a| a.what == what)
    }
}

/// Patient.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Patient {
    /// Pseudonymous identifier.
    pub id: String,
    /// Sex as written.
    pub sex: Option<String>,
    /// Age in years.
    pub age_years: Option<u32>,
    /// Height.
    pub height: Option<Length>,
    /// Weight.
    pub weight: Option<Mass>,
}

/// Tumour grade (WHO 2019 NEN grading by Ki-67).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Grade {
    /// Ki-67 < 3 %.
    G1,
    /// Ki-67 3–20 %.
    G2,
    /// Ki-67 > 20 %, well differentiated.
    G3,
    /// Neuroendocrine carcinoma (poorly differentiated).
    #[serde(rename = "NEC")]
    Nec,
}

impl Grade {
    /// Label as in rule files.
    pub fn label(self) -> &'static str {
        match self {
            Grade::G1 => "G1",
            Grade::G2 => "G2",
            Grade::G3 => "G3",
            Grade::Nec => "NEC",
        }
    }
}

/// Diagnosis.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnosis {
    /// Indication: NET, HCC, mCRC, ICC or other.
    pub indication: String,
    /// Primary site.
    pub primary_site: Option<String>,
    /// Grade.
    pub grade: Option<Grade>,
    /// Ki-67 index, %.
    pub ki67_percent: Option<f64>,
    /// Free-text history.
    pub history: Option<String>,
}

/// Laboratory values.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Labs {
    /// Total bilirubin.
    pub bilirubin: Option<Bilirubin>,
    /// When sampled.
    pub sampled: Option<Instant>,
}

/// Whole liver.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Liver {
    /// Whole liver volume, tumours included.
    pub volume: Volume,
    /// Tissue density used for liver and, unless stated per tumour, tumours.
    pub density: Density,
    /// True when `density` is [`LIVER_DENSITY_DEFAULT_G_PER_ML`] because the case did not state one.
    pub density_is_default: bool,
}

impl Liver {
    /// Whole liver mass.
    pub fn mass(&self) -> Mass {
        self.volume * self.density
    }
}

/// Lung mass.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Lungs {
    /// Mass used for lung doses.
    pub mass: Mass,
    /// How it was obtained.
    pub basis: LungMassBasis,
}

impl Lungs {
    /// The mass with its basis, as reports print it: "1.000 kg (TheraSphere IFU convention)",
    /// "0.822 kg (CT lung volume 2740 mL × 0.3 g/mL)", "0.900 kg (stated)".
    pub fn describe(&self) -> String {
        match self.basis {
            LungMassBasis::Convention => {
                format!("{:.3} kg (TheraSphere IFU convention)", self.mass.kg())
            }
            LungMassBasis::CtVolume { volume, density } => format!(
                "{:.3} kg (CT lung volume {:.0} mL × {} g/mL)",
                self.mass.kg(),
                volume.ml(),
                density.g_per_ml()
            ),
            LungMassBasis::Stated => format!("{:.3} kg (stated)", self.mass.kg()),
        }
    }
}

/// Where an LSF came from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LsfSource {
    /// Stated on the injection.
    Injection,
    /// `mapping.lsf`.
    Mapping,
    /// Geometric mean of planar counts.
    Planar,
    /// Measured on the mapping SPECT/CT (counts in the lung and liver masks) because the case
    /// left it out (`parse_with_measured`).
    Measured,
}

/// MAA mapping.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mapping {
    /// Stated LSF.
    pub lsf: Option<Fraction>,
    /// Planar counts and the LSF they give.
    pub planar: Option<(PlanarCounts, Fraction)>,
    /// Date of the mapping.
    pub date: Option<Instant>,
}

/// How a tumour's mass was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MassBasis {
    /// Stated.
    Stated,
    /// Volume × density.
    Volume,
}

/// One tumour.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Tumour {
    /// Identifier.
    pub id: String,
    /// Couinaud segment.
    pub segment: Option<String>,
    /// Lobe.
    pub lobe: Option<Lobe>,
    /// Volume (stated, or mass / density).
    pub volume: Volume,
    /// Mass.
    pub mass: Mass,
    /// Whether the volume or the mass was stated.
    pub mass_basis: MassBasis,
}

/// Liver lobe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lobe {
    /// Right lobe.
    Right,
    /// Left lobe.
    Left,
    /// Both lobes (whole liver).
    Both,
}

/// Kind of perfused territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TerritoryKind {
    /// Whole liver.
    WholeLiver,
    /// A lobe.
    Lobar,
    /// One or a few segments.
    Segmental,
}

impl TerritoryKind {
    /// Label as in rule files.
    pub fn label(self) -> &'static str {
        match self {
            TerritoryKind::WholeLiver => "whole-liver",
            TerritoryKind::Lobar => "lobar",
            TerritoryKind::Segmental => "segmental",
        }
    }
}

/// The treatment intent of an injection: what its dose aims at, which selects the thresholds
/// that apply (ablative intents have their own, EANM 2022 Tables 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Intent {
    /// Whole-liver treatment (one or both lobes in one session, non-ablative).
    WholeLiver,
    /// Lobar treatment (non-ablative).
    Lobar,
    /// Radiation segmentectomy: ablative dose to one or two segments.
    Segmentectomy,
    /// Radiation lobectomy: ablative dose to a lobe, aiming at hypertrophy of the remnant.
    Lobectomy,
}

impl Intent {
    /// Label as in case and rule files.
    pub fn label(self) -> &'static str {
        match self {
            Intent::WholeLiver => "whole-liver",
            Intent::Lobar => "lobar",
            Intent::Segmentectomy => "segmentectomy",
            Intent::Lobectomy => "lobectomy",
        }
    }

    /// The default intent of a territory: segmental → radiation segmentectomy.
    pub fn from_territory(territory: TerritoryKind) -> Self {
        match territory {
            TerritoryKind::WholeLiver => Intent::WholeLiver,
            TerritoryKind::Lobar => Intent::Lobar,
            TerritoryKind::Segmental => Intent::Segmentectomy,
        }
    }
}

/// Planning method of an injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// MIRD single compartment.
    Mird,
    /// Partition (multi-compartment).
    Partition,
    /// Resin BSA.
    Bsa,
    /// Ho-166 dose rule.
    Ho166,
}

impl Method {
    /// Label as in case and rule files.
    pub fn label(self) -> &'static str {
        match self {
            Method::Mird => "mird",
            Method::Partition => "partition",
            Method::Bsa => "bsa",
            Method::Ho166 => "ho166",
        }
    }
}

/// Limits applied in the inverse.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Limits {
    /// Perfused normal-liver dose, per injection.
    pub normal_liver_max: Option<AbsorbedDose>,
    /// Perfused-volume dose, per injection.
    pub perfused_max: Option<AbsorbedDose>,
    /// Lung dose, per injection.
    pub lung_max: Option<AbsorbedDose>,
    /// Whole-liver normal-tissue dose, per session.
    pub whole_liver_ntad_max: Option<AbsorbedDose>,
    /// Lung dose per session.
    pub lung_session_max: Option<AbsorbedDose>,
    /// Cumulative lung dose.
    pub lung_cumulative_max: Option<AbsorbedDose>,
}

/// Planning defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Planning {
    /// Default device id.
    pub device: String,
    /// K convention override for all injections.
    pub k: Option<KConvention>,
    /// Expected residual fraction.
    pub residual_fraction: Fraction,
    /// Limits.
    pub limits: Limits,
}

/// A treatment session.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Session {
    /// Identifier.
    pub id: String,
    /// Planned treatment instant.
    pub treatment: Instant,
    /// Vial calibration instant, when a vial is already at hand.
    pub calibration: Option<Instant>,
    /// Date of the MAA mapping this session is planned on, when it has its own (a re-mapping
    /// before a later session); otherwise `mapping.date`.
    pub mapping_date: Option<Instant>,
}

/// The part of a tumour in a territory.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TumourShare {
    /// Tumour id.
    pub id: String,
    /// Tumour-to-normal ratio.
    pub tnr: f64,
    /// Fraction of the tumour inside the territory.
    pub fraction: Fraction,
}

/// The goal of an injection.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Goal {
    /// Tumour dose.
    TumourDose {
        /// Dose.
        dose: AbsorbedDose,
        /// "combined", "every" or a tumour id.
        tumour: String,
    },
    /// Perfused-volume dose (MIRD, Ho-166 rule).
    PerfusedDose {
        /// Dose.
        dose: AbsorbedDose,
    },
    /// Fixed administered activity (forward).
    Activity {
        /// Activity.
        activity: Activity,
    },
    /// The largest activity the limits allow.
    Maximum,
    /// The method's formula (BSA).
    Formula,
}

/// Post-treatment delivery record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Delivery {
    /// Actual injection instant.
    pub injected: Instant,
    /// Vial activity at injection measured by the calibrator, when given.
    pub vial_activity: Option<Activity>,
    /// Residual activity measured.
    pub residual: Activity,
    /// When the residual was measured.
    pub residual_measured: Instant,
}

/// One injection.
#[derive(Debug, Clone, PartialEq)]
pub struct Injection {
    /// Identifier.
    pub id: String,
    /// Session id.
    pub session: String,
    /// Catheter position / description.
    pub label: Option<String>,
    /// Territory kind.
    pub territory: TerritoryKind,
    /// Treatment intent (as written, else from the territory).
    pub intent: Intent,
    /// Lobe.
    pub lobe: Lobe,
    /// Perfused volume, tumours included.
    pub perfused_volume: Volume,
    /// Perfused mass (volume × liver density, tumours at their own mass).
    pub perfused_mass: Mass,
    /// Non-tumoural liver mass of the territory.
    pub normal_liver_mass: Mass,
    /// Tumours in the territory.
    pub tumours: Vec<TumourShare>,
    /// Method.
    pub method: Method,
    /// Device id.
    pub device: String,
    /// K convention override.
    pub k: Option<KConvention>,
    /// Lung side (LSF and lung mass).
    pub lung: Lung,
    /// Where the LSF came from.
    pub lsf_source: LsfSource,
    /// Residual fraction.
    pub residual_fraction: Fraction,
    /// Goal.
    pub goal: Goal,
    /// Limits (planning limits overridden per injection).
    pub limits: Limits,
    /// Delivery record.
    pub delivery: Option<Delivery>,
}

/// A treatment before this plan, with the doses it delivered where they are known. Which
/// fields a kind may carry: [`EarlierTreatment`]'s field docs (validation refuses the others).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EarlierTreatment {
    /// Date (YYYY-MM-DD).
    pub date: String,
    /// Kind: SIRT, PRRT, TACE, surgery, systemic, EBRT, SBRT, other.
    pub kind: String,
    /// Description.
    pub description: Option<String>,
    /// Lung dose received (earlier SIRT): counts in the cumulative lung dose.
    pub lung_dose: Option<AbsorbedDose>,
    /// SIRT: delivered whole-liver normal-tissue absorbed dose (energy in all non-tumoural liver
    /// over its mass): counts in the cumulative whole-liver NTAD.
    pub whole_liver_ntad: Option<AbsorbedDose>,
    /// SIRT: delivered activity; PRRT: activity per cycle.
    pub activity: Option<Activity>,
    /// SIRT: device (free text: the treatment may have been given elsewhere).
    pub device: Option<String>,
    /// SIRT: territory treated.
    pub territory: Option<TerritoryKind>,
    /// SIRT: lobe treated.
    pub lobe: Option<Lobe>,
    /// PRRT: number of cycles.
    pub cycles: Option<u32>,
    /// PRRT: absorbed dose to the liver, when dosimetry was done.
    pub liver_dose: Option<AbsorbedDose>,
    /// PRRT: absorbed dose to the kidneys, when dosimetry was done.
    pub kidney_dose: Option<AbsorbedDose>,
    /// EBRT or SBRT: mean liver dose of the course.
    pub liver_mean_dose: Option<AbsorbedDose>,
    /// EBRT or SBRT: number of fractions.
    pub fractions: Option<u32>,
    /// The dose detail the cumulative dose over the course reads (nuclide, radiopharmaceutical,
    /// dose method, effective half-lives, kidney and tumour doses).
    #[serde(flatten)]
    pub course: crate::course::CourseDetail,
}

impl EarlierTreatment {
    /// Whether it is an earlier SIRT.
    pub fn is_sirt(&self) -> bool {
        self.kind == "SIRT"
    }
}

impl Case {
    /// Mass of all non-tumoural liver: (whole liver volume − all tumour volumes) × liver density.
    pub fn whole_normal_liver_mass(&self) -> Mass {
        (self.liver.volume - self.tumours.iter().map(|t| t.volume).sum::<Volume>())
            * self.liver.density
    }

    /// Tumour burden: all tumour volumes / whole liver volume.
    pub fn tumour_burden(&self) -> Option<Fraction> {
        let v: Volume = self.tumours.iter().map(|t| t.volume).sum();
        Fraction::new(v / self.liver.volume)
    }

    /// Lung dose of earlier treatments.
    pub fn earlier_lung_dose(&self) -> AbsorbedDose {
        self.earlier_treatments
            .iter()
            .filter_map(|t| t.lung_dose)
            .sum::<AbsorbedDose>()
    }

    /// Whole-liver NTAD of the earlier SIRT sessions, as recorded (those without a recorded
    /// value count 0 Gy: [`Case::earlier_sirt_without_ntad`] lists them).
    pub fn earlier_sirt_whole_liver_ntad(&self) -> AbsorbedDose {
        self.earlier_treatments
            .iter()
            .filter(|t| t.is_sirt())
            .filter_map(|t| t.whole_liver_ntad)
            .sum::<AbsorbedDose>()
    }

    /// Dates of the earlier SIRT sessions with no recorded whole-liver NTAD.
    pub fn earlier_sirt_without_ntad(&self) -> Vec<&str> {
        self.earlier_treatments
            .iter()
            .filter(|t| t.is_sirt() && t.whole_liver_ntad.is_none())
            .map(|t| t.date.as_str())
            .collect()
    }

    /// The date of the imaging a session is planned on: its own `mapping_date`, else
    /// `mapping.date`; with the field it was read from.
    pub fn imaging_date<'a>(&'a self, session: &'a Session) -> Option<(&'a Instant, &'static str)> {
        match (&session.mapping_date, &self.mapping.date) {
            (Some(d), _) => Some((d, "the session's mapping_date")),
            (None, Some(d)) => Some((d, "mapping.date")),
            (None, None) => None,
        }
    }

    /// The tumour with this id.
    pub fn tumour(&self, id: &str) -> Option<&Tumour> {
        self.tumours.iter().find(|t| t.id == id)
    }
}

/// The dose engine of the voxel dosimetry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VoxelEngine {
    /// Dose-voxel kernel convolution (Y-90), density-corrected.
    Kernel,
    /// Local deposition.
    LocalDeposition,
}

/// `[images]`: the image inputs of voxel dosimetry. Paths are relative to the case file's
/// folder (docs/case-format.md).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Images {
    /// CT: a DICOM series folder or a NIfTI file (HU).
    pub ct: String,
    /// 99mTc-MAA SPECT: NM file or folder, or NIfTI (counts).
    pub maa_spect: Option<String>,
    /// Post-treatment Y-90 PET: a DICOM PET series folder (Bq/mL).
    pub y90_pet: Option<String>,
    /// Structures: RT Structure Set, DICOM SEG or a NIfTI label map.
    pub structures: String,
    /// Name of the whole-liver structure (tumours included).
    pub liver: String,
    /// Name of the lung structure.
    pub lungs: Option<String>,
    /// Case tumour id → structure name (every case tumour, by default its own id, when present).
    pub tumours: BTreeMap<String, String>,
    /// Tumour ids whose structure name was given explicitly (they must exist).
    pub tumours_stated: Vec<String>,
    /// Injection id → perfused-territory structure name.
    pub territories: BTreeMap<String, String>,
    /// Named extrahepatic structures (stomach, duodenum, …): each holds its share of the MAA
    /// counts as microspheres in the predicted maps and is reported (in file order, no repeats).
    pub extrahepatic: Vec<String>,
    /// For a label map: structure name → label values.
    pub labels: BTreeMap<String, Vec<u16>>,
    /// Dose engine.
    pub engine: VoxelEngine,
    /// HU → g/mL points, increasing HU (None: the generic default curve).
    pub hu_to_density: Option<Vec<(f64, f64)>>,
    /// The session the PET follows.
    pub pet_session: Option<String>,
    /// DICOM Spatial Registration objects linking the frames of reference of the CT, SPECT and
    /// PET when they differ (rigid transforms only): none, one, or several (e.g. the SPECT's and
    /// the PET's, each registered to the planning CT), all registering to one reference frame.
    /// `registration = "reg.dcm"` or `registration = ["reg-spect.dcm", "reg-pet.dcm"]`.
    pub registration: Vec<String>,
}

impl Images {
    /// Every image file or folder the case names, as written: the CT, the structures, the MAA
    /// SPECT and the Y-90 PET when named, and each registration object (what a cache key or an
    /// approval's record of the images covers).
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        [Some(&self.ct), Some(&self.structures)]
            .into_iter()
            .chain([self.maa_spect.as_ref(), self.y90_pet.as_ref()])
            .flatten()
            .chain(&self.registration)
    }
}

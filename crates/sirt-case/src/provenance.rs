//! Where the plan's image-measurable inputs came from: the lung shunt fraction, the
//! tumour-to-normal ratios and the perfused volume (and mass) of each injection, and the lung
//! mass. Each is measured on the case's images (the case file leaves it out), entered in the case
//! file (with the reason the file gives, or none), changed by a plan parameter, or — for the LSF
//! — the planar geometric mean of `mapping.planar`, the alternative to the SPECT/CT count. The
//! measurement, when the images allow one, is kept beside an entered value so that the report
//! prints both, their difference and the reason (docs/dosimetry.md, "Measured inputs").
//!
//! Pure data: `sirt-planning` fills it from the images, `sirt-report` prints it.

use sirt_units::{Density, Fraction, Mass, Volume};

/// How an input of the plan was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Measured on the case's images: the case file leaves the value out.
    Measured,
    /// Entered in the case file at `field`, with the reason the file gives beside it (None: no
    /// reason given).
    Entered {
        /// The field path (`mapping.lsf`, `injections[0].tumours[1].tnr`).
        field: String,
        /// `<field>_reason`, when given.
        reason: Option<String>,
    },
    /// Changed by a plan parameter (the web application's), `field` naming it
    /// (`injections.R.tnr.T1`).
    Parameter {
        /// The parameter's path.
        field: String,
    },
    /// The planar geometric mean of `mapping.planar` (anterior and posterior counts): the
    /// alternative to the SPECT/CT count.
    Planar,
}

impl Origin {
    /// The key of the origin in JSON: `measured`, `entered`, `parameter`, `planar`.
    pub fn key(&self) -> &'static str {
        match self {
            Origin::Measured => "measured",
            Origin::Entered { .. } => "entered",
            Origin::Parameter { .. } => "parameter",
            Origin::Planar => "planar",
        }
    }
}

/// Where and how a measurement was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The image measured, as named in the case (`dicom/spect`, `dicom/ct`).
    pub image: String,
    /// Its DICOM series instance UIDs (empty for a NIfTI file).
    pub series_uids: Vec<String>,
    /// The structures file as named in the case.
    pub structures: String,
    /// The grid counted on ("SPECT grid 88 × 64 × 60, 4.42 × 4.42 × 4.42 mm").
    pub grid: String,
    /// How the value is measured, in words.
    pub method: String,
}

/// The lung shunt fraction counted on the MAA SPECT.
#[derive(Debug, Clone, PartialEq)]
pub struct LsfMeasurement {
    /// C_lungs / (C_lungs + C_liver).
    pub lsf: Fraction,
    /// The lung mask's name.
    pub lung_mask: String,
    /// The liver mask's name (tumours included).
    pub liver_mask: String,
    /// Counts in the lung mask.
    pub lung_counts: f64,
    /// Counts in the liver mask.
    pub liver_counts: f64,
    /// The SPECT, structures, grid and method.
    pub source: Source,
}

/// The LSF one injection is planned with.
#[derive(Debug, Clone, PartialEq)]
pub struct LsfInput {
    /// The injection id.
    pub injection: String,
    /// The LSF used.
    pub used: Fraction,
    /// Where it came from.
    pub origin: Origin,
}

/// A tumour-to-normal ratio counted on the MAA SPECT.
#[derive(Debug, Clone, PartialEq)]
pub struct TnrMeasurement {
    /// The ratio of mean counts per mL.
    pub tnr: f64,
    /// The tumour mask's name.
    pub tumour_mask: String,
    /// The normal liver it is compared with: a territory mask's name, or "whole liver".
    pub normal_region: String,
    /// Mean counts per mL in the tumour mask.
    pub tumour_counts_per_ml: f64,
    /// Mean counts per mL in the normal liver of the region.
    pub normal_counts_per_ml: f64,
    /// The tumour mask's volume on the SPECT grid (partial-volume weights).
    pub tumour_volume: Volume,
}

/// The TNR of one tumour in one injection's territory.
#[derive(Debug, Clone, PartialEq)]
pub struct TnrInput {
    /// The injection id.
    pub injection: String,
    /// The tumour id.
    pub tumour: String,
    /// The TNR used.
    pub used: f64,
    /// Where it came from.
    pub origin: Origin,
    /// The measurement, when the images give one.
    pub measured: Option<TnrMeasurement>,
}

/// A perfused territory measured on its mask (CT grid).
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryMeasurement {
    /// The mask's volume as drawn.
    pub volume: Volume,
    /// The mask's name ("liver (whole-liver injection)" for a whole-liver injection without a
    /// territory mask).
    pub mask: String,
    /// Σ ρ(HU) · v over the mask's CT voxels (the voxel dosimetry's HU → density curve).
    pub mass_from_ct: Mass,
}

/// The perfused volume and mass of one injection.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfusedInput {
    /// The injection id.
    pub injection: String,
    /// The perfused volume used (tumours included).
    pub used: Volume,
    /// Where it came from.
    pub origin: Origin,
    /// The measurement, when the images give one.
    pub measured: Option<TerritoryMeasurement>,
    /// The perfused mass the plan uses: normal liver × the liver density plus the tumours'
    /// masses (`sirt_case::Injection::perfused_mass`).
    pub mass_used: Mass,
    /// The liver density of that mass.
    pub density: Density,
}

/// The lung mass from the CT.
#[derive(Debug, Clone, PartialEq)]
pub struct LungMassMeasurement {
    /// The lung mask's name.
    pub mask: String,
    /// Its volume as drawn (CT grid).
    pub volume: Volume,
    /// Σ ρ(HU) · v over the mask's CT voxels.
    pub mass_from_ct: Mass,
    /// The volume × the conventional CT lung density.
    pub mass_conventional: Mass,
    /// That density ([`sirt_analytic::lung::LUNG_DENSITY_CT_DEFAULT_G_PER_ML`]).
    pub conventional_density: Density,
}

/// An input the images could not measure, and why (shown when the case states the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMeasured {
    /// What ("lsf", "tnr", "perfused_volume", "lung_mass").
    pub what: String,
    /// Why, in words (English).
    pub why: String,
}

/// The provenance of every image-measurable input of a plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputProvenance {
    /// The LSF counted on the MAA SPECT, when the images give one.
    pub lsf_measured: Option<LsfMeasurement>,
    /// The planar geometric-mean LSF of `mapping.planar`, when the case gives its counts.
    pub lsf_planar: Option<Fraction>,
    /// The LSF of each injection.
    pub lsf: Vec<LsfInput>,
    /// The SPECT, grid and method of the TNRs (when measured).
    pub tnr_source: Option<Source>,
    /// The TNR of each tumour share of each injection.
    pub tnr: Vec<TnrInput>,
    /// The CT, curve and method of the volumes and masses (when measured).
    pub territory_source: Option<Source>,
    /// The perfused volume and mass of each injection.
    pub perfused: Vec<PerfusedInput>,
    /// The lung mass from the CT, when the case names a lung structure.
    pub lung_mass: Option<LungMassMeasurement>,
    /// The inputs the images could not measure, and why.
    pub not_measured: Vec<NotMeasured>,
}

impl InputProvenance {
    /// Whether any input of the plan was measured (not entered).
    pub fn any_measured(&self) -> bool {
        self.lsf.iter().any(|x| x.origin == Origin::Measured)
            || self.tnr.iter().any(|x| x.origin == Origin::Measured)
            || self.perfused.iter().any(|x| x.origin == Origin::Measured)
    }
}

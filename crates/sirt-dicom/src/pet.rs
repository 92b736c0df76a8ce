//! PET image series (PET Image Storage, one slice per file) → `Image<f32>` in Bq/mL, with the
//! decay-correction reference and the SUV (body weight) factor.
//!
//! Values are stored values × Rescale Slope (+ Rescale Intercept, 0 for PET) slice by slice, in
//! Units (0054,1001). [`load_pet_series`] reads `BQML` only and refuses other units with an error
//! naming them; [`load_pet_series_any_units`] reads any and says which ([`PetUnits`]).
//!
//! Decay correction (0054,1102) names the instant the values refer to (PS3.3 C.8.9.1.1.5):
//! - `START`: the acquisition start. As in the QIBA vendor-neutral SUV calculation, Series
//!   Date/Time is taken when it is not after the earliest Acquisition Date/Time of the slices,
//!   else the earliest acquisition (with a warning: some systems rewrite the series time);
//! - `ADMIN`: the administration (Radiopharmaceutical Start DateTime or Time);
//! - `NONE`: not decay corrected; each slice refers to its own acquisition time
//!   ([`PetVolume::slice_acquisition`]); the reference given is the earliest acquisition.
//!
//! SUVbw = C · weight / dose at the reference, with the dose decayed from the administration to
//! the reference: D_ref = D · exp(−ln 2 · Δt / T½) for `START`, D for `ADMIN`; no SUV for `NONE`
//! or units other than Bq/mL ([`Suv::Unavailable`] says why). Every instant keeps its zone
//! ([`DicomDateTime`]); Δt between two instants of unknown zone is a difference of local clock
//! times and says so ([`ElapsedBasis::SameLocalClock`](crate::ElapsedBasis)).

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use sirt_geometry::Image;

use crate::DicomError;
use crate::datetime::{
    ACQUISITION, DicomDateTime, Elapsed, SERIES, read_datetime, timezone_offset,
};
use crate::file::Attrs;
use crate::isotope::{Radiopharmaceutical, StartStated, read_radiopharmaceuticals};
use crate::nm::cs_values;
use crate::series::read_series_with;

/// Units (0054,1001) of a PET series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum PetUnits {
    /// `BQML`: activity concentration, Bq/mL.
    BqPerMl,
    /// Any other value as written (`CNTS`, `GML` (SUVbw), `PROPCPS`, …): not Bq/mL.
    Other(String),
}

/// Decay Correction (0054,1102).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum DecayCorrection {
    /// `NONE`: not decay corrected.
    None,
    /// `START`: to the acquisition start.
    Start,
    /// `ADMIN`: to the administration.
    Admin,
    /// Any other value as written.
    Other(String),
}

/// Which attribute gave the decay-correction reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ReferenceSource {
    /// Series Date (0008,0021) and Series Time (0008,0031).
    SeriesDateTime,
    /// The earliest Acquisition Date/Time (or DateTime) of the slices.
    EarliestAcquisition,
    /// Radiopharmaceutical Start DateTime / Time.
    RadiopharmaceuticalStart,
}

/// The instant the values of a PET series refer to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecayReference {
    /// Decay Correction (0054,1102).
    pub correction: DecayCorrection,
    /// The reference instant, when the object gives it.
    pub instant: Option<DicomDateTime>,
    /// Where it came from.
    pub source: Option<ReferenceSource>,
}

/// The standardised uptake value (body weight) factor of a PET series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Suv {
    /// SUVbw = C [Bq/mL] × `factor` [g/Bq] (with 1 g/mL).
    BodyWeight {
        /// weight \[g\] / dose at the reference \[Bq\].
        factor: f64,
        /// Patient's Weight, kg.
        weight_kg: f64,
        /// Radionuclide Total Dose, Bq.
        dose_bq: f64,
        /// The dose decayed to the decay-correction reference, Bq.
        dose_at_reference_bq: f64,
        /// From the administration to the reference (`None` for `ADMIN`).
        elapsed: Option<Elapsed>,
    },
    /// No SUV: why.
    Unavailable {
        /// What is missing or prevents it.
        reason: String,
    },
}

/// A PET series read into a volume.
#[derive(Debug, Clone, PartialEq)]
pub struct PetVolume {
    /// Values in `units` (Bq/mL for `BQML`), slice k from the k-th file of `files`.
    pub image: Image<f32>,
    /// Units (0054,1001).
    pub units: PetUnits,
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// The files in slice order.
    pub files: Vec<PathBuf>,
    /// SOP Instance UIDs in slice order.
    pub sop_instance_uids: Vec<String>,
    /// Decay correction and its reference instant.
    pub decay_reference: DecayReference,
    /// Series Date + Series Time.
    pub series_start: Option<DicomDateTime>,
    /// The earliest acquisition start of the slices.
    pub acquisition_start: Option<DicomDateTime>,
    /// Acquisition DateTime (or Date + Time) of each slice.
    pub slice_acquisition: Vec<Option<DicomDateTime>>,
    /// Decay Factor (0054,1321) of each slice.
    pub decay_factors: Vec<Option<f64>>,
    /// Frame Reference Time (0054,1300) of each slice, ms from the series reference.
    pub frame_reference_times_ms: Vec<Option<f64>>,
    /// Actual Frame Duration (0018,1242) of the first slice, ms.
    pub actual_frame_duration_ms: Option<f64>,
    /// The (first) radiopharmaceutical; Total Dose in Bq.
    pub radiopharmaceutical: Option<Radiopharmaceutical>,
    /// Patient's Weight (0010,1030), kg.
    pub patient_weight_kg: Option<f64>,
    /// Corrected Image (0028,0051) values (`DECY`, `ATTN`, `SCAT`, …).
    pub corrected: Vec<String>,
    /// Series Type (0054,1000) values (e.g. `WHOLE BODY`, `IMAGE`).
    pub series_type: Vec<String>,
    /// SUV body-weight factor.
    pub suv: Suv,
    /// What was read but deserves attention.
    pub warnings: Vec<String>,
}

/// What each slice says beyond its pixels.
#[derive(Debug, Clone)]
struct PetSlice {
    units: Option<String>,
    decay: Option<String>,
    series: Option<DicomDateTime>,
    acquisition: Option<DicomDateTime>,
    decay_factor: Option<f64>,
    frame_reference_ms: Option<f64>,
    duration_ms: Option<f64>,
    radiopharmaceuticals: Vec<Radiopharmaceutical>,
    weight_kg: Option<f64>,
    corrected: Vec<String>,
    series_type: Vec<String>,
}

fn read_pet_slice(a: Attrs<'_>) -> Result<PetSlice, DicomError> {
    let tz = timezone_offset(a)?;
    let series = read_datetime(a, &SERIES, tz)?;
    let acquisition = read_datetime(a, &ACQUISITION, tz)?;
    let on = series.or(acquisition);
    let weight_kg = match a.opt_f64(tags::PATIENT_WEIGHT, "Patient's Weight (0010,1030)")? {
        Some(w) if w > 0.0 => Some(w),
        _ => None,
    };
    Ok(PetSlice {
        units: a.opt_str(tags::UNITS),
        decay: a.opt_str(tags::DECAY_CORRECTION),
        series,
        acquisition,
        decay_factor: a.opt_f64(tags::DECAY_FACTOR, "Decay Factor (0054,1321)")?,
        frame_reference_ms: a.opt_f64(
            tags::FRAME_REFERENCE_TIME,
            "Frame Reference Time (0054,1300)",
        )?,
        duration_ms: a.opt_f64(
            tags::ACTUAL_FRAME_DURATION,
            "Actual Frame Duration (0018,1242)",
        )?,
        radiopharmaceuticals: read_radiopharmaceuticals(a, 1.0, tz, on.as_ref())?,
        weight_kg,
        corrected: cs_values(a, tags::CORRECTED_IMAGE),
        series_type: cs_values(a, tags::SERIES_TYPE),
    })
}

/// Reads a PET series in Bq/mL (Units `BQML`); other units are refused with an error naming
/// them (use [`load_pet_series_any_units`] to read them as they are). Slices are sorted and
/// checked as in [`read_image_series`](crate::read_image_series) (series, frame of reference,
/// orientation, spacing, duplicates, gaps, tilt).
pub fn load_pet_series<P: AsRef<Path> + Sync>(files: &[P]) -> Result<PetVolume, DicomError> {
    let pet = load_pet_series_any_units(files)?;
    if let PetUnits::Other(u) = &pet.units {
        return Err(DicomError::Unsupported {
            file: pet.files.first().cloned().unwrap_or_default(),
            what: format!(
                "PET Units (0054,1001) \"{u}\": only BQML (Bq/mL) is read as activity \
                 concentration (load_pet_series_any_units reads other units as they are)"
            ),
        });
    }
    Ok(pet)
}

/// Reads a PET series in whatever Units (0054,1001) it states ([`PetVolume::units`]); no SUV
/// unless they are Bq/mL.
pub fn load_pet_series_any_units<P: AsRef<Path> + Sync>(
    files: &[P],
) -> Result<PetVolume, DicomError> {
    let (series, slices) = read_series_with(files, read_pet_slice)?;
    let first_file = series.files.first().cloned().unwrap_or_default();
    let Some(s0) = slices.first() else {
        return Err(DicomError::NoFiles);
    };
    if series.modality != "PT" {
        return Err(DicomError::Unsupported {
            file: first_file,
            what: format!(
                "modality \"{}\" where a PET series (PT) was expected",
                series.modality
            ),
        });
    }
    let mut warnings = Vec::new();
    check_series_level_agree(&slices, &series.files, &first_file)?;
    let units = match s0.units.as_deref() {
        Some("BQML") => PetUnits::BqPerMl,
        Some(other) => PetUnits::Other(other.to_string()),
        None => {
            return Err(DicomError::MissingAttribute {
                file: first_file,
                attribute: "Units (0054,1001)",
            });
        }
    };
    let correction = decay_correction(s0, first_file, &mut warnings)?;
    let slice_acquisition: Vec<Option<DicomDateTime>> =
        slices.iter().map(|s| s.acquisition).collect();
    let acquisition_start = slice_acquisition
        .iter()
        .flatten()
        .min_by(|a, b| a.civil.cmp(&b.civil))
        .copied();
    let radiopharmaceutical = s0.radiopharmaceuticals.first().cloned();
    if s0.radiopharmaceuticals.len() > 1 {
        warnings.push(format!(
            "{} items in the Radiopharmaceutical Information Sequence (0054,0016): the first is used",
            s0.radiopharmaceuticals.len()
        ));
    }
    if let Some(r) = &radiopharmaceutical
        && r.start_stated == Some(StartStated::TimeOnlyDateAssumed)
    {
        warnings.push(
            "the administration is given as Radiopharmaceutical Start Time (0018,1072) without a \
             date: it is put on the series (or acquisition) date, the day before when later \
             than it"
                .into(),
        );
    }
    let decay_reference = decay_reference(
        &correction,
        s0.series,
        acquisition_start,
        radiopharmaceutical.as_ref(),
        &mut warnings,
    );
    let suv = suv(
        &units,
        s0.weight_kg,
        radiopharmaceutical.as_ref(),
        &decay_reference,
    );
    Ok(PetVolume {
        image: series.image,
        units,
        series_instance_uid: series.series_instance_uid,
        files: series.files,
        sop_instance_uids: series.sop_instance_uids,
        decay_reference,
        series_start: s0.series,
        acquisition_start,
        slice_acquisition,
        decay_factors: slices.iter().map(|s| s.decay_factor).collect(),
        frame_reference_times_ms: slices.iter().map(|s| s.frame_reference_ms).collect(),
        actual_frame_duration_ms: s0.duration_ms,
        radiopharmaceutical,
        patient_weight_kg: s0.weight_kg,
        corrected: s0.corrected.clone(),
        series_type: s0.series_type.clone(),
        suv,
        warnings,
    })
}

/// Refuses slices whose series-level attributes (Units, Decay Correction, Series Date/Time,
/// Radiopharmaceutical Information) differ from the first slice's.
fn check_series_level_agree(
    slices: &[PetSlice],
    files: &[PathBuf],
    first_file: &Path,
) -> Result<(), DicomError> {
    let Some(s0) = slices.first() else {
        return Ok(());
    };
    for (s, f) in slices.iter().zip(files).skip(1) {
        let differ = |what: String| DicomError::Inconsistent {
            file: f.clone(),
            first: first_file.to_path_buf(),
            what,
        };
        if s.units != s0.units {
            return Err(differ(format!(
                "another Units (0054,1001) ({} instead of {})",
                shown(&s.units),
                shown(&s0.units)
            )));
        }
        if s.decay != s0.decay {
            return Err(differ(format!(
                "another Decay Correction (0054,1102) ({} instead of {})",
                shown(&s.decay),
                shown(&s0.decay)
            )));
        }
        if s.series != s0.series {
            return Err(differ(format!(
                "another Series Date/Time ({} instead of {})",
                shown(&s.series.map(|d| d.to_string())),
                shown(&s0.series.map(|d| d.to_string()))
            )));
        }
        if s.radiopharmaceuticals != s0.radiopharmaceuticals {
            return Err(differ(
                "another Radiopharmaceutical Information Sequence (0054,0016)".into(),
            ));
        }
    }
    Ok(())
}

/// Decay Correction (0054,1102), required, with a warning when Corrected Image (0028,0051)
/// disagrees about DECY.
fn decay_correction(
    s0: &PetSlice,
    first_file: PathBuf,
    warnings: &mut Vec<String>,
) -> Result<DecayCorrection, DicomError> {
    let correction = match s0.decay.as_deref() {
        Some("NONE") => DecayCorrection::None,
        Some("START") => DecayCorrection::Start,
        Some("ADMIN") => DecayCorrection::Admin,
        Some(other) => DecayCorrection::Other(other.to_string()),
        None => {
            return Err(DicomError::MissingAttribute {
                file: first_file,
                attribute: "Decay Correction (0054,1102)",
            });
        }
    };
    let decy = s0.corrected.iter().any(|c| c == "DECY");
    match (&correction, decy, s0.corrected.is_empty()) {
        (DecayCorrection::Start | DecayCorrection::Admin, false, false) => warnings.push(format!(
            "Decay Correction (0054,1102) is {:?} but Corrected Image (0028,0051) ({}) does not \
             list DECY",
            correction,
            s0.corrected.join("\\")
        )),
        (DecayCorrection::None, true, _) => warnings.push(
            "Decay Correction (0054,1102) is NONE but Corrected Image (0028,0051) lists DECY"
                .into(),
        ),
        _ => {}
    }
    Ok(correction)
}

/// The decay-correction reference: for START the series date/time (the earliest acquisition
/// when the series is later, with a warning, or when it is absent), for ADMIN the
/// administration, else the earliest acquisition; a warning when there is none.
fn decay_reference(
    correction: &DecayCorrection,
    series_start: Option<DicomDateTime>,
    acquisition_start: Option<DicomDateTime>,
    radiopharmaceutical: Option<&Radiopharmaceutical>,
    warnings: &mut Vec<String>,
) -> DecayReference {
    let decay_reference = match correction {
        DecayCorrection::Start => {
            let (instant, source) = match (series_start, acquisition_start) {
                (Some(s), Some(acq)) if s.civil > acq.civil => {
                    warnings.push(format!(
                        "Series Date/Time {s} is after the earliest acquisition start {acq}: the \
                         earliest acquisition is taken as the decay-correction reference"
                    ));
                    (Some(acq), Some(ReferenceSource::EarliestAcquisition))
                }
                (Some(s), _) => (Some(s), Some(ReferenceSource::SeriesDateTime)),
                (None, Some(acq)) => (Some(acq), Some(ReferenceSource::EarliestAcquisition)),
                (None, None) => (None, None),
            };
            DecayReference {
                correction: correction.clone(),
                instant,
                source,
            }
        }
        DecayCorrection::Admin => DecayReference {
            correction: correction.clone(),
            instant: radiopharmaceutical.and_then(|r| r.start),
            source: radiopharmaceutical
                .and_then(|r| r.start)
                .map(|_| ReferenceSource::RadiopharmaceuticalStart),
        },
        DecayCorrection::None | DecayCorrection::Other(_) => DecayReference {
            correction: correction.clone(),
            instant: acquisition_start,
            source: acquisition_start.map(|_| ReferenceSource::EarliestAcquisition),
        },
    };
    if decay_reference.instant.is_none() {
        warnings.push(format!(
            "no decay-correction reference instant for Decay Correction {correction:?} (Series \
             Date/Time, Acquisition Date/Time or Radiopharmaceutical Start missing)"
        ));
    }
    decay_reference
}

/// A value for messages: quoted, or "absent".
fn shown(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("\"{s}\""),
        None => "absent".into(),
    }
}

fn suv(
    units: &PetUnits,
    weight_kg: Option<f64>,
    r: Option<&Radiopharmaceutical>,
    reference: &DecayReference,
) -> Suv {
    let no = |reason: String| Suv::Unavailable { reason };
    if let PetUnits::Other(u) = units {
        return no(format!("Units (0054,1001) are {u}, not BQML"));
    }
    let Some(weight_kg) = weight_kg else {
        return no("no Patient's Weight (0010,1030)".into());
    };
    let Some(r) = r else {
        return no("no Radiopharmaceutical Information Sequence (0054,0016)".into());
    };
    let Some(dose_bq) = r.total_dose_bq else {
        return no("no Radionuclide Total Dose (0018,1074)".into());
    };
    let (dose_at_reference_bq, elapsed) = match reference.correction {
        DecayCorrection::Admin => (dose_bq, None),
        DecayCorrection::Start => {
            let Some(half_life) = r.half_life_s else {
                return no("no Radionuclide Half Life (0018,1075)".into());
            };
            let Some(admin) = r.start else {
                return no(
                    "no Radiopharmaceutical Start DateTime (0018,1078) or Time (0018,1072)".into(),
                );
            };
            let Some(at) = reference.instant else {
                return no("no decay-correction reference instant".into());
            };
            let e = at.elapsed_since(&admin);
            if e.seconds < 0.0 {
                return no(format!(
                    "the administration {admin} is after the decay-correction reference {at}"
                ));
            }
            (
                dose_bq * (-std::f64::consts::LN_2 * e.seconds / half_life).exp(),
                Some(e),
            )
        }
        DecayCorrection::None => {
            return no(
                "Decay Correction (0054,1102) is NONE: each slice refers to its own acquisition \
                 time"
                    .into(),
            );
        }
        DecayCorrection::Other(ref o) => {
            return no(format!("Decay Correction (0054,1102) {o} is not known"));
        }
    };
    Suv::BodyWeight {
        factor: weight_kg * 1000.0 / dose_at_reference_bq,
        weight_kg,
        dose_bq,
        dose_at_reference_bq,
        elapsed,
    }
}

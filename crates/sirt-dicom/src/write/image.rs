//! Single-frame image series: CT (HU) and PET (Bq/mL), one file per slice.
//!
//! Slice k of the grid is file k + 1 (`CT0001.dcm`, `PT0001.dcm`, …) at Image Position (Patient)
//! = the centre of voxel (0, 0, k); Image Orientation (Patient) = the i and j direction cosines;
//! Pixel Spacing = (spacing along j, spacing along i). A reader sorting the slices along
//! row × column cosines gets the same grid back when the grid is right-handed (k along
//! i × j); otherwise it gets the same voxels with k reversed.

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use sirt_geometry::{ContinuousIndex, Grid, Image, cross};

use super::common::{
    CivilDateTime, Header, Obj, SeriesInfo, SeriesModule, SeriesRef, StudyInfo, WrittenSeries,
    acquisition_date_time, check_image, checked_base, content_date_time, ds_value, encode,
    frame_uid, new_uid, patient_orientation, pixel_module, plane,
};
use super::{Code, WriteError};

/// A radionuclide: its code (CID 18 / 4020) and half-life.
#[derive(Debug, Clone, PartialEq)]
pub struct Radionuclide {
    /// Radionuclide Code Sequence item.
    pub code: Code,
    /// Radionuclide Half Life, s.
    pub half_life_s: f64,
    /// Radionuclide Positron Fraction, when the nuclide emits positrons.
    pub positron_fraction: Option<f64>,
}

impl Radionuclide {
    /// Y-90: SCT 14691008, half-life 64.1 h = 230 760 s, positron fraction 31.86 × 10⁻⁶
    /// (Selwyn et al., Med Phys 2007;34:3919).
    pub fn y90() -> Self {
        Self {
            code: Code::new("14691008", "SCT", "^90^Yttrium"),
            half_life_s: 230_760.0,
            positron_fraction: Some(31.86e-6),
        }
    }

    /// Tc-99m: SCT 72454006, half-life 6.015 h = 21 654 s (ICRP-107, as sirt-nuclides).
    pub fn tc99m() -> Self {
        Self {
            code: Code::new("72454006", "SCT", "^99m^Technetium"),
            half_life_s: 6.015 * 3600.0,
            positron_fraction: None,
        }
    }
}

/// A radiopharmaceutical administration (Radiopharmaceutical Information Sequence item).
#[derive(Debug, Clone, PartialEq)]
pub struct Radiopharmaceutical {
    /// The nuclide.
    pub nuclide: Radionuclide,
    /// Radiopharmaceutical (free text), e.g. `Y-90 microspheres`.
    pub name: String,
    /// Radiopharmaceutical Code Sequence item, when coded.
    pub code: Option<Code>,
    /// Radiopharmaceutical Start DateTime: the administration.
    pub administration: CivilDateTime,
    /// Radionuclide Total Dose: the activity administered, Bq.
    pub total_dose_bq: f64,
}

impl Radiopharmaceutical {
    /// Y-90 microspheres (SCT 764678003).
    pub fn y90_microspheres(administration: CivilDateTime, total_dose_bq: f64) -> Self {
        Self {
            nuclide: Radionuclide::y90(),
            name: "Y-90 microspheres".into(),
            code: Some(Code::new("764678003", "SCT", "Yttrium^90^ microspheres")),
            administration,
            total_dose_bq,
        }
    }

    /// Tc-99m macroaggregated albumin (SCT 85693008, "Technetium Tc^99m^ aggregated albumin").
    pub fn tc99m_maa(administration: CivilDateTime, total_dose_bq: f64) -> Self {
        Self {
            nuclide: Radionuclide::tc99m(),
            name: "Tc-99m MAA".into(),
            code: Some(Code::new(
                "85693008",
                "SCT",
                "Technetium Tc^99m^ aggregated albumin",
            )),
            administration,
            total_dose_bq,
        }
    }

    /// The sequence item; the total dose in Bq (PET) or MBq (NM, `mbq`).
    pub(crate) fn item(&self, mbq: bool) -> Obj {
        let mut r = Obj::new();
        r.seq(
            tags::RADIONUCLIDE_CODE_SEQUENCE,
            vec![self.nuclide.code.item()],
        );
        r.str(tags::RADIOPHARMACEUTICAL, VR::LO, &self.name);
        r.str(
            tags::RADIOPHARMACEUTICAL_START_TIME,
            VR::TM,
            &self.administration.time(),
        );
        r.str(
            tags::RADIOPHARMACEUTICAL_START_DATE_TIME,
            VR::DT,
            &self.administration.datetime(),
        );
        let dose = if mbq {
            self.total_dose_bq / 1e6
        } else {
            self.total_dose_bq
        };
        r.ds(tags::RADIONUCLIDE_TOTAL_DOSE, &[dose]);
        r.ds(tags::RADIONUCLIDE_HALF_LIFE, &[self.nuclide.half_life_s]);
        if let Some(f) = self.nuclide.positron_fraction {
            r.ds(tags::RADIONUCLIDE_POSITRON_FRACTION, &[f]);
        }
        if let Some(c) = &self.code {
            r.seq(tags::RADIOPHARMACEUTICAL_CODE_SEQUENCE, vec![c.item()]);
        }
        r
    }

    pub(crate) fn check(&self, object: &str) -> Result<(), WriteError> {
        let dose_ok = self.total_dose_bq.is_finite() && self.total_dose_bq >= 0.0;
        let half_life_ok = self.nuclide.half_life_s.is_finite() && self.nuclide.half_life_s > 0.0;
        if !(dose_ok && half_life_ok) {
            return Err(WriteError::InvalidInput {
                object: object.to_string(),
                what: format!(
                    "radiopharmaceutical \"{}\": total dose {} Bq and half-life {} s must be \
                     finite, the dose non-negative and the half-life positive",
                    self.name, self.total_dose_bq, self.nuclide.half_life_s
                ),
            });
        }
        Ok(())
    }
}

/// What the PET values are decay corrected to (Decay Correction, 0054,1102).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecayCorrection {
    /// Not decay corrected (`NONE`).
    None,
    /// To the start of the acquisition, the series date and time (`START`).
    Start,
    /// To the administration, the Radiopharmaceutical Start DateTime (`ADMIN`).
    Admin,
}

/// PET acquisition facts.
#[derive(Debug, Clone, PartialEq)]
pub struct PetInfo {
    /// What was administered, when and how much.
    pub radiopharmaceutical: Radiopharmaceutical,
    /// Duration of the (single, static) frame, s.
    pub frame_duration_s: f64,
    /// What the values are decay corrected to.
    pub decay_correction: DecayCorrection,
}

/// Pixel sample formats of the single-frame writers.
fn le_i16(values: &[i16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Rescale of a CT series: slope 1 and intercept 0 (whole HU) when the values fit int16, else a
/// slope and intercept spanning their range.
fn ct_rescale(min: f64, max: f64) -> (f64, f64) {
    if min >= -32768.0 && max <= 32767.0 {
        (1.0, 0.0)
    } else {
        let intercept = ds_value(((max + min) / 2.0).round());
        let half = (max - intercept).max(intercept - min);
        (ds_value(half / 32767.0 * (1.0 + 1e-6)), intercept)
    }
}

/// Writes a CT image series from an image in HU: signed 16-bit pixels with Rescale Slope and
/// Intercept (slope 1, intercept 0 — whole HU — when the values fit), one file per slice,
/// Frame of Reference UID from the grid's frame (see [`frame_uid`]).
///
/// Modules: Patient, General Study, Patient Study, General Series, Frame of Reference, General
/// Equipment, General Image, Image Plane, Image Pixel, CT Image, SOP Common.
pub fn write_ct_series(
    image: &Image<f32>,
    study: &StudyInfo,
    series: &SeriesInfo,
) -> Result<WrittenSeries, WriteError> {
    let object = series.name("CT");
    let grid = image.grid();
    check_image(&object, grid, image.data())?;
    let (min, max) = image
        .data()
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(f64::from(v)), hi.max(f64::from(v)))
        });
    let (slope, intercept) = ct_rescale(min, max);
    let frame = frame_uid(&grid.frame);
    let [nx, ny, nz] = grid.dims;
    let mut objects = Vec::with_capacity(nz);
    let mut uids = Vec::with_capacity(nz);
    for k in 0..nz {
        let sop_instance_uid = new_uid();
        let h = Header {
            study,
            series,
            modality: "CT",
            sop_class_uid: uids::CT_IMAGE_STORAGE,
            sop_instance_uid: &sop_instance_uid,
            instance_number: k as u32 + 1,
            series_module: SeriesModule::General,
            frame_of_reference_uid: Some(&frame),
        };
        let mut o = checked_base(&object, &h)?;
        o.str(tags::PATIENT_POSITION, VR::CS, &series.patient_position);
        // General Image / CT Image.
        o.strs(tags::IMAGE_TYPE, VR::CS, &["DERIVED", "SECONDARY", "AXIAL"]);
        // Image Laterality U (unpaired): the abdomen (General Series Laterality then absent).
        o.str(tags::IMAGE_LATERALITY, VR::CS, "U");
        content_date_time(&mut o, series);
        acquisition_date_time(&mut o, series);
        o.empty(tags::ACQUISITION_NUMBER, VR::IS);
        o.empty(tags::KVP, VR::DS);
        slice_plane(&mut o, grid, k);
        // Image Pixel.
        pixel_module(&mut o, ny, nx, 16, true);
        o.ds(tags::RESCALE_INTERCEPT, &[intercept]);
        o.ds(tags::RESCALE_SLOPE, &[slope]);
        o.str(tags::RESCALE_TYPE, VR::LO, "HU");
        let slice = &image.data()[k * nx * ny..(k + 1) * nx * ny];
        let stored: Vec<i16> = slice
            .iter()
            .map(|&v| {
                ((f64::from(v) - intercept) / slope)
                    .round()
                    .clamp(-32768.0, 32767.0) as i16
            })
            .collect();
        o.ds(tags::WINDOW_CENTER, &[40.0]);
        o.ds(tags::WINDOW_WIDTH, &[400.0]);
        o.bytes(tags::PIXEL_DATA, VR::OW, le_i16(&stored));
        let written = encode(
            o,
            &format!("{object}, slice {}", k + 1),
            format!("CT{:04}.dcm", k + 1),
            uids::CT_IMAGE_STORAGE,
            &sop_instance_uid,
        )?;
        uids.push(sop_instance_uid);
        objects.push(written);
    }
    Ok(WrittenSeries {
        reference: series_reference(grid, frame, study, series, uids::CT_IMAGE_STORAGE, uids),
        objects,
    })
}

/// Image Plane module of slice `k` with Slice Thickness and Slice Location (the position along
/// row × column cosines).
fn slice_plane(o: &mut Obj, grid: &Grid, k: usize) {
    let normal = cross(grid.direction[0], grid.direction[1]);
    let p = grid.patient_from_index(ContinuousIndex::of_voxel(0, 0, k));
    plane(o, grid, [p.x, p.y, p.z]);
    o.ds(tags::SLICE_THICKNESS, &[grid.spacing_mm[2]]);
    o.ds(
        tags::SLICE_LOCATION,
        &[p.x * normal[0] + p.y * normal[1] + p.z * normal[2]],
    );
}

/// The reference to a written single-frame series: its UIDs and its grid with the Frame of
/// Reference UID written.
fn series_reference(
    grid: &Grid,
    frame: String,
    study: &StudyInfo,
    series: &SeriesInfo,
    sop_class_uid: &str,
    sop_instance_uids: Vec<String>,
) -> SeriesRef {
    let mut ref_grid = grid.clone();
    ref_grid.frame = sirt_geometry::FrameOfReference(frame);
    SeriesRef {
        study_instance_uid: study.study_instance_uid.clone(),
        series_instance_uid: series.series_instance_uid.clone(),
        sop_class_uid: sop_class_uid.into(),
        sop_instance_uids,
        grid: ref_grid,
    }
}

/// Decay factor of a static frame corrected to its start: λT / (1 − e^{−λT}) (the average count
/// rate over the frame to the rate at its start), times e^{λΔt} when corrected to the
/// administration Δt before the start.
fn decay_factor(pet: &PetInfo, series: &SeriesInfo) -> f64 {
    let lambda = std::f64::consts::LN_2 / pet.radiopharmaceutical.nuclide.half_life_s;
    let lt = lambda * pet.frame_duration_s;
    let in_frame = if lt > 0.0 {
        lt / (1.0 - (-lt).exp())
    } else {
        1.0
    };
    match pet.decay_correction {
        DecayCorrection::None => 1.0,
        DecayCorrection::Start => in_frame,
        DecayCorrection::Admin => {
            let dt = series
                .date_time
                .seconds_since(pet.radiopharmaceutical.administration);
            in_frame * (lambda * dt).exp()
        }
    }
}

/// Writes a PET image series from an image in Bq/mL (Units BQML): signed 16-bit pixels with a
/// Rescale Slope per slice (intercept 0, as PET requires), one file per slice. The series date
/// and time is the start of the acquisition; the Radiopharmaceutical Information Sequence holds
/// the nuclide (code, half-life), the administration date and time and the total dose.
///
/// Modules: Patient, General Study, Patient Study, General Series, PET Series, PET Isotope,
/// NM/PET Patient Orientation, Frame of Reference, General Equipment, General Image, Image
/// Plane, Image Pixel, PET Image, SOP Common.
pub fn write_pet_series(
    image: &Image<f32>,
    study: &StudyInfo,
    series: &SeriesInfo,
    pet: &PetInfo,
) -> Result<WrittenSeries, WriteError> {
    let object = series.name("PET");
    let grid = image.grid();
    check_image(&object, grid, image.data())?;
    pet.radiopharmaceutical.check(&object)?;
    if !(pet.frame_duration_s.is_finite() && pet.frame_duration_s > 0.0) {
        return Err(WriteError::InvalidInput {
            object,
            what: format!("frame duration {} s must be positive", pet.frame_duration_s),
        });
    }
    let frame = frame_uid(&grid.frame);
    let [nx, ny, nz] = grid.dims;
    let decay_factor = decay_factor(pet, series);
    let mut objects = Vec::with_capacity(nz);
    let mut uids = Vec::with_capacity(nz);
    for k in 0..nz {
        let sop_instance_uid = new_uid();
        let h = Header {
            study,
            series,
            modality: "PT",
            sop_class_uid: uids::POSITRON_EMISSION_TOMOGRAPHY_IMAGE_STORAGE,
            sop_instance_uid: &sop_instance_uid,
            instance_number: k as u32 + 1,
            series_module: SeriesModule::General,
            frame_of_reference_uid: Some(&frame),
        };
        let mut o = checked_base(&object, &h)?;
        pet_series_and_isotope(&mut o, nz, pet);
        // NM/PET Patient Orientation (instead of Patient Position).
        patient_orientation(&mut o, &series.patient_position);
        pet_image(&mut o, series, pet, k, decay_factor);
        slice_plane(&mut o, grid, k);
        // Image Pixel with a slope per slice.
        pixel_module(&mut o, ny, nx, 16, true);
        let (slope, stored) = pet_stored_values(&image.data()[k * nx * ny..(k + 1) * nx * ny]);
        o.ds(tags::RESCALE_INTERCEPT, &[0.0]);
        o.ds(tags::RESCALE_SLOPE, &[slope]);
        o.bytes(tags::PIXEL_DATA, VR::OW, le_i16(&stored));
        let written = encode(
            o,
            &format!("{object}, slice {}", k + 1),
            format!("PT{:04}.dcm", k + 1),
            uids::POSITRON_EMISSION_TOMOGRAPHY_IMAGE_STORAGE,
            &sop_instance_uid,
        )?;
        uids.push(sop_instance_uid);
        objects.push(written);
    }
    Ok(WrittenSeries {
        reference: series_reference(
            grid,
            frame,
            study,
            series,
            uids::POSITRON_EMISSION_TOMOGRAPHY_IMAGE_STORAGE,
            uids,
        ),
        objects,
    })
}

/// PET Series and PET Isotope modules of a static BQML series of `nz` slices.
fn pet_series_and_isotope(o: &mut Obj, nz: usize, pet: &PetInfo) {
    let (decay_correction, corrections): (&str, &[&str]) = match pet.decay_correction {
        DecayCorrection::None => ("NONE", &[]),
        DecayCorrection::Start => ("START", &["DECY"]),
        DecayCorrection::Admin => ("ADMIN", &["DECY"]),
    };
    // PET Series.
    o.str(tags::UNITS, VR::CS, "BQML");
    o.str(tags::COUNTS_SOURCE, VR::CS, "EMISSION");
    o.strs(tags::SERIES_TYPE, VR::CS, &["STATIC", "IMAGE"]);
    o.us(tags::NUMBER_OF_SLICES, &[nz as u16]);
    o.strs(tags::CORRECTED_IMAGE, VR::CS, corrections);
    o.str(tags::DECAY_CORRECTION, VR::CS, decay_correction);
    o.str(tags::COLLIMATOR_TYPE, VR::CS, "NONE");
    // PET Isotope.
    o.seq(
        tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
        vec![pet.radiopharmaceutical.item(false).0],
    );
}

/// General Image and PET Image modules of slice `k`.
fn pet_image(o: &mut Obj, series: &SeriesInfo, pet: &PetInfo, k: usize, decay_factor: f64) {
    o.strs(tags::IMAGE_TYPE, VR::CS, &["ORIGINAL", "PRIMARY"]);
    // Image Laterality U (unpaired): the abdomen (General Series Laterality then absent).
    o.str(tags::IMAGE_LATERALITY, VR::CS, "U");
    content_date_time(o, series);
    acquisition_date_time(o, series);
    o.ds(tags::FRAME_REFERENCE_TIME, &[0.0]);
    o.us(tags::IMAGE_INDEX, &[k as u16 + 1]);
    o.is(
        tags::ACTUAL_FRAME_DURATION,
        (pet.frame_duration_s * 1000.0).round() as i64,
    );
    if pet.decay_correction != DecayCorrection::None {
        o.ds(tags::DECAY_FACTOR, &[decay_factor]);
    }
}

/// The Rescale Slope of a PET slice (its peak magnitude over 32767, as read back; 1 for an
/// empty slice) and its stored values.
fn pet_stored_values(slice: &[f32]) -> (f64, Vec<i16>) {
    let peak = slice
        .iter()
        .fold(0.0_f64, |m, &v| m.max(f64::from(v).abs()));
    let slope = if peak > 0.0 {
        ds_value(peak / 32767.0 * (1.0 + 1e-6))
    } else {
        1.0
    };
    let stored = slice
        .iter()
        .map(|&v| (f64::from(v) / slope).round().clamp(-32767.0, 32767.0) as i16)
        .collect();
    (slope, stored)
}

//! NM multi-frame reconstructed tomography (SPECT), one file.
//!
//! Image Type ORIGINAL\PRIMARY\RECON TOMO\EMISSION; frame n is slice n + 1 (Frame Increment
//! Pointer → Slice Vector); the Detector Information Sequence holds Image Orientation (Patient)
//! and Image Position (Patient) of the first frame, frames follow each other by Spacing Between
//! Slices along row × column cosines (a left-handed grid is stored with k reversed so that this
//! holds). Counts that are whole numbers in 0 … 65535 are stored as they are; other values get
//! a Rescale Slope and Intercept.

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use sirt_geometry::{ContinuousIndex, Grid, Image};

use super::WriteError;
use super::common::{
    Header, Obj, SeriesInfo, SeriesModule, StudyInfo, WrittenObject, acquisition_date_time,
    check_image, checked_base, content_date_time, ds_value, encode, frame_uid, image_orientation,
    k_along_normal, new_uid, patient_orientation, pixel_module,
};
use super::image::Radiopharmaceutical;

/// An energy window (Energy Window Information Sequence item).
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyWindow {
    /// Energy Window Name.
    pub name: String,
    /// Lower limit, keV.
    pub lower_kev: f64,
    /// Upper limit, keV.
    pub upper_kev: f64,
}

impl EnergyWindow {
    /// The Tc-99m photopeak window, 140 keV ± 10 % (126–154 keV).
    pub fn tc99m_photopeak() -> Self {
        Self {
            name: "Tc99m 140keV".into(),
            lower_kev: 126.0,
            upper_kev: 154.0,
        }
    }
}

/// SPECT acquisition facts.
#[derive(Debug, Clone, PartialEq)]
pub struct NmInfo {
    /// What was administered, when and how much.
    pub radiopharmaceutical: Radiopharmaceutical,
    /// The (photopeak) energy window.
    pub energy_window: EnergyWindow,
    /// Acquisition duration, s (all projections).
    pub acquisition_duration_s: f64,
    /// Projections over the (single, 360°, step-and-shoot) rotation, e.g. 120 (3° steps); each
    /// lasts duration / projections (Rotation Information Sequence).
    pub projections: u32,
}

/// Writes a reconstructed SPECT (counts, or any non-negative quantity) as one NM Image
/// multi-frame object.
///
/// Modules: Patient, General Study, Patient Study, General Series, NM/PET Patient Orientation,
/// Frame of Reference, General Equipment, General Acquisition, General Image, Image Pixel, NM
/// Image Pixel, Multi-frame, NM Multi-frame, NM Image, NM Isotope, NM Detector, NM TOMO
/// Acquisition, NM Reconstruction, SOP Common.
pub fn write_nm_tomo(
    image: &Image<f32>,
    study: &StudyInfo,
    series: &SeriesInfo,
    nm: &NmInfo,
) -> Result<WrittenObject, WriteError> {
    let object = series.name("NM");
    let grid = image.grid();
    let data = image.data();
    check_image(&object, grid, data)?;
    check_nm_info(&object, grid, nm)?;
    let [nx, ny, nz] = grid.dims;
    let stored = StoredCounts::of(data);

    let frame = frame_uid(&grid.frame);
    let sop_instance_uid = new_uid();
    let h = Header {
        study,
        series,
        modality: "NM",
        sop_class_uid: uids::NUCLEAR_MEDICINE_IMAGE_STORAGE,
        sop_instance_uid: &sop_instance_uid,
        instance_number: 1,
        series_module: SeriesModule::General,
        frame_of_reference_uid: Some(&frame),
    };
    let mut o = checked_base(&object, &h)?;
    // NM/PET Patient Orientation.
    patient_orientation(&mut o, &series.patient_position);
    nm_image(&mut o, series, data, &stored);
    // Image Pixel / NM Image Pixel.
    pixel_module(&mut o, ny, nx, 16, false);
    o.ds(
        tags::PIXEL_SPACING,
        &[grid.spacing_mm[1], grid.spacing_mm[0]],
    );
    if !stored.whole {
        o.ds(tags::RESCALE_INTERCEPT, &[stored.intercept]);
        o.ds(tags::RESCALE_SLOPE, &[stored.slope]);
    }
    nm_multi_frame(&mut o, nz);
    nm_isotope(&mut o, nm);
    nm_detector(&mut o, grid);
    nm_tomo_acquisition(&mut o, nm);
    // NM Reconstruction.
    o.ds(tags::SPACING_BETWEEN_SLICES, &[grid.spacing_mm[2]]);
    o.ds(tags::SLICE_THICKNESS, &[grid.spacing_mm[2]]);
    o.bytes(tags::PIXEL_DATA, VR::OW, stored.pixel_data(grid, data));
    encode(
        o,
        &object,
        "NM0001.dcm".into(),
        uids::NUCLEAR_MEDICINE_IMAGE_STORAGE,
        &sop_instance_uid,
    )
}

/// Refuses a non-positive duration, 0 or more than 65535 projections, an energy window whose
/// lower limit is not below its upper one and more than 65535 slices.
fn check_nm_info(object: &str, grid: &Grid, nm: &NmInfo) -> Result<(), WriteError> {
    nm.radiopharmaceutical.check(object)?;
    let bad = |what: String| WriteError::InvalidInput {
        object: object.to_string(),
        what,
    };
    if !(nm.acquisition_duration_s.is_finite() && nm.acquisition_duration_s > 0.0) {
        return Err(bad(format!(
            "acquisition duration {} s must be positive",
            nm.acquisition_duration_s
        )));
    }
    if nm.projections == 0 || nm.projections > 65535 {
        return Err(bad(format!(
            "{} projections: between 1 and 65535",
            nm.projections
        )));
    }
    let w = &nm.energy_window;
    if !(w.lower_kev.is_finite() && w.upper_kev.is_finite() && 0.0 <= w.lower_kev)
        || w.lower_kev >= w.upper_kev
    {
        return Err(bad(format!(
            "energy window {}–{} keV: the lower limit must be below the upper",
            w.lower_kev, w.upper_kev
        )));
    }
    let nz = grid.dims[2];
    if nz > 65535 {
        return Err(bad(format!("{nz} slices: at most 65535")));
    }
    Ok(())
}

/// How the values are stored as unsigned 16-bit pixels.
struct StoredCounts {
    /// Whether every value is a whole number in 0 … 65535 (stored as it is).
    whole: bool,
    /// Rescale Slope (1 when whole).
    slope: f64,
    /// Rescale Intercept (0 when whole).
    intercept: f64,
}

impl StoredCounts {
    /// Whole counts as they are; other values with a slope spanning their range over 0 … 65535
    /// and an intercept at the minimum when negative.
    fn of(data: &[f32]) -> Self {
        let (min, max) = data
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(f64::from(v)), hi.max(f64::from(v)))
            });
        let whole = min >= 0.0 && max <= 65535.0 && data.iter().all(|v| v.fract() == 0.0);
        let (slope, intercept) = if whole {
            (1.0, 0.0)
        } else {
            let intercept = if min < 0.0 { ds_value(min) } else { 0.0 };
            let span = (max - intercept).max(f64::MIN_POSITIVE);
            (ds_value(span / 65535.0 * (1.0 + 1e-6)), intercept)
        };
        Self {
            whole,
            slope,
            intercept,
        }
    }

    /// Pixel Data, frames in slice-vector order (k reversed when k runs against the normal).
    fn pixel_data(&self, grid: &Grid, data: &[f32]) -> Vec<u8> {
        let [nx, ny, nz] = grid.dims;
        let forward = k_along_normal(grid);
        let mut bytes = Vec::with_capacity(data.len() * 2);
        for n in 0..nz {
            let k = if forward { n } else { nz - 1 - n };
            for &v in &data[k * nx * ny..(k + 1) * nx * ny] {
                let s = ((f64::from(v) - self.intercept) / self.slope)
                    .round()
                    .clamp(0.0, 65535.0) as u16;
                bytes.extend_from_slice(&s.to_le_bytes());
            }
        }
        bytes
    }
}

/// General Image and NM Image modules, with the counts accumulated when whole and within IS.
fn nm_image(o: &mut Obj, series: &SeriesInfo, data: &[f32], stored: &StoredCounts) {
    o.strs(
        tags::IMAGE_TYPE,
        VR::CS,
        &["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"],
    );
    // Image Laterality U (unpaired): the abdomen (General Series Laterality then absent).
    o.str(tags::IMAGE_LATERALITY, VR::CS, "U");
    content_date_time(o, series);
    acquisition_date_time(o, series);
    let total: f64 = data.iter().map(|&v| f64::from(v)).sum();
    if stored.whole && total <= f64::from(i32::MAX) {
        o.is(tags::COUNTS_ACCUMULATED, total as i64);
    } else {
        o.empty(tags::COUNTS_ACCUMULATED, VR::IS);
    }
}

/// Multi-frame and NM Multi-frame modules: frame n is slice n + 1 of one rotation.
fn nm_multi_frame(o: &mut Obj, nz: usize) {
    o.is(tags::NUMBER_OF_FRAMES, nz as i64);
    o.at(tags::FRAME_INCREMENT_POINTER, &[tags::SLICE_VECTOR]);
    o.us(tags::NUMBER_OF_ENERGY_WINDOWS, &[1]);
    o.us(tags::NUMBER_OF_DETECTORS, &[1]);
    let slice_vector: Vec<u16> = (1..=nz as u16).collect();
    o.us(tags::SLICE_VECTOR, &slice_vector);
    o.us(tags::NUMBER_OF_SLICES, &[nz as u16]);
    o.us(tags::NUMBER_OF_ROTATIONS, &[1]);
}

/// NM Isotope module: the energy window and the radiopharmaceutical.
fn nm_isotope(o: &mut Obj, nm: &NmInfo) {
    let w = &nm.energy_window;
    let mut ew = Obj::new();
    let mut range = Obj::new();
    range.ds(tags::ENERGY_WINDOW_LOWER_LIMIT, &[w.lower_kev]);
    range.ds(tags::ENERGY_WINDOW_UPPER_LIMIT, &[w.upper_kev]);
    ew.seq(tags::ENERGY_WINDOW_RANGE_SEQUENCE, vec![range.0]);
    ew.str(tags::ENERGY_WINDOW_NAME, VR::SH, &w.name);
    o.seq(tags::ENERGY_WINDOW_INFORMATION_SEQUENCE, vec![ew.0]);
    o.seq(
        tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
        vec![nm.radiopharmaceutical.item(true).0],
    );
}

/// NM Detector module: the geometry of the reconstructed slices (orientation and the position
/// of the first frame).
fn nm_detector(o: &mut Obj, grid: &Grid) {
    let nz = grid.dims[2];
    let first_k = if k_along_normal(grid) { 0 } else { nz - 1 };
    let p = grid.patient_from_index(ContinuousIndex::of_voxel(0, 0, first_k));
    let mut det = Obj::new();
    det.str(tags::COLLIMATOR_TYPE, VR::CS, "PARA");
    det.empty(tags::FOCAL_DISTANCE, VR::IS);
    det.empty(tags::X_FOCUS_CENTER, VR::DS);
    det.empty(tags::Y_FOCUS_CENTER, VR::DS);
    image_orientation(&mut det, grid);
    det.ds(tags::IMAGE_POSITION_PATIENT, &[p.x, p.y, p.z]);
    o.seq(tags::DETECTOR_INFORMATION_SEQUENCE, vec![det.0]);
}

/// NM TOMO Acquisition module: one 360° step-and-shoot rotation of `projections` steps.
fn nm_tomo_acquisition(o: &mut Obj, nm: &NmInfo) {
    let mut rot = Obj::new();
    rot.ds(tags::START_ANGLE, &[0.0]);
    rot.ds(tags::ANGULAR_STEP, &[360.0 / f64::from(nm.projections)]);
    rot.str(tags::ROTATION_DIRECTION, VR::CS, "CW");
    rot.ds(tags::SCAN_ARC, &[360.0]);
    rot.is(
        tags::ACTUAL_FRAME_DURATION,
        (nm.acquisition_duration_s * 1000.0 / f64::from(nm.projections)).round() as i64,
    );
    rot.us(tags::NUMBER_OF_FRAMES_IN_ROTATION, &[nm.projections as u16]);
    o.seq(tags::ROTATION_INFORMATION_SEQUENCE, vec![rot.0]);
    o.str(tags::TYPE_OF_DETECTOR_MOTION, VR::CS, "STEP AND SHOOT");
}

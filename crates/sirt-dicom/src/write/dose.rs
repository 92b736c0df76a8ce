//! RT Dose from a dose image in Gy.
//!
//! One multi-frame object: unsigned 32-bit (or 16-bit) stored values × Dose Grid Scaling = Gy;
//! Image Position (Patient) of the first frame, Grid Frame Offset Vector relative to it (first
//! value 0, type a of PS3.3 C.8.8.3.2), frames along row × column cosines (a left-handed grid is
//! stored with k reversed so that offsets increase).

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use sirt_geometry::{ContinuousIndex, Image};

use super::WriteError;
use super::common::{
    Header, SeriesInfo, SeriesModule, StudyInfo, WrittenObject, check_image, checked_base,
    content_date_time, ds_value, encode, frame_uid, k_along_normal, new_uid, pixel_module, plane,
    sop_ref,
};

/// Bits of the stored dose values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoseBits {
    /// 32-bit unsigned: a precision of max / 4 294 967 295.
    U32,
    /// 16-bit unsigned: a precision of max / 65 535 (for viewers and validators that do not
    /// take 32-bit pixels).
    U16,
}

/// RT Dose facts.
#[derive(Debug, Clone, PartialEq)]
pub struct RtDoseInfo {
    /// Stored bits.
    pub bits: DoseBits,
    /// Dose Summation Type (3004,000A), e.g. `PLAN` (the dose of a whole SIRT session).
    pub summation_type: String,
    /// The RT Plan (SOP Class UID, SOP Instance UID) the dose belongs to. `None`: the writer
    /// references a new RT Plan SOP Instance UID that stands for the sirtplan plan (no RT Plan
    /// object is written), because every Dose Summation Type requires a Referenced RT Plan
    /// Sequence (or, for `RECORD`, a Referenced Treatment Record Sequence) and dciodvfy reports
    /// its absence as an error.
    pub referenced_rt_plan: Option<(String, String)>,
    /// Dose Comment, e.g. `Y-90 LDM, K = 49.67 Gy·kg/GBq`.
    pub comment: Option<String>,
}

impl RtDoseInfo {
    /// 32-bit dose, Dose Summation Type `PLAN`, no RT Plan object (see
    /// [`RtDoseInfo::referenced_rt_plan`]).
    pub fn without_plan(comment: &str) -> Self {
        Self {
            bits: DoseBits::U32,
            summation_type: NO_PLAN_SUMMATION.into(),
            referenced_rt_plan: None,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
        }
    }
}

/// The Dose Summation Type of [`RtDoseInfo::without_plan`].
pub const NO_PLAN_SUMMATION: &str = "PLAN";
/// RT Plan Storage.
const RT_PLAN_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.481.5";

/// Writes a dose image (Gy, non-negative) as an RT Dose (Dose Units GY, Dose Type PHYSICAL).
///
/// Modules: Patient, General Study, Patient Study, RT Series, Frame of Reference, General
/// Equipment, General Image, Image Plane, Image Pixel, Multi-frame, RT Dose, SOP Common.
pub fn write_rt_dose(
    dose: &Image<f32>,
    study: &StudyInfo,
    series: &SeriesInfo,
    info: &RtDoseInfo,
) -> Result<WrittenObject, WriteError> {
    let object = series.name("RT Dose");
    if info.summation_type.trim().is_empty() {
        return Err(WriteError::InvalidInput {
            object,
            what: "Dose Summation Type is empty".into(),
        });
    }
    let grid = dose.grid();
    let data = dose.data();
    check_image(&object, grid, data)?;
    if let Some(o) = data.iter().position(|&v| v < 0.0) {
        return Err(WriteError::InvalidInput {
            object,
            what: format!(
                "voxel {:?} is {} Gy: RT Dose values are unsigned (clamp negative doses first)",
                grid.index_of_offset(o),
                data[o]
            ),
        });
    }
    let [nx, ny, nz] = grid.dims;
    let max = data.iter().fold(0.0_f64, |m, &v| m.max(f64::from(v)));
    let full = match info.bits {
        DoseBits::U32 => f64::from(u32::MAX),
        DoseBits::U16 => f64::from(u16::MAX),
    };
    let scaling = if max > 0.0 {
        ds_value(max / full * (1.0 + 1e-6))
    } else {
        1.0
    };
    let frame = frame_uid(&grid.frame);
    let sop_instance_uid = new_uid();
    let h = Header {
        study,
        series,
        modality: "RTDOSE",
        sop_class_uid: uids::RT_DOSE_STORAGE,
        sop_instance_uid: &sop_instance_uid,
        instance_number: 1,
        series_module: SeriesModule::Rt,
        frame_of_reference_uid: Some(&frame),
    };
    let mut o = checked_base(&object, &h)?;
    // General Image.
    content_date_time(&mut o, series);
    // Image Plane (first frame) and Multi-frame.
    let forward = k_along_normal(grid);
    let first_k = if forward { 0 } else { nz - 1 };
    let p = grid.patient_from_index(ContinuousIndex::of_voxel(0, 0, first_k));
    plane(&mut o, grid, [p.x, p.y, p.z]);
    o.ds(tags::SLICE_THICKNESS, &[grid.spacing_mm[2]]);
    o.is(tags::NUMBER_OF_FRAMES, nz as i64);
    o.at(
        tags::FRAME_INCREMENT_POINTER,
        &[tags::GRID_FRAME_OFFSET_VECTOR],
    );
    // Image Pixel / RT Dose.
    let bits: u16 = match info.bits {
        DoseBits::U32 => 32,
        DoseBits::U16 => 16,
    };
    pixel_module(&mut o, ny, nx, bits, false);
    o.str(tags::DOSE_UNITS, VR::CS, "GY");
    o.str(tags::DOSE_TYPE, VR::CS, "PHYSICAL");
    o.opt_str(tags::DOSE_COMMENT, VR::LO, info.comment.as_deref());
    o.str(tags::DOSE_SUMMATION_TYPE, VR::CS, &info.summation_type);
    let plan = match &info.referenced_rt_plan {
        Some((class, instance)) => sop_ref(class, instance),
        None => sop_ref(RT_PLAN_STORAGE, &new_uid()),
    };
    o.seq(tags::REFERENCED_RT_PLAN_SEQUENCE, vec![plan]);
    let offsets: Vec<f64> = (0..nz).map(|n| n as f64 * grid.spacing_mm[2]).collect();
    o.ds(tags::GRID_FRAME_OFFSET_VECTOR, &offsets);
    o.ds(tags::DOSE_GRID_SCALING, &[scaling]);
    let mut bytes = Vec::with_capacity(data.len() * usize::from(bits / 8));
    for n in 0..nz {
        let k = if forward { n } else { nz - 1 - n };
        for &v in &data[k * nx * ny..(k + 1) * nx * ny] {
            let s = (f64::from(v) / scaling).round().clamp(0.0, full);
            match info.bits {
                DoseBits::U32 => bytes.extend_from_slice(&(s as u32).to_le_bytes()),
                DoseBits::U16 => bytes.extend_from_slice(&(s as u16).to_le_bytes()),
            }
        }
    }
    o.bytes(tags::PIXEL_DATA, VR::OW, bytes);
    encode(
        o,
        &object,
        "RTDOSE.dcm".into(),
        uids::RT_DOSE_STORAGE,
        &sop_instance_uid,
    )
}

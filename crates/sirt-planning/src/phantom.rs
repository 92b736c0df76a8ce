//! The digital phantom as files: what `sirtplan phantom` and `sirtplan demo` write and what the
//! web application's phantom import puts in the patient's folder.

use crate::PlanningError;
use crate::voxel::VoxelPlanError;
use sirt_phantom::{Phantom, Preset};

/// File name of the demo case written beside the phantom ([`crate::DEMO_PHANTOM_CASE`]).
pub const PHANTOM_CASE_NAME: &str = "demo-phantom-case.toml";

/// The phantom of `preset` and `seed` as (relative path, bytes): the CT, labels, segments, lobar
/// territories (`territories.nii.gz`: 1 right lobe, 2 left lobe), MAA
/// SPECT, Y-90 PET and the true activity maps as NIfTI, `truth.json`, and the CT, SPECT and PET
/// series, SEG and RT Structure Set as DICOM under `dicom/` (the paths the demo case uses).
/// Nothing is written. Every error is internal.
pub fn phantom_files(preset: Preset, seed: u64) -> Result<Vec<(String, Vec<u8>)>, PlanningError> {
    let p = sirt_phantom::generate(preset, seed)?;
    let mut files = nifti_files(&p)?;
    let truth = serde_json::to_vec_pretty(&p.truth).map_err(PlanningError::Json)?;
    files.push(("truth.json".to_owned(), truth));
    let dicom = crate::phantom_dicom::files(&p)
        .map_err(|e| PlanningError::Voxel(VoxelPlanError::DicomWrite(e)))?;
    files.extend(dicom);
    Ok(files)
}

/// The phantom's images as gzipped NIfTI.
fn nifti_files(p: &Phantom) -> Result<Vec<(String, Vec<u8>)>, PlanningError> {
    let image = |name: &str, img: &sirt_geometry::Image<f32>| {
        Ok::<_, PlanningError>((name.to_owned(), sirt_nifti::write(img, true)?))
    };
    let labels = |name: &str, img: &sirt_geometry::Image<u16>| {
        Ok::<_, PlanningError>((name.to_owned(), sirt_nifti::write_labels(img, true)?))
    };
    Ok(vec![
        image("ct.nii.gz", &p.ct)?,
        labels("labels.nii.gz", &p.labels)?,
        labels("segments.nii.gz", &p.segments)?,
        labels("territories.nii.gz", &p.lobar_territories())?,
        image("spect_maa_counts.nii.gz", &p.spect)?,
        image("pet_y90_bq_per_ml.nii.gz", &p.pet)?,
        image("true_maa_activity_mbq.nii.gz", &p.maa_activity)?,
        image("true_y90_activity_mbq.nii.gz", &p.y90_activity)?,
    ])
}

//! The image work of the planning pages, off the async threads: the structures of the picked
//! structures series with their volumes on the planning CT, and the measurement of a generated
//! case (`sirt_planning::measure`).

use crate::error::ApiError;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use sirt_planning::case_builder::{CaseBuildError, GENERATED_CASE_NAME, PlanRequest, build_case};
use sirt_planning::measure::{Measurement, measure_case};
use std::path::Path;

/// A structure of the structures series with its volume on the planning CT.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StructureInfo {
    /// ROI name (RT Struct) or segment label (SEG): what the case file names.
    pub name: String,
    /// `roi` or `segment`.
    pub kind: String,
    /// Volume on the planning CT's grid, mL.
    pub volume_ml: f64,
    /// RT ROI Interpreted Type (ORGAN, GTV, …), when stated.
    pub interpreted_type: Option<String>,
}

/// An unusable image, in the patient folder's words (the server's folders left out).
pub(crate) fn image_error(e: &dyn std::fmt::Display, base: &Path) -> ApiError {
    let folder = format!("{}/", base.display());
    let message = e
        .to_string()
        .replace(&folder, "")
        .replace(&base.display().to_string(), "the patient's image folder");
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "images",
        format!("the images picked: {message}"),
    )
}

/// The structures of `structures` (an RT Struct rasterised on the CT's grid, or a SEG's
/// segments on it) with their volumes; `ct` and `structures` relative to `base`.
pub(crate) fn structures(
    base: &Path,
    ct: &str,
    structures: &str,
) -> Result<Vec<StructureInfo>, ApiError> {
    let ct_image =
        sirt_imaging::load_ct(&base.join(ct), None).map_err(|e| image_error(&e, base))?;
    let grid = ct_image.grid();
    let file = base.join(structures);
    match sirt_dicom::read_rt_struct(&file) {
        Ok(rt) => rt
            .rois
            .iter()
            .map(|roi| {
                let mask = sirt_dicom::rasterize(roi, grid).map_err(|e| image_error(&e, base))?;
                Ok(StructureInfo {
                    name: roi.name.clone(),
                    kind: "roi".into(),
                    volume_ml: mask.volume_ml(),
                    interpreted_type: roi.interpreted_type.clone(),
                })
            })
            .collect(),
        Err(rt_error) => {
            let seg = sirt_dicom::read_seg(&file).map_err(|seg_error| {
                image_error(
                    &format!(
                        "{structures}: expected an RT Structure Set or a DICOM SEG, found neither (as RT Struct: {rt_error}; as SEG: {seg_error})"
                    ),
                    base,
                )
            })?;
            seg.segments
                .iter()
                .map(|s| {
                    let mask = seg
                        .mask(s.number, grid)
                        .map_err(|e| image_error(&e, base))?;
                    Ok(StructureInfo {
                        name: s.label.clone(),
                        kind: "segment".into(),
                        volume_ml: mask.volume_ml(),
                        interpreted_type: None,
                    })
                })
                .collect()
        }
    }
}

/// A case that could not be made from the request: 422 naming the field.
pub(crate) fn build_error(e: &CaseBuildError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_case",
        e.to_string(),
    )
}

/// The generated case (without the measured values) and its measurement.
pub(crate) fn measure(
    base: &Path,
    settings: &sirt_settings::SiteSettings,
    request: &PlanRequest,
) -> Result<(String, Measurement), ApiError> {
    let (text, _) = build_case(request).map_err(|e| build_error(&e))?;
    let m = measure_case(&text, GENERATED_CASE_NAME, base, settings).map_err(|e| {
        if e.is_input() {
            let mut a = image_error(&e, base);
            a.code = "measurement";
            a.message = a
                .message
                .replacen("the images picked: ", "measurement: ", 1);
            a
        } else {
            ApiError::internal()
        }
    })?;
    Ok((text, m))
}

//! `GET /api/cases/{id}/workbench/series/{series_id}/volume`: one image series of the case's
//! patient as a gzipped NIfTI-1 file in the series' own patient geometry (the NIfTI affine is
//! RAS, made from the series' LPS grid by `sirt_nifti`), for the planning pages' views
//! (NiiVue) of registration and structure editing. A CT of whole HU goes as int16 (half the
//! bytes, the same values), the rest as float32: SPECT in counts, PET in Bq/mL as
//! `sirt_imaging` reads them. Objects without a grid (RT Struct, SEG, REG) are refused.

use super::ApiResult;
use crate::error::ApiError;
use crate::{AppState, answers::SeriesView};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use std::path::Path;

/// Volumes read and encoded at once (design choice: a 512 × 512 × 300 CT holds about 300 MB
/// as float32 while it is encoded; two bound the memory of a small server).
static ENCODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// `{id}` (the case) and `{series_id}` of the path.
pub(crate) struct SeriesPath(i64, i64);

impl<S: Send + Sync> FromRequestParts<S> for SeriesPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<(i64, i64)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path((c, s))) => Ok(SeriesPath(c, s)),
            Err(_) => Err(ApiError::not_found("path: expected numeric ids")),
        }
    }
}

/// How a series' modality is read as a volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// CT or MR (`sirt_imaging::load_ct`).
    Ct,
    /// NM tomography (`sirt_imaging::load_spect`), counts.
    Spect,
    /// PET (`sirt_imaging::load_pet`), Bq/mL.
    Pet,
}

fn reading(s: &SeriesView) -> Result<Reading, ApiError> {
    match s.series.modality.as_str() {
        "CT" | "MR" => Ok(Reading::Ct),
        "NM" => Ok(Reading::Spect),
        "PT" => Ok(Reading::Pet),
        other => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_volume",
            format!(
                "series {}: expected an image volume (CT, MR, NM or PT), found a {other} object",
                s.series.id
            ),
        )),
    }
}

/// Reads the series and encodes it (blocking).
fn encode(base: &Path, path: &str, how: Reading) -> Result<Vec<u8>, ApiError> {
    let file = base.join(path);
    let shown = |e: &dyn std::fmt::Display| super::images::image_error(e, base);
    let image = match how {
        Reading::Ct => sirt_imaging::load_ct(&file, None).map_err(|e| shown(&e))?,
        Reading::Spect => sirt_imaging::load_spect(&file, None).map_err(|e| shown(&e))?,
        Reading::Pet => {
            sirt_imaging::load_pet(&file, None)
                .map_err(|e| shown(&e))?
                .image
        }
    };
    let written = if how == Reading::Ct {
        // A CT whose values are not all whole numbers in the int16 range goes as float32.
        sirt_nifti::write_int16(&image, true).or_else(|_| sirt_nifti::write(&image, true))
    } else {
        sirt_nifti::write(&image, true)
    };
    written.map_err(|e| shown(&e))
}

/// `GET /api/cases/{id}/workbench/series/{series_id}/volume`.
pub(crate) async fn get_series_volume(
    State(state): State<AppState>,
    SeriesPath(case_id, series_id): SeriesPath,
) -> ApiResult {
    let case = state.store.case(case_id).await?;
    let series = crate::uploads::studies_of_patient(&state, case.patient_id)
        .await?
        .into_iter()
        .flat_map(|s| s.series)
        .find(|s| s.series.id == series_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "series {series_id} not found among the series of case {case_id}'s patient"
            ))
        })?;
    let how = reading(&series)?;
    let base = state.patient_folder(case.patient_id);
    let _turn = ENCODING.acquire().await.map_err(|_| ApiError::internal())?;
    let path = series.path.clone();
    let bytes = tokio::task::spawn_blocking(move || encode(&base, &path, how))
        .await
        .map_err(|_| ApiError::internal())??;
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"series-{series_id}.nii.gz\""
    )) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

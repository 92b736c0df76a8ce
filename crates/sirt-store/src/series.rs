//! Uploaded studies with their image series: the study, its series and the audit row are
//! written in one transaction, around the caller's placing of the files.

use crate::audit::{Change, record};
use crate::clinical::study_from;
use crate::model::*;
use crate::{
    Store, StoreError, check_date, check_len, check_not_blank, check_opt_len, limits, now,
};
use sqlx::Row;
use sqlx::any::AnyRow;

const STUDY_COLUMNS: &str = "id, patient_id, modality, description, study_date, source, created_at";
const SERIES_COLUMNS: &str = "id, study_id, folder, format, modality, description, \
     study_instance_uid, series_instance_uid, series_number, frame_of_reference_uid, images, \
     dim_i, dim_j, dim_k, spacing_i_mm, spacing_j_mm, spacing_k_mm";

/// Formats a series may have.
const FORMATS: [&str; 2] = ["dicom", "nifti"];

fn series_from(r: &AnyRow) -> Result<StudySeries, StoreError> {
    let dims = match (
        r.try_get::<Option<i64>, _>("dim_i")?,
        r.try_get::<Option<i64>, _>("dim_j")?,
        r.try_get::<Option<i64>, _>("dim_k")?,
    ) {
        (Some(i), Some(j), Some(k)) => Some([i, j, k]),
        _ => None,
    };
    let spacing_mm = match (
        r.try_get::<Option<f64>, _>("spacing_i_mm")?,
        r.try_get::<Option<f64>, _>("spacing_j_mm")?,
        r.try_get::<Option<f64>, _>("spacing_k_mm")?,
    ) {
        (Some(i), Some(j), Some(k)) => Some([i, j, k]),
        _ => None,
    };
    Ok(StudySeries {
        id: r.try_get("id")?,
        study_id: r.try_get("study_id")?,
        folder: r.try_get("folder")?,
        format: r.try_get("format")?,
        modality: r.try_get("modality")?,
        description: r.try_get("description")?,
        study_instance_uid: r.try_get("study_instance_uid")?,
        series_instance_uid: r.try_get("series_instance_uid")?,
        series_number: r.try_get("series_number")?,
        frame_of_reference_uid: r.try_get("frame_of_reference_uid")?,
        images: r.try_get("images")?,
        dims,
        spacing_mm,
    })
}

fn validate_study(new: &NewStudy) -> Result<(), StoreError> {
    check_not_blank("modality", &new.modality)?;
    check_len("modality", &new.modality, limits::SHORT)?;
    check_opt_len("description", &new.description, limits::DESCRIPTION)?;
    check_opt_len("source", &new.source, limits::DESCRIPTION)?;
    if let Some(d) = &new.study_date {
        check_date("study_date", d)?;
    }
    Ok(())
}

fn validate_series(s: &NewSeries) -> Result<(), StoreError> {
    check_not_blank("series.folder", &s.folder)?;
    check_len("series.folder", &s.folder, limits::SHORT)?;
    if !FORMATS.contains(&s.format.as_str()) {
        return Err(StoreError::Invalid {
            field: "series.format",
            expected: "dicom or nifti".into(),
            found: format!("`{}`", s.format.chars().take(20).collect::<String>()),
        });
    }
    check_not_blank("series.modality", &s.modality)?;
    check_len("series.modality", &s.modality, limits::SHORT)?;
    check_opt_len("series.description", &s.description, limits::DESCRIPTION)?;
    check_opt_len(
        "series.study_instance_uid",
        &s.study_instance_uid,
        limits::SHORT,
    )?;
    check_opt_len(
        "series.series_instance_uid",
        &s.series_instance_uid,
        limits::SHORT,
    )?;
    check_opt_len(
        "series.frame_of_reference_uid",
        &s.frame_of_reference_uid,
        limits::SHORT,
    )?;
    if s.images < 0 {
        return Err(StoreError::Invalid {
            field: "series.images",
            expected: "a count of zero or more".into(),
            found: s.images.to_string(),
        });
    }
    Ok(())
}

/// A database error as the caller's error.
fn db<E: From<StoreError>>(e: sqlx::Error) -> E {
    E::from(StoreError::from(e))
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

impl Store {
    /// Records an uploaded study with its series. In one transaction: the study row, its series
    /// rows, then `place(study_id)` — the caller moves the files into place and returns where
    /// they are (the study's `source`) — then the audit row (`study.upload`, the study and its
    /// series as after), then the commit. An error of `place` rolls the rows back; an error
    /// after `place` succeeded (the audit row, the commit) is returned after the rollback, and
    /// the caller then removes the files it placed.
    pub async fn add_study_with_series<E, F>(
        &self,
        actor: &Actor,
        new: &NewStudy,
        series: &[NewSeries],
        place: F,
    ) -> Result<(Study, Vec<StudySeries>), E>
    where
        E: From<StoreError>,
        F: FnOnce(i64) -> Result<String, E>,
    {
        validate_study(new)?;
        for s in series {
            validate_series(s)?;
        }
        let at = now();
        let mut tx = self.write().await.map_err(E::from)?;
        self.patient_in(&mut tx, new.patient_id)
            .await
            .map_err(E::from)?;
        let row = sqlx::query(&format!(
            "INSERT INTO studies (patient_id, modality, description, study_date, source, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {STUDY_COLUMNS}"
        ))
        .bind(new.patient_id)
        .bind(&new.modality)
        .bind(&new.description)
        .bind(&new.study_date)
        .bind(&new.source)
        .bind(actor.user_id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(db::<E>)?;
        let mut study = study_from(&row)?;
        let mut stored = Vec::with_capacity(series.len());
        for s in series {
            let dims = s.dims.map(|d| d.map(Some)).unwrap_or([None; 3]);
            let spacing = s.spacing_mm.map(|d| d.map(Some)).unwrap_or([None; 3]);
            let row = sqlx::query(&format!(
                "INSERT INTO study_series (study_id, folder, format, modality, description, \
                 study_instance_uid, series_instance_uid, series_number, frame_of_reference_uid, \
                 images, dim_i, dim_j, dim_k, spacing_i_mm, spacing_j_mm, spacing_k_mm) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 RETURNING {SERIES_COLUMNS}"
            ))
            .bind(study.id)
            .bind(&s.folder)
            .bind(&s.format)
            .bind(&s.modality)
            .bind(&s.description)
            .bind(&s.study_instance_uid)
            .bind(&s.series_instance_uid)
            .bind(s.series_number)
            .bind(&s.frame_of_reference_uid)
            .bind(s.images)
            .bind(dims[0])
            .bind(dims[1])
            .bind(dims[2])
            .bind(spacing[0])
            .bind(spacing[1])
            .bind(spacing[2])
            .fetch_one(&mut *tx)
            .await
            .map_err(db::<E>)?;
            stored.push(series_from(&row)?);
        }
        let source = place(study.id)?;
        check_len("source", &source, limits::DESCRIPTION)?;
        sqlx::query("UPDATE studies SET source = $1 WHERE id = $2")
            .bind(&source)
            .bind(study.id)
            .execute(&mut *tx)
            .await
            .map_err(db::<E>)?;
        study.source = Some(source);
        let mut after = to_json(&study);
        if let serde_json::Value::Object(m) = &mut after {
            m.insert("series".into(), to_json(&stored));
        }
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "study.upload",
                entity: "study",
                entity_id: study.id.to_string(),
                before: None,
                after: Some(after),
                at: &at,
            },
        )
        .await?;
        tx.commit().await.map_err(db::<E>)?;
        Ok((study, stored))
    }

    /// A study.
    pub async fn study(&self, id: i64) -> Result<Study, StoreError> {
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies WHERE id = $1");
        study_from(&self.row_by_id(&sql, "study", id).await?)
    }

    /// The series of a study, by folder name.
    pub async fn study_series(&self, study_id: i64) -> Result<Vec<StudySeries>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SERIES_COLUMNS} FROM study_series WHERE study_id = $1 ORDER BY folder, id"
        ))
        .bind(study_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(series_from).collect()
    }

    /// The series of every study of a patient, by study then folder name.
    pub async fn series_of_patient(&self, patient_id: i64) -> Result<Vec<StudySeries>, StoreError> {
        let columns = SERIES_COLUMNS
            .split(", ")
            .map(|c| format!("s.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns} FROM study_series s JOIN studies t ON t.id = s.study_id \
             WHERE t.patient_id = $1 ORDER BY s.study_id, s.folder, s.id"
        ))
        .bind(patient_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(series_from).collect()
    }
}

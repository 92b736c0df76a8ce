//! Patients, studies, cases, follow-up visits, toxicities and documents.

use crate::audit::{Change, record};
use crate::audit_chain::AuditKey;
use crate::model::*;
use crate::{
    Store, StoreError, check_date, check_json_object, check_len, check_not_blank, check_opt_len,
    is_unique_violation, limits, now,
};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

const PATIENT_COLUMNS: &str = "id, mrn, name, birth_date, sex, pseudonym, created_at";
const CASE_COLUMNS: &str = "id, patient_id, title, indication, created_by, created_at, updated_by, updated_at, row_version";

fn patient_from(r: &AnyRow) -> Result<Patient, StoreError> {
    Ok(Patient {
        id: r.try_get("id")?,
        mrn: r.try_get("mrn")?,
        name: r.try_get("name")?,
        birth_date: r.try_get("birth_date")?,
        sex: r.try_get("sex")?,
        pseudonym: r.try_get("pseudonym")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) fn case_from(r: &AnyRow) -> Result<Case, StoreError> {
    Ok(Case {
        id: r.try_get("id")?,
        patient_id: r.try_get("patient_id")?,
        title: r.try_get("title")?,
        indication: r.try_get("indication")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
        row_version: r.try_get("row_version")?,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Sexes a patient record takes.
const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];

pub(crate) fn validate_patient(p: &NewPatient) -> Result<(), StoreError> {
    check_not_blank("mrn", &p.mrn)?;
    check_len("mrn", &p.mrn, limits::MRN)?;
    check_not_blank("name", &p.name)?;
    check_len("name", &p.name, limits::PERSON_NAME)?;
    if let Some(d) = &p.birth_date {
        check_date("birth_date", d)?;
    }
    if let Some(s) = &p.pseudonym {
        check_not_blank("pseudonym", s)?;
        check_len("pseudonym", s, limits::MRN)?;
    }
    if let Some(s) = &p.sex
        && !SEXES.contains(&s.as_str())
    {
        return Err(StoreError::Invalid {
            field: "sex",
            expected: "female, male, other or unknown".into(),
            found: format!("`{}`", s.chars().take(20).collect::<String>()),
        });
    }
    Ok(())
}

pub(crate) fn validate_case(c: &NewCase) -> Result<(), StoreError> {
    check_not_blank("title", &c.title)?;
    check_len("title", &c.title, limits::TITLE)?;
    check_not_blank("indication", &c.indication)?;
    check_len("indication", &c.indication, limits::SHORT)?;
    Ok(())
}

/// An identifier names one patient: a new MRN may not be another patient's pseudonym, a new
/// pseudonym not another patient's MRN (MRNs among themselves and pseudonyms among themselves
/// are unique indexes). `own` is the patient being changed. The error names what exists:
/// "patient with pseudonym `X` already exists" for a new MRN `X`.
async fn check_identifiers(
    tx: &mut Transaction<'static, Any>,
    mrn: Option<&str>,
    pseudonym: Option<&str>,
    own: Option<i64>,
) -> Result<(), StoreError> {
    let taken = |field, value: &str| StoreError::Duplicate {
        entity: "patient",
        field,
        value: value.to_owned(),
    };
    if let Some(m) = mrn {
        let row = sqlx::query("SELECT id FROM patients WHERE pseudonym = $1")
            .bind(m)
            .fetch_optional(&mut **tx)
            .await?;
        if row.is_some() {
            return Err(taken("pseudonym", m));
        }
    }
    if let Some(p) = pseudonym {
        let row = sqlx::query("SELECT id FROM patients WHERE mrn = $1")
            .bind(p)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(r) = row {
            let id: i64 = r.try_get("id")?;
            if Some(id) != own {
                return Err(taken("mrn", p));
            }
        }
    }
    Ok(())
}

pub(crate) async fn insert_patient(
    tx: &mut Transaction<'static, Any>,
    key: Option<&AuditKey>,
    actor: &Actor,
    p: &NewPatient,
    at: &str,
) -> Result<Patient, StoreError> {
    check_identifiers(tx, Some(&p.mrn), p.pseudonym.as_deref(), None).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO patients (mrn, name, birth_date, sex, created_by, created_at, updated_at, pseudonym) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING {PATIENT_COLUMNS}"
    ))
    .bind(&p.mrn)
    .bind(&p.name)
    .bind(&p.birth_date)
    .bind(&p.sex)
    .bind(actor.user_id)
    .bind(at)
    .bind(&p.pseudonym)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            // The index named in the database's message (`patients.pseudonym` on SQLite,
            // `patients_pseudonym` on PostgreSQL) tells which value is taken.
            let on_pseudonym = e.to_string().contains("pseudonym");
            StoreError::Duplicate {
                entity: "patient",
                field: if on_pseudonym { "pseudonym" } else { "mrn" },
                value: if on_pseudonym {
                    p.pseudonym.clone().unwrap_or_default()
                } else {
                    p.mrn.clone()
                },
            }
        } else {
            e.into()
        }
    })?;
    let patient = patient_from(&row)?;
    record(
        tx,
        key,
        actor,
        Change {
            action: "patient.create",
            entity: "patient",
            entity_id: patient.id.to_string(),
            before: None,
            after: Some(to_json(&patient)),
            at,
        },
    )
    .await?;
    Ok(patient)
}

pub(crate) async fn insert_case(
    tx: &mut Transaction<'static, Any>,
    key: Option<&AuditKey>,
    actor: &Actor,
    patient_id: i64,
    c: &NewCase,
    at: &str,
) -> Result<Case, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO cases (patient_id, title, indication, created_by, created_at, updated_by, updated_at, row_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $5, 1) RETURNING {CASE_COLUMNS}"
    ))
    .bind(patient_id)
    .bind(&c.title)
    .bind(&c.indication)
    .bind(actor.user_id)
    .bind(at)
    .bind(&actor.name)
    .fetch_one(&mut **tx)
    .await?;
    let case = case_from(&row)?;
    record(
        tx,
        key,
        actor,
        Change {
            action: "case.create",
            entity: "case",
            entity_id: case.id.to_string(),
            before: None,
            after: Some(to_json(&case)),
            at,
        },
    )
    .await?;
    Ok(case)
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Registers a patient (MRN unique).
    pub async fn create_patient(
        &self,
        actor: &Actor,
        new: &NewPatient,
    ) -> Result<Patient, StoreError> {
        validate_patient(new)?;
        let at = now();
        let mut tx = self.write().await?;
        let p = insert_patient(&mut tx, self.audit_key(), actor, new, &at).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Changes a patient's record (name, birth date, sex, pseudonym; the MRN never changes),
    /// with its audit row (`patient.update`, before and after).
    pub async fn update_patient(
        &self,
        actor: &Actor,
        id: i64,
        change: &PatientChange,
    ) -> Result<Patient, StoreError> {
        if change == &PatientChange::default() {
            return Err(StoreError::Invalid {
                field: "body",
                expected: "at least one of name, birth_date, sex, pseudonym".into(),
                found: "none".into(),
            });
        }
        let at = now();
        let mut tx = self.write().await?;
        let before = self.patient_in(&mut tx, id).await?;
        let pick = |c: &Option<Option<String>>, old: &Option<String>| match c {
            Some(v) => v.clone(),
            None => old.clone(),
        };
        let next = NewPatient {
            mrn: before.mrn.clone(),
            name: change.name.clone().unwrap_or_else(|| before.name.clone()),
            birth_date: pick(&change.birth_date, &before.birth_date),
            sex: pick(&change.sex, &before.sex),
            pseudonym: pick(&change.pseudonym, &before.pseudonym),
        };
        validate_patient(&next)?;
        if change.pseudonym.is_some() {
            check_identifiers(&mut tx, None, next.pseudonym.as_deref(), Some(id)).await?;
        }
        let row = sqlx::query(&format!(
            "UPDATE patients SET name = $1, birth_date = $2, sex = $3, pseudonym = $4, \
             updated_at = $5, row_version = row_version + 1 WHERE id = $6 RETURNING {PATIENT_COLUMNS}"
        ))
        .bind(&next.name)
        .bind(&next.birth_date)
        .bind(&next.sex)
        .bind(&next.pseudonym)
        .bind(&at)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate {
                    entity: "patient",
                    field: "pseudonym",
                    value: next.pseudonym.clone().unwrap_or_default(),
                }
            } else {
                e.into()
            }
        })?;
        let after = patient_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "patient.update",
                entity: "patient",
                entity_id: id.to_string(),
                before: Some(to_json(&before)),
                after: Some(to_json(&after)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The patient registered under an MRN, if any.
    pub async fn patient_by_mrn(&self, mrn: &str) -> Result<Option<Patient>, StoreError> {
        let sql = format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE mrn = $1");
        let row = sqlx::query(&sql)
            .bind(mrn)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(patient_from).transpose()
    }

    /// A patient.
    pub async fn patient(&self, id: i64) -> Result<Patient, StoreError> {
        let sql = format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE id = $1");
        patient_from(&self.row_by_id(&sql, "patient", id).await?)
    }

    /// Patients whose MRN or name contains `q` (case-insensitive), by name; all when `q` is
    /// empty; at most `limit` (capped at 500).
    pub async fn search_patients(&self, q: &str, limit: i64) -> Result<Vec<Patient>, StoreError> {
        check_len("q", q, limits::PERSON_NAME)?;
        let rows = sqlx::query(&format!(
            "SELECT {PATIENT_COLUMNS} FROM patients \
             WHERE lower(mrn) LIKE $1 ESCAPE '\\' OR lower(name) LIKE $1 ESCAPE '\\' \
             ORDER BY name, id LIMIT $2"
        ))
        .bind(like_pattern(q.trim()))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(patient_from).collect()
    }

    /// Records an imaging study of a patient.
    pub async fn add_study(&self, actor: &Actor, new: &NewStudy) -> Result<Study, StoreError> {
        check_not_blank("modality", &new.modality)?;
        check_len("modality", &new.modality, limits::SHORT)?;
        check_opt_len("description", &new.description, limits::DESCRIPTION)?;
        check_opt_len("source", &new.source, limits::DESCRIPTION)?;
        if let Some(d) = &new.study_date {
            check_date("study_date", d)?;
        }
        let at = now();
        let mut tx = self.write().await?;
        self.patient_in(&mut tx, new.patient_id).await?;
        let row = sqlx::query(
            "INSERT INTO studies (patient_id, modality, description, study_date, source, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING id, patient_id, modality, description, study_date, source, created_at",
        )
        .bind(new.patient_id)
        .bind(&new.modality)
        .bind(&new.description)
        .bind(&new.study_date)
        .bind(&new.source)
        .bind(actor.user_id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let study = study_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "study.create",
                entity: "study",
                entity_id: study.id.to_string(),
                before: None,
                after: Some(to_json(&study)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(study)
    }

    /// The studies of a patient, by date.
    pub async fn studies(&self, patient_id: i64) -> Result<Vec<Study>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, patient_id, modality, description, study_date, source, created_at \
             FROM studies WHERE patient_id = $1 ORDER BY study_date, id",
        )
        .bind(patient_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(study_from).collect()
    }

    /// Opens a case for a patient.
    pub async fn create_case(&self, actor: &Actor, new: &NewCase) -> Result<Case, StoreError> {
        validate_case(new)?;
        let at = now();
        let mut tx = self.write().await?;
        self.patient_in(&mut tx, new.patient_id).await?;
        let c = insert_case(&mut tx, self.audit_key(), actor, new.patient_id, new, &at).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// A case.
    pub async fn case(&self, id: i64) -> Result<Case, StoreError> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
        case_from(&self.row_by_id(&sql, "case", id).await?)
    }

    /// The cases of a patient, newest first.
    pub async fn cases_of_patient(&self, patient_id: i64) -> Result<Vec<Case>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE patient_id = $1 ORDER BY id DESC"
        ))
        .bind(patient_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(case_from).collect()
    }

    /// Changes a case's title and indication; `row_version` is the one the caller read.
    pub async fn update_case(
        &self,
        actor: &Actor,
        id: i64,
        row_version: i64,
        title: &str,
        indication: &str,
    ) -> Result<Case, StoreError> {
        let new = NewCase {
            patient_id: 0,
            title: title.to_owned(),
            indication: indication.to_owned(),
        };
        validate_case(&new)?;
        let at = now();
        let mut tx = self.write().await?;
        let before = self.case_in(&mut tx, id).await?;
        let row = sqlx::query(&format!(
            "UPDATE cases SET title = $1, indication = $2, updated_by = $3, updated_at = $4, \
             row_version = row_version + 1 WHERE id = $5 AND row_version = $6 RETURNING {CASE_COLUMNS}"
        ))
        .bind(title)
        .bind(indication)
        .bind(&actor.name)
        .bind(&at)
        .bind(id)
        .bind(row_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict {
                entity: "case",
                id,
                read: row_version,
                current: before.row_version,
                changed_by: before.updated_by,
                changed_at: before.updated_at,
            });
        };
        let after = case_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "case.update",
                entity: "case",
                entity_id: id.to_string(),
                before: Some(to_json(&before)),
                after: Some(to_json(&after)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records a follow-up visit of a case.
    pub async fn add_follow_up(
        &self,
        actor: &Actor,
        new: &NewFollowUp,
    ) -> Result<FollowUp, StoreError> {
        check_date("visit_date", &new.visit_date)?;
        check_len("labs", &new.labs_json, limits::DOCUMENT_TEXT)?;
        check_json_object("labs", &new.labs_json)?;
        check_opt_len("recist", &new.recist, limits::DOCUMENT_TEXT)?;
        check_opt_len("notes", &new.notes, limits::NOTES)?;
        let at = now();
        let mut tx = self.write().await?;
        self.case_in(&mut tx, new.case_id).await?;
        let row = sqlx::query(
            "INSERT INTO follow_ups (case_id, visit_date, labs_json, recist, notes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING id, case_id, visit_date, labs_json, recist, notes, created_at",
        )
        .bind(new.case_id)
        .bind(&new.visit_date)
        .bind(&new.labs_json)
        .bind(&new.recist)
        .bind(&new.notes)
        .bind(actor.user_id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let f = follow_up_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "follow_up.create",
                entity: "follow_up",
                entity_id: f.id.to_string(),
                before: None,
                after: Some(to_json(&f)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// The follow-up visits of a case, by date.
    pub async fn follow_ups(&self, case_id: i64) -> Result<Vec<FollowUp>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, visit_date, labs_json, recist, notes, created_at \
             FROM follow_ups WHERE case_id = $1 ORDER BY visit_date, id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(follow_up_from).collect()
    }

    /// Records an adverse event of a case.
    pub async fn add_toxicity(
        &self,
        actor: &Actor,
        new: &NewToxicity,
    ) -> Result<Toxicity, StoreError> {
        check_not_blank("term", &new.term)?;
        check_len("term", &new.term, limits::SHORT)?;
        if !(1..=5).contains(&new.grade) {
            return Err(StoreError::Invalid {
                field: "grade",
                expected: "a CTCAE grade 1 to 5".into(),
                found: new.grade.to_string(),
            });
        }
        if let Some(d) = &new.onset_date {
            check_date("onset_date", d)?;
        }
        check_opt_len("attribution", &new.attribution, limits::SHORT)?;
        check_opt_len("notes", &new.notes, limits::NOTES)?;
        let at = now();
        let mut tx = self.write().await?;
        self.case_in(&mut tx, new.case_id).await?;
        let row = sqlx::query(
            "INSERT INTO toxicities (case_id, follow_up_id, term, grade, onset_date, attribution, notes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id, case_id, follow_up_id, term, grade, onset_date, attribution, notes, created_at",
        )
        .bind(new.case_id)
        .bind(new.follow_up_id)
        .bind(&new.term)
        .bind(new.grade)
        .bind(&new.onset_date)
        .bind(&new.attribution)
        .bind(&new.notes)
        .bind(actor.user_id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let t = toxicity_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "toxicity.create",
                entity: "toxicity",
                entity_id: t.id.to_string(),
                before: None,
                after: Some(to_json(&t)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    /// The adverse events of a case.
    pub async fn toxicities(&self, case_id: i64) -> Result<Vec<Toxicity>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, follow_up_id, term, grade, onset_date, attribution, notes, created_at \
             FROM toxicities WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(toxicity_from).collect()
    }

    /// Stores a document of a case or plan (audited as `document.create`).
    pub async fn add_document(
        &self,
        actor: &Actor,
        new: &NewDocument,
    ) -> Result<Document, StoreError> {
        let mut docs = self.add_documents(actor, std::slice::from_ref(new)).await?;
        docs.pop().ok_or_else(|| sqlx::Error::RowNotFound.into())
    }

    /// Stores documents of cases or plans in one transaction, one audit row
    /// (`document.create`) each: all are stored or none. A plan given with a case must be a
    /// plan of that case.
    pub async fn add_documents(
        &self,
        actor: &Actor,
        new: &[NewDocument],
    ) -> Result<Vec<Document>, StoreError> {
        let mut rows = Vec::with_capacity(new.len());
        for d in new {
            rows.push(validate_document(d)?);
        }
        let at = now();
        let mut tx = self.write().await?;
        let mut out = Vec::with_capacity(new.len());
        for (d, (content, path, sha, size)) in new.iter().zip(rows) {
            if let Some(c) = d.case_id {
                self.case_in(&mut tx, c).await?;
            }
            if let Some(p) = d.plan_id {
                let row = sqlx::query("SELECT case_id FROM plans WHERE id = $1")
                    .bind(p)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        entity: "plan",
                        id: p.to_string(),
                    })?;
                let plan_case: i64 = row.try_get("case_id")?;
                if let Some(c) = d.case_id
                    && c != plan_case
                {
                    return Err(StoreError::Invalid {
                        field: "plan_id",
                        expected: format!("a plan of case {c}"),
                        found: format!("plan {p} of case {plan_case}"),
                    });
                }
            }
            let id: i64 = sqlx::query(
                "INSERT INTO documents (case_id, plan_id, kind, mime, content, path, sha256, size_bytes, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(d.case_id)
            .bind(d.plan_id)
            .bind(&d.kind)
            .bind(&d.mime)
            .bind(content)
            .bind(path)
            .bind(&sha)
            .bind(size)
            .bind(actor.user_id)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            let row = sqlx::query(&format!("{DOCUMENT_SELECT} WHERE d.id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let doc = document_from(&row)?;
            record(
                &mut tx,
                self.audit_key(),
                actor,
                Change {
                    action: "document.create",
                    entity: "document",
                    entity_id: doc.id.to_string(),
                    before: None,
                    after: Some(to_json(&doc)),
                    at: &at,
                },
            )
            .await?;
            out.push(doc);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The documents of a case (and of its plans), oldest first, without their bytes.
    pub async fn documents(&self, case_id: i64) -> Result<Vec<Document>, StoreError> {
        let rows = sqlx::query(&format!(
            "{DOCUMENT_SELECT} WHERE d.case_id = $1 \
             OR d.plan_id IN (SELECT id FROM plans WHERE case_id = $1) ORDER BY d.id"
        ))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from).collect()
    }

    /// A document's record (without its bytes).
    pub async fn document(&self, id: i64) -> Result<Document, StoreError> {
        let sql = format!("{DOCUMENT_SELECT} WHERE d.id = $1");
        document_from(&self.row_by_id(&sql, "document", id).await?)
    }

    /// The bytes of a document stored inline; `None` for one stored as a path.
    pub async fn document_content(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self
            .row_by_id(
                "SELECT content FROM documents WHERE id = $1",
                "document",
                id,
            )
            .await?;
        Ok(row.try_get("content")?)
    }

    /// Imports a case with its first plan: the patient (found by MRN, created when new), the
    /// case and a draft plan version 1, in one transaction.
    pub async fn import_case(
        &self,
        actor: &Actor,
        patient: &NewPatient,
        case: &NewCase,
        plan: &PlanInputs,
    ) -> Result<(Patient, Case, Plan), StoreError> {
        validate_patient(patient)?;
        validate_case(case)?;
        crate::plans::validate_inputs(plan)?;
        let at = now();
        let mut tx = self.write().await?;
        let existing = sqlx::query(&format!(
            "SELECT {PATIENT_COLUMNS} FROM patients WHERE mrn = $1"
        ))
        .bind(&patient.mrn)
        .fetch_optional(&mut *tx)
        .await?;
        let p = match existing {
            Some(r) => patient_from(&r)?,
            None => insert_patient(&mut tx, self.audit_key(), actor, patient, &at).await?,
        };
        let c = insert_case(&mut tx, self.audit_key(), actor, p.id, case, &at).await?;
        let pl = crate::plans::insert_plan(&mut tx, self.audit_key(), actor, c.id, None, plan, &at)
            .await?;
        tx.commit().await?;
        Ok((p, c, pl))
    }

    pub(crate) async fn patient_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: i64,
    ) -> Result<Patient, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PATIENT_COLUMNS} FROM patients WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "patient",
            id: id.to_string(),
        })?;
        patient_from(&row)
    }

    pub(crate) async fn case_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: i64,
    ) -> Result<Case, StoreError> {
        let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "case",
                id: id.to_string(),
            })?;
        case_from(&row)
    }
}

pub(crate) fn study_from(r: &AnyRow) -> Result<Study, StoreError> {
    Ok(Study {
        id: r.try_get("id")?,
        patient_id: r.try_get("patient_id")?,
        modality: r.try_get("modality")?,
        description: r.try_get("description")?,
        study_date: r.try_get("study_date")?,
        source: r.try_get("source")?,
        created_at: r.try_get("created_at")?,
    })
}

fn follow_up_from(r: &AnyRow) -> Result<FollowUp, StoreError> {
    Ok(FollowUp {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        visit_date: r.try_get("visit_date")?,
        labs_json: r.try_get("labs_json")?,
        recist: r.try_get("recist")?,
        notes: r.try_get("notes")?,
        created_at: r.try_get("created_at")?,
    })
}

fn toxicity_from(r: &AnyRow) -> Result<Toxicity, StoreError> {
    Ok(Toxicity {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        follow_up_id: r.try_get("follow_up_id")?,
        term: r.try_get("term")?,
        grade: r.try_get("grade")?,
        onset_date: r.try_get("onset_date")?,
        attribution: r.try_get("attribution")?,
        notes: r.try_get("notes")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A document's record with its plan's version and its author's username.
const DOCUMENT_SELECT: &str = "SELECT d.id, d.case_id, d.plan_id, p.version AS plan_version, \
     d.kind, d.mime, d.path, d.sha256, d.size_bytes, u.username AS created_by, d.created_at \
     FROM documents d LEFT JOIN plans p ON p.id = d.plan_id LEFT JOIN users u ON u.id = d.created_by";

/// The stored columns of a new document: (bytes, path, SHA-256, size), after its checks.
type DocumentColumns = (Option<Vec<u8>>, Option<String>, String, i64);

fn validate_document(new: &NewDocument) -> Result<DocumentColumns, StoreError> {
    check_not_blank("kind", &new.kind)?;
    check_len("kind", &new.kind, limits::SHORT)?;
    check_not_blank("mime", &new.mime)?;
    check_len("mime", &new.mime, limits::SHORT)?;
    if new.case_id.is_none() && new.plan_id.is_none() {
        return Err(StoreError::Invalid {
            field: "case_id",
            expected: "a case or a plan".into(),
            found: "neither".into(),
        });
    }
    Ok(match &new.content {
        DocumentContent::Inline(bytes) => {
            if bytes.len() > limits::DOCUMENT_BYTES {
                return Err(StoreError::TooLong {
                    field: "content",
                    max: limits::DOCUMENT_BYTES,
                    found: bytes.len(),
                });
            }
            let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            (
                Some(bytes.clone()),
                None,
                hex::encode(Sha256::digest(bytes)),
                size,
            )
        }
        DocumentContent::File {
            path,
            sha256,
            size_bytes,
        } => {
            check_len("path", path, limits::DESCRIPTION)?;
            check_len("sha256", sha256, 64)?;
            (None, Some(path.clone()), sha256.clone(), *size_bytes)
        }
    })
}

fn document_from(r: &AnyRow) -> Result<Document, StoreError> {
    Ok(Document {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        plan_id: r.try_get("plan_id")?,
        plan_version: r.try_get("plan_version")?,
        created_by: r.try_get("created_by")?,
        kind: r.try_get("kind")?,
        mime: r.try_get("mime")?,
        path: r.try_get("path")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        created_at: r.try_get("created_at")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("A_b%"), "%a\\_b\\%%");
    }
}

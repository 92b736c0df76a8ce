//! Identity of attached files: a case file or a RECIST measurement file must belong to the
//! patient and the case it is attached to (docs/server.md, "Identity of attached files").
//!
//! | file | field | must equal |
//! |---|---|---|
//! | case file | `[patient].id` | the patient's MRN or pseudonym |
//! | case file | `[patient].sex` | the patient's sex, when the record has one: the file must state it |
//! | case file | `[patient].age` | the patient's age at the first session's treatment instant (from the birth date), within ±1 year, when the record has a birth date: the file must state it |
//! | case file | `[diagnosis].indication` | the case record's indication (letter case aside) |
//! | RECIST file | `patient` | the patient's MRN or pseudonym (a file that names no patient is refused) |
//!
//! A mismatch is refused with 422 `identity_mismatch` naming every mismatching field, when the
//! file is attached (a plan created or edited, a follow-up visit recorded, a demo imported onto
//! an existing patient) and, for data stored before the check, when a plan is checked or
//! approved. Laboratory values carry no identity: they belong to the visit they are entered in.

use crate::AppState;
use crate::error::ApiError;
use axum::http::StatusCode;
use sirt_store::{Case, Patient};
use thiserror::Error;

/// Birth date of the analytic demo's patient: 53 years old at its first session
/// (2026-03-05), as its case file says.
pub const DEMO_BIRTH_DATE: &str = "1972-09-14";
/// Birth date of the phantom demo's patient: 61 years old at its first session
/// (2025-01-29), as its case file says.
pub const PHANTOM_BIRTH_DATE: &str = "1963-08-20";

/// The error code of a refusal.
pub const CODE: &str = "identity_mismatch";

/// A field of an attached file that does not match the record it is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file} {field}: expected {expected}, found {found}")]
pub struct Mismatch {
    /// `case file` or `RECIST file`.
    pub file: &'static str,
    /// The field of the file (`[patient].sex`).
    pub field: &'static str,
    /// What the records say, with where it comes from.
    pub expected: String,
    /// What the file says.
    pub found: String,
}

const CASE_FILE: &str = "case file";
const RECIST_FILE: &str = "RECIST file";

/// What an identifier must be: the MRN or the pseudonym.
fn expected_id(patient: &Patient) -> String {
    match &patient.pseudonym {
        Some(p) => format!(
            "{:?} (patient record MRN) or {p:?} (pseudonym)",
            patient.mrn
        ),
        None => format!(
            "{:?} (patient record MRN; no pseudonym recorded)",
            patient.mrn
        ),
    }
}

fn id_matches(patient: &Patient, id: &str) -> bool {
    let id = id.trim();
    id == patient.mrn || patient.pseudonym.as_deref() == Some(id)
}

/// A sex as `female`, `male` or `other`; `None` when unknown or not given. The case file keeps
/// it as written: `M` and `F` read as male and female.
fn known_sex(s: Option<&str>) -> Option<String> {
    let s = s?.trim().to_lowercase();
    match s.as_str() {
        "" | "unknown" | "u" => None,
        "m" | "male" => Some("male".into()),
        "f" | "female" => Some("female".into()),
        _ => Some(s),
    }
}

/// Completed years from `birth` to `on`.
fn age_on(birth: jiff::civil::Date, on: jiff::civil::Date) -> i64 {
    let years = i64::from(on.year()) - i64::from(birth.year());
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years - 1
    } else {
        years
    }
}

/// The fields of a case file that do not match its patient and case records: identifier, sex,
/// age at the first session's treatment instant (±1 year) and indication. A sex or birth date
/// the patient record has must be stated by the file too (a file that leaves them out is refused
/// naming them); one the record lacks is not compared.
pub fn mismatches(patient: &Patient, case: &Case, file: &sirt_case::Case) -> Vec<Mismatch> {
    file_mismatches(patient, &case.indication, file)
}

/// [`mismatches`] against a patient record and a case's indication.
fn file_mismatches(patient: &Patient, indication: &str, file: &sirt_case::Case) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mismatch = |field, expected, found| Mismatch {
        file: CASE_FILE,
        field,
        expected,
        found,
    };
    if !id_matches(patient, &file.patient.id) {
        out.push(mismatch(
            "[patient].id",
            expected_id(patient),
            format!("{:?}", file.patient.id),
        ));
    }
    // What the patient record knows, the file must state: a file without sex or age is not
    // matched on the identifier and indication alone. A record without them cannot be matched
    // at all: they are entered on the patient record first.
    if known_sex(patient.sex.as_deref()).is_none() {
        out.push(mismatch(
            "[patient].sex",
            "the sex on the patient record, to compare with (none recorded: enter it on the patient record first)".to_owned(),
            format!("{:?}", file.patient.sex.as_deref().unwrap_or("none")),
        ));
    }
    if let Some(want) = known_sex(patient.sex.as_deref()) {
        match known_sex(file.patient.sex.as_deref()) {
            Some(found) if found == want => {}
            Some(found) => out.push(mismatch(
                "[patient].sex",
                format!("{want:?} (patient record)"),
                format!("{found:?}"),
            )),
            None => out.push(mismatch(
                "[patient].sex",
                format!("{want:?} (patient record)"),
                match file.patient.sex.as_deref() {
                    Some(s) => format!("{s:?} (not a sex the record can be compared with)"),
                    None => "none (the file does not state the patient's sex)".to_owned(),
                },
            )),
        }
    }
    let birth = patient
        .birth_date
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok());
    if birth.is_none() {
        out.push(mismatch(
            "[patient].age",
            match patient.birth_date.as_deref() {
                Some(d) => format!(
                    "a birth date on the patient record to compare with (recorded {d:?} is not a date YYYY-MM-DD)"
                ),
                None => "a birth date on the patient record to compare with (none recorded: enter it on the patient record first)".to_owned(),
            },
            file.patient
                .age_years
                .map_or_else(|| "none".to_owned(), |a| a.to_string()),
        ));
    }
    if let Some(birth) = birth {
        match (file.patient.age_years, file.sessions.first()) {
            (Some(age), Some(first)) => {
                let on = first.treatment.zoned().date();
                let want = age_on(birth, on);
                if (i64::from(age) - want).abs() > 1 {
                    out.push(mismatch(
                        "[patient].age",
                        format!(
                            "{want} ± 1 years (patient record: born {birth}, {want} at the first treatment on {on}, session {})",
                            first.id
                        ),
                        age.to_string(),
                    ));
                }
            }
            (None, _) => out.push(mismatch(
                "[patient].age",
                format!("the age at the first treatment (patient record: born {birth})"),
                "none (the file does not state the patient's age)".to_owned(),
            )),
            (Some(age), None) => out.push(mismatch(
                "[patient].age",
                format!(
                    "an age compared at the first session's treatment (patient record: born {birth})"
                ),
                format!("{age}, and no session to compare it at"),
            )),
        }
    }
    if !file
        .diagnosis
        .indication
        .trim()
        .eq_ignore_ascii_case(indication.trim())
    {
        out.push(mismatch(
            "[diagnosis].indication",
            format!("{indication:?} (case record)"),
            format!("{:?}", file.diagnosis.indication),
        ));
    }
    out
}

/// The identifier of a RECIST measurement file (its top-level `patient`, as `sirt-recist`
/// reads it), compared with the patient's MRN and pseudonym. A file that names no patient, or
/// does not read as TOML, cannot be matched and is refused.
pub fn recist_mismatches(patient: &Patient, text: &str) -> Vec<Mismatch> {
    let found = match text.parse::<toml::Table>() {
        Ok(t) => match t.get("patient") {
            Some(toml::Value::String(id)) if id_matches(patient, id) => return Vec::new(),
            Some(toml::Value::String(id)) => format!("{id:?}"),
            Some(other) => format!("{other} (not a text)"),
            None => "no `patient` (the file names no patient)".to_owned(),
        },
        Err(_) => "no `patient` (the file does not read as TOML)".to_owned(),
    };
    vec![Mismatch {
        file: RECIST_FILE,
        field: "patient",
        expected: expected_id(patient),
        found,
    }]
}

/// 422 `identity_mismatch` naming every mismatch, or nothing.
pub fn refuse(mismatches: &[Mismatch]) -> Result<(), ApiError> {
    if mismatches.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        CODE,
        format!(
            "the file does not belong to this patient and case: {}",
            list.join("; ")
        ),
    ))
}

/// Refuses a case file (validated, parameters applied) attached to case `case_id` when it does
/// not match the case and its patient.
pub(crate) async fn check_case_file(
    state: &AppState,
    case_id: i64,
    file: &sirt_case::Case,
) -> Result<(), ApiError> {
    let case = state.store.case(case_id).await?;
    let patient = state.store.patient(case.patient_id).await?;
    refuse(&mismatches(&patient, &case, file))
}

/// Refuses a RECIST file attached to case `case_id` when it names another patient.
pub(crate) async fn check_recist(
    state: &AppState,
    case_id: i64,
    text: Option<&str>,
) -> Result<(), ApiError> {
    let Some(text) = text else {
        return Ok(());
    };
    let case = state.store.case(case_id).await?;
    let patient = state.store.patient(case.patient_id).await?;
    refuse(&recist_mismatches(&patient, text))
}

/// Refuses a demo import whose case file does not match the patient already registered under
/// its identifier (the import attaches to that patient and opens a case with the file's
/// indication). A new patient is made from the file.
pub(crate) async fn check_import(state: &AppState, file: &sirt_case::Case) -> Result<(), ApiError> {
    let Some(patient) = state.store.patient_by_mrn(&file.patient.id).await? else {
        return Ok(());
    };
    refuse(&file_mismatches(&patient, &file.diagnosis.indication, file))
}

/// Refuses to check or approve plan `plan_id` when its stored case file (with its parameters)
/// does not match its case and patient: data stored before the identity check.
pub(crate) async fn check_plan(state: &AppState, plan_id: i64) -> Result<(), ApiError> {
    let plan = state.store.plan(plan_id).await?;
    let case = state.store.case(plan.case_id).await?;
    let patient = state.store.patient(case.patient_id).await?;
    let params: crate::engine::Parameters =
        serde_json::from_str(&plan.parameters_json).map_err(|_| ApiError::internal())?;
    let file = crate::engine::stored_case(&plan, &params.overrides())?;
    refuse(&mismatches(&patient, &case, &file))
}

/// `PATCH /api/patients/{id}`: changes a patient's name, birth date, sex or pseudonym (the MRN
/// never changes); audited by the store. The identity fields (birth date, sex, pseudonym: what
/// attached files are matched against) need [`Action::EditPatientIdentity`] (physicians and
/// physicists): 403 naming them otherwise, nothing changed. A change that makes a stored case
/// file mismatch is allowed here and blocks that plan's check and approval ([`check_plan`]).
///
/// [`Action::EditPatientIdentity`]: crate::permissions::Action::EditPatientIdentity
pub(crate) async fn update_patient(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(auth): axum::Extension<crate::Auth>,
    crate::error::PathId(id): crate::error::PathId,
    crate::error::ApiJson(change): crate::error::ApiJson<sirt_store::PatientChange>,
) -> Result<axum::response::Response, ApiError> {
    use crate::permissions::Action;
    use axum::response::IntoResponse;
    let identity: Vec<&str> = [
        ("birth_date", change.birth_date.is_some()),
        ("sex", change.sex.is_some()),
        ("pseudonym", change.pseudonym.is_some()),
    ]
    .into_iter()
    .filter_map(|(f, given)| given.then_some(f))
    .collect();
    let action = Action::EditPatientIdentity;
    if !identity.is_empty() && !action.allows(auth.user.role) {
        return Err(ApiError::forbidden(format!(
            "{}: the role {} may not change {} of a patient (allowed: {}); nothing was changed",
            action.as_str(),
            auth.user.role,
            identity
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
            action
                .roles()
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let p = state
        .store
        .update_patient(&auth.actor(), id, &change)
        .await?;
    Ok(axum::Json(p).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> jiff::civil::Date {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn age_counts_completed_years() {
        assert_eq!(age_on(date("1972-09-14"), date("2026-03-05")), 53);
        assert_eq!(age_on(date("1972-03-05"), date("2026-03-05")), 54);
        assert_eq!(age_on(date("1972-03-06"), date("2026-03-05")), 53);
        assert_eq!(age_on(date("1940-01-01"), date("2026-03-05")), 86);
    }

    #[test]
    fn sexes_read_as_written() {
        assert_eq!(known_sex(Some("M")).as_deref(), Some("male"));
        assert_eq!(known_sex(Some("female")).as_deref(), Some("female"));
        assert_eq!(known_sex(Some("unknown")), None);
        assert_eq!(known_sex(None), None);
    }
}

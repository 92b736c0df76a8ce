//! The records of the store, as read back and as given to create them.

use serde::Serialize;

/// A role of a local account. What each role may do is decided by the server's permission table;
/// the store itself checks only the roles of the plan workflow (check: physicist, approve:
/// physician, deliver: physician, physicist or technologist).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages accounts, reads the audit log.
    Admin,
    /// Approves plans.
    Physician,
    /// Checks plans.
    Physicist,
    /// Registers patients, records deliveries.
    Technologist,
    /// Reads only.
    Viewer,
}

impl Role {
    /// Every role, in the order of the documentation.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Physician,
        Role::Physicist,
        Role::Technologist,
        Role::Viewer,
    ];

    /// The name stored and shown (`"physician"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Physician => "physician",
            Role::Physicist => "physicist",
            Role::Technologist => "technologist",
            Role::Viewer => "viewer",
        }
    }

    /// The role of a name, `None` for an unknown one.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who makes a change: a signed-in user, or the system (the CLI, a migration) by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account, `None` for the system.
    pub user_id: Option<i64>,
    /// The username (or the system's name, e.g. `"cli"`), written into the audit log.
    pub name: String,
    /// The role of the account, `None` for the system.
    pub role: Option<Role>,
}

impl Actor {
    /// A signed-in user.
    pub fn user(user: &User) -> Actor {
        Actor {
            user_id: Some(user.id),
            name: user.username.clone(),
            role: Some(user.role),
        }
    }

    /// The system, named (`"cli"`).
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: None,
            name: name.to_owned(),
            role: None,
        }
    }
}

/// A local account (the password hash is kept out of it: see [`Credentials`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct User {
    /// Key.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// Creation instant (UTC, RFC 3339).
    pub created_at: String,
}

/// An account with its password hash, for signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// The PHC string of the password hash (`$argon2id$...`).
    pub password_hash: String,
}

/// A new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name (letters, digits, `.`, `_`, `-`).
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The PHC string of the password hash, made by the caller.
    pub password_hash: String,
}

/// An account as listed for its administration: the account and when it last signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Account {
    /// The account.
    #[serde(flatten)]
    pub user: User,
    /// The last successful login (from the audit log's `session.login` rows), `None` when
    /// it never signed in.
    pub last_login_at: Option<String>,
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserChange {
    /// New name shown.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// Disable (`true`, which ends the account's sessions) or enable (`false`).
    pub disabled: Option<bool>,
    /// The PHC string of a new password hash, made by the caller (ends the account's other
    /// sessions).
    pub password_hash: Option<String>,
}

/// A signed-in session. The store keeps only the hash of the session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Session {
    /// SHA-256 of the token, hex.
    #[serde(skip)]
    pub id_hash: String,
    /// The account.
    pub user_id: i64,
    /// The anti-CSRF token of the session.
    #[serde(skip)]
    pub csrf_token: String,
    /// Creation instant.
    pub created_at: String,
    /// When the session ends unless used again.
    pub expires_at: String,
    /// Last use.
    pub last_seen_at: String,
}

/// A patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Patient {
    /// Key.
    pub id: i64,
    /// Medical record number or pseudonymous id (unique).
    pub mrn: String,
    /// Name.
    pub name: String,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// `female`, `male`, `other` or `unknown`.
    pub sex: Option<String>,
    /// Pseudonymous identifier (unique among pseudonyms) that a case file or a RECIST file may
    /// carry instead of the MRN.
    pub pseudonym: Option<String>,
    /// Creation instant.
    pub created_at: String,
}

/// A new patient.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPatient {
    /// Medical record number or pseudonymous id (unique).
    pub mrn: String,
    /// Name.
    pub name: String,
    /// Birth date, `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// `female`, `male`, `other` or `unknown`.
    #[serde(default)]
    pub sex: Option<String>,
    /// Pseudonymous identifier (unique among pseudonyms) that a case file or a RECIST file may
    /// carry instead of the MRN.
    #[serde(default)]
    pub pseudonym: Option<String>,
}

/// A change to a patient's record (`PATCH /api/patients/{id}`): a field left out stays as it
/// is, `null` clears it. The MRN never changes.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientChange {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Birth date, `YYYY-MM-DD`; `null` clears it.
    #[serde(default, deserialize_with = "some_or_null")]
    pub birth_date: Option<Option<String>>,
    /// `female`, `male`, `other` or `unknown`; `null` clears it.
    #[serde(default, deserialize_with = "some_or_null")]
    pub sex: Option<Option<String>>,
    /// Pseudonymous identifier (unique among pseudonyms); `null` clears it.
    #[serde(default, deserialize_with = "some_or_null")]
    pub pseudonym: Option<Option<String>>,
}

/// A field given (`Some`), with a value or `null` (`Some(None)`); left out is `None` (default).
fn some_or_null<'de, D>(d: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <Option<String> as serde::Deserialize>::deserialize(d).map(Some)
}

/// An imaging study of a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Study {
    /// Key.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// DICOM modality (`CT`, `NM`, `PT`, `MR`).
    pub modality: String,
    /// Description.
    pub description: Option<String>,
    /// Study date, `YYYY-MM-DD`.
    pub study_date: Option<String>,
    /// Where the images are: a path or an upload id.
    pub source: Option<String>,
    /// Creation instant.
    pub created_at: String,
}

/// A new study.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewStudy {
    /// The patient.
    pub patient_id: i64,
    /// DICOM modality.
    pub modality: String,
    /// Description.
    pub description: Option<String>,
    /// Study date, `YYYY-MM-DD`.
    pub study_date: Option<String>,
    /// A path or an upload id.
    pub source: Option<String>,
}

/// One image series of an uploaded study: a DICOM series folder or a NIfTI file inside the
/// study's folder.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StudySeries {
    /// Key.
    pub id: i64,
    /// The study.
    pub study_id: i64,
    /// Name inside the study's folder: a DICOM series folder (`CT-2`) or a NIfTI file
    /// (`ct.nii.gz`).
    pub folder: String,
    /// `dicom` or `nifti`.
    pub format: String,
    /// DICOM modality (`CT`, `NM`, `PT`, `RTSTRUCT`, `SEG`, ...); for NIfTI the one stated.
    pub modality: String,
    /// Series Description (DICOM), when present.
    pub description: Option<String>,
    /// Study Instance UID (DICOM).
    pub study_instance_uid: Option<String>,
    /// Series Instance UID (DICOM).
    pub series_instance_uid: Option<String>,
    /// Series Number (DICOM), when present.
    pub series_number: Option<i64>,
    /// Frame of Reference UID (DICOM), when present.
    pub frame_of_reference_uid: Option<String>,
    /// Number of images: slices of a DICOM series (files), frames of a multi-frame object,
    /// slices of a NIfTI volume.
    pub images: i64,
    /// Voxels along i, j, k, when a volume.
    pub dims: Option<[i64; 3]>,
    /// Voxel spacing along i, j, k, mm, when a volume.
    pub spacing_mm: Option<[f64; 3]>,
}

/// A new series of a study (see [`StudySeries`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewSeries {
    /// Name inside the study's folder.
    pub folder: String,
    /// `dicom` or `nifti`.
    pub format: String,
    /// Modality.
    pub modality: String,
    /// Series Description.
    pub description: Option<String>,
    /// Study Instance UID.
    pub study_instance_uid: Option<String>,
    /// Series Instance UID.
    pub series_instance_uid: Option<String>,
    /// Series Number.
    pub series_number: Option<i64>,
    /// Frame of Reference UID.
    pub frame_of_reference_uid: Option<String>,
    /// Number of images.
    pub images: i64,
    /// Voxels along i, j, k.
    pub dims: Option<[i64; 3]>,
    /// Voxel spacing along i, j, k, mm.
    pub spacing_mm: Option<[f64; 3]>,
}

/// A case: one course of SIRT of one patient, holding the plan versions and the follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Case {
    /// Key.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// Title.
    pub title: String,
    /// Indication (`NET`, `HCC`, `mCRC`, ...).
    pub indication: String,
    /// Creator.
    pub created_by: Option<i64>,
    /// Creation instant.
    pub created_at: String,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
    /// Optimistic-concurrency version: every update names the one it read.
    pub row_version: i64,
}

/// A new case.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// The patient (ignored where the patient is created with the case).
    #[serde(default)]
    pub patient_id: i64,
    /// Title.
    pub title: String,
    /// Indication.
    pub indication: String,
}

/// State of a plan version.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// Editable.
    Draft,
    /// Checked by a physicist; an edit returns it to draft.
    Checked,
    /// Approved by a physician: immutable.
    Approved,
    /// Delivered: immutable.
    Delivered,
}

impl PlanState {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::Draft => "draft",
            PlanState::Checked => "checked",
            PlanState::Approved => "approved",
            PlanState::Delivered => "delivered",
        }
    }

    /// The state of a name.
    pub fn parse(s: &str) -> Option<PlanState> {
        [
            PlanState::Draft,
            PlanState::Checked,
            PlanState::Approved,
            PlanState::Delivered,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    /// Whether the plan's inputs can no longer change.
    pub fn is_frozen(self) -> bool {
        matches!(self, PlanState::Approved | PlanState::Delivered)
    }
}

impl std::fmt::Display for PlanState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One version of a plan of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Plan {
    /// Key.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// Version number within the case, from 1.
    pub version: i64,
    /// The plan this version was made from.
    pub based_on: Option<i64>,
    /// Workflow state.
    pub state: PlanState,
    /// The case file (TOML) the plan starts from.
    pub case_toml: String,
    /// The parameters changed on top of the case file (JSON object).
    pub parameters_json: String,
    /// The computed plan (JSON of the report).
    pub result_json: String,
    /// SHA-256 of the inputs at approval ([`crate::inputs_sha256`]).
    pub inputs_sha256: Option<String>,
    /// Creator, by name.
    pub created_by: String,
    /// The creator's role when the version was created (`None`: the system, or a version older
    /// than migration 10).
    pub created_by_role: Option<String>,
    /// Creation instant.
    pub created_at: String,
    /// Checker, by name.
    pub checked_by: Option<String>,
    /// Check instant.
    pub checked_at: Option<String>,
    /// Approver, by name.
    pub approved_by: Option<String>,
    /// Approval instant.
    pub approved_at: Option<String>,
    /// Who recorded the delivery.
    pub delivered_by: Option<String>,
    /// When.
    pub delivered_at: Option<String>,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
    /// Optimistic-concurrency version.
    pub row_version: i64,
}

/// The inputs and result of a new plan version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanInputs {
    /// The case file (TOML).
    pub case_toml: String,
    /// Parameters changed on top of it (a JSON object; `{}` for none).
    pub parameters_json: String,
    /// The computed plan (JSON).
    pub result_json: String,
}

/// A change of a plan's inputs with the result computed from them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanEdit {
    /// A new case file, `None` to keep (or, for a new version, copy) the plan's.
    pub case_toml: Option<String>,
    /// The new parameters (JSON object).
    pub parameters_json: String,
    /// The result computed from the case file and these parameters.
    pub result_json: String,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// The draft (or checked, now draft again) plan was changed in place.
    Updated(Plan),
    /// The plan was approved or delivered: a new draft version holds the change.
    NewVersion(Plan),
}

impl EditOutcome {
    /// The plan that now holds the change.
    pub fn plan(&self) -> &Plan {
        match self {
            EditOutcome::Updated(p) | EditOutcome::NewVersion(p) => p,
        }
    }
}

/// A delivered injection.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Treatment {
    /// Key.
    pub id: i64,
    /// The plan delivered.
    pub plan_id: i64,
    /// Injection id of the case file.
    pub injection_id: String,
    /// Delivered activity in GBq.
    pub delivered_activity_gbq: f64,
    /// Residual activity in GBq, when measured.
    pub residual_gbq: Option<f64>,
    /// Administration instant (as given, with its zone).
    pub administered_at: String,
    /// Recording instant.
    pub recorded_at: String,
}

/// A delivered injection to record.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTreatment {
    /// Injection id of the case file.
    pub injection_id: String,
    /// Delivered activity in GBq.
    pub delivered_activity_gbq: f64,
    /// Residual activity in GBq.
    #[serde(default)]
    pub residual_gbq: Option<f64>,
    /// Administration instant.
    pub administered_at: String,
}

/// A follow-up visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FollowUp {
    /// Key.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// Visit date, `YYYY-MM-DD`.
    pub visit_date: String,
    /// Laboratory values (JSON object).
    pub labs_json: String,
    /// RECIST measurements (TOML or JSON text of the follow-up format).
    pub recist: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Creation instant.
    pub created_at: String,
}

/// A new follow-up visit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewFollowUp {
    /// The case.
    pub case_id: i64,
    /// Visit date, `YYYY-MM-DD`.
    pub visit_date: String,
    /// Laboratory values (JSON object).
    pub labs_json: String,
    /// RECIST measurements.
    pub recist: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// An adverse event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Toxicity {
    /// Key.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// The visit where it was recorded.
    pub follow_up_id: Option<i64>,
    /// CTCAE term.
    pub term: String,
    /// CTCAE grade 1–5.
    pub grade: i64,
    /// Onset date.
    pub onset_date: Option<String>,
    /// Attribution to the treatment.
    pub attribution: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Creation instant.
    pub created_at: String,
}

/// A new adverse event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewToxicity {
    /// The case.
    pub case_id: i64,
    /// The visit.
    pub follow_up_id: Option<i64>,
    /// CTCAE term.
    pub term: String,
    /// CTCAE grade 1–5.
    pub grade: i64,
    /// Onset date.
    pub onset_date: Option<String>,
    /// Attribution.
    pub attribution: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// A stored document (a report, a letter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Document {
    /// Key.
    pub id: i64,
    /// The case.
    pub case_id: Option<i64>,
    /// The plan.
    pub plan_id: Option<i64>,
    /// The version number of the plan, when there is one.
    pub plan_version: Option<i64>,
    /// Kind (`plan_report`, ...).
    pub kind: String,
    /// MIME type.
    pub mime: String,
    /// Path on disk, when not stored inline.
    pub path: Option<String>,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Username of who stored it (`None` for the system).
    pub created_by: Option<String>,
    /// Creation instant.
    pub created_at: String,
}

/// Where a document's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentContent {
    /// In the database.
    Inline(Vec<u8>),
    /// In a file.
    File {
        /// Path.
        path: String,
        /// SHA-256 of the file, hex.
        sha256: String,
        /// Size in bytes.
        size_bytes: i64,
    },
}

/// A new document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    /// The case.
    pub case_id: Option<i64>,
    /// The plan.
    pub plan_id: Option<i64>,
    /// Kind.
    pub kind: String,
    /// MIME type.
    pub mime: String,
    /// The bytes or where they are.
    pub content: DocumentContent,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AuditEntry {
    /// Key, increasing.
    pub id: i64,
    /// Instant.
    pub at: String,
    /// The account, `None` for the system.
    pub user_id: Option<i64>,
    /// Username or system name.
    pub username: String,
    /// What was done (`plan.approve`).
    pub action: String,
    /// Kind of record (`plan`).
    pub entity: String,
    /// Its key.
    pub entity_id: String,
    /// The record before (JSON), `None` for a creation.
    pub before: Option<serde_json::Value>,
    /// The record after (JSON), `None` for a removal.
    pub after: Option<serde_json::Value>,
}

/// Which audit rows to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditQuery {
    /// Only this kind of record.
    pub entity: Option<String>,
    /// Only this record (with `entity`).
    pub entity_id: Option<String>,
    /// Only rows with a smaller id (paging backwards).
    pub before_id: Option<i64>,
    /// At most this many rows (newest first); capped at 1000.
    pub limit: i64,
}

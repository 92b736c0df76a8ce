//! The API's answers and request bodies as types: each derives `Serialize` (or `Deserialize`)
//! and `JsonSchema`, so that what the server sends is what the OpenAPI document describes
//! (`openapi`, generated from these types) and what the front end is type-checked against.
//! Stored rows (`sirt_store::Patient`, `Case`, ...) are answered as they are; this module adds
//! the views that combine them.

use crate::engine::Parameters;
use crate::permissions::Action;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sirt_i18n::Lang;
use sirt_store::{
    AuditEntry, Case, Document, FollowUp, Patient, PlanState, Role, Study, StudySeries, Toxicity,
    Treatment,
};

/// The error answer of every endpoint: `{"error": {"code", "message"}}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Error {
    /// The error.
    pub error: ErrorBody,
}

/// What went wrong.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorBody {
    /// A stable code (`invalid_case`, `conflict`, `forbidden`, ...).
    pub code: String,
    /// One sentence: where, what was expected, what was found.
    pub message: String,
}

// ------------------------------------------------------------------------------- session

/// `POST /api/login` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The account's username.
    pub username: String,
    /// Its password.
    pub password: String,
}

/// The signed-in user of a session.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionUser {
    /// Account id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The language the account chose for the web application; null: the site's.
    #[schemars(with = "Option<Language>")]
    pub language: Option<Lang>,
}

/// A language of the web application: `en` (English) or `fr` (French).
#[derive(Debug, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // The schema of `sirt_i18n::Lang` as serde writes it.
pub enum Language {
    /// English.
    En,
    /// French.
    Fr,
}

/// A session: the user, the CSRF token every change must carry in `X-CSRF-Token`, when the
/// session ends without activity, and the actions the role may do.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Session {
    /// The user.
    pub user: SessionUser,
    /// The CSRF token.
    pub csrf_token: String,
    /// Idle expiry (UTC, RFC 3339).
    pub expires_at: String,
    /// Actions of the permission table the role may do.
    pub permissions: Vec<Action>,
    /// The language of the user's pages: theirs, else the site's.
    #[schemars(with = "Language")]
    pub language: Lang,
    /// The site's language (sirt-settings `site.language`): the reports' language.
    #[schemars(with = "Language")]
    pub site_language: Lang,
}

/// `PATCH /api/account` body: the signed-in user's own preferences.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "OwnAccountChange")]
pub struct OwnAccountChange {
    /// The language of the web application (`en`, `fr`); null: the site's.
    #[schemars(with = "Option<Language>")]
    pub language: Option<Lang>,
}

/// `POST /api/account/password` body: one's own password, changed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PasswordChange")]
pub struct PasswordChange {
    /// The password now (checked as a login is, and counted with the failed logins).
    pub current_password: String,
    /// The new password (12 to 128 characters).
    pub new_password: String,
}

/// `GET /api/i18n/{lang}` answer: the web application's messages in a language.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Messages {
    /// The language.
    #[schemars(with = "Language")]
    pub lang: Lang,
    /// Message id → text, variables left as `{$name}` for the page to fill.
    pub messages: std::collections::BTreeMap<String, String>,
    /// The site's rule titles in this language, by their English wording (the wording a plan's
    /// stored result holds); only those the rule files word differently in this language.
    pub rule_titles: std::collections::BTreeMap<String, String>,
}

// ------------------------------------------------------------------------------- patients

/// `GET /api/patients` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PatientList {
    /// Patients matching the search, by MRN.
    pub patients: Vec<Patient>,
}

/// `GET /api/patients/{id}` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PatientDetail {
    /// The patient.
    pub patient: Patient,
    /// Its cases.
    pub cases: Vec<Case>,
    /// Its image studies with their series.
    pub studies: Vec<StudyView>,
}

/// `POST /api/patients/{id}/cases` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// Title.
    pub title: String,
    /// Indication.
    pub indication: String,
}

/// A series of a study, with where it lies in the patient's folder.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SeriesView {
    /// The stored series.
    #[serde(flatten)]
    pub series: StudySeries,
    /// Path relative to the patient's folder (`studies/12/CT-2`, or a file for objects without
    /// a grid): what a case file's `[images]` section names.
    pub path: String,
}

/// Links of a study.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StudyLinks {
    /// This study.
    #[serde(rename = "self")]
    pub this: String,
}

/// A study with its series.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Study")]
pub struct StudyView {
    /// The stored study.
    #[serde(flatten)]
    pub study: Study,
    /// Its series.
    pub series: Vec<SeriesView>,
    /// Links.
    pub links: StudyLinks,
}

/// A file of an upload that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SkippedFile {
    /// The name in the zip (or the upload's file name).
    pub name: String,
    /// Why it was skipped.
    pub reason: String,
}

/// `POST /api/patients/{id}/studies` answer: the stored study and the files skipped.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UploadedStudy {
    /// The study.
    #[serde(flatten)]
    pub study: StudyView,
    /// Files not stored (not DICOM, unreadable), with the reason.
    pub skipped: Vec<SkippedFile>,
}

// ------------------------------------------------------------------------------- plans

/// A device of the catalogue, as a choice of the planning workspace.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeviceOption {
    /// Catalogue id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Nuclide (`Y-90`, `Ho-166`).
    pub nuclide: String,
}

/// The values plan parameters may take (the engine validates every value again).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlanOptions {
    /// Devices of the catalogue.
    pub devices: Vec<DeviceOption>,
    /// Named K conventions.
    pub k_conventions: Vec<String>,
    /// Methods.
    pub methods: Vec<String>,
}

/// A plan version without its inputs and result (lists, timeline).
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanSummary {
    /// Id.
    pub id: i64,
    /// Its case.
    pub case_id: i64,
    /// Version number within the case.
    pub version: i64,
    /// The version it was made from.
    pub based_on: Option<i64>,
    /// Workflow state.
    pub state: PlanState,
    /// Optimistic concurrency: send it back with a change.
    pub row_version: i64,
    /// Creator.
    pub created_by: String,
    /// Created (UTC).
    pub created_at: String,
    /// Checked by.
    pub checked_by: Option<String>,
    /// Checked (UTC).
    pub checked_at: Option<String>,
    /// Approved by.
    pub approved_by: Option<String>,
    /// Approved (UTC).
    pub approved_at: Option<String>,
    /// Delivered recorded by.
    pub delivered_by: Option<String>,
    /// Delivered recorded (UTC).
    pub delivered_at: Option<String>,
    /// Last changed by.
    pub updated_by: String,
    /// Last changed (UTC).
    pub updated_at: String,
    /// SHA-256 of the case file and parameters, recorded at approval.
    pub inputs_sha256: Option<String>,
}

/// Links of a plan.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanLinks {
    /// This plan.
    #[serde(rename = "self")]
    pub this: String,
    /// Its report page.
    pub report: String,
    /// Its history.
    pub history: String,
    /// Its case.
    pub case: String,
}

/// A plan version with its inputs and computed result.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Plan")]
pub struct PlanView {
    /// The version.
    #[serde(flatten)]
    pub summary: PlanSummary,
    /// The values parameters may take.
    pub options: PlanOptions,
    /// Whether a change edits this version in place (draft, checked) or makes a new one.
    pub editable: bool,
    /// The parameters applied on top of the case file.
    pub parameters: Parameters,
    /// The case file (TOML).
    pub case_toml: String,
    /// The computed plan (`sirtplan plan --format json`, without the voxel part).
    pub result: Value,
    /// Links.
    pub links: PlanLinks,
}

/// `POST /api/cases/{id}/plans` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanBody {
    /// The case file (TOML, docs/case-format.md).
    pub case_toml: String,
    /// Parameters on top of it.
    #[serde(default)]
    pub parameters: Option<Value>,
}

/// `PATCH /api/plans/{id}` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    /// The row version read.
    pub row_version: i64,
    /// A JSON merge patch (RFC 7386) of the parameters.
    #[serde(default)]
    pub parameters: Option<Value>,
    /// A new case file.
    #[serde(default)]
    pub case_toml: Option<String>,
}

/// Body of the workflow steps (check, approve): an electronic signature.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// The row version read.
    pub row_version: i64,
    /// The signer's password, entered again for this signature (21 CFR Part 11 §11.200).
    pub password: String,
}

/// `POST /api/plans/{id}/acknowledgements` body: one failed check acknowledged.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeBody {
    /// Rule id of the failed check.
    pub rule: String,
    /// Its subject ("injection R").
    pub subject: String,
    /// Why the plan may be approved despite it (kept in the record).
    pub reason: String,
}

/// A failed check of a plan and its acknowledgement for the plan's current result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailedCheck {
    /// Rule id.
    pub rule: String,
    /// Subject.
    pub subject: String,
    /// The acknowledgement of this result, if any.
    pub acknowledgement: Option<sirt_store::Acknowledgement>,
}

/// The record frozen at approval, without its bytes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FrozenSummary {
    /// SHA-256 of the stored HTML report.
    pub report_html_sha256: String,
    /// SHA-256 of the stored PDF report (none: not printed at approval).
    pub report_pdf_sha256: Option<String>,
    /// SHA-256 over everything the result depends on.
    pub approval_sha256: String,
    /// Each part of the approval hash with its SHA-256.
    pub approval_inputs: Value,
    /// The engine that made the result.
    pub engine_id: String,
    /// Instant of approval.
    pub frozen_at: String,
}

/// `GET /api/plans/{id}/signatures`: the signatures, the failed checks with their
/// acknowledgements, and the record frozen at approval.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanSignatures {
    /// The plan version.
    pub plan_id: i64,
    /// Electronic signatures, oldest first.
    pub signatures: Vec<sirt_store::Signature>,
    /// The failed checks of the plan's result.
    pub failed_checks: Vec<FailedCheck>,
    /// Every acknowledgement made on this version, oldest first (also those of earlier results).
    pub acknowledgements: Vec<sirt_store::Acknowledgement>,
    /// The record frozen at approval.
    pub frozen: Option<FrozenSummary>,
}

/// `GET /api/plans/{id}/recompute-difference`: the approved plan recomputed with today's
/// engine, compared with the record frozen at approval.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RecomputeDifference {
    /// The plan version.
    pub plan_id: i64,
    /// Whether anything differs.
    pub differs: bool,
    /// The engine at approval.
    pub engine_at_approval: String,
    /// The engine today.
    pub engine_now: String,
    /// The approval hash stored.
    pub approval_sha256_stored: String,
    /// The approval hash of today's inputs.
    pub approval_sha256_now: String,
    /// The parts of the approval hash that changed.
    pub inputs_changed: Vec<String>,
    /// Whether the result JSON recomputed differs from the stored one.
    pub result_differs: bool,
    /// SHA-256 of the stored report.
    pub report_html_sha256_stored: String,
    /// SHA-256 of the report rendered today.
    pub report_html_sha256_now: String,
    /// Whether the report rendered today differs from the stored one.
    pub report_differs: bool,
    /// In words.
    pub summary: String,
}

/// `POST /api/plans/{id}/deliver` body: the delivery of one session (docs/server.md, "Delivery").
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverBody {
    /// The row version read.
    pub row_version: i64,
    /// The session delivered (an id of the case file's `[[sessions]]`).
    pub session: String,
    /// One record per injection of the session.
    pub treatments: Vec<DeliveryEntry>,
}

/// The delivery record of one injection, as entered.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryEntry {
    /// Injection id of the case file.
    pub injection_id: String,
    /// Injection instant with its zone or offset (`2026-03-05T10:25:00[Europe/Paris]`).
    pub administered_at: String,
    /// Vial assay before the injection, with its unit (`"1.95 GBq"`, `"52.7 mCi"`).
    pub vial_activity: String,
    /// When the vial was assayed, with its zone.
    pub vial_assayed_at: String,
    /// Residual measured after the injection, with its unit.
    pub residual: String,
    /// When the residual was measured, with its zone.
    pub residual_measured_at: String,
    /// Catheter position.
    pub catheter_position: String,
    /// Required when the delivered activity is more than 50 % from the plan's intended activity.
    #[serde(default)]
    pub confirm_reason: Option<String>,
    /// Required when the injection has a record already: this record is its correction.
    #[serde(default)]
    pub correction_reason: Option<String>,
}

/// `POST /api/plans/{id}/deliver` and `GET /api/plans/{id}/deliveries` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeliveryView {
    /// The plan as stored (its `result` the approved one: the approval and the acknowledgements
    /// of its failed checks refer to it).
    pub plan: PlanView,
    /// The plan's result (`sirtplan plan --format json`) computed with the delivery records in
    /// force: the recorded delivery, the delivered doses and the post-treatment checks.
    pub result: serde_json::Value,
    /// Every record (corrected ones with `current: false`) and the sessions delivered.
    pub delivery: sirt_store::PlanDeliveries,
    /// The sessions of the plan in treatment order, with their injections.
    pub sessions: Vec<DeliverySession>,
    /// The delivery addenda stored with each recording, oldest first (their HTML at
    /// `GET /api/plans/{id}/report/delivery?n=SEQ`); the approved report stays the one frozen
    /// at approval.
    pub addenda: Vec<sirt_store::DeliveryAddendum>,
}

/// A session of the plan as the delivery form shows it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeliverySession {
    /// Session id.
    pub id: String,
    /// Planned treatment instant.
    pub treatment: String,
    /// Whether every injection of it has a record.
    pub delivered: bool,
    /// Its injections.
    pub injections: Vec<DeliveryInjection>,
}

/// An injection as the delivery form shows it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeliveryInjection {
    /// Injection id.
    pub id: String,
    /// Catheter position planned (the case file's `label`).
    pub label: Option<String>,
    /// Device id.
    pub device: String,
    /// The activity the plan intends to administer, GBq.
    pub intended_gbq: Option<f64>,
}

/// `POST /api/demo/import` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImportedDemo {
    /// The patient.
    pub patient: Patient,
    /// The case.
    pub case: Case,
    /// The computed draft plan.
    pub plan: PlanView,
}

/// A plan by id, version and state.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanRef {
    /// Id.
    pub id: i64,
    /// Version.
    pub version: i64,
    /// State.
    pub state: PlanState,
}

/// `POST /api/demo/import-phantom` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImportedPhantom {
    /// The patient.
    pub patient: Patient,
    /// The case.
    pub case: Case,
    /// The computed draft plan.
    pub plan: PlanRef,
}

// ------------------------------------------------------------------------------- cases

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// A plan version was created.
    PlanCreated,
    /// A plan version was checked.
    PlanChecked,
    /// A plan version was approved.
    PlanApproved,
    /// An injection was delivered.
    Treatment,
    /// A follow-up visit.
    FollowUp,
    /// An adverse event.
    Toxicity,
}

/// One entry of a case's timeline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TimelineEntry {
    /// When (UTC instant or date).
    pub at: String,
    /// What.
    pub kind: TimelineKind,
    /// The plan, for plan and treatment entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<i64>,
    /// The visit, for follow-up entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_id: Option<i64>,
    /// The adverse event, for toxicity entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toxicity_id: Option<i64>,
    /// In words.
    pub text: String,
}

/// `GET /api/cases/{id}` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseDetail {
    /// The case.
    pub case: Case,
    /// Its patient.
    pub patient: Patient,
    /// Its plan versions.
    pub plans: Vec<PlanSummary>,
    /// Delivered injections.
    pub treatments: Vec<Treatment>,
    /// Follow-up visits.
    pub follow_ups: Vec<FollowUpView>,
    /// Adverse events.
    pub toxicities: Vec<Toxicity>,
    /// Documents.
    pub documents: Vec<Document>,
    /// Everything above by date.
    pub timeline: Vec<TimelineEntry>,
}

// ------------------------------------------------------------------------------- follow-up

/// A follow-up visit with its laboratory values as a JSON object (beside the stored text).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "FollowUp")]
pub struct FollowUpView {
    /// The stored visit.
    #[serde(flatten)]
    pub visit: FollowUp,
    /// Its laboratory values as stored: each value (and reference limit) `{"value", "unit",
    /// "normalised": {"value", "unit"}}`, the number and unit as entered and the value in the
    /// unit CTCAE grading uses (the INR's unit `""`); `anticoagulated` true/false. A visit
    /// recorded before values were checked keeps what was stored then (text, numbers).
    pub labs: serde_json::Map<String, Value>,
    /// The fields of `labs` that do not read as their key's quantity (`labs.bilirubin`,
    /// `labs.reference_ranges.alt_uln`; only in visits recorded before values were checked):
    /// shown as stored, never graded.
    pub unreadable_labs: Vec<String>,
}

/// `POST /api/cases/{id}/followups` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NewFollowUp")]
pub struct FollowUpBody {
    /// Visit date (`YYYY-MM-DD`).
    pub visit_date: String,
    /// Laboratory values by sirt-clinical's `[[labs]]` key (`bilirubin`, `albumin`, `inr`,
    /// `platelets`, `leukocytes`, `granulocytes`, `creatinine`, `sodium`, `gfr`, `ast`, `alt`,
    /// `alp`, `ggt`), each a number with its unit as text (`"1.2 mg/dL"`, `"20 µmol/L"`; the INR
    /// a number), `reference_ranges` (`bilirubin_uln`, `ast_uln`, `alt_uln`, `alp_uln`,
    /// `ggt_uln`, `albumin_lln`, `platelets_lln`, the same way) and `anticoagulated`
    /// (true/false). Any other key, or a value that does not read, is 422 naming the field.
    #[serde(default)]
    pub labs: Option<Value>,
    /// RECIST measurements as of this visit (sirt-recist's file format).
    #[serde(default)]
    pub recist: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// One time point of a RECIST track.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RecistTimePoint {
    /// Date.
    pub date: String,
    /// Visit label.
    pub visit: String,
    /// Sum of diameters, mm.
    pub sum_mm: Option<f64>,
    /// Change from baseline, %.
    pub change_from_baseline_percent: Option<f64>,
    /// Target response.
    pub target: Option<String>,
    /// Non-target response.
    pub non_target: Option<String>,
    /// New lesions.
    pub new_lesions: String,
    /// Overall response.
    pub overall: String,
}

/// The tumour response of a case by `sirt-recist` (as `sirtplan recist`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct RecistSummary {
    /// Criteria.
    pub criteria: String,
    /// Baseline sum, mm.
    pub baseline_sum_mm: Option<f64>,
    /// Time points of the global track.
    pub time_points: Vec<RecistTimePoint>,
    /// Best overall response.
    pub best_overall_response: String,
    /// Its date.
    pub best_overall_response_date: Option<String>,
    /// First progression.
    pub first_progression: Option<String>,
    /// Best overall response of the liver lesions.
    pub hepatic_best_overall_response: Option<String>,
    /// The report as text.
    pub text: String,
}

/// The RECIST assessment of a case: evaluated, or why not; each names the visit whose
/// measurements it read.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RecistAssessment {
    /// Evaluated.
    Evaluated {
        /// The visit whose measurements were evaluated.
        source_visit_id: i64,
        /// The evaluation.
        #[serde(flatten)]
        summary: Box<RecistSummary>,
    },
    /// Not evaluated.
    Failed {
        /// The visit whose measurements were read.
        source_visit_id: i64,
        /// Why they do not evaluate.
        error: String,
    },
}

/// CTCAE grades of the visits' laboratory values (`sirt_clinical::grade_labs`), or why not.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum LabGrading {
    /// Graded.
    Graded {
        /// `sirt_clinical::LabTimeline` as `sirtplan labs --format json` writes it.
        #[serde(flatten)]
        timeline: serde_json::Map<String, Value>,
        /// The grading as text.
        text: String,
        /// Where day 0 comes from.
        treatment_date_from: String,
        /// Stored values left out of the grading because they do not read (visits recorded
        /// before values were checked), each naming the visit's date and the field.
        not_graded: Vec<String>,
    },
    /// A value that does not read, naming the visit.
    Failed {
        /// Why.
        error: String,
    },
}

/// `GET /api/cases/{id}/followups` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FollowUpList {
    /// The visits by date.
    pub follow_ups: Vec<FollowUpView>,
    /// Tumour response (null without measurements).
    pub assessment: Option<RecistAssessment>,
    /// Laboratory toxicity (null without laboratory values).
    pub labs: Option<LabGrading>,
}

/// `POST /api/cases/{id}/toxicities` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NewToxicity")]
pub struct ToxicityBody {
    /// CTCAE v5.0 term, one of the `terms` of `GET /api/cases/{id}/toxicities` (letter case
    /// aside; stored as CTCAE spells it); any other is 422 naming the field.
    pub term: String,
    /// Grade 1–5.
    pub grade: i64,
    /// A visit of the same case.
    #[serde(default)]
    pub follow_up_id: Option<i64>,
    /// Onset date.
    #[serde(default)]
    pub onset_date: Option<String>,
    /// Attribution.
    #[serde(default)]
    pub attribution: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// An adverse event, and whether its term is one of the CTCAE list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToxicityView {
    /// The stored adverse event.
    #[serde(flatten)]
    pub toxicity: Toxicity,
    /// Whether `term` is a CTCAE v5.0 term of the list, spelt as CTCAE spells it; false only
    /// for an adverse event recorded before terms were checked (shown as stored).
    pub term_listed: bool,
}

/// A CTCAE term one may record an adverse event with.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "CtcaeTerm")]
pub struct CtcaeTermView {
    /// The term, as CTCAE spells it.
    pub term: String,
    /// Its MedDRA system organ class.
    pub soc: String,
}

/// `GET /api/cases/{id}/toxicities` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToxicityList {
    /// The adverse events.
    pub toxicities: Vec<ToxicityView>,
    /// The CTCAE version of `terms` ("5.0").
    pub ctcae_version: String,
    /// The terms an adverse event may be recorded with (sirt-clinical's list), by system organ
    /// class.
    pub terms: Vec<CtcaeTermView>,
}

// ------------------------------------------------------------------------------- history, audit

/// A parameter that differs between two versions (or two states of one).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ParameterChange {
    /// Its path (`injections.R.tnr.T1`).
    pub parameter: String,
    /// Before (null: absent).
    pub before: Option<Value>,
    /// After (null: absent).
    pub after: Option<Value>,
}

/// A plan version with its parameters.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VersionView {
    /// The version.
    #[serde(flatten)]
    pub summary: PlanSummary,
    /// Its parameters.
    pub parameters: Parameters,
}

/// What changed from one version to the next.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VersionDiff {
    /// From plan id.
    pub from_plan: i64,
    /// From version.
    pub from_version: i64,
    /// To plan id.
    pub to_plan: i64,
    /// To version.
    pub to_version: i64,
    /// Whether the case file differs.
    pub case_file_changed: bool,
    /// Parameters that differ.
    pub changes: Vec<ParameterChange>,
}

/// One audited change of a plan version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanEditEntry {
    /// Plan id.
    pub plan_id: i64,
    /// Version.
    pub version: i64,
    /// When (UTC).
    pub at: String,
    /// By whom.
    pub by: String,
    /// Audit action.
    pub action: String,
    /// State before (null: no state recorded, as for a creation).
    pub state_before: Option<PlanState>,
    /// State after.
    pub state_after: Option<PlanState>,
    /// Parameters changed.
    pub changes: Vec<ParameterChange>,
}

/// `GET /api/plans/{id}/history` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct History {
    /// The case.
    pub case_id: i64,
    /// The plan asked for.
    pub plan_id: i64,
    /// Every version of the case's plans.
    pub versions: Vec<VersionView>,
    /// Differences between each version and the one it came from.
    pub diffs: Vec<VersionDiff>,
    /// Audited changes, per version in order.
    pub edits: Vec<PlanEditEntry>,
}

/// `GET /api/audit` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

// ------------------------------------------------------------------------------- accounts, documents

/// An account as answered: never a hash.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Account")]
pub struct AccountView {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Disabled.
    pub disabled: bool,
    /// Created (UTC).
    pub created_at: String,
    /// Actions the role may do.
    pub permissions: Vec<Action>,
}

/// An account of the list, with its last sign-in.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountListEntry {
    /// The account.
    #[serde(flatten)]
    pub account: AccountView,
    /// Last sign-in (UTC; null: never).
    pub last_login_at: Option<String>,
}

/// `GET /api/users` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountList {
    /// Accounts by username.
    pub users: Vec<AccountListEntry>,
}

/// A document's record with its download link.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DocumentView {
    /// The record.
    #[serde(flatten)]
    pub document: Document,
    /// Where to download it.
    pub download: String,
}

/// `GET /api/cases/{id}/documents` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DocumentList {
    /// Oldest first.
    pub documents: Vec<DocumentView>,
}

/// `POST /api/plans/{id}/documents/report` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StoredReport {
    /// The plan.
    pub plan_id: i64,
    /// Its version.
    pub plan_version: i64,
    /// Its case.
    pub case_id: i64,
    /// The documents stored (HTML, and PDF with Chromium; the latest delivery addendum, kind
    /// `delivery_addendum`, when a delivery was recorded).
    pub documents: Vec<DocumentView>,
    /// Why no PDF was stored (null when it was).
    pub pdf_unavailable: Option<String>,
}

// ------------------------------------------------------------------------------- cohort

/// `GET /api/cohort/demo-registry` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DemoRegistry {
    /// The registry CSV.
    pub registry_csv: String,
    /// What it is.
    pub note: String,
}

/// `POST /api/cohort/km` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KmBody {
    /// The registry CSV.
    pub registry_csv: String,
    /// Duration column.
    pub duration: String,
    /// Event column (1 event, 0 censored).
    pub event: String,
    /// Unit of the durations (`days`, `weeks`, `months`, `years`).
    pub unit: String,
    /// Group column.
    #[serde(default)]
    pub group: Option<String>,
}

/// `POST /api/cohort/km` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct KmAnswer {
    /// `sirt_survival::KmReport` as `sirtplan cohort km --format json` writes it.
    #[serde(flatten)]
    pub report: serde_json::Map<String, Value>,
    /// The summary as text.
    pub summary_text: String,
    /// The plot.
    pub svg: String,
}

// ------------------------------------------------------------------------------- viewer

/// The grid of the viewer's volumes (the CT's).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ViewerGrid {
    /// Voxels along x, y, z.
    pub dims: [usize; 3],
    /// Spacing, mm.
    pub spacing_mm: [f64; 3],
    /// Whether the axes are those of the patient (no rotation).
    pub axis_aligned: bool,
    /// How arrays are indexed.
    pub index: String,
}

/// What a viewer volume holds.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VolumeKind {
    /// CT, HU.
    Ct,
    /// Activity image (SPECT counts, PET Bq/mL).
    Activity,
    /// Dose, Gy.
    Dose,
}

/// One volume of the viewer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ViewerVolume {
    /// Name in its URL.
    pub name: String,
    /// Kind.
    pub kind: VolumeKind,
    /// Label.
    pub label: String,
    /// Unit of its values.
    pub unit: String,
    /// Its array (little-endian float32).
    pub url: String,
    /// For a dose: predicted, delivered or predicted at the delivered activity.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub dose_kind: Option<sirt_planning::voxel::DoseKind>,
    /// For a dose: its session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// One structure of the viewer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ViewerStructure {
    /// Name.
    pub name: String,
    /// Role (liver, lungs, tumour, territory, ...).
    pub role: String,
    /// Its mask (uint8).
    pub url: String,
}

/// A cumulative DVH curve, thinned for the screen.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DvhCurve {
    /// Structure.
    pub name: String,
    /// Dose, Gy.
    pub dose_gy: Vec<f64>,
    /// Volume at or above, %.
    pub volume_percent: Vec<f64>,
}

/// `GET /api/plans/{id}/volumes` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Volumes {
    /// The plan.
    pub plan_id: i64,
    /// The CT grid.
    pub grid: ViewerGrid,
    /// CT, SPECT, PET, dose maps.
    pub volumes: Vec<ViewerVolume>,
    /// Structure masks.
    pub structures: Vec<ViewerStructure>,
    /// DVH curves of the first predicted session.
    pub dvh: Vec<DvhCurve>,
    /// That session.
    pub dvh_session: Option<String>,
    /// Loading and calibration notes.
    pub notes: Vec<String>,
    /// The voxel sections of the plan's report, block by block (sirt-report's document model:
    /// each block an object with one key naming its kind).
    #[schemars(with = "Vec<Value>")]
    pub report_blocks: Vec<sirt_report::document::Block>,
    /// The checks of the voxel results (basis `voxel` for the MAA prediction, `delivered` for
    /// the Y-90 PET), each as in the plan JSON's `checks`.
    #[schemars(with = "Vec<Value>")]
    pub image_checks: Vec<sirt_rules::Check>,
}

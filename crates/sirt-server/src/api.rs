//! The JSON endpoints of patients, cases (with follow-up visits and toxicities), plans and the
//! audit log.

use crate::answers::{
    AuditPage, CaseDetail, CtcaeTermView, FollowUpBody, FollowUpList, FollowUpView, History,
    ImportedDemo, LabGrading, NewCaseBody, NewPlanBody, ParameterChange, PatchBody, PatientDetail,
    PatientList, PlanEditEntry, PlanLinks, PlanSummary, PlanView, RecistAssessment, RecistSummary,
    RecistTimePoint, StepBody, TimelineEntry, TimelineKind, ToxicityBody, ToxicityList,
    ToxicityView, VersionDiff, VersionView,
};
use crate::engine::{
    Parameters, compute, compute_stored, flatten_parameters, measure_and_compute, merge_patch,
    parameters_from, parse_json,
};
use crate::error::{ApiError, ApiJson, ApiQuery, PathId};
use crate::{AppState, Auth};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use sirt_store::{
    Actor, AuditQuery, EditOutcome, FollowUp, NewCase, NewFollowUp, NewPatient, NewToxicity, Plan,
    PlanEdit, PlanInputs,
};

/// The analytic demo case (`sirtplan demo --analytic`).
pub const DEMO_CASE: &str = sirt_planning::DEMO_CASE;

/// Content-Security-Policy of the HTML pages: nothing from outside, inline styles only (the
/// report's CSS is inline), no scripts.
pub const HTML_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

type ApiResult = Result<Response, ApiError>;

fn created<T: serde::Serialize>(body: T) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

fn params_json(p: &Parameters) -> Result<String, ApiError> {
    serde_json::to_string(p).map_err(|_| ApiError::internal())
}

/// A plan without its inputs and result (lists, timeline).
fn plan_summary(p: &Plan) -> PlanSummary {
    PlanSummary {
        id: p.id,
        case_id: p.case_id,
        version: p.version,
        based_on: p.based_on,
        state: p.state,
        row_version: p.row_version,
        created_by: p.created_by.clone(),
        created_at: p.created_at.clone(),
        checked_by: p.checked_by.clone(),
        checked_at: p.checked_at.clone(),
        approved_by: p.approved_by.clone(),
        approved_at: p.approved_at.clone(),
        delivered_by: p.delivered_by.clone(),
        delivered_at: p.delivered_at.clone(),
        updated_by: p.updated_by.clone(),
        updated_at: p.updated_at.clone(),
        inputs_sha256: p.inputs_sha256.clone(),
    }
}

/// The stored parameters of a plan (written by the server from [`Parameters`]: a failure to
/// read them back is internal).
fn stored_parameters(p: &Plan) -> Result<Parameters, ApiError> {
    serde_json::from_str(&p.parameters_json).map_err(|_| ApiError::internal())
}

/// A plan with its inputs and computed result.
pub(crate) fn plan_view(state: &AppState, p: &Plan) -> Result<PlanView, ApiError> {
    Ok(PlanView {
        summary: plan_summary(p),
        options: state.engine.options(),
        editable: !p.state.is_frozen(),
        parameters: stored_parameters(p)?,
        case_toml: p.case_toml.clone(),
        result: parse_json(&p.result_json),
        links: PlanLinks {
            this: format!("/api/plans/{}", p.id),
            report: format!("/api/plans/{}/report.html", p.id),
            history: format!("/api/plans/{}/history", p.id),
            case: format!("/api/cases/{}", p.case_id),
        },
    })
}

/// `GET /api/patients` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatientQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/patients?q=`.
pub(crate) async fn list_patients(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PatientQuery>,
) -> ApiResult {
    let patients = state
        .store
        .search_patients(&q.q, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(PatientList { patients }).into_response())
}

/// `POST /api/patients`.
pub(crate) async fn create_patient(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    ApiJson(new): ApiJson<NewPatient>,
) -> ApiResult {
    let p = state.store.create_patient(&auth.actor(), &new).await?;
    Ok(created(p))
}

/// `GET /api/patients/{id}`.
pub(crate) async fn get_patient(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let patient = state.store.patient(id).await?;
    let cases = state.store.cases_of_patient(id).await?;
    let studies = crate::uploads::studies_of_patient(&state, id).await?;
    Ok(Json(PatientDetail {
        patient,
        cases,
        studies,
    })
    .into_response())
}

/// `POST /api/patients/{id}/cases`.
pub(crate) async fn create_case(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(patient_id): PathId,
    ApiJson(body): ApiJson<NewCaseBody>,
) -> ApiResult {
    let c = state
        .store
        .create_case(
            &auth.actor(),
            &NewCase {
                patient_id,
                title: body.title,
                indication: body.indication,
            },
        )
        .await?;
    Ok(created(c))
}

/// `POST /api/demo/import`: the analytic demo case as a patient, a case and a computed draft.
pub(crate) async fn demo_import(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> ApiResult {
    let params = Parameters::default();
    let computed = compute(&state, DEMO_CASE.to_owned(), params.clone()).await?;
    crate::identity::check_import(&state, &computed.plan.case).await?;
    let (patient, case, plan) = state
        .store
        .import_case(
            &auth.actor(),
            &NewPatient {
                mrn: computed.plan.case.patient.id.clone(),
                name: "Demo patient (synthetic)".into(),
                birth_date: Some(crate::identity::DEMO_BIRTH_DATE.into()),
                sex: computed.plan.case.patient.sex.clone(),
                pseudonym: None,
            },
            &NewCase {
                patient_id: 0,
                title: "Demo: bilobar NET, staged lobar glass".into(),
                indication: computed.plan.case.diagnosis.indication.clone(),
            },
            &PlanInputs {
                case_toml: DEMO_CASE.to_owned(),
                parameters_json: params_json(&params)?,
                result_json: computed.result.to_string(),
            },
        )
        .await?;
    Ok(created(ImportedDemo {
        plan: plan_view(&state, &plan)?,
        patient,
        case,
    }))
}

/// `GET /api/cases/{id}`: the case with its timeline.
pub(crate) async fn get_case(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let store = &state.store;
    let case = store.case(id).await?;
    let patient = store.patient(case.patient_id).await?;
    let plans = store.plans_of_case(id).await?;
    let treatments = store.treatments_of_case(id).await?;
    let follow_ups = store.follow_ups(id).await?;
    let toxicities = store.toxicities(id).await?;
    let documents = store.documents(id).await?;
    let timeline = timeline(&plans, &treatments, &follow_ups, &toxicities);
    let plans = plans.iter().map(plan_summary).collect();
    let follow_ups = follow_ups.iter().map(follow_up_view).collect();
    Ok(Json(CaseDetail {
        case,
        patient,
        plans,
        treatments,
        follow_ups,
        toxicities,
        documents,
        timeline,
    })
    .into_response())
}

/// The events of a case by date: plan versions created, checked, approved; injections
/// delivered; follow-up visits; adverse events.
fn timeline(
    plans: &[Plan],
    treatments: &[sirt_store::Treatment],
    follow_ups: &[FollowUp],
    toxicities: &[sirt_store::Toxicity],
) -> Vec<TimelineEntry> {
    let entry = |at: &str, kind, text: String| TimelineEntry {
        at: at.to_owned(),
        kind,
        plan_id: None,
        follow_up_id: None,
        toxicity_id: None,
        text,
    };
    let mut out = Vec::new();
    for p in plans {
        let steps = [
            (
                Some(&p.created_at),
                Some(&p.created_by),
                TimelineKind::PlanCreated,
                "created",
            ),
            (
                p.checked_at.as_ref(),
                p.checked_by.as_ref(),
                TimelineKind::PlanChecked,
                "checked",
            ),
            (
                p.approved_at.as_ref(),
                p.approved_by.as_ref(),
                TimelineKind::PlanApproved,
                "approved",
            ),
        ];
        for (at, by, kind, verb) in steps {
            if let (Some(at), Some(by)) = (at, by) {
                let text = format!("plan version {} {verb} by {by}", p.version);
                out.push(TimelineEntry {
                    plan_id: Some(p.id),
                    ..entry(at, kind, text)
                });
            }
        }
    }
    for t in treatments {
        let text = format!(
            "injection {}: {:.4} GBq delivered",
            t.injection_id, t.delivered_activity_gbq
        );
        out.push(TimelineEntry {
            plan_id: Some(t.plan_id),
            ..entry(&t.administered_at, TimelineKind::Treatment, text)
        });
    }
    for f in follow_ups {
        out.push(TimelineEntry {
            follow_up_id: Some(f.id),
            ..entry(
                &f.visit_date,
                TimelineKind::FollowUp,
                "follow-up visit".into(),
            )
        });
    }
    for t in toxicities {
        let at = t.onset_date.as_ref().unwrap_or(&t.created_at);
        let text = format!("{} grade {}", t.term, t.grade);
        out.push(TimelineEntry {
            toxicity_id: Some(t.id),
            ..entry(at, TimelineKind::Toxicity, text)
        });
    }
    out.sort_by(|a, b| a.at.cmp(&b.at));
    out
}

/// The stored `labs` of a visit as a JSON object (the server writes an object; anything else
/// reads as none).
fn stored_labs(f: &FollowUp) -> serde_json::Map<String, Value> {
    match parse_json(&f.labs_json) {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// A follow-up visit: the stored record with `labs` as the JSON object (beside its text
/// `labs_json`) as stored, and the fields of it that do not read (visits recorded before values
/// were checked: shown as they were stored, never rewritten).
fn follow_up_view(f: &FollowUp) -> FollowUpView {
    let labs = stored_labs(f);
    let unreadable_labs = crate::followup_input::read_stored_labs(&labs)
        .unreadable
        .into_iter()
        .map(|e| e.field)
        .collect();
    FollowUpView {
        visit: f.clone(),
        labs,
        unreadable_labs,
    }
}

/// `GET /api/cases/{id}/followups`: the visits of a case, by date.
pub(crate) async fn list_follow_ups(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> ApiResult {
    let case = state.store.case(id).await?;
    let patient = state.store.patient(case.patient_id).await?;
    let treatments = state.store.treatments_of_case(id).await?;
    let visits = state.store.follow_ups(id).await?;
    Ok(Json(FollowUpList {
        follow_ups: visits.iter().map(follow_up_view).collect(),
        assessment: recist_assessment(&visits),
        labs: lab_grading(&patient.mrn, &treatments, &visits),
    })
    .into_response())
}

/// CTCAE v5.0 grades of the laboratory values of a case's visits, by `sirt-clinical`'s
/// `grade_labs` (as `sirtplan labs`): the visits' values (`sirt_clinical::LAB_KEYS`, read back
/// as their number and unit as entered: `followup_input::read_stored_labs`; a stored value that
/// does not read, only in visits recorded before values were checked, is left out and named in
/// `not_graded`) become the lab sets of a patient record built by
/// `PatientRecord::from_lab_visits`, the `reference_ranges` objects of the visits (merged key by
/// key in date order, a later value replacing an earlier one) its reference ranges, the latest
/// `anticoagulated` its anticoagulation status, and the first recorded treatment's day its
/// treatment date (day 0; baselines are the latest values on or before it). `None` without
/// laboratory values; `Failed` naming the visits when no value reads. Nothing is assumed:
/// a missing ULN or anticoagulation status leaves the grade "not evaluated" with the reason.
fn lab_grading(
    mrn: &str,
    treatments: &[sirt_store::Treatment],
    visits: &[FollowUp],
) -> Option<LabGrading> {
    // The local date of the first injection, where it was given.
    let day0 = treatments
        .iter()
        .filter_map(|t| t.administered_at.parse::<sirt_units::Instant>().ok())
        .min_by_key(sirt_units::Instant::timestamp)
        .map(|i| i.zoned().date().to_string());
    let (input, not_graded) = lab_record_input(mrn, day0.clone(), visits);
    if input.visits.is_empty() {
        return (!not_graded.is_empty()).then(|| LabGrading::Failed {
            error: format!("no laboratory value reads: {}", not_graded.join("; ")),
        });
    }
    let name = "the visits' laboratory values";
    let legend = input
        .visits
        .iter()
        .enumerate()
        .map(|(i, v)| format!("labs[{i}] is the visit of {}", v.date))
        .collect::<Vec<_>>()
        .join(", ");
    let graded = sirt_clinical::PatientRecord::from_lab_visits(&input, name)
        .map_err(|e| e.to_string())
        .and_then(|r| {
            sirt_clinical::grade_labs(&r, sirt_clinical::CtcaeVersion::V5_0)
                .map_err(|e| e.to_string())
        });
    Some(match graded {
        Ok(t) => LabGrading::Graded {
            timeline: match serde_json::to_value(&t) {
                Ok(Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            },
            text: sirt_clinical::render_timeline(&t),
            treatment_date_from: if day0.is_some() {
                "the first recorded treatment"
            } else {
                "none recorded: no baseline, no grade after treatment"
            }
            .to_owned(),
            not_graded,
        },
        Err(e) => LabGrading::Failed {
            error: format!("{e} ({legend})"),
        },
    })
}

/// The laboratory values of the visits as `sirt-clinical`'s typed input, and the stored values
/// left out because they do not read (each "visit of DATE: field `labs.KEY`: expected …, found
/// …"); a visit without laboratory values is not a lab set.
fn lab_record_input(
    mrn: &str,
    treatment_date: Option<String>,
    visits: &[FollowUp],
) -> (sirt_clinical::LabRecordInput, Vec<String>) {
    let mut input = sirt_clinical::LabRecordInput {
        patient_id: mrn.to_owned(),
        treatment_date,
        ..Default::default()
    };
    let mut not_graded = Vec::new();
    for v in visits {
        let labs = crate::followup_input::read_stored_labs(&stored_labs(v));
        input.reference_ranges.extend(labs.reference_ranges);
        if labs.anticoagulated.is_some() {
            input.anticoagulated = labs.anticoagulated;
        }
        not_graded.extend(
            labs.unreadable
                .iter()
                .map(|e| format!("visit of {}: {e}", v.visit_date)),
        );
        if !labs.values.is_empty() {
            input.visits.push(sirt_clinical::LabVisit {
                date: v.visit_date.clone(),
                values: labs.values,
            });
        }
    }
    (input, not_graded)
}

/// The tumour response of a case: the RECIST measurements of the latest visit that has them
/// (each visit's `recist` is the measurement file as of that visit: baseline and every
/// assessment so far) evaluated by `sirt-recist` with its defaults (RECIST 1.1, confirmation
/// not required), as `sirtplan recist`. `null` when no visit has measurements; `{"error"}`
/// naming the visit when they do not evaluate.
fn recist_assessment(visits: &[FollowUp]) -> Option<RecistAssessment> {
    let v = visits.iter().rev().find(|v| v.recist.is_some())?;
    let text = v.recist.as_deref().unwrap_or_default();
    let name = format!("follow-up visit {} ({}) recist", v.id, v.visit_date);
    Some(
        match sirt_recist::evaluate(text, &name, &sirt_recist::Params::default()) {
            Ok(e) => RecistAssessment::Evaluated {
                source_visit_id: v.id,
                summary: Box::new(recist_summary(&e)),
            },
            Err(err) => RecistAssessment::Failed {
                source_visit_id: v.id,
                error: err.to_string(),
            },
        },
    )
}

/// A value of `sirt-recist` as the string its JSON writes (its enums serialise as names).
fn recist_label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The global track of an evaluation, in millimetres and percent.
fn recist_summary(e: &sirt_recist::Evaluation) -> RecistSummary {
    let g = &e.global;
    let mm = |t: Option<u64>| t.map(|t| t as f64 / 10.0);
    let pct = |t: Option<i64>| t.map(|t| t as f64 / 10.0);
    let time_points = g
        .time_points
        .iter()
        .map(|t| RecistTimePoint {
            date: t.date.to_string(),
            visit: t.visit.clone(),
            sum_mm: mm(t.sum_tenth_mm),
            change_from_baseline_percent: pct(t.change_from_baseline_tenth_pct),
            target: t.target.as_ref().map(recist_label),
            non_target: t.non_target.as_ref().map(recist_label),
            new_lesions: recist_label(&t.new_lesions),
            overall: recist_label(&t.overall),
        })
        .collect();
    RecistSummary {
        criteria: recist_label(&e.params.criteria),
        baseline_sum_mm: mm(g.baseline_sum_tenth_mm),
        time_points,
        best_overall_response: recist_label(&g.best.response),
        best_overall_response_date: g.best.date.map(|d| d.to_string()),
        first_progression: g.first_progression.map(|d| d.to_string()),
        hepatic_best_overall_response: e.hepatic.as_ref().map(|h| recist_label(&h.best.response)),
        text: sirt_recist::render_text(e),
    }
}

/// `POST /api/cases/{id}/followups`: records a visit (date, laboratory values, RECIST
/// measurements, notes); the store audits it in the same transaction. The laboratory values
/// are checked and stored typed (`followup_input::check_labs`): any other key, or a value that
/// does not read as its key's quantity with a unit, is 422 naming the field, and nothing is
/// stored.
pub(crate) async fn add_follow_up(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(case_id): PathId,
    ApiJson(body): ApiJson<FollowUpBody>,
) -> ApiResult {
    let labs = Value::Object(crate::followup_input::check_labs(body.labs.as_ref())?);
    crate::identity::check_recist(&state, case_id, body.recist.as_deref()).await?;
    let f = state
        .store
        .add_follow_up(
            &auth.actor(),
            &NewFollowUp {
                case_id,
                visit_date: body.visit_date,
                labs_json: labs.to_string(),
                recist: body.recist,
                notes: body.notes,
            },
        )
        .await?;
    Ok(created(follow_up_view(&f)))
}

/// `GET /api/cases/{id}/toxicities`: the adverse events of a case (each with whether its term
/// is one of the list: not so only for those recorded before terms were checked, shown as
/// stored), and the CTCAE terms one may record (`sirt_clinical::CTCAE_V5_TERMS`).
pub(crate) async fn list_toxicities(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> ApiResult {
    state.store.case(id).await?;
    let toxicities = state
        .store
        .toxicities(id)
        .await?
        .into_iter()
        .map(|t| ToxicityView {
            term_listed: crate::followup_input::term_listed(&t.term),
            toxicity: t,
        })
        .collect();
    let terms = sirt_clinical::CTCAE_V5_TERMS
        .iter()
        .map(|t| CtcaeTermView {
            term: t.term.to_owned(),
            soc: t.soc.to_owned(),
        })
        .collect();
    Ok(Json(ToxicityList {
        toxicities,
        ctcae_version: sirt_clinical::CTCAE_TERMS_VERSION.to_owned(),
        terms,
    })
    .into_response())
}

/// `POST /api/cases/{id}/toxicities`: records an adverse event (a CTCAE v5.0 term of the list,
/// stored as CTCAE spells it, and grade 1–5; any other term is 422 naming the field and
/// nothing is stored); a `follow_up_id` must be a visit of the same case.
pub(crate) async fn add_toxicity(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(case_id): PathId,
    ApiJson(body): ApiJson<ToxicityBody>,
) -> ApiResult {
    state.store.case(case_id).await?;
    let term = crate::followup_input::check_term(&body.term)?
        .term
        .to_owned();
    if let Some(fid) = body.follow_up_id {
        let visits = state.store.follow_ups(case_id).await?;
        if !visits.iter().any(|f| f.id == fid) {
            return Err(ApiError::invalid(format!(
                "field `follow_up_id`: expected a follow-up visit of case {case_id}, found {fid}"
            )));
        }
    }
    let t = state
        .store
        .add_toxicity(
            &auth.actor(),
            &NewToxicity {
                case_id,
                follow_up_id: body.follow_up_id,
                term,
                grade: body.grade,
                onset_date: body.onset_date,
                attribution: body.attribution,
                notes: body.notes,
            },
        )
        .await?;
    Ok(created(t))
}

/// `POST /api/cases/{id}/plans`: a new draft version from a case file.
pub(crate) async fn create_plan(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(case_id): PathId,
    ApiJson(body): ApiJson<NewPlanBody>,
) -> ApiResult {
    let case = state.store.case(case_id).await?;
    let params = match &body.parameters {
        Some(v) => parameters_from(v)?,
        None => Parameters::default(),
    };
    let computed = measure_and_compute(
        &state,
        case.patient_id,
        body.case_toml.clone(),
        params.clone(),
    )
    .await?;
    crate::identity::check_case_file(&state, case_id, &computed.plan.case).await?;
    let plan = state
        .store
        .create_plan(
            &auth.actor(),
            case_id,
            &PlanInputs {
                case_toml: body.case_toml,
                parameters_json: params_json(&params)?,
                result_json: computed.result.to_string(),
            },
        )
        .await?;
    Ok(created(plan_view(&state, &plan)?))
}

/// `GET /api/plans/{id}`.
pub(crate) async fn get_plan(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let plan = state.store.plan(id).await?;
    Ok(Json(plan_view(&state, &plan)?).into_response())
}

/// `PATCH /api/plans/{id}`: merge the parameters, recompute, store. A draft or checked plan
/// changes in place (200; a checked one returns to draft); an approved or delivered plan stays
/// as it is and a new draft version holds the change (201 with `Location`).
pub(crate) async fn patch_plan(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<PatchBody>,
) -> ApiResult {
    let plan = state.store.plan(id).await?;
    if plan.row_version != body.row_version {
        return Err(sirt_store::StoreError::Conflict {
            entity: "plan",
            id,
            read: body.row_version,
            current: plan.row_version,
            changed_by: plan.updated_by,
            changed_at: plan.updated_at,
        }
        .into());
    }
    let mut merged = parse_json(&plan.parameters_json);
    if let Some(patch) = &body.parameters {
        if !patch.is_object() {
            return Err(ApiError::invalid(
                "field `parameters`: expected a JSON object (a merge patch), found another value",
            ));
        }
        merge_patch(&mut merged, patch);
    }
    let params = parameters_from(&merged)?;
    // A new case file is measured again on the patient's images; the plan's own is recomputed
    // with the measurement its version keeps (no image read).
    let computed = match &body.case_toml {
        Some(text) if *text != plan.case_toml => {
            let patient = state.store.case(plan.case_id).await?.patient_id;
            measure_and_compute(&state, patient, text.clone(), params.clone()).await?
        }
        _ => compute_stored(&state, &plan, params.clone()).await?,
    };
    crate::identity::check_case_file(&state, plan.case_id, &computed.plan.case).await?;
    let out = state
        .store
        .edit_plan(
            &auth.actor(),
            id,
            body.row_version,
            &PlanEdit {
                case_toml: body.case_toml,
                parameters_json: params_json(&params)?,
                result_json: computed.result.to_string(),
            },
        )
        .await?;
    if computed.plan.case.images.is_some() {
        let edited = match &out {
            EditOutcome::Updated(p) | EditOutcome::NewVersion(p) => p.clone(),
        };
        queue_voxel_part(&state, edited);
    }
    Ok(match out {
        EditOutcome::Updated(p) => Json(plan_view(&state, &p)?).into_response(),
        EditOutcome::NewVersion(p) => {
            let mut r = created(plan_view(&state, &p)?);
            if let Ok(v) = HeaderValue::from_str(&format!("/api/plans/{}", p.id)) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
    })
}

/// Queues the voxel part of a plan with images just changed, after the answer: its doses are
/// computed while the page asks for them (`GET /api/plans/{id}/volumes` finds the job queued
/// or running). Errors are left to that request, which answers them.
fn queue_voxel_part(state: &AppState, plan: sirt_store::Plan) {
    let state = state.clone();
    drop(tokio::spawn(async move {
        let _ = crate::jobs::voxel::status(&state, &plan).await;
    }));
}

/// `POST /api/plans/{id}/check`: with the physicist's password (`signature`).
pub(crate) async fn check_plan(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult {
    crate::identity::check_plan(&state, id).await?;
    crate::signature::sign(&state, &auth, id, &body, sirt_store::SignedStep::Check).await
}

/// `POST /api/plans/{id}/approve`: with the physician's password; freezes the record.
pub(crate) async fn approve_plan(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult {
    crate::identity::check_plan(&state, id).await?;
    crate::signature::sign(&state, &auth, id, &body, sirt_store::SignedStep::Approve).await
}

/// The parameters that differ between two parameter sets.
fn diff_parameters(before: &Value, after: &Value) -> Vec<ParameterChange> {
    let (a, b) = (flatten_parameters(before), flatten_parameters(after));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| ParameterChange {
            parameter: k.clone(),
            before: a.get(k).cloned(),
            after: b.get(k).cloned(),
        })
        .collect()
}

/// The plan state recorded in an audit row's before or after image (None when absent).
fn audited_state(image: Option<&Value>) -> Option<sirt_store::PlanState> {
    image.and_then(|v| serde_json::from_value(v["state"].clone()).ok())
}

/// `GET /api/plans/{id}/history`: every version of the plan's case, the parameter differences
/// between each version and the one it came from, and the edits of each version (from the audit
/// log).
pub(crate) async fn history(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let plan = state.store.plan(id).await?;
    let versions = state.store.plans_of_case(plan.case_id).await?;
    let mut out_versions = Vec::new();
    let mut diffs = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        out_versions.push(VersionView {
            summary: plan_summary(v),
            parameters: stored_parameters(v)?,
        });
        let from = match v.based_on {
            Some(b) => versions.iter().find(|x| x.id == b),
            None if i > 0 => versions.get(i - 1),
            None => None,
        };
        if let Some(f) = from {
            diffs.push(VersionDiff {
                from_plan: f.id,
                from_version: f.version,
                to_plan: v.id,
                to_version: v.version,
                case_file_changed: f.case_toml != v.case_toml,
                changes: diff_parameters(
                    &parse_json(&f.parameters_json),
                    &parse_json(&v.parameters_json),
                ),
            });
        }
    }
    let mut edits = Vec::new();
    for v in &versions {
        let mut rows = state
            .store
            .audit(&AuditQuery {
                entity: Some("plan".into()),
                entity_id: Some(v.id.to_string()),
                before_id: None,
                limit: 1000,
            })
            .await?;
        rows.reverse();
        for r in rows {
            let changes = match (&r.before, &r.after) {
                (Some(b), Some(a)) => diff_parameters(&b["parameters"], &a["parameters"]),
                _ => Vec::new(),
            };
            edits.push(PlanEditEntry {
                plan_id: v.id,
                version: v.version,
                at: r.at,
                by: r.username,
                action: r.action,
                state_before: audited_state(r.before.as_ref()),
                state_after: audited_state(r.after.as_ref()),
                changes,
            });
        }
    }
    Ok(Json(History {
        case_id: plan.case_id,
        plan_id: id,
        versions: out_versions,
        diffs,
        edits,
    })
    .into_response())
}

/// `GET /api/audit` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    entity_id: Option<String>,
    #[serde(default)]
    before_id: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/audit`: newest first; page with `before_id`.
pub(crate) async fn audit(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult {
    // The failed logins of the current minute are aggregated later: write them now, so that
    // the log read is complete.
    crate::login::audit_failed_logins_now(&state).await?;
    let entries = state
        .store
        .audit(&AuditQuery {
            entity: q.entity,
            entity_id: q.entity_id,
            before_id: q.before_id,
            limit: q.limit.unwrap_or(100),
        })
        .await?;
    Ok(Json(AuditPage { entries }).into_response())
}

impl Auth {
    /// The actor of the store for this user.
    pub fn actor(&self) -> Actor {
        Actor::user(&self.user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameter_diffs_name_paths() {
        let a = json!({"injections":{"R":{"tnr":{"T1":2.8}}}});
        let b = json!({"injections":{"R":{"tnr":{"T1":3.5}}},"k":"nuclear-data"});
        assert_eq!(
            serde_json::to_value(diff_parameters(&a, &b)).unwrap(),
            json!([
                {"parameter":"injections.R.tnr.T1","before":2.8,"after":3.5},
                {"parameter":"k","before":null,"after":"nuclear-data"},
            ])
        );
    }
}

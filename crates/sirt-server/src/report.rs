//! The plan report page (`GET /api/plans/{id}/report.html`): the report `sirtplan plan` makes
//! of the plan's case file and parameters, with its voxel sections when the case has images
//! (from the plan's volume computation, `volumes`), and the plan's record in the application.
//! The PDF (`pages`) and the stored documents (`documents`) print this document. An approved
//! plan's report is the one frozen at approval, never made again; its delivery is recorded
//! apart, in delivery addenda stored with each recording (`GET
//! /api/plans/{id}/report/delivery`, made by `delivery`).

use crate::AppState;
use crate::engine::{flatten_parameters, parameters_from, parse_json};
use crate::error::{ApiError, PathId};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".to_owned())
}

/// A stored instant (RFC 3339, or with its zone in brackets) as every instant of a report is
/// printed: "2026-03-05 10:00 +01:00", in the site's time zone when it has one; as stored when
/// it does not parse.
pub(crate) fn instant_text(state: &AppState, stored: &str) -> String {
    match stored.parse::<sirt_units::Instant>() {
        Ok(i) => {
            let zone = state.engine.site().settings.zone();
            sirt_report::signoff::fmt_instant(&i, zone.as_ref())
        }
        Err(_) => stored.to_owned(),
    }
}

/// The separator of a list of clauses: "; " in English, a narrow no-break space before the
/// semicolon in French (French typography).
pub(crate) fn list_separator(lang: sirt_i18n::Lang) -> &'static str {
    match lang {
        sirt_i18n::Lang::En => "; ",
        sirt_i18n::Lang::Fr => "\u{202f}; ",
    }
}

/// The language of the reports the server renders (the site's).
pub(crate) fn report_lang(state: &AppState) -> sirt_i18n::Lang {
    state.engine.site().settings.language
}

/// A role as stored ("physicist") in the report's words; an unknown one as stored.
pub(crate) fn role_text(lang: sirt_i18n::Lang, stored: &str) -> String {
    use sirt_i18n::t;
    use sirt_store::Role;
    match Role::parse(stored) {
        Some(Role::Admin) => t!(lang, "record-role-admin"),
        Some(Role::Physician) => t!(lang, "record-role-physician"),
        Some(Role::Physicist) => t!(lang, "record-role-physicist"),
        Some(Role::Technologist) => t!(lang, "record-role-technologist"),
        Some(Role::Viewer) => t!(lang, "record-role-viewer"),
        None => stored.to_owned(),
    }
}

/// The meaning of a signature of `step` ("check", "approve") in the report's words: the
/// meaning recorded with it (`SignedStep::meaning`, English) is the same statement; another
/// step's text as recorded.
pub(crate) fn meaning_text(lang: sirt_i18n::Lang, step: &str, recorded: &str) -> String {
    use sirt_i18n::t;
    use sirt_store::SignedStep;
    match step {
        s if s == SignedStep::Check.as_str() && recorded == SignedStep::Check.meaning() => {
            t!(lang, "record-meaning-check")
        }
        s if s == SignedStep::Approve.as_str() && recorded == SignedStep::Approve.meaning() => {
            t!(lang, "record-meaning-approve")
        }
        _ => recorded.to_owned(),
    }
}

/// A plan state in the report's words.
fn state_text(lang: sirt_i18n::Lang, state: sirt_store::PlanState) -> String {
    use sirt_i18n::t;
    use sirt_store::PlanState;
    match state {
        PlanState::Draft => t!(lang, "record-state-draft"),
        PlanState::Checked => t!(lang, "record-state-checked"),
        PlanState::Approved => t!(lang, "record-state-approved"),
        PlanState::Delivered => t!(lang, "record-state-delivered"),
    }
}

/// `GET /api/plans/{id}/report.html`: the CLI's plan report (sirt-report), with the plan's
/// record (patient, case, version, state, check and approval, inputs hash) after the notice.
pub(crate) async fn report_html(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let html = report_document_html(&state, id).await?;
    Ok(html_response(html))
}

/// Content-Security-Policy of the plan report: [`HTML_CSP`], except that the application's own
/// pages may frame it.
pub const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// The plan report as an HTML document: the report `sirtplan plan` makes of the plan's case
/// file and parameters (with its voxel sections when the case has images), with the plan's
/// record (patient, case, version, state, check and approval, inputs hash) after the notice.
/// An approved (or delivered) plan's report is the one stored at approval (`frozen`), checked
/// against its SHA-256 and served unchanged, whatever was recorded since: the delivery is a
/// separate, dated record ([`delivery_addendum_html`]).
pub(crate) async fn report_document_html(state: &AppState, id: i64) -> Result<String, ApiError> {
    if let Some(f) = crate::frozen::stored(state, id).await? {
        return Ok(f.report_html);
    }
    let plan = state.store.plan(id).await?;
    // A plan without a frozen record: not yet approved (no delivery records), or approved
    // before approvals froze their report (then with the records in force, as it was shown).
    let records = state.store.deliveries(id).await?;
    let records = (!records.records.is_empty()).then_some(records);
    render_report_html(state, &plan, Vec::new(), None, records.as_ref()).await
}

/// The query of `GET /api/plans/{id}/report/delivery`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddendumQuery {
    /// The addendum's number (1, 2, ...); the latest when left out.
    n: Option<i64>,
}

/// `GET /api/plans/{id}/report/delivery?n=`: a delivery addendum of the plan as stored when
/// its delivery was recorded (the latest by default), checked against its SHA-256.
pub(crate) async fn delivery_report_html(
    State(state): State<AppState>,
    PathId(id): PathId,
    Query(q): Query<AddendumQuery>,
) -> Result<Response, ApiError> {
    let html = delivery_addendum_html(&state, id, q.n).await?;
    Ok(html_response(html))
}

/// The stored delivery addendum `n` of plan `id` (the latest when `None`): 404
/// `no_delivery_addendum` when there is none, 500 `addendum_integrity` when the stored bytes do
/// not match the SHA-256 recorded with them.
pub(crate) async fn delivery_addendum_html(
    state: &AppState,
    id: i64,
    n: Option<i64>,
) -> Result<String, ApiError> {
    let plan = state.store.plan(id).await?;
    let list = state.store.delivery_addenda(id).await?;
    let seq = match n {
        Some(n) => n,
        None => list.last().map_or(0, |a| a.seq),
    };
    let none = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_delivery_addendum",
            match n {
                Some(n) => format!(
                    "plan {id} (state {}): expected delivery addendum {n}, found {} addend{}",
                    plan.state,
                    list.len(),
                    if list.len() == 1 { "um" } else { "a" }
                ),
                None => format!(
                    "plan {id} (state {}): expected a delivery addendum (one is stored with each recorded delivery), found none",
                    plan.state
                ),
            },
        )
    };
    let (meta, html) = state
        .store
        .delivery_addendum(id, seq)
        .await?
        .ok_or_else(none)?;
    let found = hex::encode(Sha256::digest(html.as_bytes()));
    if found != meta.report_html_sha256 {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "addendum_integrity",
            format!(
                "plan {id}: delivery addendum {seq} does not match the SHA-256 recorded with it (expected {}, found {found}); it is not served",
                meta.report_html_sha256
            ),
        ));
    }
    Ok(html)
}

/// An HTML report answer: its type, the report's CSP, framed by the application only.
fn html_response(html: String) -> Response {
    let mut r = html.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(REPORT_CSP),
    );
    // The planning workspace shows the report in a frame of the same origin.
    r.headers_mut().insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    r
}

/// The document of a plan made now with the given overrides: with its voxel part when the case
/// has images (the voxel job's result when the overrides are the plan's own, with the records
/// stored, waiting for it if needed; made apart otherwise), the plan's own document without.
async fn plan_document(
    state: &AppState,
    plan: &sirt_store::Plan,
    overrides: sirt_case::Overrides,
    records: &sirt_store::PlanDeliveries,
) -> Result<sirt_report::document::Document, ApiError> {
    let computed = crate::delivery::compute_with(state, plan, overrides.clone()).await?;
    if computed.plan.case.images.is_none() {
        let settings = &state.engine.site().settings;
        return Ok(sirt_planning::Outcome::for_site(computed.plan, None, settings).document);
    }
    let stored = state.store.deliveries(plan.id).await?;
    let same = |a: &sirt_store::PlanDeliveries, b: &sirt_store::PlanDeliveries| {
        a.current().map(|r| r.id).collect::<Vec<_>>()
            == b.current().map(|r| r.id).collect::<Vec<_>>()
    };
    if same(&stored, records) && records.current().all(|r| r.id != 0) {
        return crate::volumes::document_for(state, plan).await;
    }
    let case = state.store.case(plan.case_id).await?;
    let base = state.patient_folder(case.patient_id);
    let engine = state.engine.clone();
    let case_toml = plan.case_toml.clone();
    tokio::task::spawn_blocking(move || engine.outcome_overrides(&case_toml, &overrides, &base))
        .await
        .map_err(|_| ApiError::internal())?
        .map(|o| o.document)
        .map_err(ApiError::from)
}

/// The report of this version of a plan made now, with `extra` rows after its record (the
/// signatures and the approval hash of `frozen`) and its sign-off block filled from
/// `signatures` (the plan's stored ones when `None`). With `deliveries`, the plan is computed
/// with those records in force and the report adds a "Delivery record" section (a delivery
/// addendum); without, it is the plan as planned.
pub(crate) async fn render_report_html(
    state: &AppState,
    plan: &sirt_store::Plan,
    extra: Vec<(String, String)>,
    signatures: Option<Vec<sirt_store::Signature>>,
    deliveries: Option<&sirt_store::PlanDeliveries>,
) -> Result<String, ApiError> {
    let document = report_document(state, plan, extra, signatures, deliveries, Vec::new()).await?;
    Ok(sirt_report::document::to_html(&document))
}

/// [`render_report_html`]'s document, with a first section `heading_rows` ("Delivery
/// addendum") when given.
pub(crate) async fn report_document(
    state: &AppState,
    plan: &sirt_store::Plan,
    extra: Vec<(String, String)>,
    signatures: Option<Vec<sirt_store::Signature>>,
    deliveries: Option<&sirt_store::PlanDeliveries>,
    addendum_rows: Vec<(String, String)>,
) -> Result<sirt_report::document::Document, ApiError> {
    let plan = plan.clone();
    let case = state.store.case(plan.case_id).await?;
    let patient = state.store.patient(case.patient_id).await?;
    let params = parameters_from(&parse_json(&plan.parameters_json))?;
    let empty = sirt_store::PlanDeliveries {
        records: Vec::new(),
        sessions: Vec::new(),
    };
    let records = deliveries.unwrap_or(&empty);
    let overrides = crate::delivery::with_records(&params, records)?;
    let mut document = plan_document(state, &plan, overrides, records).await?;
    let lang = report_lang(state);
    let delivery = crate::delivery::report_rows(state, records);
    if !delivery.is_empty() {
        let heading = sirt_i18n::t!(lang, "record-delivery-record");
        sirt_planning::insert_record(&mut document, &heading, delivery);
    }
    sirt_planning::insert_record(
        &mut document,
        &sirt_i18n::t!(lang, "record-plan-record"),
        plan_record(state, &plan, &case, &patient)
            .into_iter()
            .chain(extra)
            .collect(),
    );
    if !addendum_rows.is_empty() {
        let heading = sirt_i18n::t!(lang, "record-delivery-addendum");
        sirt_planning::insert_record(&mut document, &heading, addendum_rows);
        document.title = sirt_i18n::t!(lang, "record-addendum-title", title = &document.title);
    }
    let signatures = match signatures {
        Some(s) => s,
        None => state.store.signatures(plan.id).await?,
    };
    crate::frozen::fill_sign_off(state, &plan, &mut document, &signatures);
    Ok(document)
}

/// The plan's record in the web application, as the report prints it.
fn plan_record(
    state: &AppState,
    plan: &sirt_store::Plan,
    case: &sirt_store::Case,
    patient: &sirt_store::Patient,
) -> Vec<(String, String)> {
    use sirt_i18n::t;
    let lang = report_lang(state);
    let by_at = |by: &Option<String>, at: &Option<String>| match (by, at) {
        (Some(b), Some(a)) => t!(lang, "record-by-at", who = b, at = instant_text(state, a)),
        _ => "—".to_owned(),
    };
    let changed = flatten_parameters(&parse_json(&plan.parameters_json));
    vec![
        (
            t!(lang, "record-patient"),
            t!(
                lang,
                "record-patient-value",
                name = &patient.name,
                mrn = &patient.mrn
            ),
        ),
        (
            t!(lang, "record-case"),
            format!("{} — {}", case.title, case.indication),
        ),
        (
            t!(lang, "record-plan"),
            t!(
                lang,
                "record-plan-value",
                version = plan.version,
                state = state_text(lang, plan.state)
            ),
        ),
        (
            t!(lang, "record-created"),
            by_at(
                &Some(plan.created_by.clone()),
                &Some(plan.created_at.clone()),
            ),
        ),
        (
            t!(lang, "record-checked"),
            by_at(&plan.checked_by, &plan.checked_at),
        ),
        (
            t!(lang, "record-approved"),
            by_at(&plan.approved_by, &plan.approved_at),
        ),
        (t!(lang, "record-inputs-sha"), or_dash(&plan.inputs_sha256)),
        (
            t!(lang, "record-parameters-changed"),
            if changed.is_empty() {
                t!(lang, "record-parameters-none")
            } else {
                changed
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(list_separator(lang))
            },
        ),
    ]
}

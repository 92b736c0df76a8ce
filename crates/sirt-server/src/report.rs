//! The plan report page (`GET /api/plans/{id}/report.html`): the report `sirtplan plan` makes
//! of the plan's case file and parameters, with its voxel sections when the case has images
//! (from the plan's volume computation, `volumes`), and the plan's record in the application.
//! The PDF (`pages`) and the stored documents (`documents`) print this document.

use crate::AppState;
use crate::engine::{flatten_parameters, parse_json};
use crate::error::{ApiError, PathId};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".to_owned())
}

/// `GET /api/plans/{id}/report.html`: the CLI's plan report (sirt-report), with the plan's
/// record (patient, case, version, state, check and approval, inputs hash) after the notice.
pub(crate) async fn report_html(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let html = report_document_html(&state, id).await?;
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
    Ok(r)
}

/// Content-Security-Policy of the plan report: [`HTML_CSP`], except that the application's own
/// pages may frame it.
pub const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// The plan report as an HTML document: the report `sirtplan plan` makes of the plan's case
/// file and parameters (with its voxel sections when the case has images), with the plan's
/// record (patient, case, version, state, check and approval, inputs hash) after the notice.
/// An approved plan's report is the one stored at approval (`frozen`), never made again.
pub(crate) async fn report_document_html(state: &AppState, id: i64) -> Result<String, ApiError> {
    // A plan with delivery records shows them (`delivery`): its report is made with the records
    // in force; the report frozen at approval stays stored as it was.
    let delivered = !state.store.deliveries(id).await?.records.is_empty();
    if !delivered && let Some(f) = state.store.frozen(id).await? {
        return Ok(f.report_html);
    }
    let plan = state.store.plan(id).await?;
    render_report_html(state, &plan, Vec::new(), None).await
}

/// The report of this version of a plan made now, with `extra` rows after its record (the
/// signatures and the approval hash of `frozen`) and its sign-off block filled from
/// `signatures` (the plan's stored ones when `None`).
pub(crate) async fn render_report_html(
    state: &AppState,
    plan: &sirt_store::Plan,
    extra: Vec<(String, String)>,
    signatures: Option<Vec<sirt_store::Signature>>,
) -> Result<String, ApiError> {
    let plan = plan.clone();
    let case = state.store.case(plan.case_id).await?;
    let patient = state.store.patient(case.patient_id).await?;
    // The parameters and the delivery records in force (`delivery`).
    let overrides = crate::delivery::plan_overrides(state, &plan).await?;
    let computed = crate::delivery::compute_with(state, plan.case_toml.clone(), overrides).await?;
    // With images, the document of the plan with its voxel part (made with the viewer's
    // volumes, from the same inputs); without, the plan's own.
    let mut document = if computed.plan.case.images.is_some() {
        crate::volumes::prepared_for(state, &plan)
            .await?
            .document
            .clone()
    } else {
        sirt_planning::Outcome::new(computed.plan, None).document
    };
    let delivery = crate::delivery::report_rows(state, &plan).await?;
    if !delivery.is_empty() {
        sirt_planning::insert_record(&mut document, "Delivery record", delivery);
    }
    sirt_planning::insert_record(
        &mut document,
        "Plan record",
        plan_record(&plan, &case, &patient)
            .into_iter()
            .chain(extra)
            .collect(),
    );
    let signatures = match signatures {
        Some(s) => s,
        None => state.store.signatures(plan.id).await?,
    };
    crate::frozen::fill_sign_off(state, &plan, &mut document, &signatures);
    Ok(sirt_report::document::to_html(&document))
}

/// The plan's record in the web application, as the report prints it.
fn plan_record(
    plan: &sirt_store::Plan,
    case: &sirt_store::Case,
    patient: &sirt_store::Patient,
) -> Vec<(String, String)> {
    let by_at = |by: &Option<String>, at: &Option<String>| match (by, at) {
        (Some(b), Some(a)) => format!("{b}, {a}"),
        _ => "—".to_owned(),
    };
    let changed = flatten_parameters(&parse_json(&plan.parameters_json));
    vec![
        (
            "Patient".into(),
            format!("{} (MRN {})", patient.name, patient.mrn),
        ),
        (
            "Case".into(),
            format!("{} — {}", case.title, case.indication),
        ),
        (
            "Plan".into(),
            format!("version {}, {}", plan.version, plan.state),
        ),
        (
            "Created".into(),
            format!("{}, {}", plan.created_by, plan.created_at),
        ),
        ("Checked".into(), by_at(&plan.checked_by, &plan.checked_at)),
        (
            "Approved".into(),
            by_at(&plan.approved_by, &plan.approved_at),
        ),
        ("Inputs SHA-256".into(), or_dash(&plan.inputs_sha256)),
        (
            "Parameters changed".into(),
            if changed.is_empty() {
                "none (the case file as written)".to_owned()
            } else {
                changed
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        ),
    ]
}

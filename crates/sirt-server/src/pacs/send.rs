//! "Send to PACS" (`POST /api/plans/{id}/pacs/send`): an approved (or delivered) plan's RT Dose
//! files, its structures as one SEG and one RT Structure Set referencing the planning CT, and
//! the report frozen at approval as an Encapsulated PDF (`sirt_planning::Outcome::pacs_objects`),
//! each sent by STOW-RS or C-STORE as the node speaks. Each object the node refuses is answered
//! with its reason; the send is audited (`pacs.send`: who, the node, every SOP Instance UID with
//! its outcome).

use super::{client_of, pacs_failure};
use crate::error::{ApiError, ApiJson, PathId};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sirt_planning::PacsObject;
use sirt_store::{PacsExchange, PlanState};

type ApiResult = Result<Response, ApiError>;

/// `POST /api/plans/{id}/pacs/send` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    /// The node's id.
    pub node_id: i64,
}

/// One object sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SentObject {
    /// `RTDOSE`, `SEG`, `RTSTRUCT` or `DOC`.
    pub modality: String,
    /// Its SOP Instance UID.
    pub sop_instance_uid: String,
    /// Whether the node stored it.
    pub stored: bool,
    /// Refused: the node's reason (STOW-RS Failure Reason or DIMSE status and comment).
    pub reason: Option<String>,
}

/// `POST /api/plans/{id}/pacs/send`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PacsSend {
    /// The node's name.
    pub node: String,
    /// Every object, with its fate.
    pub objects: Vec<SentObject>,
    /// Whether the report was among them (false when no PDF was printed at approval).
    pub report_sent: bool,
}

/// The plan's objects: its voxel part computed again with the records in force (blocking), the
/// report frozen at approval.
async fn objects_of(
    state: &AppState,
    plan: &sirt_store::Plan,
) -> Result<(Vec<PacsObject>, bool), ApiError> {
    let case = state.store.case(plan.case_id).await?;
    let records = state.store.deliveries(plan.id).await?;
    let params = crate::engine::parameters_from(&crate::engine::parse_json(&plan.parameters_json))?;
    let overrides = crate::delivery::with_records(&params, &records)?;
    let pdf = state
        .store
        .frozen(plan.id)
        .await?
        .and_then(|f| f.report_pdf);
    // The objects' content date is the approval's: an approved plan without a readable
    // approval instant is a fault of the record, not a reason to date them now.
    let approved_at = plan
        .approved_at
        .as_deref()
        .and_then(sirt_store::parse_instant)
        .ok_or_else(ApiError::internal)?;
    let at =
        sirt_units::Instant::from_zoned(approved_at.to_zoned_datetime(jiff::tz::TimeZone::UTC));
    let base = state.patient_folder(case.patient_id);
    let engine = state.engine.clone();
    let case_toml = plan.case_toml.clone();
    tokio::task::spawn_blocking(move || {
        let outcome = engine
            .outcome_overrides(&case_toml, &overrides, &base)
            .map_err(|e| crate::volumes::outcome_error(e, &base))?;
        let Some(images) = outcome.plan.case.images.as_ref() else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no_images",
                "this plan's case file has no [images] section: there is no dose map or structure to send",
            ));
        };
        let ct = base.join(&images.ct);
        let objects = outcome
            .pacs_objects(&ct, pdf.as_deref(), &at)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_sendable", e.to_string()))?;
        Ok((objects, pdf.is_some()))
    })
    .await
    .map_err(|_| ApiError::internal())?
}

/// `POST /api/plans/{id}/pacs/send`: 409 unless the plan is approved or delivered.
pub(crate) async fn send(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(plan_id): PathId,
    ApiJson(body): ApiJson<SendBody>,
) -> ApiResult {
    let plan = state.store.plan(plan_id).await?;
    if !matches!(plan.state, PlanState::Approved | PlanState::Delivered) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_approved",
            format!(
                "plan {plan_id} is {}: only an approved or delivered plan is sent to a PACS",
                plan.state.as_str()
            ),
        ));
    }
    let node = state.store.pacs_node(body.node_id).await?;
    let (client, _) = client_of(&node)?;
    let name = node.node.name.clone();
    let (objects, report_sent) = objects_of(&state, &plan).await?;
    // The objects as files, read back as the push reads any file (meta information checked).
    let dir = crate::uploads::Retrieved::new(&state)?;
    let mut modality_of = Vec::new();
    for o in &objects {
        let path = dir.folder().join(&o.name);
        std::fs::write(&path, &o.bytes).map_err(|_| ApiError::internal())?;
        let meta = sirt_pacs::files::read_meta(&path).map_err(|_| ApiError::internal())?;
        modality_of.push((meta.sop_instance_uid, o.modality));
    }
    let (files, _) =
        sirt_pacs::transfer::outgoing(&[dir.folder()]).map_err(|_| ApiError::internal())?;
    let pushed = client.push(files).await;
    let outcome = match pushed {
        Ok(o) => o,
        Err(e) => {
            let failure = pacs_failure(&name, &e);
            let details = json!({
                "node_id": node.id, "node": name, "shown": client.shown(),
                "sop_instance_uids": modality_of.iter().map(|(u, _)| u).collect::<Vec<_>>(),
                "outcome": "failed", "error": failure.message,
            });
            audit(&state, &auth, plan_id, details).await?;
            return Err(failure);
        }
    };
    let sent: Vec<SentObject> = modality_of
        .iter()
        .map(|(uid, modality)| {
            let refused = outcome.refused.iter().find(|r| &r.sop_instance_uid == uid);
            SentObject {
                modality: (*modality).to_owned(),
                sop_instance_uid: uid.clone(),
                stored: outcome.stored.contains(uid),
                reason: refused.map(|r| match r.status {
                    Some(s) => format!("{} (status {s:#06X})", r.reason),
                    None => r.reason.clone(),
                }),
            }
        })
        .collect();
    let details = json!({
        "node_id": node.id, "node": name, "shown": client.shown(),
        "objects": sent.iter().map(|o| json!({
            "modality": o.modality, "sop_instance_uid": o.sop_instance_uid,
            "stored": o.stored, "reason": o.reason,
        })).collect::<Vec<_>>(),
        "outcome": if sent.iter().all(|o| o.stored) { "stored" } else { "refused in part" },
    });
    audit(&state, &auth, plan_id, details).await?;
    Ok(Json(PacsSend {
        node: name,
        objects: sent,
        report_sent,
    })
    .into_response())
}

async fn audit(
    state: &AppState,
    auth: &Auth,
    plan_id: i64,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let exchange = PacsExchange {
        action: "pacs.send",
        entity: "plan",
        entity_id: plan_id.to_string(),
        details,
    };
    state
        .store
        .audit_pacs_exchange(&auth.actor(), &exchange)
        .await?;
    Ok(())
}

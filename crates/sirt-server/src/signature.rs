//! Electronic signatures of the plan workflow (21 CFR Part 11 §11.50, §11.200): checking and
//! approving ask for the user's password again, verified with Argon2id ([`crate::auth`]); a
//! wrong one is refused (403 `wrong_password`) and audited (`plan.signature_refused`). The store
//! records who (account, full name, role at the time), when and the meaning, and refuses an
//! approval by the user who checked the version and one with failed checks not acknowledged.
//! Approval freezes the record ([`crate::frozen`]).

use crate::answers::{AcknowledgeBody, FailedCheck, FrozenSummary, PlanSignatures, StepBody};
use crate::error::{ApiError, ApiJson, PathId};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sha2::{Digest, Sha256};
use sirt_store::{PlanState, SignedStep};

type ApiResult = Result<Response, ApiError>;

/// The signer's full name as recorded: the name shown, or the username when it is empty.
fn full_name(user: &sirt_store::User) -> String {
    if user.display_name.trim().is_empty() {
        user.username.clone()
    } else {
        user.display_name.clone()
    }
}

/// Verifies the password entered for a signature; a wrong one is audited and refused, and
/// counted as a failed attempt under the per-user signature limit (429 beyond it;
/// `login::check_signer_password`).
async fn verify_signer(
    state: &AppState,
    auth: &Auth,
    plan_id: i64,
    step: SignedStep,
    password: &str,
) -> Result<(), ApiError> {
    if crate::login::check_signer_password(state, &auth.user, password).await? {
        return Ok(());
    }
    state
        .store
        .record_signature_refusal(&auth.actor(), plan_id, step, "wrong password")
        .await?;
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "wrong_password",
        format!(
            "signature refused: field `password`: expected the password of {}, found another; nothing was {} (the refusal is in the audit log)",
            auth.user.username,
            match step {
                SignedStep::Check => "checked",
                SignedStep::Approve => "approved",
            }
        ),
    ))
}

/// `POST /api/plans/{id}/check` and `/approve`: the step with the signer's signature.
pub(crate) async fn sign(
    state: &AppState,
    auth: &Auth,
    id: i64,
    body: &StepBody,
    step: SignedStep,
) -> ApiResult {
    verify_signer(state, auth, id, step, &body.password).await?;
    let name = full_name(&auth.user);
    let actor = auth.actor();
    let plan = state.store.plan(id).await?;
    let frozen = if step == SignedStep::Approve
        && plan.state == PlanState::Checked
        && plan.row_version == body.row_version
    {
        // The quick refusals first (the store decides again in its transaction): failed
        // checks not acknowledged, then the images and the report.
        let sha = hex::encode(Sha256::digest(plan.result_json.as_bytes()));
        let acks = state.store.acknowledgements(id).await?;
        let missing: Vec<String> = sirt_store::failed_checks(&plan.result_json)
            .into_iter()
            .filter(|(r, s)| {
                !acks
                    .iter()
                    .any(|a| &a.rule == r && &a.subject == s && a.result_sha256 == sha)
            })
            .map(|(r, s)| format!("{r} ({s})"))
            .collect();
        if !missing.is_empty() {
            return Err(sirt_store::StoreError::Unacknowledged {
                plan_id: id,
                checks: missing.join(", "),
            }
            .into());
        }
        let at = sirt_store::now();
        Some(crate::frozen::freeze(state, &plan, &auth.user, &name, &at).await?)
    } else {
        None
    };
    let p = state
        .store
        .sign_plan(&actor, &name, id, body.row_version, step, frozen.as_ref())
        .await?;
    Ok(Json(crate::api::plan_view(state, &p)?).into_response())
}

/// `POST /api/plans/{id}/acknowledgements`: one failed check acknowledged with a reason (201).
pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<AcknowledgeBody>,
) -> ApiResult {
    let ack = state
        .store
        .acknowledge_check(
            &auth.actor(),
            &full_name(&auth.user),
            id,
            &body.rule,
            &body.subject,
            body.reason.trim(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ack)).into_response())
}

/// `GET /api/plans/{id}/signatures`.
pub(crate) async fn signatures(State(state): State<AppState>, PathId(id): PathId) -> ApiResult {
    let plan = state.store.plan(id).await?;
    let signatures = state.store.signatures(id).await?;
    let acknowledgements = state.store.acknowledgements(id).await?;
    let sha = hex::encode(Sha256::digest(plan.result_json.as_bytes()));
    let failed_checks = sirt_store::failed_checks(&plan.result_json)
        .into_iter()
        .map(|(rule, subject)| FailedCheck {
            acknowledgement: acknowledgements
                .iter()
                .rev()
                .find(|a| a.rule == rule && a.subject == subject && a.result_sha256 == sha)
                .cloned(),
            rule,
            subject,
        })
        .collect();
    let frozen = state.store.frozen(id).await?.map(|f| FrozenSummary {
        report_html_sha256: f.report_html_sha256,
        report_pdf_sha256: f.report_pdf_sha256,
        approval_sha256: f.approval_sha256,
        approval_inputs: crate::engine::parse_json(&f.approval_inputs_json),
        engine_id: f.engine_id,
        frozen_at: f.frozen_at,
    });
    Ok(Json(PlanSignatures {
        plan_id: id,
        signatures,
        failed_checks,
        acknowledgements,
        frozen,
    })
    .into_response())
}

//! Electronic signatures of the plan workflow, acknowledgements of failed checks and the record
//! frozen at approval.
//!
//! - A check or an approval made through [`Store::sign_plan`] writes a signature row in the
//!   step's transaction: the user's id, username, full name and role at the time, the instant
//!   and the meaning ("checked by physicist", "approved by physician"), the elements of
//!   21 CFR Part 11 §11.50. The password is verified by the caller (the server) before.
//! - Every approval is refused when the approver checked this plan version
//!   (any check signature of the version, or the check recorded on the plan), whatever their
//!   role is now ([`StoreError::CheckerCannotApprove`]), and when a failed check of the plan's
//!   result has no acknowledgement made on that same result ([`StoreError::Unacknowledged`]).
//! - An approval carries the frozen record ([`NewFrozen`]): the report rendered at approval
//!   with its SHA-256 and the approval hash; it is written in the same transaction. An approval
//!   without it is refused ([`StoreError::Invalid`], field `frozen`): there is no unsigned or
//!   unfrozen approval.
//! - Signatures, acknowledgements and frozen records are append-only: the database refuses to
//!   change or remove them (triggers, migration 8).

use crate::audit::{Change, record};
use crate::model::{Actor, Plan, PlanState};
use crate::{Store, StoreError, check_len, check_not_blank, limits, now};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// The workflow step a signature is given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignedStep {
    /// Draft → checked.
    Check,
    /// Checked → approved.
    Approve,
}

impl SignedStep {
    /// The step's name in the database (`check`, `approve`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Approve => "approve",
        }
    }

    /// The meaning of the signature, as recorded and shown.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Check => "checked by physicist",
            Self::Approve => "approved by physician",
        }
    }
}

/// An electronic signature of a plan version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Signature {
    /// Key.
    pub id: i64,
    /// The plan version signed.
    pub plan_id: i64,
    /// `check` or `approve`.
    pub step: String,
    /// The signer's account.
    pub user_id: i64,
    /// The signer's username.
    pub username: String,
    /// The signer's full name at the time.
    pub full_name: String,
    /// The signer's role at the time.
    pub role: String,
    /// What the signature means ("checked by physicist", "approved by physician").
    pub meaning: String,
    /// Instant of signing (UTC, RFC 3339).
    pub signed_at: String,
}

/// An acknowledgement of one failed check (rule and subject) of a plan version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Acknowledgement {
    /// Key.
    pub id: i64,
    /// The plan version.
    pub plan_id: i64,
    /// Rule id of the failed check.
    pub rule: String,
    /// Subject of the failed check ("injection R").
    pub subject: String,
    /// Why the plan may be approved despite the failure.
    pub reason: String,
    /// Who acknowledged it (username).
    pub username: String,
    /// Their full name at the time.
    pub full_name: String,
    /// Instant (UTC, RFC 3339).
    pub acknowledged_at: String,
    /// SHA-256 of the plan result acknowledged: an acknowledgement counts only for that result.
    pub result_sha256: String,
}

/// The record frozen at approval, as given to the approval.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewFrozen {
    /// The report as rendered at approval (HTML).
    pub report_html: String,
    /// The report printed to PDF at approval, when the server could.
    pub report_pdf: Option<Vec<u8>>,
    /// SHA-256 of everything the result depends on.
    pub approval_sha256: String,
    /// The parts of the approval hash (JSON object: each part with its SHA-256).
    pub approval_inputs_json: String,
    /// The engine that made the result.
    pub engine_id: String,
    /// The instant of approval the report prints (UTC, RFC 3339, [`crate::now`] when it was
    /// rendered): recorded as the approval's instant, so that report and record agree.
    pub signed_at: String,
}

/// The record frozen at approval, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    /// The plan version.
    pub plan_id: i64,
    /// The report rendered at approval.
    pub report_html: String,
    /// Its SHA-256.
    pub report_html_sha256: String,
    /// The PDF printed at approval, if any.
    pub report_pdf: Option<Vec<u8>>,
    /// Its SHA-256.
    pub report_pdf_sha256: Option<String>,
    /// SHA-256 of everything the result depends on.
    pub approval_sha256: String,
    /// The parts of the approval hash.
    pub approval_inputs_json: String,
    /// The engine that made the result.
    pub engine_id: String,
    /// Instant of approval.
    pub frozen_at: String,
}

/// What a signed step adds to the workflow step.
pub(crate) struct Signing<'a> {
    pub step: SignedStep,
    pub full_name: &'a str,
    pub frozen: Option<&'a NewFrozen>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn signature_from(r: &AnyRow) -> Result<Signature, StoreError> {
    Ok(Signature {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        step: r.try_get("step")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        full_name: r.try_get("full_name")?,
        role: r.try_get("role")?,
        meaning: r.try_get("meaning")?,
        signed_at: r.try_get("signed_at")?,
    })
}

fn acknowledgement_from(r: &AnyRow) -> Result<Acknowledgement, StoreError> {
    Ok(Acknowledgement {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        rule: r.try_get("rule")?,
        subject: r.try_get("subject")?,
        reason: r.try_get("reason")?,
        username: r.try_get("username")?,
        full_name: r.try_get("full_name")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        result_sha256: r.try_get("result_sha256")?,
    })
}

const ACK_COLUMNS: &str =
    "id, plan_id, rule, subject, reason, username, full_name, acknowledged_at, result_sha256";
const SIGNATURE_COLUMNS: &str =
    "id, plan_id, step, user_id, username, full_name, role, meaning, signed_at";

/// The failed checks of a plan result (`checks[]` with `status` `fail`), as (rule, subject),
/// each once, in the result's order.
pub fn failed_checks(result_json: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(result_json).unwrap_or(Value::Null);
    let mut out: Vec<(String, String)> = Vec::new();
    for c in v["checks"].as_array().into_iter().flatten() {
        if c["status"].as_str() == Some("fail") {
            let key = (
                c["rule"].as_str().unwrap_or("").to_owned(),
                c["subject"].as_str().unwrap_or("").to_owned(),
            );
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out
}

/// Refusals of an approval decided in its transaction: the approver checked this version, or a
/// failed check is not acknowledged for this result.
pub(crate) async fn before_approval(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    plan: &Plan,
) -> Result<(), StoreError> {
    if let Some(uid) = actor.user_id {
        let checked_by: Option<i64> = sqlx::query("SELECT checked_by FROM plans WHERE id = $1")
            .bind(plan.id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("checked_by")?;
        let signed: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM plan_signatures WHERE plan_id = $1 AND step = 'check' AND user_id = $2",
        )
        .bind(plan.id)
        .bind(uid)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
        if checked_by == Some(uid) || signed > 0 {
            return Err(StoreError::CheckerCannotApprove {
                plan_id: plan.id,
                username: actor.name.clone(),
            });
        }
    }
    let result_sha = sha256_hex(plan.result_json.as_bytes());
    let rows = sqlx::query(
        "SELECT rule, subject FROM plan_acknowledgements WHERE plan_id = $1 AND result_sha256 = $2",
    )
    .bind(plan.id)
    .bind(&result_sha)
    .fetch_all(&mut **tx)
    .await?;
    let mut acked = Vec::new();
    for r in &rows {
        acked.push((
            r.try_get::<String, _>("rule")?,
            r.try_get::<String, _>("subject")?,
        ));
    }
    let missing: Vec<String> = failed_checks(&plan.result_json)
        .into_iter()
        .filter(|k| !acked.contains(k))
        .map(|(rule, subject)| format!("{rule} ({subject})"))
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Unacknowledged {
            plan_id: plan.id,
            checks: missing.join(", "),
        });
    }
    Ok(())
}

/// Writes the signature (and, for an approval, the frozen record) of a step in its
/// transaction; returns what the audit row adds.
pub(crate) async fn write_signature(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    plan_id: i64,
    signing: &Signing<'_>,
    at: &str,
) -> Result<Value, StoreError> {
    let (Some(uid), Some(role)) = (actor.user_id, actor.role) else {
        return Err(StoreError::Invalid {
            field: "signer",
            expected: "a signed-in user with a role".into(),
            found: format!("`{}` (the system)", actor.name),
        });
    };
    let row = sqlx::query(&format!(
        "INSERT INTO plan_signatures (plan_id, step, user_id, username, full_name, role, meaning, signed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {SIGNATURE_COLUMNS}"
    ))
    .bind(plan_id)
    .bind(signing.step.as_str())
    .bind(uid)
    .bind(&actor.name)
    .bind(signing.full_name)
    .bind(role.as_str())
    .bind(signing.step.meaning())
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    let sig = signature_from(&row)?;
    let mut extra = json!({ "signature": sig });
    if let Some(f) = signing.frozen {
        let html_sha = sha256_hex(f.report_html.as_bytes());
        let pdf_sha = f.report_pdf.as_deref().map(sha256_hex);
        sqlx::query(
            "INSERT INTO plan_frozen (plan_id, report_html, report_html_sha256, report_pdf, report_pdf_sha256, \
             approval_sha256, approval_inputs_json, engine_id, frozen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(plan_id)
        .bind(&f.report_html)
        .bind(&html_sha)
        .bind(f.report_pdf.clone())
        .bind(&pdf_sha)
        .bind(&f.approval_sha256)
        .bind(&f.approval_inputs_json)
        .bind(&f.engine_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        if let Value::Object(m) = &mut extra {
            m.insert(
                "frozen".into(),
                json!({
                    "report_html_sha256": html_sha,
                    "report_pdf_sha256": pdf_sha,
                    "approval_sha256": f.approval_sha256,
                    "approval_inputs": serde_json::from_str::<Value>(&f.approval_inputs_json).unwrap_or(Value::Null),
                    "engine_id": f.engine_id,
                }),
            );
        }
    }
    Ok(extra)
}

impl Store {
    /// Draft → checked (physicist) or checked → approved (physician) with an electronic
    /// signature: `full_name` is the signer's name at the time; an approval may carry the
    /// frozen record. The caller has verified the signer's password.
    pub async fn sign_plan(
        &self,
        actor: &Actor,
        full_name: &str,
        id: i64,
        row_version: i64,
        step: SignedStep,
        frozen: Option<&NewFrozen>,
    ) -> Result<Plan, StoreError> {
        check_not_blank("full_name", full_name)?;
        check_len("full_name", full_name, limits::PERSON_NAME)?;
        let signing = Signing {
            step,
            full_name,
            frozen: frozen.filter(|_| step == SignedStep::Approve),
        };
        match step {
            SignedStep::Check => self.check_signed(actor, id, row_version, &signing).await,
            SignedStep::Approve => self.approve_signed(actor, id, row_version, &signing).await,
        }
    }

    /// Acknowledges one failed check of a draft or checked plan, with a reason; audited as
    /// `plan.acknowledge`. The check must be a failed check of the plan's result.
    pub async fn acknowledge_check(
        &self,
        actor: &Actor,
        full_name: &str,
        plan_id: i64,
        rule: &str,
        subject: &str,
        reason: &str,
    ) -> Result<Acknowledgement, StoreError> {
        check_not_blank("reason", reason)?;
        check_len("reason", reason, limits::DESCRIPTION)?;
        check_len("rule", rule, limits::SHORT)?;
        check_len("subject", subject, limits::DESCRIPTION)?;
        check_len("full_name", full_name, limits::PERSON_NAME)?;
        let at = now();
        let mut tx = self.write().await?;
        let plan = crate::plans::plan_in(&mut tx, plan_id).await?;
        if plan.state.is_frozen() {
            return Err(StoreError::IllegalTransition {
                plan_id,
                action: "acknowledge",
                state: plan.state,
                needed: PlanState::Checked,
            });
        }
        let failed = failed_checks(&plan.result_json);
        if !failed.contains(&(rule.to_owned(), subject.to_owned())) {
            let list: Vec<String> = failed.iter().map(|(r, s)| format!("{r} ({s})")).collect();
            return Err(StoreError::Invalid {
                field: "rule",
                expected: if list.is_empty() {
                    "a failed check of the plan (it has none)".to_owned()
                } else {
                    format!("a failed check of the plan: {}", list.join(", "))
                },
                found: format!("`{rule}` ({subject})"),
            });
        }
        let row = sqlx::query(&format!(
            "INSERT INTO plan_acknowledgements (plan_id, rule, subject, reason, user_id, username, full_name, \
             acknowledged_at, result_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ACK_COLUMNS}"
        ))
        .bind(plan_id)
        .bind(rule)
        .bind(subject)
        .bind(reason)
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(full_name)
        .bind(&at)
        .bind(sha256_hex(plan.result_json.as_bytes()))
        .fetch_one(&mut *tx)
        .await?;
        let ack = acknowledgement_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "plan.acknowledge",
                entity: "plan",
                entity_id: plan_id.to_string(),
                before: None,
                after: Some(serde_json::to_value(&ack).unwrap_or(Value::Null)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ack)
    }

    /// Records a refused signature (wrong password) in the audit log: `plan.signature_refused`.
    pub async fn record_signature_refusal(
        &self,
        actor: &Actor,
        plan_id: i64,
        step: SignedStep,
        why: &str,
    ) -> Result<(), StoreError> {
        let at = now();
        let mut tx = self.write().await?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "plan.signature_refused",
                entity: "plan",
                entity_id: plan_id.to_string(),
                before: None,
                after: Some(json!({ "step": step.as_str(), "reason": why })),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The signatures of a plan version, oldest first.
    pub async fn signatures(&self, plan_id: i64) -> Result<Vec<Signature>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SIGNATURE_COLUMNS} FROM plan_signatures WHERE plan_id = $1 ORDER BY id"
        ))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(signature_from).collect()
    }

    /// The acknowledgements of a plan version, oldest first.
    pub async fn acknowledgements(&self, plan_id: i64) -> Result<Vec<Acknowledgement>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ACK_COLUMNS} FROM plan_acknowledgements WHERE plan_id = $1 ORDER BY id"
        ))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(acknowledgement_from).collect()
    }

    /// The record frozen at the approval of a plan version, if it was approved with one.
    pub async fn frozen(&self, plan_id: i64) -> Result<Option<Frozen>, StoreError> {
        let row = sqlx::query(
            "SELECT plan_id, report_html, report_html_sha256, report_pdf, report_pdf_sha256, approval_sha256, \
             approval_inputs_json, engine_id, frozen_at FROM plan_frozen WHERE plan_id = $1",
        )
        .bind(plan_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Frozen {
                plan_id: r.try_get("plan_id")?,
                report_html: r.try_get("report_html")?,
                report_html_sha256: r.try_get("report_html_sha256")?,
                report_pdf: r.try_get("report_pdf")?,
                report_pdf_sha256: r.try_get("report_pdf_sha256")?,
                approval_sha256: r.try_get("approval_sha256")?,
                approval_inputs_json: r.try_get("approval_inputs_json")?,
                engine_id: r.try_get("engine_id")?,
                frozen_at: r.try_get("frozen_at")?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_checks_are_the_fails_once_each_in_order() {
        let result = json!({"checks": [
            {"rule": "a", "subject": "patient", "status": "pass"},
            {"rule": "b", "subject": "injection R", "status": "fail", "basis": "partition"},
            {"rule": "c", "subject": "session 1", "status": "warn"},
            {"rule": "b", "subject": "injection R", "status": "fail", "basis": "voxel"},
            {"rule": "b", "subject": "injection L", "status": "fail"},
        ]})
        .to_string();
        assert_eq!(
            failed_checks(&result),
            vec![
                ("b".to_owned(), "injection R".to_owned()),
                ("b".to_owned(), "injection L".to_owned()),
            ]
        );
        assert!(failed_checks("{}").is_empty());
        assert!(failed_checks("not json").is_empty());
    }

    #[test]
    fn each_step_has_its_meaning() {
        assert_eq!(SignedStep::Check.meaning(), "checked by physicist");
        assert_eq!(SignedStep::Approve.meaning(), "approved by physician");
        assert_eq!(SignedStep::Approve.as_str(), "approve");
    }
}

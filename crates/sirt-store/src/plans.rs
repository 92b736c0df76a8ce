//! Plan versions and their workflow.
//!
//! | step | from | to | role |
//! |---|---|---|---|
//! | edit | draft, checked | draft (a checked plan loses its check) | (server) |
//! | edit | approved, delivered | a new draft version copying the inputs | (server) |
//! | check | draft | checked | physicist |
//! | approve | checked | approved (approver, time, inputs SHA-256) | physician |
//! | deliver | approved | delivered once every session has its delivery records (`deliveries`) | physician, physicist, technologist |

use crate::audit::{Change, record};
use crate::audit_chain::AuditKey;
use crate::error::role_not_allowed;
use crate::model::*;
use crate::signatures::Signing;
use crate::{
    Store, StoreError, check_json_object, check_len, check_not_blank, inputs_sha256, limits, now,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

pub(crate) const PLAN_COLUMNS: &str = "id, case_id, version, based_on, state, case_toml, parameters_json, \
     result_json, inputs_sha256, created_by_name, created_by_role, created_at, checked_by_name, checked_at, \
     approved_by_name, approved_at, delivered_by_name, delivered_at, updated_by, updated_at, row_version";

pub(crate) fn plan_from(r: &AnyRow) -> Result<Plan, StoreError> {
    let state: String = r.try_get("state")?;
    Ok(Plan {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        version: r.try_get("version")?,
        based_on: r.try_get("based_on")?,
        state: PlanState::parse(&state).ok_or_else(|| StoreError::Invalid {
            field: "plans.state",
            expected: "draft, checked, approved or delivered".into(),
            found: format!("`{state}`"),
        })?,
        case_toml: r.try_get("case_toml")?,
        parameters_json: r.try_get("parameters_json")?,
        result_json: r.try_get("result_json")?,
        inputs_sha256: r.try_get("inputs_sha256")?,
        created_by: r.try_get("created_by_name")?,
        created_by_role: r.try_get("created_by_role")?,
        created_at: r.try_get("created_at")?,
        checked_by: r.try_get("checked_by_name")?,
        checked_at: r.try_get("checked_at")?,
        approved_by: r.try_get("approved_by_name")?,
        approved_at: r.try_get("approved_at")?,
        delivered_by: r.try_get("delivered_by_name")?,
        delivered_at: r.try_get("delivered_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
        row_version: r.try_get("row_version")?,
    })
}

/// The plan as written to the audit log: everything but the computed result (derived from the
/// inputs), with the parameters as JSON and the case file by its SHA-256.
pub(crate) fn snapshot(p: &Plan) -> Value {
    json!({
        "id": p.id,
        "case_id": p.case_id,
        "version": p.version,
        "based_on": p.based_on,
        "state": p.state.as_str(),
        "parameters": serde_json::from_str::<Value>(&p.parameters_json).unwrap_or(Value::Null),
        "case_toml_sha256": hex::encode(Sha256::digest(p.case_toml.as_bytes())),
        "inputs_sha256": p.inputs_sha256,
        "checked_by": p.checked_by,
        "checked_at": p.checked_at,
        "approved_by": p.approved_by,
        "approved_at": p.approved_at,
        "delivered_by": p.delivered_by,
        "delivered_at": p.delivered_at,
        "row_version": p.row_version,
    })
}

/// The audit snapshot of a new plan: with the full case file.
fn creation_snapshot(p: &Plan) -> Value {
    let mut v = snapshot(p);
    if let Value::Object(m) = &mut v {
        m.insert("case_toml".into(), Value::String(p.case_toml.clone()));
    }
    v
}

pub(crate) fn validate_inputs(p: &PlanInputs) -> Result<(), StoreError> {
    check_not_blank("case_toml", &p.case_toml)?;
    check_len("case_toml", &p.case_toml, limits::CASE_TOML)?;
    check_len("parameters", &p.parameters_json, limits::PARAMETERS_JSON)?;
    check_json_object("parameters", &p.parameters_json)?;
    check_len("result", &p.result_json, limits::DOCUMENT_TEXT)?;
    check_json_object("result", &p.result_json)?;
    Ok(())
}

fn validate_edit(e: &PlanEdit) -> Result<(), StoreError> {
    if let Some(t) = &e.case_toml {
        check_not_blank("case_toml", t)?;
        check_len("case_toml", t, limits::CASE_TOML)?;
    }
    check_len("parameters", &e.parameters_json, limits::PARAMETERS_JSON)?;
    check_json_object("parameters", &e.parameters_json)?;
    check_len("result", &e.result_json, limits::DOCUMENT_TEXT)?;
    check_json_object("result", &e.result_json)?;
    Ok(())
}

/// Inserts a plan version (the next number of its case), audited as `plan.create` or, with
/// `based_on`, `plan.new_version`.
pub(crate) async fn insert_plan(
    tx: &mut Transaction<'static, Any>,
    key: Option<&AuditKey>,
    actor: &Actor,
    case_id: i64,
    based_on: Option<i64>,
    inputs: &PlanInputs,
    at: &str,
) -> Result<Plan, StoreError> {
    // Locks the case row on PostgreSQL (a no-op update), so that two new versions of one case
    // take their numbers one after the other.
    let locked = sqlx::query("UPDATE cases SET row_version = row_version WHERE id = $1")
        .bind(case_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if locked == 0 {
        return Err(StoreError::NotFound {
            entity: "case",
            id: case_id.to_string(),
        });
    }
    let version: i64 =
        sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM plans WHERE case_id = $1")
            .bind(case_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("next")?;
    let row = sqlx::query(&format!(
        "INSERT INTO plans (case_id, version, based_on, state, case_toml, parameters_json, result_json, \
         created_by, created_by_name, created_by_role, created_at, updated_by, updated_at, row_version) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $10, $9, $8, $9, 1) RETURNING {PLAN_COLUMNS}"
    ))
    .bind(case_id)
    .bind(version)
    .bind(based_on)
    .bind(&inputs.case_toml)
    .bind(&inputs.parameters_json)
    .bind(&inputs.result_json)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(at)
    .bind(actor.role.map(|r| r.as_str()))
    .fetch_one(&mut **tx)
    .await?;
    let plan = plan_from(&row)?;
    record(
        tx,
        key,
        actor,
        Change {
            action: if based_on.is_some() {
                "plan.new_version"
            } else {
                "plan.create"
            },
            entity: "plan",
            entity_id: plan.id.to_string(),
            before: None,
            after: Some(creation_snapshot(&plan)),
            at,
        },
    )
    .await?;
    Ok(plan)
}

/// One step of the workflow.
struct Step {
    action: &'static str,
    from: PlanState,
    to: PlanState,
    roles: &'static [Role],
    /// Column prefix of who did it (`checked`, `approved`, `delivered`).
    who: &'static str,
}

const CHECK: Step = Step {
    action: "check",
    from: PlanState::Draft,
    to: PlanState::Checked,
    roles: &[Role::Physicist],
    who: "checked",
};
const APPROVE: Step = Step {
    action: "approve",
    from: PlanState::Checked,
    to: PlanState::Approved,
    roles: &[Role::Physician],
    who: "approved",
};
fn treatment_from(r: &AnyRow) -> Result<Treatment, StoreError> {
    Ok(Treatment {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        injection_id: r.try_get("injection_id")?,
        delivered_activity_gbq: r.try_get("delivered_activity_gbq")?,
        residual_gbq: r.try_get("residual_gbq")?,
        administered_at: r.try_get("administered_at")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

impl Store {
    /// A new draft plan version for a case (version = the case's last + 1).
    pub async fn create_plan(
        &self,
        actor: &Actor,
        case_id: i64,
        inputs: &PlanInputs,
    ) -> Result<Plan, StoreError> {
        validate_inputs(inputs)?;
        let at = now();
        let mut tx = self.write().await?;
        let p = insert_plan(&mut tx, self.audit_key(), actor, case_id, None, inputs, &at).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// A plan version.
    pub async fn plan(&self, id: i64) -> Result<Plan, StoreError> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1");
        plan_from(&self.row_by_id(&sql, "plan", id).await?)
    }

    /// The plan versions of a case, oldest first.
    pub async fn plans_of_case(&self, case_id: i64) -> Result<Vec<Plan>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PLAN_COLUMNS} FROM plans WHERE case_id = $1 ORDER BY version"
        ))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(plan_from).collect()
    }

    /// Changes a plan's inputs and result. A draft changes in place; a checked plan changes
    /// and returns to draft (its check withdrawn); an approved or delivered plan stays as it is
    /// and a new draft version holds the change (the case file copied unless the edit gives
    /// one). `row_version` is the one the caller read.
    pub async fn edit_plan(
        &self,
        actor: &Actor,
        id: i64,
        row_version: i64,
        edit: &PlanEdit,
    ) -> Result<EditOutcome, StoreError> {
        validate_edit(edit)?;
        let at = now();
        let mut tx = self.write().await?;
        let before = plan_in(&mut tx, id).await?;
        if before.row_version != row_version {
            return Err(conflict(&before, row_version));
        }
        if before.state.is_frozen() {
            let inputs = PlanInputs {
                case_toml: edit
                    .case_toml
                    .clone()
                    .unwrap_or_else(|| before.case_toml.clone()),
                parameters_json: edit.parameters_json.clone(),
                result_json: edit.result_json.clone(),
            };
            let p = insert_plan(
                &mut tx,
                self.audit_key(),
                actor,
                before.case_id,
                Some(before.id),
                &inputs,
                &at,
            )
            .await?;
            tx.commit().await?;
            return Ok(EditOutcome::NewVersion(p));
        }
        let row = sqlx::query(&format!(
            "UPDATE plans SET case_toml = COALESCE($1, case_toml), parameters_json = $2, result_json = $3, \
             state = 'draft', checked_by = NULL, checked_by_name = NULL, checked_at = NULL, \
             updated_by = $4, updated_at = $5, row_version = row_version + 1 \
             WHERE id = $6 AND row_version = $7 RETURNING {PLAN_COLUMNS}"
        ))
        .bind(&edit.case_toml)
        .bind(&edit.parameters_json)
        .bind(&edit.result_json)
        .bind(&actor.name)
        .bind(&at)
        .bind(id)
        .bind(row_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let now_plan = plan_in(&mut tx, id).await?;
            return Err(conflict(&now_plan, row_version));
        };
        let after = plan_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "plan.edit",
                entity: "plan",
                entity_id: id.to_string(),
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(EditOutcome::Updated(after))
    }

    /// Draft → checked, by a physicist.
    pub async fn check_plan(
        &self,
        actor: &Actor,
        id: i64,
        row_version: i64,
    ) -> Result<Plan, StoreError> {
        self.step(actor, id, row_version, &CHECK, &[], None).await
    }

    /// Draft → checked with the checker's electronic signature (`signatures`).
    pub(crate) async fn check_signed(
        &self,
        actor: &Actor,
        id: i64,
        row_version: i64,
        signing: &Signing<'_>,
    ) -> Result<Plan, StoreError> {
        self.step(actor, id, row_version, &CHECK, &[], Some(signing))
            .await
    }

    /// Checked → approved with the approver's electronic signature and the frozen record: the
    /// only way to approve. An approval without the report frozen at approval is refused (an
    /// approved plan's report is the stored one, never made again).
    pub(crate) async fn approve_signed(
        &self,
        actor: &Actor,
        id: i64,
        row_version: i64,
        signing: &Signing<'_>,
    ) -> Result<Plan, StoreError> {
        self.step(actor, id, row_version, &APPROVE, &[], Some(signing))
            .await
    }

    /// The treatments recorded for a plan.
    pub async fn treatments(&self, plan_id: i64) -> Result<Vec<Treatment>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, plan_id, injection_id, delivered_activity_gbq, residual_gbq, administered_at, recorded_at \
             FROM treatments WHERE plan_id = $1 ORDER BY id",
        )
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(treatment_from).collect()
    }

    /// The treatments of all plans of a case (a corrected delivery record by its correction only).
    pub async fn treatments_of_case(&self, case_id: i64) -> Result<Vec<Treatment>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.id, t.plan_id, t.injection_id, t.delivered_activity_gbq, t.residual_gbq, \
             t.administered_at, t.recorded_at FROM treatments t JOIN plans p ON p.id = t.plan_id \
             WHERE p.case_id = $1 AND NOT EXISTS (SELECT 1 FROM treatments n WHERE n.replaces = t.id) \
             ORDER BY t.id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(treatment_from).collect()
    }

    async fn step(
        &self,
        actor: &Actor,
        id: i64,
        row_version: i64,
        step: &Step,
        treatments: &[NewTreatment],
        signing: Option<&Signing<'_>>,
    ) -> Result<Plan, StoreError> {
        if !actor.role.is_some_and(|r| step.roles.contains(&r)) {
            return Err(role_not_allowed(step.action, step.roles, actor.role));
        }
        let at = signing
            .and_then(|s| s.frozen)
            .map_or_else(now, |f| f.signed_at.clone());
        let mut tx = self.write().await?;
        let before = plan_in(&mut tx, id).await?;
        if before.row_version != row_version {
            return Err(conflict(&before, row_version));
        }
        if before.state != step.from {
            return Err(StoreError::IllegalTransition {
                plan_id: id,
                action: step.action,
                state: before.state,
                needed: step.from,
            });
        }
        if step.to == PlanState::Approved {
            if signing.and_then(|s| s.frozen).is_none() {
                return Err(StoreError::Invalid {
                    field: "frozen",
                    expected: "the report frozen at approval (rendered with its approval hash)"
                        .into(),
                    found: format!("none for the approval of plan {id}"),
                });
            }
            crate::signatures::before_approval(&mut tx, actor, &before).await?;
        }
        let hash = (step.to == PlanState::Approved)
            .then(|| inputs_sha256(&before.case_toml, &before.parameters_json));
        let who = step.who;
        let row = sqlx::query(&format!(
            "UPDATE plans SET state = $1, {who}_by = $2, {who}_by_name = $3, {who}_at = $4, \
             inputs_sha256 = COALESCE($5, inputs_sha256), updated_by = $3, updated_at = $4, \
             row_version = row_version + 1 WHERE id = $6 AND row_version = $7 RETURNING {PLAN_COLUMNS}"
        ))
        .bind(step.to.as_str())
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(&at)
        .bind(hash)
        .bind(id)
        .bind(row_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let now_plan = plan_in(&mut tx, id).await?;
            return Err(conflict(&now_plan, row_version));
        };
        let after = plan_from(&row)?;
        let mut recorded = Vec::new();
        for t in treatments {
            let r = sqlx::query(
                "INSERT INTO treatments (plan_id, injection_id, delivered_activity_gbq, residual_gbq, administered_at, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 RETURNING id, plan_id, injection_id, delivered_activity_gbq, residual_gbq, administered_at, recorded_at",
            )
            .bind(id)
            .bind(&t.injection_id)
            .bind(t.delivered_activity_gbq)
            .bind(t.residual_gbq)
            .bind(&t.administered_at)
            .bind(actor.user_id)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?;
            recorded.push(treatment_from(&r)?);
        }
        let mut after_json = snapshot(&after);
        if let Some(signing) = signing {
            let extra =
                crate::signatures::write_signature(&mut tx, actor, id, signing, &at).await?;
            if let (Value::Object(m), Value::Object(e)) = (&mut after_json, extra) {
                m.extend(e);
            }
        }
        if !recorded.is_empty()
            && let Value::Object(m) = &mut after_json
        {
            m.insert(
                "treatments".into(),
                serde_json::to_value(&recorded).unwrap_or(Value::Null),
            );
        }
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: match step.to {
                    PlanState::Checked => "plan.check",
                    PlanState::Approved => "plan.approve",
                    _ => "plan.deliver",
                },
                entity: "plan",
                entity_id: id.to_string(),
                before: Some(snapshot(&before)),
                after: Some(after_json),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

pub(crate) async fn plan_in(
    tx: &mut Transaction<'static, Any>,
    id: i64,
) -> Result<Plan, StoreError> {
    let row = sqlx::query(&format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "plan",
            id: id.to_string(),
        })?;
    plan_from(&row)
}

pub(crate) fn conflict(current: &Plan, read: i64) -> StoreError {
    StoreError::Conflict {
        entity: "plan",
        id: current.id,
        read,
        current: current.row_version,
        changed_by: current.updated_by.clone(),
        changed_at: current.updated_at.clone(),
    }
}

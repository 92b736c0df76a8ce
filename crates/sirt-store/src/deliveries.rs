//! Delivery records, one session at a time.
//!
//! A delivery record belongs to one injection of an approved plan: the injection instant, the
//! vial assay (activity and instant), the residual measured (activity and instant), the delivered
//! activity computed from them (by the server, with the device's nuclide), the catheter position
//! and who recorded it. One record per injection: a correction is a new version of the record
//! with its reason; the record it replaces stays. A session is delivered when every injection of
//! it has a record, and only after the sessions before it; the plan becomes `delivered` when
//! every session is. Each recording is one transaction with its audit row (`plan.deliver_session`,
//! `plan.deliver` when it completes the plan, `plan.correct_delivery` for corrections).
//!
//! Each recording also stores its **delivery addendum** ([`NewAddendum`]): the document the
//! server rendered for it (the records in force, the delivered doses and the post-treatment
//! checks computed then, stamped with the engine and the instant), with its SHA-256, in the same
//! transaction. The report frozen at approval never changes; the addenda are the dated record of
//! the delivery beside it. Addenda, as signatures and frozen reports, are append-only (the
//! database refuses to change or remove them, migration 8).

use crate::audit::{Change, record};
use crate::error::role_not_allowed;
use crate::model::{Actor, Plan, PlanState, Role};
use crate::plans::{PLAN_COLUMNS, conflict, plan_from, plan_in, snapshot};
use crate::{Store, StoreError, check_len, check_not_blank, limits};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Digest;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Roles that record a delivery.
const ROLES: &[Role] = &[Role::Physician, Role::Physicist, Role::Technologist];

/// A delivery record of one injection, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DeliveryRecord {
    /// Key.
    pub id: i64,
    /// The plan.
    pub plan_id: i64,
    /// Session id of the case file.
    pub session_id: String,
    /// Injection id of the case file.
    pub injection_id: String,
    /// Version of the record of this injection (1, then one more per correction).
    pub record_version: i64,
    /// The record this one corrects.
    pub replaces: Option<i64>,
    /// Whether this is the injection's record in force (not corrected since).
    pub current: bool,
    /// Injection instant (as entered, with its zone).
    pub administered_at: String,
    /// Vial assay before the injection, as entered (`"1.95 GBq"`, `"52.7 mCi"`).
    pub vial_entered: String,
    /// The same in GBq.
    pub vial_activity_gbq: f64,
    /// When the vial was assayed.
    pub vial_assayed_at: String,
    /// The vial at the injection instant in GBq (decayed with the device's nuclide).
    pub vial_at_injection_gbq: f64,
    /// Residual measured, as entered.
    pub residual_entered: String,
    /// The same in GBq.
    pub residual_gbq: f64,
    /// When the residual was measured.
    pub residual_measured_at: String,
    /// Delivered activity at the injection instant in GBq (vial less residual, both decayed to
    /// the injection with the device's nuclide).
    pub delivered_activity_gbq: f64,
    /// Catheter position.
    pub catheter_position: String,
    /// The reason confirming a delivered activity more than 50 % from the plan's.
    pub confirm_reason: Option<String>,
    /// The reason for this correction.
    pub correction_reason: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
}

/// A delivery record to write (checked by the server against the plan first).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// Injection id of the case file.
    pub injection_id: String,
    /// Injection instant.
    pub administered_at: String,
    /// Vial assay as entered.
    pub vial_entered: String,
    /// The same in GBq.
    pub vial_activity_gbq: f64,
    /// Assay instant.
    pub vial_assayed_at: String,
    /// The vial at the injection instant in GBq.
    pub vial_at_injection_gbq: f64,
    /// Residual as entered.
    pub residual_entered: String,
    /// The same in GBq.
    pub residual_gbq: f64,
    /// Measurement instant.
    pub residual_measured_at: String,
    /// Delivered activity in GBq.
    pub delivered_activity_gbq: f64,
    /// Catheter position.
    pub catheter_position: String,
    /// Confirmation reason (a delivered activity more than 50 % from the plan's).
    pub confirm_reason: Option<String>,
    /// Correction reason (the injection has a record already).
    pub correction_reason: Option<String>,
}

/// The delivery of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDelivery {
    /// The session recorded.
    pub session_id: String,
    /// Its injections' records.
    pub records: Vec<NewDelivery>,
    /// Every session of the plan in treatment order, with its injection ids (from the plan).
    pub sessions: Vec<(String, Vec<String>)>,
    /// The delivery addendum rendered for this recording (stored with it).
    pub addendum: NewAddendum,
}

/// The delivery addendum of a recording, as given to it: the document rendered by the server
/// with the records in force after this recording.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAddendum {
    /// The addendum (HTML).
    pub report_html: String,
    /// The engine that computed the delivered doses and checks it shows.
    pub engine_id: String,
    /// The instant it was rendered (UTC, RFC 3339, as [`crate::now`]): recorded as the
    /// recording's instant, so that the addendum and the records it prints agree.
    pub rendered_at: String,
}

/// A stored delivery addendum (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DeliveryAddendum {
    /// Key.
    pub id: i64,
    /// The plan.
    pub plan_id: i64,
    /// Its number among the plan's addenda (1, 2, ...), in the order they were recorded.
    pub seq: i64,
    /// The session whose recording (or correction) made it.
    pub session_id: String,
    /// SHA-256 of the stored HTML.
    pub report_html_sha256: String,
    /// The engine that computed it.
    pub engine_id: String,
    /// Who recorded the delivery.
    pub created_by: String,
    /// When (UTC, RFC 3339): the instant of the recording.
    pub created_at: String,
}

const ADDENDUM_COLUMNS: &str =
    "id, plan_id, seq, session_id, report_html_sha256, engine_id, created_by_name, created_at";

fn addendum_from(r: &AnyRow) -> Result<DeliveryAddendum, StoreError> {
    Ok(DeliveryAddendum {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        seq: r.try_get("seq")?,
        session_id: r.try_get("session_id")?,
        report_html_sha256: r.try_get("report_html_sha256")?,
        engine_id: r.try_get("engine_id")?,
        created_by: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Writes the addendum of a recording (the next number of the plan).
async fn insert_addendum(
    tx: &mut Tx,
    actor: &Actor,
    plan_id: i64,
    delivery: &SessionDelivery,
    at: &str,
) -> Result<DeliveryAddendum, StoreError> {
    let (session_id, a) = (&delivery.session_id, &delivery.addendum);
    let seq: i64 = sqlx::query(
        "SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM plan_delivery_addenda WHERE plan_id = $1",
    )
    .bind(plan_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    let sha = hex::encode(sha2::Sha256::digest(a.report_html.as_bytes()));
    let row = sqlx::query(&format!(
        "INSERT INTO plan_delivery_addenda (plan_id, seq, session_id, report_html, report_html_sha256, \
         engine_id, created_by, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING {ADDENDUM_COLUMNS}"
    ))
    .bind(plan_id)
    .bind(seq)
    .bind(session_id)
    .bind(&a.report_html)
    .bind(&sha)
    .bind(&a.engine_id)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    addendum_from(&row)
}

fn validate_addendum(a: &NewAddendum) -> Result<(), StoreError> {
    check_not_blank("addendum.report_html", &a.report_html)?;
    check_not_blank("addendum.engine_id", &a.engine_id)?;
    check_len("addendum.engine_id", &a.engine_id, limits::SHORT)?;
    if a.rendered_at.len() != 24 || !a.rendered_at.ends_with('Z') {
        return Err(StoreError::Invalid {
            field: "addendum.rendered_at",
            expected: "an instant as stored (`2026-03-05T09:00:00.000Z`, `sirt_store::now`)".into(),
            found: format!("`{}`", a.rendered_at.chars().take(40).collect::<String>()),
        });
    }
    Ok(())
}

/// A delivered session.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SessionDelivered {
    /// Session id.
    pub session_id: String,
    /// Who completed its delivery.
    pub delivered_by: String,
    /// When.
    pub delivered_at: String,
}

/// The delivery of a plan: every record (corrected ones too) and the delivered sessions.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PlanDeliveries {
    /// Records, oldest first.
    pub records: Vec<DeliveryRecord>,
    /// Sessions delivered, in the order they were.
    pub sessions: Vec<SessionDelivered>,
}

impl PlanDeliveries {
    /// The records in force (one per injection).
    pub fn current(&self) -> impl Iterator<Item = &DeliveryRecord> {
        self.records.iter().filter(|r| r.current)
    }
}

const RECORD_COLUMNS: &str = "t.id, t.plan_id, t.session_id, t.injection_id, t.record_version, t.replaces, \
     t.administered_at, t.vial_entered, t.vial_activity_gbq, t.vial_assayed_at, t.vial_at_injection_gbq, t.residual_entered, \
     t.residual_gbq, t.residual_measured_at, t.delivered_activity_gbq, t.catheter_position, \
     t.confirm_reason, t.correction_reason, t.recorded_by_name, t.recorded_at, \
     (SELECT COUNT(*) FROM treatments n WHERE n.replaces = t.id) AS corrected";

fn record_from(r: &AnyRow) -> Result<DeliveryRecord, StoreError> {
    let corrected: i64 = r.try_get("corrected")?;
    Ok(DeliveryRecord {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        session_id: r.try_get("session_id")?,
        injection_id: r.try_get("injection_id")?,
        record_version: r.try_get("record_version")?,
        replaces: r.try_get("replaces")?,
        current: corrected == 0,
        administered_at: r.try_get("administered_at")?,
        vial_entered: r.try_get("vial_entered")?,
        vial_activity_gbq: r.try_get("vial_activity_gbq")?,
        vial_assayed_at: r.try_get("vial_assayed_at")?,
        vial_at_injection_gbq: r.try_get("vial_at_injection_gbq")?,
        residual_entered: r.try_get("residual_entered")?,
        residual_gbq: r.try_get("residual_gbq")?,
        residual_measured_at: r.try_get("residual_measured_at")?,
        delivered_activity_gbq: r.try_get("delivered_activity_gbq")?,
        catheter_position: r.try_get("catheter_position")?,
        confirm_reason: r.try_get("confirm_reason")?,
        correction_reason: r.try_get("correction_reason")?,
        recorded_by: r.try_get("recorded_by_name")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

fn session_from(r: &AnyRow) -> Result<SessionDelivered, StoreError> {
    Ok(SessionDelivered {
        session_id: r.try_get("session_id")?,
        delivered_by: r.try_get("delivered_by_name")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

fn validate(d: &NewDelivery) -> Result<(), StoreError> {
    for (field, v) in [
        ("injection_id", &d.injection_id),
        ("administered_at", &d.administered_at),
        ("vial_activity", &d.vial_entered),
        ("vial_assayed_at", &d.vial_assayed_at),
        ("residual", &d.residual_entered),
        ("residual_measured_at", &d.residual_measured_at),
        ("catheter_position", &d.catheter_position),
    ] {
        check_not_blank(field, v)?;
        check_len(field, v, limits::SHORT)?;
    }
    for (field, v) in [
        ("confirm_reason", &d.confirm_reason),
        ("correction_reason", &d.correction_reason),
    ] {
        if let Some(v) = v {
            check_not_blank(field, v)?;
            check_len(field, v, limits::DESCRIPTION)?;
        }
    }
    for (field, v) in [
        ("vial_activity", d.vial_activity_gbq),
        ("vial_at_injection", d.vial_at_injection_gbq),
        ("residual", d.residual_gbq),
        ("delivered_activity", d.delivered_activity_gbq),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(StoreError::Invalid {
                field,
                expected: "an activity of 0 GBq or more".into(),
                found: format!("{v} GBq"),
            });
        }
    }
    Ok(())
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

async fn records_in(tx: &mut Tx, plan_id: i64) -> Result<Vec<DeliveryRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS} FROM treatments t WHERE t.plan_id = $1 AND t.session_id IS NOT NULL ORDER BY t.id"
    ))
    .bind(plan_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(record_from).collect()
}

async fn sessions_in(tx: &mut Tx, plan_id: i64) -> Result<Vec<SessionDelivered>, StoreError> {
    let rows = sqlx::query(
        "SELECT session_id, delivered_by_name, delivered_at FROM session_deliveries WHERE plan_id = $1 ORDER BY id",
    )
    .bind(plan_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(session_from).collect()
}

async fn insert_record(
    tx: &mut Tx,
    actor: &Actor,
    plan_id: i64,
    session_id: &str,
    d: &NewDelivery,
    previous: Option<&DeliveryRecord>,
    at: &str,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO treatments (plan_id, injection_id, delivered_activity_gbq, residual_gbq, administered_at, \
         recorded_by, recorded_at, session_id, record_version, replaces, vial_entered, vial_activity_gbq, \
         vial_assayed_at, residual_entered, residual_measured_at, catheter_position, recorded_by_name, \
         confirm_reason, correction_reason, vial_at_injection_gbq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
    )
    .bind(plan_id)
    .bind(&d.injection_id)
    .bind(d.delivered_activity_gbq)
    .bind(d.residual_gbq)
    .bind(&d.administered_at)
    .bind(actor.user_id)
    .bind(at)
    .bind(session_id)
    .bind(previous.map_or(1, |p| p.record_version + 1))
    .bind(previous.map(|p| p.id))
    .bind(&d.vial_entered)
    .bind(d.vial_activity_gbq)
    .bind(&d.vial_assayed_at)
    .bind(&d.residual_entered)
    .bind(&d.residual_measured_at)
    .bind(&d.catheter_position)
    .bind(&actor.name)
    .bind(&d.confirm_reason)
    .bind(&d.correction_reason)
    .bind(d.vial_at_injection_gbq)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

/// Every injection of the session has a record, and the sessions before it are delivered.
fn check_order(
    sessions: &[(String, Vec<String>)],
    session_id: &str,
    delivered: &[SessionDelivered],
) -> Result<(), StoreError> {
    let position = sessions
        .iter()
        .position(|(s, _)| s == session_id)
        .ok_or_else(|| StoreError::Invalid {
            field: "session",
            expected: format!(
                "a session of the plan ({})",
                sessions
                    .iter()
                    .map(|(s, _)| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            found: format!("`{session_id}`"),
        })?;
    if let Some((earlier, _)) = sessions[..position]
        .iter()
        .find(|(s, _)| !delivered.iter().any(|d| &d.session_id == s))
    {
        return Err(StoreError::Invalid {
            field: "session",
            expected: format!("session {earlier} delivered before session {session_id}"),
            found: format!("session {earlier} not delivered"),
        });
    }
    Ok(())
}

/// The record in force that `d` corrects, after checking that `d` is an injection of the
/// session and that it gives a correction reason exactly when the injection has a record.
fn previous_record<'a>(
    d: &NewDelivery,
    old: &'a [DeliveryRecord],
    injections: &[String],
    session_id: &str,
) -> Result<Option<&'a DeliveryRecord>, StoreError> {
    if !injections.contains(&d.injection_id) {
        return Err(StoreError::Invalid {
            field: "injection_id",
            expected: format!(
                "an injection of session {session_id} ({})",
                injections.join(", ")
            ),
            found: format!("`{}`", d.injection_id),
        });
    }
    let previous = old
        .iter()
        .find(|r| r.current && r.injection_id == d.injection_id);
    match (previous, &d.correction_reason) {
        (Some(p), None) => Err(StoreError::Invalid {
            field: "correction_reason",
            expected: format!(
                "a reason for correcting the recorded delivery of injection {} (version {}, recorded by {} at {})",
                d.injection_id, p.record_version, p.recorded_by, p.recorded_at
            ),
            found: "none".into(),
        }),
        (None, Some(_)) => Err(StoreError::Invalid {
            field: "correction_reason",
            expected: format!(
                "none: injection {} has no recorded delivery to correct",
                d.injection_id
            ),
            found: "a correction reason".into(),
        }),
        _ => Ok(previous),
    }
}

/// The audit images of a recording: the plan before (with the records corrected) and after
/// (with the session, whether it is now delivered, the records written and the addendum).
fn audit_images(
    (before, after): (&Plan, &Plan),
    delivery: &SessionDelivery,
    session_done: bool,
    (new_records, replaced): (&[&DeliveryRecord], &[&DeliveryRecord]),
    addendum: &DeliveryAddendum,
) -> (Value, Value) {
    let mut after_json = snapshot(after);
    if let Value::Object(m) = &mut after_json {
        m.insert(
            "delivery_addendum".into(),
            serde_json::to_value(addendum).unwrap_or(Value::Null),
        );
        m.insert("session".into(), json!(delivery.session_id));
        m.insert("session_delivered".into(), json!(session_done));
        m.insert(
            "delivery_records".into(),
            serde_json::to_value(new_records).unwrap_or(Value::Null),
        );
    }
    let mut before_json = snapshot(before);
    if !replaced.is_empty()
        && let Value::Object(m) = &mut before_json
    {
        m.insert(
            "delivery_records".into(),
            serde_json::to_value(replaced).unwrap_or(Value::Null),
        );
    }
    (before_json, after_json)
}

/// The plan's `delivered` state with who and when (when `to` is given), row version + 1. Its
/// inputs and result stay the approved ones (acknowledgements and the approval hash refer to them);
/// the result with the records in force is computed from them (`sirt-server`'s `delivery`).
async fn update_plan(
    tx: &mut Tx,
    actor: &Actor,
    (id, row_version): (i64, i64),
    to: Option<PlanState>,
    at: &str,
) -> Result<Plan, StoreError> {
    let completes = to.is_some();
    let row = sqlx::query(&format!(
        "UPDATE plans SET state = COALESCE($1, state), delivered_by = CASE WHEN $2 THEN $3 ELSE delivered_by END, \
         delivered_by_name = CASE WHEN $2 THEN $4 ELSE delivered_by_name END, \
         delivered_at = CASE WHEN $2 THEN $5 ELSE delivered_at END, \
         updated_by = $4, updated_at = $5, row_version = row_version + 1 \
         WHERE id = $6 AND row_version = $7 RETURNING {PLAN_COLUMNS}"
    ))
    .bind(to.map(PlanState::as_str))
    .bind(completes)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(at)
    .bind(id)
    .bind(row_version)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => plan_from(&row),
        None => {
            let now_plan = plan_in(tx, id).await?;
            Err(conflict(&now_plan, row_version))
        }
    }
}

/// Records a session as delivered.
async fn mark_session(
    tx: &mut Tx,
    actor: &Actor,
    plan_id: i64,
    session_id: &str,
    at: &str,
) -> Result<SessionDelivered, StoreError> {
    sqlx::query(
        "INSERT INTO session_deliveries (plan_id, session_id, delivered_by, delivered_by_name, delivered_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(plan_id)
    .bind(session_id)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(SessionDelivered {
        session_id: session_id.to_owned(),
        delivered_by: actor.name.clone(),
        delivered_at: at.to_owned(),
    })
}

impl Store {
    /// The delivery addenda of a plan, oldest first (without their bytes).
    pub async fn delivery_addenda(
        &self,
        plan_id: i64,
    ) -> Result<Vec<DeliveryAddendum>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ADDENDUM_COLUMNS} FROM plan_delivery_addenda WHERE plan_id = $1 ORDER BY seq"
        ))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(addendum_from).collect()
    }

    /// One delivery addendum of a plan by its number, with its HTML as stored.
    pub async fn delivery_addendum(
        &self,
        plan_id: i64,
        seq: i64,
    ) -> Result<Option<(DeliveryAddendum, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ADDENDUM_COLUMNS}, report_html FROM plan_delivery_addenda WHERE plan_id = $1 AND seq = $2"
        ))
        .bind(plan_id)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((addendum_from(&r)?, r.try_get("report_html")?)))
            .transpose()
    }

    /// The delivery records and delivered sessions of a plan.
    pub async fn deliveries(&self, plan_id: i64) -> Result<PlanDeliveries, StoreError> {
        let mut tx = self.pool.begin().await?;
        let records = records_in(&mut tx, plan_id).await?;
        let sessions = sessions_in(&mut tx, plan_id).await?;
        tx.commit().await?;
        Ok(PlanDeliveries { records, sessions })
    }

    /// Records the delivery of a session's injections on an approved plan (corrections also on a
    /// delivered one); the session is delivered when each of its injections has a record, the
    /// plan when every session is. The plan's inputs and result do not change (the approval's
    /// SHA-256 and the acknowledgements refer to them).
    pub async fn deliver_plan(
        &self,
        actor: &Actor,
        id: i64,
        row_version: i64,
        delivery: &SessionDelivery,
    ) -> Result<(Plan, PlanDeliveries), StoreError> {
        if !actor.role.is_some_and(|r| ROLES.contains(&r)) {
            return Err(role_not_allowed("deliver", ROLES, actor.role));
        }
        for d in &delivery.records {
            validate(d)?;
        }
        validate_addendum(&delivery.addendum)?;
        let at = delivery.addendum.rendered_at.clone(); // the addendum prints the same instant
        let mut tx = self.write().await?;
        let before = plan_in(&mut tx, id).await?;
        if before.row_version != row_version {
            return Err(conflict(&before, row_version));
        }
        let correcting = delivery
            .records
            .iter()
            .all(|d| d.correction_reason.is_some());
        let state_ok = before.state == PlanState::Approved
            || (before.state == PlanState::Delivered && correcting);
        if !state_ok {
            return Err(StoreError::IllegalTransition {
                plan_id: id,
                action: "deliver",
                state: before.state,
                needed: PlanState::Approved,
            });
        }
        let old = records_in(&mut tx, id).await?;
        let mut delivered = sessions_in(&mut tx, id).await?;
        check_order(&delivery.sessions, &delivery.session_id, &delivered)?;
        let injections = delivery
            .sessions
            .iter()
            .find(|(s, _)| s == &delivery.session_id)
            .map(|(_, i)| i.clone())
            .unwrap_or_default();
        let mut written = Vec::new();
        for d in &delivery.records {
            let previous = previous_record(d, &old, &injections, &delivery.session_id)?;
            let new_id =
                insert_record(&mut tx, actor, id, &delivery.session_id, d, previous, &at).await?;
            written.push((new_id, previous.cloned()));
        }
        // The session: delivered once each of its injections has a record.
        let recorded = |inj: &String| {
            old.iter().any(|r| &r.injection_id == inj)
                || delivery.records.iter().any(|d| &d.injection_id == inj)
        };
        let session_done = injections.iter().all(recorded);
        let newly_delivered = session_done
            && !delivered
                .iter()
                .any(|s| s.session_id == delivery.session_id);
        if newly_delivered {
            delivered.push(mark_session(&mut tx, actor, id, &delivery.session_id, &at).await?);
        }
        let plan_done = delivery
            .sessions
            .iter()
            .all(|(s, _)| delivered.iter().any(|d| &d.session_id == s));
        let completes = plan_done && before.state == PlanState::Approved;
        let after = update_plan(
            &mut tx,
            actor,
            (id, row_version),
            completes.then_some(PlanState::Delivered),
            &at,
        )
        .await?;
        let records = records_in(&mut tx, id).await?;
        let new_records: Vec<&DeliveryRecord> = records
            .iter()
            .filter(|r| written.iter().any(|(w, _)| *w == r.id))
            .collect();
        let replaced: Vec<&DeliveryRecord> =
            written.iter().filter_map(|(_, p)| p.as_ref()).collect();
        let addendum = insert_addendum(&mut tx, actor, id, delivery, &at).await?;
        let (before_json, after_json) = audit_images(
            (&before, &after),
            delivery,
            session_done,
            (&new_records, &replaced),
            &addendum,
        );
        let action = if !replaced.is_empty() {
            "plan.correct_delivery"
        } else if completes {
            "plan.deliver"
        } else {
            "plan.deliver_session"
        };
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action,
                entity: "plan",
                entity_id: id.to_string(),
                before: Some(before_json),
                after: Some(after_json),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((
            after,
            PlanDeliveries {
                records,
                sessions: delivered,
            },
        ))
    }
}

//! The append-only audit log: one row per change, written in the change's own transaction.

use crate::model::{Actor, AuditEntry, AuditQuery};
use crate::{Store, StoreError};
use serde_json::Value;
use sqlx::{Any, Row, Transaction};

/// One change to record.
pub(crate) struct Change<'a> {
    /// `plan.approve`.
    pub action: &'static str,
    /// `plan`.
    pub entity: &'static str,
    /// Key of the record.
    pub entity_id: String,
    /// The record before, `None` for a creation.
    pub before: Option<Value>,
    /// The record after, `None` for a removal.
    pub after: Option<Value>,
    /// Instant of the change (the same as written in the record).
    pub at: &'a str,
}

/// Writes the audit row of a change inside its transaction.
pub(crate) async fn record(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(change.at)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(change.action)
    .bind(change.entity)
    .bind(&change.entity_id)
    .bind(json(&change.before))
    .bind(json(&change.after))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The most rows one query returns.
const MAX_ROWS: i64 = 1000;

impl Store {
    /// Audit rows, newest first.
    pub async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = if q.limit <= 0 {
            100
        } else {
            q.limit.min(MAX_ROWS)
        };
        let mut sql = String::from(
            "SELECT id, at, user_id, username, action, entity, entity_id, before_json, after_json \
             FROM audit_log WHERE id < $1",
        );
        let mut n = 1;
        if q.entity.is_some() {
            n += 1;
            sql.push_str(&format!(" AND entity = ${n}"));
        }
        if q.entity_id.is_some() {
            n += 1;
            sql.push_str(&format!(" AND entity_id = ${n}"));
        }
        n += 1;
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${n}"));
        let mut query = sqlx::query(&sql).bind(q.before_id.unwrap_or(i64::MAX));
        if let Some(e) = &q.entity {
            query = query.bind(e);
        }
        if let Some(e) = &q.entity_id {
            query = query.bind(e);
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(entry).collect()
    }
}

fn parse_json(text: Option<String>) -> Option<Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

fn entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        before: parse_json(r.try_get("before_json")?),
        after: parse_json(r.try_get("after_json")?),
    })
}

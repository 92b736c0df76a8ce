//! What can go wrong: opening the database ([`OpenError`]) and any operation on it
//! ([`StoreError`]).

use crate::model::{PlanState, Role};
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// The database could not be opened or brought to the current schema.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpenError {
    /// The URL names no supported database.
    #[error(
        "database URL `{url}`: expected `sqlite://PATH`, `sqlite::memory:` or `postgres://...`, found another scheme"
    )]
    Url {
        /// The URL as given (without its password).
        url: String,
    },
    /// The SQLite database file could not be created or made private (mode 0600).
    #[error("database file {path}: cannot {action}: {message}")]
    File {
        /// The file.
        path: String,
        /// What was tried.
        action: &'static str,
        /// The system's message.
        message: String,
    },
    /// The database did not answer.
    #[error("database {url}: cannot connect: {message}")]
    Connect {
        /// The URL as given (without its password).
        url: String,
        /// The driver's message.
        message: String,
    },
    /// A migration failed; nothing of it was applied.
    #[error("database {url}: migration {version} ({name}) failed: {message}")]
    Migration {
        /// The URL as given (without its password).
        url: String,
        /// Migration number.
        version: i64,
        /// Migration name.
        name: String,
        /// The database's message.
        message: String,
    },
    /// An applied migration differs from the one in this binary.
    #[error(
        "database {url}: migration {version} ({name}) was applied with checksum {found}, this binary has {expected}; the database belongs to another sirtplan version"
    )]
    MigrationChanged {
        /// The URL as given (without its password).
        url: String,
        /// Migration number.
        version: i64,
        /// Migration name.
        name: String,
        /// Checksum in this binary.
        expected: String,
        /// Checksum recorded in the database.
        found: String,
    },
    /// A command that never migrates (`verify-audit`, `backup`: [`crate::Store::open_existing`])
    /// found a schema other than exactly this binary's.
    #[error(
        "database {url}: schema versions applied: {found}; this sirtplan needs exactly 1 to {latest} (missing: {missing}); this command never changes the schema: run `sirtplan serve` of this version on the database first (it migrates), or use the sirtplan version that wrote it; nothing was written"
    )]
    SchemaNotCurrent {
        /// The URL as given (without its password).
        url: String,
        /// The versions applied (`none` and why when they cannot be read).
        found: String,
        /// The versions of this binary not applied.
        missing: String,
        /// Newest migration of this binary.
        latest: i64,
    },
    /// The database has migrations this binary does not know.
    #[error(
        "database {url}: schema version {found} is newer than this binary's {expected}; use a newer sirtplan"
    )]
    TooNew {
        /// The URL as given (without its password).
        url: String,
        /// Newest migration of this binary.
        expected: i64,
        /// Newest migration applied.
        found: i64,
    },
}

/// An operation refused or failed. Nothing was written when one is returned.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StoreError {
    /// No such record.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of record.
        entity: &'static str,
        /// Its key.
        id: String,
    },
    /// The record changed since the caller read it (optimistic concurrency).
    #[error(
        "{entity} {id} was changed by {changed_by} at {changed_at} (row version {current}; your change was based on {read}): reload it and apply your change again"
    )]
    Conflict {
        /// Kind of record.
        entity: &'static str,
        /// Its key.
        id: i64,
        /// The row version the caller read.
        read: i64,
        /// The row version now.
        current: i64,
        /// Who made the last change.
        changed_by: String,
        /// When.
        changed_at: String,
    },
    /// The plan workflow does not allow this step from the plan's state.
    #[error(
        "plan {plan_id}: cannot {action} a plan in state {state}; {action} needs a {needed} plan"
    )]
    IllegalTransition {
        /// The plan.
        plan_id: i64,
        /// The step (`check`, `approve`, `deliver`).
        action: &'static str,
        /// Its state.
        state: PlanState,
        /// The state the step needs.
        needed: PlanState,
    },
    /// The actor's role may not take this workflow step.
    #[error("{action}: needs the role {needed}, found {found}")]
    RoleNotAllowed {
        /// The step.
        action: &'static str,
        /// Roles allowed, joined by " or ".
        needed: String,
        /// The actor's role (`none` for the system).
        found: String,
    },
    /// A text longer than its column allows.
    #[error("field `{field}`: expected at most {max} characters, found {found}")]
    TooLong {
        /// Field name.
        field: &'static str,
        /// Limit in characters.
        max: usize,
        /// Length given.
        found: usize,
    },
    /// The approver checked this plan version (21 CFR Part 11: two people), whatever their
    /// role is now.
    #[error(
        "plan {plan_id}: {username} checked this plan version and so cannot approve it; another physician must approve it"
    )]
    CheckerCannotApprove {
        /// The plan.
        plan_id: i64,
        /// The approver who checked it.
        username: String,
    },
    /// Failed checks without an acknowledgement of this result block the approval.
    #[error(
        "plan {plan_id}: cannot approve while failed checks are not acknowledged: {checks}; acknowledge each with a reason first"
    )]
    Unacknowledged {
        /// The plan.
        plan_id: i64,
        /// The unacknowledged failed checks: `rule (subject)`, joined by ", ".
        checks: String,
    },
    /// A value that cannot be stored.
    #[error("field `{field}`: expected {expected}, found {found}")]
    Invalid {
        /// Field name.
        field: &'static str,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A value that must be unique is taken.
    #[error("{entity} with {field} `{value}` already exists")]
    Duplicate {
        /// Kind of record.
        entity: &'static str,
        /// Field.
        field: &'static str,
        /// Value.
        value: String,
    },
    /// An admin's change to their own account that would lock them out (disable, or a role
    /// other than admin): another admin must make it.
    #[error(
        "user {username}: you cannot {change} your own account; another admin must do it, so that the site keeps an admin"
    )]
    OwnAccount {
        /// The account.
        username: String,
        /// What was asked (`disable`, `change the role of`).
        change: &'static str,
    },
    /// A change that would leave no enabled admin.
    #[error(
        "user {username}: cannot {change} the last enabled admin; make another account admin first"
    )]
    LastAdmin {
        /// The account.
        username: String,
        /// What was asked (`disable`, `change the role of`).
        change: &'static str,
    },
    /// An audit row without the audit key after the audit chain began: it would carry no MAC.
    #[error(
        "audit log: the chain began at row {first_id}; an audit key is required to write to it (--audit-key-file PATH or SIRTPLAN_AUDIT_KEY); nothing was written"
    )]
    AuditKeyRequired {
        /// The chain's first row.
        first_id: i64,
    },
    /// The audit chain's head is empty, yet rows carry a MAC: the head was emptied behind the
    /// application's back, and a new chain is not begun over the old one.
    #[error(
        "audit log: the chain's head is empty, yet rows {first_id} to {last_id} carry a MAC: the head was emptied behind the application's back; nothing was written (run `sirtplan admin verify-audit`)"
    )]
    AuditHeadEmpty {
        /// The first row with a MAC.
        first_id: i64,
        /// The last row with a MAC.
        last_id: i64,
    },
    /// The database failed (connection lost, constraint, disk); the transaction was rolled back.
    /// The driver's error is the source: its text may name tables or values.
    #[error("database error")]
    Database(#[source] DatabaseError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(DatabaseError(Arc::new(e)))
    }
}

/// The database driver's error of a [`StoreError::Database`], shared so that a
/// [`StoreError`] can be cloned. Its text and source are the driver's; two are equal when
/// their texts are.
#[derive(Debug, Clone)]
pub struct DatabaseError(Arc<sqlx::Error>);

impl DatabaseError {
    /// The driver's error.
    pub fn driver(&self) -> &sqlx::Error {
        &self.0
    }
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for DatabaseError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

/// Error of a plan workflow step refused for the role.
pub(crate) fn role_not_allowed(
    action: &'static str,
    needed: &[Role],
    found: Option<Role>,
) -> StoreError {
    StoreError::RoleNotAllowed {
        action,
        needed: needed
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        found: found.map_or_else(|| "none".to_owned(), |r| r.as_str().to_owned()),
    }
}

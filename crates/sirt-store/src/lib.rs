//! The sirtplan database: the only crate that speaks SQL.
//!
//! | module | what |
//! |---|---|
//! | `lib` | [`Store::open`]: SQLite (`sqlite://PATH`: WAL, foreign keys, busy timeout) or PostgreSQL (`postgres://...`) through one sqlx `AnyPool`; migrations applied at open |
//! | `migrate` | embedded migrations: one schema text for both dialects, checksums in `schema_migrations`; [`Store::open_existing`] opens without migrating or writing, for the commands that only read, and refuses a schema other than exactly this binary's |
//! | [`model`] | the records: [`User`] (with [`Account`], [`UserChange`]), [`Session`], [`Patient`], [`Study`], [`StudySeries`], [`Case`], [`Plan`] with [`PlanState`], [`Treatment`], [`FollowUp`], [`Toxicity`], [`Document`], [`AuditEntry`] |
//! | `accounts` | users (create, change with the last-admin rule, list with last login), sessions (token hash, CSRF token, idle expiry), login attempts for rate limiting |
//! | `clinical` | patients and search, studies, cases, follow-up visits, toxicities, documents, the demo import |
//! | `series` | uploaded studies with their image series ([`StudySeries`]): [`Store::add_study_with_series`] writes the rows around the caller's placing of the files, in one transaction with the audit row |
//! | `plans` | plan versions and their workflow: draft → checked (physicist) → approved (physician) → delivered; approved and delivered plans are immutable (an edit makes a new draft version); approval records approver, time and [`inputs_sha256`] |
//! | `signatures` | electronic signatures of check and approval ([`Signature`]: who, full name, role, instant, meaning), acknowledgements of failed checks ([`Acknowledgement`]), the record frozen at approval ([`Frozen`]); approval refused to the version's checker and while a failed check is unacknowledged |
//! | `deliveries` | delivery records ([`DeliveryRecord`]: one per injection, a correction a new version with its reason) and delivered sessions ([`SessionDelivered`]); [`Store::deliver_plan`] records one session, in order, and makes the plan delivered after its last |
//! | `audit` | the append-only audit log ([`Store::audit`]), chained by an HMAC when the store has an audit key ([`Store::with_audit_key`], [`Store::verify_audit`]) |
//! | [`audit_chain`] | the audit key ([`AuditKey`]: a 0600 file or hexadecimal text, never in the database) and the MAC's encoding |
//! | `files` | files at rest: the SQLite database and its `-wal`/`-shm` files, backups and key files with mode 0600 |
//! | `jobs` | the queue of background computations ([`Job`], [`NewJob`], [`JobState`]): enqueued once per (kind, inputs' SHA-256), claimed under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), heartbeats with progress, done / failed with retries; not audited (derived from stored inputs) |
//! | `pacs` | the PACS nodes a site configures ([`PacsNode`]: DICOMweb URL with optional Basic credentials, or DIMSE AE title, host, port and our AE title; timeouts), each change audited without the password; the audit rows of exchanges with a node ([`PacsExchange`]: a plan sent, series retrieved) |
//! | `backup` | [`Store::backup_to`]: a consistent copy of a live SQLite database (`VACUUM INTO`), mode 0600 |
//! | [`limits`] | the longest text each field accepts |
//!
//! Every function that changes data runs in one transaction that also writes its audit row
//! (who, when, what, before and after as JSON): either both are written or neither. Updates
//! carry the `row_version` the caller read; a mismatch is [`StoreError::Conflict`] naming who
//! changed the record and when. On SQLite a writing transaction starts with `BEGIN IMMEDIATE`
//! (writers queue on the busy timeout instead of failing at their first write); on PostgreSQL
//! the conditional `UPDATE ... WHERE row_version = $n` decides between concurrent writers.
//!
//! Exceptions to auditing, by design: refreshing a session's last-seen time, recording a
//! successful login attempt (the login itself is audited) and pruning expired sessions and
//! old login attempts. A failed login is recorded at once and audited later, one row per
//! (username, address, minute) ([`Store::audit_failed_logins`]), so that a flood of failures
//! does not write one permanent row each.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use sirt_store::{Actor, NewPatient, Store};
//! let dir = std::env::temp_dir().join(format!("sirt-store-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let url = format!("sqlite://{}", dir.join("doc.db").display());
//! let store = Store::open(&url).await.unwrap();
//! let p = store
//!     .create_patient(&Actor::system("doc"), &NewPatient { mrn: "P-1".into(), name: "Test".into(), ..Default::default() })
//!     .await
//!     .unwrap();
//! let audit = store.audit(&Default::default()).await.unwrap();
//! assert_eq!(audit[0].action, "patient.create");
//! assert_eq!(audit[0].entity_id, p.id.to_string());
//! store.close().await;
//! std::fs::remove_dir_all(&dir).unwrap();
//! # });
//! ```

mod accounts;
mod audit;
pub mod audit_chain;
mod backup;
mod clinical;
mod deliveries;
mod error;
mod files;
mod jobs;
mod migrate;
pub mod model;
mod pacs;
mod plans;
mod series;
mod signatures;

pub use accounts::{LoginAttempt, NewSession};
pub use audit::{
    AuditChainError, AuditFault, AuditProblem, AuditProtection, AuditVerification, GenesisMismatch,
    HeadProblem,
};
pub use audit_chain::{AuditKey, AuditKeyError};
pub use backup::BackupError;
pub use deliveries::{
    DeliveryAddendum, DeliveryRecord, NewAddendum, NewDelivery, PlanDeliveries, SessionDelivered,
    SessionDelivery,
};
pub use error::{DatabaseError, OpenError, StoreError};
pub use files::sqlite_path;
pub use jobs::{Job, JobState, LEASE_EXHAUSTED, NewJob};
pub use model::*;
pub use pacs::{NewPacsNode, PacsAddress, PacsExchange, PacsNode};
pub use signatures::{Acknowledgement, Frozen, NewFrozen, Signature, SignedStep, failed_checks};

use sha2::{Digest, Sha256};
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Transaction};

/// The longest text each field accepts, in characters (bytes for documents). Design limits of
/// sirtplan, not from a standard: room for any real value, small enough that a field cannot be
/// used to fill the database.
pub mod limits {
    /// Login name.
    pub const USERNAME: usize = 64;
    /// Names of people (display name, patient name).
    pub const PERSON_NAME: usize = 200;
    /// Medical record number.
    pub const MRN: usize = 64;
    /// Case title.
    pub const TITLE: usize = 200;
    /// Short codes and labels (indication, modality, kind, MIME type, CTCAE term, injection id).
    pub const SHORT: usize = 100;
    /// Descriptions, sources, attributions.
    pub const DESCRIPTION: usize = 2_000;
    /// Free-text notes.
    pub const NOTES: usize = 20_000;
    /// A case file (TOML).
    pub const CASE_TOML: usize = 1_000_000;
    /// Plan parameters (JSON).
    pub const PARAMETERS_JSON: usize = 100_000;
    /// A computed plan (JSON), laboratory values, RECIST measurements.
    pub const DOCUMENT_TEXT: usize = 10_000_000;
    /// A document stored in the database, in bytes.
    pub const DOCUMENT_BYTES: usize = 50 * 1024 * 1024;
}

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The database: a pool of connections with the schema applied. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The audit chain's key ([`Store::with_audit_key`]); `None`: audit rows carry no MAC.
    audit_key: Option<std::sync::Arc<AuditKey>>,
}

/// How long a request waits for a database connection before it fails (503 in the server):
/// 5 s (design choice: far above the waits measured with 50 concurrent sessions, p99 < 0.4 s,
/// and short enough that a user whose database went down is told so instead of left waiting;
/// sqlx's default is 30 s).
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a SQLite writer waits for another to finish: 10 000 ms (design choice: far longer
/// than any transaction of this crate takes).
const SQLITE_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 10000";

impl Store {
    /// Opens `sqlite://PATH` (created when missing), `sqlite::memory:` or `postgres://...`,
    /// and applies the migrations this database lacks. A SQLite file is created with mode 0600
    /// before SQLite opens it, and the file with its `-wal` and `-shm` files are set to 0600 at
    /// every open (an older, world-readable database is made private). The store has no audit
    /// key: see [`Store::with_audit_key`].
    pub async fn open(url: &str) -> Result<Store, OpenError> {
        sqlx::any::install_default_drivers();
        let (backend, connect_url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let memory = rest.contains(":memory:");
            let connect = if memory || rest.contains("mode=") {
                url.to_owned()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, connect)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(OpenError::Url {
                url: redact_url(url),
            });
        };
        let max = match backend {
            // One connection is one in-memory database.
            Backend::Sqlite if url.contains(":memory:") => 1,
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let sqlite_file = private_sqlite_file(url)?;
        let connect_err = |e: sqlx::Error| OpenError::Connect {
            url: redact_url(url),
            message: e.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute(SQLITE_BUSY_TIMEOUT).await?;
                    }
                    Ok(())
                })
            })
            .connect(&connect_url)
            .await
            .map_err(connect_err)?;
        if backend == Backend::Sqlite && !url.contains(":memory:") {
            // Persistent in the file; readers no longer block the writer.
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(connect_err)?;
        }
        if let Some(path) = &sqlite_file {
            // SQLite gave the -wal and -shm files the database file's mode; set all exactly.
            files::make_sqlite_private(path).map_err(|(f, e)| OpenError::File {
                path: f.display().to_string(),
                action: "make it private (mode 0600)",
                message: e.to_string(),
            })?;
        }
        migrate::run(&pool, backend, url).await?;
        Ok(Store {
            pool,
            backend,
            audit_key: None,
        })
    }

    /// The database kind.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The migrations applied, in order.
    pub async fn schema_versions(&self) -> Result<Vec<i64>, StoreError> {
        use sqlx::Row;
        let rows = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>("version").map_err(StoreError::from))
            .collect()
    }

    /// The newest schema version this binary knows.
    pub fn latest_schema_version() -> i64 {
        migrate::latest()
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a writing transaction.
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(begin_write(&self.pool, self.backend).await?)
    }
}

/// The file of a SQLite URL, created empty with mode 0600 when missing (so that no other user
/// can read it from its first byte on), unless the URL opens it read-only or in memory.
fn private_sqlite_file(url: &str) -> Result<Option<std::path::PathBuf>, OpenError> {
    let Some(path) = files::sqlite_path(url) else {
        return Ok(None);
    };
    let creates = !url.contains("mode=") || url.contains("mode=rwc");
    if creates {
        files::create_private_if_missing(&path).map_err(|e| OpenError::File {
            path: path.display().to_string(),
            action: "create it",
            message: e.to_string(),
        })?;
    }
    Ok(Some(path))
}

/// A writing transaction: `BEGIN IMMEDIATE` on SQLite (takes the write lock at once, waiting on
/// the busy timeout), `BEGIN` on PostgreSQL.
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<Transaction<'static, Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// Now, UTC, as stored: `2026-03-05T09:00:00.000Z` (fixed width: sorts as time).
pub fn now() -> String {
    format_instant(jiff::Timestamp::now())
}

/// An instant as stored.
pub fn format_instant(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// An instant read back; `None` when the text is not one.
pub fn parse_instant(s: &str) -> Option<jiff::Timestamp> {
    s.parse().ok()
}

/// SHA-256 (hex) of a plan's inputs as approved: the case file's bytes, one NUL byte, then the
/// parameters JSON's bytes, exactly as stored.
pub fn inputs_sha256(case_toml: &str, parameters_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(case_toml.as_bytes());
    h.update([0u8]);
    h.update(parameters_json.as_bytes());
    hex::encode(h.finalize())
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// The one row of `sql` (a `SELECT … WHERE id = $1`) for `id`, or [`StoreError::NotFound`]
    /// naming `entity`.
    pub(crate) async fn row_by_id(
        &self,
        sql: &str,
        entity: &'static str,
        id: i64,
    ) -> Result<sqlx::any::AnyRow, StoreError> {
        sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity,
                id: id.to_string(),
            })
    }
}

/// Refuses a text longer than `max` characters.
pub(crate) fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), StoreError> {
    let found = value.chars().count();
    if found > max {
        return Err(StoreError::TooLong { field, max, found });
    }
    Ok(())
}

/// Refuses an optional text longer than `max` characters.
pub(crate) fn check_opt_len(
    field: &'static str,
    value: &Option<String>,
    max: usize,
) -> Result<(), StoreError> {
    match value {
        Some(v) => check_len(field, v, max),
        None => Ok(()),
    }
}

/// Refuses an empty (or blank) text.
pub(crate) fn check_not_blank(field: &'static str, value: &str) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid {
            field,
            expected: "a non-empty text".into(),
            found: "an empty one".into(),
        });
    }
    Ok(())
}

/// Refuses a date that is not `YYYY-MM-DD`.
pub(crate) fn check_date(field: &'static str, value: &str) -> Result<(), StoreError> {
    let ok = value.len() == 10 && value.parse::<jiff::civil::Date>().is_ok();
    if !ok {
        return Err(StoreError::Invalid {
            field,
            expected: "a date YYYY-MM-DD".into(),
            found: format!("`{}`", value.chars().take(40).collect::<String>()),
        });
    }
    Ok(())
}

/// Refuses a text that is not a JSON object.
pub(crate) fn check_json_object(field: &'static str, value: &str) -> Result<(), StoreError> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(StoreError::Invalid {
            field,
            expected: "a JSON object".into(),
            found: "another JSON value".into(),
        }),
        Err(e) => Err(StoreError::Invalid {
            field,
            expected: "a JSON object".into(),
            found: format!("invalid JSON ({e})"),
        }),
    }
}

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.message().contains("UNIQUE constraint failed")
                || d.code().as_deref() == Some("23505")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_have_fixed_width_and_read_back() {
        let t: jiff::Timestamp = "2026-03-05T09:00:00Z".parse().unwrap();
        assert_eq!(format_instant(t), "2026-03-05T09:00:00.000Z");
        assert_eq!(parse_instant("2026-03-05T09:00:00.000Z"), Some(t));
        assert_eq!(now().len(), 24);
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact_url("postgres://u:secret@127.0.0.1:5432/db"),
            "postgres://u:***@127.0.0.1:5432/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn inputs_hash_separates_the_two_texts() {
        // SHA-256 of b"a\x00b" by Python's hashlib.
        assert_eq!(
            inputs_sha256("a", "b"),
            "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138"
        );
        assert_ne!(inputs_sha256("ab", ""), inputs_sha256("a", "b"));
    }
}

//! The append-only audit log: one row per change, written in the change's own transaction,
//! chained by an HMAC when the store has an audit key ([`crate::audit_chain`] documents the
//! encoding): each chained row's MAC covers the previous chained row's MAC and the row's own
//! columns, and the chain's head (`audit_chain_head`, one row) holds the chain's genesis (its
//! first row and the number of unprotected rows before it) and names the last chained row.
//!
//! Order: a writer reads the head (`FOR UPDATE` on PostgreSQL, so that writers of several
//! server processes queue on it; on SQLite `BEGIN IMMEDIATE` already serialises writers), takes
//! the next id, inserts its row with its MAC and moves the head, all in its transaction: the
//! chain's order is the order of the ids. Writers without a key read the head the same way and
//! are refused once the chain has begun. Rows without a MAC before the chain's first row were
//! written before the key was given (or before migration 11): as many as the genesis counted
//! are reported as unprotected, any other is a fault.

use crate::audit_chain::{AuditKey, HeadContent, MAC_BYTES, RowContent, parse_mac};
use crate::model::{Actor, AuditEntry, AuditQuery};
use crate::{Store, StoreError};
use serde_json::Value;
use sqlx::{Any, Row, Transaction};
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// The smallest id either database gives an audit row: 1 (SQLite's `AUTOINCREMENT` and
/// PostgreSQL's identity columns both start at 1, and sirtplan never chooses an id below the
/// next one). A row with a smaller id was inserted by hand.
const FIRST_ROW_ID: i64 = 1;

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

/// Writes the audit row of a change inside its transaction: chained with `key`'s MAC when
/// there is one, without a MAC otherwise. Every audit row is written here. Refused without a
/// key once the chain has begun ([`StoreError::AuditKeyRequired`]), and with a key when the
/// head was emptied while rows carry a MAC ([`StoreError::AuditHeadEmpty`]).
pub(crate) async fn record(
    tx: &mut Transaction<'static, Any>,
    key: Option<&AuditKey>,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let head = lock_head(tx).await?;
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    let before = json(&change.before);
    let after = json(&change.after);
    let Some(key) = key else {
        if let Some(first_id) = head.as_ref().and_then(|h| h.first_id) {
            return Err(StoreError::AuditKeyRequired { first_id });
        }
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
        .bind(before)
        .bind(after)
        .execute(&mut **tx)
        .await?;
        return Ok(());
    };
    let head = head.ok_or_else(missing_head)?;
    let link = next_link(tx, &head).await?;
    let row = RowContent {
        id: link.id,
        at: change.at,
        user_id: actor.user_id,
        username: &actor.name,
        action: change.action,
        entity: change.entity,
        entity_id: &change.entity_id,
        before_json: before.as_deref(),
        after_json: after.as_deref(),
    };
    let mac = key.row_mac(&link.prev, &row);
    sqlx::query(
        "INSERT INTO audit_log (id, at, user_id, username, action, entity, entity_id, before_json, after_json, mac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.id)
    .bind(row.at)
    .bind(row.user_id)
    .bind(row.username)
    .bind(row.action)
    .bind(row.entity)
    .bind(row.entity_id)
    .bind(row.before_json)
    .bind(row.after_json)
    .bind(hex::encode(mac))
    .execute(&mut **tx)
    .await?;
    let moved = HeadContent {
        first_id: link.first_id,
        unprotected: link.unprotected,
        last_id: link.id,
        last_mac: mac,
    };
    write_head(tx, key, &moved).await
}

/// The head's one row is gone: removed behind the application's back.
fn missing_head() -> StoreError {
    StoreError::Invalid {
        field: "audit_chain_head",
        expected: "its one row (id 1)".into(),
        found: "no row: it was removed behind the application's back (run `sirtplan admin verify-audit`)".into(),
    }
}

/// Writes the head whole, with its MAC.
async fn write_head(
    tx: &mut Transaction<'static, Any>,
    key: &AuditKey,
    head: &HeadContent,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE audit_chain_head SET first_id = $1, unprotected = $2, last_id = $3, last_mac = $4, \
         head_mac = $5 WHERE id = 1",
    )
    .bind(head.first_id)
    .bind(head.unprotected)
    .bind(head.last_id)
    .bind(hex::encode(head.last_mac))
    .bind(hex::encode(key.head_mac(head)))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Where the next chained row goes.
struct Link {
    /// Its id.
    id: i64,
    /// The MAC it chains on (32 zero bytes for the chain's first row).
    prev: [u8; MAC_BYTES],
    /// The genesis: the chain's first row ...
    first_id: i64,
    /// ... and the rows without a MAC before it.
    unprotected: i64,
}

/// The next chained row: after the head's last row, or the chain's first row (its genesis:
/// the rows without a MAC before it counted), refused when the head is empty while rows
/// already carry a MAC.
async fn next_link(tx: &mut Transaction<'static, Any>, head: &Head) -> Result<Link, StoreError> {
    if head.first_id.is_some() {
        let c = head.content().ok_or_else(|| StoreError::Invalid {
            field: "audit_chain_head",
            expected: "a first row, a count, a last row and a MAC of 64 hexadecimal digits".into(),
            found: "missing or unreadable columns".into(),
        })?;
        return Ok(Link {
            id: next_id(tx).await?,
            prev: c.last_mac,
            first_id: c.first_id,
            unprotected: c.unprotected,
        });
    }
    if let Some((first_id, last_id)) = chained_range(tx).await? {
        return Err(StoreError::AuditHeadEmpty { first_id, last_id });
    }
    let id = next_id(tx).await?;
    let unprotected: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM audit_log WHERE mac IS NULL AND id >= $1 AND id < $2",
    )
    .bind(FIRST_ROW_ID)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    Ok(Link {
        id,
        prev: [0u8; MAC_BYTES],
        first_id: id,
        unprotected,
    })
}

/// The first and last rows that carry a MAC, if any.
async fn chained_range(
    tx: &mut Transaction<'static, Any>,
) -> Result<Option<(i64, i64)>, StoreError> {
    let r = sqlx::query(
        "SELECT MIN(id) AS first_id, MAX(id) AS last_id FROM audit_log WHERE mac IS NOT NULL",
    )
    .fetch_one(&mut **tx)
    .await?;
    let first: Option<i64> = r.try_get("first_id")?;
    let last: Option<i64> = r.try_get("last_id")?;
    Ok(first.zip(last))
}

fn is_postgres(tx: &Transaction<'static, Any>) -> bool {
    tx.backend_name() == "PostgreSQL"
}

/// Reads the chain's head, locking it until the transaction ends (PostgreSQL: `FOR UPDATE`;
/// SQLite: the transaction holds the write lock already); `None` when its row is gone.
async fn lock_head(tx: &mut Transaction<'static, Any>) -> Result<Option<Head>, StoreError> {
    let sql = if is_postgres(tx) {
        "SELECT first_id, unprotected, last_id, last_mac, head_mac FROM audit_chain_head WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT first_id, unprotected, last_id, last_mac, head_mac FROM audit_chain_head WHERE id = 1"
    };
    let row = sqlx::query(sql).fetch_optional(&mut **tx).await?;
    row.as_ref().map(Head::from_row).transpose()
}

/// The id the next audit row gets (taken under the head's lock: ids follow the chain).
async fn next_id(tx: &mut Transaction<'static, Any>) -> Result<i64, StoreError> {
    let sql = if is_postgres(tx) {
        "SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) AS id"
    } else {
        // AUTOINCREMENT's counter: an id is never given twice, even after the last row went.
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0), \
         COALESCE((SELECT MAX(id) FROM audit_log), 0)) + 1 AS id"
    };
    let row = sqlx::query(sql).fetch_one(&mut **tx).await?;
    Ok(row.try_get("id")?)
}

/// The audit chain of a database is protected by a key that this store lacks, or by another.
#[derive(Debug, Error)]
pub enum AuditChainError {
    /// The chain has begun and the store has no key: rows written now would carry no MAC.
    #[error(
        "the audit log of this database is chained with an audit key since row {first_id} (last row {last_id}); give that key (`--audit-key-file PATH` or SIRTPLAN_AUDIT_KEY)"
    )]
    KeyRequired {
        /// The chain's first row.
        first_id: i64,
        /// The chain's last row.
        last_id: i64,
    },
    /// The head's MAC does not match under the store's key.
    #[error(
        "the audit key given is not the one that chained this database's audit log (the MAC of its head, row {last_id}, does not match); give the right key, or run `sirtplan admin verify-audit` if the database was changed"
    )]
    WrongKey {
        /// The chain's last row.
        last_id: i64,
    },
    /// The head is empty, yet rows carry a MAC: the head was emptied behind the application's
    /// back; a new chain is not begun over the old one.
    #[error(
        "the audit log's chain head is empty, yet rows {first_id} to {last_id} carry a MAC: it was emptied in the database behind the application's back; run `sirtplan admin verify-audit`"
    )]
    HeadEmpty {
        /// The first row with a MAC.
        first_id: i64,
        /// The last row with a MAC.
        last_id: i64,
    },
    /// The database failed.
    #[error("reading the audit chain's head")]
    Store(#[from] StoreError),
}

/// Whether new audit rows are chained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditProtection {
    /// Rows carry a MAC under the store's key.
    Chained,
    /// The store has no key; the chain has not begun: rows carry no MAC.
    Unprotected,
}

/// Why a row failed [`Store::verify_audit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFault {
    /// The MAC does not match the row's content after the previous chained row: the row was
    /// changed, or the chained row before it was removed, or rows were inserted.
    Mismatch,
    /// No MAC after the chain began: written without the key, or its MAC removed.
    NoMac,
    /// The stored MAC is not 64 hexadecimal digits.
    Unreadable,
    /// Before the chain's first row, and not among the rows without a MAC that the chain's
    /// genesis counted (those beyond the count, in id order, or a row with a MAC): inserted.
    BeforeChain,
    /// An id below 1, which neither database gives: inserted by hand.
    IdOutOfRange,
}

impl fmt::Display for AuditFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuditFault::Mismatch => "mismatch",
            AuditFault::NoMac => "no-mac",
            AuditFault::Unreadable => "unreadable",
            AuditFault::BeforeChain => "before-chain",
            AuditFault::IdOutOfRange => "id-out-of-range",
        })
    }
}

/// One row that failed the verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    /// The row's id.
    pub id: i64,
    /// Its action, as stored.
    pub action: String,
    /// Its instant, as stored.
    pub at: String,
    /// What failed.
    pub fault: AuditFault,
}

/// What is wrong with the chain's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadProblem {
    /// The head has no genesis (or its row is gone), though a key is given: no row was ever
    /// written with the key, or the chain was removed and its head emptied.
    Empty {
        /// The last row with a MAC found, if any.
        last_row: Option<i64>,
    },
    /// The head's MAC does not match: the head was changed, or the key is another.
    Mac {
        /// The row the head names.
        head_id: i64,
    },
    /// The head names a row that is not the last chained row: rows at the end of the log were
    /// removed (the head names a missing row), or the head was set back.
    NotLast {
        /// The row the head names.
        head_id: i64,
        /// The last chained row found, if any.
        last_row: Option<i64>,
        /// Whether the row the head names exists.
        head_row_exists: bool,
    },
}

/// The rows without a MAC before the chain's first row differ in number from those its
/// genesis counted: rows were inserted there (more) or removed (fewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenesisMismatch {
    /// The chain's first row.
    pub first_id: i64,
    /// The rows without a MAC before it when the chain began.
    pub counted: i64,
    /// The rows without a MAC before it now.
    pub found: i64,
}

/// The outcome of [`Store::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditVerification {
    /// Rows whose MAC matched.
    pub verified: usize,
    /// Rows without a MAC before the chain's first row that its genesis counted (written
    /// before the key was given).
    pub unprotected: usize,
    /// The chain's first row.
    pub first_chained: Option<i64>,
    /// Rows that failed, in id order.
    pub problems: Vec<AuditProblem>,
    /// What is wrong with the head, if anything.
    pub head: Option<HeadProblem>,
    /// The rows before the chain's first row, when they do not match its genesis.
    pub genesis: Option<GenesisMismatch>,
}

impl AuditVerification {
    /// No row, head or genesis problem.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty() && self.head.is_none() && self.genesis.is_none()
    }
}

/// Rows read per query while verifying: 500 (design choice: bounded memory for any size of
/// log; each row may hold a JSON record of up to [`crate::limits::DOCUMENT_TEXT`] characters).
const VERIFY_PAGE_ROWS: i64 = 500;

/// The chain walked so far.
struct Walk<'k> {
    key: &'k AuditKey,
    /// The genesis as the head holds it: the chain's first row and the unprotected rows
    /// counted before it (`None`: the head is empty; the chain is taken to begin at the first
    /// row with a MAC).
    genesis: Option<(i64, i64)>,
    /// The stored MAC of the last chained row (`None` before the chain's first row).
    prev: Option<[u8; MAC_BYTES]>,
    /// The last chained row's id.
    last_row: Option<i64>,
    /// Rows without a MAC before the chain's first row, counted or not.
    before_chain: i64,
    out: AuditVerification,
}

impl<'k> Walk<'k> {
    fn new(key: &'k AuditKey, head: &Head) -> Walk<'k> {
        let genesis = head.first_id.map(|f| (f, head.unprotected.unwrap_or(0)));
        Walk {
            key,
            genesis,
            prev: None,
            last_row: None,
            before_chain: 0,
            out: AuditVerification {
                first_chained: genesis.map(|(f, _)| f),
                ..AuditVerification::default()
            },
        }
    }

    /// Checks one row (rows come in id order).
    fn row(&mut self, r: &sqlx::any::AnyRow) -> Result<(), StoreError> {
        let id: i64 = r.try_get("id")?;
        let mac: Option<String> = r.try_get("mac")?;
        let fault = if id < FIRST_ROW_ID {
            Some(AuditFault::IdOutOfRange)
        } else if let Some((_, counted)) = self.genesis.filter(|(first_id, _)| id < *first_id) {
            self.before_genesis(mac.is_some(), counted)
        } else {
            self.chained(id, mac.as_deref(), r)?
        };
        if let Some(fault) = fault {
            self.out.problems.push(AuditProblem {
                id,
                action: r.try_get("action")?,
                at: r.try_get("at")?,
                fault,
            });
        }
        Ok(())
    }

    /// A row before the genesis' first row: unprotected while within the count.
    fn before_genesis(&mut self, has_mac: bool, counted: i64) -> Option<AuditFault> {
        if has_mac {
            return Some(AuditFault::BeforeChain);
        }
        self.before_chain += 1;
        if self.before_chain <= counted {
            self.out.unprotected += 1;
            None
        } else {
            Some(AuditFault::BeforeChain)
        }
    }

    /// A row at or after the chain's first row (or, without a genesis, any row from 1 on).
    fn chained(
        &mut self,
        id: i64,
        mac: Option<&str>,
        r: &sqlx::any::AnyRow,
    ) -> Result<Option<AuditFault>, StoreError> {
        let Some(mac) = mac else {
            if self.genesis.is_none() && self.prev.is_none() {
                // No genesis: the rows before the first with a MAC (the head fault is named).
                self.out.unprotected += 1;
                return Ok(None);
            }
            return Ok(Some(AuditFault::NoMac));
        };
        self.out.first_chained.get_or_insert(id);
        let Some(stored) = parse_mac(mac) else {
            return Ok(Some(AuditFault::Unreadable));
        };
        let expected = self.key.row_mac(
            &self.prev.unwrap_or([0u8; MAC_BYTES]),
            &row_content(id, r)?.as_content(),
        );
        // The next row chains on the MAC as stored: a changed row fails alone.
        self.prev = Some(stored);
        self.last_row = Some(id);
        if expected == stored {
            self.out.verified += 1;
            Ok(None)
        } else {
            Ok(Some(AuditFault::Mismatch))
        }
    }

    /// Compares the head with the last chained row, and the genesis with the rows before it.
    fn finish(&mut self, head: &Head, head_row_exists: bool) {
        if let Some((first_id, counted)) = self.genesis
            && counted != self.before_chain
        {
            self.out.genesis = Some(GenesisMismatch {
                first_id,
                counted,
                found: self.before_chain,
            });
        }
        if head.first_id.is_none() {
            self.out.head = Some(HeadProblem::Empty {
                last_row: self.last_row,
            });
            return;
        }
        let head_id = head.last_id.or(head.first_id).unwrap_or_default();
        self.out.head = match head.content() {
            Some(c) if head.fits(self.key) => {
                if self.last_row.zip(self.prev) == Some((c.last_id, c.last_mac)) {
                    None
                } else {
                    Some(HeadProblem::NotLast {
                        head_id,
                        last_row: self.last_row,
                        head_row_exists,
                    })
                }
            }
            _ => Some(HeadProblem::Mac { head_id }),
        };
    }
}

/// The columns of a row read back, owned.
struct OwnedRow {
    id: i64,
    at: String,
    user_id: Option<i64>,
    username: String,
    action: String,
    entity: String,
    entity_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl OwnedRow {
    fn as_content(&self) -> RowContent<'_> {
        RowContent {
            id: self.id,
            at: &self.at,
            user_id: self.user_id,
            username: &self.username,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
        }
    }
}

fn row_content(id: i64, r: &sqlx::any::AnyRow) -> Result<OwnedRow, StoreError> {
    Ok(OwnedRow {
        id,
        at: r.try_get("at")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        before_json: r.try_get("before_json")?,
        after_json: r.try_get("after_json")?,
    })
}

/// The chain's head as stored (every column may be NULL).
#[derive(Debug, Default)]
struct Head {
    first_id: Option<i64>,
    unprotected: Option<i64>,
    last_id: Option<i64>,
    last_mac: Option<String>,
    head_mac: Option<String>,
}

impl Head {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Head, StoreError> {
        Ok(Head {
            first_id: r.try_get("first_id")?,
            unprotected: r.try_get("unprotected")?,
            last_id: r.try_get("last_id")?,
            last_mac: r.try_get("last_mac")?,
            head_mac: r.try_get("head_mac")?,
        })
    }

    /// The head whole, when every column is there and readable.
    fn content(&self) -> Option<HeadContent> {
        Some(HeadContent {
            first_id: self.first_id?,
            unprotected: self.unprotected?,
            last_id: self.last_id?,
            last_mac: parse_mac(self.last_mac.as_deref()?)?,
        })
    }

    /// Whether the head is whole and its MAC matches under `key`.
    fn fits(&self, key: &AuditKey) -> bool {
        self.content()
            .is_some_and(|c| self.head_mac.as_deref().and_then(parse_mac) == Some(key.head_mac(&c)))
    }
}

async fn read_head(tx: &mut Transaction<'static, Any>) -> Result<Head, StoreError> {
    let row = sqlx::query(
        "SELECT first_id, unprotected, last_id, last_mac, head_mac FROM audit_chain_head WHERE id = 1",
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Head::from_row(&r)?,
        None => Head::default(),
    })
}

impl Store {
    /// This store with an audit key: the audit rows it writes from now on are chained.
    pub fn with_audit_key(mut self, key: AuditKey) -> Store {
        self.audit_key = Some(Arc::new(key));
        self
    }

    /// The audit key, if any.
    pub(crate) fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_deref()
    }

    /// Whether the audit rows this store writes are chained, after checking that its key fits
    /// the database: refused when the chain has begun and the store has no key
    /// ([`AuditChainError::KeyRequired`]) or another key ([`AuditChainError::WrongKey`]), and
    /// when the head is empty while rows carry a MAC (without a key
    /// [`AuditChainError::KeyRequired`], with one [`AuditChainError::HeadEmpty`]).
    pub async fn check_audit_key(&self) -> Result<AuditProtection, AuditChainError> {
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        let head = read_head(&mut tx).await?;
        let chained = chained_range(&mut tx).await?;
        tx.rollback().await.map_err(StoreError::from)?;
        match (head.first_id, self.audit_key()) {
            (None, key) => match (chained, key) {
                (Some((first_id, last_id)), None) => {
                    Err(AuditChainError::KeyRequired { first_id, last_id })
                }
                (Some((first_id, last_id)), Some(_)) => {
                    Err(AuditChainError::HeadEmpty { first_id, last_id })
                }
                (None, Some(_)) => Ok(AuditProtection::Chained),
                (None, None) => Ok(AuditProtection::Unprotected),
            },
            (Some(first_id), None) => Err(AuditChainError::KeyRequired {
                first_id,
                last_id: head.last_id.unwrap_or(first_id),
            }),
            (Some(first_id), Some(key)) => {
                if head.fits(key) {
                    Ok(AuditProtection::Chained)
                } else {
                    Err(AuditChainError::WrongKey {
                        last_id: head.last_id.unwrap_or(first_id),
                    })
                }
            }
        }
    }

    /// Walks the whole audit log in id order (every id, from the smallest an integer column
    /// holds) under `key`, in one consistent snapshot, and reports each row whose MAC does not
    /// match, each row without a MAC after the chain began, each row before the chain's first
    /// row that its genesis did not count, each id below 1, an empty head, a head that does
    /// not name the last chained row, and rows before the chain that differ in number from
    /// the genesis' count.
    pub async fn verify_audit(&self, key: &AuditKey) -> Result<AuditVerification, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let head = read_head(&mut tx).await?;
        let mut walk = Walk::new(key, &head);
        // From the smallest id on: the next page starts after the last id read.
        let mut from = Some(i64::MIN);
        while let Some(start) = from {
            let rows = sqlx::query(
                "SELECT id, at, user_id, username, action, entity, entity_id, before_json, after_json, mac \
                 FROM audit_log WHERE id >= $1 ORDER BY id LIMIT $2",
            )
            .bind(start)
            .bind(VERIFY_PAGE_ROWS)
            .fetch_all(&mut *tx)
            .await?;
            for r in &rows {
                walk.row(r)?;
            }
            from = match rows.last() {
                Some(last) if (rows.len() as i64) == VERIFY_PAGE_ROWS => {
                    last.try_get::<i64, _>("id")?.checked_add(1)
                }
                _ => None,
            };
        }
        let head_row_exists = match head.last_id {
            Some(id) => sqlx::query("SELECT id FROM audit_log WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some(),
            None => false,
        };
        tx.rollback().await?;
        walk.finish(&head, head_row_exists);
        Ok(walk.out)
    }
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

//! Account administration: `sirtplan admin create-user` creates an account in the database
//! (the first admin included: there is no default account and no default password); the
//! checks and the hashing of a new account or password, shared with `POST /api/users` and
//! `PATCH /api/users/{id}`. The audit key (`--audit-key-file` or [`AUDIT_KEY_ENV`]),
//! `sirtplan admin create-audit-key`, `verify-audit` and `backup`.

use crate::auth::{PasswordError, hash_password};
use sirt_store::{
    Actor, AuditChainError, AuditKey, AuditKeyError, AuditVerification, BackupError, NewUser,
    OpenError, Role, Store, StoreError, User,
};
use std::path::Path;
use thiserror::Error;

/// The environment variable that may hold the audit key (hexadecimal, at least 32 bytes), when
/// no `--audit-key-file` is given.
pub const AUDIT_KEY_ENV: &str = "SIRTPLAN_AUDIT_KEY";

/// Why an account could not be created or changed.
#[derive(Debug, Error)]
pub enum AdminError {
    /// Unknown role name.
    #[error("role: expected admin, physician, physicist, technologist or viewer, found `{0}`")]
    Role(String),
    /// The password is refused.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The database could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The store refused the account.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No runtime could be started.
    #[error("cannot start: {0}")]
    Runtime(#[from] std::io::Error),
}

/// What `create-user` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateUser {
    /// `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// Login name.
    pub username: String,
    /// Name shown; the username when empty.
    pub display_name: String,
    /// Role name.
    pub role: String,
    /// The password (12 to 128 characters).
    pub password: String,
}

/// A role by its name, or [`AdminError::Role`].
pub fn parse_role(name: &str) -> Result<Role, AdminError> {
    Role::parse(name).ok_or_else(|| AdminError::Role(name.chars().take(40).collect()))
}

/// The password rules ([`hash_password`]: 12 to 128 characters) and its Argon2id hash, made
/// off the async threads (slow on purpose).
pub async fn hash_new_password(password: &str) -> Result<String, AdminError> {
    let pw = password.to_owned();
    Ok(tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AdminError::Runtime(std::io::Error::other(e.to_string())))??)
}

/// A new account checked and hashed, ready for [`Store::create_user`]: the role by name, the
/// password rules and hash ([`hash_new_password`]), the display name the username when empty.
/// The rules of `sirtplan admin create-user` and of `POST /api/users` alike.
pub async fn new_user(
    username: &str,
    display_name: &str,
    role: &str,
    password: &str,
) -> Result<NewUser, AdminError> {
    let role = parse_role(role)?;
    let password_hash = hash_new_password(password).await?;
    let display_name = if display_name.trim().is_empty() {
        username.to_owned()
    } else {
        display_name.to_owned()
    };
    Ok(NewUser {
        username: username.to_owned(),
        display_name,
        role,
        password_hash,
    })
}

/// Creates an account (audited as done by `cli`).
pub async fn create_user(req: &CreateUser) -> Result<User, AdminError> {
    let new = new_user(&req.username, &req.display_name, &req.role, &req.password).await?;
    let store = Store::open(&req.database_url).await?;
    let user = store.create_user(&Actor::system("cli"), &new).await;
    store.close().await;
    Ok(user?)
}

/// Why an audit or backup command failed.
#[derive(Debug, Error)]
pub enum AuditAdminError {
    /// The key could not be read or written.
    #[error(transparent)]
    Key(#[from] AuditKeyError),
    /// The key is missing or is not the database's.
    #[error(transparent)]
    Chain(#[from] AuditChainError),
    /// The database could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The backup was not made.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// The account was refused.
    #[error(transparent)]
    Account(#[from] AdminError),
    /// The SQLite database file does not exist (opening it would make an empty one).
    #[error("database file {}: not found; check --database", .path.display())]
    Missing {
        /// The file.
        path: std::path::PathBuf,
    },
    /// No runtime could be started.
    #[error("cannot start: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Refuses a SQLite URL whose file does not exist.
fn existing(database_url: &str) -> Result<(), AuditAdminError> {
    match sirt_store::sqlite_path(database_url) {
        Some(path) if !path.exists() => Err(AuditAdminError::Missing { path }),
        _ => Ok(()),
    }
}

impl AuditAdminError {
    /// Whether the fault is the system's (no runtime), not the input's.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            AuditAdminError::Runtime(_) | AuditAdminError::Account(AdminError::Runtime(_))
        )
    }
}

/// The audit key: from `file` when given (a 0600 file), else from the environment variable's
/// value `env` ([`AUDIT_KEY_ENV`]) when set and not empty; `None` without either.
pub fn audit_key(
    file: Option<&Path>,
    env: Option<&str>,
) -> Result<Option<AuditKey>, AuditKeyError> {
    match (file, env.filter(|v| !v.trim().is_empty())) {
        (Some(f), _) => AuditKey::from_file(f).map(Some),
        (None, Some(text)) => AuditKey::from_hex(text, AUDIT_KEY_ENV).map(Some),
        (None, None) => Ok(None),
    }
}

/// `sirtplan admin create-audit-key`: a new random key in a new file with mode 0600.
pub fn create_audit_key(out: &Path) -> Result<(), AuditKeyError> {
    AuditKey::generate()?.write_new_file(out)
}

/// Opens the database with the key (when given) and checks it fits the database's chain.
async fn open_checked(url: &str, key: Option<AuditKey>) -> Result<Store, AuditAdminError> {
    let store = Store::open(url).await?;
    let store = match key {
        Some(k) => store.with_audit_key(k),
        None => store,
    };
    if let Err(e) = store.check_audit_key().await {
        store.close().await;
        return Err(e.into());
    }
    Ok(store)
}

/// Creates an account (audited as done by `cli`), its audit row chained with `key`; refused
/// without the key once the database's chain has begun, and with another key.
pub async fn create_user_with_key(
    req: &CreateUser,
    key: Option<AuditKey>,
) -> Result<User, AuditAdminError> {
    let new = new_user(&req.username, &req.display_name, &req.role, &req.password).await?;
    let store = open_checked(&req.database_url, key).await?;
    let user = store.create_user(&Actor::system("cli"), &new).await;
    store.close().await;
    Ok(user?)
}

/// [`create_user_with_key`] on its own runtime.
pub fn create_user_blocking(
    req: &CreateUser,
    key: Option<AuditKey>,
) -> Result<User, AuditAdminError> {
    runtime()?.block_on(create_user_with_key(req, key))
}

/// `sirtplan admin verify-audit`: walks the database's audit chain under `key`. The database
/// is opened without migrating or writing ([`Store::open_existing`]): one whose schema is not
/// exactly this binary's is refused, naming the versions.
pub async fn verify_audit(
    database_url: &str,
    key: &AuditKey,
) -> Result<AuditVerification, AuditAdminError> {
    existing(database_url)?;
    let store = Store::open_existing(database_url).await?;
    let v = store.verify_audit(key).await;
    store.close().await;
    Ok(v?)
}

/// [`verify_audit`] on its own runtime.
pub fn verify_audit_blocking(
    database_url: &str,
    key: &AuditKey,
) -> Result<AuditVerification, AuditAdminError> {
    runtime()?.block_on(verify_audit(database_url, key))
}

/// `sirtplan admin backup`: a consistent copy of a SQLite database in a new 0600 file; its size
/// in bytes. A PostgreSQL database is refused with the `pg_dump` command to use. The database
/// is opened without migrating or writing ([`Store::open_existing`]).
pub async fn backup(database_url: &str, out: &Path) -> Result<u64, AuditAdminError> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        // Refused before connecting: the answer does not depend on the server.
        return Err(BackupError::Postgres {
            url: sirt_store::redact_url(database_url),
            path: out.to_owned(),
        }
        .into());
    }
    existing(database_url)?;
    let store = Store::open_existing(database_url).await?;
    let bytes = store.backup_to(database_url, out).await;
    store.close().await;
    Ok(bytes?)
}

/// [`backup`] on its own runtime.
pub fn backup_blocking(database_url: &str, out: &Path) -> Result<u64, AuditAdminError> {
    runtime()?.block_on(backup(database_url, out))
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

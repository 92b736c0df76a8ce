//! Account administration: `sirtplan admin create-user` creates an account in the database
//! (the first admin included: there is no default account and no default password); the
//! checks and the hashing of a new account or password, shared with `POST /api/users` and
//! `PATCH /api/users/{id}`.

use crate::auth::{PasswordError, hash_password};
use sirt_store::{Actor, NewUser, OpenError, Role, Store, StoreError, User};
use thiserror::Error;

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

/// [`create_user`] on its own runtime.
pub fn create_user_blocking(req: &CreateUser) -> Result<User, AdminError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(create_user(req))
}

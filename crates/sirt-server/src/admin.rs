//! Account administration for the CLI: `sirtplan admin create-user` creates an account in the
//! database (the first admin included: there is no default account and no default password).

use crate::auth::{PasswordError, hash_password};
use sirt_store::{Actor, NewUser, OpenError, Role, Store, StoreError, User};
use thiserror::Error;

/// Why an account could not be created.
#[derive(Debug, Error)]
pub enum AdminError {
    /// Unknown role name.
    #[error("--role: expected admin, physician, physicist, technologist or viewer, found `{0}`")]
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

/// Creates an account (audited as done by `cli`).
pub async fn create_user(req: &CreateUser) -> Result<User, AdminError> {
    let role = Role::parse(&req.role).ok_or_else(|| AdminError::Role(req.role.clone()))?;
    let pw = req.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AdminError::Runtime(std::io::Error::other(e.to_string())))??;
    let store = Store::open(&req.database_url).await?;
    let display_name = if req.display_name.trim().is_empty() {
        req.username.clone()
    } else {
        req.display_name.clone()
    };
    let user = store
        .create_user(
            &Actor::system("cli"),
            &NewUser {
                username: req.username.clone(),
                display_name,
                role,
                password_hash,
            },
        )
        .await;
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

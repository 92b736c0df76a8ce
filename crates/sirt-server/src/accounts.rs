//! Account management over the API (admins: action `manage_accounts`): list, create, change
//! role, name, password, disable or enable. The checks and the Argon2id hashing are those of
//! `sirtplan admin create-user` ([`crate::admin`]); the store writes each change with its audit
//! row (never a hash) and keeps the site from losing its last admin.

use crate::admin::{AdminError, hash_new_password, new_user, parse_role};
use crate::answers::{AccountList, AccountListEntry, AccountView, OwnAccountChange};
use crate::error::{ApiError, ApiJson, PathId};
use crate::permissions::actions_of;
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use sirt_store::{User, UserChange};

type ApiResult = Result<Response, ApiError>;

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Role(_) => ApiError::invalid(e.to_string()),
            AdminError::Password(crate::auth::PasswordError::Length(_)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_password",
                e.to_string(),
            ),
            AdminError::Store(s) => s.into(),
            AdminError::Password(_) | AdminError::Open(_) | AdminError::Runtime(_) => {
                ApiError::internal()
            }
        }
    }
}

/// An account as answered: never a hash.
fn user_view(u: &User) -> AccountView {
    AccountView {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        disabled: u.disabled,
        created_at: u.created_at.clone(),
        permissions: actions_of(u.role),
    }
}

/// `GET /api/users`: every account, by username, with its last login.
pub(crate) async fn list_users(State(state): State<AppState>) -> ApiResult {
    let accounts = state.store.accounts().await?;
    let users = accounts
        .iter()
        .map(|a| AccountListEntry {
            account: user_view(&a.user),
            last_login_at: a.last_login_at.clone(),
        })
        .collect();
    Ok(Json(AccountList { users }).into_response())
}

/// `POST /api/users` body.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NewAccount")]
pub struct NewUserBody {
    /// Username (letters, digits, `.`, `-`, `_`).
    username: String,
    /// Name shown.
    #[serde(default)]
    display_name: String,
    /// Role (`admin`, `physician`, `physicist`, `technologist`, `viewer`).
    role: String,
    /// Password (at least 12 characters).
    password: String,
}

/// `POST /api/users`: an account with the rules of `sirtplan admin create-user`.
pub(crate) async fn create_user(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult {
    let new = new_user(
        &body.username,
        &body.display_name,
        &body.role,
        &body.password,
    )
    .await?;
    let u = state.store.create_user(&auth.actor(), &new).await?;
    let mut r = (StatusCode::CREATED, Json(user_view(&u))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/users/{}", u.id)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// `PATCH /api/users/{id}` body: the fields to change.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AccountChange")]
pub struct UserPatch {
    /// Name shown.
    #[serde(default)]
    display_name: Option<String>,
    /// Role.
    #[serde(default)]
    role: Option<String>,
    /// Disabled (ends the account's sessions).
    #[serde(default)]
    disabled: Option<bool>,
    /// New password (ends the account's other sessions).
    #[serde(default)]
    password: Option<String>,
}

/// `PATCH /api/users/{id}`: name shown, role, disabled, password. Disabling ends the account's
/// sessions; a new password ends its other sessions (the caller's own is kept when they change
/// their own password). 409 `own_account` for disabling or demoting oneself, 409 `last_admin`
/// for the last enabled admin.
pub(crate) async fn patch_user(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<UserPatch>,
) -> ApiResult {
    if body.display_name.is_none()
        && body.role.is_none()
        && body.disabled.is_none()
        && body.password.is_none()
    {
        return Err(ApiError::invalid(
            "request body: expected at least one of `display_name`, `role`, `disabled`, `password`, found none",
        ));
    }
    let role = body.role.as_deref().map(parse_role).transpose()?;
    // Refusals that need no hash come first: the hash takes a while on purpose.
    state.store.user(id).await?;
    let password_hash = match &body.password {
        Some(p) => Some(hash_new_password(p).await?),
        None => None,
    };
    let change = UserChange {
        display_name: body.display_name,
        role,
        disabled: body.disabled,
        password_hash,
    };
    let keep = (auth.user.id == id).then_some(auth.session_hash.as_str());
    let u = state
        .store
        .update_user(&auth.actor(), id, &change, keep)
        .await?;
    Ok(Json(user_view(&u)).into_response())
}

/// `PATCH /api/account`: the signed-in user's own preferences (any role): the language of their
/// pages (`en`, `fr`; null: the site's). Audited (`user.language`). Answers the session as
/// `GET /api/session` does, with the language now in force.
pub(crate) async fn patch_own_account(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    ApiJson(body): ApiJson<OwnAccountChange>,
) -> ApiResult {
    let language = body.language.map(sirt_i18n::Lang::code);
    state
        .store
        .set_user_language(&auth.actor(), auth.user.id, language)
        .await?;
    let s = state
        .store
        .session(&auth.session_hash)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("session ended"))?;
    let answer =
        crate::auth::session_answer(&state, &auth.user, &auth.csrf_token, &s.0.expires_at).await?;
    Ok(Json(answer).into_response())
}

/// `POST /api/account/password`: the signed-in user changes their own password (any role;
/// OWASP ASVS 4.0.3 V2.1.5), giving the current one. A wrong current password is 403
/// `wrong_password` and counts as a failed login of the account from that address (the login
/// limits apply: 429). The account's other sessions end; this one is kept. Audited
/// (`user.update`, the hash never shown).
pub(crate) async fn change_own_password(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    req: axum::extract::Request,
) -> ApiResult {
    let ip = crate::auth::client_ip(&state, req.extensions(), req.headers());
    let ApiJson(body) = <ApiJson<crate::answers::PasswordChange> as axum::extract::FromRequest<
        AppState,
    >>::from_request(req, &state)
    .await?;
    if !crate::login::check_own_password(&state, &auth.user.username, &ip, &body.current_password)
        .await?
    {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "wrong_password",
            "field `current_password`: expected your password now, found another; the password was not changed",
        ));
    }
    let change = UserChange {
        password_hash: Some(hash_new_password(&body.new_password).await?),
        ..UserChange::default()
    };
    state
        .store
        .update_user(
            &auth.actor(),
            auth.user.id,
            &change,
            Some(auth.session_hash.as_str()),
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

//! Accounts and sessions: Argon2id password hashes, session tokens (only their SHA-256 is
//! stored), the session cookie, CSRF tokens, login rate limiting, and the per-route check of
//! session, CSRF token and permission.

use crate::error::ApiError;
use crate::permissions::{Action, actions_of};
use crate::{AppState, Auth};
use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sirt_i18n::Lang;
use sirt_store::{User, format_instant, parse_instant};
use std::net::SocketAddr;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sirtplan_session";

/// Header carrying the CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How long a session lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Without use: 30 min (OWASP ASVS 4.0.3 V3.3.2, level 2: "12 hours or 30 minutes of
    /// inactivity"; workstations in a clinic are shared).
    pub idle_s: i64,
    /// Since sign-in, used or not: 12 h (OWASP ASVS 4.0.3 V3.3.2, level 2).
    pub absolute_s: i64,
}

/// [`SessionLimits::idle_s`] by default.
pub const SESSION_IDLE_S: i64 = 30 * 60;
/// [`SessionLimits::absolute_s`] by default.
pub const SESSION_ABSOLUTE_S: i64 = 12 * 3600;

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle_s: SESSION_IDLE_S,
            absolute_s: SESSION_ABSOLUTE_S,
        }
    }
}

impl SessionLimits {
    /// The end of a session created at `created` and last used at `now`: the idle limit from
    /// now, or the absolute limit from its creation when sooner.
    pub fn expiry(&self, created: jiff::Timestamp, now: jiff::Timestamp) -> jiff::Timestamp {
        plus_s(now, self.idle_s).min(plus_s(created, self.absolute_s))
    }

    /// How often the last-seen time is written: once a minute, or ten times per idle period
    /// when that is shorter (design choice: fewer writes, an idle expiry off by at most a tenth).
    fn touch_every_s(&self) -> i64 {
        TOUCH_EVERY_S.min(self.idle_s / 10).max(0)
    }
}

/// A session's last-seen time is written at most once a minute (design choice: fewer writes).
const TOUCH_EVERY_S: i64 = 60;

/// Argon2id memory cost, 19 MiB (19 456 KiB), with [`ARGON2_T_COST`] and [`ARGON2_P_COST`]:
/// the first configuration of the OWASP Password Storage Cheat Sheet (m=19 MiB, t=2, p=1),
/// equal to the argon2 crate's default and within RFC 9106 §4's second recommended option's
/// spirit for memory-constrained servers.
pub const ARGON2_M_COST_KIB: u32 = 19 * 1024;
/// Argon2id iterations (OWASP Password Storage Cheat Sheet: 2 with 19 MiB).
pub const ARGON2_T_COST: u32 = 2;
/// Argon2id parallelism (OWASP Password Storage Cheat Sheet: 1).
pub const ARGON2_P_COST: u32 = 1;

/// Shortest password accepted: 12 characters (OWASP ASVS 4.0.3, V2.1.1).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longest password accepted: 128 characters (OWASP ASVS 4.0.3, V2.1.2 allows denying more
/// than 128).
pub const PASSWORD_MAX_CHARS: usize = 128;

fn argon2() -> Result<Argon2<'static>, ApiError> {
    let params = Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, None)
        .map_err(|_| ApiError::internal())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short or too long.
    #[error(
        "password: expected {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters, found {0}"
    )]
    Length(usize),
    /// The hash could not be made.
    #[error("password: hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password with Argon2id (random salt) to a PHC string. Slow on purpose: call it
/// off the async threads.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let n = password.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n) {
        return Err(PasswordError::Length(n));
    }
    let a = argon2().map_err(|e| PasswordError::Hash(e.message))?;
    a.hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// 32 random bytes from the operating system, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // The OS generator does not fail on the supported platforms; if it did, the token would be
    // all zeros, so the request fails instead (see `new_tokens`).
    if getrandom::fill(&mut b).is_err() {
        return String::new();
    }
    hex::encode(b)
}

pub(crate) fn new_tokens() -> Result<(String, String), ApiError> {
    let (s, c) = (random_token(), random_token());
    if s.is_empty() || c.is_empty() {
        return Err(ApiError::internal());
    }
    Ok((s, c))
}

/// SHA-256 of a session token, hex: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// The client's address as the login limits and the audit log key on it: the connection's
/// peer, or the client a trusted proxy names ([`crate::client_address`]); an IPv6 client by its
/// /64 network ([`crate::client_address::limit_key`]); `unknown` when the connection's address
/// is not known.
pub(crate) fn client_ip(
    state: &AppState,
    req_ext: &axum::http::Extensions,
    headers: &HeaderMap,
) -> String {
    let peer = if let Some(ConnectInfo(a)) = req_ext.get::<ConnectInfo<SocketAddr>>() {
        a.ip()
    } else if let Some(axum::extract::connect_info::MockConnectInfo(a)) =
        req_ext.get::<axum::extract::connect_info::MockConnectInfo<SocketAddr>>()
    {
        a.ip()
    } else {
        return "unknown".to_owned();
    };
    crate::client_address::limit_key(state.trusted_proxies.client(peer, headers))
}

pub(crate) fn secure(state: &AppState, headers: &HeaderMap, uri: &axum::http::Uri) -> bool {
    state.secure_cookies
        || uri.scheme_str() == Some("https")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub(crate) fn cookie(token: &str, max_age_s: i64, secure: bool) -> Result<HeaderValue, ApiError> {
    let s = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).map_err(|_| ApiError::internal())
}

/// `30 min`, `12 h`, `90 s`.
fn duration_text(s: i64) -> String {
    if s >= 3600 && s % 3600 == 0 {
        format!("{} h", s / 3600)
    } else if s >= 60 && s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

pub(crate) fn now_ts() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

pub(crate) fn plus_s(t: jiff::Timestamp, s: i64) -> jiff::Timestamp {
    t.checked_add(jiff::SignedDuration::from_secs(s))
        .unwrap_or(t)
}

/// The session of a request: 401 without a valid one, 403 for an unsafe method without the
/// session's CSRF token, 403 when the role may not take `action`. Refreshes the idle expiry.
pub(crate) async fn guard(
    State((state, action)): State<(AppState, Option<Action>)>,
    mut req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let headers = req.headers().clone();
    match authenticate(&state, action, &method, &headers).await {
        Ok(auth) => {
            req.extensions_mut().insert(auth);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

async fn authenticate(
    state: &AppState,
    action: Option<Action>,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Auth, ApiError> {
    let token = session_token(headers)
        .ok_or_else(|| ApiError::unauthenticated("no session: sign in with POST /api/login"))?;
    let hash = token_hash(&token);
    let (session, user) = state
        .store
        .session(&hash)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("session unknown or ended: sign in again"))?;
    let now = now_ts();
    let limits = state.session_limits;
    let created = parse_instant(&session.created_at);
    let too_old = created.is_none_or(|c| plus_s(c, limits.absolute_s) <= now);
    let idle = parse_instant(&session.expires_at).is_none_or(|e| e <= now);
    if too_old || idle || user.disabled {
        state.store.end_session(&user, &hash, true).await?;
        return Err(ApiError::unauthenticated(if user.disabled {
            "account disabled".to_owned()
        } else if too_old {
            format!(
                "session ended {} after sign-in (the longest a session lasts): sign in again",
                duration_text(limits.absolute_s)
            )
        } else {
            format!(
                "session expired after {} without use: sign in again",
                duration_text(limits.idle_s)
            )
        }));
    }
    let unsafe_method = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::forbidden(
                    "missing X-CSRF-Token header: take the token from GET /api/session",
                )
            })?;
        if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
            return Err(ApiError::forbidden(
                "wrong X-CSRF-Token header: take the token from GET /api/session",
            ));
        }
    }
    if let Some(a) = action
        && !a.allows(user.role)
    {
        return Err(ApiError::forbidden(format!(
            "{}: the role {} may not do this (allowed: {})",
            a.as_str(),
            user.role,
            a.roles()
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let seen_long_ago = parse_instant(&session.last_seen_at)
        .is_none_or(|t| now.duration_since(t).as_secs() >= limits.touch_every_s());
    if seen_long_ago && let Some(created) = created {
        state
            .store
            .touch_session(
                &hash,
                &format_instant(now),
                &format_instant(limits.expiry(created, now)),
            )
            .await?;
    }
    Ok(Auth {
        user,
        session_hash: hash,
        csrf_token: session.csrf_token,
    })
}

fn session_body(
    user: &User,
    csrf: &str,
    expires_at: &str,
    own_language: Option<Lang>,
    site_language: Lang,
) -> crate::answers::Session {
    crate::answers::Session {
        user: crate::answers::SessionUser {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            language: own_language,
        },
        csrf_token: csrf.to_owned(),
        expires_at: expires_at.to_owned(),
        permissions: actions_of(user.role),
        language: own_language.unwrap_or(site_language),
        site_language,
    }
}

/// The language an account chose (`None`: the site's). A value the store holds that is not a
/// language (impossible: the column is checked) counts as none.
pub(crate) async fn own_language(state: &AppState, user_id: i64) -> Result<Option<Lang>, ApiError> {
    Ok(state
        .store
        .user_language(user_id)
        .await?
        .and_then(|l| l.parse().ok()))
}

/// The session answer of `user`, with the language of their pages.
pub(crate) async fn session_answer(
    state: &AppState,
    user: &User,
    csrf: &str,
    expires_at: &str,
) -> Result<crate::answers::Session, ApiError> {
    let own = own_language(state, user.id).await?;
    Ok(session_body(
        user,
        csrf,
        expires_at,
        own,
        state.engine.site().settings.language,
    ))
}

/// The language of the pages for a request: the signed-in user's (a valid session cookie), else
/// the site's. Reads only: the session is neither refreshed nor ended here.
pub(crate) async fn request_language(state: &AppState, headers: &HeaderMap) -> Lang {
    let site = state.engine.site().settings.language;
    let Some(token) = session_token(headers) else {
        return site;
    };
    let Ok(Some((session, user))) = state.store.session(&token_hash(&token)).await else {
        return site;
    };
    let valid = parse_instant(&session.expires_at).is_some_and(|e| e > now_ts());
    if !valid || user.disabled {
        return site;
    }
    own_language(state, user.id)
        .await
        .ok()
        .flatten()
        .unwrap_or(site)
}

/// `POST /api/logout`.
pub(crate) async fn logout(
    State(state): State<AppState>,
    axum::Extension(auth): axum::Extension<Auth>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    state
        .store
        .end_session(&auth.user, &auth.session_hash, false)
        .await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        cookie("", 0, secure(&state, &headers, &uri))?,
    );
    Ok(r)
}

/// `GET /api/session`.
pub(crate) async fn session(
    State(state): State<AppState>,
    axum::Extension(auth): axum::Extension<Auth>,
) -> Result<Response, ApiError> {
    let s = state
        .store
        .session(&auth.session_hash)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("session ended"))?;
    Ok(
        axum::Json(session_answer(&state, &auth.user, &auth.csrf_token, &s.0.expires_at).await?)
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        // Verified as the server verifies (`password_checks`).
        let mut memory = Vec::new();
        let verify = crate::password_checks::verify_in;
        assert!(verify("correct horse battery", &h, &mut memory));
        assert!(!verify("correct horse batterY", &h, &mut memory));
        assert!(!verify("x", "not a hash", &mut memory));
        assert_eq!(
            hash_password("short").unwrap_err().to_string(),
            "password: expected 12 to 128 characters, found 5"
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sirtplan_session=tok; b=2"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("tok"));
    }
}

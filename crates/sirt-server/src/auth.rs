//! Accounts and sessions: Argon2id password hashes, session tokens (only their SHA-256 is
//! stored), the session cookie, CSRF tokens, login rate limiting, and the per-route check of
//! session, CSRF token and permission.

use crate::answers::Login;
use crate::error::{ApiError, ApiJson};
use crate::permissions::{Action, actions_of};
use crate::{AppState, Auth};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sirt_i18n::Lang;
use sirt_store::{NewSession, User, format_instant, parse_instant};
use std::net::SocketAddr;
use std::sync::OnceLock;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sirtplan_session";

/// Header carrying the CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Idle lifetime of a session: 12 h (issue 6; OWASP Session Management Cheat Sheet allows
/// longer idle timeouts for low-risk, and asks for short ones for high-value applications — a
/// clinic's working day is the choice here).
pub const SESSION_IDLE_S: i64 = 12 * 3600;

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

/// Login rate limit: how many failures of one username from one address within the window
/// lock further attempts until the oldest failure leaves the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimit {
    /// Failures allowed: 5 (issue 6; OWASP Authentication Cheat Sheet, account lockout).
    pub max_failures: usize,
    /// Window: 15 min (issue 6).
    pub window_s: i64,
}

impl Default for LoginLimit {
    fn default() -> Self {
        LoginLimit {
            max_failures: 5,
            window_s: 15 * 60,
        }
    }
}

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

/// Whether a password matches a PHC hash (parameters read from the hash).
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash no password matches, verified for unknown usernames so that they take as long as
/// known ones.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut pw = String::from("dummy-");
        pw.push_str(&random_token());
        hash_password(&pw).unwrap_or_default()
    })
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

fn new_tokens() -> Result<(String, String), ApiError> {
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

fn client_ip(req_ext: &axum::http::Extensions) -> String {
    if let Some(ConnectInfo(a)) = req_ext.get::<ConnectInfo<SocketAddr>>() {
        return a.ip().to_string();
    }
    if let Some(axum::extract::connect_info::MockConnectInfo(a)) =
        req_ext.get::<axum::extract::connect_info::MockConnectInfo<SocketAddr>>()
    {
        return a.ip().to_string();
    }
    "unknown".to_owned()
}

fn secure(state: &AppState, headers: &HeaderMap, uri: &axum::http::Uri) -> bool {
    state.secure_cookies
        || uri.scheme_str() == Some("https")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn cookie(token: &str, max_age_s: i64, secure: bool) -> Result<HeaderValue, ApiError> {
    let s = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).map_err(|_| ApiError::internal())
}

fn now_ts() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

fn plus_s(t: jiff::Timestamp, s: i64) -> jiff::Timestamp {
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
    let expired = parse_instant(&session.expires_at).is_none_or(|e| e <= now);
    if expired || user.disabled {
        state.store.end_session(&user, &hash, true).await?;
        return Err(ApiError::unauthenticated(if user.disabled {
            "account disabled"
        } else {
            "session expired after 12 h without use: sign in again"
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
        .is_none_or(|t| now.duration_since(t).as_secs() >= TOUCH_EVERY_S);
    if seen_long_ago {
        state
            .store
            .touch_session(
                &hash,
                &format_instant(now),
                &format_instant(plus_s(now, SESSION_IDLE_S)),
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

/// Password checks in flight per (username, address). The rate limit reads the recorded
/// failures and reserves its place here under one lock, and a failed check is recorded before
/// its place is given back: every attempt sees the failures of the attempts before it, recorded
/// or still in flight, so concurrent wrong passwords get at most `max_failures` answers 401
/// (issue 15; per server process).
#[derive(Debug, Default)]
pub struct LoginsInFlight(tokio::sync::Mutex<std::collections::HashMap<(String, String), usize>>);

/// A place reserved in [`LoginsInFlight`]; given back with [`Reserved::finish`].
struct Reserved {
    key: (String, String),
}

impl Reserved {
    /// Records the failure (its reason) when the check failed and gives the place back, both
    /// under the lock: an attempt counts either in flight or recorded, never twice or not at all.
    async fn finish(self, state: &AppState, failure: Option<&str>) -> Result<(), ApiError> {
        let mut m = state.logins_in_flight.0.lock().await;
        let recorded = match failure {
            Some(reason) => state
                .store
                .record_login_failure(&self.key.0, &self.key.1, reason)
                .await
                .map(|_| ()),
            None => Ok(()),
        };
        if let Some(n) = m.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.key);
            }
        }
        Ok(recorded?)
    }
}

/// The rate limit's answer for `failures` failures counted within the window (the recorded
/// ones, newest first, and those in flight).
fn rate_limited(
    limit: LoginLimit,
    failures: &[&str],
    counted: usize,
    now: jiff::Timestamp,
) -> ApiError {
    // The oldest failure that still counts leaves the window first.
    let oldest = failures
        .get(limit.max_failures.saturating_sub(1))
        .and_then(|t| parse_instant(t))
        .unwrap_or(now);
    let wait = (plus_s(oldest, limit.window_s).as_second() - now.as_second()).max(1);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!(
            "too many failed logins for this username from this address: {counted} within {} min; try again in {wait} s",
            limit.window_s / 60
        ),
    );
    e.retry_after_s = u64::try_from(wait).ok();
    e
}

/// Reads the recorded failures of (`username`, `ip`) and reserves a place for one more check,
/// or refuses (429) when the failures and the checks in flight reach the limit.
async fn reserve_attempt(
    state: &AppState,
    username: &str,
    ip: &str,
    now: jiff::Timestamp,
) -> Result<Reserved, ApiError> {
    let limit = state.login_limit;
    let key = (username.to_owned(), ip.to_owned());
    let mut in_flight = state.logins_in_flight.0.lock().await;
    let since = format_instant(plus_s(now, -limit.window_s));
    let attempts = state.store.login_attempts(username, ip, &since).await?;
    let failures: Vec<&str> = attempts
        .iter()
        .rev()
        .take_while(|a| !a.succeeded)
        .map(|a| a.at.as_str())
        .collect();
    let pending = in_flight.get(&key).copied().unwrap_or(0);
    let counted = failures.len() + pending;
    if counted >= limit.max_failures {
        return Err(rate_limited(limit, &failures, counted, now));
    }
    *in_flight.entry(key.clone()).or_insert(0) += 1;
    Ok(Reserved { key })
}

/// `POST /api/login`.
pub(crate) async fn login(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let ip = client_ip(req.extensions());
    let headers = req.headers().clone();
    let uri = req.uri().clone();
    let ApiJson(Login { username, password }): ApiJson<Login> =
        <ApiJson<Login> as axum::extract::FromRequest<AppState>>::from_request(req, &state).await?;
    let now = now_ts();
    let reserved = reserve_attempt(&state, &username, &ip, now).await?;
    let checked = check_password(&state, &username, &password).await;
    let failure = match &checked {
        Ok(Err(reason)) => Some(*reason),
        _ => None,
    };
    reserved.finish(&state, failure).await?;
    let user = match checked? {
        Ok(user) => user,
        Err(_) => return Err(ApiError::unauthenticated("wrong username or password")),
    };
    let (token, csrf) = new_tokens()?;
    let expires_at = format_instant(plus_s(now, SESSION_IDLE_S));
    state
        .store
        .create_session(
            &user,
            &NewSession {
                id_hash: token_hash(&token),
                csrf_token: csrf.clone(),
                expires_at: expires_at.clone(),
                ip,
            },
        )
        .await?;
    let mut r =
        axum::Json(session_answer(&state, &user, &csrf, &expires_at).await?).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&token, SESSION_IDLE_S, secure(&state, &headers, &uri))?,
    );
    Ok(r)
}

/// The account of `username` when `password` is its password and it is enabled; otherwise why
/// not (recorded as the failure's reason by [`Reserved::finish`]).
async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Result<sirt_store::User, &'static str>, ApiError> {
    let creds = state.store.credentials(username).await?;
    let phc = creds
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |c| c.password_hash.clone());
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
        .await
        .map_err(|_| ApiError::internal())?;
    Ok(match creds {
        Some(c) if ok && !c.user.disabled => Ok(c.user),
        None => Err("unknown username"),
        Some(c) if c.user.disabled => Err("account disabled"),
        Some(_) => Err("wrong password"),
    })
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
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
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

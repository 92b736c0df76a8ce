//! `POST /api/login`: the rate limits, the password check and the new session.
//!
//! Three limits, read with the password checks in flight under one lock before a password is
//! checked (so that concurrent attempts cannot pass them), each answered 429 with `Retry-After`:
//! - per (username, address): [`LoginLimit::max_failures`] failures within
//!   [`LoginLimit::window_s`] lock that pair until the oldest of them leaves the window;
//! - per address: [`LoginLimit::address_max_failures`] failures within the window, whatever the
//!   usernames, lock the address (username spraying);
//! - per account: [`LoginLimit::account_max_failures`] failures within
//!   [`LoginLimit::account_window_s`], from all addresses, lock the account — except from an
//!   address it signed in from within [`LoginLimit::known_address_days`], so that a flood from
//!   elsewhere cannot lock a physician out of their own workstation.
//!
//! The password checks themselves run a few at a time ([`crate::password_checks`]); a failure
//! is recorded with its reason and audited per (username, address, minute)
//! (`Store::audit_failed_logins`, run by the housekeeping task and before the audit log is read).
//! docs/server.md, "Sign-in", sets this against OWASP ASVS 4.0.3 V2.2.

use crate::AppState;
use crate::answers::Login;
use crate::auth::{
    client_ip, cookie, new_tokens, now_ts, plus_s, secure, session_answer, token_hash,
};
use crate::error::{ApiError, ApiJson};
use crate::password_checks::CheckError;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sirt_store::{NewSession, format_instant, parse_instant};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The login rate limits (module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimit {
    /// Failures of one username from one address: 5 (issue 6; OWASP Authentication Cheat
    /// Sheet, "Account Lockout").
    pub max_failures: usize,
    /// Window of the per-pair and per-address counts: 15 min (issue 6).
    pub window_s: i64,
    /// Failures from one address within the window, all usernames: 30 (design choice: six
    /// people at one address each using up their own five).
    pub address_max_failures: usize,
    /// Failures of one account from all addresses within [`LoginLimit::account_window_s`]:
    /// 100 (OWASP ASVS 4.0.3 V2.2.1: "no more than 100 failed attempts per hour is possible on
    /// a single account").
    pub account_max_failures: usize,
    /// Window of the per-account count: 1 h (ASVS V2.2.1).
    pub account_window_s: i64,
    /// An address the account signed in from within this many days is exempt from the
    /// per-account lock: 30 (design choice; ASVS V2.2.1 names "first login on a device" among
    /// the risk-based restrictions).
    pub known_address_days: i64,
}

impl Default for LoginLimit {
    fn default() -> Self {
        LoginLimit {
            max_failures: 5,
            window_s: 15 * 60,
            address_max_failures: 30,
            account_max_failures: 100,
            account_window_s: 3600,
            known_address_days: 30,
        }
    }
}

/// A hash no password matches, verified for unknown usernames so that they take as long as
/// known ones.
fn dummy_hash() -> Result<&'static str, ApiError> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let mut pw = String::from("dummy-");
            pw.push_str(&crate::auth::random_token());
            crate::auth::hash_password(&pw).ok()
        })
        .as_deref()
        // Without it an unknown username would answer at once, telling it apart.
        .ok_or_else(ApiError::internal)
}

/// Password checks in flight per (username, address). The rate limits read the recorded
/// failures and reserve a place here in one step, and a failed check is recorded before its
/// place is given back, both under `order`: every attempt sees the failures of the attempts
/// before it, recorded or still in flight (per server process). A request dropped before it
/// finished (the client went away) gives its place back without recording anything.
#[derive(Debug, Default)]
pub struct LoginsInFlight {
    /// Serialises reading the limits with reserving, and recording a failure with giving back.
    order: tokio::sync::Mutex<()>,
    /// Checks in flight per (username, address).
    counts: std::sync::Mutex<HashMap<(String, String), usize>>,
}

impl LoginsInFlight {
    /// A copy of the counts (small: one entry per check in flight).
    fn snapshot(&self) -> HashMap<(String, String), usize> {
        self.counts.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Password checks in flight now, all keys together (monitoring; the tests read it to
    /// show that an abandoned request gave its place back).
    pub fn pending(&self) -> usize {
        self.snapshot().values().sum()
    }

    fn add(&self, key: &(String, String)) {
        if let Ok(mut m) = self.counts.lock() {
            *m.entry(key.clone()).or_insert(0) += 1;
        }
    }

    fn release(&self, key: &(String, String)) {
        if let Ok(mut m) = self.counts.lock()
            && let Some(n) = m.get_mut(key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(key);
            }
        }
    }
}

/// A place reserved in [`LoginsInFlight`]; given back by [`Reserved::finish`], or on drop when
/// the request is abandoned.
struct Reserved {
    state: AppState,
    key: (String, String),
    given_back: bool,
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if !self.given_back {
            self.state.logins_in_flight.release(&self.key);
        }
    }
}

impl Reserved {
    /// Records the failure (its reason) when the check failed and gives the place back, both
    /// under the lock: an attempt counts either in flight or recorded, never twice or not at all.
    async fn finish(mut self, failure: Option<&str>) -> Result<(), ApiError> {
        let in_flight = &self.state.logins_in_flight;
        let _order = in_flight.order.lock().await;
        let recorded = match failure {
            Some(reason) => self
                .state
                .store
                .record_login_failure(&self.key.0, &self.key.1, reason)
                .await
                .map(|_| ()),
            None => Ok(()),
        };
        in_flight.release(&self.key);
        self.given_back = true;
        Ok(recorded?)
    }
}

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limited {
    Pair,
    Address,
    Account,
    Signature,
}

fn rate_limited(limit: &LoginLimit, which: Limited, counted: usize, wait_s: i64) -> ApiError {
    let wait = wait_s.max(1);
    let message = match which {
        Limited::Pair => format!(
            "too many failed logins for this username from this address: {counted} within {} min; try again in {wait} s",
            limit.window_s / 60
        ),
        Limited::Address => format!(
            "too many failed logins from this address: {counted} within {} min, whatever the username; try again in {wait} s",
            limit.window_s / 60
        ),
        Limited::Signature => format!(
            "too many wrong passwords for signatures by this user: {counted} within {} min; nothing was signed, try again in {wait} s",
            limit.window_s / 60
        ),
        Limited::Account => format!(
            "too many failed logins for this username from other addresses: {counted} within {} min; sign in from a workstation you signed in from before, or try again in {wait} s",
            limit.account_window_s / 60
        ),
    };
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
    e.retry_after_s = u64::try_from(wait).ok();
    e
}

/// Checks in flight, summed over the keys `which` selects.
fn pending(
    m: &HashMap<(String, String), usize>,
    which: impl Fn(&(String, String)) -> bool,
) -> usize {
    m.iter().filter(|(k, _)| which(k)).map(|(_, n)| *n).sum()
}

fn to_count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The per-(username, address) limit: the failures since the last success within the window.
async fn pair_limit(
    state: &AppState,
    key: &(String, String),
    pending_pair: usize,
    which: Limited,
    now: jiff::Timestamp,
) -> Result<(), ApiError> {
    let (username, ip) = (key.0.as_str(), key.1.as_str());
    let limit = &state.login_limit;
    let since = format_instant(plus_s(now, -limit.window_s));
    let attempts = state.store.login_attempts(username, ip, &since).await?;
    let failures: Vec<&str> = attempts
        .iter()
        .rev()
        .take_while(|a| !a.succeeded)
        .map(|a| a.at.as_str())
        .collect();
    let counted = failures.len() + pending_pair;
    if counted >= limit.max_failures {
        // The oldest failure that still counts leaves the window first.
        let oldest = failures
            .get(limit.max_failures.saturating_sub(1))
            .and_then(|t| parse_instant(t))
            .unwrap_or(now);
        let wait = plus_s(oldest, limit.window_s).as_second() - now.as_second();
        return Err(rate_limited(limit, which, counted, wait));
    }
    Ok(())
}

/// The per-address budget and the per-account limit (module documentation).
async fn wide_limits(
    state: &AppState,
    username: &str,
    ip: &str,
    in_flight: &HashMap<(String, String), usize>,
    now: jiff::Timestamp,
) -> Result<(), ApiError> {
    let limit = &state.login_limit;
    let since = format_instant(plus_s(now, -limit.window_s));
    let from_address = to_count(state.store.login_failures_from(ip, &since).await?)
        + pending(in_flight, |k| k.1 == ip);
    if from_address >= limit.address_max_failures {
        return Err(rate_limited(
            limit,
            Limited::Address,
            from_address,
            limit.window_s,
        ));
    }
    let since = format_instant(plus_s(now, -limit.account_window_s));
    let of_account = to_count(state.store.login_failures_of(username, &since).await?)
        + pending(in_flight, |k| k.0 == username);
    if of_account >= limit.account_max_failures {
        let known_since = format_instant(plus_s(now, -limit.known_address_days * 86_400));
        if !state
            .store
            .signed_in_from(username, ip, &known_since)
            .await?
        {
            return Err(rate_limited(
                limit,
                Limited::Account,
                of_account,
                limit.account_window_s,
            ));
        }
    }
    Ok(())
}

/// Most characters of a username kept as a key: the store's limit (longer ones match no
/// account and are counted under their first characters).
const USERNAME_KEY_CHARS: usize = sirt_store::limits::USERNAME;

/// Reads the recorded failures and reserves a place for one more check, or refuses (429) when
/// a limit is reached counting the checks in flight. `wide`: the per-address and per-account
/// limits too (logins), or the per-pair limit only (signatures, keyed on a pseudo-address).
async fn reserve(
    state: &AppState,
    username: &str,
    ip: &str,
    wide: bool,
    now: jiff::Timestamp,
) -> Result<Reserved, ApiError> {
    let key = (
        username
            .chars()
            .take(USERNAME_KEY_CHARS)
            .collect::<String>(),
        ip.to_owned(),
    );
    let in_flight = &state.logins_in_flight;
    let _order = in_flight.order.lock().await;
    let pending = in_flight.snapshot();
    let pending_pair = pending.get(&key).copied().unwrap_or(0);
    let which = if wide {
        Limited::Pair
    } else {
        Limited::Signature
    };
    pair_limit(state, &key, pending_pair, which, now).await?;
    if wide {
        wide_limits(state, &key.0, ip, &pending, now).await?;
    }
    in_flight.add(&key);
    Ok(Reserved {
        state: state.clone(),
        key,
        given_back: false,
    })
}

/// How long a client is asked to wait when every password check slot is busy: 1 s (design
/// choice: about the time the slots take to clear a burst).
const BUSY_RETRY_AFTER_S: u64 = 1;

/// 503 for a login that found no free password check slot.
pub(crate) fn busy() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        format!(
            "the server is checking many passwords at once; nothing was checked, try again in {BUSY_RETRY_AFTER_S} s"
        ),
    );
    e.retry_after_s = Some(BUSY_RETRY_AFTER_S);
    e
}

/// The password check's error as an answer.
pub(crate) fn check_error(e: CheckError) -> ApiError {
    match e {
        CheckError::Busy => busy(),
        CheckError::Failed => ApiError::internal(),
    }
}

/// `POST /api/login`.
pub(crate) async fn login(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let ip = client_ip(&state, req.extensions(), req.headers());
    let headers = req.headers().clone();
    let uri = req.uri().clone();
    let ApiJson(Login { username, password }): ApiJson<Login> =
        <ApiJson<Login> as axum::extract::FromRequest<AppState>>::from_request(req, &state).await?;
    let now = now_ts();
    let reserved = reserve(&state, &username, &ip, true, now).await?;
    let checked = check_password(&state, &username, &password).await;
    let failure = match &checked {
        Ok(Err(reason)) => Some(*reason),
        _ => None,
    };
    reserved.finish(failure).await?;
    let user = match checked? {
        Ok(user) => user,
        Err(_) => return Err(ApiError::unauthenticated("wrong username or password")),
    };
    let (token, csrf) = new_tokens()?;
    let limits = state.session_limits;
    let expires_at = format_instant(limits.expiry(now, now));
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
    // The cookie may live as long as the session could: the server ends it sooner when idle.
    r.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&token, limits.absolute_s, secure(&state, &headers, &uri))?,
    );
    Ok(r)
}

/// Whether `password` is the password of the signed-in `username`, checked as a login is:
/// under the same limits from the client's address, a wrong one counted as a failed login
/// (reason "wrong current password"). 429 when a limit is reached.
pub(crate) async fn check_own_password(
    state: &AppState,
    username: &str,
    ip: &str,
    password: &str,
) -> Result<bool, ApiError> {
    let reserved = reserve(state, username, ip, true, now_ts()).await?;
    let checked = check_password(state, username, password).await;
    let failure = match &checked {
        Ok(Err(_)) => Some("wrong current password"),
        _ => None,
    };
    reserved.finish(failure).await?;
    Ok(checked?.is_ok())
}

/// The pseudo-address under which wrong signature passwords are counted with the login
/// attempts: the per-(username, address) limit applies to signatures apart, and signatures do
/// not count against any address or account limit of the logins.
pub(crate) const SIGNATURE_ATTEMPTS: &str = "electronic-signature";

/// Whether `password` is the password of the signed-in `user` signing a plan: reserved,
/// checked in a slot and a failure recorded like a login (reason "wrong password for an
/// electronic signature"), under the per-(username, [`SIGNATURE_ATTEMPTS`]) limit only.
pub(crate) async fn check_signer_password(
    state: &AppState,
    user: &sirt_store::User,
    password: &str,
) -> Result<bool, ApiError> {
    let reserved = reserve(state, &user.username, SIGNATURE_ATTEMPTS, false, now_ts()).await?;
    let checked = check_password(state, &user.username, password).await;
    let ok = matches!(&checked, Ok(Ok(u)) if u.id == user.id);
    let failure = match &checked {
        Ok(_) if !ok => Some("wrong password for an electronic signature"),
        _ => None,
    };
    reserved.finish(failure).await?;
    checked.map(|_| ok)
}

/// The account of `username` when `password` is its password and it is enabled; otherwise why
/// not (recorded as the failure's reason by [`Reserved::finish`]).
async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Result<sirt_store::User, &'static str>, ApiError> {
    let creds = state.store.credentials(username).await?;
    let phc = match &creds {
        Some(c) => c.password_hash.as_str(),
        None => dummy_hash()?,
    };
    let ok = state
        .password_checks
        .verify(password, phc)
        .await
        .map_err(check_error)?;
    Ok(match creds {
        Some(c) if ok && !c.user.disabled => Ok(c.user),
        None => Err("unknown username"),
        Some(c) if c.user.disabled => Err("account disabled"),
        Some(_) => Err("wrong password"),
    })
}

/// How often the housekeeping runs: 60 s (the failed logins are audited per minute).
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Sessions are removed a day after they ended (design choice: an expired session found on use
/// within that day is still ended with its `session.expire` audit row).
const ENDED_SESSIONS_KEPT_S: i64 = 86_400;

/// The start of the minute of `t`, as stored.
fn minute_start(t: jiff::Timestamp) -> String {
    let s = t.as_second();
    format_instant(jiff::Timestamp::from_second(s - s.rem_euclid(60)).unwrap_or(t))
}

/// Writes the failed logins of the minutes past to the audit log and removes what no limit
/// needs any more (ended sessions, attempts older than the limits' windows). Errors are left
/// for the next round: housekeeping never stops the server.
async fn housekeep_once(state: &AppState) {
    let now = now_ts();
    let _ = state.store.audit_failed_logins(&minute_start(now)).await;
    let limit = &state.login_limit;
    let failures_kept = limit.window_s.max(limit.account_window_s);
    let _ = state
        .store
        .prune(
            &format_instant(plus_s(now, -ENDED_SESSIONS_KEPT_S)),
            &format_instant(plus_s(now, -failures_kept)),
            &format_instant(plus_s(now, -limit.known_address_days * 86_400)),
        )
        .await;
}

/// The housekeeping loop of a running server.
pub(crate) async fn housekeeping(state: AppState) {
    let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        every.tick().await;
        housekeep_once(&state).await;
    }
}

/// Writes every failed login not yet audited, the current minute's too (before the audit log
/// is read, and at exit).
pub(crate) async fn audit_failed_logins_now(state: &AppState) -> Result<usize, ApiError> {
    let after_now = format_instant(plus_s(now_ts(), 1));
    Ok(state.store.audit_failed_logins(&after_now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_start_at_second_zero() {
        let t: jiff::Timestamp = "2026-03-05T09:07:59.900Z".parse().unwrap();
        assert_eq!(minute_start(t), "2026-03-05T09:07:00.000Z");
    }

    #[test]
    fn the_defaults_are_those_documented() {
        let l = LoginLimit::default();
        assert_eq!((l.max_failures, l.window_s), (5, 900));
        assert_eq!((l.account_max_failures, l.account_window_s), (100, 3600));
        assert_eq!((l.address_max_failures, l.known_address_days), (30, 30));
    }

    #[test]
    fn pending_checks_are_summed_per_address_and_per_user() {
        let mut m = HashMap::new();
        m.insert(("a".to_owned(), "1.1.1.1".to_owned()), 2);
        m.insert(("b".to_owned(), "1.1.1.1".to_owned()), 3);
        m.insert(("a".to_owned(), "2.2.2.2".to_owned()), 4);
        assert_eq!(pending(&m, |k| k.1 == "1.1.1.1"), 5);
        assert_eq!(pending(&m, |k| k.0 == "a"), 6);
    }
}

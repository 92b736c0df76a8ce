//! The sign-in policy of issue 15, each attack reproduced then shown refused, on SQLite and
//! PostgreSQL (docs/server.md, "Sign-in"; OWASP ASVS 4.0.3 V2.2.1 and V3.3.2):
//! - behind the clinic's proxy every client had the proxy's address, so five wrong passwords
//!   from anyone locked the physician out; with `--trusted-proxy` the limit keys on the client
//!   the proxy names, and a client cannot name itself;
//! - username spraying from one address meets the per-address budget;
//! - a flood from many addresses locks the account, except from where it signed in before;
//! - failed logins are audited per (username, address, minute), not one row each;
//! - sessions end after the idle and the absolute limits; a new password ends the account's
//!   other sessions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode};
use common::{PASSWORD, Resp, Session, T};
use serde_json::json;
use sirt_server::{LoginLimit, SessionLimits, TrustedProxies};
use sirt_store::Role;
use std::net::SocketAddr;

/// The address of the clinic's TLS proxy in these tests.
const PROXY: [u8; 4] = [10, 1, 1, 1];

/// A server that trusts [`PROXY`].
async fn behind_proxy(url: &str, limit: LoginLimit) -> T {
    let mut t = T::with_limit(url, limit).await;
    trust_proxy(&mut t);
    t
}

/// The same server, now trusting [`PROXY`].
fn trust_proxy(t: &mut T) {
    t.state = t.state.with_access(
        SessionLimits::default(),
        TrustedProxies::new(vec!["10.1.1.1/32".parse().unwrap()]),
    );
    t.app = sirt_server::app(t.state.clone());
}

/// A login from `peer`, with `X-Forwarded-For: forwarded` when given.
async fn login_from(
    t: &T,
    peer: [u8; 4],
    forwarded: Option<&str>,
    username: &str,
    password: &str,
) -> Resp {
    let forwarded = forwarded.map(str::to_owned);
    t.call_with(
        None,
        Method::POST,
        "/api/login",
        Some(json!({"username": username, "password": password})),
        move |req| {
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
            if let Some(f) = forwarded {
                req.headers_mut()
                    .insert("x-forwarded-for", f.parse().unwrap());
            }
        },
    )
    .await
}

/// Five wrong passwords of the physician from `client`, through the proxy: each 401.
async fn five_wrong_passwords_through_the_proxy(t: &T, client: &str) {
    for _ in 0..5 {
        let r = login_from(t, PROXY, Some(client), doctor(), "guess guess guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
}

fn doctor() -> &'static str {
    common::username(Role::Physician)
}

both!(behind_a_trusted_proxy_an_attacker_cannot_lock_the_physician_out);
async fn behind_a_trusted_proxy_an_attacker_cannot_lock_the_physician_out(url: &str) {
    // Reproduction: the proxy is not declared, every request has its address.
    let t = T::new(url).await;
    five_wrong_passwords_through_the_proxy(&t, "203.0.113.66").await;
    let r = login_from(&t, PROXY, Some("203.0.113.10"), doctor(), PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "without --trusted-proxy the physician shares the attacker's address"
    );

    // Refused: the proxy declared (the same database), the limit keys on the client it names.
    let mut t = t;
    trust_proxy(&mut t);
    five_wrong_passwords_through_the_proxy(&t, "203.0.113.66").await;
    let r = login_from(&t, PROXY, Some("203.0.113.66"), doctor(), PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker is locked"
    );
    assert!(r.headers.contains_key("retry-after"));
    let r = login_from(&t, PROXY, Some("203.0.113.10"), doctor(), PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the physician signs in: {}",
        r.text
    );

    // A client that writes the header itself, not through the proxy, is not believed: its own
    // address is counted, so changing the header does not reset its count.
    let attacker = [198, 51, 100, 7];
    for i in 0..5 {
        let xff = format!("192.0.2.{i}");
        let r = login_from(&t, attacker, Some(&xff), doctor(), "guess guess guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    let r = login_from(&t, attacker, Some("192.0.2.99"), doctor(), PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // Through the proxy, a header the client wrote to the left of the proxy's entry is not
    // believed either: the rightmost entry is the client.
    let r = login_from(
        &t,
        PROXY,
        Some("203.0.113.10, 203.0.113.66"),
        doctor(),
        PASSWORD,
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
}

both!(spraying_usernames_from_one_address_meets_the_address_budget);
async fn spraying_usernames_from_one_address_meets_the_address_budget(url: &str) {
    let limit = LoginLimit {
        address_max_failures: 6,
        ..LoginLimit::default()
    };
    let t = behind_proxy(url, limit).await;
    let sprayer = Some("203.0.113.66");
    for i in 0..6 {
        let r = login_from(&t, PROXY, sprayer, &format!("user{i}"), "guess guess guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{i}: {}", r.text);
    }
    // The seventh username from that address, and even a real one with its password, wait.
    let r = login_from(&t, PROXY, sprayer, "user6", "guess guess guess").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.message().contains("from this address"), "{}", r.message());
    let r = login_from(&t, PROXY, sprayer, doctor(), PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let r = login_from(&t, PROXY, Some("203.0.113.10"), doctor(), PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

both!(a_flood_from_many_addresses_locks_the_account_except_where_it_signed_in_before);
async fn a_flood_from_many_addresses_locks_the_account_except_where_it_signed_in_before(url: &str) {
    let limit = LoginLimit {
        account_max_failures: 8,
        ..LoginLimit::default()
    };
    let t = behind_proxy(url, limit).await;
    let workstation = Some("10.20.0.5");
    assert_eq!(
        login_from(&t, PROXY, workstation, doctor(), PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    // Two wrong passwords from each of four addresses: 8 failures on the account, none of the
    // per-address or per-pair limits reached.
    for a in 0..4 {
        for _ in 0..2 {
            let xff = format!("198.51.100.{a}");
            let r = login_from(&t, PROXY, Some(&xff), doctor(), "guess guess guess").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
        }
    }
    // A new address is refused, even with the right password.
    let r = login_from(&t, PROXY, Some("198.51.100.200"), doctor(), PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.message()
            .contains("sign in from a workstation you signed in from before"),
        "{}",
        r.message()
    );
    // The physician's workstation still signs in.
    let r = login_from(&t, PROXY, workstation, doctor(), PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

both!(failed_logins_are_audited_per_user_address_and_minute);
async fn failed_logins_are_audited_per_user_address_and_minute(url: &str) {
    let t = T::new(url).await;
    let admin = t.login(Role::Admin).await;
    for _ in 0..4 {
        let r = t
            .call(
                None,
                Method::POST,
                "/api/login",
                Some(json!({"username": doctor(), "password": "guess guess guess"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = t
        .call(
            None,
            Method::POST,
            "/api/login",
            Some(json!({"username": "nobody.here", "password": "guess guess guess"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t
        .call(Some(&admin), Method::GET, "/api/audit?entity=login", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rows: Vec<_> = r.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login.failed")
        .collect();
    let of = |who: &str| -> Vec<&serde_json::Value> {
        rows.iter()
            .filter(|e| e["entity_id"] == who)
            .map(|e| &e["after"])
            .collect()
    };
    let doc = of(doctor());
    // One row per minute: one, or two when the attempts straddled a minute's end.
    assert!((1..=2).contains(&doc.len()), "{doc:?}");
    let failures: u64 = doc.iter().map(|a| a["failures"].as_u64().unwrap()).sum();
    assert_eq!(failures, 4, "{doc:?}");
    assert_eq!(doc[0]["ip"], "127.0.0.1");
    assert_eq!(doc[0]["reasons"]["wrong password"], doc[0]["failures"]);
    let nobody = of("nobody.here");
    assert_eq!(nobody.len(), 1);
    assert_eq!(nobody[0]["reasons"]["unknown username"], 1);
    // Read again: nothing is audited twice.
    let again = t
        .call(Some(&admin), Method::GET, "/api/audit?entity=login", None)
        .await;
    assert_eq!(again.json["entries"], r.json["entries"]);
}

async fn get_session(t: &T, s: &Session) -> Resp {
    t.call(Some(s), Method::GET, "/api/session", None).await
}

both!(sessions_end_when_idle_and_at_the_absolute_limit);
async fn sessions_end_when_idle_and_at_the_absolute_limit(url: &str) {
    let mut t = T::new(url).await;
    t.state = t.state.with_access(
        SessionLimits {
            idle_s: 2,
            absolute_s: 5,
        },
        TrustedProxies::default(),
    );
    t.app = sirt_server::app(t.state.clone());
    // Idle: unused for longer than 2 s.
    let s = t.login(Role::Viewer).await;
    assert_eq!(get_session(&t, &s).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    let r = get_session(&t, &s).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.message(),
        "session expired after 2 s without use: sign in again"
    );
    // Absolute: used every 0.8 s, it still ends 5 s after sign-in.
    let s = t.login(Role::Viewer).await;
    let start = std::time::Instant::now();
    let ended = loop {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let r = get_session(&t, &s).await;
        if r.status != StatusCode::OK {
            break (start.elapsed(), r);
        }
        assert!(start.elapsed().as_secs_f64() < 6.5, "never ended");
    };
    assert_eq!(ended.1.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        ended.1.message(),
        "session ended 5 s after sign-in (the longest a session lasts): sign in again"
    );
    assert!(ended.0.as_secs_f64() >= 4.0, "{:?}", ended.0);
    // The expiry the session answer shows never passes the absolute limit.
    let s = t.login(Role::Viewer).await;
    let r = get_session(&t, &s).await;
    let expires: jiff::Timestamp = r.json["expires_at"].as_str().unwrap().parse().unwrap();
    let now = jiff::Timestamp::now();
    assert!(expires.duration_since(now).as_secs_f64() <= 2.1);
}

both!(a_new_password_ends_the_accounts_other_sessions);
async fn a_new_password_ends_the_accounts_other_sessions(url: &str) {
    let t = T::new(url).await;
    let here = t.login(Role::Admin).await;
    let elsewhere = t.login(Role::Admin).await;
    let path = format!("/api/users/{}", here.user_id);
    let r = t
        .call(
            Some(&here),
            Method::PATCH,
            &path,
            Some(json!({"password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        get_session(&t, &here).await.status,
        StatusCode::OK,
        "own kept"
    );
    assert_eq!(
        get_session(&t, &elsewhere).await.status,
        StatusCode::UNAUTHORIZED,
        "the other session ended"
    );
}

both!(anyone_changes_their_own_password_giving_the_current_one);
async fn anyone_changes_their_own_password_giving_the_current_one(url: &str) {
    let t = T::new(url).await;
    let here = t.login(Role::Physicist).await;
    let elsewhere = t.login(Role::Physicist).await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    // A wrong current password: 403, nothing changed, counted as a failed login.
    let r = t
        .call(
            Some(&here),
            Method::POST,
            "/api/account/password",
            Some(change("not my password", "a brand new passphrase")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.code(), "wrong_password");
    assert!(
        r.message().contains("`current_password`"),
        "{}",
        r.message()
    );
    // Too short a new one: 422 naming the rule.
    let r = t
        .call(
            Some(&here),
            Method::POST,
            "/api/account/password",
            Some(change(PASSWORD, "short")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = t
        .call(
            Some(&here),
            Method::POST,
            "/api/account/password",
            Some(change(PASSWORD, "a brand new passphrase")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        get_session(&t, &here).await.status,
        StatusCode::OK,
        "own kept"
    );
    assert_eq!(
        get_session(&t, &elsewhere).await.status,
        StatusCode::UNAUTHORIZED,
        "the other session ended"
    );
    let user = common::username(Role::Physicist);
    let login = |pw: &'static str| {
        t.call(
            None,
            Method::POST,
            "/api/login",
            Some(json!({"username": user, "password": pw})),
        )
    };
    assert_eq!(login(PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login("a brand new passphrase").await.status, StatusCode::OK);
    // Guessing the current password meets the login limit: 5 failures (the count restarted at
    // the successful login), then 429.
    for _ in 0..5 {
        let r = t
            .call(
                Some(&here),
                Method::POST,
                "/api/account/password",
                Some(change("guess guess guess", "another new passphrase")),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    let r = t
        .call(
            Some(&here),
            Method::POST,
            "/api/account/password",
            Some(change("a brand new passphrase", "another new passphrase")),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
}

both!(an_abandoned_login_gives_its_place_back);
/// Issue 15 review: a login dropped while its password was being checked (the client went
/// away) kept its place among the checks in flight, so a few abandoned requests locked a
/// username or an address for good. Now the place is given back when the request is dropped.
async fn an_abandoned_login_gives_its_place_back(url: &str) {
    let t = T::new(url).await;
    let mut tasks = Vec::new();
    // Unknown usernames: each check is a full-cost Argon2id hash (the dummy), and twelve of
    // them wait for the four slots: some are dropped waiting, some while hashing.
    for i in 0..12 {
        let app = t.app.clone();
        let body = json!({"username": format!("ghost{i}"), "password": "guess guess guess"});
        let mut req = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/login")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            app.oneshot(req).await
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let in_flight_before = t.state.logins_in_flight.pending();
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
    assert!(in_flight_before > 0, "the test dropped no login in flight");
    // Every place given back (the checks already running end on their own).
    assert_eq!(t.state.logins_in_flight.pending(), 0);
    // The address is not locked: five wrong passwords, then the right one.
    for _ in 0..5 {
        let r = login_from(&t, [127, 0, 0, 1], None, doctor(), "guess guess guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    let r = login_from(&t, [127, 0, 0, 1], None, "phys.curie", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

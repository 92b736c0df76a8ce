//! The API in-process, on SQLite and on PostgreSQL (`both!`): sessions, CSRF, rate limit,
//! workflow, recomputation against the engine called directly, escaping, audit, limits, and the
//! OpenAPI document against the router.

// Scenario tests read as one story; their length is allowed (test code only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::too_many_lines
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode, header};
use common::{PASSWORD, T, username};
use serde_json::{Value, json};
use sirt_server::LoginLimit;
use sirt_store::Role;

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

/// Imports the demo case as a physicist; returns (case id, plan JSON).
async fn import_demo(t: &T, s: &common::Session) -> (i64, Value) {
    let r = t
        .call(Some(s), Method::POST, "/api/demo/import", None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (
        r.json["case"]["id"].as_i64().unwrap(),
        r.json["plan"].clone(),
    )
}

fn injection<'a>(result: &'a Value, id: &str) -> &'a Value {
    result["injections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
}

/// The engine called directly, as `sirtplan plan --format json` does, on a case text.
fn cli_engine_json(case_text: &str) -> Value {
    let case = sirt_case::parse(case_text, "edited.toml").unwrap();
    let plan = sirt_workflow::plan(
        &case,
        &sirt_devices::Catalogue::embedded().unwrap(),
        &sirt_rules::RuleSet::embedded().unwrap(),
        "edited.toml",
    )
    .unwrap();
    sirt_report::plan_json(&plan)
}

both!(login_logout_and_the_session_cookie);
async fn login_logout_and_the_session_cookie(url: &str) {
    let t = T::new(url).await;
    // Wrong password and unknown user: the same 401.
    for (user, pw) in [("dr.house", "wrong password!!"), ("nobody", PASSWORD)] {
        let r = t
            .call(
                None,
                Method::POST,
                "/api/login",
                Some(json!({"username": user, "password": pw})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.json,
            json!({"error": {"code": "unauthenticated", "message": "wrong username or password"}})
        );
        assert!(r.headers.get(header::SET_COOKIE).is_none());
    }
    let r = t
        .call(
            None,
            Method::POST,
            "/api/login",
            Some(json!({"username": "dr.house", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("sirtplan_session="), "{cookie}");
    for attr in [
        "; Path=/",
        "; HttpOnly",
        "; SameSite=Strict",
        "; Max-Age=43200",
    ] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: no Secure flag: {cookie}"
    );
    assert_eq!(r.json["user"]["role"], "physician");
    assert_eq!(r.json["csrf_token"].as_str().unwrap().len(), 64);
    assert_eq!(
        r.json["permissions"],
        json!([
            "read_clinical",
            "create_patient",
            "edit_patient_identity",
            "create_case",
            "upload_images",
            "import_demo",
            "create_plan",
            "edit_plan",
            "analyse_plan",
            "approve_plan",
            "deliver_plan",
            "record_follow_up",
            "store_document",
            "import_from_pacs",
            "send_to_pacs"
        ])
    );

    let s = t.login(Role::Physician).await;
    let r = t.call(Some(&s), Method::GET, "/api/session", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["user"]["username"], "dr.house");
    assert_eq!(r.json["csrf_token"], s.csrf.as_str());
    // The store keeps the token's hash, never the token.
    assert!(t.store.session(&s.cookie).await.unwrap().is_none());

    // Logout ends the session and clears the cookie.
    let r = t.call(Some(&s), Method::POST, "/api/logout", None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(
        r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let r = t.call(Some(&s), Method::GET, "/api/session", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthenticated");

    // Over TLS (a proxy saying so) the cookie is Secure.
    let r = t
        .call_with(
            None,
            Method::POST,
            "/api/login",
            Some(json!({"username": "dr.house", "password": PASSWORD})),
            |req| {
                req.headers_mut()
                    .insert("x-forwarded-proto", "https".parse().unwrap());
            },
        )
        .await;
    assert!(
        r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );

    // 30 min without use: the session ends (its expiry set in the past, as 30 min later would be).
    let s = t.login(Role::Viewer).await;
    let hash = sirt_server::auth::token_hash(&s.cookie);
    t.store
        .touch_session(
            &hash,
            "2020-01-01T00:00:00.000Z",
            "2020-01-01T12:00:00.000Z",
        )
        .await
        .unwrap();
    let r = t.call(Some(&s), Method::GET, "/api/patients", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.message(),
        "session expired after 30 min without use: sign in again"
    );

    // A disabled account cannot sign in, and its sessions end.
    let s = t.login(Role::Technologist).await;
    t.store
        .set_user_disabled(&sirt_store::Actor::system("test"), s.user_id, true)
        .await
        .unwrap();
    assert_eq!(
        t.call(Some(&s), Method::GET, "/api/patients", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = t
        .call(
            None,
            Method::POST,
            "/api/login",
            Some(json!({"username": "tech.bob", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

both!(an_account_hashed_with_the_server_parameters_signs_in);
async fn an_account_hashed_with_the_server_parameters_signs_in(url: &str) {
    let t = T::new(url).await;
    let user = sirt_server::admin::create_user(&sirt_server::admin::CreateUser {
        database_url: url.to_owned(),
        username: "first.admin".into(),
        display_name: String::new(),
        role: "admin".into(),
        password: "a long admin passphrase".into(),
    })
    .await
    .unwrap();
    assert_eq!(user.display_name, "first.admin");
    let creds = t.store.credentials("first.admin").await.unwrap().unwrap();
    assert!(
        creds
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        creds.password_hash
    );
    let r = t
        .call(
            None,
            Method::POST,
            "/api/login",
            Some(json!({"username": "first.admin", "password": "a long admin passphrase"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The CLI path refuses a short password and an unknown role.
    let e = sirt_server::admin::create_user(&sirt_server::admin::CreateUser {
        database_url: url.to_owned(),
        username: "x".into(),
        display_name: String::new(),
        role: "root".into(),
        password: "a long admin passphrase".into(),
    })
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "role: expected admin, physician, physicist, technologist or viewer, found `root`"
    );
    let e = sirt_server::admin::create_user(&sirt_server::admin::CreateUser {
        database_url: url.to_owned(),
        username: "x".into(),
        display_name: String::new(),
        role: "viewer".into(),
        password: "short".into(),
    })
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "password: expected 12 to 128 characters, found 5"
    );
}

both!(five_failed_logins_lock_the_username_from_that_address);
async fn five_failed_logins_lock_the_username_from_that_address(url: &str) {
    let t = T::with_limit(url, LoginLimit::default()).await;
    let wrong = json!({"username": "dr.house", "password": "not the password"});
    for _ in 0..5 {
        let r = t
            .call(None, Method::POST, "/api/login", Some(wrong.clone()))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // The sixth, even with the right password: 429 with Retry-After (at most the window).
    let right = json!({"username": "dr.house", "password": PASSWORD});
    let r = t
        .call(None, Method::POST, "/api/login", Some(right.clone()))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.code(), "rate_limited");
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(
        r.message().starts_with(
            "too many failed logins for this username from this address: 5 within 15 min"
        ),
        "{}",
        r.message()
    );
    // Another address, or another username: not locked.
    let r = t
        .call_with(
            None,
            Method::POST,
            "/api/login",
            Some(right.clone()),
            |req| {
                req.extensions_mut().insert(axum::extract::ConnectInfo(
                    std::net::SocketAddr::from(([10, 1, 2, 3], 5000)),
                ));
            },
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    t.login(Role::Physicist).await;
    // The failures are in the audit log with the address, counted per minute (one row, or
    // two when the attempts straddled a minute's end).
    t.store
        .audit_failed_logins("9999-12-31T00:00:00.000Z")
        .await
        .unwrap();
    let rows = t
        .store
        .audit(&sirt_store::AuditQuery {
            entity: Some("login".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!((1..=2).contains(&rows.len()), "{rows:?}");
    let failures: u64 = rows
        .iter()
        .map(|r| r.after.as_ref().unwrap()["failures"].as_u64().unwrap())
        .sum();
    assert_eq!(failures, 5);
    assert_eq!(rows[0].after.as_ref().unwrap()["ip"], "127.0.0.1");
    assert_eq!(
        rows[0].after.as_ref().unwrap()["reasons"]["wrong password"],
        rows[0].after.as_ref().unwrap()["failures"]
    );
}

both!(a_successful_login_resets_the_failure_count);
async fn a_successful_login_resets_the_failure_count(url: &str) {
    let t = T::with_limit(
        url,
        LoginLimit {
            max_failures: 2,
            window_s: 900,
            ..LoginLimit::default()
        },
    )
    .await;
    let wrong = json!({"username": "dr.house", "password": "not the password"});
    let _ = t
        .call(None, Method::POST, "/api/login", Some(wrong.clone()))
        .await;
    t.login(Role::Physician).await;
    let _ = t
        .call(None, Method::POST, "/api/login", Some(wrong.clone()))
        .await;
    t.login(Role::Physician).await;
    let _ = t
        .call(None, Method::POST, "/api/login", Some(wrong.clone()))
        .await;
    let r = t
        .call(None, Method::POST, "/api/login", Some(wrong.clone()))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "two failures since the last success"
    );
    let r = t.call(None, Method::POST, "/api/login", Some(wrong)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

both!(csrf_token_is_required_on_every_change);
async fn csrf_token_is_required_on_every_change(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let body = json!({"mrn": "X-1", "name": "A"});
    let no_csrf = |req: &mut axum::http::Request<axum::body::Body>| {
        req.headers_mut().remove("x-csrf-token");
    };
    let r = t
        .call_with(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(body.clone()),
            no_csrf,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.message(),
        "missing X-CSRF-Token header: take the token from GET /api/session"
    );
    let wrong = |req: &mut axum::http::Request<axum::body::Body>| {
        req.headers_mut()
            .insert("x-csrf-token", "0".repeat(64).parse().unwrap());
    };
    let r = t
        .call_with(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(body.clone()),
            wrong,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "forbidden");
    // Another session's token does not do either.
    let other = t.login(Role::Physician).await;
    let csrf = other.csrf.clone();
    let r = t
        .call_with(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(body.clone()),
            move |req| {
                req.headers_mut()
                    .insert("x-csrf-token", csrf.parse().unwrap());
            },
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        t.store.search_patients("X-1", 10).await.unwrap().is_empty(),
        "nothing written"
    );
    let r = t
        .call(Some(&s), Method::POST, "/api/patients", Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Every state-changing endpoint refuses a request without the token (403, not 2xx).
    for route in sirt_server::routes() {
        if route.method == "GET" || route.access == sirt_server::Access::Public {
            continue;
        }
        let path = route.path.replace("{id}", "1");
        let method: Method = route.method.parse().unwrap();
        let r = t
            .call_with(Some(&s), method, &path, Some(json!({})), no_csrf)
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{} {}",
            route.method,
            route.path
        );
    }
}

both!(a_parameter_change_recomputes_as_the_cli_engine_does);
async fn a_parameter_change_recomputes_as_the_cli_engine_does(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let (case_id, plan) = import_demo(&t, &s).await;
    let id = plan["id"].as_i64().unwrap();
    // The imported plan is the CLI's plan of the unchanged demo case.
    let original = cli_engine_json(DEMO);
    assert_eq!(plan["result"], original);

    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(json!({
                "row_version": plan["row_version"],
                "parameters": {"injections": {"R": {"tnr": {"T1": 4.0}}, "L": {"lsf": 0.06}}}
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["row_version"], 2);
    assert_eq!(
        r.json["parameters"],
        json!({"injections": {"L": {"lsf": 0.06}, "R": {"tnr": {"T1": 4.0}}}})
    );
    // The same edit made to the case text by hand, planned by the engine directly.
    let edited = DEMO
        .replace("{ id = \"T1\", tnr = 2.8 }", "{ id = \"T1\", tnr = 4.0 }")
        .replace("lsf = 0.048", "lsf = 0.06");
    assert_ne!(edited, DEMO);
    let expected = cli_engine_json(&edited);
    for inj in ["R", "L"] {
        let (got, want, before) = (
            injection(&r.json["result"], inj),
            injection(&expected, inj),
            injection(&original, inj),
        );
        for key in [
            "prescribed_activity_gbq",
            "prescribed_activity_mci",
            "tumours_combined_gy",
            "normal_liver_gy",
            "lung_gy",
            "perfused_gy",
        ] {
            let (g, w) = (got[key].as_f64().unwrap(), want[key].as_f64().unwrap());
            assert!(
                (g - w).abs() <= 1e-12 * w.abs(),
                "{inj} {key}: server {g}, engine {w}"
            );
        }
        assert_ne!(
            got["prescribed_activity_gbq"], before["prescribed_activity_gbq"],
            "{inj}: the change must change the activity"
        );
    }
    assert_eq!(
        r.json["result"], expected,
        "the whole result equals the engine's"
    );
    // A stored GET returns the same.
    let g = t
        .call(Some(&s), Method::GET, &format!("/api/plans/{id}"), None)
        .await;
    assert_eq!(g.json["result"], expected);
    // Removing the override (merge patch null) gives the original plan back.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(json!({"row_version": 2, "parameters": {"injections": null}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["result"], original);
    // A parameter naming nothing in the case: 422 naming it; nothing stored.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(json!({"row_version": 3, "parameters": {"injections": {"R": {"tnr": {"T9": 2.0}}}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "invalid_case");
    assert_eq!(
        r.message(),
        "parameters: field `injections.R.tnr.T9`: expected an id of `tumours` in the case file, found `T9`"
    );
    // A value the case validation refuses: its message names the case field.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(json!({"row_version": 3, "parameters": {"device": "no-such-device"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.message().contains("no-such-device"), "{}", r.message());
    assert_eq!(t.store.plan(id).await.unwrap().row_version, 3);
    // Other parameters: session time, method, K convention.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(json!({"row_version": 3, "parameters": {"k": "nuclear-data", "sessions": {"2": {"treatment": "2026-06-11T10:00:00[Europe/Paris]"}}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let edited = DEMO
        .replace("# k = \"nuclear-data\"", "k = \"nuclear-data\"")
        .replace(
            "treatment = \"2026-06-04T10:00:00[Europe/Paris]\"",
            "treatment = \"2026-06-11T10:00:00[Europe/Paris]\"",
        );
    assert_eq!(r.json["result"], cli_engine_json(&edited));
    assert_ne!(r.json["result"], original);

    // Audit: the import (patient, case, plan) and each edit with before and after.
    let rows = t
        .store
        .audit(&sirt_store::AuditQuery {
            entity: Some("plan".into()),
            entity_id: Some(id.to_string()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["plan.create", "plan.edit", "plan.edit", "plan.edit"]
    );
    assert_eq!(
        rows[2].after.as_ref().unwrap()["parameters"]["injections"]["R"]["tnr"]["T1"],
        4.0
    );
    assert!(t.store.case(case_id).await.is_ok());
}

both!(approval_freezes_the_plan_and_an_edit_makes_a_new_version);
async fn approval_freezes_the_plan_and_an_edit_makes_a_new_version(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let (case_id, plan) = import_demo(&t, &phys).await;
    let id = plan["id"].as_i64().unwrap();
    let p = |s: &str| format!("/api/plans/{id}/{s}");
    // The physician approves only a checked plan.
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &p("approve"),
            Some(json!({"row_version": 1, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "illegal_transition");
    assert_eq!(
        r.message(),
        format!("plan {id}: cannot approve a plan in state draft; approve needs a checked plan")
    );
    let r = t
        .call(
            Some(&phys),
            Method::POST,
            &p("check"),
            Some(json!({"row_version": 1, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["checked_by"], "phys.curie");
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &p("approve"),
            Some(json!({"row_version": 2, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "approved");
    assert_eq!(r.json["approved_by"], "dr.house");
    assert_eq!(r.json["editable"], false);
    let approved = t
        .call(Some(&dr), Method::GET, &format!("/api/plans/{id}"), None)
        .await
        .json;
    assert_eq!(
        approved["inputs_sha256"].as_str().unwrap(),
        sirt_store::inputs_sha256(DEMO, "{}"),
    );

    // PATCH after approval: 201, a new draft version; the approved plan unchanged.
    let r = t
        .call(
            Some(&phys),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(json!({"row_version": 3, "parameters": {"injections": {"R": {"lsf": 0.07}}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v2 = r.json["id"].as_i64().unwrap();
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/api/plans/{v2}").as_str()
    );
    assert_eq!(r.json["version"], 2);
    assert_eq!(r.json["based_on"], id);
    assert_eq!(r.json["state"], "draft");
    assert_eq!(r.json["case_toml"], DEMO);
    assert_eq!(
        t.call(Some(&dr), Method::GET, &format!("/api/plans/{id}"), None)
            .await
            .json,
        approved
    );
    // The history shows both versions and the difference.
    let h = t
        .call(
            Some(&dr),
            Method::GET,
            &format!("/api/plans/{v2}/history"),
            None,
        )
        .await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json["versions"].as_array().unwrap().len(), 2);
    assert_eq!(
        h.json["diffs"],
        json!([{"from_plan": id, "from_version": 1, "to_plan": v2, "to_version": 2, "case_file_changed": false,
                "changes": [{"parameter": "injections.R.lsf", "before": null, "after": 0.07}]}])
    );
    let edits: Vec<&str> = h.json["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        edits,
        [
            "plan.create",
            "plan.check",
            "plan.approve",
            "plan.new_version"
        ]
    );

    // Delivery: only injections of the plan; then the case timeline shows it.
    let tech = t.login(Role::Technologist).await;
    let r = t
        .call(Some(&tech), Method::POST, &p("deliver"),
            Some(json!({"row_version": 3, "session": "1", "treatments": [{"injection_id": "X", "administered_at": "2026-03-05T10:25:00[Europe/Paris]", "vial_activity": "1.9219528 GBq", "vial_assayed_at": "2026-03-05T10:25:00[Europe/Paris]", "residual": "0.09 GBq", "residual_measured_at": "2026-03-05T11:05:00[Europe/Paris]", "catheter_position": "right hepatic artery"}]})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.message(),
        "field `treatments[0].injection_id`: expected an injection of session 1 (R), found `X`"
    );
    let r = t
        .call(Some(&tech), Method::POST, &p("deliver"),
            Some(json!({"row_version": 3, "session": "1", "treatments": [{"injection_id": "R", "administered_at": "2026-03-05T10:25:00[Europe/Paris]", "vial_activity": "1.9219528 GBq", "vial_assayed_at": "2026-03-05T10:25:00[Europe/Paris]", "residual": "0.09 GBq", "residual_measured_at": "2026-03-05T11:05:00[Europe/Paris]", "catheter_position": "right hepatic artery"}]})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/cases/{case_id}"),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let delivered = c.json["treatments"][0]["delivered_activity_gbq"]
        .as_f64()
        .unwrap();
    assert!((delivered - 1.8313).abs() < 1e-4, "{delivered}");
    let kinds: Vec<&str> = c.json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in ["plan_created", "plan_checked", "plan_approved", "treatment"] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    assert_eq!(c.json["plans"].as_array().unwrap().len(), 2);
}

both!(a_stale_row_version_is_409_naming_who_and_when);
async fn a_stale_row_version_is_409_naming_who_and_when(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let (_, plan) = import_demo(&t, &phys).await;
    let id = plan["id"].as_i64().unwrap();
    let edit = |tnr: f64| json!({"row_version": 1, "parameters": {"injections": {"R": {"tnr": {"T2": tnr}}}}});
    let r = t
        .call(
            Some(&phys),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(edit(3.0)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let changed_at = r.json["updated_at"].as_str().unwrap().to_owned();
    let r = t
        .call(
            Some(&dr),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(edit(3.9)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "conflict");
    assert_eq!(
        r.message(),
        format!(
            "plan {id} was changed by phys.curie at {changed_at} (row version 2; your change was based on 1): reload it and apply your change again"
        )
    );
    let g = t
        .call(Some(&dr), Method::GET, &format!("/api/plans/{id}"), None)
        .await;
    assert_eq!(
        g.json["parameters"]["injections"]["R"]["tnr"]["T2"], 3.0,
        "the first change stays"
    );
}

both!(text_fields_come_back_escaped_in_the_report);
async fn text_fields_come_back_escaped_in_the_report(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let script = "<script>alert('x')</script>";
    let r = t
        .call(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(
                json!({"mrn": "ESC-1", "name": script, "pseudonym": "DEMO-NET-001", "sex": "male", "birth_date": sirt_server::identity::DEMO_BIRTH_DATE}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json["name"], script, "JSON keeps the text as given");
    let pid = r.json["id"].as_i64().unwrap();
    let r = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/patients/{pid}/cases"),
            Some(json!({"title": "<img src=x onerror=alert(1)>", "indication": "NET"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let cid = r.json["id"].as_i64().unwrap();
    let case = DEMO
        .replace(
            "label = \"right hepatic artery\"",
            "label = \"<b onmouseover=alert(2)>RHA</b>\"",
        )
        .replace(
            "history = \"Pancreaticoduodenectomy",
            "history = \"</dd><script>alert(3)</script> Pancreaticoduodenectomy",
        );
    let r = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/cases/{cid}/plans"),
            Some(json!({"case_toml": case})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let r = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{id}/report.html"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(
        r.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let html = r.text;
    assert!(
        !html.to_lowercase().contains("<script"),
        "no script element"
    );
    assert!(!html.contains("<img"), "no img element");
    assert!(!html.contains("<b "), "no injected b element");
    for escaped in [
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&lt;/dd&gt;&lt;script&gt;alert(3)&lt;/script&gt;",
        "&lt;b onmouseover=alert(2)&gt;RHA&lt;/b&gt;",
    ] {
        assert!(html.contains(escaped), "missing {escaped}");
    }
    // The CLI report's content and notice, plus the plan record.
    assert!(html.contains("Research use only"));
    assert!(html.contains("Plan record"));
    assert!(html.contains("version 1, draft"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resource"
    );
}

both!(limits_and_malformed_requests_answer_with_json_errors);
async fn limits_and_malformed_requests_answer_with_json_errors(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let big = json!({"mrn": "B-1", "name": "x".repeat(3 * 1024 * 1024)});
    let r = t
        .call(Some(&s), Method::POST, "/api/patients", Some(big))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.code(), "too_large");
    let r = t
        .call(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "B-2", "name": "y".repeat(201)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json,
        json!({"error": {"code": "too_long", "message": "field `name`: expected at most 200 characters, found 201"}})
    );
    let r = t
        .call_with(Some(&s), Method::POST, "/api/patients", None, |req| {
            *req.body_mut() = axum::body::Body::from("{\"mrn\": ");
            req.headers_mut()
                .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        })
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "bad_request");
    let r = t
        .call_with(Some(&s), Method::POST, "/api/patients", None, |req| {
            *req.body_mut() = axum::body::Body::from("mrn=1");
            req.headers_mut().insert(
                header::CONTENT_TYPE,
                "application/x-www-form-urlencoded".parse().unwrap(),
            );
        })
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = t
        .call(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "B-3", "name": "n", "admin": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.message().contains("unknown field `admin`"),
        "{}",
        r.message()
    );
    let r = t.call(Some(&s), Method::GET, "/api/plans/abc", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .call(Some(&s), Method::GET, "/api/plans/999999", None)
        .await;
    assert_eq!(
        r.json,
        json!({"error": {"code": "not_found", "message": "plan 999999 not found"}})
    );
    let r = t.call(Some(&s), Method::GET, "/api/nothing", None).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
    let r = t
        .call(Some(&s), Method::DELETE, "/api/patients", None)
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    // Search: by name or MRN, case-insensitive.
    t.call(
        Some(&s),
        Method::POST,
        "/api/patients",
        Some(json!({"mrn": "Q-1", "name": "Jane Roe"})),
    )
    .await;
    let r = t
        .call(Some(&s), Method::GET, "/api/patients?q=roe", None)
        .await;
    assert_eq!(r.json["patients"].as_array().unwrap().len(), 1);
    let r = t
        .call(Some(&s), Method::GET, "/api/patients?q=q-", None)
        .await;
    assert_eq!(r.json["patients"][0]["name"], "Jane Roe");
    let r = t
        .call(Some(&s), Method::GET, "/api/patients?limit=x", None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A case file that does not validate: 422 with the engine's message; nothing stored.
    let pid = t
        .call(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "Q-2", "name": "B"})),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let cid = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/patients/{pid}/cases"),
            Some(json!({"title": "t", "indication": "NET"})),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let bad = DEMO.replace("volume = \"1650 mL\"", "volume = \"1650\"");
    let r = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/cases/{cid}/plans"),
            Some(json!({"case_toml": bad})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "invalid_case");
    assert!(
        r.message().starts_with("case file case.toml:"),
        "{}",
        r.message()
    );
    assert!(t.store.plans_of_case(cid).await.unwrap().is_empty());
}

both!(every_change_through_the_api_is_audited);
async fn every_change_through_the_api_is_audited(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let admin = t.login(Role::Admin).await;
    let before = t
        .call(Some(&admin), Method::GET, "/api/audit?limit=1000", None)
        .await
        .json["entries"]
        .as_array()
        .unwrap()
        .len();
    let pid = t
        .call(
            Some(&phys),
            Method::POST,
            "/api/patients",
            Some(
                json!({"mrn": "AU-1", "name": "Audit", "pseudonym": "DEMO-NET-001", "sex": "male", "birth_date": sirt_server::identity::DEMO_BIRTH_DATE}),
            ),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let cid = t
        .call(
            Some(&phys),
            Method::POST,
            &format!("/api/patients/{pid}/cases"),
            Some(json!({"title": "t", "indication": "NET"})),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let id = t
        .call(
            Some(&phys),
            Method::POST,
            &format!("/api/cases/{cid}/plans"),
            Some(json!({"case_toml": DEMO})),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    t.call(
        Some(&phys),
        Method::PATCH,
        &format!("/api/plans/{id}"),
        Some(json!({"row_version": 1, "parameters": {"residual_fraction": 0.05}})),
    )
    .await;
    t.call(
        Some(&phys),
        Method::POST,
        &format!("/api/plans/{id}/check"),
        Some(json!({"row_version": 2, "password": PASSWORD})),
    )
    .await;
    t.call(
        Some(&dr),
        Method::POST,
        &format!("/api/plans/{id}/approve"),
        Some(json!({"row_version": 3, "password": PASSWORD})),
    )
    .await;
    t.call(
        Some(&dr),
        Method::POST,
        &format!("/api/plans/{id}/deliver"),
        Some(json!({"row_version": 4, "session": "1", "treatments": [{"injection_id": "R", "administered_at": "2026-03-05T10:25:00[Europe/Paris]", "vial_activity": "1.9219528 GBq", "vial_assayed_at": "2026-03-05T10:25:00[Europe/Paris]", "residual": "0.09 GBq", "residual_measured_at": "2026-03-05T11:05:00[Europe/Paris]", "catheter_position": "right hepatic artery"}]})),
    )
    .await;
    t.call(Some(&dr), Method::POST, "/api/logout", None).await;
    let r = t
        .call(Some(&admin), Method::GET, "/api/audit?limit=1000", None)
        .await;
    let entries = r.json["entries"].as_array().unwrap();
    let new: Vec<(String, String)> = entries[..entries.len() - before]
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["username"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("patient.create", "phys.curie"),
        ("case.create", "phys.curie"),
        ("plan.create", "phys.curie"),
        ("plan.edit", "phys.curie"),
        ("plan.check", "phys.curie"),
        ("plan.approve", "dr.house"),
        ("plan.deliver_session", "dr.house"),
        ("session.logout", "dr.house"),
    ]
    .iter()
    .map(|(a, u)| ((*a).to_owned(), (*u).to_owned()))
    .collect();
    assert_eq!(new, want);
    let edit = entries.iter().find(|e| e["action"] == "plan.edit").unwrap();
    assert_eq!(edit["before"]["parameters"], json!({}));
    assert_eq!(
        edit["after"]["parameters"],
        json!({"residual_fraction": 0.05})
    );
    // Paging and filters.
    let r = t
        .call(
            Some(&admin),
            Method::GET,
            &format!("/api/audit?entity=plan&entity_id={id}"),
            None,
        )
        .await;
    assert_eq!(r.json["entries"].as_array().unwrap().len(), 5);
    // Only an admin reads the audit log.
    let r = t.call(Some(&phys), Method::GET, "/api/audit", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.message(),
        "read_audit: the role physicist may not do this (allowed: admin)"
    );
}

both!(the_openapi_document_lists_exactly_the_routes_of_the_router);
async fn the_openapi_document_lists_exactly_the_routes_of_the_router(url: &str) {
    let t = T::new(url).await;
    let r = t.call(None, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["openapi"], "3.1.0");
    let doc = &r.json;
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = sirt_server::routes()
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // Each documented permission is the route's.
    for route in sirt_server::routes() {
        let op = &doc["paths"][route.path][route.method.to_lowercase()];
        let want = match route.access {
            sirt_server::Access::Public => "public".to_owned(),
            sirt_server::Access::Session => "session".to_owned(),
            sirt_server::Access::Action(a) => a.as_str().to_owned(),
        };
        assert_eq!(
            op["x-sirtplan-permission"],
            want.as_str(),
            "{} {}",
            route.method,
            route.path
        );
    }
    // Every listed route is served (not the router's 404 / 405), and nothing else is.
    for route in sirt_server::routes() {
        let path = route.path.replace("{id}", "1");
        let r = t
            .call(None, route.method.parse().unwrap(), &path, None)
            .await;
        assert_ne!(
            r.message(),
            "no such endpoint: see /api/openapi.json",
            "{} {}",
            route.method,
            route.path
        );
        assert_ne!(
            r.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {}",
            route.method,
            route.path
        );
    }
    // The application page: from the binary, its script and style from the server itself,
    // nothing external (issue 6: no CDN), and a policy that allows nothing else.
    let r = t.call(None, Method::GET, "/", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(r.text.contains("href=\"/api/openapi.json\""));
    assert!(r.text.contains("Research use only"));
    assert!(
        r.text
            .contains("<script type=\"module\" src=\"/static/app.js\"></script>")
    );
    assert!(
        r.text
            .contains("<link rel=\"stylesheet\" href=\"/static/app.css\">")
    );
    let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self';"),
        "{csp}"
    );
    for file in ["app.js", "viewer.js", "app.css"] {
        let f = t
            .call(None, Method::GET, &format!("/static/{file}"), None)
            .await;
        assert_eq!(f.status, StatusCode::OK, "{file}");
        for external in ["http://", "https://", "//cdn", "@import"] {
            // The only absolute URL allowed is the SVG namespace name (not fetched).
            let text = f.text.replace("http://www.w3.org/2000/svg", "");
            assert!(!text.contains(external), "{file} contains {external}");
        }
        // Text from the server goes in as text, never as HTML.
        assert!(!f.text.contains("innerHTML"), "{file} uses innerHTML");
    }
    for external in ["http://", "https://"] {
        assert!(!r.text.contains(external), "{external}");
    }
    let missing = t
        .call(None, Method::GET, "/static/../Cargo.toml", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

both!(follow_up_visits_and_toxicities_are_recorded_audited_and_listed);
async fn follow_up_visits_and_toxicities_are_recorded_audited_and_listed(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let viewer = t.login(Role::Viewer).await;
    let (cid, _) = import_demo(&t, &phys).await;
    let (other_cid, _) = import_demo(&t, &phys).await;
    let visits = format!("/api/cases/{cid}/followups");
    let tox = format!("/api/cases/{cid}/toxicities");

    // Two visits, recorded out of date order; the list comes back by visit date.
    let recist = "patient = \"DEMO-NET-001\"\n[[target]]\nlesion = \"T1\"\ndiameter_mm = 31\n";
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &visits,
            Some(json!({"visit_date": "2026-06-02", "labs": {"bilirubin": "14 µmol/L", "albumin": "38 g/L"},
                "recist": recist, "notes": "<script>alert(1)</script>"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let late = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["labs"]["bilirubin"]["value"], 14.0);
    assert_eq!(r.json["labs"]["bilirubin"]["unit"], "µmol/L");
    assert_eq!(r.json["recist"], recist);
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &visits,
            Some(json!({"visit_date": "2026-04-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let early = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["labs"], json!({}));
    let r = t.call(Some(&viewer), Method::GET, &visits, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let ids: Vec<i64> = r.json["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [early, late]);
    assert_eq!(
        r.json["follow_ups"][1]["notes"],
        "<script>alert(1)</script>"
    );

    // Invalid input: 422 naming the field; nothing written.
    for (body, field) in [
        (json!({"visit_date": "2026-13-01"}), "visit_date"),
        (json!({"visit_date": "2026-04-01", "labs": [1, 2]}), "labs"),
        (json!({"visit_date": "2026-04-01", "unknown": 1}), "unknown"),
    ] {
        let r = t.call(Some(&dr), Method::POST, &visits, Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.message().contains(field), "{}", r.text);
    }
    for (body, field) in [
        (json!({"term": "Fatigue", "grade": 6}), "grade"),
        (json!({"term": "", "grade": 2}), "term"),
        (json!({"term": "x".repeat(101), "grade": 2}), "term"),
        (
            json!({"term": "Nausea", "grade": 2, "onset_date": "yesterday"}),
            "onset_date",
        ),
        (
            json!({"term": "Nausea", "grade": 2, "follow_up_id": late + 1000}),
            "follow_up_id",
        ),
    ] {
        let r = t.call(Some(&dr), Method::POST, &tox, Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.message().contains(field), "{}", r.text);
    }
    // A visit of another case cannot carry this case's toxicity.
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/cases/{other_cid}/toxicities"),
            Some(json!({"term": "Nausea", "grade": 2, "follow_up_id": late})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // A toxicity tied to a visit.
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &tox,
            Some(
                json!({"term": "Abdominal pain", "grade": 2, "follow_up_id": early,
                "onset_date": "2026-03-30", "attribution": "probable"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tid = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["follow_up_id"], early);
    assert_eq!(r.json["grade"], 2);
    let r = t.call(Some(&viewer), Method::GET, &tox, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["toxicities"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["toxicities"][0]["term"], "Abdominal pain");

    // The case page shows them on its timeline.
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{cid}"),
            None,
        )
        .await;
    assert_eq!(r.json["follow_ups"].as_array().unwrap().len(), 2);
    assert_eq!(r.json["follow_ups"][0]["labs"], json!({}));
    let kinds: Vec<&str> = r.json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "follow_up").count(), 2);
    assert!(kinds.contains(&"toxicity"));

    // One audit row per record, with the physician and the record after.
    let admin = t.login(Role::Admin).await;
    let r = t
        .call(
            Some(&admin),
            Method::GET,
            &format!("/api/audit?entity=follow_up&entity_id={late}"),
            None,
        )
        .await;
    let rows = r.json["entries"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", r.text);
    assert_eq!(rows[0]["action"], "follow_up.create");
    assert_eq!(rows[0]["username"], "dr.house");
    assert_eq!(rows[0]["after"]["visit_date"], "2026-06-02");
    let r = t
        .call(
            Some(&admin),
            Method::GET,
            "/api/audit?entity=follow_up",
            None,
        )
        .await;
    assert_eq!(
        r.json["entries"].as_array().unwrap().len(),
        2,
        "invalid visits wrote nothing"
    );
    let r = t
        .call(
            Some(&admin),
            Method::GET,
            &format!("/api/audit?entity=toxicity&entity_id={tid}"),
            None,
        )
        .await;
    let rows = r.json["entries"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", r.text);
    assert_eq!(rows[0]["action"], "toxicity.create");
    assert_eq!(rows[0]["after"]["term"], "Abdominal pain");
    let r = t
        .call(
            Some(&admin),
            Method::GET,
            "/api/audit?entity=toxicity",
            None,
        )
        .await;
    assert_eq!(r.json["entries"].as_array().unwrap().len(), 1);

    // An unknown case is 404 for reading and writing.
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            "/api/cases/999999/followups",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            "/api/cases/999999/toxicities",
            Some(json!({"term": "Nausea", "grade": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[test]
fn the_demo_case_is_the_cli_demo() {
    // The server imports the same file `sirtplan demo --analytic` plans.
    assert!(DEMO.contains("DEMO-NET-001"));
    assert_eq!(username(Role::Admin), "ada.admin");
}

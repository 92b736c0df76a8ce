//! Account management and documents over the API, on SQLite and on PostgreSQL (`both!`):
//! accounts created, listed, changed and disabled by an admin with the CLI's password rules, the
//! change taking effect on the account's sessions, the site never left without an admin, audit
//! rows without hashes; plan reports stored in their case and downloaded byte for byte as
//! `report.html` / `report.pdf` answer them, with their SHA-256 and type.

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
use common::{Session, T};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sirt_store::{Actor, AuditQuery, DocumentContent, NewDocument, NewUser, Role, StoreError};

const NEW_PASSWORD: &str = "a long enough passphrase";

async fn login_with(t: &T, user: &str, password: &str) -> common::Resp {
    t.call(
        None,
        Method::POST,
        "/api/login",
        Some(json!({"username": user, "password": password})),
    )
    .await
}

fn session_of(r: &common::Resp) -> Session {
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    Session {
        cookie: set
            .strip_prefix("sirtplan_session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned(),
        csrf: r.json["csrf_token"].as_str().unwrap().to_owned(),
        user_id: r.json["user"]["id"].as_i64().unwrap(),
    }
}

async fn user_audit(t: &T, id: i64) -> Vec<sirt_store::AuditEntry> {
    let mut rows = t
        .store
        .audit(&AuditQuery {
            entity: Some("user".into()),
            entity_id: Some(id.to_string()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    rows.reverse();
    rows
}

both!(admins_create_list_change_and_disable_accounts);
async fn admins_create_list_change_and_disable_accounts(url: &str) {
    let t = T::new(url).await;
    let admin = t.login(Role::Admin).await;
    let users = "/api/users";

    // The list: every account by username, never a hash; the last login from the audit log.
    let r = t.call(Some(&admin), Method::GET, users, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let names: Vec<&str> = r.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ada.admin",
            "dr.house",
            "phys.curie",
            "tech.bob",
            "view.vic"
        ]
    );
    assert!(!r.text.contains("argon2") && !r.text.contains("password"));
    let ada = &r.json["users"][0];
    assert_eq!(ada["role"], "admin");
    assert_eq!(ada["disabled"], false);
    assert!(ada["last_login_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r.json["users"][4]["last_login_at"], Value::Null);

    // Refused: a short password (the CLI's rule), an unknown role, a taken username, a bad
    // character, unknown fields. Nothing is written.
    let audit_before = t.store.audit(&AuditQuery::default()).await.unwrap().len();
    for (body, status, code, message) in [
        (
            json!({"username": "new.doc", "role": "physician", "password": "short"}),
            422,
            "invalid_password",
            "password: expected 12 to 128 characters, found 5",
        ),
        (
            json!({"username": "new.doc", "role": "root", "password": NEW_PASSWORD}),
            422,
            "invalid",
            "role: expected admin, physician, physicist, technologist or viewer, found `root`",
        ),
        (
            json!({"username": "dr.house", "role": "physician", "password": NEW_PASSWORD}),
            409,
            "duplicate",
            "user with username `dr.house` already exists",
        ),
        (
            json!({"username": "new doc", "role": "physician", "password": NEW_PASSWORD}),
            422,
            "invalid",
            "field `username`: expected letters, digits, `.`, `_` or `-`, found ` `",
        ),
    ] {
        let r = t.call(Some(&admin), Method::POST, users, Some(body)).await;
        assert_eq!(r.status.as_u16(), status, "{}", r.text);
        assert_eq!(r.code(), code, "{}", r.text);
        assert_eq!(r.message(), message);
    }
    let r = t
        .call(
            Some(&admin),
            Method::POST,
            users,
            Some(json!({"username": "x.y", "role": "viewer", "password": NEW_PASSWORD, "admin": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        t.store.audit(&AuditQuery::default()).await.unwrap().len(),
        audit_before
    );

    // Created with the server's Argon2id parameters; it signs in.
    let r = t
        .call(
            Some(&admin),
            Method::POST,
            users,
            Some(
                json!({"username": "new.doc", "display_name": "Dr New", "role": "physician",
                "password": NEW_PASSWORD}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    assert_eq!(r.headers[header::LOCATION], format!("/api/users/{id}"));
    assert_eq!(r.json["role"], "physician");
    assert_eq!(r.json["display_name"], "Dr New");
    assert!(!r.text.contains("argon2"));
    let creds = t.store.credentials("new.doc").await.unwrap().unwrap();
    assert!(
        creds
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        creds.password_hash
    );
    let r = t.call(Some(&admin), Method::GET, users, None).await;
    assert!(
        r.json["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "new.doc" && u["role"] == "physician")
    );
    let r = login_with(&t, "new.doc", NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let doc = session_of(&r);
    let patient = json!({"mrn": "ACC-1", "name": "A"});
    let r = t
        .call(
            Some(&doc),
            Method::POST,
            "/api/patients",
            Some(patient.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // A role change holds from the account's next request, in its open session.
    let path = format!("/api/users/{id}");
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["role"], "viewer");
    let r = t.call(Some(&doc), Method::GET, "/api/session", None).await;
    assert_eq!(r.json["user"]["role"], "viewer");
    assert_eq!(r.json["permissions"], json!(["read_clinical"]));
    let r = t
        .call(
            Some(&doc),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "ACC-2", "name": "B"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Disabled: its session answers 401 and it cannot sign in; enabled again, it can.
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["disabled"], true);
    let r = t.call(Some(&doc), Method::GET, "/api/session", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = login_with(&t, "new.doc", NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.message(), "wrong username or password");
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"disabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = login_with(&t, "new.doc", NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let doc = session_of(&r);

    // A new password: the old one no longer signs in, and the account's sessions end.
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"password": "short"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "invalid_password");
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"password": "another long passphrase"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        t.call(Some(&doc), Method::GET, "/api/session", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_with(&t, "new.doc", NEW_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_with(&t, "new.doc", "another long passphrase")
            .await
            .status,
        StatusCode::OK
    );

    // Nothing to change, an unknown account, an unknown field.
    for (p, body, status) in [
        (path.clone(), json!({}), 422),
        (
            "/api/users/999999".to_owned(),
            json!({"role": "viewer"}),
            404,
        ),
        (path.clone(), json!({"username": "other"}), 422),
        (path.clone(), json!({"role": "superuser"}), 422),
    ] {
        let r = t.call(Some(&admin), Method::PATCH, &p, Some(body)).await;
        assert_eq!(r.status.as_u16(), status, "{p}: {}", r.text);
    }

    // Every change audited, with the admin, before and after, and never a hash.
    let rows = user_audit(&t, id).await;
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.username.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("user.create", "ada.admin"),
            ("session.login", "new.doc"),
            ("user.update", "ada.admin"),
            ("user.disable", "ada.admin"),
            ("user.enable", "ada.admin"),
            ("session.login", "new.doc"),
            ("user.update", "ada.admin"),
            ("session.login", "new.doc"),
        ]
    );
    assert_eq!(rows[2].before.as_ref().unwrap()["role"], "physician");
    assert_eq!(rows[2].after.as_ref().unwrap()["role"], "viewer");
    assert_eq!(rows[3].after.as_ref().unwrap()["disabled"], true);
    assert_eq!(rows[3].after.as_ref().unwrap()["sessions_ended"], 1);
    assert_eq!(rows[6].after.as_ref().unwrap()["password_changed"], true);
    assert_eq!(rows[6].after.as_ref().unwrap()["sessions_ended"], 1);
    for r in &rows {
        let text = format!("{:?} {:?}", r.before, r.after);
        assert!(
            !text.contains("argon2") && !text.contains("password_hash") && !text.contains('$'),
            "{}: {text}",
            r.action
        );
    }

    // Only an admin manages accounts.
    for role in [
        Role::Physician,
        Role::Physicist,
        Role::Technologist,
        Role::Viewer,
    ] {
        let s = t.login(role).await;
        let r = t.call(Some(&s), Method::GET, users, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            r.message(),
            format!("manage_accounts: the role {role} may not do this (allowed: admin)")
        );
    }
}

both!(the_site_keeps_an_enabled_admin);
async fn the_site_keeps_an_enabled_admin(url: &str) {
    let t = T::new(url).await;
    let admin = t.login(Role::Admin).await;
    let own = format!("/api/users/{}", admin.user_id);

    // An admin cannot disable or demote their own account; other changes to it are fine, and
    // a new password of their own keeps their session.
    for body in [json!({"disabled": true}), json!({"role": "physician"})] {
        let r = t.call(Some(&admin), Method::PATCH, &own, Some(body)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(r.code(), "own_account");
        assert!(
            r.message().starts_with("user ada.admin: you cannot ")
                && r.message().ends_with(
                    "your own account; another admin must do it, so that the site keeps an admin"
                ),
            "{}",
            r.message()
        );
    }
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &own,
            Some(json!({"display_name": "Ada L.", "password": "my new long passphrase"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        t.call(Some(&admin), Method::GET, "/api/session", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        t.store.user(admin.user_id).await.unwrap().role,
        Role::Admin,
        "nothing of the refused changes was written"
    );

    // The last enabled admin cannot be disabled or demoted by anyone (here the CLI's actor).
    let cli = Actor::system("cli");
    let e = t
        .store
        .set_user_disabled(&cli, admin.user_id, true)
        .await
        .unwrap_err();
    assert_eq!(
        e,
        StoreError::LastAdmin {
            username: "ada.admin".into(),
            change: "disable",
        }
    );
    assert_eq!(
        e.to_string(),
        "user ada.admin: cannot disable the last enabled admin; make another account admin first"
    );

    // Two admins demoting each other at once: one wins, one admin remains.
    let b = t
        .store
        .create_user(
            &cli,
            &NewUser {
                username: "bea.admin".into(),
                display_name: "Bea".into(),
                role: Role::Admin,
                password_hash: common::cheap_hash(),
            },
        )
        .await
        .unwrap();
    let bea = t.login_as("bea.admin").await;
    let to_viewer = json!({"role": "viewer"});
    let bea_path = format!("/api/users/{}", b.id);
    let (x, y) = tokio::join!(
        t.call(
            Some(&admin),
            Method::PATCH,
            &bea_path,
            Some(to_viewer.clone()),
        ),
        t.call(Some(&bea), Method::PATCH, &own, Some(to_viewer.clone())),
    );
    let mut statuses = [x.status.as_u16(), y.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200, "{} / {}", x.text, y.text);
    assert!(matches!(statuses[1], 403 | 409), "{} / {}", x.text, y.text);
    for r in [&x, &y] {
        if r.status == StatusCode::CONFLICT {
            assert_eq!(r.code(), "last_admin", "{}", r.text);
        }
    }
    let admins = t
        .store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.user.role == Role::Admin && !a.user.disabled)
        .count();
    assert_eq!(admins, 1);
}

/// Imports the demo case as `s`; returns (case id, plan id).
async fn import_demo(t: &T, s: &Session) -> (i64, i64) {
    let r = t
        .call(Some(s), Method::POST, "/api/demo/import", None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (
        r.json["case"]["id"].as_i64().unwrap(),
        r.json["plan"]["id"].as_i64().unwrap(),
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

both!(plan_reports_are_stored_in_their_case_and_downloaded_as_they_were);
async fn plan_reports_are_stored_in_their_case_and_downloaded_as_they_were(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let viewer = t.login(Role::Viewer).await;
    let (case_a, plan_a) = import_demo(&t, &phys).await;
    let (case_b, plan_b) = import_demo(&t, &phys).await;
    let store_path = format!("/api/plans/{plan_a}/documents/report");

    // A viewer cannot store: 403, nothing written.
    let r = t.call(Some(&viewer), Method::POST, &store_path, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(
        r.message(),
        "store_document: the role viewer may not do this (allowed: physician, physicist)"
    );
    assert!(t.store.documents(case_a).await.unwrap().is_empty());

    // The physicist stores the report: the HTML and, with Chromium, the PDF.
    let r = t.call(Some(&phys), Method::POST, &store_path, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let with_pdf = !sirt_report::pdf::chromium_candidates().is_empty();
    let docs = r.json["documents"].as_array().unwrap().clone();
    assert_eq!(docs.len(), if with_pdf { 2 } else { 1 }, "{}", r.text);
    assert_eq!(r.json["pdf_unavailable"].is_null(), with_pdf, "{}", r.text);
    for d in &docs {
        assert_eq!(d["kind"], "plan_report");
        assert_eq!(d["case_id"], case_a);
        assert_eq!(d["plan_id"], plan_a);
        assert_eq!(d["plan_version"], 1);
        assert_eq!(d["created_by"], "phys.curie");
    }
    assert_eq!(docs[0]["mime"], "text/html; charset=utf-8");

    // Downloaded byte for byte as report.html answers, with its type and SHA-256.
    let html = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/plans/{plan_a}/report.html"),
            None,
        )
        .await;
    assert_eq!(html.status, StatusCode::OK);
    let got = t
        .call(
            Some(&viewer),
            Method::GET,
            docs[0]["download"].as_str().unwrap(),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.bytes, html.bytes, "the stored HTML is the report");
    assert_eq!(
        got.headers[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let id0 = docs[0]["id"].as_i64().unwrap();
    assert_eq!(
        got.headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"sirtplan-plan-{plan_a}-v1-plan_report-{id0}.html\"")
    );
    assert_eq!(got.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(docs[0]["sha256"], sha256_hex(&got.bytes));
    assert_eq!(docs[0]["size_bytes"], got.bytes.len());
    if with_pdf {
        let pdf = t
            .call(
                Some(&viewer),
                Method::GET,
                docs[1]["download"].as_str().unwrap(),
                None,
            )
            .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        assert_eq!(docs[1]["mime"], "application/pdf");
        assert_eq!(docs[1]["sha256"], sha256_hex(&pdf.bytes));
        assert_eq!(docs[1]["size_bytes"], pdf.bytes.len());
    }

    // Listed in their case (and on the case page), not in another case.
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{case_a}/documents"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["documents"].as_array().unwrap(), &docs);
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{case_a}"),
            None,
        )
        .await;
    assert_eq!(r.json["documents"].as_array().unwrap().len(), docs.len());
    let r = t
        .call(
            Some(&phys),
            Method::POST,
            &format!("/api/plans/{plan_b}/documents/report"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let b_ids: Vec<i64> = r.json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{case_a}/documents"),
            None,
        )
        .await;
    let a_ids: Vec<i64> = r.json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(a_ids.len(), docs.len());
    assert!(a_ids.iter().all(|i| !b_ids.contains(i)));
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{case_b}/documents"),
            None,
        )
        .await;
    assert_eq!(r.json["documents"].as_array().unwrap().len(), b_ids.len());

    // One audit row per document, by the physicist; none for the viewer's refusal.
    let rows = t
        .store
        .audit(&AuditQuery {
            entity: Some("document".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), a_ids.len() + b_ids.len());
    assert!(
        rows.iter()
            .all(|r| r.action == "document.create" && r.username == "phys.curie")
    );

    // The store keeps a plan's document in the plan's case.
    let e = t
        .store
        .add_document(
            &Actor::system("test"),
            &NewDocument {
                case_id: Some(case_b),
                plan_id: Some(plan_a),
                kind: "plan_report".into(),
                mime: "text/plain".into(),
                content: DocumentContent::Inline(b"x".to_vec()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "field `plan_id`: expected a plan of case {case_b}, found plan {plan_a} of case {case_a}"
        )
    );

    // Unknown records: 404.
    for p in ["/api/documents/999999", "/api/cases/999999/documents"] {
        let r = t.call(Some(&viewer), Method::GET, p, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
    }
    let r = t
        .call(
            Some(&phys),
            Method::POST,
            "/api/plans/999999/documents/report",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

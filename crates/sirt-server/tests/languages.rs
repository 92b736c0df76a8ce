//! The languages of the web application (issue 14), on SQLite and on PostgreSQL (`both!`): the
//! messages of `GET /api/i18n/{lang}` in English and French, each user's own language
//! (`PATCH /api/account`, audited) over the site's, and the page's `<html lang>` following it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::T;
use serde_json::json;
use sirt_store::{AuditQuery, Role};

both!(messages_of_each_language);
both!(each_users_language);

async fn messages_of_each_language(url: &str) {
    let t = T::new(url).await;

    // The messages: public (the sign-in page needs them), one language each, the page's own and
    // the shared words; text known independently of the code.
    let en = t.call(None, Method::GET, "/api/i18n/en", None).await;
    assert_eq!(en.status, StatusCode::OK, "{}", en.text);
    assert_eq!(en.json["lang"], "en");
    assert_eq!(en.json["messages"]["web-parameters"], "Parameters");
    assert_eq!(en.json["messages"]["common-yes"], "yes");
    let fr = t.call(None, Method::GET, "/api/i18n/fr-FR", None).await;
    assert_eq!(fr.status, StatusCode::OK, "{}", fr.text);
    assert_eq!(fr.json["lang"], "fr");
    let m = &fr.json["messages"];
    assert_eq!(m["web-parameters"], "Paramètres");
    assert_eq!(m["web-sign-out"], "Se déconnecter");
    assert_eq!(m["status-fail"], "ÉCHEC");
    assert_eq!(m["basis-delivered"], "délivré");
    // Variables stay for the page to fill; French typography (a no-break space before ':').
    assert_eq!(m["web-step-done"], "{$step}\u{a0}: fait.");
    assert_eq!(
        en.json["messages"]["web-plan-version"], "Plan v{$version}",
        "variables as {{$name}}"
    );
    // Only the web application's messages and the shared words.
    let ids: Vec<&String> = m.as_object().unwrap().keys().collect();
    let prefixes = [
        "web-",
        "common-",
        "status-",
        "basis-",
        "subject-",
        "report-constraint-",
        "report-extent-",
    ];
    assert!(
        ids.iter()
            .all(|id| prefixes.iter().any(|p| id.starts_with(p)))
    );
    assert!(!ids.iter().any(|id| id.starts_with("report-title")));
    assert_eq!(m["subject-session"], "séance");
    assert_eq!(
        m["report-constraint-tumour-target"],
        "objectif de dose tumorale"
    );
    // The rule titles of the site's rule set, by their English wording (rules/safety.toml).
    assert_eq!(
        fr.json["rule_titles"]["Cumulative lung absorbed dose at most 50 Gy (1 kg lung, planning LSF)"],
        "Dose absorbée pulmonaire cumulée d’au plus 50\u{a0}Gy (poumon de 1\u{a0}kg, LSF de planification)"
    );
    assert_eq!(en.json["rule_titles"], json!({}));
    assert_eq!(
        m.as_object().unwrap().len(),
        en.json["messages"].as_object().unwrap().len()
    );
    let de = t.call(None, Method::GET, "/api/i18n/de", None).await;
    assert_eq!(de.status, StatusCode::NOT_FOUND, "{}", de.text);
}

async fn each_users_language(url: &str) {
    let t = T::new(url).await;

    // Before sign-in the page is in the site's language (English by default).
    let page = t.call(None, Method::GET, "/", None).await;
    assert!(page.text.contains("<html lang=\"en\">"), "{}", page.text);
    assert!(page.text.contains("Loading sirtplan…"));

    // A physician's session: no language of their own, the site's in force.
    let s = t.login(Role::Physician).await;
    let session = t.call(Some(&s), Method::GET, "/api/session", None).await;
    assert_eq!(session.json["user"]["language"], serde_json::Value::Null);
    assert_eq!(session.json["language"], "en");
    assert_eq!(session.json["site_language"], "en");

    // They choose French: the session says so, their page is French, another user's is not.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            "/api/account",
            Some(json!({ "language": "fr" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["language"], "fr");
    assert_eq!(r.json["user"]["language"], "fr");
    assert_eq!(r.json["site_language"], "en");
    assert_eq!(r.json["csrf_token"].as_str(), Some(s.csrf.as_str()));
    let page = t.call_with(Some(&s), Method::GET, "/", None, |_| {}).await;
    assert!(page.text.contains("<html lang=\"fr\">"), "{}", page.text);
    assert!(page.text.contains("Chargement de sirtplan…"));
    assert!(
        page.text
            .contains("Usage en recherche uniquement\u{a0}: ni dispositif médical"),
        "{}",
        page.text
    );
    let other = t.login(Role::Physicist).await;
    let page = t.call(Some(&other), Method::GET, "/", None).await;
    assert!(page.text.contains("<html lang=\"en\">"));
    // The choice outlives the session.
    let again = t.login(Role::Physician).await;
    let session = t
        .call(Some(&again), Method::GET, "/api/session", None)
        .await;
    assert_eq!(session.json["language"], "fr");

    // Not a language of ours: refused, nothing changed.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            "/api/account",
            Some(json!({ "language": "de" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Without the CSRF token: refused like every change.
    let r = t
        .call_with(
            Some(&s),
            Method::PATCH,
            "/api/account",
            Some(json!({ "language": "en" })),
            |req| {
                req.headers_mut().remove("x-csrf-token");
            },
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Signed out: 401.
    let r = t
        .call(
            None,
            Method::PATCH,
            "/api/account",
            Some(json!({ "language": "en" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);

    // Back to the site's language (null).
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            "/api/account",
            Some(json!({ "language": null })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["user"]["language"], serde_json::Value::Null);
    assert_eq!(r.json["language"], "en");

    // Each change is audited with its before and after.
    let rows = t
        .store
        .audit(&AuditQuery {
            entity: Some("user".into()),
            entity_id: Some(s.user_id.to_string()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let changes: Vec<(serde_json::Value, serde_json::Value)> = rows
        .iter()
        .filter(|a| a.action == "user.language")
        .map(|a| {
            (
                a.before.as_ref().unwrap()["language"].clone(),
                a.after.as_ref().unwrap()["language"].clone(),
            )
        })
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes.contains(&(json!(null), json!("fr"))));
    assert!(changes.contains(&(json!("fr"), json!(null))));
}

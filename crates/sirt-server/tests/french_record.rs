//! The signed record in the site's language (issue 14): a French site's approved report has its
//! plan record, signatures and sign-off block in French, with "Préparé par" filled from the
//! account that created the version (its role then), and every instant of the record in the
//! report's one format; an English site's the same in English.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, T};
use serde_json::json;
use sirt_store::Role;

/// A server whose site writes in `lang`.
async fn site(name: &str, lang: sirt_i18n::Lang) -> T {
    let url = harness::sqlite_url(name);
    let mut t = T::new(&url).await;
    let settings = sirt_settings::SiteSettings {
        language: lang,
        ..Default::default()
    };
    t.state = sirt_server::AppState::with_site(
        t.store.clone(),
        false,
        sirt_server::LoginLimit::default(),
        t.data_dir.clone(),
        settings,
    )
    .unwrap();
    t.app = sirt_server::app(t.state.clone());
    t
}

/// Imports the demo as the physicist, checks it (physicist) and approves it (physician); the
/// approved report's HTML.
async fn approved_report(t: &T) -> String {
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let r = t
        .call(Some(&phys), Method::POST, "/api/demo/import", None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["plan"]["id"].as_i64().unwrap();
    for (who, what, rv) in [(&phys, "check", 1), (&dr, "approve", 2)] {
        let r = t
            .call(
                Some(who),
                Method::POST,
                &format!("/api/plans/{id}/{what}"),
                Some(json!({"row_version": rv, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text);
    }
    let r = t
        .call(
            Some(&dr),
            Method::GET,
            &format!("/api/plans/{id}/report.html"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.text
}

/// The key–value row `label` of the HTML report: its value cell.
fn row<'a>(html: &'a str, label: &str) -> &'a str {
    let start = html
        .find(&format!("<dt>{label}</dt><dd>"))
        .unwrap_or_else(|| panic!("no row {label}"))
        + label.len()
        + 13;
    &html[start..start + html[start..].find("</dd>").unwrap()]
}

/// Whether `s` holds an RFC 3339 instant as stored ("2026-12-07T05:47:03.438Z").
fn has_stored_instant(s: &str) -> bool {
    s.as_bytes().windows(20).any(|w| {
        w[4] == b'-'
            && w[7] == b'-'
            && w[10] == b'T'
            && w[13] == b':'
            && w[..4].iter().all(u8::is_ascii_digit)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_sites_approved_record_is_in_french() {
    let t = site("french_record_fr", sirt_i18n::Lang::Fr).await;
    let html = approved_report(&t).await;
    assert!(html.contains("<html lang=\"fr\">"), "{}", &html[..200]);
    for want in [
        "Dossier du plan",
        "Signatures",
        "Préparé par",
        "Vérifié par",
        "Approuvé par",
        "Moteur de calcul",
        "SHA-256 de l’approbation",
        "Patient et données d",
    ] {
        assert!(html.contains(want), "missing {want}");
    }
    assert!(
        row(&html, "Plan").starts_with("version 1, approuvé"),
        "{}",
        row(&html, "Plan")
    );
    assert!(
        row(&html, "Patient").contains("(IPP DEMO-NET-001)"),
        "{}",
        row(&html, "Patient")
    );
    // "Préparé par": the physicist who imported the demo, their role, the creation instant.
    let prepared = &html[html.find("<td>Préparé par</td>").unwrap()..];
    let prepared = &prepared[..prepared.find("</tr>").unwrap()];
    assert!(
        prepared.contains(&format!("<td>{}</td>", common::username(Role::Physicist))),
        "{prepared}"
    );
    assert!(
        prepared.contains("<td>physicien médical</td>"),
        "{prepared}"
    );
    assert!(
        prepared.contains("préparé\u{a0}: création de la version 1 du plan"),
        "{prepared}"
    );
    // Preparing is not an electronic signature: a line to sign by hand.
    assert!(!prepared.contains("électronique"), "{prepared}");
    // The signatures: roles and meanings in French (the record keeps them in English).
    let checked = &html[html.find("<td>Vérifié par</td>").unwrap()..];
    let checked = &checked[..checked.find("</tr>").unwrap()];
    assert!(checked.contains("<td>physicien médical</td>"), "{checked}");
    assert!(
        checked.contains("<td>vérifié par le physicien médical</td><td>(électronique)</td>"),
        "{checked}"
    );
    let approved = &html[html.find("<td>Approuvé par</td>").unwrap()..];
    let approved = &approved[..approved.find("</tr>").unwrap()];
    assert!(approved.contains("<td>médecin</td>"), "{approved}");
    assert!(
        approved.contains("<td>approuvé par le médecin</td>"),
        "{approved}"
    );
    assert!(
        !html.contains("checked by physicist"),
        "no English meaning left"
    );
    // The record's instants in the report's one format, never as stored.
    for label in ["Créé", "Vérifié", "Approuvé"] {
        assert!(
            !has_stored_instant(row(&html, label)),
            "{label}: {}",
            row(&html, label)
        );
    }
    assert!(
        !has_stored_instant(row(&html, "Signature")),
        "{}",
        row(&html, "Signature")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_sites_approved_record_names_who_prepared_it() {
    let t = site("french_record_en", sirt_i18n::Lang::En).await;
    let html = approved_report(&t).await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(row(&html, "Plan").starts_with("version 1, approved"));
    let prepared = &html[html.find("<td>Prepared by</td>").unwrap()..];
    let prepared = &prepared[..prepared.find("</tr>").unwrap()];
    assert!(prepared.contains("<td>physicist</td>"), "{prepared}");
    assert!(
        prepared.contains("prepared: created plan version 1"),
        "{prepared}"
    );
    assert!(
        !has_stored_instant(row(&html, "Created")),
        "{}",
        row(&html, "Created")
    );
    assert!(!html.contains("Dossier du plan"));
}

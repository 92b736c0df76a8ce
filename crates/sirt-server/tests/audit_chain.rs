//! The server with an audit key (issue 15): the audit rows written by requests (accounts, a
//! sign-in, an import of patient, case and plan) form one chain that verifies; a server started
//! on that database without the key, or with another key, refuses to start naming why; a row
//! changed behind the triggers' back is named. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::StatusCode;
use common::T;
use sirt_server::admin::{AdminError, AuditAdminError};
use sirt_server::{AppState, LoginLimit, ServeError, ServerConfig, app};
use sirt_store::{
    Actor, AuditChainError, AuditFault, AuditKey, AuditQuery, NewUser, OpenError, Role, Store,
    StoreError,
};
use sqlx::Connection;

fn key() -> AuditKey {
    AuditKey::from_hex(&"3c".repeat(32), "test").unwrap()
}

/// The test application over a store with the audit key (the accounts of `common`).
async fn keyed_app(url: &str) -> T {
    let store = Store::open(url).await.unwrap().with_audit_key(key());
    for role in Role::ALL {
        store
            .create_user(
                &Actor::system("test"),
                &NewUser {
                    username: common::username(role).into(),
                    display_name: format!("Test {role}"),
                    role,
                    password_hash: common::cheap_hash(),
                },
            )
            .await
            .unwrap();
    }
    let data_dir = harness::temp_dir("audit-chain-data");
    let state = AppState::with_data_dir(
        store.clone(),
        false,
        LoginLimit::default(),
        data_dir.clone(),
    )
    .unwrap();
    T {
        app: app(state.clone()),
        state,
        store,
        data_dir,
    }
}

async fn bind(url: &str, audit_key: Option<AuditKey>, data_dir: &std::path::Path) -> ServeError {
    let config = ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: url.to_owned(),
        data_dir: data_dir.to_owned(),
        audit_key,
        ..Default::default()
    };
    match sirt_server::Server::bind(&config).await {
        Ok(_) => panic!("the server started"),
        Err(e) => e,
    }
}

both!(requests_append_one_verified_chain_and_a_keyless_start_is_refused);
async fn requests_append_one_verified_chain_and_a_keyless_start_is_refused(url: &str) {
    let t = keyed_app(url).await;
    let s = t.login(Role::Physician).await;
    let r = t.import_phantom(&s).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let all = t
        .store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    // Five accounts, then the import's patient, case and plan at least.
    assert!(all.len() >= 8, "{}", all.len());
    let v = t.store.verify_audit(&key()).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!((v.verified, v.unprotected), (all.len(), 0));

    // A start without the key, or with another, is refused before listening.
    let e = bind(url, None, &t.data_dir).await;
    assert!(
        matches!(e, ServeError::AuditKey(AuditChainError::KeyRequired { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("SIRTPLAN_AUDIT_KEY"), "{e}");
    let other = AuditKey::from_hex(&"c3".repeat(32), "test").unwrap();
    let e = bind(url, Some(other), &t.data_dir).await;
    assert!(
        matches!(e, ServeError::AuditKey(AuditChainError::WrongKey { .. })),
        "{e}"
    );

    // The plan's creation row edited behind the triggers' back is named, alone.
    let plan_row = all.iter().find(|e| e.action == "plan.create").unwrap();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let drop = if url.starts_with("sqlite") {
        "DROP TRIGGER audit_log_no_update"
    } else {
        "DROP TRIGGER audit_log_no_update ON audit_log"
    };
    sqlx::raw_sql(drop).execute(&mut c).await.unwrap();
    sqlx::raw_sql(&format!(
        "UPDATE audit_log SET username = 'someone.else' WHERE id = {}",
        plan_row.id
    ))
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let v = t.store.verify_audit(&key()).await.unwrap();
    assert_eq!(v.problems.len(), 1, "{v:?}");
    assert_eq!(
        (v.problems[0].id, v.problems[0].fault),
        (plan_row.id, AuditFault::Mismatch)
    );
    assert_eq!(v.problems[0].action, "plan.create");
    t.store.close().await;
}

both!(an_account_made_without_the_key_after_the_chain_began_is_refused);
/// A library caller that forgets the key: `admin::create_user` (no key) on a chained database.
async fn an_account_made_without_the_key_after_the_chain_began_is_refused(url: &str) {
    let t = keyed_app(url).await;
    let req = sirt_server::admin::CreateUser {
        database_url: url.to_owned(),
        username: "eve.nokey".into(),
        display_name: String::new(),
        role: "admin".into(),
        password: common::PASSWORD.into(),
    };
    let e = sirt_server::admin::create_user(&req).await.unwrap_err();
    assert!(
        matches!(
            e,
            AdminError::Store(StoreError::AuditKeyRequired { first_id: 1 })
        ),
        "{e}"
    );
    let users = t.store.users().await.unwrap();
    assert!(users.iter().all(|u| u.username != "eve.nokey"));
    let v = t.store.verify_audit(&key()).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    t.store.close().await;
}

/// Undoes migration 14 (the PACS nodes table, then its record): a database
/// as the previous version of sirtplan left it.
const UNDO_LATEST_MIGRATION: &str = "DROP TABLE pacs_nodes; \
     DELETE FROM schema_migrations WHERE version = 14;";

async fn schema_versions(url: &str) -> Vec<i64> {
    use sqlx::Row;
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    rows.iter().map(|r| r.get::<i64, _>("version")).collect()
}

both!(verify_and_backup_never_migrate_an_older_database);
/// `verify-audit` and `backup` on a database one migration behind: refused, nothing migrated.
async fn verify_and_backup_never_migrate_an_older_database(url: &str) {
    let t = keyed_app(url).await;
    t.store.close().await;
    assert_eq!(Store::latest_schema_version(), 14);
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::raw_sql(UNDO_LATEST_MIGRATION)
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let before = schema_versions(url).await;
    assert_eq!(before, (1..=13).collect::<Vec<_>>());
    let e = sirt_server::admin::verify_audit(url, &key())
        .await
        .unwrap_err();
    assert!(
        matches!(e, AuditAdminError::Open(OpenError::SchemaNotCurrent { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("(missing: 14)"), "{e}");
    assert_eq!(schema_versions(url).await, before);
    if url.starts_with("sqlite") {
        let out = harness::temp_dir("older-backup").join("copy.db");
        let e = sirt_server::admin::backup(url, &out).await.unwrap_err();
        assert!(
            matches!(e, AuditAdminError::Open(OpenError::SchemaNotCurrent { .. })),
            "{e}"
        );
        assert!(!out.exists());
        assert_eq!(schema_versions(url).await, before);
    }
}

/// Chromium (launched to print PDFs) is not given the variable that holds the audit key: the
/// report crate withholds the name this crate reads.
#[test]
fn the_report_crate_withholds_the_audit_key_variable() {
    assert!(sirt_report::pdf::WITHHELD_ENV.contains(&sirt_server::admin::AUDIT_KEY_ENV));
}

//! PACS nodes on SQLite and on PostgreSQL (`both!`): added, listed by name, changed, removed,
//! each change audited with the node's settings and never its password (only whether one is
//! set and whether it changed); a second node of the same name refused; the database's own
//! checks refuse a port outside 1–65535 and a DICOMweb node with DIMSE fields; exchanges
//! audited under their own actions only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::panic
)]

mod harness;

use sirt_store::*;

const SECRET: &str = "pacs-password-that-must-not-leak";

fn web(name: &str, password: Option<&str>) -> NewPacsNode {
    NewPacsNode {
        name: name.into(),
        address: PacsAddress::DicomWeb {
            url: "http://pacs.example:8042/dicom-web".into(),
            username: Some("sirtplan".into()),
            password: password.map(Into::into),
        },
        connect_timeout_s: 10.0,
        request_timeout_s: 60.0,
        transfer_timeout_s: 1800.0,
    }
}

fn dimse(name: &str, port: i64) -> NewPacsNode {
    NewPacsNode {
        name: name.into(),
        address: PacsAddress::Dimse {
            called_aet: "ORTHANC".into(),
            host: "10.0.0.5".into(),
            port,
            calling_aet: "SIRTPLAN".into(),
        },
        connect_timeout_s: 5.0,
        request_timeout_s: 30.0,
        transfer_timeout_s: 600.0,
    }
}

both!(nodes_are_kept_and_audited_without_their_password);
async fn nodes_are_kept_and_audited_without_their_password(url: &str) {
    let store = Store::open(url).await.unwrap();
    let admin = Actor::system("admin-test");
    let a = store
        .create_pacs_node(&admin, &web("Radiology", Some(SECRET)))
        .await
        .unwrap();
    let b = store
        .create_pacs_node(&admin, &dimse("Archive", 4242))
        .await
        .unwrap();
    // Listed by name; read back as written, the password included (the client needs it).
    let all = store.pacs_nodes().await.unwrap();
    let names: Vec<&str> = all.iter().map(|n| n.node.name.as_str()).collect();
    assert_eq!(names, ["Archive", "Radiology"]);
    assert_eq!(
        store.pacs_node(a.id).await.unwrap().password(),
        Some(SECRET)
    );
    assert_eq!(
        store.pacs_node(b.id).await.unwrap().node,
        dimse("Archive", 4242)
    );
    assert!(
        !format!("{a:?}").contains(SECRET),
        "Debug shows no password"
    );

    // The same name again: refused naming it.
    let e = store
        .create_pacs_node(&admin, &dimse("Radiology", 104))
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Duplicate { field: "name", .. }),
        "{e}"
    );

    // A change keeping the password, then one replacing it, then a removal.
    let mut renamed = web("Radiology PACS", Some(SECRET));
    renamed.request_timeout_s = 90.0;
    store
        .update_pacs_node(&admin, a.id, &renamed)
        .await
        .unwrap();
    store
        .update_pacs_node(&admin, a.id, &web("Radiology PACS", Some("another")))
        .await
        .unwrap();
    store.delete_pacs_node(&admin, b.id).await.unwrap();
    assert!(matches!(
        store.pacs_node(b.id).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
    assert!(matches!(
        store.delete_pacs_node(&admin, b.id).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));

    let audit = store.audit(&AuditQuery::default()).await.unwrap();
    let rows: Vec<&AuditEntry> = audit.iter().filter(|r| r.entity == "pacs_node").collect();
    let mut actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "pacs_node.create",
            "pacs_node.create",
            "pacs_node.delete",
            "pacs_node.update",
            "pacs_node.update"
        ]
    );
    for r in &audit {
        let text = format!("{:?} {:?}", r.before, r.after);
        assert!(
            !text.contains(SECRET) && !text.contains("another"),
            "{text}"
        );
    }
    let updates: Vec<serde_json::Value> = rows
        .iter()
        .filter(|r| r.action == "pacs_node.update")
        .map(|r| r.after.clone().unwrap())
        .collect();
    let changed: Vec<bool> = updates
        .iter()
        .map(|u| u["password_changed"].as_bool().unwrap())
        .collect();
    assert!(
        changed.contains(&true) && changed.contains(&false),
        "{updates:?}"
    );
    assert!(updates.iter().all(|u| u["address"]["password_set"] == true));
    assert!(updates.iter().any(|u| u["request_timeout_s"] == 90.0));
    store.close().await;
}

both!(the_database_refuses_what_no_node_can_be);
async fn the_database_refuses_what_no_node_can_be(url: &str) {
    let store = Store::open(url).await.unwrap();
    let admin = Actor::system("admin-test");
    for port in [0, 65_536, -4] {
        let e = store
            .create_pacs_node(&admin, &dimse("P", port))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid { field: "port", .. }),
            "{e}"
        );
    }
    let mut t = dimse("T", 104);
    t.transfer_timeout_s = 0.0;
    let e = store.create_pacs_node(&admin, &t).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Invalid {
                field: "transfer_timeout_s",
                ..
            }
        ),
        "{e}"
    );
    // The table's own check, below the store's: a row mixing the two protocols.
    let mixed = insert_mixed(url).await;
    assert!(
        mixed.is_err(),
        "a DICOMweb row with a DIMSE port was stored"
    );
    // Exchanges: only the two actions.
    let ok = PacsExchange {
        action: "pacs.send",
        entity: "plan",
        entity_id: "7".into(),
        details: serde_json::json!({"node": "Radiology", "sop_instance_uids": ["1.2.3"]}),
    };
    store.audit_pacs_exchange(&admin, &ok).await.unwrap();
    let bad = PacsExchange {
        action: "plan.approve",
        ..ok
    };
    assert!(store.audit_pacs_exchange(&admin, &bad).await.is_err());
    let audit = store.audit(&AuditQuery::default()).await.unwrap();
    assert_eq!(audit.iter().filter(|r| r.action == "pacs.send").count(), 1);
    assert!(audit.iter().all(|r| r.action != "plan.approve"));
    assert!(store.pacs_nodes().await.unwrap().is_empty());
    store.close().await;
}

/// Inserts a DICOMweb row carrying a DIMSE port straight into the table.
async fn insert_mixed(url: &str) -> Result<(), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await?;
    let r = sqlx::query(
        "INSERT INTO pacs_nodes (name, protocol, url, port, connect_timeout_s, \
         request_timeout_s, transfer_timeout_s, created_at, updated_at) VALUES \
         ('M', 'dicomweb', 'http://x/', 104, 1, 1, 1, 'now', 'now')",
    )
    .execute(&pool)
    .await
    .map(|_| ());
    pool.close().await;
    r
}

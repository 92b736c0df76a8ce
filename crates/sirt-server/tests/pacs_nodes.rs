//! The site's PACS nodes through the API, on SQLite and PostgreSQL (`both!`): an admin adds a
//! DICOMweb node with a password and a DIMSE node; the answers, the list, the names offered to
//! the other roles and the audit rows never carry the password (only `password_set`), a change
//! keeps it unless a new one is given or it is cleared; bad input is refused naming the field
//! (a URL that is not http, credentials in the URL, port 0 and 65536, an AE title of 17
//! characters or with a backslash, a timeout of 0, a name taken); the test of a node where
//! nothing listens is 502 naming the node, of a node that accepts but never answers 504 after
//! its request timeout (1 s here), never a hung request.

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

use axum::http::{Method, StatusCode};
use common::{Resp, Session, T};
use serde_json::{Value, json};
use sirt_store::{AuditQuery, Role};
use std::time::{Duration, Instant};

const SECRET: &str = "orthanc-password-9d1f";

async fn post(t: &T, s: &Session, path: &str, body: Value) -> Resp {
    t.call(Some(s), Method::POST, path, Some(body)).await
}

/// A refusal: 422 naming `field`.
fn refused(r: &Resp, field: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().contains(&format!("field `{field}`")),
        "{field}: {}",
        r.message()
    );
}

both!(admins_keep_pacs_nodes_without_showing_passwords);
async fn admins_keep_pacs_nodes_without_showing_passwords(url: &str) {
    let t = T::new(url).await;
    let admin = t.login(Role::Admin).await;
    let dr = t.login(Role::Physician).await;
    let web = json!({
        "name": "Radiology PACS", "protocol": "dicomweb",
        "url": "http://pacs.example:8042/dicom-web/", "username": "sirtplan", "password": SECRET,
        "request_timeout_s": 30,
    });
    let r = post(&t, &admin, "/api/pacs/nodes", web.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(!r.text.contains(SECRET));
    let web_id = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["password_set"], true);
    assert_eq!(r.json["shown"], "http://pacs.example:8042/dicom-web");
    // Defaults: sirt-pacs' own (docs/pacs.md): 10 s connect, 1800 s transfer.
    assert_eq!(r.json["connect_timeout_s"], 10.0);
    assert_eq!(r.json["request_timeout_s"], 30.0);
    assert_eq!(r.json["transfer_timeout_s"], 1800.0);
    let r = post(
        &t,
        &admin,
        "/api/pacs/nodes",
        json!({"name": "Archive", "protocol": "dimse", "called_aet": "ARCHIVE", "host": "10.1.2.3", "port": 104}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["calling_aet"], "SIRTPLAN");
    assert_eq!(r.json["shown"], "ARCHIVE@10.1.2.3:104");
    assert_eq!(r.json["password_set"], false);
    let dimse_id = r.json["id"].as_i64().unwrap();

    // Listed by name; names for the others; no password anywhere.
    let list = t
        .call(Some(&admin), Method::GET, "/api/pacs/nodes", None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let names: Vec<&str> = list.json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Archive", "Radiology PACS"]);
    assert!(!list.text.contains(SECRET));
    let sources = t
        .call(Some(&dr), Method::GET, "/api/pacs/sources", None)
        .await;
    assert_eq!(sources.status, StatusCode::OK);
    assert_eq!(sources.json["nodes"][1]["protocol"], "dicomweb");
    assert!(sources.json["nodes"][1].get("url").is_none());

    // A change keeps the password; a new one replaces it; clear removes it.
    let path = format!("/api/pacs/nodes/{web_id}");
    // A new URL without the password again is refused: the stored password is never sent to
    // another address.
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"url": "http://elsewhere.example:8042/dicom-web"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("`password`"), "{}", r.text);
    assert!(!r.text.contains(SECRET));
    let r = t
        .call(Some(&admin), Method::GET, "/api/pacs/nodes", None)
        .await;
    assert!(!r.text.contains("elsewhere.example"), "{}", r.text);
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"name": "Radiology"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json["name"].as_str(), r.json["password_set"].as_bool()),
        (Some("Radiology"), Some(true))
    );
    assert_eq!(
        t.store.pacs_node(web_id).await.unwrap().password(),
        Some(SECRET)
    );
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"password": "new-one-2"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        t.store.pacs_node(web_id).await.unwrap().password(),
        Some("new-one-2")
    );
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &path,
            Some(json!({"clear_password": true})),
        )
        .await;
    assert_eq!(r.json["password_set"], false);
    assert_eq!(t.store.pacs_node(web_id).await.unwrap().password(), None);

    // Bad input, each refused naming its field; nothing stored.
    let bad = |patch: Value| {
        let mut b = web.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b["name"] = json!("Other");
        b
    };
    let dimse = |patch: Value| {
        let mut b =
            json!({"name": "D2", "protocol": "dimse", "called_aet": "A", "host": "h", "port": 104});
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (bad(json!({"url": "ftp://pacs/dicom-web"})), "url"),
        (bad(json!({"url": "pacs.example:8042"})), "url"),
        (bad(json!({"url": "https://pacs.example/dicom-web"})), "url"),
        (
            bad(json!({"url": "http://bob:hunter2@pacs/dicom-web"})),
            "url",
        ),
        (bad(json!({"username": null})), "username"),
        (bad(json!({"connect_timeout_s": 0})), "connect_timeout_s"),
        (
            bad(json!({"transfer_timeout_s": 1e9})),
            "transfer_timeout_s",
        ),
        (bad(json!({"protocol": "smb"})), "protocol"),
        (dimse(json!({"port": 0})), "port"),
        (dimse(json!({"port": 65_536})), "port"),
        (
            dimse(json!({"called_aet": "SEVENTEEN_CHARS_X"})),
            "called_aet",
        ),
        (dimse(json!({"called_aet": "A\\B"})), "called_aet"),
        (dimse(json!({"calling_aet": "OURS\\X"})), "calling_aet"),
        (dimse(json!({"host": "a b"})), "host"),
        (dimse(json!({"host": null})), "host"),
    ] {
        let r = post(&t, &admin, "/api/pacs/nodes", body).await;
        refused(&r, field);
        assert!(
            !r.text.contains("hunter2") && !r.text.contains(SECRET),
            "{}",
            r.text
        );
    }
    let r = post(
        &t,
        &admin,
        "/api/pacs/nodes",
        json!({"name": "Archive", "protocol": "dimse", "called_aet": "B", "host": "h", "port": 11112}),
    )
    .await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "duplicate"));
    let r = t
        .call(
            Some(&admin),
            Method::PATCH,
            &format!("/api/pacs/nodes/{dimse_id}"),
            Some(json!({"port": 70_000})),
        )
        .await;
    refused(&r, "port");
    assert_eq!(
        t.call(Some(&admin), Method::GET, "/api/pacs/nodes", None)
            .await
            .json["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Removed: 204, then 404.
    let del = format!("/api/pacs/nodes/{dimse_id}");
    assert_eq!(
        t.call(Some(&admin), Method::DELETE, &del, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.call(Some(&admin), Method::DELETE, &del, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Every change audited, never with a password.
    let audit = t
        .store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit
        .iter()
        .filter(|r| r.entity == "pacs_node")
        .map(|r| r.action.as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "pacs_node.create").count(),
        2
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "pacs_node.update").count(),
        3
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "pacs_node.delete").count(),
        1
    );
    for r in &audit {
        let text = format!("{:?}{:?}", r.before, r.after);
        assert!(
            !text.contains(SECRET) && !text.contains("new-one-2"),
            "{text}"
        );
    }
    assert!(
        audit
            .iter()
            .all(|r| r.username == "ada.admin" || r.entity != "pacs_node")
    );
}

/// A node that accepts connections and never answers: a listener holding every connection for
/// 4 s, then closing them all.
fn silent_node() -> (u16, std::thread::JoinHandle<()>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(4);
        let mut held = Vec::new();
        while Instant::now() < until {
            if let Ok((c, _)) = l.accept() {
                held.push(c);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    (port, h)
}

both!(a_node_down_or_silent_is_named_within_its_timeout);
async fn a_node_down_or_silent_is_named_within_its_timeout(url: &str) {
    let t = T::new(url).await;
    let admin = t.login(Role::Admin).await;
    // Nothing listens on a port just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = post(
        &t,
        &admin,
        "/api/pacs/nodes",
        json!({"name": "Down", "protocol": "dimse", "called_aet": "DOWN", "host": "127.0.0.1", "port": closed}),
    )
    .await;
    let down = r.json["id"].as_i64().unwrap();
    let started = Instant::now();
    let r = post(
        &t,
        &admin,
        &format!("/api/pacs/nodes/{down}/test"),
        json!({}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_GATEWAY, "pacs_unreachable"),
        "{}",
        r.text
    );
    assert!(
        r.message().contains("«Down»") && r.message().contains(&format!("DOWN@127.0.0.1:{closed}")),
        "{}",
        r.message()
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let (port, listener) = silent_node();
    let r = post(
        &t,
        &admin,
        "/api/pacs/nodes",
        json!({"name": "Silent", "protocol": "dicomweb", "url": format!("http://127.0.0.1:{port}/dicom-web"),
               "request_timeout_s": 1, "connect_timeout_s": 1}),
    )
    .await;
    let silent = r.json["id"].as_i64().unwrap();
    let started = Instant::now();
    let r = post(
        &t,
        &admin,
        &format!("/api/pacs/nodes/{silent}/test"),
        json!({}),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::GATEWAY_TIMEOUT, "pacs_timeout"),
        "{}",
        r.text
    );
    assert!(
        r.message().contains("«Silent»") && r.message().contains("1 s"),
        "{}",
        r.message()
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    listener.join().unwrap();
}

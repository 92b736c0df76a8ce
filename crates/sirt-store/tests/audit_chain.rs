//! The tamper-evident audit log on SQLite and PostgreSQL: rows written through the store with an
//! audit key verify; a row changed, removed or stripped of its MAC in the database behind the
//! triggers' back (as someone with the database's password could) is named by the verification;
//! concurrent writers make one unbroken chain; python3's `hmac` module recomputes every MAC of a
//! SQLite database from the documented encoding (crates/sirt-store/src/audit_chain.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::panic,
    clippy::too_many_lines
)]

mod harness;

use sirt_store::*;
use sqlx::Connection;
use std::process::Command;

/// The test key: 32 bytes 0x5a.
fn key() -> AuditKey {
    AuditKey::from_hex(&"5a".repeat(32), "test").unwrap()
}

async fn raw(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

/// What an attacker with the database's password does first: drop the append-only triggers.
async fn drop_append_only_triggers(url: &str) {
    let sql = if url.starts_with("sqlite") {
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
    } else {
        "DROP TRIGGER audit_log_no_update ON audit_log; DROP TRIGGER audit_log_no_truncate ON audit_log;"
    };
    raw(url, sql).await;
}

fn patient(mrn: &str) -> NewPatient {
    NewPatient {
        mrn: mrn.into(),
        name: format!("Patient {mrn}"),
        ..Default::default()
    }
}

/// The audit row of the creation of the patient with `mrn`.
async fn creation_row(store: &Store, mrn: &str) -> AuditEntry {
    let all = store.audit(&AuditQuery::default()).await.unwrap();
    all.into_iter()
        .find(|e| {
            e.action == "patient.create"
                && e.after.as_ref().and_then(|a| a["mrn"].as_str()) == Some(mrn)
        })
        .unwrap()
}

fn problem(e: &AuditEntry, fault: AuditFault) -> AuditProblem {
    AuditProblem {
        id: e.id,
        action: e.action.clone(),
        at: e.at.clone(),
        fault,
    }
}

both!(rows_changed_or_removed_behind_the_triggers_back_are_named);
async fn rows_changed_or_removed_behind_the_triggers_back_are_named(url: &str) {
    // One row before the key: unprotected, the chain starts after it.
    let plain = Store::open(url).await.unwrap();
    let sys = Actor::system("test");
    plain.create_patient(&sys, &patient("U-0")).await.unwrap();
    assert_eq!(
        plain.check_audit_key().await.unwrap(),
        AuditProtection::Unprotected
    );
    let store = plain.clone().with_audit_key(key());
    assert_eq!(
        store.check_audit_key().await.unwrap(),
        AuditProtection::Chained
    );
    // Six chained rows: five creations and one change.
    for mrn in ["C-1", "C-2", "C-3", "C-4", "C-5"] {
        store.create_patient(&sys, &patient(mrn)).await.unwrap();
    }
    let p1 = store.patient_by_mrn("C-1").await.unwrap().unwrap();
    store
        .update_patient(
            &sys,
            p1.id,
            &PatientChange {
                name: Some("Renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!((v.verified, v.unprotected), (6, 1), "{v:?}");
    assert!(v.is_intact(), "{v:?}");

    // Once the chain has begun, a store without the key, or with another, is refused.
    let e = plain.check_audit_key().await.unwrap_err();
    assert!(matches!(e, AuditChainError::KeyRequired { .. }), "{e}");
    let other = AuditKey::from_hex(&"a5".repeat(32), "test").unwrap();
    let e = plain
        .clone()
        .with_audit_key(other.clone())
        .check_audit_key()
        .await
        .unwrap_err();
    assert!(matches!(e, AuditChainError::WrongKey { .. }), "{e}");
    // The wrong key fails every chained row.
    assert_eq!(plain.verify_audit(&other).await.unwrap().problems.len(), 6);

    // The attacker edits one row's after_json.
    drop_append_only_triggers(url).await;
    let c2 = creation_row(&store, "C-2").await;
    raw(
        url,
        &format!(
            "UPDATE audit_log SET after_json = REPLACE(after_json, 'C-2', 'C-9') WHERE id = {}",
            c2.id
        ),
    )
    .await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(
        v.problems,
        vec![problem(&c2, AuditFault::Mismatch)],
        "{v:?}"
    );
    assert_eq!(v.head, None);
    assert_eq!((v.verified, v.unprotected), (5, 1));

    // ... removes another row: the next row's chain breaks, and it is named.
    let c3 = creation_row(&store, "C-3").await;
    let c4 = creation_row(&store, "C-4").await;
    raw(url, &format!("DELETE FROM audit_log WHERE id = {}", c3.id)).await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(
        v.problems,
        vec![
            problem(&c2, AuditFault::Mismatch),
            problem(&c4, AuditFault::Mismatch)
        ],
        "{v:?}"
    );

    // ... removes the last row: the head names a row that is gone.
    let all = store.audit(&AuditQuery::default()).await.unwrap();
    let (last, before_last) = (all[0].id, all[1].id);
    assert_eq!(all[0].action, "patient.update");
    raw(url, &format!("DELETE FROM audit_log WHERE id = {last}")).await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(
        v.head,
        Some(HeadProblem::NotLast {
            head_id: last,
            last_row: Some(before_last),
            head_row_exists: false
        })
    );
    // ... and sets the head back to the new last row: its MAC cannot be made without the key.
    let mac_of_new_last = raw_mac(url, before_last).await;
    raw(
        url,
        &format!(
            "UPDATE audit_chain_head SET last_id = {before_last}, last_mac = '{mac_of_new_last}'"
        ),
    )
    .await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(
        v.head,
        Some(HeadProblem::Mac {
            head_id: before_last
        })
    );
    // ... strips a row of its MAC to pass it off as written before the key.
    let c5 = creation_row(&store, "C-5").await;
    raw(
        url,
        &format!("UPDATE audit_log SET mac = NULL WHERE id = {}", c5.id),
    )
    .await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(v.problems[2], problem(&c5, AuditFault::NoMac), "{v:?}");
    assert_eq!(v.problems.len(), 3, "{v:?}");

    store.close().await;
}

/// The stored MAC of a row.
async fn raw_mac(url: &str, id: i64) -> String {
    use sqlx::Row;
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let r = sqlx::query("SELECT mac FROM audit_log WHERE id = $1")
        .bind(id)
        .fetch_one(&mut c)
        .await
        .unwrap();
    let mac: Option<String> = r.try_get("mac").unwrap();
    c.close().await.unwrap();
    mac.unwrap()
}

/// Concurrent audited changes.
const WRITERS: usize = 20;

both!(concurrent_writers_make_one_unbroken_chain);
async fn concurrent_writers_make_one_unbroken_chain(url: &str) {
    // Two stores (two pools, as two server processes) on one database.
    let a = Store::open(url).await.unwrap().with_audit_key(key());
    let b = Store::open(url).await.unwrap().with_audit_key(key());
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            store
                .create_patient(&Actor::system("test"), &patient(&format!("W-{i}")))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let v = a.verify_audit(&key()).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!((v.verified, v.unprotected), (WRITERS, 0));
    a.close().await;
    b.close().await;
}

/// python3 with its `sqlite3` and `hmac` modules, or `None` (with a note) when absent and not
/// required (`SIRTPLAN_REQUIRE_PEERS`).
fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args(["-c", "import hmac, hashlib, sqlite3, struct"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("python3");
    }
    assert!(
        std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
        "python3 is required (SIRTPLAN_REQUIRE_PEERS is set)"
    );
    eprintln!("note: python3 not found; the peer check of the audit MACs is skipped");
    None
}

/// The documented encoding, written again from its description with Python's standard library:
/// reads the SQLite database itself and recomputes each chained row's MAC and the head's.
const PEER: &str = r#"
import hashlib, hmac, sqlite3, struct, sys
key = bytes.fromhex(sys.argv[2])
db = sqlite3.connect(sys.argv[1])
def lp(s):
    b = s.encode("utf-8")
    return struct.pack(">Q", len(b)) + b
def opt(x, enc):
    return b"\x00" if x is None else b"\x01" + enc(x)
prev = bytes(32)
n = 0
last = None
for (id_, at, user_id, username, action, entity, entity_id, before, after, mac) in db.execute(
        "SELECT id, at, user_id, username, action, entity, entity_id, before_json, after_json, mac "
        "FROM audit_log WHERE mac IS NOT NULL ORDER BY id"):
    m = (lp("sirtplan audit v1") + prev + struct.pack(">q", id_) + lp(at)
         + opt(user_id, lambda u: struct.pack(">q", u))
         + lp(username) + lp(action) + lp(entity) + lp(entity_id)
         + opt(before, lp) + opt(after, lp))
    expected = hmac.new(key, m, hashlib.sha256).hexdigest()
    if expected != mac:
        print("mismatch", id_)
        sys.exit(1)
    prev = bytes.fromhex(mac)
    n += 1
    last = id_
(first_id, unprotected, last_id, last_mac, head_mac) = db.execute(
    "SELECT first_id, unprotected, last_id, last_mac, head_mac FROM audit_chain_head WHERE id = 1"
).fetchone()
# The genesis: the first chained row, and the rows without a MAC from id 1 up to it.
first = db.execute("SELECT MIN(id) FROM audit_log WHERE mac IS NOT NULL").fetchone()[0]
before = db.execute("SELECT COUNT(*) FROM audit_log WHERE mac IS NULL AND id >= 1 AND id < ?",
                    (first,)).fetchone()[0]
h = hmac.new(key, lp("sirtplan audit head v2") + struct.pack(">qqq", first_id, unprotected, last_id)
             + bytes.fromhex(last_mac), hashlib.sha256).hexdigest()
ok = (h == head_mac and last_id == last and last_mac == prev.hex() and first_id == first
      and unprotected == before)
print(n, "rows", "genesis", first_id, unprotected, "head", "ok" if ok else "bad")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_recomputes_every_mac_from_the_documented_encoding() {
    let Some(py) = python() else { return };
    let url = harness::sqlite_url("audit_peer");
    let sys = Actor::system("test");
    // One row before the key (id 1): the genesis counts it, the chain begins at row 2.
    let plain = Store::open(&url).await.unwrap();
    plain.create_patient(&sys, &patient("PY-0")).await.unwrap();
    let store = plain.with_audit_key(key());
    let user = store
        .create_user(
            &sys,
            &NewUser {
                username: "dr.peer".into(),
                display_name: "Dr « Peer » Ünïcode".into(),
                role: Role::Physician,
                password_hash: "$argon2id$v=19$test".into(),
            },
        )
        .await
        .unwrap();
    // A signed-in actor (user_id set), non-ASCII text, a creation (before NULL), a change.
    let dr = Actor::user(&user);
    let p = store.create_patient(&dr, &patient("PY-1")).await.unwrap();
    store
        .update_patient(
            &dr,
            p.id,
            &PatientChange {
                name: Some("Zoë d'Ärzte".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store.close().await;
    let path = sqlite_path(&url).unwrap();
    let out = Command::new(py)
        .args(["-c", PEER])
        .arg(&path)
        .arg("5a".repeat(32))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peer: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "3 rows genesis 2 1 head ok"
    );
    harness::remove_sqlite(&url);
}

#[test]
fn key_files_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = harness::temp_dir("audit_key");
    let path = dir.join("audit.key");
    let k = AuditKey::generate().unwrap();
    k.write_new_file(&path).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    // 64 hexadecimal digits and a newline.
    assert_eq!(meta.len(), 65);
    assert_eq!(AuditKey::from_file(&path).unwrap(), k);
    // Never over an existing file.
    let e = k.write_new_file(&path).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    // A key file others may read is refused, naming it and its mode.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = AuditKey::from_file(&path).unwrap_err().to_string();
    assert!(e.contains(&path.display().to_string()), "{e}");
    assert!(e.contains("mode 0644"), "{e}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert_eq!(AuditKey::from_file(&path).unwrap(), k);
    // Too short a key.
    let short = dir.join("short.key");
    std::fs::write(&short, "00".repeat(16)).unwrap();
    std::fs::set_permissions(&short, std::fs::Permissions::from_mode(0o600)).unwrap();
    let e = AuditKey::from_file(&short).unwrap_err().to_string();
    assert!(e.contains("found 16 bytes"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What an attacker with the database's password does to add a row: an explicit id, no MAC
/// (inserting is not refused by the append-only triggers).
async fn insert_unchained(url: &str, id: i64) {
    raw(
        url,
        &format!(
            "INSERT INTO audit_log (id, at, username, action, entity, entity_id, after_json) \
             VALUES ({id}, '2026-01-01T00:00:00.000Z', 'intruder', 'patient.create', 'patient', \
             '999', '{{\"mrn\":\"FAKE\"}}')"
        ),
    )
    .await;
}

/// A chained store with `unprotected` rows written before the key and `chained` after.
async fn chained_store(url: &str, unprotected: usize, chained: usize) -> Store {
    let plain = Store::open(url).await.unwrap();
    let sys = Actor::system("test");
    for i in 0..unprotected {
        plain
            .create_patient(&sys, &patient(&format!("U-{i}")))
            .await
            .unwrap();
    }
    let store = plain.with_audit_key(key());
    for i in 0..chained {
        store
            .create_patient(&sys, &patient(&format!("C-{i}")))
            .await
            .unwrap();
    }
    store
}

both!(a_row_with_an_id_below_one_is_named);
async fn a_row_with_an_id_below_one_is_named(url: &str) {
    let store = chained_store(url, 1, 2).await;
    // Both databases take an explicit id below the first one they give (1).
    insert_unchained(url, -1).await;
    insert_unchained(url, 0).await;
    // The audit API shows the rows ...
    let all = store.audit(&AuditQuery::default()).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all.iter().filter(|e| e.username == "intruder").count(), 2);
    // ... and the verification names them, the chain and its genesis intact.
    let v = store.verify_audit(&key()).await.unwrap();
    let forged = |id| AuditProblem {
        id,
        action: "patient.create".into(),
        at: "2026-01-01T00:00:00.000Z".into(),
        fault: AuditFault::IdOutOfRange,
    };
    assert_eq!(v.problems, vec![forged(-1), forged(0)], "{v:?}");
    assert_eq!(
        (v.verified, v.unprotected, v.head, v.genesis),
        (2, 1, None, None)
    );
    assert_eq!(AuditFault::IdOutOfRange.to_string(), "id-out-of-range");
    store.close().await;
}

both!(a_row_inserted_into_a_gap_before_the_chain_is_named);
async fn a_row_inserted_into_a_gap_before_the_chain_is_named(url: &str) {
    // One row before the key (id 1), then a gap in the ids (a rolled-back transaction on
    // PostgreSQL leaves one): the chain begins at row 11.
    let plain = Store::open(url).await.unwrap();
    let sys = Actor::system("test");
    plain.create_patient(&sys, &patient("U-0")).await.unwrap();
    let gap = if url.starts_with("sqlite") {
        "UPDATE sqlite_sequence SET seq = 10 WHERE name = 'audit_log'"
    } else {
        "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), 10)"
    };
    raw(url, gap).await;
    let store = plain.with_audit_key(key());
    store.create_patient(&sys, &patient("C-1")).await.unwrap();
    store.create_patient(&sys, &patient("C-2")).await.unwrap();
    let v = store.verify_audit(&key()).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(
        (v.verified, v.unprotected, v.first_chained),
        (2, 1, Some(11))
    );
    // The attacker fills the gap with a row without a MAC, to pass it off as written before
    // the key.
    insert_unchained(url, 5).await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(
        v.problems,
        vec![AuditProblem {
            id: 5,
            action: "patient.create".into(),
            at: "2026-01-01T00:00:00.000Z".into(),
            fault: AuditFault::BeforeChain,
        }],
        "{v:?}"
    );
    // The genesis counted 1 row before row 11; 2 are there now.
    assert_eq!(
        v.genesis,
        Some(GenesisMismatch {
            first_id: 11,
            counted: 1,
            found: 2
        })
    );
    assert_eq!((v.verified, v.unprotected, v.head), (2, 1, None));
    // ... and raises the genesis' count to match: the head's MAC no longer does.
    raw(url, "UPDATE audit_chain_head SET unprotected = 2").await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(v.head, Some(HeadProblem::Mac { head_id: 12 }), "{v:?}");
    store.close().await;
}

both!(a_chain_removed_with_its_head_reset_is_named);
async fn a_chain_removed_with_its_head_reset_is_named(url: &str) {
    let store = chained_store(url, 1, 3).await;
    drop_append_only_triggers(url).await;
    // The head alone set back to empty, as before the chain began: the chained rows remain.
    raw(
        url,
        "UPDATE audit_chain_head SET first_id = NULL, unprotected = NULL, last_id = NULL, \
         last_mac = NULL, head_mac = NULL",
    )
    .await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(
        v.head,
        Some(HeadProblem::Empty { last_row: Some(4) }),
        "{v:?}"
    );
    assert_eq!((v.verified, v.unprotected), (3, 1), "{v:?}");
    // Neither a store without the key nor one with it takes that database: a new chain is not
    // begun over the old one.
    let plain = Store::open(url).await.unwrap();
    let e = plain.check_audit_key().await.unwrap_err();
    assert!(
        matches!(
            e,
            AuditChainError::KeyRequired {
                first_id: 2,
                last_id: 4
            }
        ),
        "{e}"
    );
    let e = store.check_audit_key().await.unwrap_err();
    assert!(
        matches!(
            e,
            AuditChainError::HeadEmpty {
                first_id: 2,
                last_id: 4
            }
        ),
        "{e}"
    );
    let e = store
        .create_patient(&Actor::system("test"), &patient("AFTER"))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        StoreError::AuditHeadEmpty {
            first_id: 2,
            last_id: 4
        }
    );
    // Every chained row removed too: what is left looks like a log never chained, and the
    // empty head is named.
    raw(url, "DELETE FROM audit_log WHERE mac IS NOT NULL").await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(v.head, Some(HeadProblem::Empty { last_row: None }), "{v:?}");
    assert_eq!((v.verified, v.unprotected), (0, 1), "{v:?}");
    assert!(!v.is_intact());
    // The head's row removed: the same.
    raw(url, "DELETE FROM audit_chain_head").await;
    let v = store.verify_audit(&key()).await.unwrap();
    assert_eq!(v.head, Some(HeadProblem::Empty { last_row: None }), "{v:?}");
    plain.close().await;
    store.close().await;
}

both!(an_unkeyed_write_after_the_chain_began_is_refused);
async fn an_unkeyed_write_after_the_chain_began_is_refused(url: &str) {
    let store = chained_store(url, 0, 1).await;
    // A library caller that forgot the key (a store opened without it).
    let plain = Store::open(url).await.unwrap();
    let r = plain
        .create_patient(&Actor::system("test"), &patient("NOKEY"))
        .await;
    let e = r.unwrap_err();
    assert_eq!(e, StoreError::AuditKeyRequired { first_id: 1 });
    assert!(
        e.to_string()
            .starts_with("audit log: the chain began at row 1; an audit key is required"),
        "{e}"
    );
    // Nothing was written: no patient, no audit row; the chain still verifies.
    assert!(store.patient_by_mrn("NOKEY").await.unwrap().is_none());
    let v = store.verify_audit(&key()).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!((v.verified, v.unprotected), (1, 0));
    plain.close().await;
    store.close().await;
}

/// Undoes the latest migration (14: the PACS nodes table, then its record):
/// the database as the previous version of sirtplan left it.
const UNDO_LATEST_MIGRATION: &str = "DROP TABLE pacs_nodes; \
     DELETE FROM schema_migrations WHERE version = 14;";

async fn applied_versions(url: &str) -> Vec<i64> {
    use sqlx::Row;
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    rows.iter().map(|r| r.get::<i64, _>("version")).collect()
}

both!(open_existing_reads_only_a_current_schema);
async fn open_existing_reads_only_a_current_schema(url: &str) {
    let store = chained_store(url, 0, 2).await;
    store.close().await;
    // The current schema: opened, verified; a write through it is refused by the database.
    let ro = Store::open_existing(url).await.unwrap();
    let v = ro.verify_audit(&key()).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    let ro = ro.with_audit_key(key());
    let e = ro
        .create_patient(&Actor::system("test"), &patient("RO"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Database(_)), "{e}");
    ro.close().await;
    // One migration behind: refused naming the versions, nothing migrated.
    assert_eq!(Store::latest_schema_version(), 14);
    raw(url, UNDO_LATEST_MIGRATION).await;
    let e = Store::open_existing(url).await.unwrap_err();
    assert!(matches!(e, OpenError::SchemaNotCurrent { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("schema versions applied: 1 2 3 4 5 6 7 8 9 10 11 12 13; this sirtplan needs exactly 1 to 14 (missing: 14)"),
        "{text}"
    );
    assert_eq!(applied_versions(url).await, (1..=13).collect::<Vec<_>>());
    let v = Store::open(url).await.unwrap();
    assert_eq!(
        v.schema_versions().await.unwrap(),
        (1..=14).collect::<Vec<_>>()
    );
    v.close().await;
    if let Some(path) = sqlite_path(url) {
        // A missing file is not created.
        let missing = path.with_file_name("missing.db");
        let e = Store::open_existing(&format!("sqlite://{}?mode=rwc", missing.display()))
            .await
            .unwrap_err();
        assert!(matches!(e, OpenError::Connect { .. }), "{e}");
        assert!(!missing.exists());
    }
}

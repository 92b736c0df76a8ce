//! Files at rest: the SQLite database and its `-wal`/`-shm` files are mode 0600 whatever the
//! process's umask (the test process keeps the usual 022); a backup of a live database is a new
//! 0600 file that opens with every row, passes `verify-audit`, and that python3's `sqlite3`
//! module finds intact (`PRAGMA integrity_check`); PostgreSQL is sent to `pg_dump`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::panic,
    clippy::too_many_lines
)]

mod harness;

use sirt_store::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn companion(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn key() -> AuditKey {
    AuditKey::from_hex(&"5a".repeat(32), "test").unwrap()
}

fn patient(mrn: &str) -> NewPatient {
    NewPatient {
        mrn: mrn.into(),
        name: format!("Patient {mrn}"),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_sqlite_database_and_its_wal_files_are_private() {
    let url = harness::sqlite_url("modes");
    let db = sqlite_path(&url).unwrap();
    assert!(!db.exists());
    let store = Store::open(&url).await.unwrap();
    store
        .create_patient(&Actor::system("test"), &patient("M-1"))
        .await
        .unwrap();
    assert_eq!(mode(&db), 0o600);
    // WAL mode: both companion files exist while the database is open.
    for suffix in ["-wal", "-shm"] {
        let f = companion(&db, suffix);
        assert!(f.exists(), "{} missing", f.display());
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    store.close().await;
    // A database left world-readable (by an older version, a copy) is made private at open.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&url).await.unwrap();
    assert_eq!(mode(&db), 0o600);
    store.close().await;
    harness::remove_sqlite(&url);
}

/// python3 with its `sqlite3` module, or `None` (with a note) when absent and not required.
fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args(["-c", "import sqlite3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("python3");
    }
    assert!(
        std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
        "python3 is required (SIRTPLAN_REQUIRE_PEERS is set)"
    );
    eprintln!("note: python3 not found; the peer check of the backup is skipped");
    None
}

/// Patients and audit rows written while the backup runs.
const WRITERS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_live_database_restores_whole() {
    let url = harness::sqlite_url("backup");
    let store = Store::open(&url).await.unwrap().with_audit_key(key());
    let sys = Actor::system("test");
    for i in 0..5 {
        store
            .create_patient(&sys, &patient(&format!("B-{i}")))
            .await
            .unwrap();
    }
    let out = sqlite_path(&url).unwrap().with_file_name("backup.db");
    // A writer goes on during the backup: the copy is one consistent moment.
    let writer = {
        let s = store.clone();
        tokio::spawn(async move {
            for i in 0..WRITERS {
                s.create_patient(&Actor::system("test"), &patient(&format!("W-{i}")))
                    .await
                    .unwrap();
            }
        })
    };
    // The backup starts once the writer has written some (bounded wait: 10 s).
    for _ in 0..1000 {
        if store.search_patients("W-", 500).await.unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let bytes = store.backup_to(&url, &out).await.unwrap();
    writer.await.unwrap();
    assert_eq!(mode(&out), 0o600);
    assert_eq!(std::fs::metadata(&out).unwrap().len(), bytes);

    // Never over an existing file; the file is left as it was.
    let e = store.backup_to(&url, &out).await.unwrap_err().to_string();
    assert!(e.contains(&out.display().to_string()), "{e}");
    assert!(e.contains("already exists"), "{e}");
    assert_eq!(std::fs::metadata(&out).unwrap().len(), bytes);

    // The copy opens with the store: 5 patients at least, each with its creation row, and its
    // audit chain verifies (a torn copy would break it).
    let copy_url = format!("sqlite://{}", out.display());
    let copy = Store::open(&copy_url).await.unwrap();
    let patients = copy.search_patients("", 1000).await.unwrap();
    let audit = copy
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        (5 + 3..=5 + WRITERS).contains(&patients.len()),
        "{}",
        patients.len()
    );
    assert_eq!(audit.len(), patients.len());
    for i in 0..5 {
        assert!(patients.iter().any(|p| p.mrn == format!("B-{i}")));
    }
    let v = copy.verify_audit(&key()).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.verified, patients.len());
    copy.close().await;
    eprintln!(
        "backup: {bytes} bytes, {} of {} patients (the rest written after the snapshot)",
        patients.len(),
        5 + WRITERS
    );

    // The peer: SQLite's own integrity check, run by Python's sqlite3 module, and its count.
    if let Some(py) = python() {
        let script = "import sqlite3, sys\n\
                      db = sqlite3.connect(sys.argv[1])\n\
                      print(db.execute('PRAGMA integrity_check').fetchone()[0], \
                      db.execute('SELECT COUNT(*) FROM patients').fetchone()[0])";
        let o = Command::new(py)
            .args(["-c", script])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            format!("ok {}", patients.len())
        );
    }
    store.close().await;
    harness::remove_sqlite(&url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_refuses_a_missing_folder_and_leaves_nothing() {
    let url = harness::sqlite_url("backup_missing");
    let store = Store::open(&url).await.unwrap();
    let out = sqlite_path(&url)
        .unwrap()
        .with_file_name("no-such-folder")
        .join("b.db");
    let e = store.backup_to(&url, &out).await.unwrap_err().to_string();
    assert!(e.contains("cannot create it"), "{e}");
    assert!(!out.exists());
    store.close().await;
    harness::remove_sqlite(&url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_names_pg_dump() {
    let Some(url) = harness::postgres_url("backup_pg") else {
        return;
    };
    let store = Store::open(&url).await.unwrap();
    let out = harness::temp_dir("backup_pg").join("b.dump");
    let e = store.backup_to(&url, &out).await.unwrap_err().to_string();
    assert!(e.contains("pg_dump --format=custom"), "{e}");
    assert!(e.contains(&out.display().to_string()), "{e}");
    assert!(!out.exists());
    store.close().await;
}

//! `sirtplan admin` for files at rest and the tamper-evident audit log (issue 15), run as a
//! clinic would with the usual umask 022: the database made by `create-user` is mode 0600, the
//! server's data folders 0700; `create-audit-key` writes a 0600 key; `verify-audit` passes, then
//! names the row python3's `sqlite3` module changed behind the triggers' back and exits 2; a key
//! file others may read is refused naming it and its mode; `backup` writes a 0600 copy that
//! python3 finds intact and that verifies, and refuses an existing file and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "correct horse battery staple";

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sirtplan-admin-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `sirtplan ARGS` with umask 022 (the child inherits it: the binary must set its own), the
/// standard input `stdin`, without SIRTPLAN_AUDIT_KEY unless `env_key`.
fn sirtplan(args: &[&str], stdin: &str, env_key: Option<&str>) -> Output {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .env_remove("SIRTPLAN_AUDIT_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(k) = env_key {
        c.env("SIRTPLAN_AUDIT_KEY", k);
    }
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn create_user(db: &Path, name: &str, key_file: Option<&Path>) -> Output {
    let url = format!("sqlite://{}", db.display());
    let mut args = vec![
        "admin",
        "create-user",
        "--database",
        &url,
        "--username",
        name,
        "--role",
        "admin",
    ];
    let k;
    if let Some(f) = key_file {
        k = f.display().to_string();
        args.extend(["--audit-key-file", &k]);
    }
    sirtplan(&args, &format!("{PASSWORD}\n"), None)
}

#[test]
fn create_user_makes_a_private_database() {
    let d = dir("modes");
    let db = d.join("new.db");
    let o = create_user(&db, "ada", None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&db), 0o600);
    for suffix in ["-wal", "-shm"] {
        let f = PathBuf::from(format!("{}{suffix}", db.display()));
        if f.exists() {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }
    let _ = std::fs::remove_dir_all(&d);
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
    eprintln!("note: python3 not found; the peer steps are skipped");
    None
}

fn py(script: &str, db: &Path) -> String {
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(db)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

#[test]
fn the_audit_key_chain_is_verified_and_a_changed_row_named() {
    let d = dir("verify");
    let key = d.join("audit.key");
    let k = key.display().to_string();
    let o = sirtplan(&["admin", "create-audit-key", "--out", &k], "", None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&key), 0o600);
    // 32 bytes as 64 hexadecimal digits and a newline.
    let hex = std::fs::read_to_string(&key).unwrap();
    assert_eq!(hex.len(), 65);
    assert!(hex.trim().chars().all(|c| c.is_ascii_hexdigit()));
    // Never over an existing key.
    let o = sirtplan(&["admin", "create-audit-key", "--out", &k], "", None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), hex);

    let db = d.join("site.db");
    let url = format!("sqlite://{}", db.display());
    for name in ["ada", "bob", "cyd"] {
        let o = create_user(&db, name, Some(&key));
        assert!(o.status.success(), "{}", text(&o));
    }
    let verify = |env: Option<&str>| {
        let mut args = vec!["admin", "verify-audit", "--database", &url];
        if env.is_none() {
            args.extend(["--audit-key-file", &k]);
        }
        sirtplan(&args, "", env)
    };
    let o = verify(None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).starts_with("audit log intact: 3 rows verified; 0 earlier rows"),
        "{}",
        text(&o)
    );
    // The key from the environment.
    let o = verify(Some(hex.trim()));
    assert!(o.status.success(), "{}", text(&o));

    // Once the chain has begun, an account made without the key is refused.
    let o = create_user(&db, "eve", None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--audit-key-file"), "{}", text(&o));

    // A key file others may read is refused, naming it and its mode.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = verify(None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains(&format!("{k}: mode 0644")),
        "{}",
        text(&o)
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Someone with the database file drops the trigger and edits bob's row.
    let Some(_) = python() else { return };
    let (id, at) = {
        let row = py(
            "import sqlite3, sys\n\
             db = sqlite3.connect(sys.argv[1])\n\
             db.execute('DROP TRIGGER audit_log_no_update')\n\
             r = db.execute(\"SELECT id, at FROM audit_log WHERE entity_id = (SELECT CAST(id AS TEXT) FROM users WHERE username = 'bob')\").fetchone()\n\
             db.execute(\"UPDATE audit_log SET after_json = replace(after_json, 'admin', 'viewer') WHERE id = ?\", (r[0],))\n\
             db.commit()\n\
             print(r[0], r[1])",
            &db,
        );
        let (id, at) = row.split_once(' ').unwrap();
        (id.to_owned(), at.to_owned())
    };
    let o = verify(None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.trim(),
        format!(
            "row {id} (user.create, {at}): the MAC does not match: the row was changed, or the chained row before it removed"
        )
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("1 row fails the verification; 2 verified"),
        "{}",
        text(&o)
    );
    // ... inserts a row with an id below the first the database gives, and empties the head.
    py(
        "import sqlite3, sys\n\
         db = sqlite3.connect(sys.argv[1])\n\
         db.execute(\"INSERT INTO audit_log (id, at, username, action, entity, entity_id) VALUES (-1, '2026-01-01T00:00:00.000Z', 'x', 'user.create', 'user', '9')\")\n\
         db.execute('UPDATE audit_chain_head SET first_id = NULL, unprotected = NULL, last_id = NULL, last_mac = NULL, head_mac = NULL')\n\
         db.commit()",
        &db,
    );
    let o = verify(None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "row -1 (user.create, 2026-01-01T00:00:00.000Z): an id below 1, which the database never gives: inserted by hand"
    );
    assert_eq!(
        lines[2],
        "the chain's head is empty (last row with a MAC: 3): no row was ever written with this key, or the chain was removed and its head emptied behind the application's back"
    );
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("2 rows fail the verification, and so does the chain's head; 2 verified"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_backup_is_private_whole_and_never_overwrites() {
    let d = dir("backup");
    let key = d.join("audit.key");
    let k = key.display().to_string();
    assert!(
        sirtplan(&["admin", "create-audit-key", "--out", &k], "", None)
            .status
            .success()
    );
    let db = d.join("site.db");
    let url = format!("sqlite://{}", db.display());
    for name in ["ada", "bob"] {
        assert!(create_user(&db, name, Some(&key)).status.success());
    }
    let out = d.join("copy.db");
    let o = d.join("copy.db").display().to_string();
    let r = sirtplan(
        &["admin", "backup", "--database", &url, "--out", &o],
        "",
        None,
    );
    assert!(r.status.success(), "{}", text(&r));
    assert_eq!(mode(&out), 0o600);
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(
        text(&r).contains(&format!("({size} bytes, mode 0600)")),
        "{}",
        text(&r)
    );
    // Refused over an existing file, which stays as it was.
    let r = sirtplan(
        &["admin", "backup", "--database", &url, "--out", &o],
        "",
        None,
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r).contains(&format!("backup file {o}: it already exists")),
        "{}",
        text(&r)
    );
    assert_eq!(std::fs::metadata(&out).unwrap().len(), size);
    // The copy verifies under the key.
    let copy_url = format!("sqlite://{o}");
    let r = sirtplan(
        &[
            "admin",
            "verify-audit",
            "--database",
            &copy_url,
            "--audit-key-file",
            &k,
        ],
        "",
        None,
    );
    assert!(r.status.success(), "{}", text(&r));
    assert!(text(&r).contains("2 rows verified"), "{}", text(&r));
    // PostgreSQL: the pg_dump command, nothing written.
    let dump = d.join("pg.dump").display().to_string();
    let r = sirtplan(
        &[
            "admin",
            "backup",
            "--database",
            "postgres://u:secret@127.0.0.1:1/db",
            "--out",
            &dump,
        ],
        "",
        None,
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(text(&r).contains("pg_dump --format=custom"), "{}", text(&r));
    assert!(!text(&r).contains("secret"), "{}", text(&r));
    assert!(!Path::new(&dump).exists());
    // The peer: SQLite's integrity check by Python's sqlite3 module, and the two accounts.
    if python().is_some() {
        let got = py(
            "import sqlite3, sys\n\
             db = sqlite3.connect(sys.argv[1])\n\
             print(db.execute('PRAGMA integrity_check').fetchone()[0], \
             db.execute('SELECT COUNT(*) FROM users').fetchone()[0])",
            &out,
        );
        assert_eq!(got, "ok 2");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn serve_says_whether_the_audit_log_is_protected_and_keeps_its_folders_private() {
    let d = dir("serve");
    let db = format!("sqlite://{}", d.join("s.db").display());
    let data = d.join("data");
    let data_arg = data.display().to_string();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_sirtplan"))
        .args([
            "serve",
            "--database",
            &db,
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            &data_arg,
        ])
        .env_remove("SIRTPLAN_AUDIT_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next().unwrap().unwrap();
    let warning = lines.next().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        ready.starts_with("sirtplan serve: http://127.0.0.1:"),
        "{ready}"
    );
    assert!(
        warning.starts_with("WARNING: the audit log is NOT tamper-evident"),
        "{warning}"
    );
    for folder in [data.clone(), data.join("patients"), data.join("tmp")] {
        assert_eq!(mode(&folder), 0o700, "{}", folder.display());
    }
    assert_eq!(mode(&d.join("s.db")), 0o600);
    let _ = std::fs::remove_dir_all(&d);
}

/// Undoes the latest migration (14: the PACS nodes' table, then its record) with python3's
/// `sqlite3`: the database as the previous version of sirtplan left it. Prints the versions left.
const UNDO_LATEST_MIGRATION: &str = "import sqlite3, sys\n\
     db = sqlite3.connect(sys.argv[1])\n\
     db.executescript('DROP TABLE pacs_nodes; DELETE FROM schema_migrations WHERE version = 14;')\n\
     db.commit()\n\
     print(' '.join(str(r[0]) for r in db.execute('SELECT version FROM schema_migrations ORDER BY version')))";

const VERSIONS: &str = "import sqlite3, sys\n\
     db = sqlite3.connect(sys.argv[1])\n\
     print(' '.join(str(r[0]) for r in db.execute('SELECT version FROM schema_migrations ORDER BY version')))";

#[test]
fn verify_audit_never_migrates_an_older_database() {
    let Some(_) = python() else { return };
    let d = dir("older");
    let key = d.join("audit.key");
    let k = key.display().to_string();
    assert!(
        sirtplan(&["admin", "create-audit-key", "--out", &k], "", None)
            .status
            .success()
    );
    let db = d.join("old.db");
    let url = format!("sqlite://{}", db.display());
    assert!(create_user(&db, "ada", Some(&key)).status.success());
    let before = py(UNDO_LATEST_MIGRATION, &db);
    assert_eq!(before, "1 2 3 4 5 6 7 8 9 10 11 12 13");
    let o = sirtplan(
        &[
            "admin",
            "verify-audit",
            "--database",
            &url,
            "--audit-key-file",
            &k,
        ],
        "",
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("schema versions applied: 1 2 3 4 5 6 7 8 9 10 11 12 13; this sirtplan needs exactly 1 to 14 (missing: 14)"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("nothing was written"), "{}", text(&o));
    assert_eq!(py(VERSIONS, &db), before);
    let _ = std::fs::remove_dir_all(&d);
}

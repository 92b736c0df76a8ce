//! Test databases: a SQLite file in a fresh temporary folder, or a database of a throw-away
//! PostgreSQL cluster that this harness starts itself (once per test binary) when `initdb` is
//! found, and that a watchdog stops and removes when the test binary exits.
//!
//! Without PostgreSQL binaries the PostgreSQL tests print a skip note and pass, unless
//! `SIRTPLAN_REQUIRE_POSTGRES=1`, where they fail. `SIRTPLAN_PG_BIN` names the folder of
//! `initdb` and `pg_ctl` when they are elsewhere than `/usr/lib/postgresql/*/bin` or the PATH.
//! Recipe: shared/services.md (initdb refuses root: as root the cluster runs as `postgres`).
//!
//! Shared by the tests of sirt-store and sirt-server (`#[path]`).

#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh temporary folder (removed by the OS's temp cleaning; small).
pub fn temp_dir(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir =
        std::env::temp_dir().join(format!("sirtplan-test-{}-{}-{n}", std::process::id(), tag));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A URL of a new, empty SQLite database file.
pub fn sqlite_url(tag: &str) -> String {
    format!("sqlite://{}", temp_dir(tag).join("sirtplan.db").display())
}

/// Removes the folder of a SQLite test database (after a test that passed).
pub fn remove_sqlite(url: &str) {
    if let Some(dir) = url
        .strip_prefix("sqlite://")
        .and_then(|p| Path::new(p).parent())
        .filter(|d| d.starts_with(std::env::temp_dir()))
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A running throw-away cluster.
pub struct PgCluster {
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    data: PathBuf,
    log: PathBuf,
    opts: String,
}

static CLUSTER: OnceLock<Result<PgCluster, String>> = OnceLock::new();

fn find_bin() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("SIRTPLAN_PG_BIN") {
        return Some(PathBuf::from(d)).filter(|p| p.join("initdb").exists());
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some(p) = versions.pop() {
        return Some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Runs a PostgreSQL binary, as `postgres` when we are root.
fn pg_command(bin: &Path, tool: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

fn start() -> Result<PgCluster, String> {
    let bin = find_bin().ok_or("no PostgreSQL binaries (initdb) found")?;
    let as_postgres = is_root();
    if as_postgres
        && !Command::new("id")
            .args(["-u", "postgres"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    {
        return Err("running as root and there is no `postgres` user to run the cluster".into());
    }
    let base = temp_dir("pg");
    let data = base.join("data");
    let sock = base.join("sock");
    std::fs::create_dir_all(&sock).map_err(|e| e.to_string())?;
    if as_postgres {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&base)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return Err(format!("cannot chown {} to postgres", base.display()));
        }
    }
    let out = pg_command(&bin, "initdb", as_postgres)
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut last_err = String::new();
    for _ in 0..3 {
        let port = free_port();
        let opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400",
            sock.display()
        );
        let out = pg_command(&bin, "pg_ctl", as_postgres)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(base.join("server.log"))
            .args(["-w", "-o", &opts, "start"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if out.status.success() {
            watchdog(&bin, &data, &base, as_postgres);
            return Ok(PgCluster {
                bin,
                port,
                as_postgres,
                log: base.join("server.log"),
                data,
                opts,
            });
        }
        last_err = std::fs::read_to_string(base.join("server.log")).unwrap_or_default();
    }
    Err(format!("pg_ctl start failed: {last_err}"))
}

/// Stops the cluster and removes its folder once this test process has exited.
fn watchdog(bin: &Path, data: &Path, base: &Path, as_postgres: bool) {
    let runuser = if as_postgres {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
         {runuser}'{pg_ctl}' -D '{data}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{base}'",
        pid = std::process::id(),
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        base = base.display(),
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

fn require_postgres() -> bool {
    std::env::var("SIRTPLAN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A URL of a new, empty PostgreSQL database for `test`, or `None` (with a skip note) when no
/// cluster can be started here. Panics instead with `SIRTPLAN_REQUIRE_POSTGRES=1`.
pub fn postgres_url(test: &str) -> Option<String> {
    let cluster = CLUSTER.get_or_init(start);
    let c = match cluster {
        Ok(c) => c,
        Err(why) => {
            assert!(
                !require_postgres(),
                "SIRTPLAN_REQUIRE_POSTGRES=1 but PostgreSQL is not available: {why}"
            );
            eprintln!("note: PostgreSQL test {test} skipped: {why}");
            return None;
        }
    };
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name: String = format!("t{}_{}_{}", std::process::id(), n, test)
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() {
                ch.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let out = pg_command(&c.bin, "createdb", c.as_postgres)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &c.port.to_string(),
            "-U",
            "postgres",
            &name,
        ])
        .output()
        .expect("run createdb");
    assert!(
        out.status.success(),
        "createdb {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(format!("postgres://postgres@127.0.0.1:{}/{name}", c.port))
}

/// Stops this test binary's cluster as a restart does (`pg_ctl stop -m fast`: open connections
/// are cut and their transactions rolled back; committed data stays, which an immediate stop
/// would not guarantee with this cluster's `fsync=off`). Panics when no cluster runs.
pub fn stop_postgres() {
    let c = running();
    let out = pg_command(&c.bin, "pg_ctl", c.as_postgres)
        .arg("-D")
        .arg(&c.data)
        .args(["-m", "fast", "-w", "stop"])
        .output()
        .expect("run pg_ctl stop");
    assert!(
        out.status.success(),
        "pg_ctl stop: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts this test binary's cluster again on its port (after [`stop_postgres`]).
pub fn start_postgres() {
    let c = running();
    let out = pg_command(&c.bin, "pg_ctl", c.as_postgres)
        .arg("-D")
        .arg(&c.data)
        .arg("-l")
        .arg(&c.log)
        .args(["-w", "-o", &c.opts, "start"])
        .stdin(Stdio::null())
        .output()
        .expect("run pg_ctl start");
    assert!(
        out.status.success(),
        "pg_ctl start: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn running() -> &'static PgCluster {
    match CLUSTER.get() {
        Some(Ok(c)) => c,
        _ => panic!("no PostgreSQL cluster runs in this test binary"),
    }
}

/// Runs the same async test on a SQLite file and on a PostgreSQL database:
/// `both!(name)` makes `name::sqlite` and `name::postgres` from `async fn name(url: &str)`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let url = $crate::harness::sqlite_url(stringify!($name));
                super::$name(&url).await;
                $crate::harness::remove_sqlite(&url);
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(url) = $crate::harness::postgres_url(stringify!($name)) else {
                    return;
                };
                super::$name(&url).await;
            }
        }
    };
}

/// The frozen record a test approval carries (the server renders the real one): a report
/// naming the plan, at the instant of approval.
pub fn test_frozen(plan_id: i64) -> sirt_store::NewFrozen {
    sirt_store::NewFrozen {
        report_html: format!("<html><body>plan {plan_id} as approved (test)</body></html>"),
        report_pdf: None,
        approval_sha256: "0".repeat(64),
        approval_inputs_json: "{}".into(),
        engine_id: "test engine".into(),
        signed_at: sirt_store::now(),
    }
}

/// Approves a checked plan as the server does (`Store::sign_plan` with the frozen record,
/// [`test_frozen`]): the store has no other approval.
pub async fn approve(
    store: &sirt_store::Store,
    actor: &sirt_store::Actor,
    id: i64,
    row_version: i64,
) -> Result<sirt_store::Plan, sirt_store::StoreError> {
    store
        .sign_plan(
            actor,
            &actor.name,
            id,
            row_version,
            sirt_store::SignedStep::Approve,
            Some(&test_frozen(id)),
        )
        .await
}

/// The delivery addendum a test recording carries (the server renders the real one), rendered
/// now.
pub fn test_addendum(text: &str) -> sirt_store::NewAddendum {
    sirt_store::NewAddendum {
        report_html: format!("<html><body>delivery addendum (test): {text}</body></html>"),
        engine_id: "test engine".into(),
        rendered_at: sirt_store::now(),
    }
}

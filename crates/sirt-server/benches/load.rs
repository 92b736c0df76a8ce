//! A bounded load test: the server on a real listener (127.0.0.1, port chosen by the system)
//! over a temporary SQLite file, and 50 concurrent client sessions, each on its own keep-alive
//! HTTP/1.1 connection (a minimal client written here over `TcpStream`), each signing in (one
//! at a time: the login limits count checks in flight) and then, for 10 s, alternating `GET /api/plans/{id}`, `GET /api/cases/{id}` and
//! `PATCH /api/plans/{id}` (a TNR change).
//!
//! Two runs: (1) every session on its own imported demo case (no write conflicts expected), and
//! (2) every session on one shared plan (409 conflicts expected: the session re-reads the plan
//! and applies its change again; conflicts are counted apart). Any other status is an error;
//! the bench fails unless there are none. Also printed: the first page load (`GET /`) and
//! `GET /api/openapi.json` on a fresh connection, and the load average of the machine.
//!
//! Then, on PostgreSQL (a private cluster started by the bench, as the tests do; skipped when
//! none can be started): run 1 against one instance, and against two instances on one database,
//! each session's requests alternating between them; the throughputs and their ratio printed
//! (issue 17: "throughput at least that of one instance").
//!
//! `cargo bench -p sirt-server --bench load`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use serde_json::{Value, json};
use sirt_store::Role;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Concurrent client sessions (issue 6 follow-up: "50 concurrent sessions").
const SESSIONS: usize = 50;

/// How long each run lasts.
const RUN: Duration = Duration::from_secs(10);

/// The kinds of request measured (a `PATCH` answered 409 is counted apart: it is refused
/// before the recomputation).
const KINDS: [&str; 4] = ["GET plan", "GET case", "PATCH 200", "PATCH 409"];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Nearest-rank percentile.
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A response of the minimal client.
struct Resp {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One keep-alive HTTP/1.1 connection with a session cookie and CSRF token.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::new(),
            cookie: None,
            csrf: None,
        }
    }

    async fn request(&mut self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if let Some(c) = &self.cookie {
            head.push_str(&format!("Cookie: sirtplan_session={c}\r\n"));
        }
        if method != "GET"
            && let Some(t) = &self.csrf
        {
            head.push_str(&format!("X-CSRF-Token: {t}\r\n"));
        }
        let body = body.map(|v| v.to_string()).unwrap_or_default();
        if method != "GET" {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        head.push_str(&body);
        self.stream.write_all(head.as_bytes()).await.unwrap();
        self.read_response().await
    }

    async fn fill(&mut self) {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    async fn read_response(&mut self) -> Resp {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            self.fill().await;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let body = if let Some(len) = get("content-length") {
            let len: usize = len.parse().unwrap();
            while self.buf.len() < len {
                self.fill().await;
            }
            self.buf.drain(..len).collect()
        } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            let mut body = Vec::new();
            loop {
                let line_end = loop {
                    if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    self.fill().await;
                };
                let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
                let size =
                    usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
                self.buf.drain(..line_end + 2);
                while self.buf.len() < size + 2 {
                    self.fill().await;
                }
                body.extend(self.buf.drain(..size));
                self.buf.drain(..2);
                if size == 0 {
                    break body;
                }
            }
        } else {
            Vec::new()
        };
        Resp {
            status,
            body,
            headers,
        }
    }

    /// Signs in; keeps the cookie and the CSRF token.
    async fn login(&mut self, user: &str) {
        let r = self
            .request(
                "POST",
                "/api/login",
                Some(&json!({"username": user, "password": common::PASSWORD})),
            )
            .await;
        assert_eq!(r.status, 200, "login {user}");
        let set = r.header("set-cookie").unwrap();
        let cookie = set
            .strip_prefix("sirtplan_session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        self.csrf = Some(r.json()["csrf_token"].as_str().unwrap().to_owned());
        self.cookie = Some(cookie);
    }
}

/// What one session measured.
#[derive(Default)]
struct Tally {
    times: [Vec<Duration>; 4],
    conflicts: usize,
    errors: Vec<String>,
}

/// One session: sign in on the first server, then alternate the three requests until
/// `deadline`, each request on the next server in turn (one keep-alive connection to each,
/// the same session cookie: a session signed in on one instance is valid on the others).
async fn session(
    addrs: Vec<SocketAddr>,
    user: &'static str,
    plan_id: i64,
    case_id: i64,
    start: Arc<tokio::sync::Barrier>,
    login_gate: Arc<tokio::sync::Mutex<()>>,
    seed: usize,
) -> (Tally, Duration) {
    let mut clients = Vec::new();
    for &a in &addrs {
        clients.push(Client::connect(a).await);
    }
    // One sign-in at a time: the login limits count the password checks in flight as possible
    // failures (5 per username and address), and every session here signs in from 127.0.0.1
    // as one of two accounts; people sign in one after the other, not 25 at once.
    let gate = login_gate.lock().await;
    let t0 = Instant::now();
    clients[0].login(user).await;
    let login = t0.elapsed();
    drop(gate);
    let (cookie, csrf) = (clients[0].cookie.clone(), clients[0].csrf.clone());
    for c in &mut clients[1..] {
        c.cookie = cookie.clone();
        c.csrf = csrf.clone();
    }
    let servers = clients.len();
    let mut tally = Tally::default();
    let plan_path = format!("/api/plans/{plan_id}");
    let case_path = format!("/api/cases/{case_id}");
    let r = clients[servers - 1].request("GET", &plan_path, None).await;
    assert_eq!(
        r.status, 200,
        "the session of the first server on the last one"
    );
    let mut rv = r.json()["row_version"].as_i64().unwrap();
    start.wait().await;
    let deadline = Instant::now() + RUN;
    let mut i = seed;
    while Instant::now() < deadline {
        let kind = i % 3;
        let c = &mut clients[i % servers];
        i += 1;
        let t = Instant::now();
        match kind {
            0 => {
                let r = c.request("GET", &plan_path, None).await;
                tally.times[0].push(t.elapsed());
                if r.status == 200 {
                    rv = r.json()["row_version"].as_i64().unwrap_or(rv);
                } else {
                    tally.errors.push(format!("GET plan: {}", r.status));
                }
            }
            1 => {
                let r = c.request("GET", &case_path, None).await;
                tally.times[1].push(t.elapsed());
                if r.status != 200 {
                    tally.errors.push(format!("GET case: {}", r.status));
                }
            }
            _ => {
                let tnr = 2.0 + (i % 20) as f64 * 0.1;
                loop {
                    let t = Instant::now();
                    let body = json!({"row_version": rv,
                        "parameters": {"injections": {"R": {"tnr": {"T1": tnr}}}}});
                    let r = c.request("PATCH", &plan_path, Some(&body)).await;
                    let took = t.elapsed();
                    tally.times[if r.status == 409 { 3 } else { 2 }].push(took);
                    match r.status {
                        200 => {
                            rv = r.json()["row_version"].as_i64().unwrap();
                            break;
                        }
                        409 if r.json()["error"]["code"] == "conflict" => {
                            tally.conflicts += 1;
                            // Re-read and apply the change again.
                            let t = Instant::now();
                            let r = c.request("GET", &plan_path, None).await;
                            tally.times[0].push(t.elapsed());
                            if r.status != 200 {
                                tally.errors.push(format!("GET plan: {}", r.status));
                                break;
                            }
                            rv = r.json()["row_version"].as_i64().unwrap();
                            if Instant::now() >= deadline {
                                break;
                            }
                        }
                        s => {
                            tally.errors.push(format!(
                                "PATCH plan: {s} {}",
                                String::from_utf8_lossy(&r.body)
                                    .chars()
                                    .take(200)
                                    .collect::<String>()
                            ));
                            break;
                        }
                    }
                }
            }
        }
    }
    (tally, login)
}

/// What a run measured: unexpected errors, requests per second.
struct RunResult {
    errors: usize,
    throughput: f64,
}

/// Runs the sessions on `targets[(plan, case)]` (session `n` takes `targets[n % len]`), each
/// session's requests spread over the servers at `addrs`.
async fn run(addrs: &[SocketAddr], label: &str, targets: &[(i64, i64)]) -> RunResult {
    let barrier = Arc::new(tokio::sync::Barrier::new(SESSIONS));
    let login_gate = Arc::new(tokio::sync::Mutex::new(()));
    let mut tasks = Vec::new();
    for n in 0..SESSIONS {
        let (plan, case) = targets[n % targets.len()];
        let user = if n % 2 == 0 {
            common::username(Role::Physicist)
        } else {
            common::username(Role::Physician)
        };
        tasks.push(tokio::spawn(session(
            addrs.to_vec(),
            user,
            plan,
            case,
            barrier.clone(),
            login_gate.clone(),
            n,
        )));
    }
    let started = Instant::now();
    let mut all = Tally::default();
    let mut logins = Vec::new();
    for t in tasks {
        let (tally, login) = t.await.unwrap();
        logins.push(login);
        for k in 0..KINDS.len() {
            all.times[k].extend(tally.times[k].iter().copied());
        }
        all.conflicts += tally.conflicts;
        all.errors.extend(tally.errors);
    }
    let elapsed = started.elapsed();
    let total: usize = all.times.iter().map(Vec::len).sum();
    logins.sort();
    println!(
        "\n{label}: {SESSIONS} sessions, {:.1} s: {total} requests, {} unexpected errors, \
         {} conflicts (409, re-read and retried), {:.0} requests/s",
        elapsed.as_secs_f64(),
        all.errors.len(),
        all.conflicts,
        total as f64 / elapsed.as_secs_f64(),
    );
    println!(
        "  {:<11} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "request", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    println!(
        "  {:<11} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
        "login",
        logins.len(),
        ms(percentile(&logins, 50.0)),
        ms(percentile(&logins, 95.0)),
        ms(percentile(&logins, 99.0)),
        ms(logins.last().copied().unwrap_or_default()),
    );
    for (k, name) in KINDS.iter().enumerate() {
        let v = &mut all.times[k];
        v.sort();
        println!(
            "  {:<11} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            name,
            v.len(),
            ms(percentile(v, 50.0)),
            ms(percentile(v, 95.0)),
            ms(percentile(v, 99.0)),
            ms(v.last().copied().unwrap_or_default()),
        );
    }
    for e in all.errors.iter().take(10) {
        eprintln!("  error: {e}");
    }
    RunResult {
        errors: all.errors.len(),
        throughput: total as f64 / elapsed.as_secs_f64(),
    }
}

/// A server of `state` on a listener of 127.0.0.1 (port chosen by the system): its address.
async fn serve(state: sirt_server::AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sirt_server::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// `n` demo cases imported through the server at `addr`: (plan, case) each.
async fn demo_cases(addr: SocketAddr, n: usize) -> Vec<(i64, i64)> {
    let mut admin = Client::connect(addr).await;
    admin.login(common::username(Role::Physicist)).await;
    let mut own = Vec::new();
    for _ in 0..n {
        let r = admin.request("POST", "/api/demo/import", None).await;
        assert_eq!(r.status, 201);
        let j = r.json();
        own.push((
            j["plan"]["id"].as_i64().unwrap(),
            j["case"]["id"].as_i64().unwrap(),
        ));
    }
    own
}

/// Part 2 (issue 17, "Scale-out"): on PostgreSQL, the same sessions against one instance, then
/// against two instances (two application states, each with its own connection pool, on one
/// database and data folder: what two `sirtplan serve` processes share), each session's
/// requests alternating between the two; a fresh database for each. Unexpected errors are
/// returned; the throughputs are printed with their ratio. Skipped (with a note) when no
/// PostgreSQL cluster can be started here.
async fn postgres_instances() -> usize {
    let Some(one_url) = harness::postgres_url("load_one_instance") else {
        return 0;
    };
    let one = common::T::new(&one_url).await;
    let a = serve(one.state.clone()).await;
    println!(
        "\nPostgreSQL, one instance on {a}, load average before {}",
        loadavg()
    );
    let own = demo_cases(a, SESSIONS).await;
    let single = run(
        &[a],
        "PostgreSQL, one instance, a demo case per session",
        &own,
    )
    .await;
    one.store.close().await;

    let two_url = harness::postgres_url("load_two_instances").unwrap();
    let first = common::T::new(&two_url).await;
    let second_store = sirt_store::Store::open(&two_url).await.unwrap();
    let second = sirt_server::AppState::with_data_dir(
        second_store.clone(),
        false,
        sirt_server::LoginLimit::default(),
        first.data_dir.clone(),
    )
    .unwrap();
    let (a, b) = (serve(first.state.clone()).await, serve(second).await);
    println!(
        "\nPostgreSQL, two instances on {a} and {b}, load average before {}",
        loadavg()
    );
    let own = demo_cases(a, SESSIONS).await;
    let double = run(
        &[a, b],
        "PostgreSQL, two instances, a demo case per session, requests alternating",
        &own,
    )
    .await;
    println!(
        "\nthroughput, two instances against one, same run: {:.0} / {:.0} requests/s = {:.2} \
         (load average after {})",
        double.throughput,
        single.throughput,
        double.throughput / single.throughput,
        loadavg()
    );
    second_store.close().await;
    first.store.close().await;
    single.errors + double.errors
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let errors = rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("sirtplan-load-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("load.db").display());
        // The accounts (one per role, test-cost Argon2id hashes), then the server.
        let t = common::T::new(&url).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = t.app.clone();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        println!(
            "load test: server on {addr}, SQLite {}, {} CPUs, load average before {}",
            dir.display(),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            loadavg()
        );

        // First page load and the OpenAPI document, each on a fresh connection.
        for path in ["/", "/api/openapi.json"] {
            let t0 = Instant::now();
            let mut c = Client::connect(addr).await;
            let r = c.request("GET", path, None).await;
            let first = t0.elapsed();
            assert_eq!(r.status, 200, "{path}");
            let mut again = Vec::new();
            for _ in 0..100 {
                let t = Instant::now();
                let r = c.request("GET", path, None).await;
                again.push(t.elapsed());
                assert_eq!(r.status, 200);
            }
            again.sort();
            println!(
                "GET {path}: first load (connect + request) {:.2} ms, {} bytes; \
                 100 more on the connection p50 {:.3} ms, p99 {:.3} ms",
                ms(first),
                r.body.len(),
                ms(percentile(&again, 50.0)),
                ms(percentile(&again, 99.0)),
            );
        }

        // One demo case per session.
        let mut admin = Client::connect(addr).await;
        admin.login(common::username(Role::Physicist)).await;
        let mut own = Vec::new();
        for _ in 0..SESSIONS {
            let r = admin.request("POST", "/api/demo/import", None).await;
            assert_eq!(r.status, 201);
            let j = r.json();
            own.push((
                j["plan"]["id"].as_i64().unwrap(),
                j["case"]["id"].as_i64().unwrap(),
            ));
        }
        let mut errors = run(&[addr], "run 1, a demo case per session", &own)
            .await
            .errors;
        let shared = [own[0]];
        errors += run(&[addr], "run 2, one shared plan", &shared).await.errors;
        println!("\nload average after {}", loadavg());
        t.store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        errors + postgres_instances().await
    });
    assert_eq!(errors, 0, "unexpected errors");
}

//! The upload limits of issue 15 through the API, on SQLite and PostgreSQL (`both!`): the
//! zip of 128 zero-filled entries each just under the 8 MiB grace (about 1 MB zipped, 1 GiB
//! inflated), which wrote 864 MB before it was refused, is refused from its central directory
//! with (nearly) nothing written; a zip whose directory declares less than its entries inflate
//! to is stopped while writing; one upload per account at a time (429 with `Retry-After`),
//! while another account's upload proceeds, and the place comes back when an upload ends, is
//! refused, or its client goes away.
//!
//! The bytes written are measured by a thread that walks the data folder (staging included)
//! every millisecond during the request and keeps the largest total it saw.

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

use axum::http::{Method, StatusCode, header};
use common::{Resp, Session, T};
use serde_json::json;
use sirt_store::{AuditQuery, Role};
use std::io::{Cursor, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zip::write::SimpleFileOptions;

const MRN: &str = "SIRT-LIMITS-1";

/// The issue's figure: at most this many bytes written while the attack zip is refused.
const WRITTEN_MAX: u64 = 64 << 20;

/// One entry of the attack: 8 MiB - 1 KiB of zeros, under the grace of one entry.
const ATTACK_ENTRY: u64 = (8 << 20) - 1024;

/// Entries of the attack.
const ATTACK_ENTRIES: u64 = 128;

/// The phantom (generated once per test binary) for valid NIfTI uploads.
fn phantom() -> &'static sirt_phantom::Phantom {
    static P: OnceLock<sirt_phantom::Phantom> = OnceLock::new();
    P.get_or_init(|| sirt_phantom::generate(sirt_phantom::Preset::Small, 7).unwrap())
}

/// The phantom's CT as a gzip NIfTI file.
fn nifti() -> Vec<u8> {
    static N: OnceLock<Vec<u8>> = OnceLock::new();
    N.get_or_init(|| sirt_nifti::write(&phantom().ct, true).unwrap())
        .clone()
}

/// A zip of the entries, deflated at level 9.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, bytes) in entries {
        w.start_file(*name, o).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The attack of issue 15: 128 entries `CT/000.dcm` … of 8 MiB - 1 KiB zeros, one entry
/// deflated once and copied raw (each copy has its own data: no entries overlap).
fn attack_zip() -> Vec<u8> {
    static Z: OnceLock<Vec<u8>> = OnceLock::new();
    Z.get_or_init(|| {
        let one = zip_of(&[("zeros", vec![0u8; ATTACK_ENTRY as usize])]);
        let mut src = zip::ZipArchive::new(Cursor::new(one)).unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..ATTACK_ENTRIES {
            w.raw_copy_file_rename(src.by_index(0).unwrap(), format!("CT/{i:03}.dcm"))
                .unwrap();
        }
        w.finish().unwrap().into_inner()
    })
    .clone()
}

/// Sets the uncompressed size of entry `name` in the central directory (PKWARE APPNOTE
/// 6.3.10, 4.3.12: signature `PK\x01\x02`, uncompressed size at offset 24, file name length
/// at 28, file name at 46) and in its local header (4.3.7: `PK\x03\x04`, size at 22, name
/// length at 26, name at 30): a directory that lies.
fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for (sig, size_at, len_at, name_at) in
        [(b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)]
    {
        for i in 0..zip.len().saturating_sub(name_at) {
            if &zip[i..i + 4] != sig {
                continue;
            }
            let len = u16::from_le_bytes([zip[i + len_at], zip[i + len_at + 1]]) as usize;
            if zip.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
                zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
    }
    assert_eq!(patched, 2, "entry {name} not found once in each header");
}

/// The largest total size of the files under a folder seen while it is watched.
struct Watch {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

/// The total size of the files under a folder (0 when it does not exist; files that go while
/// it is walked are left out).
fn bytes_under(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

impl Watch {
    fn start(dir: &Path) -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (dir, s, p) = (dir.to_path_buf(), stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                p.fetch_max(bytes_under(&dir), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        Watch { stop, peak, thread }
    }

    /// Stops watching: the largest total seen, bytes.
    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap();
        self.peak.load(Ordering::SeqCst)
    }
}

async fn patient(t: &T, s: &Session, mrn: &str) -> i64 {
    let r = t
        .call(
            Some(s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": mrn, "name": "Upload Limits"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

async fn upload(t: &T, s: &Session, pid: i64, query: &str, ct: &str, body: Vec<u8>) -> Resp {
    t.call_raw(
        Some(s),
        Method::POST,
        &format!("/api/patients/{pid}/studies{query}"),
        Some(ct),
        body,
    )
    .await
}

/// Uploads the phantom's CT as NIfTI under `name`.
async fn upload_nifti(t: &T, s: &Session, pid: i64, name: &str) -> Resp {
    let q = format!("?filename={name}&modality=CT");
    upload(t, s, pid, &q, "application/gzip", nifti()).await
}

/// Every file under a folder (none when it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

async fn audit_count(t: &T) -> usize {
    t.store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

/// A refused upload left nothing: no file in the data folder, no study row, no audit row.
async fn assert_nothing_written(t: &T, pid: i64, audit_before: usize) {
    assert_eq!(files_under(&t.data_dir), Vec::<PathBuf>::new());
    assert!(t.store.studies(pid).await.unwrap().is_empty());
    assert_eq!(audit_count(t).await, audit_before);
}

both!(the_issue_15_zip_is_refused_having_written_less_than_64_mb);
async fn the_issue_15_zip_is_refused_having_written_less_than_64_mb(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    let z = attack_zip();
    // About 1 MB for 1 GiB of zeros.
    assert!(z.len() < 1_500_000, "{} bytes", z.len());
    let watch = Watch::start(&t.data_dir);
    let q = "?filename=attack.zip";
    let r = upload(&t, &phys, pid, q, "application/zip", z.clone()).await;
    let peak = watch.stop();
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "zip_bomb");
    // Hand figures: 128 × 8 387 584 = 1 073 610 752 bytes declared; allowed: 200 × the
    // archive's size + one grace of 8 388 608 bytes.
    assert_eq!(ATTACK_ENTRIES * ATTACK_ENTRY, 1_073_610_752);
    let allowed = 200 * z.len() as u64 + 8_388_608;
    for figure in [
        "zip archive `attack.zip`".to_owned(),
        "declares 1073610752 bytes uncompressed in all".to_owned(),
        format!("more than the {allowed} bytes allowed"),
        format!("an archive of {} bytes", z.len()),
        format!("entry `CT/{:03}.dcm`", allowed / ATTACK_ENTRY),
        "before anything was written".to_owned(),
    ] {
        assert!(r.message().contains(&figure), "{figure}: {}", r.message());
    }
    // The body itself (about 1 MB) is all that was written.
    assert!(peak < WRITTEN_MAX, "{peak} bytes written");
    assert!(peak <= z.len() as u64, "{peak} bytes written");
    eprintln!(
        "issue 15 zip ({} bytes, {} bytes declared): refused, at most {peak} bytes seen under \
         the data folder during the request",
        z.len(),
        ATTACK_ENTRIES * ATTACK_ENTRY
    );
    assert_nothing_written(&t, pid, before).await;
    // The refused upload gave the account's place back: its next upload proceeds.
    let r = upload_nifti(&t, &phys, pid, "after.nii.gz").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

both!(a_directory_that_declares_less_is_stopped_while_writing);
async fn a_directory_that_declares_less_is_stopped_while_writing(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    // 48 MiB of zeros in three entries, each declared as 1 KiB: 3 KiB in all, within the
    // allowance and the grace; each inflates to 16 MiB.
    let mut z = zip_of(&[
        ("CT/1.dcm", vec![0u8; 16 << 20]),
        ("CT/2.dcm", vec![0u8; 16 << 20]),
        ("CT/3.dcm", vec![0u8; 16 << 20]),
    ]);
    for name in ["CT/1.dcm", "CT/2.dcm", "CT/3.dcm"] {
        lie_about_size(&mut z, name, 1024);
    }
    let allowed = 200 * z.len() as u64 + 8_388_608;
    let watch = Watch::start(&t.data_dir);
    let r = upload(&t, &phys, pid, "", "application/zip", z.clone()).await;
    let peak = watch.stop();
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "zip_bomb");
    for figure in [
        "the uploaded zip archive, entry `CT/1.dcm`",
        "inflates past the 1024 bytes its central directory declares",
        "while inflating",
    ] {
        assert!(r.message().contains(figure), "{figure}: {}", r.message());
    }
    // Stopped at its first chunk: the body and nothing of the entry.
    assert!(peak <= allowed, "{peak} bytes written, {allowed} allowed");
    assert!(peak < z.len() as u64 + 1024, "{peak} bytes written");
    eprintln!(
        "lying directory ({} bytes zipped, 3 KiB declared, 48 MiB inflating): refused, at most \
         {peak} bytes seen under the data folder (allowance {allowed})",
        z.len()
    );
    assert_nothing_written(&t, pid, before).await;
}

/// Waits (at most a minute) until `cond` holds.
async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..12_000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("waited a minute for {what}");
}

/// Sends an upload over TCP: the head and the first `sent` bytes of `body`; the rest is the
/// caller's to send.
async fn start_upload(
    addr: SocketAddr,
    s: &Session,
    pid: i64,
    query: &str,
    body: &[u8],
    sent: usize,
) -> tokio::net::TcpStream {
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/patients/{pid}/studies{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Cookie: sirtplan_session={}\r\nx-csrf-token: {}\r\n\
         Content-Type: application/gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        s.cookie,
        s.csrf,
        body.len()
    );
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(&body[..sent]).await.unwrap();
    c.flush().await.unwrap();
    c
}

/// Sends the rest of the body and reads the answer's status line.
async fn finish_upload(mut c: tokio::net::TcpStream, rest: &[u8]) -> String {
    c.write_all(rest).await.unwrap();
    c.flush().await.unwrap();
    let mut answer = Vec::new();
    c.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().unwrap_or_default().to_owned()
}

/// One test at a time holds an upload open: with the two slots of the whole process
/// (`UPLOAD_SLOTS`), two held at once would leave no slot for the other accounts' uploads.
static HOLDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

both!(one_upload_per_account_at_a_time_while_other_accounts_proceed);
async fn one_upload_per_account_at_a_time_while_other_accounts_proceed(url: &str) {
    let _holding = HOLDING.lock().await;
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let tech = t.login(Role::Technologist).await;
    let pid = patient(&t, &phys, MRN).await;
    let body = nifti();
    let half = body.len() / 2;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = t.app.clone();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let places = t.state.uploads_in_flight.clone();

    // The physicist's first upload: half its body sent, then held.
    let q = "?filename=first.nii.gz&modality=CT";
    let held = start_upload(addr, &phys, pid, q, &body, half).await;
    wait_until("the first upload", || places.in_flight(phys.user_id) == 1).await;
    // The same account again: refused at once.
    let r = upload_nifti(&t, &phys, pid, "second.nii.gz").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.code(), "upload_in_progress");
    assert_eq!(r.headers[header::RETRY_AFTER], "30");
    assert!(
        r.message()
            .contains("an upload by this account is in progress: at most 1 upload at a time"),
        "{}",
        r.message()
    );
    // Another account's upload proceeds to its end while the first is held.
    let r = upload_nifti(&t, &tech, pid, "other.nii.gz").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(places.in_flight(phys.user_id), 1);
    assert_eq!(places.in_flight(tech.user_id), 0);
    // The held one finishes; its place comes back.
    let status = finish_upload(held, &body[half..]).await;
    assert_eq!(status, "HTTP/1.1 201 Created");
    wait_until("the place back", || places.in_flight(phys.user_id) == 0).await;
    let r = upload_nifti(&t, &phys, pid, "third.nii.gz").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // A client that goes away halfway gives its place back.
    let q = "?filename=gone.nii.gz&modality=CT";
    let held = start_upload(addr, &phys, pid, q, &body, half).await;
    wait_until("the upload that goes", || {
        places.in_flight(phys.user_id) == 1
    })
    .await;
    drop(held);
    wait_until("its place back", || places.in_flight(phys.user_id) == 0).await;
    let names: Vec<String> = t
        .store
        .studies(pid)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| s.description)
        .collect();
    assert_eq!(
        names.len(),
        3,
        "first, other and third stored, not second nor gone: {names:?}"
    );
    for n in ["first.nii.gz", "other.nii.gz", "third.nii.gz"] {
        assert!(names.iter().any(|d| d == n), "{n} in {names:?}");
    }
    server.abort();
}

//! The receiver into the web application's store from the command line, both ways a site
//! runs it: `sirtplan serve --dimse-port PORT` and `sirtplan receive --database URL --data
//! DIR`. dcmtk's `storescu` sends the small phantom's CT (Patient ID SIRT-PHANTOM-1, name
//! Phantom^SIRT) to a store that holds that patient ("SIRT Phantom"): the store then holds one
//! study of that patient whose CT series has as many images as files were sent (counted by
//! dcmtk's `dcmdump`, not by sirtplan). The lines printed are a snapshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod scratch;

use scratch::Scratch;
use sirt_store::{Actor, NewPatient, Store};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const PATIENT_ID: &str = "SIRT-PHANTOM-1";

/// Whether dcmtk is here (else: fails under SIRTPLAN_REQUIRE_PEERS=1, skipped otherwise).
fn dcmtk_here() -> bool {
    let here = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if here("storescu") && here("dcmdump") {
        return true;
    }
    let message = "dcmtk's storescu and dcmdump are needed (Debian package dcmtk)";
    assert!(!sirt_pacs::testing::peers_required(), "{message}");
    eprintln!("skipped: {message}");
    false
}

/// The small phantom's CT files (seed 1) written into `dir`.
fn phantom_ct(dir: &Path) -> Vec<PathBuf> {
    let p = sirt_phantom::generate(sirt_phantom::Preset::Small, 1).unwrap();
    sirt_planning::phantom_dicom::files(&p)
        .unwrap()
        .into_iter()
        .filter(|(name, _)| name.starts_with("dicom/ct/"))
        .map(|(name, bytes)| {
            let path = dir.join(name.rsplit('/').next().unwrap());
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A database holding the phantom's patient.
fn store_with_patient(url: &str) {
    runtime().block_on(async {
        let store = Store::open(url).await.unwrap();
        store
            .create_patient(
                &Actor::system("test"),
                &NewPatient {
                    mrn: PATIENT_ID.into(),
                    name: "SIRT Phantom".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        store.close().await;
    });
}

/// The CT series stored for the patient: (images, modality).
fn stored_series(url: &str) -> Vec<(i64, String)> {
    runtime().block_on(async {
        let store = Store::open(url).await.unwrap();
        let patient = store.patient_by_mrn(PATIENT_ID).await.unwrap().unwrap();
        let series = store.series_of_patient(patient.id).await.unwrap();
        store.close().await;
        series.into_iter().map(|s| (s.images, s.modality)).collect()
    })
}

/// Stops the child (SIGTERM) and waits for it when dropped, a failing test's too.
struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// The child's lines, read on a thread.
fn lines_of(child: &mut Child) -> Receiver<String> {
    let (tx, rx) = channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Lines until one starts with `prefix` (at most a minute).
fn until(rx: &Receiver<String>, prefix: &str, seen: &mut Vec<String>) {
    let started = Instant::now();
    while !seen.iter().any(|l| l.starts_with(prefix)) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no `{prefix}` line: {seen:#?}"
        );
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(l);
        }
    }
}

/// Runs `sirtplan ARGS` (a receiver into the store at `url`, DIMSE port `port`), sends the CT
/// with storescu, and returns the lines it printed (ports and folders replaced).
fn receive_with(args: &[String], url: &str, port: u16, dirs: &[&Path]) -> String {
    let src = Scratch::new("sirtplan-cli-test", &format!("store-src-{port}"));
    let sent = phantom_ct(&src);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let stop = Stop(child);
    let mut seen = Vec::new();
    until(&rx, "DIMSE receiver: SIRTPLAN on 127.0.0.1:", &mut seen);
    let store = Command::new("storescu")
        .args([
            "-aet",
            "DCMTK",
            "-aec",
            "SIRTPLAN",
            "+sd",
            "+r",
            "127.0.0.1",
        ])
        .arg(port.to_string())
        .arg(src.as_ref() as &Path)
        .output()
        .unwrap();
    assert!(store.status.success(), "{store:?}");
    until(&rx, "stored from DCMTK", &mut seen);
    drop(stop);
    // dcmtk counts the files sent, one image each.
    let dumped = Command::new("dcmdump")
        .args(["-q", "+P", "SOPInstanceUID"])
        .args(&sent)
        .output()
        .unwrap();
    let sent_images = String::from_utf8_lossy(&dumped.stdout)
        .lines()
        .filter(|l| l.starts_with("(0008,0018) UI [") && l.contains("SOPInstanceUID"))
        .count();
    assert_eq!(sent_images, sent.len());
    assert_eq!(
        stored_series(url),
        vec![(sent_images as i64, "CT".to_owned())]
    );
    let mut text = String::new();
    for l in seen {
        // The senders' ports vary: the part after the address, cut.
        let l = l.replace(&format!("127.0.0.1:{port}"), "127.0.0.1:PORT");
        let l = match l.split_once(" (127.0.0.1:") {
            Some((a, b)) => format!("{a} (127.0.0.1:…){}", b.split_once(')').map_or("", |x| x.1)),
            None => l,
        };
        text.push_str(&l);
        text.push('\n');
    }
    for d in dirs {
        text = text.replace(&d.display().to_string(), "<dir>");
    }
    text
}

#[test]
fn serve_with_a_dimse_port_stores_received_series_under_their_patient() {
    if !dcmtk_here() {
        return;
    }
    let dir = Scratch::new("sirtplan-cli-test", "serve-dimse");
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    store_with_patient(&url);
    let port = sirt_pacs::testing::free_port().unwrap();
    let args: Vec<String> = [
        "serve",
        "--database",
        &url,
        "--data-dir",
        &dir.join("data").display().to_string(),
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "0",
        "--dimse-port",
        &port.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let text = receive_with(&args, &url, port, &[&dir]);
    // The server's own ready line names a port chosen at start: left out.
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("sirtplan serve:") && !l.starts_with("audit"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("serve_dimse", text);
}

#[test]
fn receive_into_the_store() {
    if !dcmtk_here() {
        return;
    }
    let dir = Scratch::new("sirtplan-cli-test", "receive-store");
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    store_with_patient(&url);
    let port = sirt_pacs::testing::free_port().unwrap();
    let args: Vec<String> = [
        "receive",
        "--database",
        &url,
        "--data",
        &dir.join("data").display().to_string(),
        "--port",
        &port.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    insta::assert_snapshot!("receive_store", receive_with(&args, &url, port, &[&dir]));
}

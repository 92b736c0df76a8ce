//! The DIMSE C-STORE receiver into the store (`sirt_server::dimse`, what `serve --dimse-port`
//! and `receive --database` run), on SQLite and PostgreSQL (`both!`), with dcmtk's `storescu`
//! as the sender and dcmtk's `dcmdump` as the independent reader of what was sent and stored.
//!
//! - The small phantom's CT, written as DICOM of patient `SIRT-DIMSE-1` (DOE^JANE, born
//!   1961-04-02), sent by `storescu`: the API lists one CT series under that patient with as
//!   many images as files were sent, dims = dcmdump's Columns × Rows × files, the Series
//!   Instance UID dcmdump reads; the stored files hold exactly the SOP Instance UIDs dcmdump
//!   reads from the sent ones; the audit log names the calling AE title and address. Sent
//!   again: not stored twice.
//! - Jane's CT labelled with Richard Roe's MRN (name and birth date disagree), and a CT of an
//!   MRN the store does not hold: every object refused with 0124H (storescu's log), nothing
//!   stored, the mismatch audited on Richard's record.
//! - A corrupt data set refused with C000H; an association aborted after one accepted object
//!   leaves nothing stored.

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
use common::{Session, T};
use dicom_dictionary_std::{tags, uids};
use serde_json::{Value, json};
use sirt_dicom::write::{CivilDateTime, SeriesInfo, StudyInfo, write_ct_series};
use sirt_pacs::dimse::message::{
    self, Assembler, C_STORE_RQ, DATA_SET_PRESENT, Field, Incoming, PRIORITY_MEDIUM,
    STATUS_CANNOT_UNDERSTAND, STATUS_NOT_AUTHORIZED, STATUS_SUCCESS,
};
use sirt_pacs::testing::TempDir;
use sirt_pacs::{AeTitle, Timeouts};
use sirt_server::dimse::{DimseConfig, Received, Reporter};
use sirt_store::{AuditQuery, Role};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::{Receiver as Events, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const JANE: &str = "SIRT-DIMSE-1";
const RICHARD: &str = "SIRT-DIMSE-2";
const UNKNOWN: &str = "SIRT-DIMSE-9";

/// Whether dcmtk's sender and reader are here; without them the test fails when
/// SIRTPLAN_REQUIRE_PEERS=1 (CI), else it is skipped with a message.
fn dcmtk_here() -> bool {
    let missing: Vec<&str> = ["storescu", "dcmdump"]
        .into_iter()
        .filter(|tool| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "dcmtk tools missing: {} (Debian package dcmtk)",
        missing.join(", ")
    );
    assert!(!sirt_pacs::testing::peers_required(), "{message}");
    eprintln!("skipped: {message}");
    false
}

/// The small phantom (generated once per test binary).
fn phantom() -> &'static sirt_phantom::Phantom {
    static P: OnceLock<sirt_phantom::Phantom> = OnceLock::new();
    P.get_or_init(|| sirt_phantom::generate(sirt_phantom::Preset::Small, 7).unwrap())
}

/// The phantom's CT as DICOM files of a patient, written into `dir`.
fn ct_into(dir: &Path, patient_id: &str, name: &str, birth: &str) -> Vec<PathBuf> {
    let day0 = CivilDateTime::new(2025, 1, 15, 9, 0, 0.0).unwrap();
    let mut study = StudyInfo::new(name, patient_id, day0);
    study.patient_birth_date = Some(birth.into());
    study.description = Some("SIRT work-up (phantom)".into());
    let ct = write_ct_series(
        &phantom().ct,
        &study,
        &SeriesInfo::new(2, "CT (phantom)", day0),
    )
    .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    ct.objects
        .into_iter()
        .map(|o| {
            let p = dir.join(&o.file_name);
            std::fs::write(&p, &o.bytes).unwrap();
            p
        })
        .collect()
}

/// The values of one attribute in files, as dcmtk's `dcmdump` reads them.
fn dcmdump(files: &[PathBuf], keyword: &str) -> Vec<String> {
    let out = Command::new("dcmdump")
        .arg("-q")
        .args(["+P", keyword])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let value = l.split_once('[').map_or_else(
                || l.split_whitespace().nth(2).unwrap_or_default(),
                |(_, rest)| rest.split(']').next().unwrap_or_default(),
            );
            (!value.is_empty()).then(|| value.to_owned())
        })
        .collect()
}

/// The receiver on a free port of 127.0.0.1 (AE title SIRTPLAN), telling into a channel.
fn start(t: &T) -> (u16, Events<Received>) {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let reporter = Reporter(Arc::new(move |r: Received| {
        let _ = tx.lock().unwrap().send(r);
    }));
    let config = DimseConfig {
        aet: AeTitle::new("SIRTPLAN").unwrap(),
        address: "127.0.0.1:0".into(),
        max_associations: 4,
        timeouts: Timeouts {
            request: Duration::from_secs(20),
            ..Timeouts::default()
        },
        reporter,
    };
    let address = sirt_server::dimse::start(&t.state, &config).unwrap();
    let first = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        first,
        Received::Listening {
            aet: "SIRTPLAN".into(),
            address
        }
    );
    (address.port(), rx)
}

/// What the receiver told until `done` says enough (at most a minute).
async fn told_until(rx: &Events<Received>, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    let started = Instant::now();
    let mut all = Vec::new();
    while !done(&all) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "receiver still busy: {all:#?}"
        );
        match rx.try_recv() {
            Ok(r) => all.push(r),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    all
}

/// Whether the association's end and its outcome were told: a study stored or not.
fn stored_or_not(all: &[Received]) -> bool {
    all.iter()
        .any(|r| matches!(r, Received::Stored { .. } | Received::NotStored { .. }))
}

/// Whether an association ended (after its objects were refused, say).
fn released(all: &[Received]) -> bool {
    all.iter().any(|r| {
        matches!(
            r,
            Received::Event(sirt_pacs::dimse::ReceiverEvent::Released { .. })
                | Received::Event(sirt_pacs::dimse::ReceiverEvent::Failed { .. })
        )
    })
}

/// `storescu` of a folder (calling AE title DCMTK; `--no-halt`: on after a refusal, as a
/// PACS forwarding a study goes on): whether it exited 0, and its log.
async fn storescu(port: u16, dir: &Path) -> (bool, String) {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = Command::new("storescu")
            .args([
                "-v",
                "--no-halt",
                "-aet",
                "DCMTK",
                "-aec",
                "SIRTPLAN",
                "+sd",
                "+r",
            ])
            .arg("127.0.0.1")
            .arg(port.to_string())
            .arg(&dir)
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })
    .await
    .unwrap()
}

async fn new_patient(t: &T, s: &Session, mrn: &str, name: &str, birth: &str) -> i64 {
    let r = t
        .call(
            Some(s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": mrn, "name": name, "birth_date": birth})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

async fn studies(t: &T, s: &Session, patient: i64) -> Vec<Value> {
    let r = t
        .call(
            Some(s),
            Method::GET,
            &format!("/api/patients/{patient}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["studies"].as_array().unwrap().clone()
}

/// Every file under a folder.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

both!(storescu_sends_a_ct_that_lands_under_its_patient);
async fn storescu_sends_a_ct_that_lands_under_its_patient(url: &str) {
    if !dcmtk_here() {
        return;
    }
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let jane = new_patient(&t, &s, JANE, "Jane Doe", "1961-04-02").await;
    let src = TempDir::new("dimse-ct").unwrap();
    let sent = ct_into(src.path(), JANE, "DOE^JANE", "19610402");
    let (port, rx) = start(&t);

    let (ok, log) = storescu(port, src.path()).await;
    assert!(ok, "{log}");
    let told = told_until(&rx, stored_or_not).await;
    let Some(Received::Stored {
        calling,
        patient_id,
        study_id,
        series,
        instances,
        ..
    }) = told.iter().find(|r| matches!(r, Received::Stored { .. }))
    else {
        panic!("not stored: {told:#?}");
    };
    assert_eq!(
        (calling.as_str(), *patient_id, *series, *instances),
        ("DCMTK", jane, 1, sent.len())
    );

    // The API lists it under Jane, as an upload: dcmtk's reading of the sent files.
    let listed = studies(&t, &s, jane).await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["id"].as_i64().unwrap(), *study_id);
    let ser = listed[0]["series"].as_array().unwrap();
    assert_eq!(ser.len(), 1, "{ser:#?}");
    let series_uids: BTreeSet<String> = dcmdump(&sent, "SeriesInstanceUID").into_iter().collect();
    assert_eq!(series_uids.len(), 1);
    assert_eq!(
        ser[0]["series_instance_uid"].as_str().unwrap(),
        series_uids.first().unwrap()
    );
    assert_eq!(ser[0]["modality"], "CT");
    assert_eq!(ser[0]["images"].as_u64().unwrap() as usize, sent.len());
    let columns: BTreeSet<String> = dcmdump(&sent, "Columns").into_iter().collect();
    let rows: BTreeSet<String> = dcmdump(&sent, "Rows").into_iter().collect();
    assert_eq!((columns.len(), rows.len()), (1, 1));
    let dims: Vec<u64> = ser[0]["dims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(
        dims,
        vec![
            columns.first().unwrap().parse().unwrap(),
            rows.first().unwrap().parse().unwrap(),
            sent.len() as u64
        ]
    );
    assert!(
        listed[0]["description"]
            .as_str()
            .unwrap()
            .contains("DICOM from «DCMTK»"),
        "{}",
        listed[0]
    );

    // The planning workbench of a case of Jane offers it for its roles.
    let dr = t.login(Role::Physician).await;
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/patients/{jane}/cases"),
            Some(json!({"title": "Received", "indication": "HCC"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let case = r.json["id"].as_i64().unwrap();
    let w = t
        .call(
            Some(&dr),
            Method::GET,
            &format!("/api/cases/{case}/workbench"),
            None,
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    let offered = w.json["series"].as_array().unwrap();
    assert!(
        offered.iter().any(|o| o["modality"] == "CT"
            && o["id"] == ser[0]["id"]
            && o["images"] == ser[0]["images"]),
        "{offered:#?}"
    );

    // The stored files: exactly the SOP Instance UIDs sent, read by dcmtk on both sides.
    let folder = t
        .data_dir
        .join("patients")
        .join(jane.to_string())
        .join(ser[0]["path"].as_str().unwrap());
    let stored = files_under(&folder);
    let sent_uids: BTreeSet<String> = dcmdump(&sent, "SOPInstanceUID").into_iter().collect();
    let stored_uids: BTreeSet<String> = dcmdump(&stored, "SOPInstanceUID").into_iter().collect();
    assert_eq!(sent_uids.len(), sent.len());
    assert_eq!(stored_uids, sent_uids);

    // Audited: the study as an upload by the sender, and the exchange.
    let audit = t
        .store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let upload = audit
        .iter()
        .find(|r| r.action == "study.upload")
        .expect("study.upload");
    assert!(
        upload.username.starts_with("DIMSE DCMTK from 127.0.0.1:"),
        "{}",
        upload.username
    );
    let receive = audit
        .iter()
        .find(|r| r.action == "pacs.receive")
        .expect("pacs.receive");
    let after = receive.after.as_ref().unwrap();
    assert_eq!(receive.entity_id, jane.to_string());
    assert_eq!(after["calling_aet"], "DCMTK");
    assert!(after["peer"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert_eq!(after["outcome"], "stored");
    assert_eq!(after["instances"].as_u64().unwrap() as usize, sent.len());

    // Sent again: the series is not stored twice.
    let (ok, log) = storescu(port, src.path()).await;
    assert!(ok, "{log}");
    let told = told_until(&rx, stored_or_not).await;
    assert!(
        told.iter().any(
            |r| matches!(r, Received::NotStored { reason, .. } if reason.contains("already stored"))
        ),
        "{told:#?}"
    );
    assert_eq!(studies(&t, &s, jane).await.len(), 1);
    // Nothing left in the staging folders (removed once the outcome is told).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let staged = files_under(&t.data_dir.join("tmp"));
    assert!(staged.is_empty(), "{staged:?}");
}

both!(a_mismatching_or_unknown_patient_is_refused);
async fn a_mismatching_or_unknown_patient_is_refused(url: &str) {
    if !dcmtk_here() {
        return;
    }
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let richard = new_patient(&t, &s, RICHARD, "Richard Roe", "1950-01-01").await;
    let (port, rx) = start(&t);

    // Jane's images under Richard's MRN: each refused, not authorized.
    let src = TempDir::new("dimse-mixup").unwrap();
    let sent = ct_into(src.path(), RICHARD, "DOE^JANE", "19610402");
    let (_, log) = storescu(port, src.path()).await;
    // dcmtk names no C-STORE meaning for the general status 0124H (PS3.7 Annex C).
    let refusals = log
        .matches("Received Store Response (Unknown Status: 0x124)")
        .count();
    assert_eq!(refusals, sent.len(), "{log}");
    let told = told_until(&rx, released).await;
    let refused: Vec<(u16, String)> = told
        .iter()
        .filter_map(|r| match r {
            Received::Event(sirt_pacs::dimse::ReceiverEvent::Refused {
                status, reason, ..
            }) => Some((*status, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), sent.len(), "{told:#?}");
    assert!(
        refused
            .iter()
            .all(|(status, reason)| *status == STATUS_NOT_AUTHORIZED
                && reason == "Patient's Name differs from the record of patient SIRT-DIMSE-2")
    );
    assert!(studies(&t, &s, richard).await.is_empty());

    // An MRN the store does not hold.
    let src = TempDir::new("dimse-unknown").unwrap();
    let sent = ct_into(src.path(), UNKNOWN, "DOE^JANE", "19610402");
    let (_, log) = storescu(port, src.path()).await;
    let refusals = log
        .matches("Received Store Response (Unknown Status: 0x124)")
        .count();
    assert_eq!(refusals, sent.len(), "{log}");
    let told = told_until(&rx, released).await;
    assert!(
        told.iter().all(|r| !matches!(r, Received::Event(sirt_pacs::dimse::ReceiverEvent::Refused { reason, .. }) if reason != "no patient with Patient ID SIRT-DIMSE-9 here")),
        "{told:#?}"
    );
    assert!(!told.iter().any(|r| matches!(
        r,
        Received::Event(sirt_pacs::dimse::ReceiverEvent::Stored { .. })
    )));

    // The mix-up audited on Richard's record (once for the association).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let audit = t
        .store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let rows: Vec<_> = audit
        .iter()
        .filter(|r| r.action == "pacs.receive")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let after = rows[0].after.as_ref().unwrap();
    assert_eq!(rows[0].entity_id, richard.to_string());
    assert_eq!(after["outcome"], "refused");
    assert_eq!(after["calling_aet"], "DCMTK");
    assert_eq!(after["instances"].as_u64().unwrap() as usize, sent.len());
    assert!(!audit.iter().any(|r| r.action == "study.upload"));
    let staged = files_under(&t.data_dir.join("tmp"));
    assert!(staged.is_empty(), "{staged:?}");
}

/// One C-STORE of `data` on an open association; the response's status.
fn c_store(
    assoc: &mut dicom_ul::ClientAssociation<std::net::TcpStream>,
    class: &str,
    instance: &str,
    data: &[u8],
) -> u16 {
    let ctx = assoc.presentation_contexts()[0].id;
    let cmd = message::encode_command(&[
        Field::Uid(tags::AFFECTED_SOP_CLASS_UID, class),
        Field::U16(tags::COMMAND_FIELD, C_STORE_RQ),
        Field::U16(tags::MESSAGE_ID, 1),
        Field::U16(tags::PRIORITY, PRIORITY_MEDIUM),
        Field::U16(tags::COMMAND_DATA_SET_TYPE, DATA_SET_PRESENT),
        Field::Uid(tags::AFFECTED_SOP_INSTANCE_UID, instance),
    ])
    .unwrap();
    let max = assoc.acceptor_max_pdu_length();
    for pdu in message::fragments(ctx, &cmd, Some(data), max) {
        assoc.send(&pdu).unwrap();
    }
    let mut asm = Assembler::default();
    loop {
        if let Some(Incoming::Message(m)) = asm.pop() {
            return message::u16_of(&m.command, tags::STATUS).unwrap();
        }
        asm.feed(assoc.receive().unwrap()).unwrap();
    }
}

both!(a_corrupt_object_or_a_partial_association_stores_nothing);
async fn a_corrupt_object_or_a_partial_association_stores_nothing(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let jane = new_patient(&t, &s, JANE, "Jane Doe", "1961-04-02").await;
    let (port, rx) = start(&t);
    let src = TempDir::new("dimse-partial").unwrap();
    let sent = ct_into(src.path(), JANE, "DOE^JANE", "19610402");
    let meta = sirt_pacs::files::read_meta(&sent[0]).unwrap();
    assert_eq!(meta.transfer_syntax, uids::EXPLICIT_VR_LITTLE_ENDIAN);
    let bytes = std::fs::read(&sent[0]).unwrap();
    let data = bytes[meta.dataset_offset..].to_vec();
    let (class, instance) = (meta.sop_class_uid.clone(), meta.sop_instance_uid.clone());
    let statuses = tokio::task::spawn_blocking(move || {
        let mut assoc = dicom_ul::ClientAssociationOptions::new()
            .calling_ae_title("PARTIAL")
            .called_ae_title("SIRTPLAN")
            .with_presentation_context(class.clone(), vec![uids::EXPLICIT_VR_LITTLE_ENDIAN.into()])
            .establish_with(&format!("127.0.0.1:{port}"))
            .unwrap();
        // Cut in the middle of its pixel data: not a valid data set.
        let cut = c_store(&mut assoc, &class, &instance, &data[..data.len() / 2]);
        let good = c_store(&mut assoc, &class, &instance, &data);
        // Then the sender goes away without releasing.
        assoc.abort().unwrap();
        (cut, good)
    })
    .await
    .unwrap();
    assert_eq!(statuses, (STATUS_CANNOT_UNDERSTAND, STATUS_SUCCESS));
    let told = told_until(&rx, released).await;
    let failed = told
        .iter()
        .find_map(|r| match r {
            Received::Event(sirt_pacs::dimse::ReceiverEvent::Failed { reason, .. }) => {
                Some(reason.clone())
            }
            _ => None,
        })
        .unwrap();
    assert!(
        failed.contains("the 1 object(s) it brought were discarded"),
        "{failed}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(studies(&t, &s, jane).await.is_empty());
    let staged = files_under(&t.data_dir.join("tmp"));
    assert!(staged.is_empty(), "{staged:?}");
    let patients = t.data_dir.join("patients").join(jane.to_string());
    assert!(!patients.exists() || files_under(&patients).is_empty());
}

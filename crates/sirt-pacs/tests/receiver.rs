//! The receiver (C-ECHO and C-STORE SCP) against dcmtk's `echoscu`, `storescu` and `findscu`,
//! and a corrupt or mismatched object refused with its DIMSE failure status. The receiver binds
//! 127.0.0.1 only: no network namespace needed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod common;

use common::{instance_uids, phantom_files};
use dicom_dictionary_std::tags;
use sirt_pacs::dimse::message::{STATUS_CANNOT_UNDERSTAND, STATUS_DATASET_MISMATCH};
use sirt_pacs::dimse::{DimseClient, Receiver, ReceiverConfig, ReceiverEvent};
use sirt_pacs::testing::{self, TempDir};
use sirt_pacs::transfer::outgoing;
use sirt_pacs::{AeTitle, DimseNode, Timeouts};
use std::process::Command;
use std::sync::mpsc::{Receiver as Events, channel};
use std::time::Duration;

/// Starts a receiver (AE title SIRTPLAN) on a free port writing into `out`.
fn start(out: &std::path::Path) -> (u16, Events<ReceiverEvent>) {
    let config = ReceiverConfig {
        aet: AeTitle::new("SIRTPLAN").unwrap(),
        out: out.to_owned(),
        timeouts: Timeouts {
            request: Duration::from_secs(10),
            ..Timeouts::default()
        },
        max_associations: 4,
        storage: sirt_pacs::dimse::Storage::Folder,
    };
    let r = Receiver::bind("127.0.0.1:0", config).unwrap();
    let port = r.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || r.serve(&tx));
    (port, rx)
}

fn dcmtk(tool: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(tool).args(args).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn events(rx: &Events<ReceiverEvent>) -> Vec<ReceiverEvent> {
    std::thread::sleep(Duration::from_millis(200));
    rx.try_iter().collect()
}

#[test]
fn dcmtk_against_the_receiver() {
    if let Some(missing) = testing::peers_missing(&["echoscu", "storescu", "findscu"]) {
        assert!(!testing::peers_required(), "{missing}");
        eprintln!("skipped: {missing}");
        return;
    }
    let dir = TempDir::new("received").unwrap();
    let (port, rx) = start(dir.path());
    let p = port.to_string();

    let (ok, log) = dcmtk(
        "echoscu",
        &["-aet", "DCMTK", "-aec", "SIRTPLAN", "127.0.0.1", &p],
    );
    assert!(ok, "{log}");
    assert!(events(&rx).contains(&ReceiverEvent::Echo {
        calling: "DCMTK".into()
    }));

    // Another called AE title: the association is rejected (PS3.8 §7.1.1.9).
    let (ok, log) = dcmtk("echoscu", &["-aec", "OTHER", "127.0.0.1", &p]);
    assert!(!ok, "{log}");
    assert!(
        log.contains("Rejected") || log.contains("rejected"),
        "{log}"
    );

    // storescu of the whole phantom: every instance written, byte-identical pixel data.
    let src = TempDir::new("phantom").unwrap();
    let files = phantom_files(src.path());
    let (ok, log) = dcmtk(
        "storescu",
        &[
            "-R",
            "-aet",
            "DCMTK",
            "-aec",
            "SIRTPLAN",
            "+sd",
            "+r",
            "127.0.0.1",
            &p,
            &src.path().to_string_lossy(),
        ],
    );
    assert!(ok, "{log}");
    let got = common::all_files(dir.path());
    assert_eq!(instance_uids(&got), instance_uids(&files));
    let stored = events(&rx)
        .into_iter()
        .filter(|e| matches!(e, ReceiverEvent::Stored { .. }))
        .count();
    assert_eq!(stored, files.len());
    let pix = |p: &std::path::Path| {
        dicom_object::open_file(p)
            .unwrap()
            .element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .to_vec()
    };
    for f in files
        .iter()
        .filter(|f| f.to_string_lossy().contains("/ct/"))
    {
        let uid = common::attr(f, tags::SOP_INSTANCE_UID);
        let series = common::attr(f, tags::SERIES_INSTANCE_UID);
        assert_eq!(
            pix(f),
            pix(&dir.path().join(series).join(format!("{uid}.dcm")))
        );
    }

    // findscu: the receiver offers no query service; refused at negotiation, and it still
    // answers afterwards.
    let (ok, log) = dcmtk(
        "findscu",
        &[
            "-S",
            "-aec",
            "SIRTPLAN",
            "-k",
            "QueryRetrieveLevel=STUDY",
            "127.0.0.1",
            &p,
        ],
    );
    assert!(!ok, "{log}");
    assert!(
        log.contains("No Acceptable Presentation Contexts") || log.contains("presentation context"),
        "{log}"
    );
    let (ok, log) = dcmtk("echoscu", &["-aec", "SIRTPLAN", "127.0.0.1", &p]);
    assert!(ok, "{log}");
}

/// A Part 10 file made of `meta_class` in the meta information and `data` as the data set.
fn file_with(
    dir: &std::path::Path,
    meta_class: &str,
    instance: &str,
    data: &[u8],
) -> std::path::PathBuf {
    let meta = dicom_object::FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(meta_class)
        .media_storage_sop_instance_uid(instance)
        .transfer_syntax(dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .build()
        .unwrap();
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICM");
    meta.write(&mut bytes).unwrap();
    bytes.extend_from_slice(data);
    let path = dir.join(format!("{instance}.dcm"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn corrupt_and_mismatched_objects_are_refused() {
    let dir = TempDir::new("received").unwrap();
    let (port, rx) = start(dir.path());
    let src = TempDir::new("phantom").unwrap();
    let files = phantom_files(src.path());
    let ct = files
        .iter()
        .find(|f| f.to_string_lossy().contains("/ct/"))
        .unwrap();
    let meta = sirt_pacs::files::read_meta(ct).unwrap();
    let bytes = std::fs::read(ct).unwrap();
    let data = &bytes[meta.dataset_offset..];
    let bad = TempDir::new("bad").unwrap();
    // The data set cut in the middle of its pixel data: not a valid data set.
    let cut = file_with(
        bad.path(),
        &meta.sop_class_uid,
        "1.2.826.0.1.3680043.10.999.1",
        &data[..data.len() / 2],
    );
    // A CT data set announced as an NM image: does not match its SOP class.
    let nm = dicom_dictionary_std::uids::NUCLEAR_MEDICINE_IMAGE_STORAGE;
    let mismatch = file_with(bad.path(), nm, &meta.sop_instance_uid, data);
    let node = DimseNode::parse(
        &format!("SIRTPLAN@127.0.0.1:{port}"),
        AeTitle::new("TEST").unwrap(),
    )
    .unwrap();
    let client = DimseClient::new(node, Timeouts::default());
    let (send, _) = outgoing(&[cut, mismatch, ct.clone()]).unwrap();
    let outcome = client.push(&send, &mut |_| {}).unwrap();
    assert_eq!(outcome.stored, vec![meta.sop_instance_uid.clone()]);
    let statuses: Vec<Option<u16>> = outcome.refused.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            Some(STATUS_CANNOT_UNDERSTAND),
            Some(STATUS_DATASET_MISMATCH)
        ]
    );
    assert!(
        outcome.refused[0]
            .reason
            .starts_with("error: cannot understand: data set: element (7FE0,0010) declares"),
        "{:?}",
        outcome.refused
    );
    let refused: Vec<u16> = events(&rx)
        .into_iter()
        .filter_map(|e| match e {
            ReceiverEvent::Refused { status, .. } => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(
        refused,
        vec![STATUS_CANNOT_UNDERSTAND, STATUS_DATASET_MISMATCH]
    );
    // Only the good object is in the folder: nothing of the refused ones.
    assert_eq!(common::all_files(dir.path()).len(), 1);
}

/// Accepts every object but the one whose SOP Instance UID it names.
struct RefuseOne(String);

impl sirt_pacs::dimse::ObjectCheck for RefuseOne {
    fn check(
        &self,
        _: sirt_pacs::dimse::Origin<'_>,
        object: &dicom_object::InMemDicomObject,
    ) -> Result<(), sirt_pacs::dimse::Refusal> {
        let uid = object
            .element(tags::SOP_INSTANCE_UID)
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches('\0')
            .to_owned();
        if uid == self.0 {
            return Err(sirt_pacs::dimse::Refusal {
                status: 0x0124,
                reason: "refused by the check".into(),
            });
        }
        Ok(())
    }
}

#[test]
fn batches_are_checked_bounded_and_handed_over_on_release() {
    let dir = TempDir::new("batches").unwrap();
    let src = TempDir::new("phantom").unwrap();
    let cts: Vec<std::path::PathBuf> = phantom_files(src.path())
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("/ct/"))
        .take(4)
        .collect();
    let refused_uid = common::attr(&cts[1], tags::SOP_INSTANCE_UID);
    let config = ReceiverConfig {
        aet: AeTitle::new("SIRTPLAN").unwrap(),
        out: dir.path().to_owned(),
        timeouts: Timeouts::default(),
        max_associations: 2,
        storage: sirt_pacs::dimse::Storage::Batches {
            check: std::sync::Arc::new(RefuseOne(refused_uid)),
            limits: sirt_pacs::dimse::BatchLimits {
                instances: 2,
                bytes: u64::MAX,
            },
        },
    };
    let r = Receiver::bind("127.0.0.1:0", config).unwrap();
    let port = r.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || r.serve(&tx));
    let node = DimseNode::parse(
        &format!("SIRTPLAN@127.0.0.1:{port}"),
        AeTitle::new("TEST").unwrap(),
    )
    .unwrap();
    let (send, _) = outgoing(&cts).unwrap();
    let outcome = DimseClient::new(node, Timeouts::default())
        .push(&send, &mut |_| {})
        .unwrap();
    // Sent in file order: the first accepted, the second refused by the check (its status as
    // given), the third accepted, the fourth past the limit of 2 (out of resources).
    assert_eq!(outcome.stored.len(), 2);
    let statuses: Vec<Option<u16>> = outcome.refused.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![Some(0x0124), Some(0xA700)], "{outcome:?}");
    let ended = events(&rx)
        .into_iter()
        .find_map(|e| match e {
            ReceiverEvent::Ended {
                folder, instances, ..
            } => Some((folder, instances)),
            _ => None,
        })
        .unwrap();
    let (folder, instances) = ended;
    assert_eq!(instances, 2);
    let folder = folder.unwrap();
    assert!(folder.starts_with(dir.path()));
    assert_eq!(instance_uids(&common::all_files(&folder)).len(), 2);
}

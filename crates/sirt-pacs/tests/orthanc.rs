//! Against a real Orthanc 1.10 with its DICOMweb plugin (Debian `orthanc`, `orthanc-dicomweb`),
//! started by each test in a private network namespace: push the phantom by STOW-RS and by
//! C-STORE, find its series with their modalities (compared with the files' own attributes and
//! with Orthanc's REST `/series`), pull by WADO-RS and by C-GET (every SOP Instance UID back),
//! push an RT Dose (Orthanc lists an RTDOSE series), a STOW-RS of a non-DICOM body reported
//! with its reason.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod common;

use common::{
    PATIENT_ID, instance_uids, orthanc_series, phantom_files, rt_dose_file, run_here,
    series_modalities,
};
use sirt_pacs::dimse::DimseClient;
use sirt_pacs::testing::{Orthanc, TempDir};
use sirt_pacs::transfer::outgoing;
use sirt_pacs::web::WebClient;
use sirt_pacs::{AeTitle, DimseNode, Progress, PullSelector, Query, Timeouts, WebNode};
use std::collections::BTreeSet;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Series and modalities of a find, as a set.
fn found_series(studies: &[sirt_pacs::StudyHit]) -> BTreeSet<(String, String)> {
    studies
        .iter()
        .flat_map(|s| s.series.iter())
        .map(|s| (s.series_uid.clone(), s.modality.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn dicomweb_round_trip() {
    if !run_here("dicomweb_round_trip", &[]) {
        return;
    }
    let orthanc = Orthanc::start().unwrap();
    let src = TempDir::new("phantom").unwrap();
    let files = phantom_files(src.path());
    let rt = runtime();
    let client = WebClient::new(
        WebNode::parse(&orthanc.dicomweb_url()).unwrap(),
        Timeouts::default(),
    );
    rt.block_on(client.echo()).unwrap();

    // STOW-RS of every phantom file: each stored, none refused.
    let (send, skipped) = outgoing(&[src.path().to_owned()]).unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(send.len(), files.len());
    let mut last = Progress::default();
    let pushed = rt.block_on(client.push(&send, &mut |p| last = p)).unwrap();
    assert!(pushed.refused.is_empty(), "{:?}", pushed.refused);
    assert_eq!(
        pushed.stored.iter().cloned().collect::<BTreeSet<_>>(),
        instance_uids(&files)
    );
    assert_eq!(last.instances, files.len());

    // QIDO-RS: the series and modalities the files carry, and those Orthanc's REST API lists.
    let q = Query {
        patient_id: Some(PATIENT_ID.into()),
        ..Query::default()
    };
    let studies = rt.block_on(client.find(&q)).unwrap();
    assert_eq!(studies.len(), 1);
    assert_eq!(found_series(&studies), series_modalities(&files));
    assert_eq!(found_series(&studies), orthanc_series(&orthanc));
    let modalities: BTreeSet<String> = found_series(&studies).into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        modalities,
        ["CT", "NM", "PT", "RTSTRUCT", "SEG"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    // Modality filter: only the NM series.
    let nm = rt
        .block_on(client.find(&Query {
            modality: Some("NM".into()),
            ..q.clone()
        }))
        .unwrap();
    assert!(
        nm[0]
            .series
            .iter()
            .all(|s| s.modality.as_deref() == Some("NM"))
    );
    assert_eq!(nm[0].series.len(), 1);

    // WADO-RS of the patient: every instance back, scan reads the folder.
    let dest = TempDir::new("pulled").unwrap();
    let mut last = Progress::default();
    let got = rt
        .block_on(client.pull(
            &PullSelector::Patient(PATIENT_ID.into()),
            dest.path(),
            &mut |p| last = p,
        ))
        .unwrap();
    assert_eq!(instance_uids(&got), instance_uids(&files));
    assert_eq!(last.instances, files.len());
    assert_eq!(
        common::all_files(dest.path()).len(),
        files.len(),
        "no temporary file left"
    );
    let scan = sirt_dicom::scan(dest.path());
    assert!(scan.skipped.is_empty(), "{:?}", scan.skipped);
    assert_eq!(
        scan.studies.iter().map(|s| s.series.len()).sum::<usize>(),
        6
    );

    // One series by its UID: only its instances.
    let ct_series = files
        .iter()
        .find(|f| f.to_string_lossy().contains("/ct/"))
        .unwrap();
    let ct_uid = common::attr(ct_series, dicom_dictionary_std::tags::SERIES_INSTANCE_UID);
    let dest_ct = TempDir::new("pulled-ct").unwrap();
    let got = rt
        .block_on(client.pull(&PullSelector::Series(ct_uid), dest_ct.path(), &mut |_| {}))
        .unwrap();
    let ct_files: Vec<_> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("/ct/"))
        .cloned()
        .collect();
    assert_eq!(instance_uids(&got), instance_uids(&ct_files));
    // The series folder reads as the CT it was: same grid, same HU.
    let folder: Vec<_> = got.iter().map(|f| f.parent().unwrap().to_owned()).collect();
    assert!(
        folder.iter().all(|f| f == &folder[0]),
        "one folder per series"
    );
    let pulled = sirt_dicom::load_image_series(&got).unwrap();
    let original = sirt_dicom::load_image_series(&ct_files).unwrap();
    assert_eq!(pulled.grid(), original.grid());
    assert_eq!(pulled.data(), original.data());

    // The "Done when": pushing an RT Dose makes Orthanc list an RTDOSE series.
    let dose_dir = TempDir::new("dose").unwrap();
    let dose = rt_dose_file(dose_dir.path());
    let (send, _) = outgoing(std::slice::from_ref(&dose)).unwrap();
    let pushed = rt.block_on(client.push(&send, &mut |_| {})).unwrap();
    assert_eq!(pushed.stored.len(), 1, "{:?}", pushed.refused);
    assert!(orthanc_series(&orthanc).iter().any(|(_, m)| m == "RTDOSE"));

    // A STOW-RS body that is not DICOM: refused by Orthanc (HTTP 400), reported as such.
    let e = rt
        .block_on(client.stow_parts(vec![b"this is not a DICOM object".to_vec()]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{} answered the STOW-RS store with HTTP 400 (Bad Request): no instance stored, and none listed as failed with a reason",
            orthanc.dicomweb_url()
        )
    );
}

#[test]
fn dimse_round_trip() {
    if !run_here("dimse_round_trip", &[]) {
        return;
    }
    let orthanc = Orthanc::start().unwrap();
    let src = TempDir::new("phantom").unwrap();
    let files = phantom_files(src.path());
    let node =
        DimseNode::parse(&orthanc.dimse_address(), AeTitle::new("SIRTPLAN").unwrap()).unwrap();
    let client = DimseClient::new(node, Timeouts::default());
    client.echo().unwrap();

    let (send, _) = outgoing(&[src.path().to_owned()]).unwrap();
    let pushed = client.push(&send, &mut |_| {}).unwrap();
    assert!(pushed.refused.is_empty(), "{:?}", pushed.refused);
    assert_eq!(pushed.stored.len(), files.len());
    assert_eq!(orthanc_series(&orthanc), series_modalities(&files));

    let q = Query {
        patient_id: Some(PATIENT_ID.into()),
        ..Query::default()
    };
    let studies = client.find(&q).unwrap();
    assert_eq!(studies.len(), 1);
    assert_eq!(studies[0].patient_id.as_deref(), Some(PATIENT_ID));
    assert_eq!(found_series(&studies), series_modalities(&files));
    let by_date = client
        .find(&Query {
            date: Some(sirt_pacs::DateRange::parse("20250101-20250131").unwrap()),
            ..Query::default()
        })
        .unwrap();
    assert_eq!(by_date.len(), 1);
    let none = client
        .find(&Query {
            date: Some(sirt_pacs::DateRange::parse("19990101").unwrap()),
            ..Query::default()
        })
        .unwrap();
    assert!(none.is_empty());

    // C-GET of the patient and of one series.
    let dest = TempDir::new("pulled").unwrap();
    let mut last = Progress::default();
    let got = client
        .pull(
            &PullSelector::Patient(PATIENT_ID.into()),
            dest.path(),
            &mut |p| last = p,
        )
        .unwrap();
    assert_eq!(instance_uids(&got), instance_uids(&files));
    assert_eq!(last.instances, files.len());
    assert_eq!(common::all_files(dest.path()).len(), files.len());
    let scan = sirt_dicom::scan(dest.path());
    assert!(scan.skipped.is_empty(), "{:?}", scan.skipped);
    assert_eq!(
        scan.studies.iter().map(|s| s.series.len()).sum::<usize>(),
        6
    );
    // The pixel data came back byte for byte (one CT slice, read with dicom-rs).
    let ct0 = files
        .iter()
        .find(|f| f.to_string_lossy().contains("/ct/"))
        .unwrap();
    let uid = common::attr(ct0, dicom_dictionary_std::tags::SOP_INSTANCE_UID);
    let series = common::attr(ct0, dicom_dictionary_std::tags::SERIES_INSTANCE_UID);
    let back = dest.path().join(series).join(format!("{uid}.dcm"));
    let pix = |p: &std::path::Path| {
        dicom_object::open_file(p)
            .unwrap()
            .element(dicom_dictionary_std::tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .to_vec()
    };
    assert_eq!(pix(ct0), pix(&back));
}

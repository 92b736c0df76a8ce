//! Series discovery on a folder tree: studies and series with modality, SOP class, size and frame
//! of reference; non-DICOM and unreadable files listed as skipped with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use sirt_dicom::*;

#[test]
fn scan_of_the_sample_data_groups_studies_and_series() {
    let report = scan(data(""));
    let mut lines: Vec<String> = report
        .studies
        .iter()
        .flat_map(|st| {
            st.series.iter().map(move |se| {
                format!(
                    "{} | {} | {} | {} | {} | {}",
                    st.patient_id.as_deref().unwrap_or("-"),
                    se.modality,
                    se.sop_class_uid,
                    se.size_description(),
                    se.description.as_deref().unwrap_or("-"),
                    se.frame_of_reference_uid.as_deref().unwrap_or("-"),
                )
            })
        })
        .collect();
    lines.sort();
    // Every non-DICOM file of tests/data is listed, none is taken for DICOM.
    let skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s.path.strip_prefix(data("")).unwrap().display(),
                s.reason
            )
        })
        .collect();
    let dicom_files: usize = report
        .studies
        .iter()
        .flat_map(|s| &s.series)
        .map(|s| s.files.len())
        .sum();
    assert_eq!(dicom_files + report.skipped.len(), report.files_seen);
    assert!(skipped.iter().all(|s| !s.contains(".dcm:")), "{skipped:#?}");
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn non_dicom_and_broken_files_are_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sub = d.join("patient/ct");
    std::fs::create_dir_all(&sub).unwrap();
    for i in 1..=3 {
        std::fs::copy(
            data(&format!("dcmqi/ct-3slice_0{i}.dcm")),
            sub.join(format!("IM{i}")),
        )
        .unwrap();
    }
    std::fs::write(d.join("notes.txt"), "not DICOM\n").unwrap();
    std::fs::write(d.join("empty"), b"").unwrap();
    let bytes = std::fs::read(data("dcmqi/ct-3slice_01.dcm")).unwrap();
    std::fs::write(d.join("cut_header.dcm"), &bytes[..700]).unwrap();
    // Cut in the pixel data: the header is whole, but the Pixel Data length is checked against
    // the file size even when only headers are read, so the scan lists it as skipped.
    std::fs::write(sub.join("IM4_cut_pixels"), &bytes[..100_000]).unwrap();
    std::fs::copy(data("pydicom/rtstruct.dcm"), d.join("rtstruct_no_meta.dcm")).unwrap();

    let report = scan(d);
    assert_eq!(report.files_seen, 8);
    let reasons: Vec<String> = report
        .skipped
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s.path.strip_prefix(d).unwrap().display(),
                s.reason
            )
        })
        .collect();
    insta::assert_snapshot!(reasons.join("\n"));
    assert_eq!(report.studies.len(), 2);
    let ct = report
        .studies
        .iter()
        .flat_map(|s| &s.series)
        .find(|s| s.modality == "CT")
        .unwrap();
    assert_eq!(ct.files.len(), 3);
    assert_eq!((ct.rows, ct.columns, ct.frames), (Some(512), Some(512), 3));
    assert_eq!(report.skipped.len(), 4);
    let rs = report
        .studies
        .iter()
        .flat_map(|s| &s.series)
        .find(|s| s.modality == "RTSTRUCT")
        .unwrap();
    assert_eq!(
        rs.frame_of_reference_uid.as_deref(),
        Some("1.2.826.0.1.3680043.8.498.2010020400001.2")
    );
    assert_eq!(
        load_image_series(&ct.files).unwrap().grid().dims,
        [512, 512, 3]
    );
}

#[test]
fn a_missing_folder_is_reported_not_a_panic() {
    let report = scan("/nonexistent/sirt-dicom-test");
    assert!(report.studies.is_empty());
    assert_eq!(report.skipped.len(), 1);
    assert!(report.skipped[0].reason.starts_with("cannot open"));
}

//! The Encapsulated PDF writer: a PDF written as DICOM, read back with sirt-dicom's dicom-rs
//! (the document byte for byte, the Encapsulated Document attributes), validated with dciodvfy
//! (no errors) and read by pydicom; both peers optional unless `SIRTPLAN_REQUIRE_PEERS` is set.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::PathBuf;
use std::process::Command;

use dicom_dictionary_std::{tags, uids};
use dicom_object::open_file;
use sirt_dicom::write::{
    CivilDateTime, SeriesInfo, StudyInfo, WrittenObject, write_encapsulated_pdf,
};

mod peers;
use peers::{dciodvfy_errors, peer};

/// A small but well-formed PDF (one empty A4 page), odd in length so that the padding shows.
fn pdf() -> Vec<u8> {
    let mut p = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n"
        .to_vec();
    if p.len().is_multiple_of(2) {
        p.push(b'\n');
    }
    p
}

fn written() -> (WrittenObject, StudyInfo, PathBuf) {
    let t = CivilDateTime::new(2026, 3, 5, 10, 0, 0.0).unwrap();
    let mut study = StudyInfo::new("Doe^Jane", "NET-001", t);
    study.utc_offset_minutes = Some(60);
    let w = write_encapsulated_pdf(
        &pdf(),
        &study,
        &SeriesInfo::new(900, "sirtplan plan report", t),
        "SIRT plan",
    )
    .unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sirt-dicom-encapsulated-pdf");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("plan-{}.dcm", std::process::id()));
    std::fs::write(&path, &w.bytes).unwrap();
    (w, study, path)
}

fn text(o: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> String {
    o.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_owned()
}

#[test]
fn the_pdf_is_kept_byte_for_byte_in_the_study() {
    let (w, study, path) = written();
    assert_eq!(w.sop_class_uid, uids::ENCAPSULATED_PDF_STORAGE);
    let o = open_file(&path).unwrap();
    assert_eq!(
        text(&o, tags::SOP_CLASS_UID),
        "1.2.840.10008.5.1.4.1.1.104.1"
    );
    assert_eq!(text(&o, tags::MODALITY), "DOC");
    assert_eq!(text(&o, tags::STUDY_INSTANCE_UID), study.study_instance_uid);
    assert_eq!(text(&o, tags::PATIENT_ID), "NET-001");
    assert_eq!(
        text(&o, tags::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT),
        "application/pdf"
    );
    assert_eq!(text(&o, tags::DOCUMENT_TITLE), "SIRT plan");
    assert_eq!(text(&o, tags::BURNED_IN_ANNOTATION), "YES");
    assert_eq!(text(&o, tags::CONVERSION_TYPE), "WSD");
    let length: u32 = o
        .element(tags::ENCAPSULATED_DOCUMENT_LENGTH)
        .unwrap()
        .to_int()
        .unwrap();
    let doc = o
        .element(tags::ENCAPSULATED_DOCUMENT)
        .unwrap()
        .to_bytes()
        .unwrap()
        .to_vec();
    assert_eq!(length as usize, pdf().len());
    assert_eq!(&doc[..length as usize], pdf().as_slice());
    assert!(doc.len().is_multiple_of(2));
    assert!(o.element(tags::SERIES_DATE).is_err(), "not in the IOD");
}

#[test]
fn what_is_not_a_pdf_is_refused() {
    let t = CivilDateTime::new(2026, 3, 5, 10, 0, 0.0).unwrap();
    let e = write_encapsulated_pdf(
        b"<!DOCTYPE html>",
        &StudyInfo::new("", "X", t),
        &SeriesInfo::new(1, "", t),
        "plan",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Encapsulated PDF series 1: the document is not a PDF (it does not start with %PDF-)"
    );
}

#[test]
fn dciodvfy_reports_no_errors() {
    if !peer(
        "dciodvfy (dicom3tools)",
        Command::new("sh").args(["-c", "command -v dciodvfy"]),
    ) {
        return;
    }
    let (_, _, path) = written();
    let errors = dciodvfy_errors(&path);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn pydicom_reads_the_required_attributes() {
    if !peer(
        "python3 with pydicom 3",
        Command::new("python3").args([
            "-c",
            "import pydicom; assert int(pydicom.__version__.split('.')[0]) >= 3",
        ]),
    ) {
        return;
    }
    let (_, _, path) = written();
    let script = r#"
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
doc = bytes(ds.EncapsulatedDocument)[: int(ds.EncapsulatedDocumentLength)]
for k in ["PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID",
          "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber",
          "Modality", "SeriesInstanceUID", "SeriesNumber", "Manufacturer", "ConversionType",
          "InstanceNumber", "ContentDate", "ContentTime", "AcquisitionDateTime",
          "BurnedInAnnotation", "DocumentTitle", "ConceptNameCodeSequence",
          "MIMETypeOfEncapsulatedDocument", "SOPClassUID", "SOPInstanceUID"]:
    assert k in ds, k
print(ds.SOPClassUID, ds.Modality, doc[:5].decode(), doc.endswith(b"%%EOF\n\n") or doc.endswith(b"%%EOF\n"))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1.2.840.10008.5.1.4.1.1.104.1 DOC %PDF- True"
    );
}

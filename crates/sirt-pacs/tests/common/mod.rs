//! Shared by the PACS tests: the phantom's DICOM files on disk, an RT Dose in the same study,
//! what the files say (read with dicom-rs directly, not through sirt-pacs), and the private
//! network namespace around tests that start Orthanc.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use dicom_dictionary_std::tags;
use sirt_pacs::testing::{self, Namespace};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The phantom's patient ID (sirt_planning::phantom_dicom, seed 1).
pub const PATIENT_ID: &str = "SIRT-PHANTOM-1";

/// Whether this process runs the test's body: peers present (else a skip, or a failure with
/// SIRTPLAN_REQUIRE_PEERS=1) and inside the private network namespace (else the test is run
/// there by a child and its result checked here).
pub fn run_here(name: &str, dcmtk: &[&str]) -> bool {
    if let Some(missing) = testing::peers_missing(dcmtk) {
        assert!(!testing::peers_required(), "{missing}");
        eprintln!("skipped {name}: {missing}");
        return false;
    }
    match testing::private_network(name).expect("network namespace") {
        Namespace::Inside => true,
        Namespace::Ran { success, output } => {
            println!("{output}");
            assert!(
                success,
                "{name} failed inside its network namespace:\n{output}"
            );
            assert!(
                output.contains("1 passed"),
                "{name} did not run inside its network namespace:\n{output}"
            );
            false
        }
    }
}

/// Writes the phantom's DICOM files (small preset, seed 1) under `dir`; returns their paths.
pub fn phantom_files(dir: &Path) -> Vec<PathBuf> {
    let p = sirt_phantom::generate(sirt_phantom::Preset::Small, 1).unwrap();
    let files = sirt_planning::phantom_dicom::files(&p).unwrap();
    files
        .into_iter()
        .map(|(rel, bytes)| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

/// An RT Dose (16-bit) of the phantom's PET values × 1e-3 as Gy, in a study of its own for the
/// phantom patient; returns its path.
pub fn rt_dose_file(dir: &Path) -> PathBuf {
    use sirt_dicom::write::{
        CivilDateTime, DoseBits, RtDoseInfo, SeriesInfo, StudyInfo, write_rt_dose,
    };
    let p = sirt_phantom::generate(sirt_phantom::Preset::Small, 1).unwrap();
    let t0 = CivilDateTime::new(2025, 1, 29, 12, 0, 0.0).unwrap();
    let study = StudyInfo::new("Phantom^SIRT", PATIENT_ID, t0);
    let dose = p.pet.map(|v| (v * 1e-3).max(0.0));
    let mut info = RtDoseInfo::without_plan("pacs test dose");
    info.bits = DoseBits::U16;
    let d = write_rt_dose(&dose, &study, &SeriesInfo::new(9, "Dose", t0), &info).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("rtdose.dcm");
    std::fs::write(&path, &d.bytes).unwrap();
    path
}

/// A text attribute of a DICOM file, read with dicom-rs.
pub fn attr(path: &Path, tag: dicom_core::Tag) -> String {
    let obj = dicom_object::open_file(path).unwrap();
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_owned()
}

/// The SOP Instance UIDs of these files (from their data sets).
pub fn instance_uids(files: &[PathBuf]) -> BTreeSet<String> {
    files
        .iter()
        .map(|f| attr(f, tags::SOP_INSTANCE_UID))
        .collect()
}

/// (Series Instance UID, Modality) of these files.
pub fn series_modalities(files: &[PathBuf]) -> BTreeSet<(String, String)> {
    files
        .iter()
        .map(|f| (attr(f, tags::SERIES_INSTANCE_UID), attr(f, tags::MODALITY)))
        .collect()
}

/// Every file under `dir` (recursively, hidden ones too).
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// (Series Instance UID, Modality) of every series Orthanc holds, from its own REST API.
pub fn orthanc_series(o: &testing::Orthanc) -> BTreeSet<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(&o.rest("/series?expand").unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let t = &s["MainDicomTags"];
            (
                t["SeriesInstanceUID"].as_str().unwrap().to_owned(),
                t["Modality"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

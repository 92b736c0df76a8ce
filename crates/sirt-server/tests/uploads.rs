//! Image uploads through the API, on SQLite and PostgreSQL (`both!`): a zip of the digital
//! phantom's CT and MAA SPECT written as DICOM by sirt-dicom's writer (counts, dims and spacing
//! compared with the phantom generator's grids; the stored files read back by pydicom when
//! present), one DICOM file, NIfTI (sirt-nifti's writer), and the refusals: a zip bomb,
//! entry names leaving the folder, a file of another patient, no image at all, a corrupt NIfTI,
//! a wrong Content-Type, no session, a wrong CSRF token, a role without the right, and a
//! database failure after the files were placed. A refusal leaves no file, no row and no audit
//! row.

// Scenario tests read as one story; their length is allowed (test code only).
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
use serde_json::{Value, json};
use sirt_dicom::write::{
    CivilDateTime, EnergyWindow, NmInfo, Radiopharmaceutical, SeriesInfo, StudyInfo, frame_uid,
    write_ct_series, write_nm_tomo,
};
use sirt_store::{AuditQuery, Role};
use sqlx::Connection;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zip::write::SimpleFileOptions;

const MRN: &str = "SIRT-UP-1";

/// Removes a test's data folder when the test ends.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The small phantom (generated once per test binary).
fn phantom() -> &'static sirt_phantom::Phantom {
    static P: OnceLock<sirt_phantom::Phantom> = OnceLock::new();
    P.get_or_init(|| sirt_phantom::generate(sirt_phantom::Preset::Small, 7).unwrap())
}

fn day0() -> CivilDateTime {
    CivilDateTime::new(2025, 1, 15, 9, 0, 0.0).unwrap()
}

fn study_info(patient_id: &str, patient_name: &str) -> StudyInfo {
    let mut s = StudyInfo::new(patient_name, patient_id, day0());
    s.description = Some("SIRT work-up (phantom)".into());
    s
}

/// The phantom's CT as DICOM files of `patient_id`: (name in the zip, bytes).
fn ct_files(patient_id: &str, patient_name: &str, dir: &str) -> Vec<(String, Vec<u8>)> {
    ct_files_of(&study_info(patient_id, patient_name), dir)
}

/// The phantom's CT as DICOM files of a study.
fn ct_files_of(study: &StudyInfo, dir: &str) -> Vec<(String, Vec<u8>)> {
    let ct = write_ct_series(
        &phantom().ct,
        study,
        &SeriesInfo::new(2, "CT (phantom)", day0()),
    )
    .unwrap();
    ct.objects
        .into_iter()
        .map(|o| (format!("{dir}/{}", o.file_name), o.bytes))
        .collect()
}

/// The phantom's MAA SPECT as one NM multi-frame file of a study.
fn nm_file(study: &StudyInfo) -> Vec<u8> {
    write_nm_tomo(
        &phantom().spect,
        study,
        &SeriesInfo::new(5, "Tc-99m MAA SPECT (phantom)", day0().plus_seconds(3600.0)),
        &NmInfo {
            radiopharmaceutical: Radiopharmaceutical::tc99m_maa(day0(), 150e6),
            energy_window: EnergyWindow::tc99m_photopeak(),
            acquisition_duration_s: 1200.0,
            projections: 120,
        },
    )
    .unwrap()
    .bytes
}

/// A zip of the entries (deflated at level 1).
fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    zip_at_level(entries, 1)
}

/// A zip of the entries deflated at a level (1 fastest, 9 smallest).
fn zip_at_level(entries: &[(String, Vec<u8>)], level: i64) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(level));
    for (name, bytes) in entries {
        w.start_file(name.as_str(), o).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

async fn patient(t: &T, s: &Session, mrn: &str) -> i64 {
    let r = t
        .call(
            Some(s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": mrn, "name": "Upload Test"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

async fn upload(
    t: &T,
    s: Option<&Session>,
    pid: i64,
    query: &str,
    ct: &str,
    body: Vec<u8>,
) -> Resp {
    t.call_raw(
        s,
        Method::POST,
        &format!("/api/patients/{pid}/studies{query}"),
        Some(ct),
        body,
    )
    .await
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
    out.sort();
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
    assert!(t.store.series_of_patient(pid).await.unwrap().is_empty());
    assert_eq!(audit_count(t).await, audit_before);
}

fn series<'a>(study: &'a Value, folder: &str) -> &'a Value {
    study["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["folder"] == folder)
        .unwrap_or_else(|| panic!("no series {folder} in {study}"))
}

fn dims_of(g: &sirt_geometry::Grid) -> Value {
    json!(g.dims)
}

fn spacing_close(v: &Value, want: [f64; 3]) {
    let got: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "spacing {got:?}, expected {want:?}");
    }
    assert_eq!(got.len(), 3);
}

both!(a_zip_of_a_dicom_folder_is_stored_with_its_series);
async fn a_zip_of_a_dicom_folder_is_stored_with_its_series(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    // One study, as a workstation exports it.
    let study = study_info(MRN, "Phantom^SIRT");
    let mut entries = ct_files_of(&study, "export/DICOM/CT");
    entries.push(("export/DICOM/NM/spect.dcm".into(), nm_file(&study)));
    entries.push((
        "export/README.txt".into(),
        b"exported by a workstation\n".to_vec(),
    ));
    entries.push((
        "export/.DS_Store".into(),
        vec![0, 0, 0, 1, 66, 117, 100, 49],
    ));
    entries.push(("export/empty/".into(), Vec::new()));
    let n_ct = phantom().ct.grid().dims[2];
    let audit_before = audit_count(&t).await;
    let r = upload(
        &t,
        Some(&phys),
        pid,
        "",
        "application/zip",
        zip_of(&entries),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let study = &r.json;
    let sid = study["id"].as_i64().unwrap();
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/api/patients/{pid}/studies/{sid}").as_str()
    );
    assert_eq!(study["modality"], "CT+NM");
    assert_eq!(study["study_date"], "2025-01-15");
    assert_eq!(study["description"], "SIRT work-up (phantom)");
    assert_eq!(study["source"], format!("studies/{sid}"));

    // The CT: one image per slice of the generator's grid, its dims and spacing.
    let ct_grid = phantom().ct.grid();
    let ct = series(study, "CT-2");
    assert_eq!(ct["format"], "dicom");
    assert_eq!(ct["modality"], "CT");
    assert_eq!(ct["images"], n_ct);
    assert_eq!(ct["dims"], dims_of(ct_grid));
    spacing_close(&ct["spacing_mm"], ct_grid.spacing_mm);
    assert_eq!(ct["frame_of_reference_uid"], frame_uid(&ct_grid.frame));
    assert_eq!(ct["path"], format!("studies/{sid}/CT-2"));
    // The SPECT: one multi-frame file; frames = slices of the generator's SPECT grid.
    let spect_grid = phantom().spect.grid();
    let nm = series(study, "NM-5");
    assert_eq!(nm["modality"], "NM");
    assert_eq!(nm["images"], spect_grid.dims[2]);
    assert_eq!(nm["dims"], dims_of(spect_grid));
    spacing_close(&nm["spacing_mm"], spect_grid.spacing_mm);

    // The files that are not DICOM are listed, not stored.
    let skipped: Vec<&str> = study["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["export/.DS_Store", "export/README.txt"]);
    for s in study["skipped"].as_array().unwrap() {
        let reason = s["reason"].as_str().unwrap();
        assert!(!reason.is_empty(), "{s}");
        assert!(
            !reason.contains("upload-") && !reason.contains("/raw"),
            "{s}"
        );
    }

    // On disk: patients/{pid}/studies/{sid}/CT-2 holds the slices, NM-5 the SPECT; nothing else.
    let study_dir = t.data_dir.join(format!("patients/{pid}/studies/{sid}"));
    let files = files_under(&t.data_dir);
    assert_eq!(files.len(), n_ct + 1, "{files:?}");
    assert!(files.iter().all(|f| f.starts_with(&study_dir)), "{files:?}");
    assert_eq!(files_under(&study_dir.join("CT-2")).len(), n_ct);
    assert_eq!(files_under(&study_dir.join("NM-5")).len(), 1);
    // The stored folder is one CT series of the right patient for the project's reader.
    let rescan = sirt_dicom::scan(study_dir.join("CT-2"));
    assert_eq!(rescan.studies.len(), 1);
    assert_eq!(rescan.studies[0].patient_id.as_deref(), Some(MRN));
    assert_eq!(rescan.studies[0].series[0].files.len(), n_ct);
    pydicom_reads(&study_dir.join("CT-2"), n_ct, ct_grid);

    // One audit row, with the series.
    let audit = t
        .store
        .audit(&AuditQuery {
            entity: Some("study".into()),
            entity_id: Some(sid.to_string()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit_count(&t).await, audit_before + 1);
    assert_eq!(audit[0].action, "study.upload");
    assert_eq!(
        audit[0].after.as_ref().unwrap()["series"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Read back: the study, and the patient with it.
    let g = t
        .call(
            Some(&phys),
            Method::GET,
            &format!("/api/patients/{pid}/studies/{sid}"),
            None,
        )
        .await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    assert_eq!(g.json["series"], study["series"]);
    let p = t
        .call(
            Some(&phys),
            Method::GET,
            &format!("/api/patients/{pid}"),
            None,
        )
        .await;
    assert_eq!(p.json["studies"][0]["id"], sid);
    assert_eq!(p.json["studies"][0]["series"], study["series"]);
    // Another patient's id in the path: not found.
    let other = patient(&t, &phys, "SIRT-UP-OTHER").await;
    let g = t
        .call(
            Some(&phys),
            Method::GET,
            &format!("/api/patients/{other}/studies/{sid}"),
            None,
        )
        .await;
    assert_eq!(g.status, StatusCode::NOT_FOUND, "{}", g.text);
}

/// pydicom (a peer reader) reads the stored files: their number, rows, columns, pixel spacing
/// and patient. Skipped without pydicom unless `SIRTPLAN_REQUIRE_PEERS=1`.
fn pydicom_reads(dir: &Path, n: usize, grid: &sirt_geometry::Grid) {
    let have = std::process::Command::new("python3")
        .args(["-c", "import pydicom"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !have {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "python3 with pydicom is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        eprintln!("pydicom not available: peer check skipped");
        return;
    }
    let script = format!(
        "import pydicom, os, json\nd = r'{}'\nds = [pydicom.dcmread(os.path.join(d, f)) for f in sorted(os.listdir(d))]\n\
         print(json.dumps({{'n': len(ds), 'rows': sorted({{int(x.Rows) for x in ds}}), 'cols': sorted({{int(x.Columns) for x in ds}}), \
         'spacing': sorted({{tuple(float(v) for v in x.PixelSpacing) for x in ds}}), 'patients': sorted({{str(x.PatientID) for x in ds}}), \
         'modalities': sorted({{str(x.Modality) for x in ds}})}}))",
        dir.display()
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["n"], n);
    // Rows are j (Pixel Spacing[0] the row spacing along j), columns i.
    assert_eq!(v["rows"], json!([grid.dims[1]]));
    assert_eq!(v["cols"], json!([grid.dims[0]]));
    assert_eq!(
        v["spacing"],
        json!([[grid.spacing_mm[1], grid.spacing_mm[0]]])
    );
    assert_eq!(v["patients"], json!([MRN]));
    assert_eq!(v["modalities"], json!(["CT"]));
}

both!(one_dicom_file_is_stored_as_a_study);
async fn one_dicom_file_is_stored_as_a_study(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let tech = t.login(Role::Technologist).await;
    let pid = patient(&t, &tech, MRN).await;
    let r = upload(
        &t,
        Some(&tech),
        pid,
        "?filename=spect.dcm&description=MAA%20SPECT",
        "application/dicom",
        nm_file(&study_info(MRN, "Phantom^SIRT")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["modality"], "NM");
    assert_eq!(r.json["description"], "MAA SPECT");
    let nm = series(&r.json, "NM-5");
    assert_eq!(nm["dims"], dims_of(phantom().spect.grid()));
    // Not DICOM: refused, naming the file.
    let before = audit_count(&t).await;
    let pid2 = patient(&t, &tech, "SIRT-UP-2").await;
    let before2 = audit_count(&t).await;
    assert_eq!(before2, before + 1);
    let r = upload(
        &t,
        Some(&tech),
        pid2,
        "?filename=notes.txt",
        "application/dicom",
        b"not an image".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "no_images");
    assert!(r.message().contains("notes.txt"), "{}", r.message());
    assert!(t.store.studies(pid2).await.unwrap().is_empty());
    assert_eq!(audit_count(&t).await, before2);
}

both!(a_zip_bomb_is_refused_and_leaves_nothing);
async fn a_zip_bomb_is_refused_and_leaves_nothing(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    let bomb = BOMB
        .get_or_init(|| zip_at_level(&[("bomb.dcm".into(), vec![0u8; 50_000_000])], 9))
        .clone();
    // About 1 000 : 1, deflate's most.
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let r = upload(&t, Some(&phys), pid, "", "application/zip", bomb).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "zip_bomb");
    assert!(r.message().contains("bomb.dcm"), "{}", r.message());
    assert!(r.message().contains("zip bomb"), "{}", r.message());
    assert_nothing_written(&t, pid, before).await;
}

both!(entry_names_leaving_the_folder_are_refused);
async fn entry_names_leaving_the_folder_are_refused(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    for (bad, what) in [
        ("../evil", "`..` component"),
        ("DICOM/../../evil", "`..` component"),
        ("/tmp/evil", "absolute path"),
        ("DICOM\\evil", "backslash"),
    ] {
        let mut entries = ct_files(MRN, "Phantom^SIRT", "DICOM");
        entries.push((bad.into(), b"evil".to_vec()));
        let r = upload(
            &t,
            Some(&phys),
            pid,
            "",
            "application/zip",
            zip_of(&entries),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert_eq!(r.code(), "unsafe_entry_name", "{bad}");
        assert!(r.message().contains(bad), "{}", r.message());
        assert!(r.message().contains(what), "{}", r.message());
        assert_nothing_written(&t, pid, before).await;
    }
    assert!(!t.data_dir.join("tmp/evil").exists());
    assert!(!t.data_dir.parent().unwrap().join("evil").exists());
}

both!(a_file_of_another_patient_refuses_the_whole_upload);
async fn a_file_of_another_patient_refuses_the_whole_upload(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    let mut entries = ct_files(MRN, "Phantom^SIRT", "DICOM/CT");
    let stray = ct_files("OTHER-77", "Doe^Jane", "DICOM/STRAY")
        .into_iter()
        .next()
        .unwrap();
    let stray_name = stray.0.clone();
    entries.push(stray);
    let r = upload(
        &t,
        Some(&phys),
        pid,
        "",
        "application/zip",
        zip_of(&entries),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "other_patient");
    let m = r.message();
    assert!(m.contains(&stray_name), "{m}");
    assert!(m.contains(MRN), "{m}");
    assert!(m.contains("OTHER-77"), "{m}");
    // The other patient's name is not echoed.
    assert!(!m.contains("Doe") && !m.contains("Jane"), "{m}");
    assert_nothing_written(&t, pid, before).await;
}

both!(an_upload_without_images_is_refused_naming_what_was_found);
async fn an_upload_without_images_is_refused_naming_what_was_found(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    let entries = vec![
        ("README.txt".to_string(), b"no images here\n".to_vec()),
        ("DICOMDIR".to_string(), vec![1, 2, 3, 4]),
    ];
    let r = upload(
        &t,
        Some(&phys),
        pid,
        "",
        "application/zip",
        zip_of(&entries),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "no_images");
    assert!(r.message().contains("README.txt"), "{}", r.message());
    assert!(r.message().contains("DICOMDIR"), "{}", r.message());
    assert!(!r.message().contains("upload-"), "{}", r.message());
    assert_nothing_written(&t, pid, before).await;
    // Not a zip at all.
    let r = upload(&t, Some(&phys), pid, "", "application/zip", b"PK?".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "invalid_zip");
    assert_nothing_written(&t, pid, before).await;
}

both!(nifti_uploads_are_checked_with_the_nifti_reader);
async fn nifti_uploads_are_checked_with_the_nifti_reader(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let dr = t.login(Role::Physician).await;
    let pid = patient(&t, &dr, MRN).await;
    let ct = &phantom().ct;
    let bytes = sirt_nifti::write(ct, true).unwrap();
    let r = upload(
        &t,
        Some(&dr),
        pid,
        "?filename=phantom_ct.nii.gz&modality=CT",
        "application/gzip",
        bytes.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sid = r.json["id"].as_i64().unwrap();
    let s = series(&r.json, "phantom_ct.nii.gz");
    assert_eq!(s["format"], "nifti");
    assert_eq!(s["modality"], "CT");
    assert_eq!(s["dims"], dims_of(ct.grid()));
    assert_eq!(s["images"], ct.grid().dims[2]);
    spacing_close(&s["spacing_mm"], ct.grid().spacing_mm);
    assert_eq!(s["path"], format!("studies/{sid}/phantom_ct.nii.gz"));
    let stored = t
        .data_dir
        .join(format!("patients/{pid}/studies/{sid}/phantom_ct.nii.gz"));
    assert_eq!(std::fs::read(&stored).unwrap(), bytes);

    let before = audit_count(&t).await;
    let studies_before = t.store.studies(pid).await.unwrap().len();
    let files_before = files_under(&t.data_dir);
    // Cut short: the header reads, the voxels are missing.
    let raw = sirt_nifti::write(ct, false).unwrap();
    for (query, ct_header, body, code) in [
        (
            "?filename=cut.nii",
            "application/octet-stream",
            raw[..raw.len() / 2].to_vec(),
            "invalid_nifti",
        ),
        (
            "?filename=junk.nii.gz",
            "application/gzip",
            vec![0x1f, 0x8b, 8, 0, 1, 2, 3],
            "invalid_nifti",
        ),
        (
            "?filename=ct.dcm",
            "application/octet-stream",
            raw.clone(),
            "invalid",
        ),
        ("", "application/gzip", bytes.clone(), "invalid"),
        (
            "?filename=ct.nii&modality=computed%20tomography",
            "application/octet-stream",
            raw.clone(),
            "invalid",
        ),
    ] {
        let r = upload(&t, Some(&dr), pid, query, ct_header, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.text
        );
        assert_eq!(r.code(), code, "{query}: {}", r.text);
        assert_eq!(audit_count(&t).await, before);
        assert_eq!(t.store.studies(pid).await.unwrap().len(), studies_before);
        assert_eq!(files_under(&t.data_dir), files_before);
    }
    let r = upload(
        &t,
        Some(&dr),
        pid,
        "?filename=cut.nii",
        "application/octet-stream",
        raw[..raw.len() / 2].to_vec(),
    )
    .await;
    assert!(r.message().starts_with("cut.nii: "), "{}", r.message());
}

both!(uploads_need_the_right_type_a_session_the_csrf_token_and_the_role);
async fn uploads_need_the_right_type_a_session_the_csrf_token_and_the_role(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let phys = t.login(Role::Physicist).await;
    let viewer = t.login(Role::Viewer).await;
    let admin = t.login(Role::Admin).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    let body = || zip_of(&ct_files(MRN, "Phantom^SIRT", "CT"));
    let r = upload(&t, Some(&phys), pid, "", "text/plain", body()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    assert!(r.message().contains("application/zip"), "{}", r.message());
    assert!(r.message().contains("text/plain"), "{}", r.message());
    let r = t
        .call_raw(
            Some(&phys),
            Method::POST,
            &format!("/api/patients/{pid}/studies"),
            None,
            body(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    let r = upload(&t, None, pid, "", "application/zip", body()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let wrong = Session {
        csrf: "0".repeat(64),
        ..phys.clone()
    };
    let r = upload(&t, Some(&wrong), pid, "", "application/zip", body()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    for s in [&viewer, &admin] {
        let r = upload(&t, Some(s), pid, "", "application/zip", body()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert!(r.message().contains("may not"), "{}", r.message());
    }
    let r = upload(&t, Some(&phys), 999_999, "", "application/zip", body()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // An empty body is no zip.
    let r = t
        .call_raw(
            Some(&phys),
            Method::POST,
            &format!("/api/patients/{pid}/studies"),
            Some("application/zip"),
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "invalid_zip");
    // A declared length over the limit is refused before the body is read.
    let mut req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/api/patients/{pid}/studies"))
        .header(header::COOKIE, format!("sirtplan_session={}", phys.cookie))
        .header("x-csrf-token", &phys.csrf)
        .header(header::CONTENT_TYPE, "application/zip")
        .header(
            header::CONTENT_LENGTH,
            (sirt_server::uploads::UPLOAD_BODY_LIMIT_BYTES + 1).to_string(),
        )
        .body(axum::body::Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(r.code(), "too_large");
    assert_nothing_written(&t, pid, before).await;
    // The rest of the API keeps its 2 MiB limit.
    let r = t
        .call_raw(
            Some(&phys),
            Method::POST,
            "/api/patients",
            Some("application/json"),
            vec![b' '; sirt_server::BODY_LIMIT_BYTES + 1],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
}

both!(a_database_failure_after_the_files_were_placed_removes_them);
async fn a_database_failure_after_the_files_were_placed_removes_them(url: &str) {
    let t = T::new(url).await;
    let _cleanup = Cleanup(t.data_dir.clone());
    let phys = t.login(Role::Physicist).await;
    let pid = patient(&t, &phys, MRN).await;
    let before = audit_count(&t).await;
    // The audit row of the upload is the last write of its transaction, after the files were
    // renamed into place: make it fail.
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let sql = if url.starts_with("sqlite") {
        "CREATE TRIGGER inject BEFORE INSERT ON audit_log WHEN NEW.action = 'study.upload' \
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
    } else {
        "CREATE FUNCTION inject() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF NEW.action = 'study.upload' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END; $$; \
         CREATE TRIGGER inject BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION inject();"
    };
    sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    let r = upload(
        &t,
        Some(&phys),
        pid,
        "",
        "application/zip",
        zip_of(&ct_files(MRN, "Phantom^SIRT", "CT")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.code(), "database_unavailable");
    assert!(!r.message().contains("injected"), "{}", r.message());
    assert_nothing_written(&t, pid, before).await;
    assert!(!t.data_dir.join(format!("patients/{pid}")).exists());
    c.close().await.unwrap();
}

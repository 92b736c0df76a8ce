//! `GET /api/cases/{id}/workbench/series/{series_id}/volume` (issue 16: the volumes the planning
//! pages' registration and structure views load), on SQLite and PostgreSQL (`both!`): the digital
//! phantom's DICOM files (standard preset, seed 1) uploaded as one zip, each image series asked
//! for and read back as NIfTI. The truth is the phantom itself: the CT's voxel centres where the
//! phantom's CT grid puts them (to 1e-3 mm through the NIfTI RAS affine) and its HU as the
//! phantom made them (to the DICOM writer's integer storage: 0.5 HU); the SPECT's counts (to the
//! writer's 16-bit scaling: 1e-3 of the maximum) on the phantom's SPECT grid. Refused: an object
//! without a grid (the RT Struct, 422 `not_a_volume`) and a series of another patient (404).

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
use serde_json::{Value, json};
use sirt_geometry::{ContinuousIndex, FrameOfReference, Image};
use sirt_store::Role;

use common::phantom;

/// A new patient of the phantom's Patient ID with a case and the phantom uploaded: (patient,
/// case, workbench answer).
async fn uploaded(t: &T, s: &Session, mrn: &str) -> (i64, i64, Value) {
    let r = t
        .call(
            Some(s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": mrn, "name": "Phantom, volumes", "birth_date": "1963-08-20", "sex": "female"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let pid = r.json["id"].as_i64().unwrap();
    let r = t
        .call(
            Some(s),
            Method::POST,
            &format!("/api/patients/{pid}/cases"),
            Some(json!({"title": "volumes", "indication": "NET"})),
        )
        .await;
    let case = r.json["id"].as_i64().unwrap();
    if mrn == "SIRT-PHANTOM-1" {
        let r = t
            .call_raw(
                Some(s),
                Method::POST,
                &format!("/api/patients/{pid}/studies?filename=phantom.zip"),
                Some("application/zip"),
                common::phantom_dicom_zip().to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let w = t
        .call(
            Some(s),
            Method::GET,
            &format!("/api/cases/{case}/workbench"),
            None,
        )
        .await
        .json;
    (pid, case, w)
}

fn series_of(w: &Value, modality: &str) -> i64 {
    w["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["modality"] == modality)
        .unwrap_or_else(|| panic!("a {modality} series in {}", w["series"]))["id"]
        .as_i64()
        .unwrap()
}

/// The answer's NIfTI, checked for its gzip magic, read on a frame of our own.
fn read_back(bytes: &[u8]) -> Image<f32> {
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
    sirt_nifti::read(bytes, "answer.nii.gz", FrameOfReference("answer".into())).unwrap()
}

/// Voxel centres of the corners and the centre of `got` against `truth`'s grid, mm.
fn largest_position_error(got: &Image<f32>, truth: &Image<f32>) -> f64 {
    assert_eq!(got.grid().dims, truth.grid().dims);
    let d = truth.grid().dims.map(|n| (n - 1) as f64);
    let mut worst = 0.0f64;
    for i in [0.0, d[0] / 2.0, d[0]] {
        for j in [0.0, d[1] / 2.0, d[1]] {
            for k in [0.0, d[2] / 2.0, d[2]] {
                let c = ContinuousIndex::new(i, j, k);
                let a = got.grid().patient_from_index(c);
                let b = truth.grid().patient_from_index(c);
                worst = worst.max(a.distance(b));
            }
        }
    }
    worst
}

both!(each_image_series_reads_back_as_the_phantom_made_it);
async fn each_image_series_reads_back_as_the_phantom_made_it(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let (_, case, w) = uploaded(&t, &s, "SIRT-PHANTOM-1").await;
    let get = |id: i64| {
        let (t, s) = (&t, &s);
        async move {
            t.call(
                Some(s),
                Method::GET,
                &format!("/api/cases/{case}/workbench/series/{id}/volume"),
                None,
            )
            .await
        }
    };

    // The CT: int16 NIfTI (datatype 4 at byte 70 of the inflated header), the phantom's grid and HU.
    let r = get(series_of(&w, "CT")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/gzip");
    let ct = read_back(&r.bytes);
    let truth = &phantom().ct;
    let moved = largest_position_error(&ct, truth);
    assert!(moved < 1e-3, "CT voxel centres {moved} mm off");
    let mut header = [0u8; 72];
    std::io::Read::read_exact(&mut flate2::read::GzDecoder::new(&r.bytes[..]), &mut header)
        .unwrap();
    assert_eq!(i16::from_le_bytes([header[70], header[71]]), 4, "int16");
    let worst_hu = ct
        .data()
        .iter()
        .zip(truth.data())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst_hu <= 0.5, "CT HU up to {worst_hu} off");

    // The SPECT: float32 counts on the phantom's SPECT grid.
    let r = get(series_of(&w, "NM")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let spect = read_back(&r.bytes);
    let truth = &phantom().spect;
    assert!(largest_position_error(&spect, truth) < 1e-3);
    let max = truth.data().iter().copied().fold(0.0f32, f32::max);
    let worst = spect
        .data()
        .iter()
        .zip(truth.data())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= 1e-3 * max,
        "SPECT counts up to {worst} off (max {max})"
    );

    // The PET reads too (values as the PET loader gives them: Bq/mL).
    let r = get(series_of(&w, "PT")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(read_back(&r.bytes).grid().dims, phantom().pet.grid().dims);

    // An object without a grid.
    let r = get(series_of(&w, "RTSTRUCT")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "not_a_volume");
    assert!(
        r.text.contains("found a RTSTRUCT object"),
        "the refusal names the modality: {}",
        r.text
    );

    // A series of another patient's: not found for this case.
    let (_, other_case, _) = uploaded(&t, &s, "SOMEONE-ELSE").await;
    let r = t
        .call(
            Some(&s),
            Method::GET,
            &format!(
                "/api/cases/{other_case}/workbench/series/{}/volume",
                series_of(&w, "CT")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

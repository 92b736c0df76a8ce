//! The Spatial Registration writer: a rigid `fixed_from_moving` built by hand (a rotation of
//! 10° about the patient's z axis then a translation) written as DICOM REG, then
//! - read back by sirt-dicom's reader to the same transform (a point mapped by hand lands where
//!   the read transform maps it);
//! - validated with dciodvfy (dicom3tools): no errors;
//! - read by pydicom 3: the moving frame's matrix equals the hand matrix, the fixed frame's is
//!   the identity, the object's Frame of Reference UID is the fixed frame's.
//!
//! The peers are optional on a developer machine and required when `SIRTPLAN_REQUIRE_PEERS` is
//! set, as in CI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::PathBuf;
use std::process::Command;

use sirt_dicom::read_spatial_registration;
use sirt_dicom::write::{
    CivilDateTime, RegistrationContent, RegistrationMethod, SeriesInfo, StudyInfo, write_ct_series,
    write_spatial_registration,
};
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps, Rigid};

mod peers;
use peers::{dciodvfy_errors, peer};

const FIXED: &str = "1.2.826.0.1.3680043.8.498.1001";
const MOVING: &str = "1.2.826.0.1.3680043.8.498.1002";

/// 10° about z (LPS), then (12.5, −30, 4.25) mm: written out by hand, not by the code under test.
fn hand_transform() -> Rigid {
    let (s, c) = 10f64.to_radians().sin_cos();
    Rigid::new(
        FrameOfReference(FIXED.into()),
        FrameOfReference(MOVING.into()),
        [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]],
        [12.5, -30.0, 4.25],
    )
    .unwrap()
}

fn content() -> RegistrationContent {
    RegistrationContent {
        label: "SPECT_TO_CT".into(),
        description: Some("MAA SPECT/CT to planning CT".into()),
        creator: Some("Curie^Marie".into()),
        method: RegistrationMethod::ImageContent,
        comment: Some("Mattes MI 0.612; overlap 97 %".into()),
    }
}

fn study() -> StudyInfo {
    let t = CivilDateTime::new(2026, 3, 5, 10, 0, 0.0).unwrap();
    let mut s = StudyInfo::new("Doe^Jane", "NET-001", t);
    s.utc_offset_minutes = Some(60);
    s
}

/// A small CT on the moving frame, referenced by the registration.
fn moving_ct(study: &StudyInfo) -> sirt_dicom::write::WrittenSeries {
    let grid = Grid {
        dims: [4, 3, 2],
        spacing_mm: [2.0, 2.0, 3.0],
        origin: PointLps::new(-3.0, -2.0, 0.0),
        direction: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        frame: FrameOfReference(MOVING.into()),
    };
    let image = Image::new(grid, vec![40.0f32; 24]).unwrap();
    let t = CivilDateTime::new(2026, 3, 5, 9, 0, 0.0).unwrap();
    write_ct_series(&image, study, &SeriesInfo::new(2, "SPECT/CT low dose", t)).unwrap()
}

fn written(name: &str) -> PathBuf {
    let study = study();
    let ct = moving_ct(&study);
    let t = CivilDateTime::new(2026, 3, 5, 11, 0, 0.0).unwrap();
    let w = write_spatial_registration(
        &hand_transform(),
        &[&ct.reference],
        &study,
        &SeriesInfo::new(800, "registration", t),
        &content(),
    )
    .unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sirt-dicom-registration-writer");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}.dcm", std::process::id()));
    std::fs::write(&path, &w.bytes).unwrap();
    path
}

#[test]
fn the_reader_gets_the_written_transform_back() {
    let path = written("round-trip");
    let r = read_spatial_registration(&path).unwrap();
    assert_eq!(r.reference, FrameOfReference(FIXED.into()));
    assert_eq!(
        r.transforms.len(),
        1,
        "the identity item of the fixed frame is not a transform"
    );
    let read = &r.transforms[0];
    assert_eq!(read.from, FrameOfReference(MOVING.into()));
    // A point of the moving frame, mapped by hand: R·p + t with R = rot_z(10°).
    let p = PointLps::new(100.0, -50.0, 20.0);
    let (s, c) = 10f64.to_radians().sin_cos();
    let expected = [
        c * 100.0 - s * -50.0 + 12.5,
        s * 100.0 + c * -50.0 - 30.0,
        20.0 + 4.25,
    ];
    let q = read.apply(p);
    for (got, want) in [q.x, q.y, q.z].into_iter().zip(expected) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    // And the reader's composition gives the inverse the other way.
    let back = r
        .between(
            &FrameOfReference(MOVING.into()),
            &FrameOfReference(FIXED.into()),
        )
        .unwrap()
        .apply(q);
    assert!((back.x - p.x).abs() < 1e-6 && (back.y - p.y).abs() < 1e-6);
}

#[test]
fn a_transform_from_a_frame_to_itself_is_refused() {
    let t = Rigid::translation(
        FrameOfReference(FIXED.into()),
        FrameOfReference(FIXED.into()),
        [1.0, 0.0, 0.0],
    );
    let s = study();
    let e = write_spatial_registration(
        &t,
        &[],
        &s,
        &SeriesInfo::new(800, "registration", s.date_time),
        &content(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("to itself; a registration relates two frames"),
        "{e}"
    );
}

#[test]
fn a_bad_label_and_a_foreign_reference_are_refused() {
    let s = study();
    let series = SeriesInfo::new(800, "registration", s.date_time);
    let mut c = content();
    c.label = "spect to ct".into();
    let e = write_spatial_registration(&hand_transform(), &[], &s, &series, &c).unwrap_err();
    assert!(
        e.to_string().contains("Content Label \"spect to ct\""),
        "{e}"
    );

    let ct = moving_ct(&s);
    let mut other = ct.reference.clone();
    other.grid.frame = FrameOfReference("1.2.3.4".into());
    let e = write_spatial_registration(&hand_transform(), &[&other], &s, &series, &content())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("is on frame of reference 1.2.3.4, neither the fixed"),
        "{e}"
    );
}

/// Content Description (LO, PS3.5 6.2: at most 64 characters, no backslash or control
/// character) and Content Creator's Name (PN: a person name of at most 5 `^`-separated
/// components, 64 characters, no backslash, `=` or control character) are refused as the SEG
/// writer refuses them, naming the attribute: nothing is written that dciodvfy would flag.
#[test]
fn a_long_description_and_a_bad_creator_are_refused() {
    let s = study();
    let series = SeriesInfo::new(800, "registration", s.date_time);
    let refused = |c: RegistrationContent| {
        write_spatial_registration(&hand_transform(), &[], &s, &series, &c)
            .unwrap_err()
            .to_string()
    };
    let object = "Spatial Registration series 800 \"registration\"";
    let description = |d: &str| RegistrationContent {
        description: Some(d.into()),
        ..content()
    };
    // 64 characters are allowed (the writer's own test), 65 are not.
    assert_eq!(
        refused(description(&"é".repeat(65))),
        format!(
            "{object}: Content Description of 65 characters: expected at most 64, without \
             backslash or control characters"
        )
    );
    assert_eq!(
        refused(description("SPECT\\CT")),
        format!(
            "{object}: Content Description of 8 characters: expected at most 64, without \
             backslash or control characters"
        )
    );
    let creator = |name: &str| RegistrationContent {
        creator: Some(name.into()),
        ..content()
    };
    for name in [
        "Curie\\Marie",
        "Curie^Marie\nSklodowska",
        "A^B^C^D^E^F",
        "Curie^Marie=Кюри^Мария",
        &"C".repeat(65),
        "  ",
    ] {
        assert_eq!(
            refused(creator(name)),
            format!(
                "{object}: Content Creator's Name \"{name}\": expected a person name such as \
                 \"Family^Given\" (at most 5 components separated by ^, 64 characters, no \
                 backslash, = or control character)"
            ),
            "{name:?}"
        );
    }
    // The limits themselves are written.
    for c in [
        description(&"é".repeat(64)),
        creator(&"C".repeat(64)),
        creator("A^B^C^D^E"),
    ] {
        write_spatial_registration(&hand_transform(), &[], &s, &series, &c).unwrap();
    }
}

#[test]
fn dciodvfy_reports_no_errors() {
    if !peer(
        "dciodvfy (dicom3tools)",
        Command::new("sh").args(["-c", "command -v dciodvfy"]),
    ) {
        return;
    }
    let errors = dciodvfy_errors(&written("dciodvfy"));
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn pydicom_reads_the_matrices_and_frames() {
    if !peer(
        "python3 with pydicom 3",
        Command::new("python3").args([
            "-c",
            "import pydicom, sys; sys.exit(0 if int(pydicom.__version__.split('.')[0]) >= 3 else 1)",
        ]),
    ) {
        return;
    }
    let path = written("pydicom");
    let script = r#"
import json, sys, pydicom
d = pydicom.dcmread(sys.argv[1])
items = []
for it in d.RegistrationSequence:
    m = it.MatrixRegistrationSequence[0]
    items.append({
        "frame": it.FrameOfReferenceUID,
        "matrix": [float(v) for v in m.MatrixSequence[0].FrameOfReferenceTransformationMatrix],
        "type": m.MatrixSequence[0].FrameOfReferenceTransformationMatrixType,
        "code": m.RegistrationTypeCodeSequence[0].CodeValue,
        "images": len(it.get("ReferencedImageSequence", [])),
    })
print(json.dumps({
    "modality": d.Modality,
    "frame": d.FrameOfReferenceUID,
    "label": d.ContentLabel,
    "creator": str(d.ContentCreatorName),
    "referenced_series": [s.SeriesInstanceUID for s in d.ReferencedSeriesSequence],
    "items": items,
}))
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
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["modality"], "REG");
    assert_eq!(v["frame"], FIXED);
    assert_eq!(v["label"], "SPECT_TO_CT");
    assert_eq!(v["creator"], "Curie^Marie");
    assert_eq!(v["referenced_series"].as_array().unwrap().len(), 1);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["frame"], FIXED);
    let identity = [
        1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1.,
    ];
    let (s, c) = 10f64.to_radians().sin_cos();
    let hand = [
        c, -s, 0., 12.5, s, c, 0., -30., 0., 0., 1., 4.25, 0., 0., 0., 1.,
    ];
    for (item, want) in [(&items[0], identity), (&items[1], hand)] {
        assert_eq!(item["type"], "RIGID");
        assert_eq!(item["code"], "125024");
        let got: Vec<f64> = item["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{got:?} vs {want:?}");
        }
    }
    assert_eq!(items[1]["frame"], MOVING);
    // The moving CT's two slices are the images registered on the moving frame.
    assert_eq!(items[1]["images"], 2);
    assert_eq!(items[0]["images"], 0);
}

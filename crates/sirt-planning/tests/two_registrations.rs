//! A case whose MAA SPECT and Y-90 PET each lie in a frame of reference of their own (a SPECT/CT
//! and a PET/CT scanner, each with its own coordinates), linked to the planning CT by two DICOM
//! spatial registration objects (`images.registration = ["reg-spect.dcm", "reg-pet.dcm"]`, as the
//! planning pages write them: one per image, each registering to the planning CT).
//!
//! The truth: the phantom's SPECT and PET grids are moved by known translations into frames A
//! and B (their voxel values unchanged), and each object holds the exact inverse (CT ← A: −t_A).
//! Every point the plan samples is then the same patient point as in the phantom's own case
//! (every image in the CT's frame), so every number of the voxel part (doses, DVH figures, the
//! PET's comparison with the MAA prediction, which goes SPECT ← PET through the CT) equals that
//! case's to 1e-9 relative. Refused: only the SPECT's object (no transform for the PET, naming
//! its frame), two objects registering to different reference frames (naming both files), the
//! same path twice, an empty list.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use serde_json::Value;
use sirt_dicom::write::{
    CivilDateTime, RegistrationContent, RegistrationMethod, SeriesInfo, StudyInfo,
    write_spatial_registration,
};
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps, Rigid};
use sirt_phantom::{Phantom, Preset};
use sirt_planning::{CaseText, ImageRoot, Outcome, SiteData, plan_case};
use std::path::{Path, PathBuf};

const PHANTOM_CASE: &str = include_str!("../../../examples/demo-phantom-case.toml");

/// Frames of the SPECT/CT and PET/CT scanners (UIDs under the 2.25 root, made up).
const FRAME_A: &str = "2.25.111111111111111111111111111111";
const FRAME_B: &str = "2.25.222222222222222222222222222222";
/// Where each image's frame puts the patient: p_A = p_CT + T_A, p_B = p_CT + T_B (mm).
const T_A: [f64; 3] = [12.0, -7.5, 20.0];
const T_B: [f64; 3] = [-15.0, 9.25, -5.0];

fn moved(image: &Image<f32>, frame: &str, t: [f64; 3]) -> Image<f32> {
    let g = image.grid();
    let grid = Grid {
        origin: PointLps::new(g.origin.x + t[0], g.origin.y + t[1], g.origin.z + t[2]),
        frame: FrameOfReference(frame.into()),
        ..g.clone()
    };
    Image::new(grid, image.data().to_vec()).unwrap()
}

/// A REG object taking frame `from` to the CT's frame: the translation −t.
fn reg(p: &Phantom, from: &str, t: [f64; 3]) -> Vec<u8> {
    let ct_from = Rigid::translation(
        p.ct.grid().frame.clone(),
        FrameOfReference(from.into()),
        [-t[0], -t[1], -t[2]],
    );
    let when = CivilDateTime::new(2025, 1, 15, 12, 0, 0.0).unwrap();
    let study = StudyInfo::new(
        "Phantom^SIRT",
        &format!("SIRT-PHANTOM-{}", p.truth.seed),
        when,
    );
    let content = RegistrationContent {
        label: "TO_PLANNING_CT".into(),
        description: Some("test: known translation".into()),
        creator: Some("Test^Physicist".into()),
        method: RegistrationMethod::ImageContent,
        comment: None,
    };
    write_spatial_registration(
        &ct_from,
        &[],
        &study,
        &SeriesInfo::new(900, "registration", when),
        &content,
    )
    .unwrap()
    .bytes
}

fn write(dir: &Path, files: Vec<(String, Vec<u8>)>) {
    let _ = std::fs::remove_dir_all(dir);
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn folder(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "sirt-planning-two-registrations-{tag}-{}",
        std::process::id()
    ))
}

// The library's own error type, as `plan_case` returns it.
#[allow(clippy::result_large_err)]
fn plan(text: &str, dir: &Path) -> Result<Outcome, sirt_planning::PlanningError> {
    let site = SiteData::embedded().unwrap();
    plan_case(
        &site,
        CaseText {
            text,
            name: "case.toml",
        },
        ImageRoot::Folder(dir),
    )
}

fn with_registration(value: &str) -> String {
    let anchor = "structures = \"dicom/rtstruct.dcm\"\n";
    assert!(PHANTOM_CASE.contains(anchor));
    PHANTOM_CASE.replace(anchor, &format!("{anchor}registration = {value}\n"))
}

/// Every number of `a` equals `b`'s to `rel` (relative, absolute below 1e-9); strings and the
/// rest as they are, except the image checks' and loaders' words that name frames.
fn same_numbers(a: &Value, b: &Value, path: &str, rel: f64, compared: &mut usize) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let tol = rel * x.abs().max(y.abs()).max(1e-9 / rel);
            assert!((x - y).abs() <= tol, "{path}: {x} against {y}");
            *compared += 1;
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same_numbers(p, q, &format!("{path}[{i}]"), rel, compared);
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                same_numbers(v, &y[k], &format!("{path}.{k}"), rel, compared);
            }
        }
        _ => {}
    }
}

#[test]
fn a_spect_and_a_pet_each_in_its_own_frame_plan_as_in_the_ct_s_frame() {
    let p = sirt_phantom::generate(Preset::Small, 1).unwrap();
    let same = folder("same");
    write(&same, sirt_planning::phantom_dicom::files(&p).unwrap());
    let mut m = p.clone();
    m.spect = moved(&p.spect, FRAME_A, T_A);
    m.pet = moved(&p.pet, FRAME_B, T_B);
    let dir = folder("moved");
    let mut files = sirt_planning::phantom_dicom::files(&m).unwrap();
    files.push(("reg-spect.dcm".into(), reg(&p, FRAME_A, T_A)));
    files.push(("reg-pet.dcm".into(), reg(&p, FRAME_B, T_B)));
    write(&dir, files);

    let reference = plan(PHANTOM_CASE, &same).unwrap();
    let case = with_registration("[\"reg-spect.dcm\", \"reg-pet.dcm\"]");
    let o = plan(&case, &dir).unwrap();
    let v = o.voxel.as_ref().unwrap();
    assert_eq!(v.ct_from_spect.as_ref().unwrap().from.0, FRAME_A);
    assert_eq!(v.ct_from_pet.as_ref().unwrap().from.0, FRAME_B);
    let mut compared = 0;
    same_numbers(
        &o.json["voxel"],
        &reference.json["voxel"],
        "voxel",
        1e-9,
        &mut compared,
    );
    assert!(compared > 100, "only {compared} numbers compared");
    assert!(
        o.json["voxel"]["delivered"].is_object(),
        "{}",
        o.json["voxel"]
    );

    // The SPECT's object alone: the PET's frame has no transform to the CT.
    let e = plan(&with_registration("\"reg-spect.dcm\""), &dir)
        .unwrap_err()
        .to_string();
    assert!(e.contains(FRAME_B), "{e}");

    // Two objects registering to different reference frames (the PET's object to frame A).
    let odd = dir.join("reg-pet-to-a.dcm");
    let to_a = {
        let pet_to_a = Rigid::translation(
            FrameOfReference(FRAME_A.into()),
            FrameOfReference(FRAME_B.into()),
            [0.0, 0.0, 0.0],
        );
        let when = CivilDateTime::new(2025, 1, 15, 12, 0, 0.0).unwrap();
        write_spatial_registration(
            &pet_to_a,
            &[],
            &StudyInfo::new("Phantom^SIRT", "SIRT-PHANTOM-1", when),
            &SeriesInfo::new(901, "registration", when),
            &RegistrationContent {
                label: "PET_TO_SPECT".into(),
                description: None,
                creator: None,
                method: RegistrationMethod::ImageContent,
                comment: None,
            },
        )
        .unwrap()
        .bytes
    };
    std::fs::write(&odd, to_a).unwrap();
    let e = plan(
        &with_registration("[\"reg-spect.dcm\", \"reg-pet-to-a.dcm\"]"),
        &dir,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("reg-spect.dcm registers to frame")
            && e.contains("reg-pet-to-a.dcm to frame")
            && e.contains("same reference frame"),
        "{e}"
    );

    // The list itself.
    for (value, expected) in [
        ("[\"reg-spect.dcm\", \"reg-spect.dcm\"]", "twice"),
        ("[]", "an empty list"),
    ] {
        let e = plan(&with_registration(value), &dir)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("images.registration") && e.contains(expected),
            "{value}: {e}"
        );
    }
    let _ = std::fs::remove_dir_all(&same);
    let _ = std::fs::remove_dir_all(&dir);
}

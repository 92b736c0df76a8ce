//! Spatial Registration objects written by pydicom (`tests/data/make_registration.py`, an
//! independent writer) and read by `read_spatial_registration`: the transforms map points as
//! NumPy's products of the stored matrices do, within 1e-6 mm at up to 300 mm from the origin
//! (the DS values carry 10 significant digits, so a stored rotation is orthonormal to ~1e-10;
//! sirtplan inverts it by its transpose, NumPy by `inv`); chained matrices are applied in order; AFFINE-typed
//! rigid matrices are accepted, scaled ones and deformable registrations refused with the
//! reason; the object passes dciodvfy. pydicom and dciodvfy are peers: skipped when absent,
//! required when `SIRTPLAN_REQUIRE_PEERS` is set, as in CI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use sirt_dicom::read_spatial_registration;
use sirt_geometry::{FrameOfReference, PointLps};

const CT: &str = "1.2.826.0.1.3680043.10.1234.100";
const SPECT: &str = "1.2.826.0.1.3680043.10.1234.200";
const PET: &str = "1.2.826.0.1.3680043.10.1234.300";

fn peer(name: &str, probe: &mut Command) -> bool {
    let ok = probe.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "{name} is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        eprintln!("{name} not available: peer check skipped");
    }
    ok
}

/// The pydicom-written objects in a fresh folder, or None when pydicom is absent.
fn objects(name: &str) -> Option<(PathBuf, serde_json::Value)> {
    if !peer(
        "pydicom + numpy",
        Command::new("python3").args(["-c", "import pydicom, numpy"]),
    ) {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("sirt-reg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let st = Command::new("python3")
        .arg(common::data("make_registration.py"))
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let expected =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    Some((dir, expected))
}

fn points(v: &serde_json::Value) -> Vec<PointLps> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let c: Vec<f64> = p
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            PointLps::new(c[0], c[1], c[2])
        })
        .collect()
}

fn close(a: PointLps, b: PointLps) -> bool {
    (a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6 && (a.z - b.z).abs() < 1e-6
}

fn frame(uid: &str) -> FrameOfReference {
    FrameOfReference(uid.into())
}

#[test]
fn rigid_transforms_map_points_as_numpy_does() {
    let Some((dir, expected)) = objects("rigid") else {
        return;
    };
    let input = points(&expected["points"]);
    let reg = read_spatial_registration(dir.join("rigid.dcm")).unwrap();
    assert_eq!(reg.reference, frame(CT));
    // The CT's own identity item is not a transform.
    assert_eq!(reg.transforms.len(), 2);
    let ct_from_spect = reg.between(&frame(CT), &frame(SPECT)).unwrap();
    for (p, want) in input.iter().zip(points(&expected["rigid_ct_from_spect"])) {
        let got = ct_from_spect.apply(*p);
        assert!(close(got, want), "{got:?} vs {want:?}");
    }
    // SPECT ← PET through the reference frame.
    let spect_from_pet = reg.between(&frame(SPECT), &frame(PET)).unwrap();
    for (p, want) in input.iter().zip(points(&expected["rigid_spect_from_pet"])) {
        let got = spect_from_pet.apply(*p);
        assert!(close(got, want), "{got:?} vs {want:?}");
    }
    // Unknown frames give none.
    assert!(reg.between(&frame(CT), &frame("9.9.9")).is_none());

    let chain = read_spatial_registration(dir.join("chain.dcm")).unwrap();
    let t = chain.between(&frame(CT), &frame(SPECT)).unwrap();
    for (p, want) in input.iter().zip(points(&expected["chain_ct_from_spect"])) {
        assert!(close(t.apply(*p), want));
    }

    let affine = read_spatial_registration(dir.join("affine_rigid.dcm")).unwrap();
    let t = affine.between(&frame(CT), &frame(SPECT)).unwrap();
    for (p, want) in input.iter().zip(points(&expected["rigid_ct_from_spect"])) {
        assert!(close(t.apply(*p), want));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn non_rigid_registrations_are_refused_with_the_reason() {
    let Some((dir, _)) = objects("refused") else {
        return;
    };
    let msg = |f: &str| {
        common::redact(
            &read_spatial_registration(dir.join(f))
                .unwrap_err()
                .to_string(),
            &dir,
        )
    };
    let scaled = msg("affine_scaled.dcm");
    assert!(
        scaled.starts_with(
            "<tmp>/affine_scaled.dcm: invalid Frame of Reference Transformation Matrix (3006,00C6): Registration Sequence item 1 (frame 1.2.826.0.1.3680043.10.1234.200, type AFFINE): only rigid transforms are used: "
        ),
        "{scaled}"
    );
    assert_eq!(
        msg("deformable.dcm"),
        "<tmp>/deformable.dcm: not supported: a deformable spatial registration (only rigid registrations are used)"
    );
    // Not a registration at all.
    let ct = common::data("pydicom/CT_small.dcm");
    if ct.exists() {
        let e = read_spatial_registration(&ct).unwrap_err().to_string();
        assert!(e.contains("where a Spatial Registration"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_peer_written_object_is_valid_for_dciodvfy() {
    let Some((dir, _)) = objects("dciodvfy") else {
        return;
    };
    if !peer(
        "dciodvfy",
        Command::new("sh").args(["-c", "command -v dciodvfy"]),
    ) {
        return;
    }
    let out = Command::new("dciodvfy")
        .arg(dir.join("rigid.dcm"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("Error")).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

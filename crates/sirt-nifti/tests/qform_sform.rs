//! qform against sform: the distance at the image corners, known by construction.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};

/// A 10 × 4 × 3 image of 2 × 2 × 3 mm written uncompressed (qform and sform both set, equal).
fn written() -> Vec<u8> {
    let grid = Grid::axis_aligned(
        [10, 4, 3],
        [2.0, 2.0, 3.0],
        PointLps::new(-10.0, 20.0, 5.0),
        FrameOfReference("f".into()),
    )
    .unwrap();
    let img = Image::new(grid, (0..120).map(|v| v as f32).collect()).unwrap();
    sirt_nifti::write(&img, false).unwrap()
}

/// Adds `delta` to the f32 of the header at `at` (little-endian, as written).
fn add(bytes: &mut [u8], at: usize, delta: f32) {
    let v = f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    bytes[at..at + 4].copy_from_slice(&(v + delta).to_le_bytes());
}

/// srow_x starts at byte 280 (nifti1.h): srow_x[0] at 280, srow_x[3] at 292.
const SROW_X0: usize = 280;
const SROW_X3: usize = 292;

#[test]
fn equal_forms_differ_by_nothing() {
    let b = written();
    let d = sirt_nifti::qform_sform_difference(&b, "a.nii")
        .unwrap()
        .unwrap();
    assert!(d.distance_mm < 1e-4, "{d:?}");
    sirt_nifti::check_qform_sform(&b, "a.nii", 1.0).unwrap();
}

#[test]
fn a_shifted_sform_is_refused_naming_both_and_the_distance() {
    let mut b = written();
    add(&mut b, SROW_X3, 3.0);
    let d = sirt_nifti::qform_sform_difference(&b, "a.nii")
        .unwrap()
        .unwrap();
    // A translation: 3 mm at every corner.
    assert!((d.distance_mm - 3.0).abs() < 1e-5, "{d:?}");
    assert!(
        (d.sform_ras[0] - d.qform_ras[0] - 3.0).abs() < 1e-5,
        "{d:?}"
    );
    let e = sirt_nifti::check_qform_sform(&b, "a.nii", 1.0).unwrap_err();
    assert!(matches!(e, sirt_nifti::NiftiError::QformSform { .. }));
    let m = e.to_string();
    assert!(
        m.starts_with("a.nii: the qform and the sform disagree by 3.00 mm"),
        "{m}"
    );
    assert!(
        m.contains("qform:") && m.contains("sform:") && m.contains("more than 1 mm"),
        "{m}"
    );
    // Within a larger limit it passes; the image read is the sform's (RAS x + 3 = LPS x − 3).
    sirt_nifti::check_qform_sform(&b, "a.nii", 3.5).unwrap();
    let img = sirt_nifti::read(&b, "a.nii", FrameOfReference("f".into())).unwrap();
    assert!(
        (img.grid().origin.x - (-13.0)).abs() < 1e-5,
        "{:?}",
        img.grid().origin
    );
}

#[test]
fn a_scaled_sform_differs_most_at_the_far_corner() {
    let mut b = written();
    // 0.1 mm more per voxel along i: at i = −0.5 the forms differ by 0.05 mm, at i = 9.5 by
    // 0.95 mm (continuous index × 0.1 mm).
    add(&mut b, SROW_X0, -0.1);
    let d = sirt_nifti::qform_sform_difference(&b, "a.nii.gz")
        .unwrap()
        .unwrap();
    assert!((d.distance_mm - 0.95).abs() < 1e-5, "{d:?}");
    assert_eq!(d.corner[0], 9.5);
    sirt_nifti::check_qform_sform(&b, "a.nii", 1.0).unwrap();
    assert!(sirt_nifti::check_qform_sform(&b, "a.nii", 0.9).is_err());
}

#[test]
fn one_form_only_or_gzip() {
    let mut b = written();
    // sform_code (byte 254) = 0: the qform alone, nothing to compare.
    b[254..256].copy_from_slice(&0i16.to_le_bytes());
    assert!(
        sirt_nifti::qform_sform_difference(&b, "a.nii")
            .unwrap()
            .is_none()
    );
    // The header of a .nii.gz is read through gzip.
    let grid = Grid::axis_aligned(
        [3, 3, 3],
        [1.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .unwrap();
    let gz = sirt_nifti::write(&Image::filled(grid, 1.0f32), true).unwrap();
    let d = sirt_nifti::qform_sform_difference(&gz, "b.nii.gz")
        .unwrap()
        .unwrap();
    assert!(d.distance_mm < 1e-4);
}

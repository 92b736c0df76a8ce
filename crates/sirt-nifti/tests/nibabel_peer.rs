//! sirt-nifti against nibabel 5.4.2: files nibabel wrote read here (tests/data), files written here
//! read by nibabel (when Python and nibabel are present; `SIRTPLAN_REQUIRE_PEERS=1` makes their
//! absence a failure, as in CI), round trips and refusals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use serde_json::Value;
use sirt_geometry::{ContinuousIndex, FrameOfReference, Grid, Image, PointLps};

fn frame() -> FrameOfReference {
    FrameOfReference("nifti".into())
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

#[test]
fn reads_what_nibabel_wrote() {
    let r: Value = serde_json::from_str(include_str!("data/nibabel_reference.json")).unwrap();
    for (name, f) in r["files"].as_object().unwrap() {
        let bytes = data(name);
        let (grid, values): (Grid, Vec<f64>) = if name.starts_with("labels") {
            let img = sirt_nifti::read_labels(&bytes, name, frame()).unwrap();
            (
                img.grid().clone(),
                img.data().iter().map(|&v| f64::from(v)).collect(),
            )
        } else {
            let img = sirt_nifti::read(&bytes, name, frame()).unwrap();
            (
                img.grid().clone(),
                img.data().iter().map(|&v| f64::from(v)).collect(),
            )
        };
        let shape: Vec<usize> = f["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(grid.dims.to_vec(), shape, "{name}");
        for p in f["probes"].as_array().unwrap() {
            let ijk: Vec<f64> = p["ijk"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let lps: Vec<f64> = p["lps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let ours = grid.patient_from_index(ContinuousIndex::new(ijk[0], ijk[1], ijk[2]));
            let d = ours.distance(PointLps::new(lps[0], lps[1], lps[2]));
            assert!(d < 1e-4, "{name} {ijk:?}: ours {ours:?} vs nibabel {lps:?}");
            let off = grid
                .offset(ijk[0] as usize, ijk[1] as usize, ijk[2] as usize)
                .unwrap();
            let v = p["value"].as_f64().unwrap();
            assert!(
                (values[off] - v).abs() <= 1e-6 * v.abs().max(1.0),
                "{name} value {ijk:?}: {} vs {v}",
                values[off]
            );
        }
        let sum: f64 = values.iter().sum();
        let expected = f["sum"].as_f64().unwrap();
        assert!(
            (sum - expected).abs() < 1e-4 * expected.abs().max(1.0),
            "{name}: sum {sum} vs {expected}"
        );
    }
}

fn oblique_image(left_handed: bool) -> Image<f32> {
    let (s, c) = 0.3f64.sin_cos();
    let k = if left_handed { -1.0 } else { 1.0 };
    let dir = [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, k]];
    let grid = Grid::new(
        [7, 6, 5],
        [0.9, 1.1, 2.5],
        PointLps::new(-12.5, 40.0, -3.0),
        dir,
        frame(),
    )
    .unwrap();
    let n = grid.len();
    Image::new(grid, (0..n).map(|v| (v as f32) * 0.5 - 3.0).collect()).unwrap()
}

#[test]
fn round_trips() {
    for left_handed in [false, true] {
        for gzip in [false, true] {
            let img = oblique_image(left_handed);
            let bytes = sirt_nifti::write(&img, gzip).unwrap();
            let back = sirt_nifti::read(&bytes, "rt.nii", frame()).unwrap();
            let (a, b) = (img.grid(), back.grid());
            assert_eq!(a.dims, b.dims);
            for c in 0..3 {
                assert!((a.spacing_mm[c] - b.spacing_mm[c]).abs() < 1e-5);
                for r in 0..3 {
                    assert!(
                        (a.direction[c][r] - b.direction[c][r]).abs() < 1e-6,
                        "left {left_handed}"
                    );
                }
            }
            assert!(a.origin.distance(b.origin) < 1e-4);
            assert_eq!(back.data(), img.data());
        }
    }
    let labels = oblique_image(false).map(|v| (v.abs() as u16) % 5);
    let back = sirt_nifti::read_labels(
        &sirt_nifti::write_labels(&labels, true).unwrap(),
        "l.nii.gz",
        frame(),
    )
    .unwrap();
    assert_eq!(back.data(), labels.data());
}

#[test]
fn nibabel_reads_what_we_write() {
    let have = std::process::Command::new("python3")
        .args(["-c", "import nibabel"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !have {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "python3 with nibabel is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        eprintln!("nibabel not available: peer check skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("sirt-nifti-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let img = oblique_image(true);
    let path = dir.join("ours.nii.gz");
    std::fs::write(&path, sirt_nifti::write(&img, true).unwrap()).unwrap();
    let script = format!(
        "import nibabel as nib, numpy as np, json\nimg = nib.load(r'{}')\nd = np.asarray(img.dataobj, dtype=float)\n\
         a = img.affine\nprint(json.dumps({{'affine': a.tolist(), 'sum': float(d.sum()), 'v123': float(d[1,2,3]), 'shape': list(d.shape), \
         'qcode': int(img.header['qform_code']), 'scode': int(img.header['sform_code']), 'qs_equal': bool(np.allclose(img.get_qform(), img.get_sform(), atol=1e-4))}}))",
        path.display()
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
    assert_eq!(v["shape"], serde_json::json!([7, 6, 5]));
    assert_eq!(v["qs_equal"], true, "qform and sform written differ");
    let sum: f64 = img.data().iter().map(|&x| f64::from(x)).sum();
    assert!((v["sum"].as_f64().unwrap() - sum).abs() < 1e-3);
    assert_eq!(
        v["v123"].as_f64().unwrap(),
        f64::from(img.get(1, 2, 3).unwrap())
    );
    // nibabel's affine (RAS) applied to voxel (1, 2, 3), negated in x and y, is our LPS point.
    let a = &v["affine"];
    let f = |r: usize| {
        (0..3)
            .map(|c| a[r][c].as_f64().unwrap() * [1.0, 2.0, 3.0][c])
            .sum::<f64>()
            + a[r][3].as_f64().unwrap()
    };
    let ours = img
        .grid()
        .patient_from_index(ContinuousIndex::new(1.0, 2.0, 3.0));
    assert!(ours.distance(PointLps::new(-f(0), -f(1), f(2))) < 1e-4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refusals_name_the_problem() {
    let good = sirt_nifti::write(&oblique_image(false), false).unwrap();
    let err = |b: &[u8]| {
        sirt_nifti::read(b, "bad.nii", frame())
            .unwrap_err()
            .to_string()
    };
    assert!(err(&good[..200]).contains("shorter than a NIfTI-1 header"));
    assert!(err(&good[..good.len() - 10]).contains("truncated"));
    let mut m = good.clone();
    m[344..348].copy_from_slice(b"ni1\0");
    assert!(err(&m).contains("single-file NIfTI-1"));
    let mut no_orient = good.clone();
    no_orient[252..256].copy_from_slice(&[0, 0, 0, 0]);
    assert!(err(&no_orient).contains("orientation is unknown"));
    let mut sheared = good.clone();
    sheared[284..288].copy_from_slice(&0.7f32.to_le_bytes()); // srow_x[1]: shear
    assert!(err(&sheared).contains("orthogonal"), "{}", err(&sheared));
    let mut singular = good.clone();
    for at in [280, 296, 312] {
        singular[at..at + 4].copy_from_slice(&0f32.to_le_bytes());
    }
    assert!(err(&singular).contains("singular"));
    let mut four_d = good.clone();
    four_d[40..42].copy_from_slice(&4i16.to_le_bytes());
    four_d[48..50].copy_from_slice(&3i16.to_le_bytes());
    assert!(err(&four_d).contains("only 3-D"));
    assert!(
        sirt_nifti::read_labels(&good, "f.nii", frame())
            .unwrap_err()
            .to_string()
            .contains("integer datatype")
    );
    assert!(err(b"\x1f\x8bgarbage").contains("gzip"));
}

#[test]
fn a_gzip_error_keeps_its_cause_once() {
    let e = sirt_nifti::read(b"\x1f\x8bgarbage", "bad.nii.gz", frame()).unwrap_err();
    let cause = std::error::Error::source(&e).expect("the decoder's error is the source");
    assert_eq!(
        e.to_string(),
        "bad.nii.gz: cannot decompress the gzip stream"
    );
    assert!(!e.to_string().contains(&cause.to_string()), "{e} / {cause}");
}

proptest::proptest! {
    /// Any bytes: an error or an image, never a panic.
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
        let _ = sirt_nifti::read(&bytes, "fuzz.nii", frame());
        let _ = sirt_nifti::read_labels(&bytes, "fuzz.nii", frame());
    }
}

/// A CT of whole HU written as int16: read back here with the same values and geometry, and by
/// nibabel as int16 with the same sum; a value that is not a whole number, or outside int16, is
/// refused naming the voxel (never rounded or clipped).
#[test]
fn int16_writing_keeps_whole_values_and_refuses_others() {
    let img = oblique_image(false);
    let grid = img.grid().clone();
    let n = grid.len();
    let hu: Vec<f32> = (0..n).map(|v| (v as f32) * 7.0 - 1024.0).collect();
    let ct = Image::new(grid.clone(), hu.clone()).unwrap();
    let bytes = sirt_nifti::write_int16(&ct, false).unwrap();
    assert_eq!(
        i16::from_le_bytes([bytes[70], bytes[71]]),
        4,
        "datatype int16"
    );
    assert_eq!(bytes.len(), 352 + 2 * n);
    let back = sirt_nifti::read(&bytes, "ct.nii", frame()).unwrap();
    assert_eq!(back.data(), &hu[..]);
    assert_eq!(back.grid().dims, grid.dims);
    let half = Image::new(grid.clone(), vec![0.5f32; n]).unwrap();
    let e = sirt_nifti::write_int16(&half, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("voxel 0") && e.contains("0.5"), "{e}");
    let mut big = vec![0.0f32; n];
    big[3] = 40_000.0;
    let e = sirt_nifti::write_int16(&Image::new(grid, big).unwrap(), false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("voxel 3") && e.contains("40000"), "{e}");
    let have = std::process::Command::new("python3")
        .args(["-c", "import nibabel"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !have {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "python3 with nibabel is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("sirt-nifti-i16-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ct.nii.gz");
    std::fs::write(&path, sirt_nifti::write_int16(&ct, true).unwrap()).unwrap();
    let script = format!(
        "import nibabel as nib, numpy as np\nimg = nib.load(r'{}')\nprint(img.get_data_dtype(), int(np.asarray(img.dataobj).astype(np.int64).sum()))",
        path.display()
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
    let expected: i64 = hu.iter().map(|&v| v as i64).sum();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("int16 {expected}")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

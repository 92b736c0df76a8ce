//! The structure tools against scipy.ndimage and SimpleITK run on the same input (raw arrays
//! written to a temporary folder; `tests/peer_ndimage.py`):
//! - `label` with `generate_binary_structure(3, 1)` and `(3, 3)`: the same components, voxel for
//!   voxel (a bijection between the two labellings) and the same sizes;
//! - `distance_transform_edt(sampling=spacing)`: the squared distances within 1e-9 relative;
//!   margins (grow / shrink) on an anisotropic grid identical voxel for voxel, radii with exact
//!   ties included (the same tie rule, `TIE_TOLERANCE_MM2`, applied on both sides);
//! - `binary_fill_holes` (3-D, and each slice alone): identical;
//! - SimpleITK `ConnectedThreshold` (face and full connectivity) on the phantom's noisy CT:
//!   identical masks.
//!
//! The peers are optional on a developer machine (a note) and required under
//! `SIRTPLAN_REQUIRE_PEERS` (CI).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::collections::HashMap;

use common::*;
use sirt_geometry::Mask;
use sirt_segmentation::components::label;
use sirt_segmentation::fill::{fill_holes, fill_holes_per_slice};
use sirt_segmentation::grow::{GrowParams, region_grow};
use sirt_segmentation::margin::{Margin, TIE_TOLERANCE_MM2, margin};
use sirt_segmentation::threshold::Interval;
use sirt_segmentation::{Connectivity, squared_distance_to, voxel_of_point};
use sirt_units::Length;

const DIMS: [usize; 3] = [48, 40, 30];

fn write_mask(dir: &std::path::Path, name: &str, m: &Mask) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes(m)).unwrap();
    p.display().to_string()
}

fn dims_args(m: &Mask) -> Vec<String> {
    m.grid().dims.iter().map(ToString::to_string).collect()
}

fn spacing_args(m: &Mask) -> Vec<String> {
    m.grid()
        .spacing_mm
        .iter()
        .map(|s| format!("{s:?}"))
        .collect()
}

/// Every component of `ours` is exactly one of `theirs` and vice versa.
fn same_partition(ours: &[u32], theirs: &[i32]) {
    let mut map: HashMap<u32, i32> = HashMap::new();
    let mut back: HashMap<i32, u32> = HashMap::new();
    for (&a, &b) in ours.iter().zip(theirs) {
        assert_eq!(a == 0, b == 0, "background differs");
        if a == 0 {
            continue;
        }
        assert_eq!(
            *map.entry(a).or_insert(b),
            b,
            "our component {a} is split in scipy's"
        );
        assert_eq!(
            *back.entry(b).or_insert(a),
            a,
            "scipy's component {b} is split in ours"
        );
    }
}

#[test]
fn labelling_matches_scipy_label_in_6_and_26_connectivity() {
    if !peer_available() {
        return;
    }
    let dir = temp();
    for seed in [1u64, 2, 3] {
        let m = blobs(DIMS, seed);
        let input = write_mask(dir.path(), "mask.u8", &m);
        for (conn, name) in [(Connectivity::Six, "6"), (Connectivity::TwentySix, "26")] {
            let out = dir.path().join(format!("labels{name}.i32"));
            let mut args = vec!["label".to_string(), input.clone()];
            args.extend(dims_args(&m));
            args.extend([name.to_string(), out.display().to_string()]);
            let facts = run_peer(&args);
            let theirs: Vec<i32> = std::fs::read(&out)
                .unwrap()
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let ours = label(&m, conn);
            let mut sizes = ours.sizes.clone();
            sizes.sort_unstable();
            let expected = format!(
                "{{\"count\": {}, \"sizes\": [{}]}}",
                ours.count(),
                sizes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            assert_eq!(facts, expected, "seed {seed}, {conn}");
            same_partition(ours.labels.data(), &theirs);
            eprintln!("seed {seed} {conn}: {} components", ours.count());
        }
    }
}

#[test]
fn squared_distances_match_scipy_edt_with_sampling() {
    if !peer_available() {
        return;
    }
    let dir = temp();
    let m = blobs(DIMS, 4);
    let input = write_mask(dir.path(), "mask.u8", &m);
    let out = dir.path().join("d2.f64");
    let mut args = vec!["sqedt".to_string(), input];
    args.extend(dims_args(&m));
    args.extend(spacing_args(&m));
    args.push(out.display().to_string());
    run_peer(&args);
    let theirs: Vec<f64> = std::fs::read(&out)
        .unwrap()
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let ours = squared_distance_to(&m);
    let worst = ours
        .data()
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs() / b.max(1.0))
        .fold(0.0, f64::max);
    assert!(worst < 1e-9, "largest relative difference {worst:e}");
}

#[test]
fn margins_match_scipy_voxel_for_voxel_on_an_anisotropic_grid() {
    if !peer_available() {
        return;
    }
    let dir = temp();
    let m = blobs(DIMS, 5);
    let input = write_mask(dir.path(), "mask.u8", &m);
    // 2.2 mm = 1.1 × 2 and 5 mm = 2.5 × 2: exact ties along j and k; 3.3 mm: a tie along j
    // (3 × 1.1) and off-axis ties (0.8² · a² + 1.1² · b² = 3.3²?) decided by the same rule.
    for r in [0.5, 2.2, 3.3, 5.0, 7.37] {
        for kind in ["grow", "shrink"] {
            let out = dir.path().join(format!("{kind}{r}.u8"));
            let mut args = vec!["margin".to_string(), input.clone()];
            args.extend(dims_args(&m));
            args.extend(spacing_args(&m));
            args.extend([
                format!("{r:?}"),
                kind.into(),
                format!("{TIE_TOLERANCE_MM2:?}"),
                out.display().to_string(),
            ]);
            run_peer(&args);
            let length = Length::from_m(r / 1000.0);
            let which = if kind == "grow" {
                Margin::Grow(length)
            } else {
                Margin::Shrink(length)
            };
            let ours = margin(&m, which).unwrap();
            let theirs = read_u8(&out);
            let differ = ours
                .data()
                .iter()
                .zip(&theirs)
                .filter(|(a, b)| a != b)
                .count();
            eprintln!(
                "{kind} {r} mm: {} voxels (from {}), {differ} differ",
                ours.count(),
                m.count()
            );
            assert_eq!(differ, 0, "{kind} {r} mm");
        }
    }
}

#[test]
fn fill_holes_matches_scipy_binary_fill_holes_in_3d_and_per_slice() {
    if !peer_available() {
        return;
    }
    let dir = temp();
    for seed in [6u64, 7] {
        let m = blobs(DIMS, seed);
        let input = write_mask(dir.path(), "mask.u8", &m);
        let out = dir.path().join("filled.u8");
        let mut args = vec!["fill".to_string(), input];
        args.extend(dims_args(&m));
        args.push(out.display().to_string());
        run_peer(&args);
        let ours = fill_holes(&m);
        assert!(ours.count() > m.count(), "the test mask has holes");
        assert_eq!(ours.data(), read_u8(&out).as_slice(), "seed {seed}");
        let mut args = vec!["fill2d".to_string(), write_mask(dir.path(), "mask.u8", &m)];
        args.extend(dims_args(&m));
        args.push(out.display().to_string());
        run_peer(&args);
        let ours = fill_holes_per_slice(&m);
        assert!(
            ours.count() > m.count(),
            "the test mask has holes in slices"
        );
        assert_eq!(
            ours.data(),
            read_u8(&out).as_slice(),
            "per slice, seed {seed}"
        );
    }
}

/// The liver-growing interval on the phantom's contrast CT: liver 60 HU, tumours 95 HU, noise
/// σ 12 HU (sirt-phantom); neighbours body 35 HU, stomach 25 HU. Lower bound halfway between
/// body and liver (47.5 HU), upper bound tumour + 4σ ≈ 143 HU, rounded to 145.
pub const LIVER_HU: (f32, f32) = (47.5, 145.0);

#[test]
fn region_growing_matches_simpleitk_connected_threshold_on_the_phantom_ct() {
    if !peer_available() {
        return;
    }
    let p = sirt_phantom::generate(sirt_phantom::Preset::Standard, 11).unwrap();
    let ct = &p.ct;
    let dir = temp();
    let img = dir.path().join("ct.f32");
    let raw: Vec<u8> = ct.data().iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&img, raw).unwrap();
    // Seeds in the right lobe and the left lobe (LPS mm), as a person would click them.
    let seeds = [
        sirt_geometry::PointLps::new(-60.0, 0.0, 0.0),
        sirt_geometry::PointLps::new(35.0, -15.0, 20.0),
    ];
    let voxels: Vec<String> = seeds
        .iter()
        .enumerate()
        .map(|(n, &s)| {
            let [i, j, k] = voxel_of_point(ct.grid(), s, n + 1).unwrap();
            format!("{i},{j},{k}")
        })
        .collect();
    let interval = Interval::new(LIVER_HU.0, LIVER_HU.1).unwrap();
    for (conn, name) in [(Connectivity::Six, "6"), (Connectivity::TwentySix, "26")] {
        let params = GrowParams {
            interval,
            connectivity: conn,
            within: None,
        };
        let ours = match region_grow(ct, &seeds, &params) {
            Ok(m) => m,
            // A seed on a noisy voxel below the interval: the test's seeds must be valid.
            Err(e) => panic!("{e}"),
        };
        let out = dir.path().join(format!("grown{name}.u8"));
        let mut args = vec!["connected".to_string(), img.display().to_string()];
        args.extend(ct.grid().dims.iter().map(ToString::to_string));
        args.extend([
            format!("{:?}", LIVER_HU.0),
            format!("{:?}", LIVER_HU.1),
            name.into(),
            out.display().to_string(),
        ]);
        args.extend(voxels.iter().cloned());
        run_peer(&args);
        let theirs = read_u8(&out);
        let differ = ours
            .data()
            .iter()
            .zip(&theirs)
            .filter(|(a, b)| a != b)
            .count();
        eprintln!(
            "{conn}: {} voxels, {differ} differ from SimpleITK",
            ours.count()
        );
        assert_eq!(differ, 0, "{conn}");
    }
}

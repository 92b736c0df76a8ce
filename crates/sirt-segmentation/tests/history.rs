//! The edit history: replay rebuilds the mask the tools made one by one, undo drops the last
//! edit, the one-line description and the DICOM Segment Algorithm Type / Name; and bad input
//! refused with errors that name the problem.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, Mask, PointLps};
use sirt_segmentation::boolean::{BooleanOp, difference, union};
use sirt_segmentation::brush::{BrushShape, Stroke, brush};
use sirt_segmentation::components::keep_largest;
use sirt_segmentation::fill::fill_holes;
use sirt_segmentation::grow::{GrowParams, region_grow};
use sirt_segmentation::history::{AlgorithmType, Author, EditHistory, Inputs, Operation};
use sirt_segmentation::margin::{Margin, margin};
use sirt_segmentation::threshold::{Interval, threshold_slice};
use sirt_segmentation::{Connectivity, SegmentationError};
use sirt_units::{Instant, Length};

fn grid() -> Grid {
    Grid::axis_aligned(
        [20, 16, 10],
        [1.0, 1.5, 2.0],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("h".into()),
    )
    .unwrap()
}

/// An image: 100 in a box (with a 0 voxel inside, a hole) and 100 in a separate small blob.
fn image() -> Image<f32> {
    let g = grid();
    let mut img = Image::filled(g, 0.0f32);
    for k in 2..8 {
        for j in 3..12 {
            for i in 4..15 {
                img.set(i, j, k, 100.0);
            }
        }
    }
    img.set(9, 7, 5, 0.0);
    img.set(18, 14, 8, 100.0);
    img
}

fn at(s: &str) -> Instant {
    s.parse().unwrap()
}

fn mm(x: f64) -> Length {
    Length::from_m(x / 1000.0)
}

#[test]
fn replay_rebuilds_the_mask_and_undo_drops_the_last_edit() {
    let img = image();
    let seed = PointLps::new(5.0, 6.0, 6.0);
    let interval = Interval::new(50.0, 150.0).unwrap();
    let mut tumour = Mask::filled(grid(), false);
    tumour.set(10, 8, 4, true);
    tumour.set(11, 8, 4, true);
    let stroke = Stroke {
        centre_in_patient: PointLps::new(2.0, 3.0, 4.0),
        radius: mm(1.6),
        shape: BrushShape::Disc,
        erase: false,
    };

    // By hand, step by step.
    let params = GrowParams {
        interval,
        connectivity: Connectivity::Six,
        within: None,
    };
    let grown = region_grow(&img, &[seed], &params).unwrap();
    let filled = fill_holes(&grown);
    let wider = margin(&filled, Margin::Grow(mm(1.5))).unwrap();
    let painted = brush(&wider, &stroke).unwrap();
    let expected = difference(&painted, &tumour).unwrap();
    assert!(filled.count() == grown.count() + 1, "the hole is filled");
    assert!(painted.count() > wider.count(), "the brush painted");

    let mut h = EditHistory::new(grid());
    let person = Author::Person("Curie^Marie".into());
    let ops = [
        Operation::RegionGrow {
            image: "ct".into(),
            seeds: vec![seed],
            interval,
            connectivity: Connectivity::Six,
            within: None,
        },
        Operation::FillHoles,
        Operation::Margin {
            margin: Margin::Grow(mm(1.5)),
        },
        Operation::Brush { stroke },
        Operation::Combine {
            op: BooleanOp::Difference,
            with: "tumour".into(),
        },
    ];
    for op in ops {
        h.push(op, person.clone(), at("2026-03-05T10:00:00+01:00"));
    }
    let inputs = Inputs {
        images: vec![("ct", &img)],
        masks: vec![("tumour", &tumour)],
        registration: None,
    };
    assert_eq!(h.replay(&inputs).unwrap(), expected);
    assert_eq!(
        h.describe(),
        "region growing on \"ct\" from 1 seed in [50, 150] (6-connected); fill holes (3-D); \
         margin +1.5 mm; brush disc radius 1.6 mm at (2.0, 3.0, 4.0) mm; difference \"tumour\"; \
         by Curie^Marie"
    );
    assert_eq!(h.algorithm_type(), AlgorithmType::Semiautomatic);
    assert_eq!(
        h.algorithm_name().as_deref(),
        Some("region growing + fill holes + margin + brush + difference")
    );
    assert_eq!(h.creator(), Some("Curie^Marie"));

    // Undo the difference: the painted mask again.
    let undone = h.undo().unwrap();
    assert!(matches!(undone.operation, Operation::Combine { .. }));
    assert_eq!(h.replay(&inputs).unwrap(), painted);

    // The history survives a JSON round trip (its stored form).
    let json = serde_json_roundtrip(&h);
    assert_eq!(json, h);
}

fn serde_json_roundtrip(h: &EditHistory) -> EditHistory {
    let text = serde_json::to_string(h).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn algorithm_type_follows_who_and_what() {
    let t = at("2026-03-05T10:00:00Z");
    let stroke = Stroke {
        centre_in_patient: PointLps::new(2.0, 3.0, 4.0),
        radius: mm(2.0),
        shape: BrushShape::Ball,
        erase: true,
    };
    let mut manual = EditHistory::new(grid());
    manual.push(
        Operation::Brush { stroke },
        Author::Person("A^B".into()),
        t.clone(),
    );
    assert_eq!(manual.algorithm_type(), AlgorithmType::Manual);
    assert_eq!(manual.algorithm_name(), None);
    let mut auto = EditHistory::new(grid());
    auto.push(
        Operation::KeepLargest {
            connectivity: Connectivity::TwentySix,
        },
        Author::Program("sirtplan 0.1.0".into()),
        t,
    );
    assert_eq!(auto.algorithm_type(), AlgorithmType::Automatic);
    assert_eq!(auto.creator(), None);
    assert_eq!(AlgorithmType::Semiautomatic.dicom(), "SEMIAUTOMATIC");
}

#[test]
fn a_long_algorithm_name_fits_the_lo_limit_and_counts_what_is_left() {
    let t = at("2026-03-05T10:00:00Z");
    let mut h = EditHistory::new(grid());
    let six = Connectivity::Six;
    for op in [
        Operation::FillHoles,
        Operation::FillHolesPerSlice,
        Operation::KeepLargest { connectivity: six },
        Operation::Margin {
            margin: Margin::Shrink(mm(1.0)),
        },
        Operation::Interpolate {
            from_slice: 1,
            to_slice: 5,
        },
        Operation::Combine {
            op: BooleanOp::Union,
            with: "x".into(),
        },
    ] {
        h.push(op, Author::Person("A".into()), t.clone());
    }
    let name = h.algorithm_name().unwrap();
    assert!(name.chars().count() <= 64, "{name}");
    assert_eq!(
        name,
        "fill holes + fill holes per slice + largest component + 3 more"
    );
}

#[test]
fn replay_names_the_missing_input_and_the_failing_edit() {
    let t = at("2026-03-05T10:00:00Z");
    let mut h = EditHistory::new(grid());
    h.push(
        Operation::Threshold {
            image: "spect".into(),
            interval: Interval::new(1.0, 2.0).unwrap(),
        },
        Author::Person("A".into()),
        t.clone(),
    );
    let e = h.replay(&Inputs::default()).unwrap_err().to_string();
    assert_eq!(
        e,
        "edit 1 (threshold [1, 2] on \"spect\"): no image named \"spect\" was given to replay it"
    );
    let mut h = EditHistory::new(grid());
    h.push(
        Operation::KeepLargest {
            connectivity: Connectivity::Six,
        },
        Author::Person("A".into()),
        t,
    );
    let e = h.replay(&Inputs::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "edit 1 (largest 6-connected component) failed"
    );
    let cause = std::error::Error::source(&e).unwrap().to_string();
    assert_eq!(cause, "keep the largest component: the mask is empty");
}

#[test]
fn bad_input_is_refused_naming_the_problem() {
    let img = image();
    let params = GrowParams {
        interval: Interval::new(50.0, 150.0).unwrap(),
        connectivity: Connectivity::Six,
        within: None,
    };
    // A seed outside the image: named with its coordinates and the image extent.
    let e = region_grow(
        &img,
        &[PointLps::new(5.0, 6.0, 6.0), PointLps::new(500.0, 0.0, 0.0)],
        &params,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "seed 2 at (500.00, 0.00, 0.00) mm (LPS) lies outside the image (voxel centres from \
         (0.00, 0.00, 0.00) to (19.00, 22.50, 18.00) mm)"
    );
    // A seed on a voxel outside the interval.
    let e = region_grow(&img, &[PointLps::new(0.0, 0.0, 0.0)], &params)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "seed 1 at voxel [0, 0, 0] has the value 0, outside the interval [50, 150]"
    );
    // Masks on different grids.
    let a = Mask::filled(grid(), true);
    let other = Grid::axis_aligned(
        [20, 16, 10],
        [1.0, 1.5, 2.5],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("h".into()),
    )
    .unwrap();
    let b = Mask::filled(other, true);
    let e = union(&a, &b).unwrap_err();
    assert!(matches!(e, SegmentationError::GridMismatch { .. }));
    assert_eq!(
        e.to_string(),
        "union: the masks are on different grids (20 × 16 × 10 voxels of 1 × 1.5 × 2 mm, first \
         voxel at (0.00, 0.00, 0.00) mm, frame h and 20 × 16 × 10 voxels of 1 × 1.5 × 2.5 mm, \
         first voxel at (0.00, 0.00, 0.00) mm, frame h); resample one onto the other's grid first"
    );
    // An inverted interval, a negative margin, a slice beyond the image, keep_largest of nothing.
    assert!(
        Interval::new(2.0, 1.0)
            .unwrap_err()
            .to_string()
            .contains("[2, 1]")
    );
    let e = margin(&a, Margin::Grow(Length::from_m(-0.001))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "margin: expected a finite distance ≥ 0 mm, found -1 mm"
    );
    let e = threshold_slice(&img, 10, Interval::new(0.0, 1.0).unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "slice grid: slice 10 is outside the image (slices 0 to 9)"
    );
    assert!(keep_largest(&Mask::filled(grid(), false), Connectivity::Six).is_err());
}

#[test]
fn the_slice_preview_is_the_slice_of_the_volume_threshold() {
    let img = image();
    let interval = Interval::new(50.0, 150.0).unwrap();
    let s = threshold_slice(&img, 5, interval).unwrap();
    assert_eq!(s.grid().dims, [20, 16, 1]);
    assert_eq!(s.grid().origin, PointLps::new(0.0, 0.0, 10.0));
    // Hand count: the 11 × 9 box minus the hole voxel at (9, 7, 5).
    assert_eq!(s.count(), 11 * 9 - 1);
}

//! Inputs that cannot be registered are refused with a typed error naming the problem: images
//! in one frame, non-finite or constant values, an empty or misplaced region, images that do not
//! overlap, options out of range.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{ContinuousIndex, FrameOfReference, Grid, Image, Mask, PointLps, Rigid};
use sirt_registration::{
    Initial, Level, Region, RegistrationError, RigidOptions, Which, register_rigid,
};

/// A 24³ image of 4 mm voxels centred at `centre` with an off-centre bright ellipsoid.
fn image(frame: &str, centre: [f64; 3]) -> Image<f32> {
    let o = [0, 1, 2].map(|c| centre[c] - 46.0);
    let g = Grid::axis_aligned(
        [24; 3],
        [4.0; 3],
        PointLps::new(o[0], o[1], o[2]),
        FrameOfReference(frame.into()),
    )
    .unwrap();
    let data = (0..g.len())
        .map(|n| {
            let [i, j, k] = g.index_of_offset(n);
            let p = g.patient_from_index(ContinuousIndex::of_voxel(i, j, k));
            let (x, y, z) = (p.x - centre[0] - 5.0, p.y - centre[1], p.z - centre[2]);
            if (x / 30.0).powi(2) + (y / 20.0).powi(2) + (z / 25.0).powi(2) <= 1.0 {
                100.0
            } else {
                0.0
            }
        })
        .collect();
    Image::new(g, data).unwrap()
}

fn fixed() -> Image<f32> {
    image("fixed", [0.0; 3])
}

fn moving() -> Image<f32> {
    image("moving", [0.0; 3])
}

#[test]
fn the_same_frame_is_refused() {
    let e = register_rigid(
        &fixed(),
        &image("fixed", [0.0; 3]),
        &RigidOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, RegistrationError::SameFrame { .. }), "{e}");
    assert!(
        e.to_string().contains("share the frame of reference fixed"),
        "{e}"
    );
}

#[test]
fn a_non_finite_value_is_refused_naming_the_voxel() {
    let mut m = moving();
    m.set(3, 4, 5, f32::NAN);
    let e = register_rigid(&fixed(), &m, &RigidOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            RegistrationError::NonFinite {
                image: Which::Moving,
                i: 3,
                j: 4,
                k: 5,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("moving image has a non-finite value (NaN) at voxel (3, 4, 5)"),
        "{e}"
    );
    let mut f = fixed();
    f.set(0, 0, 1, f32::INFINITY);
    let e = register_rigid(&f, &moving(), &RigidOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            RegistrationError::NonFinite {
                image: Which::Fixed,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_constant_image_is_refused() {
    let flat = Image::filled(moving().grid().clone(), -1000.0f32);
    let e = register_rigid(&fixed(), &flat, &RigidOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            RegistrationError::Constant {
                image: Which::Moving,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("moving image is constant (-1000) over the whole image"),
        "{e}"
    );
}

#[test]
fn a_region_where_the_fixed_image_is_constant_is_refused() {
    // A box in the fixed image's corner, where it is 0 everywhere.
    let options = RigidOptions {
        region: Region::Box {
            min: PointLps::new(-46.0, -46.0, -46.0),
            max: PointLps::new(-30.0, -30.0, -30.0),
        },
        ..Default::default()
    };
    let e = register_rigid(&fixed(), &moving(), &options).unwrap_err();
    assert!(
        matches!(
            e,
            RegistrationError::Constant {
                image: Which::Fixed,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("within the registration region"),
        "{e}"
    );
}

#[test]
fn an_empty_mask_is_refused() {
    let options = RigidOptions {
        region: Region::Mask {
            mask: Mask::filled(fixed().grid().clone(), false),
            margin_mm: 20.0,
        },
        ..Default::default()
    };
    let e = register_rigid(&fixed(), &moving(), &options).unwrap_err();
    assert!(matches!(e, RegistrationError::EmptyRegion { .. }), "{e}");
    assert!(
        e.to_string().contains("the region mask has no voxel set"),
        "{e}"
    );
}

#[test]
fn a_mask_on_another_grid_is_refused() {
    let options = RigidOptions {
        region: Region::Mask {
            mask: Mask::filled(moving().grid().clone(), true),
            margin_mm: 0.0,
        },
        ..Default::default()
    };
    let e = register_rigid(&fixed(), &moving(), &options).unwrap_err();
    assert!(matches!(e, RegistrationError::MaskGrid { .. }), "{e}");
}

#[test]
fn a_box_outside_the_fixed_image_is_refused() {
    let options = RigidOptions {
        region: Region::Box {
            min: PointLps::new(500.0, 0.0, 0.0),
            max: PointLps::new(600.0, 10.0, 10.0),
        },
        ..Default::default()
    };
    let e = register_rigid(&fixed(), &moving(), &options).unwrap_err();
    assert!(matches!(e, RegistrationError::EmptyRegion { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("is the region inside the fixed image?"),
        "{e}"
    );
    // Corners in the wrong order.
    let options = RigidOptions {
        region: Region::Box {
            min: PointLps::new(10.0, 0.0, 0.0),
            max: PointLps::new(0.0, 10.0, 10.0),
        },
        ..Default::default()
    };
    let e = register_rigid(&fixed(), &moving(), &options).unwrap_err();
    assert!(
        matches!(
            e,
            RegistrationError::InvalidOption {
                option: "region box",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn images_that_do_not_overlap_are_refused() {
    // The moving image lies 1 m away in its patient coordinates, taken as they are.
    let far = image("moving", [1000.0, 0.0, 0.0]);
    let options = RigidOptions {
        initial: Initial::Identity,
        ..Default::default()
    };
    let e = register_rigid(&fixed(), &far, &options).unwrap_err();
    assert!(matches!(e, RegistrationError::NoOverlap { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("the patient coordinates as they are"),
        "{e}"
    );
    // Aligning the centres (the default) brings them together.
    let r = register_rigid(&fixed(), &far, &RigidOptions::default()).unwrap();
    assert!(
        (r.fixed_from_moving.translation_mm[0] + 1000.0).abs() < 1.0,
        "{:?}",
        r.fixed_from_moving
    );
}

#[test]
fn an_initial_transform_between_other_frames_is_refused() {
    let wrong = Rigid::identity(
        FrameOfReference("moving".into()),
        FrameOfReference("fixed".into()),
    );
    let options = RigidOptions {
        initial: Initial::Given(wrong),
        ..Default::default()
    };
    let e = register_rigid(&fixed(), &moving(), &options).unwrap_err();
    assert!(
        matches!(
            e,
            RegistrationError::InvalidOption {
                option: "initial transform",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn options_out_of_range_are_refused() {
    let bad = [
        RigidOptions {
            histogram_bins: 4,
            ..Default::default()
        },
        RigidOptions {
            sampling_fraction: 0.0,
            ..Default::default()
        },
        RigidOptions {
            sampling_fraction: f64::NAN,
            ..Default::default()
        },
        RigidOptions {
            levels: vec![],
            ..Default::default()
        },
        RigidOptions {
            levels: vec![Level {
                shrink: 0,
                smoothing_sigma_voxels: 0.0,
            }],
            ..Default::default()
        },
        RigidOptions {
            max_iterations: 0,
            ..Default::default()
        },
        RigidOptions {
            learning_rate: -1.0,
            ..Default::default()
        },
        RigidOptions {
            relaxation: 1.0,
            ..Default::default()
        },
        RigidOptions {
            region: Region::Mask {
                mask: Mask::filled(fixed().grid().clone(), true),
                margin_mm: -1.0,
            },
            ..Default::default()
        },
    ];
    for o in bad {
        let e = register_rigid(&fixed(), &moving(), &o).unwrap_err();
        assert!(matches!(e, RegistrationError::InvalidOption { .. }), "{e}");
    }
}

/// An image of 4 mm voxels, `dims` along x (24 along y and z), first voxel centre at x = `x0`,
/// with contrast everywhere (a smooth ramp plus a ripple).
fn ramp(frame: &str, nx: usize, x0: f64) -> Image<f32> {
    let g = Grid::axis_aligned(
        [nx, 24, 24],
        [4.0; 3],
        PointLps::new(x0, -46.0, -46.0),
        FrameOfReference(frame.into()),
    )
    .unwrap();
    let data = (0..g.len())
        .map(|n| {
            let [i, j, k] = g.index_of_offset(n);
            let p = g.patient_from_index(ContinuousIndex::of_voxel(i, j, k));
            (p.x + 0.5 * p.y + 0.25 * p.z + 10.0 * (p.x / 7.0).sin()) as f32
        })
        .collect();
    Image::new(g, data).unwrap()
}

#[test]
fn overlap_lost_between_levels_says_so() {
    // Fixed: 24 voxels along x, centres −46 … 46 mm; at shrink 4 (blocks of 4 voxels, 16 mm)
    // centres −40 … 40. Moving: 23 voxels from −42 (centres −42 … 46); at shrink 4, 5 whole
    // blocks with centres −36 … 28. The region x ∈ [29, 47] mm holds the fine fixed centres
    // 30 … 46 (all inside the moving image: level 1 runs) and one coarse column, x = 40 mm,
    // of 6 × 6 = 36 voxels, all beyond the moving image's coarse centres (≤ 28 mm) at the
    // identity, which a negligible step leaves as it is.
    let options = RigidOptions {
        levels: vec![
            Level {
                shrink: 1,
                smoothing_sigma_voxels: 0.0,
            },
            Level {
                shrink: 4,
                smoothing_sigma_voxels: 0.0,
            },
        ],
        max_iterations: 1,
        learning_rate: 1e-9,
        initial: Initial::Identity,
        region: Region::Box {
            min: PointLps::new(29.0, -100.0, -100.0),
            max: PointLps::new(47.0, 100.0, 100.0),
        },
        ..Default::default()
    };
    let e = register_rigid(
        &ramp("fixed", 24, -46.0),
        &ramp("moving", 23, -42.0),
        &options,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the registration lost the overlap between resolution levels: at the start of level 2, \
         none of the region's 36 voxels at that level maps inside the moving image at the \
         transform reached by level 1; the images may show different body parts"
    );
}

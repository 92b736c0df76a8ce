//! Every conversion of docs/coordinates.md, each against an independent statement of it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop
)]

use proptest::prelude::*;
use sirt_geometry::*;

fn frame(s: &str) -> FrameOfReference {
    FrameOfReference(s.into())
}

/// Rotation matrix (rows) from an axis and an angle (Rodrigues).
fn rotation(axis: [f64; 3], angle: f64) -> [[f64; 3]; 3] {
    let n = (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]).sqrt();
    let [x, y, z] = [axis[0] / n, axis[1] / n, axis[2] / n];
    let (s, c) = angle.sin_cos();
    let t = 1.0 - c;
    [
        [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
        [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
        [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
    ]
}

/// DICOM PS3.3 C.7.6.2.1.1, equation of Image Plane Module, written out independently:
/// P = S + X · Δi · i + Y · Δj · j, with X the row direction cosines (first triplet of Image
/// Orientation (Patient)), Y the column direction cosines, Δi the column spacing (Pixel Spacing
/// [1], between columns), Δj the row spacing (Pixel Spacing [0]), i the column, j the row. The
/// slice at index k sits at S + k · Δk · (X × Y).
#[test]
fn dicom_image_plane_equation() {
    let ipp = [-249.5, -180.25, 112.0];
    let a = 12f64.to_radians();
    let x_cos = [a.cos(), a.sin(), 0.0];
    let y_cos = [-a.sin() * 0.8, a.cos() * 0.8, 0.6];
    let pixel_spacing = [0.9, 0.7]; // row spacing, column spacing
    let slice_spacing = 2.5;
    let normal = cross(x_cos, y_cos);
    let grid = Grid::new(
        [512, 400, 30],
        [pixel_spacing[1], pixel_spacing[0], slice_spacing],
        PointLps::new(ipp[0], ipp[1], ipp[2]),
        [x_cos, y_cos, normal],
        frame("1.2.840.1"),
    )
    .unwrap();
    for (i, j, k) in [
        (0.0, 0.0, 0.0),
        (10.0, 20.0, 0.0),
        (511.0, 399.0, 29.0),
        (3.5, -2.0, 7.25),
    ] {
        let expected = [0, 1, 2].map(|c| {
            ipp[c]
                + x_cos[c] * pixel_spacing[1] * i
                + y_cos[c] * pixel_spacing[0] * j
                + normal[c] * slice_spacing * k
        });
        let p = grid.patient_from_index(ContinuousIndex::new(i, j, k));
        for c in 0..3 {
            assert!(
                (p.to_array()[c] - expected[c]).abs() < 1e-9,
                "({i},{j},{k}) axis {c}"
            );
        }
        // The 4 × 4 matrix says the same.
        let m = grid.patient_from_index_matrix();
        for c in 0..3 {
            let v = m[c][0] * i + m[c][1] * j + m[c][2] * k + m[c][3];
            assert!((v - expected[c]).abs() < 1e-9);
        }
    }
}

#[test]
fn memory_order_is_i_fastest() {
    let g = Grid::axis_aligned(
        [3, 4, 5],
        [1.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        frame("f"),
    )
    .unwrap();
    assert_eq!(g.offset(1, 0, 0), Some(1));
    assert_eq!(g.offset(0, 1, 0), Some(3));
    assert_eq!(g.offset(0, 0, 1), Some(12));
    assert_eq!(g.offset(3, 0, 0), None);
    assert_eq!(g.index_of_offset(3 * 4 * 2 + 3 * 3 + 2), [2, 3, 2]);
}

#[test]
fn lps_ras() {
    // NIfTI world coordinates are RAS: x and y change sign, z stays.
    let p = PointLps::new(10.0, -20.0, 30.0);
    assert_eq!(p.to_ras(), [-10.0, 20.0, 30.0]);
    assert_eq!(PointLps::from_ras(p.to_ras()), p);
}

#[test]
fn invalid_grids_are_refused() {
    let o = PointLps::new(0.0, 0.0, 0.0);
    assert!(Grid::axis_aligned([0, 1, 1], [1.0; 3], o, frame("f")).is_err());
    assert!(Grid::axis_aligned([1, 1, 1], [1.0, 0.0, 1.0], o, frame("f")).is_err());
    assert!(Grid::axis_aligned([1, 1, 1], [1.0, f64::NAN, 1.0], o, frame("f")).is_err());
    let skew = [[1.0, 0.0, 0.0], [0.1, 0.995, 0.0], [0.0, 0.0, 1.0]];
    assert!(Grid::new([1, 1, 1], [1.0; 3], o, skew, frame("f")).is_err());
    assert!(Grid::axis_aligned([usize::MAX, 2, 2], [1.0; 3], o, frame("f")).is_err());
}

#[test]
fn rigid_transforms_compose_and_invert() {
    let (a, b, c) = (frame("a"), frame("b"), frame("c"));
    let a_from_b = Rigid::new(
        a.clone(),
        b.clone(),
        rotation([1.0, 2.0, 3.0], 0.3),
        [5.0, -2.0, 1.0],
    )
    .unwrap();
    let b_from_c = Rigid::new(
        b.clone(),
        c.clone(),
        rotation([0.0, 0.0, 1.0], -1.1),
        [0.0, 7.0, 2.0],
    )
    .unwrap();
    let a_from_c = a_from_b.then_from(&b_from_c).unwrap();
    assert_eq!(
        (a_from_c.to.clone(), a_from_c.from.clone()),
        (a.clone(), c.clone())
    );
    let p = PointLps::new(12.0, -3.0, 44.0);
    assert!(
        a_from_c
            .apply(p)
            .distance(a_from_b.apply(b_from_c.apply(p)))
            < 1e-9
    );
    let back = a_from_b.inverse().apply(a_from_b.apply(p));
    assert!(back.distance(p) < 1e-9);
    assert!(
        b_from_c.then_from(&a_from_b).is_err(),
        "frames do not chain"
    );
    // A reflection is not rigid.
    let mirror = [[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    assert!(Rigid::new(a.clone(), b.clone(), mirror, [0.0; 3]).is_err());
    // 4 × 4 matrix form.
    let m = [
        [0.0, -1.0, 0.0, 10.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, -5.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    let r = Rigid::from_matrix(a, b, m).unwrap();
    assert_eq!(
        r.apply(PointLps::new(1.0, 2.0, 3.0)),
        PointLps::new(8.0, 1.0, -2.0)
    );
}

#[test]
fn frames_must_match_or_be_registered() {
    let (ct, spect) = (frame("ct"), frame("spect"));
    let e = source_from_target(&ct, &spect, None).unwrap_err();
    assert!(
        e.to_string()
            .contains("different frames of reference (ct and spect)"),
        "{e}"
    );
    let ct_from_spect = Rigid::translation(ct.clone(), spect.clone(), [1.0, 2.0, 3.0]);
    // Either direction of a registration serves.
    assert_eq!(
        source_from_target(&ct, &spect, Some(&ct_from_spect)).unwrap(),
        ct_from_spect
    );
    assert_eq!(
        source_from_target(&spect, &ct, Some(&ct_from_spect)).unwrap(),
        ct_from_spect.inverse()
    );
    assert_eq!(
        source_from_target(&ct, &ct, None).unwrap(),
        Rigid::identity(ct.clone(), ct.clone())
    );
    // A transform whose frames do not fit the grids is refused by resampling.
    let g = Grid::axis_aligned(
        [2, 2, 2],
        [1.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        ct.clone(),
    )
    .unwrap();
    let img = Image::filled(g.clone(), 1.0f32);
    assert!(resample_linear(&img, &g, &ct_from_spect, 0.0).is_err());
}

fn linear_field(p: PointLps) -> f64 {
    3.0 + 0.5 * p.x - 0.25 * p.y + 0.125 * p.z
}

#[test]
fn identity_resampling_returns_the_data() {
    let g = Grid::new(
        [7, 5, 4],
        [1.2, 0.9, 2.0],
        PointLps::new(-3.0, 4.0, 10.0),
        rotation([1.0, 1.0, 0.0], 0.4),
        frame("f"),
    )
    .unwrap();
    let data: Vec<f32> = (0..g.len()).map(|n| (n * 7 % 13) as f32).collect();
    let img = Image::new(g.clone(), data.clone()).unwrap();
    let id = Rigid::identity(frame("f"), frame("f"));
    assert_eq!(
        resample_linear(&img, &g, &id, -1.0).unwrap().data(),
        &data[..]
    );
    assert_eq!(
        resample_nearest(&img, &g, &id, -1.0).unwrap().data(),
        &data[..]
    );
}

#[test]
fn one_voxel_shift_moves_the_data() {
    // Target origin one voxel further along i: target (i) = source (i + 1).
    let f = frame("f");
    let src_g =
        Grid::axis_aligned([4, 3, 2], [2.0; 3], PointLps::new(0.0, 0.0, 0.0), f.clone()).unwrap();
    let tgt_g =
        Grid::axis_aligned([4, 3, 2], [2.0; 3], PointLps::new(2.0, 0.0, 0.0), f.clone()).unwrap();
    let img = Image::new(src_g.clone(), (0..src_g.len()).map(|n| n as f32).collect()).unwrap();
    let out = resample_nearest(&img, &tgt_g, &Rigid::identity(f.clone(), f), -1.0).unwrap();
    for k in 0..2 {
        for j in 0..3 {
            for i in 0..3 {
                assert_eq!(out.get(i, j, k), img.get(i + 1, j, k));
            }
            // The last target column maps to source i = 4, beyond the extent [−0.5, 3.5]: outside.
            assert_eq!(out.get(3, j, k), Some(-1.0));
        }
    }
}

proptest! {
    /// index → patient → index is the identity for any orthonormal direction (G4).
    #[test]
    fn index_patient_round_trip(ax in -1.0f64..1.0, ay in -1.0f64..1.0, az in 0.1f64..1.0, angle in -3.0f64..3.0,
                                i in -10.0f64..600.0, j in -10.0f64..600.0, k in -10.0f64..300.0) {
        let r = rotation([ax, ay, az], angle);
        let dir = [[r[0][0], r[1][0], r[2][0]], [r[0][1], r[1][1], r[2][1]], [r[0][2], r[1][2], r[2][2]]];
        let g = Grid::new([10, 10, 10], [0.7, 0.9, 3.0], PointLps::new(-100.0, 20.0, 300.0), dir, frame("f")).unwrap();
        let idx = ContinuousIndex::new(i, j, k);
        let back = g.index_from_patient(g.patient_from_index(idx));
        prop_assert!((back.i - i).abs() < 1e-9 && (back.j - j).abs() < 1e-9 && (back.k - k).abs() < 1e-9);
    }

    /// Trilinear interpolation reproduces a linear field exactly inside the source's voxel-centre
    /// hull, through any rigid transform (X2).
    #[test]
    fn trilinear_reproduces_linear_fields(angle in -0.5f64..0.5, tx in -5.0f64..5.0, ty in -5.0f64..5.0, tz in -5.0f64..5.0) {
        let (ct, spect) = (frame("ct"), frame("spect"));
        let src_g = Grid::axis_aligned([40, 40, 40], [2.0, 2.0, 2.0], PointLps::new(-40.0, -40.0, -40.0), ct.clone()).unwrap();
        let data: Vec<f32> = (0..src_g.len()).map(|n| {
            let [i, j, k] = src_g.index_of_offset(n);
            linear_field(src_g.patient_from_index(ContinuousIndex::of_voxel(i, j, k))) as f32
        }).collect();
        let src = Image::new(src_g, data).unwrap();
        let tgt_g = Grid::axis_aligned([10, 10, 10], [3.3, 3.3, 3.3], PointLps::new(-15.0, -15.0, -15.0), spect.clone()).unwrap();
        let ct_from_spect = Rigid::new(ct, spect, rotation([0.2, 1.0, 0.3], angle), [tx, ty, tz]).unwrap();
        let out = resample_linear(&src, &tgt_g, &ct_from_spect, f32::NAN).unwrap();
        for n in 0..tgt_g.len() {
            let [i, j, k] = tgt_g.index_of_offset(n);
            let p = ct_from_spect.apply(tgt_g.patient_from_index(ContinuousIndex::of_voxel(i, j, k)));
            let expected = linear_field(p);
            prop_assert!((f64::from(out.data()[n]) - expected).abs() < 1e-3, "voxel {:?}: {} vs {}", [i, j, k], out.data()[n], expected);
        }
    }
}

/// A 20 mm-radius sphere rasterised at 0.5 mm, resampled to a 4 mm grid with a 1.3 mm offset:
/// the fractional mask keeps the volume (X4) and tends to 4/3 π r³ = 33.510 mL; the nearest
/// neighbour mask does not keep it as well.
#[test]
fn fractional_mask_keeps_the_volume() {
    let f = frame("f");
    let n = 100;
    let fine = Grid::axis_aligned(
        [n, n, n],
        [0.5; 3],
        PointLps::new(-24.75, -24.75, -24.75),
        f.clone(),
    )
    .unwrap();
    let r = 20.0;
    let mask_data: Vec<bool> = (0..fine.len())
        .map(|o| {
            let [i, j, k] = fine.index_of_offset(o);
            let p = fine.patient_from_index(ContinuousIndex::of_voxel(i, j, k));
            p.x * p.x + p.y * p.y + p.z * p.z <= r * r
        })
        .collect();
    let mask = Image::new(fine, mask_data).unwrap();
    let analytic = 4.0 / 3.0 * std::f64::consts::PI * r * r * r / 1000.0;
    assert!(
        (mask.volume_ml() / analytic - 1.0).abs() < 0.005,
        "fine mask {}",
        mask.volume_ml()
    );
    let coarse = Grid::axis_aligned(
        [16, 16, 16],
        [4.0; 3],
        PointLps::new(-28.7, -28.7, -28.7),
        f.clone(),
    )
    .unwrap();
    let id = Rigid::identity(f.clone(), f);
    let frac = resample_mask_fractional(&mask, &coarse, &id, 8).unwrap();
    assert!(frac.data().iter().all(|&x| (0.0..=1.0).contains(&x)));
    let v = frac.fractional_volume_ml();
    assert!(
        (v / mask.volume_ml() - 1.0).abs() < 0.005,
        "fractional {v} vs fine {}",
        mask.volume_ml()
    );
    assert!(
        (v / analytic - 1.0).abs() < 0.01,
        "fractional {v} vs analytic {analytic}"
    );
    // Interior voxels are 1, far voxels 0.
    assert_eq!(frac.get(7, 7, 7), Some(1.0));
    assert_eq!(frac.get(0, 0, 0), Some(0.0));
}

/// (X2) on grids with parallel axes in one frame (the axis-aligned path of `resample_linear`):
/// a linear field f(p) = 3x − 2y + 0.5z + 1 sampled at the source's voxel centres comes back
/// exactly (within f32) wherever the target centre lies between the source's first and last
/// centres; between the last centre and the extent's edge (½ voxel) the edge voxel extends;
/// beyond the extent the `outside` value is given. Written out independently of the code.
#[test]
fn axis_aligned_trilinear_reproduces_linear_fields() {
    let f = |p: PointLps| 3.0 * p.x - 2.0 * p.y + 0.5 * p.z + 1.0;
    let src_grid = Grid::axis_aligned(
        [10, 8, 6],
        [2.0, 3.0, 4.0],
        PointLps::new(-5.0, 2.0, 7.0),
        frame("a"),
    )
    .unwrap();
    let values: Vec<f32> = (0..src_grid.len())
        .map(|n| {
            let [i, j, k] = src_grid.index_of_offset(n);
            f(src_grid.patient_from_index(ContinuousIndex::of_voxel(i, j, k))) as f32
        })
        .collect();
    let src = Image::new(src_grid.clone(), values).unwrap();
    let tgt = Grid::axis_aligned(
        [17, 13, 11],
        [1.3, 2.1, 2.7],
        PointLps::new(-7.1, 0.3, 5.2),
        frame("a"),
    )
    .unwrap();
    let out =
        resample_linear(&src, &tgt, &Rigid::identity(frame("a"), frame("a")), -999.0).unwrap();
    let (mut exact, mut outside) = (0, 0);
    for n in 0..tgt.len() {
        let [i, j, k] = tgt.index_of_offset(n);
        let p = tgt.patient_from_index(ContinuousIndex::of_voxel(i, j, k));
        // Source continuous index, by hand: (p − origin) / spacing.
        let s = [(p.x + 5.0) / 2.0, (p.y - 2.0) / 3.0, (p.z - 7.0) / 4.0];
        let dims = [10.0, 8.0, 6.0];
        let got = f64::from(out.data()[n]);
        if s.iter().zip(dims).any(|(&v, d)| v < -0.5 || v > d - 0.5) {
            assert_eq!(got, -999.0, "outside at {p:?}");
            outside += 1;
        } else {
            // The edge voxel extends: clamp the index to the centres, then f at that point.
            let c = [0, 1, 2].map(|a| s[a].clamp(0.0, dims[a] - 1.0));
            let q = PointLps::new(-5.0 + 2.0 * c[0], 2.0 + 3.0 * c[1], 7.0 + 4.0 * c[2]);
            assert!(
                (got - f(q)).abs() < 1e-3 * f(q).abs().max(1.0),
                "{got} vs {} at {p:?}",
                f(q)
            );
            exact += 1;
        }
    }
    assert!(
        exact > 500 && outside > 100,
        "{exact} inside, {outside} outside"
    );
}

/// `multiple_of` finds the factor of an image that is a multiple of another (the ratio of
/// their sums, 2.5 here by construction), refuses one voxel off by more than the tolerance, an
/// image of another grid and an all-zero reference.
#[test]
fn multiple_of_finds_the_factor_and_refuses_a_changed_voxel() {
    let ident = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let g = Grid::new(
        [4, 3, 2],
        [1.0, 1.0, 2.0],
        PointLps::new(0.0, 0.0, 0.0),
        ident,
        frame("f"),
    )
    .unwrap();
    let base: Vec<f32> = (0..24).map(|v| v as f32 * 0.75).collect();
    let a = Image::new(g.clone(), base.clone()).unwrap();
    let b = Image::new(g.clone(), base.iter().map(|v| v * 2.5).collect()).unwrap();
    let s = b.multiple_of(&a, 1e-5).unwrap();
    assert!((s - 2.5).abs() < 1e-9, "{s}");
    let mut off = b.data().to_vec();
    off[7] *= 1.001;
    assert!(
        Image::new(g.clone(), off)
            .unwrap()
            .multiple_of(&a, 1e-5)
            .is_none()
    );
    let zero = Image::new(g.clone(), vec![0.0_f32; 24]).unwrap();
    assert!(b.multiple_of(&zero, 1e-5).is_none());
    let other = Grid::new(
        [4, 3, 2],
        [1.0, 1.0, 3.0],
        PointLps::new(0.0, 0.0, 0.0),
        ident,
        frame("f"),
    )
    .unwrap();
    assert!(
        Image::new(other, b.data().to_vec())
            .unwrap()
            .multiple_of(&a, 1e-5)
            .is_none()
    );
}

//! DVH invariants on random doses and masks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_voxel_dosimetry::physics::dvh::dvh;

proptest::proptest! {
    #[test]
    fn dvh_invariants(doses in proptest::collection::vec(0.0f32..500.0, 64), fractions in proptest::collection::vec(0.0f32..1.0, 64), rho in proptest::collection::vec(0.2f32..2.0, 64)) {
        let g = Grid::axis_aligned([4, 4, 4], [2.0; 3], PointLps::new(0.0, 0.0, 0.0), FrameOfReference("f".into())).unwrap();
        let dose = Image::new(g.clone(), doses).unwrap();
        let mut fr = fractions;
        fr[0] = 1.0; // never empty
        let mask = Image::new(g.clone(), fr).unwrap();
        let density = Image::new(g, rho).unwrap();
        let levels = [10.0, 50.0, 100.0, 250.0, 450.0];
        let h = dvh(&dose, &mask, Some(&density), 0.5, &[2.0, 50.0, 98.0], &levels).unwrap();
        proptest::prop_assert!(h.mean_gy >= h.min_gy - 1e-9 && h.mean_gy <= h.max_gy + 1e-9);
        proptest::prop_assert!(h.cumulative.windows(2).all(|w| w[0] + 1e-12 >= w[1]), "cumulative DVH monotone");
        proptest::prop_assert!((h.cumulative[0] - 1.0).abs() < 1e-9);
        proptest::prop_assert!((h.differential.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        proptest::prop_assert!(h.v.windows(2).all(|w| w[0].1 + 1e-12 >= w[1].1), "V_x decreasing");
        proptest::prop_assert!(h.d.windows(2).all(|w| w[0].1 + 1e-9 >= w[1].1), "D_x decreasing in x");
        proptest::prop_assert!(h.d.iter().all(|(_, d)| *d <= h.max_gy + 1e-9 && *d >= 0.0));
    }
}

proptest::proptest! {
    /// The single-pass label-map DVH equals the per-structure DVH of the same binary masks.
    #[test]
    fn label_map_dvh_equals_mask_dvh(doses in proptest::collection::vec(0.0f32..300.0, 125), labels in proptest::collection::vec(0u16..4, 125)) {
        let g = Grid::axis_aligned([5, 5, 5], [2.0; 3], PointLps::new(0.0, 0.0, 0.0), FrameOfReference("f".into())).unwrap();
        let dose = Image::new(g.clone(), doses).unwrap();
        let mut l = labels;
        l[0] = 1; l[1] = 2; l[2] = 3;
        let lab = Image::new(g.clone(), l).unwrap();
        let rho = Image::new(g.clone(), (0..125).map(|n| 0.3 + (n % 7) as f32 * 0.2).collect()).unwrap();
        let fast = sirt_voxel_dosimetry::physics::dvh::dvh_labels(&dose, &lab, &[1, 2, 3], Some(&rho), 0.5, &[50.0, 95.0], &[30.0, 100.0]).unwrap();
        for (n, s) in [1u16, 2, 3].iter().enumerate() {
            let mask = lab.map(|x| f32::from(u8::from(x == *s)));
            let slow = dvh(&dose, &mask, Some(&rho), 0.5, &[50.0, 95.0], &[30.0, 100.0]).unwrap();
            proptest::prop_assert!((fast[n].mean_gy - slow.mean_gy).abs() < 1e-9);
            proptest::prop_assert_eq!(fast[n].min_gy, slow.min_gy);
            proptest::prop_assert_eq!(fast[n].max_gy, slow.max_gy);
            proptest::prop_assert_eq!(&fast[n].d, &slow.d);
            for (a, b) in fast[n].v.iter().zip(&slow.v) { proptest::prop_assert!((a.1 - b.1).abs() < 1e-12); }
            proptest::prop_assert!((fast[n].volume_ml - slow.volume_ml).abs() < 1e-12);
        }
        // Volume weighting (no density): the integer-count path.
        let fast = sirt_voxel_dosimetry::physics::dvh::dvh_labels(&dose, &lab, &[1, 2, 3], None, 0.5, &[50.0, 95.0], &[30.0, 100.0, 30.25]).unwrap();
        for (n, s) in [1u16, 2, 3].iter().enumerate() {
            let mask = lab.map(|x| f32::from(u8::from(x == *s)));
            let slow = dvh(&dose, &mask, None, 0.5, &[50.0, 95.0], &[30.0, 100.0, 30.25]).unwrap();
            proptest::prop_assert!((fast[n].mean_gy - slow.mean_gy).abs() < 1e-9);
            proptest::prop_assert_eq!(fast[n].min_gy, slow.min_gy);
            proptest::prop_assert_eq!(fast[n].max_gy, slow.max_gy);
            proptest::prop_assert_eq!(&fast[n].d, &slow.d);
            proptest::prop_assert_eq!(fast[n].cumulative.len(), slow.cumulative.len());
            for (a, b) in fast[n].cumulative.iter().zip(&slow.cumulative) { proptest::prop_assert!((a - b).abs() < 1e-12); }
            for (a, b) in fast[n].v.iter().zip(&slow.v) { proptest::prop_assert!((a.1 - b.1).abs() < 1e-12); }
            proptest::prop_assert!((fast[n].volume_ml - slow.volume_ml).abs() < 1e-12);
        }
    }
}

/// A dose no real map holds (1e30 Gy) is refused with the voxel and the range, by both paths,
/// instead of allocating 10³¹ bins; a NaN is refused naming the voxel.
#[test]
fn doses_beyond_the_dvh_range_are_refused() {
    let g = Grid::axis_aligned(
        [4, 1, 1],
        [1.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .unwrap();
    let dose = Image::new(g.clone(), vec![1.0, 2.0, 1e30, 3.0]).unwrap();
    let mask = Image::filled(g.clone(), 1.0f32);
    let labels = Image::filled(g.clone(), 1u16);
    let expected = "dose: dose voxel 2 is 1000000015047466200000000000000 Gy: above the DVH range (16777216 bins of 0.1 Gy)";
    let e = dvh(&dose, &mask, None, 0.1, &[50.0], &[30.0]).unwrap_err();
    assert_eq!(e.to_string(), expected);
    let e = sirt_voxel_dosimetry::physics::dvh::dvh_labels(
        &dose,
        &labels,
        &[1],
        None,
        0.1,
        &[50.0],
        &[30.0],
    )
    .unwrap_err();
    assert_eq!(e.to_string(), expected);
    let nan = Image::new(g, vec![1.0, f32::NAN, 2.0, 3.0]).unwrap();
    let e = sirt_voxel_dosimetry::physics::dvh::dvh_labels(
        &nan,
        &labels,
        &[1],
        None,
        0.1,
        &[50.0],
        &[30.0],
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "dose: dose voxel 1 is NaN");
}

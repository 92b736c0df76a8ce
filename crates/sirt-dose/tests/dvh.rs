//! DVH invariants on random doses and masks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_dose::dvh::dvh;
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};

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

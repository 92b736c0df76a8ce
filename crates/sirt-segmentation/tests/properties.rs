//! Invariants on random masks (proptest): the laws of union, intersection and difference;
//! closing (grow then shrink by the same margin) contains the original; a margin of 0 is the
//! identity; shrink is the complement of growing the complement; filling holes twice changes
//! nothing more.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sirt_geometry::{FrameOfReference, Grid, Mask, PointLps};
use sirt_segmentation::boolean::{difference, intersection, union};
use sirt_segmentation::fill::fill_holes;
use sirt_segmentation::margin::{Margin, margin};
use sirt_units::Length;

const DIMS: [usize; 3] = [9, 8, 6];

fn grid(spacing: [f64; 3]) -> Grid {
    Grid::axis_aligned(
        DIMS,
        spacing,
        PointLps::new(1.0, 2.0, 3.0),
        FrameOfReference("p".into()),
    )
    .unwrap()
}

fn mask(bits: &[bool], spacing: [f64; 3]) -> Mask {
    let mut m = Mask::filled(grid(spacing), false);
    m.data_mut().copy_from_slice(bits);
    m
}

fn not(m: &Mask) -> Mask {
    m.map(|b| !b)
}

fn bits() -> impl Strategy<Value = Vec<bool>> {
    prop::collection::vec(prop::bool::weighted(0.3), DIMS.iter().product::<usize>())
}

fn spacing() -> impl Strategy<Value = [f64; 3]> {
    (0.5f64..3.0, 0.5f64..3.0, 0.5f64..4.0).prop_map(|(a, b, c)| [a, b, c])
}

fn mm(x: f64) -> Length {
    Length::from_m(x / 1000.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn boolean_laws(a in bits(), b in bits(), c in bits()) {
        let s = [1.0, 1.0, 1.0];
        let (a, b, c) = (mask(&a, s), mask(&b, s), mask(&c, s));
        prop_assert_eq!(union(&a, &b).unwrap(), union(&b, &a).unwrap());
        prop_assert_eq!(intersection(&a, &b).unwrap(), intersection(&b, &a).unwrap());
        prop_assert_eq!(
            union(&union(&a, &b).unwrap(), &c).unwrap(),
            union(&a, &union(&b, &c).unwrap()).unwrap()
        );
        prop_assert_eq!(
            intersection(&a, &union(&b, &c).unwrap()).unwrap(),
            union(&intersection(&a, &b).unwrap(), &intersection(&a, &c).unwrap()).unwrap()
        );
        // Absorption and De Morgan; a − b = a ∩ ¬b.
        prop_assert_eq!(union(&a, &intersection(&a, &b).unwrap()).unwrap(), a.clone());
        prop_assert_eq!(
            not(&union(&a, &b).unwrap()),
            intersection(&not(&a), &not(&b)).unwrap()
        );
        prop_assert_eq!(difference(&a, &b).unwrap(), intersection(&a, &not(&b)).unwrap());
        // Counts: |a ∪ b| + |a ∩ b| = |a| + |b|.
        prop_assert_eq!(
            union(&a, &b).unwrap().count() + intersection(&a, &b).unwrap().count(),
            a.count() + b.count()
        );
    }

    #[test]
    fn closing_contains_the_original(a in bits(), s in spacing(), r in 0.0f64..6.0) {
        let m = mask(&a, s);
        let closed = margin(&margin(&m, Margin::Grow(mm(r))).unwrap(), Margin::Shrink(mm(r)))
            .unwrap();
        prop_assert!(m.data().iter().zip(closed.data()).all(|(&o, &c)| !o || c));
        // And opening is contained in it.
        let opened = margin(&margin(&m, Margin::Shrink(mm(r))).unwrap(), Margin::Grow(mm(r)))
            .unwrap();
        prop_assert!(m.data().iter().zip(opened.data()).all(|(&o, &p)| o || !p));
    }

    #[test]
    fn margin_zero_is_the_identity_and_shrink_is_dual(a in bits(), s in spacing(), r in 0.0f64..6.0) {
        let m = mask(&a, s);
        prop_assert_eq!(&margin(&m, Margin::Grow(mm(0.0))).unwrap(), &m);
        prop_assert_eq!(&margin(&m, Margin::Shrink(mm(0.0))).unwrap(), &m);
        prop_assert_eq!(
            margin(&m, Margin::Shrink(mm(r))).unwrap(),
            not(&margin(&not(&m), Margin::Grow(mm(r))).unwrap())
        );
    }

    #[test]
    fn filling_holes_is_idempotent_and_extensive(a in bits()) {
        let m = mask(&a, [1.0; 3]);
        let once = fill_holes(&m);
        prop_assert!(m.data().iter().zip(once.data()).all(|(&o, &f)| !o || f));
        prop_assert_eq!(fill_holes(&once), once);
    }
}

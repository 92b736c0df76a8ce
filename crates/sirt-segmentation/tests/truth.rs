//! The structure tools against exact truth: the phantom's liver label (region growing on its
//! noisy contrast CT), a perfused territory of known volume (threshold at a percentage of the
//! maximum of a SPECT simulated from it), an analytic cone (shape-based interpolation), and
//! hand-counted volumes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use common::dice;
use sirt_geometry::{FrameOfReference, Grid, Image, Mask, PointLps, Rigid, bin_sum};
use sirt_phantom::{Preset, generate, labels};
use sirt_segmentation::components::keep_largest;
use sirt_segmentation::fill::fill_holes;
use sirt_segmentation::grow::{ConfidenceParams, GrowParams, confidence_connected, region_grow};
use sirt_segmentation::interpolate::interpolate_between;
use sirt_segmentation::threshold::{Interval, Restriction, threshold_relative};
use sirt_segmentation::{Connectivity, volume};
use sirt_units::Fraction;

/// The liver-growing interval (see tests/peer.rs): liver 60 HU, tumours 95 HU, σ 12 HU; lower
/// bound halfway between body (35 HU) and liver, upper bound above tumour + 4σ.
const LIVER_HU: (f32, f32) = (47.5, 145.0);

fn liver_truth(l: &Image<u16>) -> Vec<bool> {
    l.data()
        .iter()
        .map(|&v| v == labels::LIVER || v >= labels::TUMOUR_BASE)
        .collect()
}

#[test]
fn region_growing_finds_the_phantom_liver_on_its_noisy_ct() {
    let p = generate(Preset::Standard, 11).unwrap();
    let truth = liver_truth(&p.labels);
    let seeds = [
        PointLps::new(-60.0, 0.0, 0.0),
        PointLps::new(35.0, -15.0, 20.0),
    ];
    let params = GrowParams {
        interval: Interval::new(LIVER_HU.0, LIVER_HU.1).unwrap(),
        connectivity: Connectivity::Six,
        within: None,
    };
    let grown = region_grow(&p.ct, &seeds, &params).unwrap();
    let filled = fill_holes(&grown);
    let d_grown = dice(grown.data(), &truth);
    let d_filled = dice(filled.data(), &truth);
    let true_ml =
        truth.iter().filter(|&&b| b).count() as f64 * p.ct.grid().voxel_volume_mm3() / 1000.0;
    eprintln!(
        "Dice grown {d_grown:.4}, after fill holes {d_filled:.4}; volume {:.1} mL vs {true_ml:.1} mL",
        volume(&filled).ml()
    );
    assert!(d_filled >= 0.95, "Dice {d_filled}");
    assert!(d_filled > d_grown, "filling the holes left by noise helps");
}

#[test]
fn confidence_connected_finds_the_phantom_liver_too() {
    let p = generate(Preset::Standard, 11).unwrap();
    let truth = liver_truth(&p.labels);
    let seeds = [
        PointLps::new(-60.0, 0.0, 0.0),
        PointLps::new(35.0, -15.0, 20.0),
    ];
    // k = 1: the liver–body contrast is 25 HU, about 2σ of the noise, so mean ± 1σ (48–72 HU)
    // keeps the body out; tumours (95 HU) inside the liver come back with the hole filling.
    // No re-estimation: with k = 1 the σ of the grown (truncated) values is about 0.54 σ, and
    // each iteration narrows the interval until the region no longer percolates.
    let params = ConfidenceParams {
        multiplier: 1.0,
        iterations: 0,
        neighbourhood_radius: 2,
        connectivity: Connectivity::Six,
        within: None,
    };
    let grown = confidence_connected(&p.ct, &seeds, &params).unwrap();
    let d = dice(fill_holes(&grown).data(), &truth);
    eprintln!("confidence connected: Dice after fill holes {d:.4}");
    assert!(d >= 0.9, "Dice {d}");
}

#[test]
fn confidence_connected_iterations_converge_on_a_plateau() {
    // A 6 × 6 × 6 box of 100 ± 1 (a fixed pattern) in a background of 0: mean ± 2.5 σ of the
    // box's values holds all of them, whatever the iterations; the background never.
    let g = Grid::axis_aligned(
        [12, 12, 12],
        [1.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("c".into()),
    )
    .unwrap();
    let mut img = Image::filled(g, 0.0f32);
    for k in 3..9 {
        for j in 3..9 {
            for i in 3..9 {
                img.set(i, j, k, 100.0 + [-1.0, 0.0, 1.0][(i + 2 * j + 3 * k) % 3]);
            }
        }
    }
    for iterations in [0, 1, 4] {
        let params = ConfidenceParams {
            multiplier: 2.5,
            iterations,
            neighbourhood_radius: 1,
            connectivity: Connectivity::Six,
            within: None,
        };
        let m = confidence_connected(&img, &[PointLps::new(5.0, 5.0, 5.0)], &params).unwrap();
        assert_eq!(m.count(), 216, "{iterations} iterations");
    }
}

/// The phantom's MAA activity on its CT grid, kept only in a territory (right lobe: x below
/// the Cantlie plane), binned onto the SPECT grid, blurred (13 mm FWHM) and given Poisson
/// noise with the phantom's own generator and sensitivity.
fn territory_spect(p: &sirt_phantom::Phantom, territory: &[bool]) -> Image<f32> {
    let acq = &p.truth.acquisition;
    let act: Vec<f32> = p
        .maa_activity
        .data()
        .iter()
        .zip(territory)
        .map(|(&a, &t)| if t { a } else { 0.0 })
        .collect();
    let on_ct = Image::new(p.ct.grid().clone(), act).unwrap();
    let frame = p.ct.grid().frame.clone();
    let spect_grid = p.spect.grid().clone();
    let binned = bin_sum(&on_ct, &spect_grid, &Rigid::identity(frame.clone(), frame)).unwrap();
    let blurred = sirt_phantom::gaussian_blur(&spect_grid, binned.data(), acq.spect_fwhm_mm);
    let cpm = acq.spect_sensitivity_cps_per_mbq * acq.spect_duration_s;
    let mut rng = sirt_phantom::rng::Rng::new(5);
    let counts: Vec<f32> = blurred
        .iter()
        .map(|&a| rng.poisson(a * cpm) as f32)
        .collect();
    Image::new(spect_grid, counts).unwrap()
}

#[test]
fn threshold_at_a_percentage_of_the_maximum_recovers_a_perfused_territory() {
    let p = generate(Preset::Small, 3).unwrap();
    let cantlie = p.truth.anatomy.cantlie_x;
    let grid = p.ct.grid().clone();
    let liver = Image::new(grid.clone(), liver_truth(&p.labels)).unwrap();
    let territory: Vec<bool> = liver
        .data()
        .iter()
        .enumerate()
        .map(|(o, &l)| {
            let [i, j, k] = grid.index_of_offset(o);
            let x = grid
                .patient_from_index(sirt_geometry::ContinuousIndex::of_voxel(i, j, k))
                .x;
            l && x < cantlie
        })
        .collect();
    let true_ml =
        territory.iter().filter(|&&b| b).count() as f64 * grid.voxel_volume_mm3() / 1000.0;
    let spect = territory_spect(&p, &territory);
    {
        let on_spect = sirt_segmentation::threshold::restriction_on_grid(
            Restriction::new(&liver),
            spect.grid(),
        )
        .unwrap();
        let mut v: Vec<f32> = spect
            .data()
            .iter()
            .zip(on_spect.data())
            .filter(|(_, m)| **m)
            .map(|(v, _)| *v)
            .collect();
        v.sort_by(f32::total_cmp);
        eprintln!(
            "liver on SPECT: max {}, p90 {}, p75 {}, median {}",
            v[v.len() - 1],
            v[v.len() * 9 / 10],
            v[v.len() * 3 / 4],
            v[v.len() / 2]
        );
    }
    // The liver restriction is on the CT grid (4 mm), the SPECT on its own 4.42 mm grid.
    for percent in [10.0, 15.0, 20.0] {
        let m = threshold_relative(
            &spect,
            Fraction::new(percent / 100.0).unwrap(),
            Restriction::new(&liver),
        )
        .unwrap();
        let ml = volume(&m).ml();
        eprintln!(
            "{percent} % of max: {ml:.1} mL vs territory {true_ml:.1} mL ({:+.1} %)",
            100.0 * (ml / true_ml - 1.0)
        );
    }
    // The isocontour belongs at half the perfused normal-liver level (where a blurred uniform
    // region falls to half at its edge). Here the liver's median is 45 counts and its maximum
    // 228 (a tumour at TNR 3–4, plus noise): half of 45 is 10 % of 228.
    let m = threshold_relative(
        &spect,
        Fraction::new(0.10).unwrap(),
        Restriction::new(&liver),
    )
    .unwrap();
    let ml = volume(&m).ml();
    assert!((ml / true_ml - 1.0).abs() < 0.03, "{ml} mL vs {true_ml} mL");
}

#[test]
fn a_restriction_off_the_image_is_refused() {
    let frame = FrameOfReference("f".into());
    let g1 = Grid::axis_aligned(
        [10, 10, 10],
        [1.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        frame.clone(),
    )
    .unwrap();
    let g2 =
        Grid::axis_aligned([5, 5, 5], [1.0; 3], PointLps::new(500.0, 0.0, 0.0), frame).unwrap();
    let img = Image::filled(g1, 1.0f32);
    let far = Mask::filled(g2, true);
    let e = threshold_relative(&img, Fraction::new(0.5).unwrap(), Restriction::new(&far))
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not overlap the image grid"), "{e}");
    assert!(e.contains("125 voxels"), "{e}");
}

/// The slice of a cone whose radius there is `r_mm`: the pixels whose centre lies within r of
/// the slice's centre.
fn cone_slice(grid: &Grid, r_mm: f64) -> Vec<bool> {
    let [nx, ny, _] = grid.dims;
    let c = [
        nx as f64 / 2.0 * grid.spacing_mm[0],
        ny as f64 / 2.0 * grid.spacing_mm[1],
    ];
    (0..nx * ny)
        .map(|o| {
            let x = (o % nx) as f64 * grid.spacing_mm[0] - c[0];
            let y = (o / nx) as f64 * grid.spacing_mm[1] - c[1];
            x * x + y * y <= r_mm * r_mm
        })
        .collect()
}

#[test]
fn shape_based_interpolation_of_a_cone_gives_the_true_middle_disc() {
    let grid = Grid::axis_aligned(
        [120, 100, 9],
        [0.7, 0.9, 2.0],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .unwrap();
    let (r0, r8) = (30.0, 10.0);
    let radius = |k: usize| r0 + (r8 - r0) * k as f64 / 8.0;
    let plane = 120 * 100;
    let mut m = Mask::filled(grid.clone(), false);
    for k in [0usize, 8] {
        m.data_mut()[k * plane..(k + 1) * plane].copy_from_slice(&cone_slice(&grid, radius(k)));
    }
    let out = interpolate_between(&m, 8, 0).unwrap();
    let pixel_mm2 = 0.7 * 0.9;
    let mut errors = Vec::new();
    for k in 1..8 {
        let got = &out.data()[k * plane..(k + 1) * plane];
        let area = got.iter().filter(|&&b| b).count() as f64 * pixel_mm2;
        let true_area = std::f64::consts::PI * radius(k).powi(2);
        let d = dice(got, &cone_slice(&grid, radius(k)));
        eprintln!(
            "slice {k}: area {area:.1} mm² vs π r² {true_area:.1} mm² ({:+.2} %), Dice {d:.4}",
            100.0 * (area / true_area - 1.0)
        );
        errors.push(((area / true_area - 1.0).abs(), d));
    }
    // The middle slice (equal weights: the half-pixel offsets of the two distance maps cancel):
    // within 1 % of π r² (the rasterisation of a 20 mm disc on 0.7 × 0.9 mm pixels alone is
    // within about 0.5 %).
    assert!(errors[3].0 < 0.01, "middle slice: {:?}", errors[3]);
    // Every slice: within 4 % and Dice above 0.98 (off the middle, the blend weights the
    // sub-pixel offsets δ of the two maps unequally: (1 − 2t)·δ on the radius, δ < 1 pixel).
    for (k, (e, d)) in errors.iter().enumerate() {
        assert!(*e < 0.04 && *d > 0.98, "slice {}: {e} {d}", k + 1);
    }
    // The edited slices are untouched.
    assert_eq!(&out.data()[..plane], &m.data()[..plane]);
}

#[test]
fn keep_largest_and_volumes_by_hand() {
    // Two boxes on 2 × 2 × 2.5 mm voxels: 3 × 3 × 3 = 27 voxels (0.27 mL) and 2 voxels.
    let g = Grid::axis_aligned(
        [10, 10, 10],
        [2.0, 2.0, 2.5],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .unwrap();
    let mut m = Mask::filled(g, false);
    for k in 1..4 {
        for j in 1..4 {
            for i in 1..4 {
                m.set(i, j, k, true);
            }
        }
    }
    m.set(8, 8, 8, true);
    m.set(8, 8, 9, true);
    let l = keep_largest(&m, Connectivity::Six).unwrap();
    assert_eq!(l.count(), 27);
    assert!((volume(&l).ml() - 27.0 * 10.0 / 1000.0).abs() < 1e-12);
    assert!((volume(&m).ml() - 29.0 * 10.0 / 1000.0).abs() < 1e-12);
}

/// A distance far beyond the image (1e300 mm: `structure combine --margin 1e300`) reaches every
/// voxel: growing fills the grid, shrinking empties a mask that has outside voxels and leaves a
/// full one whole (the border does not erode), a ball paints the whole grid and a disc its whole
/// slice — no overflow of the reach (a panic in debug, a wrapped reach of 0 voxels in release).
#[test]
fn a_huge_margin_or_radius_reaches_the_whole_image() {
    use sirt_segmentation::brush::{BrushShape, Stroke, brush};
    use sirt_segmentation::margin::{Margin, margin};
    use sirt_units::Length;
    let g = Grid::axis_aligned(
        [7, 5, 4],
        [2.0, 3.0, 2.5],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .unwrap();
    let all = 7 * 5 * 4;
    let huge = Length::from_m(1e297);
    let mut one = Mask::filled(g.clone(), false);
    one.set(3, 2, 1, true);
    assert_eq!(margin(&one, Margin::Grow(huge)).unwrap().count(), all);
    let mut most = Mask::filled(g.clone(), true);
    most.set(0, 0, 0, false);
    assert_eq!(margin(&most, Margin::Shrink(huge)).unwrap().count(), 0);
    let full = Mask::filled(g.clone(), true);
    assert_eq!(margin(&full, Margin::Shrink(huge)).unwrap().count(), all);
    let empty = Mask::filled(g.clone(), false);
    for (shape, painted) in [(BrushShape::Ball, all), (BrushShape::Disc, 7 * 5)] {
        let stroke = Stroke {
            centre_in_patient: PointLps::new(6.0, 6.0, 2.5),
            radius: huge,
            shape,
            erase: false,
        };
        assert_eq!(
            brush(&empty, &stroke).unwrap().count(),
            painted,
            "{shape:?}"
        );
    }
}

//! The phantom's truth is consistent with its images and with its analytic shapes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::PointLps;
use sirt_phantom::{Preset, generate, labels};

fn roman(s: u8) -> &'static str {
    ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII"][s as usize]
}

#[test]
fn truth_is_consistent() {
    let p = generate(Preset::Small, 11).unwrap();
    for (name, d, lsf, tnr) in [
        (
            "MAA",
            &p.truth.maa,
            p.truth.acquisition.maa_lsf,
            p.truth
                .anatomy
                .tumours
                .iter()
                .map(|t| t.tnr_maa)
                .collect::<Vec<_>>(),
        ),
        (
            "Y-90",
            &p.truth.y90,
            p.truth.acquisition.y90_lsf,
            p.truth.anatomy.tumours.iter().map(|t| t.tnr_y90).collect(),
        ),
    ] {
        let sum: f64 = d.compartments.iter().map(|c| c.activity_mbq).sum();
        assert!((sum - d.total_mbq).abs() < 1e-9 * d.total_mbq, "{name}");
        assert!((d.lsf - lsf).abs() < 1e-6, "{name} LSF {} vs {lsf}", d.lsf);
        for ((id, got), want) in d.tnr.iter().zip(&tnr) {
            // Concentrations come from f32 voxel values: ratios hold to ~1e-6.
            assert!(
                (got - want).abs() < 1e-5 * want,
                "{name} {id}: {got} vs {want}"
            );
        }
    }
    let maa = &p.truth.maa;
    assert!((maa.total_mbq - 150.0).abs() < 1e-4);
    // The necrotic core of T2 holds no activity; the GI deposit holds 0.8 % of the MAA.
    let core = labels::NECROSIS_BASE + 1;
    let core_activity: f64 = p
        .labels
        .data()
        .iter()
        .zip(p.maa_activity.data())
        .filter(|(l, _)| **l == core)
        .map(|(_, a)| f64::from(*a))
        .sum();
    assert!(p.labels.data().contains(&core));
    assert_eq!(core_activity, 0.0);
    let gi = maa
        .compartments
        .iter()
        .find(|c| c.name == "gi_deposit")
        .unwrap();
    assert!((gi.activity_mbq - 150.0 * 0.008).abs() < 1e-4);
}

#[test]
fn emission_images_carry_the_activity() {
    let p = generate(Preset::Small, 3).unwrap();
    let (expected, actual) = p.truth.spect_counts;
    // Poisson total: within 5 standard deviations of the expectation (blur keeps all counts:
    // the body lies well inside the SPECT grid).
    assert!(
        (actual - expected).abs() < 5.0 * expected.sqrt(),
        "{actual} vs {expected}"
    );
    // SPECT grid: own spacing and a known offset from the CT.
    assert_eq!(p.spect.grid().spacing_mm, [4.42; 3]);
    assert_eq!(p.spect.grid().frame, p.ct.grid().frame);
    // PET: total activity at the scan, within noise.
    let voxel_ml = p.pet.grid().voxel_volume_mm3() / 1000.0;
    let pet_mbq: f64 = p
        .pet
        .data()
        .iter()
        .map(|&c| f64::from(c) * voxel_ml / 1e6)
        .sum();
    let decay = (-(2f64.ln()) * 20.0 / 64.1).exp();
    let truth = p.truth.y90.total_mbq * decay;
    assert!(
        (pet_mbq / truth - 1.0).abs() < 0.01,
        "PET {pet_mbq} MBq vs {truth}"
    );
}

#[test]
fn anatomy_is_where_it_says() {
    let p = generate(Preset::Standard, 1).unwrap();
    let a = &p.truth.anatomy;
    for t in &a.tumours {
        let c = PointLps::new(t.shape.centre[0], t.shape.centre[1], t.shape.centre[2]);
        assert_eq!(roman(a.segment_at(c)), t.segment, "{} centre segment", t.id);
        // Fully inside the liver: every voxel of the sphere is tumour (or its core).
        let v = p
            .truth
            .volumes_ml
            .iter()
            .find(|(n, _)| *n == t.id)
            .unwrap()
            .1;
        let analytic = t.shape.volume_ml();
        let tolerance = if analytic > 5.0 { 0.05 } else { 0.35 };
        assert!(
            (v / analytic - 1.0).abs() < tolerance,
            "{}: voxels {v} mL vs sphere {analytic} mL",
            t.id
        );
    }
    for s in 1..=8 {
        let v = p
            .truth
            .volumes_ml
            .iter()
            .find(|(n, _)| *n == format!("segment {s}"))
            .unwrap()
            .1;
        assert!(v > 10.0, "segment {s}: {v} mL");
    }
    let liver = p
        .truth
        .volumes_ml
        .iter()
        .find(|(n, _)| n == "liver")
        .unwrap()
        .1;
    assert!((1200.0..2400.0).contains(&liver), "liver {liver} mL");
    // CT values by tissue (mean of noisy HU).
    let mean_hu = |label: u16| {
        let v: Vec<f64> = p
            .labels
            .data()
            .iter()
            .zip(p.ct.data())
            .filter(|(l, _)| **l == label)
            .map(|(_, h)| f64::from(*h))
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!((mean_hu(labels::LIVER) - 60.0).abs() < 1.0);
    assert!((mean_hu(labels::LUNG) + 820.0).abs() < 1.0);
}

#[test]
fn seeds_are_reproducible() {
    let a = generate(Preset::Small, 5).unwrap();
    let b = generate(Preset::Small, 5).unwrap();
    let c = generate(Preset::Small, 6).unwrap();
    assert_eq!(a.spect.data(), b.spect.data());
    assert_eq!(a.ct.data(), b.ct.data());
    assert_ne!(a.spect.data(), c.spect.data());
    assert_eq!(a.labels.data(), c.labels.data());
}

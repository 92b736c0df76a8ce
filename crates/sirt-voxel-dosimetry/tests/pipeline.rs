//! The pipeline on the digital phantom (whose truth comes from its generator, not from this
//! code) and on inputs it must refuse.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use sirt_geometry::{FrameOfReference, Image, Mask};
use sirt_nuclides::{Coefficient, KConvention, Nuclide};
use sirt_phantom::{Phantom, Preset, generate, labels};
use sirt_units::{Activity, Density, Fraction, Instant, TimeSpan};
use sirt_voxel_dosimetry::{
    ActivityInput, DensityInput, DosimetryError, EngineChoice, Request, Role, Structure,
    point_kernel, run,
};

/// The default MAA liver margin of sirt-settings (15 mm: the SPECT's spill-out).
const LIVER_MARGIN_M: f64 = 0.015;

fn mask(p: &Phantom, f: impl Fn(u16) -> bool) -> Mask {
    p.labels.map(f)
}

fn structures(p: &Phantom) -> Vec<Structure> {
    let mut s = vec![
        Structure::new(
            "liver",
            Role::Liver,
            mask(p, |l| l == labels::LIVER || l >= labels::TUMOUR_BASE),
        ),
        Structure::new("lungs", Role::Lungs, mask(p, |l| l == labels::LUNG)),
    ];
    for (n, t) in p.truth.anatomy.tumours.iter().enumerate() {
        let l = labels::TUMOUR_BASE + n as u16;
        s.push(Structure::new(
            t.id.clone(),
            Role::Tumour,
            mask(p, move |x| x == l),
        ));
    }
    s
}

fn request<'a>(
    activity: ActivityInput<'a>,
    ct: &'a Image<f32>,
    s: &'a [Structure],
    engine: EngineChoice,
) -> Request<'a> {
    Request {
        activity,
        density: DensityInput::FromCt {
            ct,
            curve: Default::default(),
        },
        structures: s,
        registration: None,
        k: KConvention::TheraSphereIfu.resolve(Nuclide::Y90).unwrap(),
        engine,
        bin_gy: 0.5,
        dx_percent: vec![70.0, 90.0],
        vx_gy: vec![100.0],
    }
}

/// With local deposition the mass-weighted voxel mean of each structure equals K · A / M from the
/// same masks (an identity of the definitions: both sum f a and f ρ V over the same voxels), and
/// doubling the administered activity doubles every dose.
#[test]
fn local_deposition_means_equal_partition_and_dose_is_linear_in_activity() {
    let p = generate(Preset::Small, 1).unwrap();
    let s = structures(&p);
    let maa = |gbq: f64| ActivityInput::MaaPredictive {
        counts: &p.spect,
        administered: Activity::from_gbq(gbq),
        lsf: Fraction::new(p.truth.maa.lsf).unwrap(),
        territories: vec![],
        liver_margin: sirt_units::Length::from_m(LIVER_MARGIN_M),
    };
    let one = run(&request(maa(1.5), &p.ct, &s, EngineChoice::LocalDeposition)).unwrap();
    let two = run(&request(maa(3.0), &p.ct, &s, EngineChoice::LocalDeposition)).unwrap();
    for (a, b) in one.structures.iter().zip(&two.structures) {
        assert!(
            a.voxel_vs_partition.abs() < 1e-5,
            "{}: {}",
            a.name,
            a.voxel_vs_partition
        );
        assert!(
            (b.dvh.mean_gy / a.dvh.mean_gy - 2.0).abs() < 1e-5,
            "{}",
            a.name
        );
    }
    // The derived normal liver is there, between the liver's and the tumours' masses.
    let nl = one.structure("normal liver (liver − tumours)").unwrap();
    assert_eq!(nl.role, Role::NormalLiver);
    assert!(nl.dvh.mass_kg.unwrap() < one.structure("liver").unwrap().dvh.mass_kg.unwrap());
    // The liver and its 15 mm margin hold A (1 − LSF) (no extrahepatic structure is named), the
    // lungs A · LSF, and the map the administered 1500 MBq. The liver structure itself holds the
    // part of A (1 − LSF) whose counts lie inside it, to within the liver counts of the voxels
    // shared with the lung mask (replaced there by the uniform lung share: 0.04 %).
    let lsf = p.truth.maa.lsf;
    let a = one.accounting().unwrap();
    assert!((a.liver.mbq() / (1500.0 * (1.0 - lsf)) - 1.0).abs() < 1e-9);
    assert!((one.activity_in_map().mbq() / 1500.0 - 1.0).abs() < 1e-5);
    let inside = a.liver_counts_fraction.value()
        / (a.liver_counts_fraction.value() + a.margin_counts_fraction.value());
    let liver = one.structure("liver").unwrap().activity_mbq;
    let lungs = one.structure("lungs").unwrap().activity_mbq;
    assert!(
        (liver / (1500.0 * (1.0 - lsf) * inside) - 1.0).abs() < 1e-3,
        "{liver}"
    );
    // The map puts A · LSF in the lung voxels in proportion to their fraction g (exactly, in the
    // accounting); the structure's sum weighs them by g again (Σ g² / Σ g < 1 on the border
    // voxels: 1 % less on this grid), and the soft-tissue part of its border voxels, outside the
    // liver margin, is no longer given counts at the liver's scale: 2.9 % less in all.
    assert!((a.lungs.mbq() / (1500.0 * lsf) - 1.0).abs() < 1e-9);
    assert!((lungs / (1500.0 * lsf) - 1.0).abs() < 0.04, "{lungs}");
}

/// The phantom's PET holds the generator's Y-90 activity decayed over `pet_delay_h`: decay
/// correction back to the administration recovers the true 1.9 GBq within 2 % (Poisson noise,
/// and counts blurred past the PET field of view). The liver's activity is lower than the truth
/// by the spill-out of the PET resolution (8 mm FWHM) across its border: 6.8 % on this phantom.
#[test]
fn pet_decay_correction_recovers_the_delivered_activity() {
    let p = generate(Preset::Small, 1).unwrap();
    let s = structures(&p);
    let admin: Instant = "2026-03-05T10:25:00[Europe/Paris]".parse().unwrap();
    let scan = admin
        .plus(TimeSpan::from_hours(p.truth.acquisition.pet_delay_h))
        .unwrap();
    let r = run(&request(
        ActivityInput::Pet {
            bq_per_ml: &p.pet,
            reference: scan,
            administration: admin,
        },
        &p.ct,
        &s,
        EngineChoice::Kernel,
    ))
    .unwrap();
    let total = r.activity.total_mbq();
    let truth = p.truth.y90.total_mbq;
    assert!((total / truth - 1.0).abs() < 0.02, "{total} vs {truth}");
    let liver_truth = p.truth.y90.liver_mbq;
    let liver = r.structure("liver").unwrap();
    let ratio = liver.activity_mbq / liver_truth;
    assert!(
        (0.90..1.0).contains(&ratio),
        "{} vs {liver_truth}",
        liver.activity_mbq
    );
}

#[test]
fn inputs_it_cannot_use_are_refused_with_the_reason() {
    let p = generate(Preset::Small, 1).unwrap();
    let maa = ActivityInput::MaaPredictive {
        counts: &p.spect,
        administered: Activity::from_gbq(1.0),
        lsf: Fraction::ZERO,
        territories: vec![],
        liver_margin: sirt_units::Length::from_m(LIVER_MARGIN_M),
    };
    // A structure in another frame of reference without a registration.
    let liver = mask(&p, |l| l == labels::LIVER);
    let (mut g, d) = liver.into_parts();
    g.frame = FrameOfReference("2.25.999".into());
    let other = vec![Structure::new(
        "liver",
        Role::Liver,
        Image::new(g, d).unwrap(),
    )];
    let e = run(&request(
        maa.clone(),
        &p.ct,
        &other,
        EngineChoice::LocalDeposition,
    ))
    .unwrap_err();
    assert!(
        matches!(&e, DosimetryError::Structure { name, .. } if name == "liver"),
        "{e}"
    );
    assert!(
        e.to_string().contains("registration") || e.to_string().contains("frame"),
        "{e}"
    );
    // An empty mask.
    let empty = vec![Structure::new("liver", Role::Liver, mask(&p, |_| false))];
    let e = run(&request(
        maa.clone(),
        &p.ct,
        &empty,
        EngineChoice::LocalDeposition,
    ))
    .unwrap_err();
    assert_eq!(e.to_string(), "structure \"liver\": the mask is empty");
    // No liver for the MAA calibration.
    let lungs = vec![Structure::new(
        "lungs",
        Role::Lungs,
        mask(&p, |l| l == labels::LUNG),
    )];
    let e = run(&request(
        maa.clone(),
        &p.ct,
        &lungs,
        EngineChoice::LocalDeposition,
    ))
    .unwrap_err();
    assert!(e.to_string().contains("Liver"), "{e}");
    // No kernel for Lu-177.
    let e = point_kernel(Nuclide::Lu177).unwrap_err();
    assert_eq!(
        e.to_string(),
        "no dose point kernel for Lu-177: use local deposition"
    );
    let s = structures(&p);
    // NaN in the activity image.
    let mut bad = p.spect.clone();
    bad.data_mut()[10] = f32::NAN;
    let req = request(
        ActivityInput::MaaPredictive {
            counts: &bad,
            administered: Activity::from_gbq(1.0),
            lsf: Fraction::ZERO,
            territories: vec![],
            liver_margin: sirt_units::Length::from_m(LIVER_MARGIN_M),
        },
        &p.ct,
        &s,
        EngineChoice::LocalDeposition,
    );
    let e = run(&req).unwrap_err();
    assert!(e.to_string().contains("NaN"), "{e}");
    // A zero density.
    let mut req = request(maa, &p.ct, &s, EngineChoice::LocalDeposition);
    req.density = DensityInput::Uniform(Density::from_g_per_ml(0.0));
    assert!(run(&req).unwrap_err().to_string().contains("above 0 g/mL"));
}

/// Ho-166 with the kernel built from its β spectrum: the kernel and local deposition agree on the
/// energy (the kernel is normalised to the K convention's energy per decay) and, Ho-166's β range
/// being shorter than Y-90's (CSDA range at the endpoint 9.0 vs 11.2 mm in water), the kernel
/// moves less dose out of the liver than Y-90's does: the liver's kernel/LDM ratio is below 1 and
/// closer to 1 than Y-90's on the same activity image.
#[test]
fn ho166_kernel_dose_is_between_y90_kernel_and_local_deposition() {
    let p = generate(Preset::Small, 1).unwrap();
    let s = structures(&p);
    let maa = ActivityInput::MaaPredictive {
        counts: &p.spect,
        administered: Activity::from_gbq(1.5),
        lsf: Fraction::new(p.truth.maa.lsf).unwrap(),
        territories: vec![],
        liver_margin: sirt_units::Length::from_m(LIVER_MARGIN_M),
    };
    let ratio = |k: Coefficient| {
        let mut a = request(maa.clone(), &p.ct, &s, EngineChoice::LocalDeposition);
        a.k = k.clone();
        let mut b = request(maa.clone(), &p.ct, &s, EngineChoice::Kernel);
        b.k = k;
        let ldm = run(&a).unwrap();
        let dvk = run(&b).unwrap();
        dvk.structure("liver").unwrap().dvh.mean_gy / ldm.structure("liver").unwrap().dvh.mean_gy
    };
    let ho = ratio(KConvention::Ho166Rule.resolve(Nuclide::Ho166).unwrap());
    let y = ratio(KConvention::TheraSphereIfu.resolve(Nuclide::Y90).unwrap());
    println!("liver kernel/LDM: Ho-166 {ho:.4}, Y-90 {y:.4}");
    assert!(
        ho < 1.0 && y < ho,
        "liver kernel/LDM: Ho-166 {ho}, Y-90 {y}"
    );
}

/// A prepared geometry keeps the doses it computed: a later activity map that is a multiple of
/// a kept one (a plan whose activity changed) gets the kept dose scaled, and that dose equals
/// the one convolved afresh on a new preparation (the kernel convolution is linear); a map
/// that is not a multiple (other counts) is convolved, not scaled.
#[test]
fn kept_doses_scaled_for_a_multiple_equal_a_fresh_convolution() {
    use sirt_voxel_dosimetry::{prepare, run_prepared};
    let p = generate(Preset::Small, 1).unwrap();
    let s = structures(&p);
    let lsf = Fraction::new(p.truth.maa.lsf).unwrap();
    fn maa(counts: &Image<f32>, gbq: f64, lsf: Fraction) -> ActivityInput<'_> {
        ActivityInput::MaaPredictive {
            counts,
            administered: Activity::from_gbq(gbq),
            lsf,
            territories: vec![],
            liver_margin: sirt_units::Length::from_m(LIVER_MARGIN_M),
        }
    }
    let density = DensityInput::FromCt {
        ct: &p.ct,
        curve: Default::default(),
    };
    let kept = prepare(&s, &density, p.spect.grid(), None).unwrap();
    let first = request(maa(&p.spect, 1.2, lsf), &p.ct, &s, EngineChoice::Kernel);
    run_prepared(&first, &kept).unwrap();
    // 2.7 GBq: a multiple of the 1.2 GBq map, scaled from the kept dose.
    let scaled = run_prepared(
        &request(maa(&p.spect, 2.7, lsf), &p.ct, &s, EngineChoice::Kernel),
        &kept,
    )
    .unwrap();
    assert_eq!(
        kept.kept_doses(),
        1,
        "the 2.7 GBq dose was scaled, not computed and kept"
    );
    let fresh_prep = prepare(&s, &density, p.spect.grid(), None).unwrap();
    let fresh = run_prepared(
        &request(maa(&p.spect, 2.7, lsf), &p.ct, &s, EngineChoice::Kernel),
        &fresh_prep,
    )
    .unwrap();
    let max = fresh.dose.gy.data().iter().fold(0.0_f32, |m, &g| m.max(g));
    assert!(max > 1.0, "a dose to compare: max {max} Gy");
    for (a, b) in scaled.dose.gy.data().iter().zip(fresh.dose.gy.data()) {
        assert!((a - b).abs() <= 1e-5 * max, "{a} against {b}");
    }
    let e = scaled.dose.energy_in_tissue_j / fresh.dose.energy_in_tissue_j - 1.0;
    assert!(e.abs() < 1e-6, "energy in tissue: relative difference {e}");
    for (a, b) in scaled.structures.iter().zip(&fresh.structures) {
        assert!(
            (a.dvh.mean_gy / b.dvh.mean_gy - 1.0).abs() < 1e-5,
            "{}",
            a.name
        );
    }
    // Other counts (one liver voxel doubled): not a multiple, convolved again.
    let mut other = p.spect.clone();
    let hot = other
        .data()
        .iter()
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(y.1))
        .map(|(i, _)| i)
        .unwrap();
    let mut data = other.data().to_vec();
    data[hot] *= 2.0;
    other = Image::new(other.grid().clone(), data).unwrap();
    let on_kept = run_prepared(
        &request(maa(&other, 2.7, lsf), &p.ct, &s, EngineChoice::Kernel),
        &kept,
    )
    .unwrap();
    let on_fresh = run_prepared(
        &request(maa(&other, 2.7, lsf), &p.ct, &s, EngineChoice::Kernel),
        &prepare(&s, &density, p.spect.grid(), None).unwrap(),
    )
    .unwrap();
    assert_eq!(on_kept.dose.gy.data(), on_fresh.dose.gy.data());
    assert_eq!(
        kept.kept_doses(),
        2,
        "the other counts' dose was computed and kept"
    );
    assert_ne!(on_kept.dose.gy.data(), scaled.dose.gy.data());
}

//! The radiobiology of a dosimetry against independent truth: a uniform dose gives the scalar
//! Dale BED (Y-90 and Ho-166, half-lives from sirt-nuclides) with a one-bin BED-volume
//! histogram and gEUD = dose; since BED is an increasing function of the dose, the BED-volume
//! histogram at BED(x) must hold exactly the DVH's V_x (a monotone map keeps volume fractions);
//! gEUD with a = 1 is the histogram's mean; fits applied by role and device; the display map
//! takes the tumour parameters where tumours cover the voxel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_clinical::{FitKind, LqParameters, RadiobiologyData, TissueRole, bed_permanent_implant};
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_nuclides::{KConvention, Nuclide};
use sirt_units::{AbsorbedDose, Activity, Density, Fraction, Length};
use sirt_voxel_dosimetry::pipeline::radiobiology::{RadiobiologyRequest, bed_map, radiobiology};
use sirt_voxel_dosimetry::{
    ActivityInput, DensityInput, EngineChoice, Request, Role, Structure, prepare, run_prepared,
};

const N: usize = 12;

fn grid() -> Grid {
    Grid::axis_aligned(
        [N, N, N],
        [4.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .unwrap()
}

/// Liver = the whole grid; tumour = the cube 4..8 (64 voxels) when `tumour_counts` is given,
/// with that many counts per voxel against 1 elsewhere (plus a gradient along x so the
/// liver's doses spread over many bins).
fn setup(
    tumour_counts: Option<f32>,
    nuclide: Nuclide,
) -> (
    sirt_voxel_dosimetry::VoxelDosimetry,
    sirt_voxel_dosimetry::Prepared,
) {
    let g = grid();
    let inside = |i: usize, j: usize, k: usize| {
        (4..8).contains(&i) && (4..8).contains(&j) && (4..8).contains(&k)
    };
    let mut counts = Vec::with_capacity(N * N * N);
    let mut tumour = Vec::with_capacity(N * N * N);
    for k in 0..N {
        for j in 0..N {
            for i in 0..N {
                let t = tumour_counts.is_some() && inside(i, j, k);
                tumour.push(t);
                counts.push(match tumour_counts {
                    Some(c) if t => c + i as f32,
                    Some(_) => 1.0 + i as f32 / 4.0,
                    None => 1.0,
                });
            }
        }
    }
    let counts = Image::new(g.clone(), counts).unwrap();
    let mut structures = vec![Structure::new(
        "liver",
        Role::Liver,
        Image::filled(g.clone(), true),
    )];
    if tumour_counts.is_some() {
        structures.push(Structure::new(
            "T1",
            Role::Tumour,
            Image::new(g.clone(), tumour).unwrap(),
        ));
    }
    let k = match nuclide {
        Nuclide::Ho166 => KConvention::Ho166Rule,
        _ => KConvention::TheraSphereIfu,
    }
    .resolve(nuclide)
    .unwrap();
    let density = DensityInput::Uniform("1.0 g/mL".parse::<Density>().unwrap());
    let prepared = prepare(&structures, &density, &g, None).unwrap();
    let d = run_prepared(
        &Request {
            activity: ActivityInput::MaaPredictive {
                counts: &counts,
                administered: Activity::from_gbq(1.0),
                lsf: Fraction::ZERO,
                territories: vec![],
                liver_margin: Length::from_m(0.0),
            },
            density,
            structures: &structures,
            registration: None,
            k,
            engine: EngineChoice::LocalDeposition,
            bin_gy: 0.1,
            dx_percent: vec![50.0, 90.0],
            vx_gy: vec![100.0, 200.0],
        },
        &prepared,
    )
    .unwrap();
    (d, prepared)
}

fn request<'a>(
    data: &'a RadiobiologyData,
    material: &'a str,
    vx: &'a [f64],
) -> RadiobiologyRequest<'a> {
    RadiobiologyRequest {
        data,
        device_material: material,
        bin_gy: 0.1,
        dx_percent: &[50.0, 90.0],
        vx_gy: vx,
    }
}

#[test]
fn uniform_dose_gives_the_scalar_bed() {
    let data = RadiobiologyData::embedded().unwrap();
    for nuclide in [Nuclide::Y90, Nuclide::Ho166] {
        let (d, prepared) = setup(None, nuclide);
        let dose = d.structures[0].dvh.mean_gy;
        let r = radiobiology(&d, &prepared, &request(&data, "glass", &[])).unwrap();
        assert_eq!(r.half_life, nuclide.half_life());
        let liver = &r.structures[0];
        assert_eq!(liver.tissue, "normal-liver");
        let want = bed_permanent_implant(
            AbsorbedDose::from_gy(dose),
            nuclide.half_life(),
            &LqParameters::normal_liver(),
        )
        .unwrap();
        let rel = |a: f64, b: f64| (a - b).abs() / b;
        assert!(
            rel(liver.mean_bed_gy, want.bed.gy()) < 1e-6,
            "{nuclide}: {} vs {}",
            liver.mean_bed_gy,
            want.bed
        );
        assert!(rel(liver.mean_eqd2_gy, want.eqd2.gy()) < 1e-6);
        // gEUD (a = 1 for the liver) of a uniform map is its value; one occupied bin.
        assert!(rel(liver.geud_bed_gy.unwrap(), want.bed.gy()) < 1e-6);
        assert_eq!(
            liver.bvh.differential.iter().filter(|&&x| x > 0.0).count(),
            1
        );
        // The derived normal liver is absent: the liver carries the NTCP fit of glass.
        let ids: Vec<_> = liver.fits.iter().map(|f| f.fit.id.as_str()).collect();
        assert_eq!(ids, ["walrand2014-glass-lobar-bed50"]);
        assert_eq!(liver.fits[0].value_gy, Some(liver.mean_bed_gy));
        assert_eq!(liver.fits[0].probability, None, "no slope in the source");
    }
}

/// V_BED(BED(x)) = V_D(x): the histogram of BED holds the DVH's volume fractions at the mapped
/// levels, for the tumour and the normal liver (their own α/β).
#[test]
fn bed_volume_histogram_maps_the_dvh() {
    let data = RadiobiologyData::embedded().unwrap();
    let (d, prepared) = setup(Some(9.0), Nuclide::Y90);
    for s in &d.structures {
        let Some(tissue) = data.tissue_for(match s.role {
            Role::Tumour => TissueRole::Tumour,
            Role::NormalLiver => TissueRole::NormalLiver,
            _ => TissueRole::Liver,
        }) else {
            panic!("no tissue for {}", s.name)
        };
        // Three levels inside the structure's dose range, and its DVH at them (the physics'
        // DVH on the same masks and weights; uniform density: the part dose is the dose).
        let (lo, hi) = (s.dvh.min_gy, s.dvh.max_gy);
        let levels: Vec<f64> = [0.25, 0.5, 0.75]
            .iter()
            .map(|q| lo + q * (hi - lo))
            .collect();
        let i = d.structures.iter().position(|x| x.name == s.name).unwrap();
        let dvh = sirt_voxel_dosimetry::physics::dvh::dvh(
            &d.dose.gy,
            &d.fractions[i],
            Some(&prepared.part_densities()[i]),
            0.1,
            &[],
            &levels,
        )
        .unwrap();
        let mapped: Vec<f64> = levels
            .iter()
            .map(|&x| {
                bed_permanent_implant(
                    AbsorbedDose::from_gy(x),
                    Nuclide::Y90.half_life(),
                    &tissue.lq,
                )
                .unwrap()
                .bed
                .gy()
            })
            .collect();
        let r = radiobiology(&d, &prepared, &request(&data, "resin", &mapped)).unwrap();
        let b = r.structures.iter().find(|x| x.name == s.name).unwrap();
        assert_eq!(b.tissue, tissue.id);
        for ((x, v), (bx, bv)) in dvh.v.iter().zip(&b.bvh.v) {
            assert!(
                (v - bv).abs() < 1e-6,
                "{}: V{x} = {v}, V_BED{bx} = {bv}",
                s.name
            );
            assert!(
                *v > 0.0 && *v < 1.0,
                "{}: V{x} = {v} inside the range",
                s.name
            );
        }
        // The histogram's bins are the DVH's; its mean is the weighted mean of the BED.
        assert_eq!(b.bvh.bin_gy, s.dvh.bin_gy);
        assert!((b.bvh.mass_kg.unwrap() - s.dvh.mass_kg.unwrap()).abs() < 1e-12);
        assert!(b.mean_bed_gy > b.mean_dose_gy);
    }
}

/// gEUD with a = 1 (a site record) is the mean BED; tumour fits by device; a site slope gives a
/// probability; the display map uses the tumour's α/β inside the tumour.
#[test]
fn eud_fits_and_display_map() {
    let site = r#"
[[tissue]]
id = "tumour"
title = "Tumour"
roles = ["tumour"]
alpha_beta = "10 Gy"
repair_half_time = "1.5 h"
eud_a = 1.0
eud_a_source = "test"
source = "test"
evidence = "test"

[[fit]]
id = "jnm2020-glass-lesion-bed50"
kind = "response"
model = "logistic"
title = "test slope"
tissue = "tumour"
device_material = "glass"
quantity = "mean_bed"
d50 = "441 Gy"
slope = 1.0
endpoint = "test"
source = "test"
evidence = "test"
"#;
    let data = RadiobiologyData::with_site_files([("site.toml", site)]).unwrap();
    let (d, prepared) = setup(Some(9.0), Nuclide::Y90);
    let r = radiobiology(&d, &prepared, &request(&data, "glass", &[])).unwrap();
    let t = r
        .structures
        .iter()
        .find(|s| s.role == Role::Tumour)
        .unwrap();
    assert!((t.geud_bed_gy.unwrap() - t.mean_bed_gy).abs() < 1e-9 * t.mean_bed_gy);
    assert_eq!(t.fits.len(), 2);
    let f = &t.fits[0];
    let want = 1.0 / (1.0 + (441.0 / t.mean_bed_gy).powf(4.0));
    assert!((f.probability.unwrap() - want).abs() < 1e-12);
    // The tumour sits in liver: the normal liver (derived) carries the NTCP fit, not the liver.
    let nl = r
        .structures
        .iter()
        .find(|s| s.role == Role::NormalLiver)
        .unwrap();
    assert_eq!(nl.fits.len(), 1);
    let liver = r.structures.iter().find(|s| s.role == Role::Liver).unwrap();
    assert!(liver.fits.is_empty());
    assert_eq!(
        data.fits_for(FitKind::Ntcp, "normal-liver", "resin")
            .count(),
        1
    );
    let r = radiobiology(&d, &prepared, &request(&data, "resin", &[])).unwrap();
    let t = r
        .structures
        .iter()
        .find(|s| s.role == Role::Tumour)
        .unwrap();
    assert!(
        t.fits.is_empty(),
        "the glass response fits do not apply to resin"
    );

    let map = bed_map(&d, &data).unwrap().unwrap();
    let half = Nuclide::Y90.half_life();
    let at = |i: usize, j: usize, k: usize| i + N * (j + N * k);
    for (n, p) in [
        (at(5, 5, 5), LqParameters::tumour()),
        (at(1, 1, 1), LqParameters::normal_liver()),
    ] {
        let dose = f64::from(d.dose.gy.data()[n]);
        let want = bed_permanent_implant(AbsorbedDose::from_gy(dose), half, &p)
            .unwrap()
            .bed
            .gy();
        assert!(
            (f64::from(map.data()[n]) - want).abs() < 1e-4 * want,
            "voxel {n}"
        );
    }
}

#[test]
fn other_geometry_is_refused() {
    let data = RadiobiologyData::embedded().unwrap();
    let (d, _) = setup(Some(9.0), Nuclide::Y90);
    let (_, other) = setup(None, Nuclide::Y90);
    let e = radiobiology(&d, &other, &request(&data, "glass", &[])).unwrap_err();
    assert!(
        e.to_string().contains("not those the dose was computed on"),
        "{e}"
    );
}

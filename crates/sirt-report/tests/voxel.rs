//! Snapshots of the voxel dosimetry sections as a person reads them, on a small case whose
//! numbers can be checked by hand: a 12 × 12 × 12 grid of 4 mm voxels (0.064 mL), uniform density
//! 1.0 g/mL, the whole grid is the "liver", a 3 × 3 × 3 "T1" holds 4× the counts per voxel;
//! 1 GBq, no lung shunt, local deposition with K = 50 Gy·kg/GBq.
//! Liver: 1728 voxels, 110.592 g; counts 1701 + 27·4 = 1809; T1 holds 108/1809 of 1 GBq =
//! 59.70 MBq in 1.728 g → 50 · 0.05970 / 0.001728 = 1727.5 Gy; the rest 940.30 MBq in 108.864 g
//! → 431.9 Gy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_nuclides::{KConvention, Nuclide};
use sirt_units::{Activity, Density, Fraction};
use sirt_voxel_dosimetry::{
    ActivityInput, DensityInput, EngineChoice, Request, Role, Structure, compare, run,
};

/// The default MAA liver margin of sirt-settings (15 mm: the SPECT's spill-out).
const LIVER_MARGIN_M: f64 = 0.015;

fn case(tumour_counts: f32) -> sirt_voxel_dosimetry::VoxelDosimetry {
    let g = Grid::axis_aligned(
        [12, 12, 12],
        [4.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .unwrap();
    let inside = |o: usize| {
        let [i, j, k] = g.index_of_offset(o);
        (4..7).contains(&i) && (4..7).contains(&j) && (4..7).contains(&k)
    };
    let counts = Image::new(
        g.clone(),
        (0..g.len())
            .map(|o| if inside(o) { tumour_counts } else { 1.0 })
            .collect(),
    )
    .unwrap();
    let structures = vec![
        Structure::new("liver", Role::Liver, Image::filled(g.clone(), true)),
        Structure::new(
            "T1",
            Role::Tumour,
            Image::new(g.clone(), (0..g.len()).map(inside).collect()).unwrap(),
        ),
    ];
    run(&Request {
        activity: ActivityInput::MaaPredictive {
            counts: &counts,
            administered: Activity::from_gbq(1.0),
            lsf: Fraction::ZERO,
            territories: vec![],
            liver_margin: sirt_units::Length::from_m(LIVER_MARGIN_M),
        },
        density: DensityInput::Uniform(Density::from_g_per_ml(1.0)),
        structures: &structures,
        registration: None,
        k: KConvention::TheraSphereIfu.resolve(Nuclide::Y90).unwrap(),
        engine: EngineChoice::LocalDeposition,
        bin_gy: 0.5,
        dx_percent: vec![70.0, 90.0],
        vx_gy: vec![100.0],
    })
    .unwrap()
}

#[test]
fn voxel_report_snapshot() {
    let d = case(4.0);
    let t1 = d.structure("T1").unwrap();
    assert!((t1.dvh.mean_gy - 1727.5).abs() < 0.1, "{}", t1.dvh.mean_gy);
    let text = sirt_report::document::to_text(&sirt_report::voxel::voxel_document(
        "sirtplan voxel dosimetry",
        &d,
        &["a note from the caller".to_string()],
    ));
    insta::assert_snapshot!(text);
}

#[test]
fn verification_snapshot() {
    // "Delivered": the tumour took 3× instead of 4× the counts.
    let predicted = case(4.0);
    let delivered = case(3.0);
    let v = compare(&predicted, &delivered, None).unwrap();
    let doc = sirt_report::document::Document {
        title: "verification".into(),
        blocks: sirt_report::voxel::verification_blocks(&v),
        page_size: None,
        lang: sirt_i18n::Lang::En,
    };
    insta::assert_snapshot!(sirt_report::document::to_text(&doc));
}

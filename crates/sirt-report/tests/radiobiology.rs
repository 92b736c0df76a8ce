//! The "Radiobiology (information)" section in English and French (snapshots read before
//! accepting), and its JSON: values that do not apply are absent, the BED of a structure is
//! Dale's formula of its dose where the dose is uniform (checked here against the formula).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_i18n::Lang;
use sirt_nuclides::{KConvention, Nuclide};
use sirt_units::{Activity, Density, Fraction};
use sirt_voxel_dosimetry::pipeline::radiobiology::{
    RadiobiologyData, RadiobiologyRequest, radiobiology,
};
use sirt_voxel_dosimetry::{
    ActivityInput, DensityInput, EngineChoice, Request, Role, Structure, prepare, run_prepared,
};

/// A uniform liver with a 27-voxel tumour at 4 × its concentration (as tests/voxel.rs), glass.
fn section(lang: Lang) -> (String, serde_json::Value) {
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
            .map(|o| if inside(o) { 4.0 } else { 1.0 })
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
    let density = DensityInput::Uniform(Density::from_g_per_ml(1.0));
    let prepared = prepare(&structures, &density, &g, None).unwrap();
    let d = run_prepared(
        &Request {
            activity: ActivityInput::MaaPredictive {
                counts: &counts,
                administered: Activity::from_gbq(1.0),
                lsf: Fraction::ZERO,
                territories: vec![],
                liver_margin: sirt_units::Length::from_m(0.0),
            },
            density,
            structures: &structures,
            registration: None,
            k: KConvention::TheraSphereIfu.resolve(Nuclide::Y90).unwrap(),
            engine: EngineChoice::LocalDeposition,
            bin_gy: 0.5,
            dx_percent: vec![70.0, 90.0],
            vx_gy: vec![100.0],
        },
        &prepared,
    )
    .unwrap();
    let data = RadiobiologyData::embedded().unwrap();
    let r = radiobiology(
        &d,
        &prepared,
        &RadiobiologyRequest {
            data: &data,
            device_material: "glass",
            bin_gy: 0.5,
            dx_percent: &[90.0],
            vx_gy: &[],
        },
    )
    .unwrap();
    let items = vec![("Session 1: predicted".to_owned(), &r)];
    let doc = sirt_report::document::Document {
        title: "radiobiology".into(),
        blocks: sirt_report::radiobiology::radiobiology_blocks(&items, lang),
        page_size: None,
        lang,
    };
    (
        sirt_report::document::to_text(&doc),
        sirt_report::radiobiology::radiobiology_json(&items),
    )
}

#[test]
fn radiobiology_section_english() {
    let (text, json) = section(Lang::En);
    insta::assert_snapshot!(text);
    // T1 (uniform, 27 voxels of 4 × the liver's concentration) by hand: its dose D from the
    // JSON, BED = D + D² · 1.5 / ((1.5 + 64.1) · 10).
    let t1 = &json[0]["structures"].as_array().unwrap()[1];
    assert_eq!(t1["name"], "T1");
    let d = t1["mean_dose_gy"].as_f64().unwrap();
    let want = d + d * d * 1.5 / ((1.5 + 64.1) * 10.0);
    assert!((t1["mean_bed_gy"].as_f64().unwrap() - want).abs() < 1e-3 * want);
    let fit = &t1["fits"][0];
    assert_eq!(fit["id"], "jnm2020-glass-lesion-bed50");
    assert!(
        fit.get("probability").is_none() && fit.get("slope").is_none(),
        "{fit}"
    );
    assert_eq!(json[0]["information_only"], true);
}

#[test]
fn radiobiology_section_french() {
    let (text, _) = section(Lang::Fr);
    insta::assert_snapshot!(text);
}

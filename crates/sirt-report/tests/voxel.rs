//! Snapshots of the voxel dosimetry sections as a person reads them, on a small case whose
//! numbers can be checked by hand: a 12 × 12 × 12 grid of 4 mm voxels (0.064 mL), uniform density
//! 1.0 g/mL, the whole grid is the "liver", a 3 × 3 × 3 "T1" holds 4× the counts per voxel;
//! 1 GBq, no lung shunt, local deposition with K = 50 Gy·kg/GBq.
//! Liver: 1728 voxels, 110.592 g; counts 1701 + 27·4 = 1809; T1 holds 108/1809 of 1 GBq =
//! 59.70 MBq in 1.728 g → 50 · 0.05970 / 0.001728 = 1727.5 Gy; the rest 940.30 MBq in 108.864 g
//! → 431.9 Gy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_i18n::{Lang, Text};
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
        &[Text::from("a note from the caller")],
        Lang::En,
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
        blocks: sirt_report::voxel::verification_blocks(&v, Lang::En),
        page_size: None,
        lang: sirt_i18n::Lang::En,
    };
    insta::assert_snapshot!(sirt_report::document::to_text(&doc));
}

/// The same document in French (snapshot): the words of the English snapshot
/// (`voxel_report_snapshot`) in French, decimal commas where it has points (the tumour's mean
/// 1727.5 Gy → "1727,5", the grid's 4.00 mm → "4,00 mm"), a no-break space before units, the
/// research notice in French; a note given as a catalogue message renders in French, a verbatim
/// note as given.
#[test]
fn voxel_report_in_french() {
    let d = case(4.0);
    let doc = sirt_report::voxel::voxel_document(
        &sirt_i18n::t!(Lang::Fr, "voxel-document-title"),
        &d,
        &[
            Text::from("a note from the caller"),
            Text::msg("voxel-small-lesion"),
        ],
        Lang::Fr,
    );
    let text = sirt_report::document::to_text(&doc);
    for t in [
        "sirtplan — dosimétrie voxélique",
        "Usage en recherche uniquement.",
        "Dose par structure",
        "Grille de dose",
        "12 × 12 × 12 voxels de 4,00 × 4,00 × 4,00\u{a0}mm",
        "Activité dans la carte (A₀)",
        "Bilan d'activité de la prédiction par les MAA\u{a0}:",
        "Activité administrée",
        "1000,0\u{a0}MBq",
        "Foie et marge",
        "Rôle",
        "Moyenne (Gy)",
        "Écart voxel/partition",
        "foie",
        "tumeur",
        "1727,5",
        "La moyenne, les D_x et le maximum sont pondérés par la masse",
        "a note from the caller",
        "< 2\u{a0}mL\u{a0}: volume partiel",
    ] {
        assert!(text.contains(t), "{t}\n{text}");
    }
    for t in [
        "1727.5",
        "Dose grid",
        "Activity accounting",
        "Research use only",
    ] {
        assert!(!text.contains(t), "{t}");
    }
    insta::assert_snapshot!(text);
}

/// Predicted vs delivered in French (snapshot): headings and labels in French, the bias and its
/// limits with decimal commas and no-break spaces, the ratio "0,750"-like with a comma.
#[test]
fn verification_in_french() {
    let predicted = case(4.0);
    let delivered = case(3.0);
    let v = compare(&predicted, &delivered, None).unwrap();
    let blocks = sirt_report::voxel::verification_blocks(&v, Lang::Fr);
    let en = sirt_report::voxel::verification_blocks(&v, Lang::En);
    let doc = |blocks| sirt_report::document::Document {
        title: "vérification".into(),
        blocks,
        page_size: None,
        lang: Lang::Fr,
    };
    let text = sirt_report::document::to_text(&doc(blocks));
    let en_text = sirt_report::document::to_text(&doc(en));
    for t in [
        "Dose prédite (TEMP aux MAA) et dose délivrée (TEP à l'Y-90)",
        "Prédite (Gy)",
        "Délivrée (Gy)",
        "Délivrée / prédite",
        "Moins de deux tumeurs appariées\u{a0}: pas de synthèse de Bland–Altman.",
    ] {
        assert!(text.contains(t), "{t}\n{text}");
    }
    // Every number of the English table with a point has its French twin with a comma.
    let t1 = v
        .rows
        .iter()
        .find(|(_, c)| c.name == "T1")
        .unwrap()
        .1
        .clone();
    let (p_en, p_fr) = (
        format!("{:.1}", t1.predicted_gy),
        Lang::Fr.decimal(t1.predicted_gy, 1),
    );
    assert!(p_en.contains('.') && p_fr == p_en.replace('.', ","));
    assert!(en_text.contains(&p_en) && text.contains(&p_fr) && !text.contains(&p_en));
    let ratio = format!("{:.3}", t1.ratio);
    assert!(en_text.contains(&ratio) && text.contains(&ratio.replace('.', ",")));
    insta::assert_snapshot!(text);
}

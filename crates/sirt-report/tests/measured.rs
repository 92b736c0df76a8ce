//! The "Measured inputs" section (text snapshots in English and French) and the JSON's
//! `input_provenance` on a provenance written by hand: each origin (measured, entered with a
//! reason, entered without one beside a measurement, a plan parameter, the planar geometric
//! mean), the differences computed by hand, and the keys of a measurement the images did not
//! give left out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_case::{
    InputProvenance, LsfInput, LsfMeasurement, LungMassMeasurement, NotMeasured, Origin,
    PerfusedInput, Source, TerritoryMeasurement, TnrInput, TnrMeasurement,
};
use sirt_i18n::Lang;
use sirt_report::document::{Document, to_text};
use sirt_units::{Density, Fraction, Mass, Volume};

const CASE: &str = include_str!("../../../examples/demo-phantom-case.toml");

fn spect() -> Source {
    Source {
        image: "dicom/spect".into(),
        series_uids: vec!["2.25.1".into()],
        structures: "dicom/rtstruct.dcm".into(),
        grid: "SPECT grid 82 × 60 × 57, 4.42 × 4.42 × 4.42 mm".into(),
        method: "counts in lung mask / (lung + liver masks)".into(),
    }
}

/// Two injections: R entered with reasons (LSF from `mapping.lsf`, TNR, volume), L measured
/// (TNR, volume) with its LSF a plan parameter; the planar LSF given too.
fn provenance() -> InputProvenance {
    let entered = |field: &str, reason: Option<&str>| Origin::Entered {
        field: field.into(),
        reason: reason.map(str::to_owned),
    };
    InputProvenance {
        lsf_measured: Some(LsfMeasurement {
            lsf: Fraction::new(0.0593).unwrap(),
            lung_mask: "lungs".into(),
            liver_mask: "liver".into(),
            lung_counts: 92_200.0,
            liver_counts: 1_461_559.0,
            source: spect(),
        }),
        lsf_planar: Fraction::new(0.081),
        lsf: vec![
            LsfInput {
                injection: "R".into(),
                used: Fraction::new(0.06).unwrap(),
                origin: entered("mapping.lsf", None),
            },
            LsfInput {
                injection: "L".into(),
                used: Fraction::new(0.05).unwrap(),
                origin: Origin::Parameter {
                    field: "injections.L.lsf".into(),
                },
            },
        ],
        tnr_source: Some(spect()),
        tnr: vec![
            TnrInput {
                injection: "R".into(),
                tumour: "T1".into(),
                used: 3.0,
                origin: entered(
                    "injections[0].tumours[0].tnr",
                    Some("necrotic core excluded"),
                ),
                measured: Some(TnrMeasurement {
                    tnr: 2.4,
                    tumour_mask: "T1".into(),
                    normal_region: "right lobe".into(),
                    tumour_counts_per_ml: 1520.3,
                    normal_counts_per_ml: 633.5,
                    tumour_volume: Volume::from_ml(58.1),
                }),
            },
            TnrInput {
                injection: "L".into(),
                tumour: "T4".into(),
                used: 2.2,
                origin: Origin::Measured,
                measured: Some(TnrMeasurement {
                    tnr: 2.2,
                    tumour_mask: "T4".into(),
                    normal_region: "left lobe".into(),
                    tumour_counts_per_ml: 1386.8,
                    normal_counts_per_ml: 630.4,
                    tumour_volume: Volume::from_ml(17.5),
                }),
            },
        ],
        territory_source: Some(Source {
            image: "dicom/ct".into(),
            series_uids: vec!["2.25.2".into()],
            structures: "dicom/rtstruct.dcm".into(),
            grid: "CT grid 88 × 64 × 60, 4.00 × 4.00 × 4.00 mm".into(),
            method: "volume of the territory mask".into(),
        }),
        perfused: vec![
            PerfusedInput {
                injection: "R".into(),
                used: Volume::from_ml(1550.0),
                origin: entered("injections[0].perfused_volume", None),
                measured: Some(TerritoryMeasurement {
                    volume: Volume::from_ml(1533.1),
                    mask: "right lobe".into(),
                    mass_from_ct: Mass::from_kg(1.585),
                }),
                mass_used: Mass::from_kg(1.6275),
                density: Density::from_g_per_ml(1.05),
            },
            PerfusedInput {
                injection: "L".into(),
                used: Volume::from_ml(625.3),
                origin: Origin::Measured,
                measured: Some(TerritoryMeasurement {
                    volume: Volume::from_ml(625.3),
                    mask: "left lobe".into(),
                    mass_from_ct: Mass::from_kg(0.646),
                }),
                mass_used: Mass::from_kg(0.656_565),
                density: Density::from_g_per_ml(1.05),
            },
        ],
        lung_mass: Some(LungMassMeasurement {
            mask: "lungs".into(),
            volume: Volume::from_ml(950.1),
            mass_from_ct: Mass::from_kg(0.1718),
            mass_conventional: Mass::from_kg(0.28503),
            conventional_density: Density::from_g_per_ml(0.3),
        }),
        not_measured: vec![NotMeasured {
            what: "tnr T9".into(),
            why: "no structure for tumour T9".into(),
        }],
    }
}

fn section(lang: Lang) -> String {
    let case = sirt_case::parse(CASE, "case.toml").unwrap();
    let doc = Document {
        title: "measured".into(),
        blocks: sirt_report::measured::blocks(&provenance(), &case, lang),
        page_size: None,
        lang,
    };
    to_text(&doc)
}

/// The differences by hand: LSF 6.00 − 5.93 = +0.07 percentage points; TNR 3.0 / 2.4 − 1 =
/// +25.0 %; volume 1550.0 − 1533.1 = +16.9 mL = +1.1 % of 1533.1. The reason given is
/// printed; an entered value without one, beside its measurement, says so; a plan parameter
/// and a measured value have none to give.
#[test]
fn the_section_prints_entered_measured_difference_and_reason() {
    let text = section(Lang::En);
    for expected in [
        "+0.07 pp",
        "+25.0 %",
        "+16.9 mL (+1.1 %)",
        "necrotic core excluded",
        "entered; no reason given",
        "plan parameter (injections.L.lsf)",
        "8.10 % (mapping.planar): the alternative to the SPECT/CT count",
        "1585 g",
        "172 g from the CT densities in lungs (950 mL); 285 g at the conventional 0.30 g/mL",
        "tnr T9: no structure for tumour T9",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    insta::assert_snapshot!("measured_inputs_en", text);
    insta::assert_snapshot!("measured_inputs_fr", section(Lang::Fr));
}

/// The JSON: origins with their field and reason, a measurement beside each value, the masses
/// in grams; a measurement the images did not give is absent, never null.
#[test]
fn the_json_carries_each_origin_and_leaves_out_what_was_not_measured() {
    let v = sirt_report::measured::json(&provenance());
    assert_eq!(v["lsf"][0]["origin"]["kind"], "entered");
    assert_eq!(v["lsf"][0]["origin"]["field"], "mapping.lsf");
    assert!(v["lsf"][0]["origin"]["reason"].is_null());
    assert_eq!(v["lsf"][1]["origin"]["kind"], "parameter");
    assert_eq!(v["tnr"][0]["origin"]["reason"], "necrotic core excluded");
    assert!((v["lsf_measured"]["lsf"].as_f64().unwrap() - 0.0593).abs() < 1e-12);
    assert!(
        (v["perfused"][0]["measured"]["mass_from_ct_g"]
            .as_f64()
            .unwrap()
            - 1585.0)
            .abs()
            < 1e-9
    );
    assert!((v["lung_mass"]["mass_from_ct_g"].as_f64().unwrap() - 171.8).abs() < 1e-9);
    let mut bare = provenance();
    bare.lsf_measured = None;
    bare.lung_mass = None;
    bare.tnr[0].measured = None;
    let v = sirt_report::measured::json(&bare);
    let top = v.as_object().unwrap();
    assert!(!top.contains_key("lsf_measured"));
    assert!(!top.contains_key("lung_mass"));
    assert!(!v["tnr"][0].as_object().unwrap().contains_key("measured"));
}

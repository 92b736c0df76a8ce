//! DVH outputs (metrics CSV, text table, cumulative CSV, SVG) on a small hand-made example
//! (snapshots), their refusals, and the CSV numbers parsed back against the DVH values they were
//! written from (property test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_i18n::Lang;
use sirt_report::dvh_out::{
    self, DOSE_DECIMALS, DvhOutError, DvhPlot, MASS_DECIMALS, PERCENT_DECIMALS, StructureDvh,
    VOLUME_DECIMALS,
};
use sirt_voxel_dosimetry::physics::dvh::{DEFAULT_DX_PERCENT, DEFAULT_VX_GY, Dvh, dvh};

/// Twelve 1 mL voxels (10 mm cubes) in a row.
fn grid() -> Grid {
    Grid::axis_aligned(
        [12, 1, 1],
        [10.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("dvh-out".into()),
    )
    .unwrap()
}

/// The hand-made case. Doses (Gy) per voxel, predicted and delivered (×0.9 with a hot spot):
/// voxels 0–1 lung (ρ 0.3), 2–7 normal liver, 8–11 a tumour whose name needs escaping, partly
/// in voxel 7 (fraction 0.5). Liver and tumour are mass-weighted (ρ 1.05), the lungs are
/// volume-weighted (no density given). Bins of 1 Gy.
struct Case {
    predicted: Vec<(String, Dvh)>,
    delivered: Vec<(String, Dvh)>,
}

const TUMOUR: &str = "T1 <segment 8>, \"dome\"";

fn case() -> Case {
    let g = grid();
    let predicted: Vec<f32> = vec![
        8.0, 12.0, 35.0, 42.0, 48.0, 55.0, 61.0, 90.0, 180.0, 220.0, 260.0, 310.0,
    ];
    let delivered: Vec<f32> = predicted
        .iter()
        .enumerate()
        .map(|(n, d)| if n == 10 { 400.0 } else { d * 0.9 })
        .collect();
    let rho = Image::new(
        g.clone(),
        (0..12).map(|n| if n < 2 { 0.3f32 } else { 1.05 }).collect(),
    )
    .unwrap();
    let lung = Image::new(
        g.clone(),
        (0..12).map(|n| f32::from(u8::from(n < 2))).collect(),
    )
    .unwrap();
    let liver = Image::new(
        g.clone(),
        (0..12)
            .map(|n| match n {
                2..=6 => 1.0f32,
                7 => 0.5,
                _ => 0.0,
            })
            .collect(),
    )
    .unwrap();
    let tumour = Image::new(
        g.clone(),
        (0..12)
            .map(|n| match n {
                7 => 0.5f32,
                8.. => 1.0,
                _ => 0.0,
            })
            .collect(),
    )
    .unwrap();
    let set = |doses: &[f32]| {
        let dose = Image::new(g.clone(), doses.to_vec()).unwrap();
        let d = |m: &Image<f32>, r: Option<&Image<f32>>| {
            dvh(&dose, m, r, 1.0, &DEFAULT_DX_PERCENT, &DEFAULT_VX_GY).unwrap()
        };
        vec![
            ("normal liver".to_string(), d(&liver, Some(&rho))),
            (TUMOUR.to_string(), d(&tumour, Some(&rho))),
            ("lungs".to_string(), d(&lung, None)),
        ]
    };
    Case {
        predicted: set(&predicted),
        delivered: set(&delivered),
    }
}

fn named(set: &[(String, Dvh)]) -> Vec<StructureDvh<'_>> {
    set.iter().map(|(n, h)| StructureDvh::new(n, h)).collect()
}

#[test]
fn metrics_csv() {
    let c = case();
    insta::assert_snapshot!(dvh_out::dvh_metrics_csv(&named(&c.predicted)).unwrap());
}

#[test]
fn metrics_text() {
    let c = case();
    insta::assert_snapshot!(dvh_out::dvh_metrics_text(&named(&c.predicted), Lang::En).unwrap());
}

/// The metrics table in French: headings, column titles and the weighting in French, decimal
/// commas where the English table (snapshot `metrics_text`) has points ("225,6" for "225.6",
/// "0,006" for "0.006", "88,9" for "88.9"), the bin as "1,000 Gy" with a no-break space.
#[test]
fn metrics_text_in_french() {
    let c = case();
    let fr = dvh_out::dvh_metrics_text(&named(&c.predicted), Lang::Fr).unwrap();
    for t in [
        "Indicateurs dose-volume",
        "Volume, masse et doses",
        "Volume recevant au moins x\u{a0}Gy",
        "pondération",
        "masse (kg)",
        "moyenne (Gy)",
        "  normal liver            masse ",
        "  lungs                   volume ",
        "225,6",
        "0,006",
        "88,9",
        "au pas de l'HDV (1,000\u{a0}Gy)",
        "Pondération «\u{a0}masse\u{a0}»\u{a0}:",
    ] {
        assert!(fr.contains(t), "{t}\n{fr}");
    }
    for t in [
        "225.6",
        "0.006",
        "88.9",
        "weighting",
        "Volume, mass and doses",
    ] {
        assert!(!fr.contains(t), "{t}");
    }
    insta::assert_snapshot!(fr);
}

/// The CSV files are data for machines: the same bytes whatever the report's language (the
/// functions take no language), English headers and decimal points.
#[test]
fn csv_headers_stay_english() {
    let c = case();
    let csv = dvh_out::dvh_metrics_csv(&named(&c.predicted)).unwrap();
    assert!(csv.starts_with("structure,weighting,volume_mL,mass_kg,mean_Gy,"));
    assert!(csv.contains(",mass,4.500,0.004725,"));
}

/// The SVG plot in French: axis titles, decimal commas on the dose ticks when they have
/// decimals, the default title and line-style legend in French; the title given is printed
/// as given.
#[test]
fn svg_plot_in_french() {
    let c = case();
    let fr = dvh_out::dvh_svg(
        &DvhPlot::new(&named(&c.predicted))
            .with_overlay("", &named(&c.delivered), "")
            .in_lang(Lang::Fr),
    )
    .unwrap();
    for t in [
        "<title>Histogrammes dose-volume cumulatifs</title>",
        ">Dose (Gy)<",
        ">Volume (%)<",
        ">trait plein<",
        ">tirets<",
    ] {
        assert!(fr.contains(t), "{t}");
    }
    assert!(!fr.contains(">solid<") && !fr.contains(">dashed<"));
    // Ticks with decimals: a plot up to 1.2 Gy has 0.2 Gy ticks, "0,2" … "1,2".
    let low: Vec<(String, Dvh)> = c
        .predicted
        .iter()
        .map(|(n, h)| {
            let mut h = h.clone();
            h.max_gy = 1.2;
            h.cumulative.truncate(2);
            (n.clone(), h)
        })
        .collect();
    let fr = dvh_out::dvh_svg(&DvhPlot::new(&named(&low)).in_lang(Lang::Fr)).unwrap();
    let en = dvh_out::dvh_svg(&DvhPlot::new(&named(&low))).unwrap();
    assert!(
        fr.contains(">0,2</text>") && fr.contains(">1,2</text>"),
        "{fr}"
    );
    assert!(en.contains(">0.2</text>") && en.contains(">1.2</text>"));
}

#[test]
fn cumulative_csv_every_25_gy() {
    let c = case();
    insta::assert_snapshot!(dvh_out::dvh_cumulative_csv(&named(&c.predicted), Some(25.0)).unwrap());
}

#[test]
fn cumulative_csv_every_bin() {
    let c = case();
    let csv = dvh_out::dvh_cumulative_csv(&named(&c.predicted), None).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    // The header, then the edges 0..=311 Gy by 1 Gy (the hottest voxel, 310 Gy, is in the bin
    // [310, 311): the last edge is where every curve has reached 0 %).
    assert_eq!(lines.len(), 313);
    assert_eq!(
        lines[0],
        "dose_Gy,normal liver (%),\"T1 <segment 8>, \"\"dome\"\" (%)\",lungs (%)"
    );
    assert_eq!(lines[1], "0.000,100.0000,100.0000,100.0000");
    assert_eq!(lines[311], "310.000,0.0000,22.2222,0.0000");
    assert_eq!(lines[312], "311.000,0.0000,0.0000,0.0000");
}

#[test]
fn svg_plot() {
    let c = case();
    let svg =
        dvh_out::dvh_svg(&DvhPlot::new(&named(&c.predicted)).titled("Predicted DVH")).unwrap();
    insta::assert_snapshot!(svg);
}

#[test]
fn svg_overlay_predicted_vs_delivered() {
    let c = case();
    let plot = DvhPlot::new(&named(&c.predicted))
        .titled("Predicted vs delivered & <checked>")
        .with_overlay(
            "predicted (MAA SPECT)",
            &named(&c.delivered),
            "delivered (Y-90 PET)",
        );
    let svg = dvh_out::dvh_svg(&plot).unwrap();
    // One colour per structure in both sets; dashed curves for the delivered set.
    assert_eq!(svg.matches("<polyline").count(), 6);
    assert_eq!(svg.matches("stroke-dasharray").count(), 4);
    assert!(svg.contains("Predicted vs delivered &amp; &lt;checked&gt;"));
    assert!(!svg.contains(TUMOUR));
    insta::assert_snapshot!(svg);
}

#[test]
fn outputs_are_deterministic() {
    let (a, b) = (case(), case());
    let plot = |c: &Case| {
        let (p, d) = (named(&c.predicted), named(&c.delivered));
        dvh_out::dvh_svg(&DvhPlot::new(&p).with_overlay("p", &d, "d")).unwrap()
    };
    assert_eq!(plot(&a), plot(&b));
    assert_eq!(
        dvh_out::dvh_metrics_csv(&named(&a.delivered)).unwrap(),
        dvh_out::dvh_metrics_csv(&named(&b.delivered)).unwrap()
    );
}

#[test]
fn svg_is_well_formed_enough() {
    // No XML parser in the dependencies: check balanced tags and that every `&` starts an entity.
    let c = case();
    let svg = dvh_out::dvh_svg(&DvhPlot::new(&named(&c.predicted)).with_overlay(
        "a",
        &named(&c.delivered),
        "b",
    ))
    .unwrap();
    for tag in ["svg", "g", "text", "title", "polyline"] {
        let open =
            svg.matches(&format!("<{tag}>")).count() + svg.matches(&format!("<{tag} ")).count();
        let self_closed = svg
            .split(&format!("<{tag} "))
            .skip(1)
            .filter(|rest| {
                let end = rest.find('>').unwrap();
                rest[..end].ends_with('/')
            })
            .count();
        let close = svg.matches(&format!("</{tag}>")).count();
        assert_eq!(open - self_closed, close, "<{tag}>");
    }
    for (at, _) in svg.match_indices('&') {
        let rest = &svg[at..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "bare & at {at}"
        );
    }
}

#[test]
fn refusals() {
    let c = case();
    let h = &c.predicted[0].1;
    assert_eq!(
        dvh_out::dvh_metrics_csv(&[]).unwrap_err(),
        DvhOutError::NoStructure
    );
    assert_eq!(
        dvh_out::dvh_metrics_csv(&[StructureDvh::new(" ", h)]).unwrap_err(),
        DvhOutError::EmptyName { position: 1 }
    );
    let err = dvh_out::dvh_cumulative_csv(
        &[StructureDvh::new("a", h), StructureDvh::new("a", h)],
        None,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "DVH output: the structure name \"a\" appears twice"
    );
    let mut coarse = h.clone();
    coarse.bin_gy = 2.0;
    let err = dvh_out::dvh_cumulative_csv(
        &[StructureDvh::new("a", h), StructureDvh::new("b", &coarse)],
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"b\" has 2 Gy DVH bins, expected 1 Gy"),
        "{err}"
    );
    let err = dvh_out::dvh_cumulative_csv(&[StructureDvh::new("a", h)], Some(2.5)).unwrap_err();
    assert_eq!(
        err,
        DvhOutError::InvalidStep {
            step: 2.5,
            bin: 1.0
        }
    );
    let mut nan = h.clone();
    nan.mean_gy = f64::NAN;
    let err = dvh_out::dvh_svg(&DvhPlot::new(&[StructureDvh::new("x", &nan)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "DVH output: structure \"x\": the mean dose is NaN"
    );
}

// ---------------------------------------------------------------------------------------------
// Parsing back.

/// A minimal RFC 4180 reader (quoted fields, doubled quotes, line breaks inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the CSV ends with a line break"
    );
    rows
}

/// `written` is `value` rounded to `decimals`: within half a unit of the last decimal.
fn close(written: &str, value: f64, decimals: usize) -> bool {
    let w: f64 = written.parse().unwrap();
    (w - value).abs() <= 0.5 * 10f64.powi(-(decimals as i32)) * (1.0 + 1e-9) + 1e-12 * value.abs()
}

proptest::proptest! {
    /// Every number of the metrics and cumulative CSVs parses back to the DVH value it was
    /// written from, within half a unit of its last decimal; names come back unchanged.
    #[test]
    fn csv_numbers_parse_back(
        doses in proptest::collection::vec(0.0f32..450.0, 27),
        fractions in proptest::collection::vec(0.0f32..1.0, 27),
        rho in proptest::collection::vec(0.25f32..1.9, 27),
        mass_weighted in proptest::prelude::any::<bool>(),
        name in "[ -~]{1,12}",
        bin in proptest::sample::select(vec![0.05, 0.1, 0.5, 2.0]),
    ) {
        proptest::prop_assume!(!name.trim().is_empty() && name != "all");
        let g = Grid::axis_aligned([3, 3, 3], [2.5, 3.0, 4.0], PointLps::new(0.0, 0.0, 0.0),
                                   FrameOfReference("p".into())).unwrap();
        let dose = Image::new(g.clone(), doses).unwrap();
        let mut f = fractions;
        f[13] = 1.0;
        let mask = Image::new(g.clone(), f).unwrap();
        let density = Image::new(g, rho).unwrap();
        let h = dvh(&dose, &mask, mass_weighted.then_some(&density), bin,
                    &[2.0, 50.0, 90.0, 97.5], &[30.0, 100.0, 205.0, 400.0]).unwrap();
        let other = dvh(&dose, &mask.map(|_| 1.0), None, bin, &[50.0], &[70.0]).unwrap();
        let s = [StructureDvh::new(&name, &h), StructureDvh::new("all", &other)];

        let rows = parse_csv(&dvh_out::dvh_metrics_csv(&s).unwrap());
        let header = &rows[0];
        proptest::prop_assert_eq!(rows.len(), 3);
        let col = |n: &str| header.iter().position(|h| h == n).unwrap();
        let r = &rows[1];
        proptest::prop_assert_eq!(&r[0], &name);
        proptest::prop_assert_eq!(&r[1], if mass_weighted { "mass" } else { "volume" });
        proptest::prop_assert!(close(&r[col("volume_mL")], h.volume_ml, VOLUME_DECIMALS));
        match h.mass_kg {
            Some(m) => proptest::prop_assert!(close(&r[col("mass_kg")], m, MASS_DECIMALS)),
            None => proptest::prop_assert_eq!(&r[col("mass_kg")], ""),
        }
        proptest::prop_assert!(close(&r[col("mean_Gy")], h.mean_gy, DOSE_DECIMALS));
        proptest::prop_assert!(close(&r[col("min_Gy")], h.min_gy, DOSE_DECIMALS));
        proptest::prop_assert!(close(&r[col("max_Gy")], h.max_gy, DOSE_DECIMALS));
        for (x, d) in &h.d {
            let c = col(&format!("D{x}_Gy"));
            proptest::prop_assert!(close(&r[c], *d, DOSE_DECIMALS));
        }
        for (x, v) in &h.v {
            let c = col(&format!("V{x}Gy_pct"));
            proptest::prop_assert!(close(&r[c], v * 100.0, PERCENT_DECIMALS));
        }
        proptest::prop_assert!(close(&r[col("bin_Gy")], bin, DOSE_DECIMALS));
        // The second structure has only D50 and V70: the other level columns are empty.
        proptest::prop_assert_eq!(&rows[2][col("D2_Gy")], "");
        proptest::prop_assert_eq!(&rows[2][col("V400Gy_pct")], "");
        proptest::prop_assert!(close(&rows[2][col("D50_Gy")], other.d[0].1, DOSE_DECIMALS));

        let rows = parse_csv(&dvh_out::dvh_cumulative_csv(&s, None).unwrap());
        let expected = vec!["dose_Gy".to_string(), format!("{} (%)", name), "all (%)".to_string()];
        proptest::prop_assert_eq!(&rows[0], &expected);
        let edges = h.cumulative.len().max(other.cumulative.len());
        proptest::prop_assert_eq!(rows.len(), edges + 1);
        for (n, r) in rows[1..].iter().enumerate() {
            proptest::prop_assert!(close(&r[0], n as f64 * bin, DOSE_DECIMALS));
            let c = |x: &Dvh| x.cumulative.get(n).copied().unwrap_or(0.0) * 100.0;
            proptest::prop_assert!(close(&r[1], c(&h), PERCENT_DECIMALS));
            proptest::prop_assert!(close(&r[2], c(&other), PERCENT_DECIMALS));
        }
    }
}

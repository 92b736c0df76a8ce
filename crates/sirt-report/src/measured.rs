//! The "Measured inputs" section of a plan report and the JSON's `input_provenance`: where the
//! lung shunt fraction, the tumour-to-normal ratios, the perfused volumes and masses and the
//! lung mass came from (`sirt_case::InputProvenance`). An entered value is printed beside the
//! measurement with their difference and the reason the case file gives, or "entered; no
//! reason given"; a measured value with the SPECT or CT, masks, grid, method and counts; the
//! planar geometric-mean LSF as the alternative to the SPECT/CT count.

use crate::document::{Block, Document, Table};
use serde_json::{Value, json};
use sirt_case::{
    Case, InputProvenance, LsfInput, LsfMeasurement, Origin, PerfusedInput, Source, TnrInput,
};
use sirt_i18n::{Lang, t};

/// Where the planar geometric-mean LSF stands: the alternative to the SPECT/CT count, which it
/// over-estimates (median 4.4 percentage points in Lopez BP, Mahvash A, Long JP, Lam MGEH,
/// Kappadath SC, J Appl Clin Med Phys 2022;23(12):e13734; /work/shared/domain
/// safety-and-radiobiology.md §3.2).
const PLANAR_CITATION: &str = "Lopez et al., J Appl Clin Med Phys 2022;23(12):e13734";

/// The lung-mass convention of the decisive lung checks: 1 kg (TheraSphere IFU; Kao YH et al.,
/// EJNMMI Res 2014;4:33, doi:10.1186/s13550-014-0033-7, who measured 822 ± 103 g by CT).
const LUNG_MASS_CITATION: &str =
    "TheraSphere IFU; Kao et al., EJNMMI Res 2014;4:33, doi:10.1186/s13550-014-0033-7";

/// The liver-density convention of the perfused mass: 1.03 g/mL unless the case states its own
/// (TheraSphere dosimetry convention, `sirt_case::LIVER_DENSITY_DEFAULT_G_PER_ML`).
const LIVER_DENSITY_CITATION: &str = "TheraSphere dosimetry convention";

/// Inserts the section before the treatment history (or the summary) of a plan document.
pub fn insert(doc: &mut Document, p: &InputProvenance, case: &Case, l: Lang) {
    let history = t!(l, "report-treatment-history");
    let summary = t!(l, "report-summary");
    let at = doc
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Heading(1, h) if *h == history || *h == summary))
        .unwrap_or(doc.blocks.len());
    let blocks = blocks(p, case, l);
    doc.blocks.splice(at..at, blocks);
}

/// The section's blocks.
pub fn blocks(p: &InputProvenance, case: &Case, l: Lang) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(1, t!(l, "measured-heading")),
        Block::Para(t!(l, "measured-intro")),
    ];
    out.push(Block::Heading(2, t!(l, "measured-lsf-heading")));
    out.push(Block::Table(lsf_table(p, l)));
    out.push(Block::KeyValues(lsf_values(p, l)));
    if !p.tnr.is_empty() {
        out.push(Block::Heading(2, t!(l, "measured-tnr-heading")));
        out.push(Block::Table(tnr_table(p, l)));
        if let Some(s) = &p.tnr_source {
            out.push(Block::KeyValues(source_values(s, l)));
        }
    }
    out.push(Block::Heading(2, t!(l, "measured-perfused-heading")));
    out.push(Block::Table(perfused_table(p, l)));
    let mut kv = Vec::new();
    if let Some(s) = &p.territory_source {
        kv.extend(source_values(s, l));
    }
    kv.push((
        t!(l, "measured-mass-used"),
        t!(
            l,
            "measured-mass-used-value",
            citation = LIVER_DENSITY_CITATION
        ),
    ));
    out.push(Block::KeyValues(kv));
    out.push(Block::Heading(2, t!(l, "measured-lung-mass-heading")));
    out.push(Block::KeyValues(lung_values(p, case, l)));
    if !p.not_measured.is_empty() {
        out.push(Block::Heading(2, t!(l, "measured-not-measured-heading")));
        out.push(Block::List(
            p.not_measured
                .iter()
                .map(|n| format!("{}: {}", n.what, n.why))
                .collect(),
        ));
    }
    out
}

/// The origin in words: "measured", "entered (mapping.lsf)", "plan parameter (…)", "planar
/// geometric mean (mapping.planar)".
fn origin_text(l: Lang, o: &Origin) -> String {
    match o {
        Origin::Measured => t!(l, "measured-origin-measured"),
        Origin::Entered { field, .. } => {
            t!(l, "measured-origin-entered", field = field.as_str())
        }
        Origin::Parameter { field } => {
            t!(l, "measured-origin-parameter", field = field.as_str())
        }
        Origin::Planar => t!(l, "measured-origin-planar"),
    }
}

/// The reason column: the case file's reason, "entered; no reason given" beside a
/// measurement, or a dash.
fn reason_text(l: Lang, o: &Origin, has_measurement: bool) -> String {
    match o {
        Origin::Entered {
            reason: Some(r), ..
        } => r.clone(),
        Origin::Entered { reason: None, .. } if has_measurement => {
            t!(l, "measured-no-reason")
        }
        _ => "—".into(),
    }
}

/// A signed number with its unit (`unit` starting with its space) in the reader's language:
/// "+0.12 mL", "-3,40 %".
fn signed(l: Lang, v: f64, decimals: usize, unit: &str) -> String {
    l.numeric(&format!("{v:+.decimals$}{unit}"))
}

fn lsf_table(p: &InputProvenance, l: Lang) -> Table {
    let mut t = Table::new(
        &[
            &t!(l, "measured-col-injection"),
            &t!(l, "measured-col-used"),
            &t!(l, "measured-col-origin"),
            &t!(l, "measured-col-measured"),
            &t!(l, "measured-col-difference"),
            &t!(l, "measured-col-reason"),
        ],
        &[1, 3, 4],
    );
    for x in &p.lsf {
        t.row(lsf_row(x, p.lsf_measured.as_ref(), l));
    }
    t
}

fn lsf_row(x: &LsfInput, m: Option<&LsfMeasurement>, l: Lang) -> Vec<String> {
    let measured = m.map(|m| m.lsf.value());
    let difference = match (&x.origin, measured) {
        (Origin::Measured, _) | (_, None) => "—".into(),
        (_, Some(v)) => t!(
            l,
            "measured-points",
            value = signed(l, 100.0 * (x.used.value() - v), 2, "")
        ),
    };
    vec![
        x.injection.clone(),
        l.percent(x.used.value(), 2),
        origin_text(l, &x.origin),
        measured.map_or_else(|| "—".into(), |v| l.percent(v, 2)),
        difference,
        reason_text(l, &x.origin, measured.is_some()),
    ]
}

/// The LSF measurement's provenance and the planar alternative.
fn lsf_values(p: &InputProvenance, l: Lang) -> Vec<(String, String)> {
    let mut kv = Vec::new();
    if let Some(m) = &p.lsf_measured {
        kv.push((
            t!(l, "measured-lsf-counts"),
            t!(
                l,
                "measured-lsf-counts-value",
                lung_mask = m.lung_mask.as_str(),
                liver_mask = m.liver_mask.as_str(),
                lungs = l.decimal(m.lung_counts, 0),
                liver = l.decimal(m.liver_counts, 0)
            ),
        ));
        kv.extend(source_values(&m.source, l));
    }
    if let Some(planar) = p.lsf_planar {
        kv.push((
            t!(l, "measured-planar"),
            t!(
                l,
                "measured-planar-value",
                lsf = l.percent(planar.value(), 2),
                citation = PLANAR_CITATION
            ),
        ));
    }
    kv
}

/// Image, series, structures, grid and method of a measurement.
fn source_values(s: &Source, l: Lang) -> Vec<(String, String)> {
    let series = if s.series_uids.is_empty() {
        t!(l, "measured-no-series")
    } else {
        s.series_uids.join(", ")
    };
    vec![
        (
            t!(l, "measured-image"),
            t!(
                l,
                "measured-image-value",
                image = s.image.as_str(),
                series = series,
                structures = s.structures.as_str()
            ),
        ),
        (t!(l, "measured-grid"), s.grid.clone()),
        (t!(l, "measured-method"), s.method.clone()),
    ]
}

fn tnr_table(p: &InputProvenance, l: Lang) -> Table {
    let mut t = Table::new(
        &[
            &t!(l, "measured-col-injection"),
            &t!(l, "measured-col-tumour"),
            &t!(l, "measured-col-used"),
            &t!(l, "measured-col-origin"),
            &t!(l, "measured-col-measured"),
            &t!(l, "measured-col-difference"),
            &t!(l, "measured-col-reason"),
            &t!(l, "measured-col-counts-per-ml"),
            &t!(l, "measured-col-normal-region"),
        ],
        &[2, 4, 5, 7],
    );
    for x in &p.tnr {
        t.row(tnr_row(x, l));
    }
    t
}

fn tnr_row(x: &TnrInput, l: Lang) -> Vec<String> {
    let m = x.measured.as_ref();
    let difference = match (&x.origin, m) {
        (Origin::Measured, _) | (_, None) => "—".into(),
        (_, Some(m)) => signed(l, 100.0 * (x.used / m.tnr - 1.0), 1, " %"),
    };
    vec![
        x.injection.clone(),
        x.tumour.clone(),
        l.decimal(x.used, 2),
        origin_text(l, &x.origin),
        m.map_or_else(|| "—".into(), |m| l.decimal(m.tnr, 2)),
        difference,
        reason_text(l, &x.origin, m.is_some()),
        m.map_or_else(
            || "—".into(),
            |m| {
                format!(
                    "{} / {}",
                    l.decimal(m.tumour_counts_per_ml, 1),
                    l.decimal(m.normal_counts_per_ml, 1)
                )
            },
        ),
        m.map_or_else(|| "—".into(), |m| m.normal_region.clone()),
    ]
}

fn perfused_table(p: &InputProvenance, l: Lang) -> Table {
    let mut t = Table::new(
        &[
            &t!(l, "measured-col-injection"),
            &t!(l, "measured-col-used"),
            &t!(l, "measured-col-origin"),
            &t!(l, "measured-col-measured"),
            &t!(l, "measured-col-difference"),
            &t!(l, "measured-col-reason"),
            &t!(l, "measured-col-mass-used"),
            &t!(l, "measured-col-mass-ct"),
            &t!(l, "measured-col-mask"),
        ],
        &[1, 3, 4, 6, 7],
    );
    for x in &p.perfused {
        t.row(perfused_row(x, l));
    }
    t
}

fn perfused_row(x: &PerfusedInput, l: Lang) -> Vec<String> {
    let m = x.measured.as_ref();
    let difference = match (&x.origin, m) {
        (Origin::Measured, _) | (_, None) => "—".into(),
        (_, Some(m)) => {
            let d = x.used.ml() - m.volume.ml();
            format!(
                "{} ({})",
                signed(l, d, 1, " mL"),
                signed(l, 100.0 * d / m.volume.ml(), 1, " %")
            )
        }
    };
    vec![
        x.injection.clone(),
        l.quantity(x.used.ml(), 1, "mL"),
        origin_text(l, &x.origin),
        m.map_or_else(|| "—".into(), |m| l.quantity(m.volume.ml(), 1, "mL")),
        difference,
        reason_text(l, &x.origin, m.is_some()),
        t!(
            l,
            "measured-mass-with-density",
            mass = l.quantity(x.mass_used.kg() * 1000.0, 0, "g"),
            density = l.decimal(x.density.g_per_ml(), 2)
        ),
        m.map_or_else(
            || "—".into(),
            |m| l.quantity(m.mass_from_ct.kg() * 1000.0, 0, "g"),
        ),
        m.map_or_else(|| "—".into(), |m| m.mask.clone()),
    ]
}

/// The lung mass the plan uses beside the CT's.
fn lung_values(p: &InputProvenance, case: &Case, l: Lang) -> Vec<(String, String)> {
    let mut kv = vec![(
        t!(l, "measured-lung-mass-used"),
        t!(
            l,
            "measured-lung-mass-used-value",
            mass = case.lungs.describe(),
            citation = LUNG_MASS_CITATION
        ),
    )];
    match &p.lung_mass {
        Some(m) => kv.push((
            t!(l, "measured-lung-mass-ct"),
            t!(
                l,
                "measured-lung-mass-ct-value",
                mass = l.quantity(m.mass_from_ct.kg() * 1000.0, 0, "g"),
                mask = m.mask.as_str(),
                volume = l.quantity(m.volume.ml(), 0, "mL"),
                conventional = l.quantity(m.mass_conventional.kg() * 1000.0, 0, "g"),
                density = l.decimal(m.conventional_density.g_per_ml(), 2)
            ),
        )),
        None => kv.push((t!(l, "measured-lung-mass-ct"), "—".into())),
    }
    kv
}

/// The origin as JSON: `{"kind": "entered", "field": …, "reason": …}`.
fn origin_json(o: &Origin) -> Value {
    match o {
        Origin::Measured | Origin::Planar => json!({ "kind": o.key() }),
        Origin::Entered { field, reason } => {
            json!({ "kind": o.key(), "field": field, "reason": reason })
        }
        Origin::Parameter { field } => json!({ "kind": o.key(), "field": field }),
    }
}

fn source_json(s: &Source) -> Value {
    json!({
        "image": s.image,
        "series_uids": s.series_uids,
        "structures": s.structures,
        "grid": s.grid,
        "method": s.method,
    })
}

/// The JSON of the provenance: snake_case keys, units as suffixes; a measurement the images do
/// not give is absent.
pub fn json(p: &InputProvenance) -> Value {
    let mut v = json!({
        "lsf": p.lsf.iter().map(|x| json!({
            "injection": x.injection,
            "lsf": x.used.value(),
            "origin": origin_json(&x.origin),
        })).collect::<Vec<_>>(),
        "tnr": p.tnr.iter().map(tnr_json).collect::<Vec<_>>(),
        "perfused": p.perfused.iter().map(perfused_json).collect::<Vec<_>>(),
        "not_measured": p.not_measured.iter().map(|n| json!({"what": n.what, "why": n.why})).collect::<Vec<_>>(),
    });
    if let Some(m) = &p.lsf_measured {
        v["lsf_measured"] = json!({
            "lsf": m.lsf.value(),
            "lung_mask": m.lung_mask,
            "liver_mask": m.liver_mask,
            "lung_counts": m.lung_counts,
            "liver_counts": m.liver_counts,
            "source": source_json(&m.source),
        });
    }
    if let Some(planar) = p.lsf_planar {
        v["lsf_planar"] = json!(planar.value());
    }
    if let Some(s) = &p.tnr_source {
        v["tnr_source"] = source_json(s);
    }
    if let Some(s) = &p.territory_source {
        v["territory_source"] = source_json(s);
    }
    if let Some(m) = &p.lung_mass {
        v["lung_mass"] = json!({
            "mask": m.mask,
            "volume_ml": m.volume.ml(),
            "mass_from_ct_g": m.mass_from_ct.kg() * 1000.0,
            "mass_conventional_g": m.mass_conventional.kg() * 1000.0,
            "conventional_density_g_per_ml": m.conventional_density.g_per_ml(),
        });
    }
    v
}

fn tnr_json(x: &TnrInput) -> Value {
    let mut v = json!({
        "injection": x.injection,
        "tumour": x.tumour,
        "tnr": x.used,
        "origin": origin_json(&x.origin),
    });
    if let Some(m) = &x.measured {
        v["measured"] = json!({
            "tnr": m.tnr,
            "tumour_mask": m.tumour_mask,
            "normal_region": m.normal_region,
            "tumour_counts_per_ml": m.tumour_counts_per_ml,
            "normal_counts_per_ml": m.normal_counts_per_ml,
            "tumour_volume_ml": m.tumour_volume.ml(),
        });
    }
    v
}

fn perfused_json(x: &PerfusedInput) -> Value {
    let mut v = json!({
        "injection": x.injection,
        "perfused_volume_ml": x.used.ml(),
        "origin": origin_json(&x.origin),
        "perfused_mass_g": x.mass_used.kg() * 1000.0,
        "density_g_per_ml": x.density.g_per_ml(),
    });
    if let Some(m) = &x.measured {
        v["measured"] = json!({
            "volume_ml": m.volume.ml(),
            "mask": m.mask,
            "mass_from_ct_g": m.mass_from_ct.kg() * 1000.0,
        });
    }
    v
}

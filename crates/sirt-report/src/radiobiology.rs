//! The "Radiobiology (information)" section of a plan's voxel part and its JSON: per dosimetry
//! the BED, EQD2 and gEUD of each structure with the tissue parameters and their sources, and
//! the published fits that apply with their value, D50, probability (or why none), evidence and
//! confidence. Information, never a rule (docs/radiobiology.md).

use crate::document::{Block, Table};
use serde_json::{Value, json};
use sirt_i18n::{Lang, t};
use sirt_voxel_dosimetry::pipeline::radiobiology::{FitValue, Radiobiology, StructureRadiobiology};

/// The English heading of the section ([`radiobiology_heading`] in a language).
pub const RADIOBIOLOGY_HEADING: &str = "Radiobiology (information)";

/// The section heading in `lang`.
pub fn radiobiology_heading(lang: Lang) -> String {
    t!(lang, "rb-heading")
}

fn dec(lang: Lang, v: f64, decimals: usize) -> String {
    lang.numeric(&format!("{v:.decimals$}"))
}

fn tissue_title(s: &StructureRadiobiology, lang: Lang) -> String {
    match (lang, &s.tissue_title_fr) {
        (Lang::Fr, Some(fr)) => fr.clone(),
        _ => s.tissue_title.clone(),
    }
}

fn fit_title(f: &FitValue, lang: Lang) -> String {
    match (lang, &f.fit.title_fr) {
        (Lang::Fr, Some(fr)) => fr.clone(),
        _ => f.fit.title.clone(),
    }
}

/// The per-structure table of one dosimetry.
fn structure_table(r: &Radiobiology, lang: Lang) -> Table {
    let mut t = Table::new(
        &[
            &t!(lang, "voxel-col-structure"),
            &t!(lang, "rb-col-tissue"),
            "α/β (Gy)",
            "T_rep (h)",
            &t!(lang, "rb-col-mean-dose"),
            &t!(lang, "rb-col-mean-bed"),
            &t!(lang, "rb-col-mean-eqd2"),
            &t!(lang, "rb-col-geud"),
            "BED D90 (Gy)",
        ],
        &[2, 3, 4, 5, 6, 7, 8],
    );
    for s in &r.structures {
        let d90 = s
            .bvh
            .d
            .iter()
            .find(|(x, _)| (*x - 90.0).abs() < 1e-9)
            .map_or("—".to_owned(), |(_, g)| dec(lang, *g, 1));
        let geud = match (s.geud_bed_gy, s.eud_a) {
            (Some(g), Some(a)) => t!(
                lang,
                "rb-geud-value",
                value = dec(lang, g, 1),
                a = lang.numeric(&format!("{a}"))
            ),
            _ => "—".to_owned(),
        };
        t.row(vec![
            s.name.clone(),
            tissue_title(s, lang),
            lang.numeric(&format!("{}", s.parameters.alpha_beta.gy())),
            lang.numeric(&format!("{}", s.parameters.repair_half_time.hours())),
            dec(lang, s.mean_dose_gy, 1),
            dec(lang, s.mean_bed_gy, 1),
            dec(lang, s.mean_eqd2_gy, 1),
            geud,
            d90,
        ]);
    }
    t
}

/// The fits table of one dosimetry (None without fits).
fn fit_table(r: &Radiobiology, lang: Lang) -> Option<Table> {
    let mut t = Table::new(
        &[
            &t!(lang, "voxel-col-structure"),
            &t!(lang, "rb-col-fit"),
            &t!(lang, "rb-col-value"),
            "D50 (Gy)",
            &t!(lang, "rb-col-probability"),
            &t!(lang, "rb-col-evidence"),
        ],
        &[2, 3, 4],
    );
    let mut any = false;
    for s in &r.structures {
        for f in &s.fits {
            any = true;
            t.row(vec![
                s.name.clone(),
                fit_title(f, lang),
                f.value_gy.map_or("—".to_owned(), |v| dec(lang, v, 1)),
                dec(lang, f.fit.d50.gy(), 1),
                match (f.probability, f.fit.slope) {
                    (Some(p), _) => lang.with_unit(&dec(lang, 100.0 * p, 1), "%"),
                    (None, None) => t!(lang, "rb-no-slope"),
                    (None, Some(_)) => "—".to_owned(),
                },
                f.fit.evidence.clone(),
            ]);
        }
    }
    any.then_some(t)
}

/// The sources of one dosimetry's parameters and fits, each once.
fn sources(r: &Radiobiology, lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for s in &r.structures {
        push(t!(
            lang,
            "rb-source-tissue",
            tissue = tissue_title(s, lang),
            source = s.parameters.source.to_string(),
            evidence = s.evidence.clone()
        ));
        if let (Some(a), Some(src)) = (s.eud_a, &s.eud_a_source) {
            push(t!(
                lang,
                "rb-source-eud",
                tissue = tissue_title(s, lang),
                a = lang.numeric(&format!("{a}")),
                source = src.clone()
            ));
        }
        for f in &s.fits {
            let mut line = match &f.fit.confidence {
                Some(c) => t!(
                    lang,
                    "rb-source-fit-confidence",
                    fit = fit_title(f, lang),
                    endpoint = f.fit.endpoint.clone(),
                    source = f.fit.source.clone(),
                    confidence = c.clone()
                ),
                None => t!(
                    lang,
                    "rb-source-fit",
                    fit = fit_title(f, lang),
                    endpoint = f.fit.endpoint.clone(),
                    source = f.fit.source.clone()
                ),
            };
            if let Some(n) = &f.fit.note {
                if !line.ends_with('.') {
                    line.push('.');
                }
                line.push(' ');
                line.push_str(n);
            }
            push(line);
        }
    }
    out
}

/// The section: the heading and its caveat, then per dosimetry (title, radiobiology) its
/// tables and sources. Empty without dosimetries.
pub fn radiobiology_blocks(items: &[(String, &Radiobiology)], lang: Lang) -> Vec<Block> {
    let Some((_, first)) = items.first() else {
        return Vec::new();
    };
    let mut out = vec![
        Block::Heading(2, radiobiology_heading(lang)),
        Block::Para(t!(
            lang,
            "rb-intro",
            nuclide = first.nuclide.to_string(),
            half_life = lang.quantity(first.half_life.hours(), 1, "h")
        )),
    ];
    for (title, r) in items {
        out.push(Block::Heading(3, title.clone()));
        out.push(Block::Table(structure_table(r, lang)));
        if let Some(t) = fit_table(r, lang) {
            out.push(Block::Table(t));
        }
        if !r.without_parameters.is_empty() {
            out.push(Block::Para(t!(
                lang,
                "rb-without-parameters",
                names = r.without_parameters.join(", ")
            )));
        }
        out.push(Block::List(sources(r, lang)));
    }
    out
}

/// Removes the keys whose value is null (a value that does not apply is absent, never null).
fn without_nulls(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.retain(|_, x| !x.is_null());
        for x in m.values_mut() {
            *x = without_nulls(std::mem::take(x));
        }
    } else if let Value::Array(a) = &mut v {
        for x in a.iter_mut() {
            *x = without_nulls(std::mem::take(x));
        }
    }
    v
}

/// JSON of one structure: the summaries and the histogram's metrics (not its bins).
fn structure_json(s: &StructureRadiobiology) -> Value {
    without_nulls(json!({
        "name": s.name,
        "role": s.role,
        "tissue": s.tissue,
        "alpha_beta_gy": s.parameters.alpha_beta.gy(),
        "repair_half_time_h": s.parameters.repair_half_time.hours(),
        "parameters_source": s.parameters.source,
        "evidence": s.evidence,
        "mean_dose_gy": s.mean_dose_gy,
        "mean_bed_gy": s.mean_bed_gy,
        "mean_eqd2_gy": s.mean_eqd2_gy,
        "geud_bed_gy": s.geud_bed_gy,
        "eud_a": s.eud_a,
        "bed_volume_histogram": {
            "bin_gy": s.bvh.bin_gy,
            "min_gy": s.bvh.min_gy,
            "max_gy": s.bvh.max_gy,
            "d": s.bvh.d,
            "v": s.bvh.v,
        },
        "fits": s.fits.iter().map(|f| json!({
            "id": f.fit.id,
            "kind": f.fit.kind,
            "model": f.fit.model,
            "quantity": f.fit.quantity,
            "value_gy": f.value_gy,
            "d50_gy": f.fit.d50.gy(),
            "slope": f.fit.slope,
            "probability": f.probability,
            "endpoint": f.fit.endpoint,
            "source": f.fit.source,
            "evidence": f.fit.evidence,
            "confidence": f.fit.confidence,
        })).collect::<Vec<_>>(),
    }))
}

/// JSON of the section: per dosimetry (its key, e.g. "session 1 predicted") the nuclide,
/// half-life, device material, structures and the structures without parameters.
pub fn radiobiology_json(items: &[(String, &Radiobiology)]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|(key, r)| {
                json!({
                    "dosimetry": key,
                    "information_only": true,
                    "nuclide": r.nuclide.to_string(),
                    "half_life_h": r.half_life.hours(),
                    "device_material": r.device_material,
                    "structures": r.structures.iter().map(structure_json).collect::<Vec<_>>(),
                    "without_parameters": r.without_parameters,
                })
            })
            .collect(),
    )
}

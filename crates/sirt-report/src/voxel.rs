//! Voxel dosimetry in reports: the per-structure table (with the partition value from the same
//! masks beside the voxel mean), the activity accounting of MAA predictions and the uptake of
//! named extrahepatic structures, the energy balance and provenance, predicted vs delivered, and
//! the files (metrics CSV, cumulative DVH CSV, DVH SVG); the figures inline in the report (the
//! DVH plot per session, the Bland–Altman plot of the tumours, and the slice figures the caller
//! makes from the volumes: [`SliceFigures`], drawn by [`crate::figures`]).

use crate::document::{Block, Document, Table};
use crate::dvh_out::{
    DvhOutError, DvhPlot, StructureDvh, dvh_cumulative_csv, dvh_metrics_csv, dvh_svg,
};
use crate::figures::plots::{Pair, bland_altman_svg};
use serde_json::{Value, json};
use sirt_case::Images;
use sirt_i18n::{Lang, Text, t};
use sirt_units::Activity;
use sirt_voxel_dosimetry::{ExtrahepaticUptake, MaaAccounting, Role, Verification, VoxelDosimetry};
use sirt_workflow::Plan;

/// The research-use notice (one wording for every output: `sirt_units::RESEARCH_NOTICE`).
pub use sirt_units::RESEARCH_NOTICE;

/// A structure's role in the reader's language.
pub fn role_name(r: Role, lang: Lang) -> String {
    match r {
        Role::Liver => t!(lang, "voxel-role-liver"),
        Role::Lungs => t!(lang, "voxel-role-lungs"),
        Role::Tumour => t!(lang, "voxel-role-tumour"),
        Role::Territory => t!(lang, "voxel-role-territory"),
        Role::NormalLiver => t!(lang, "voxel-role-normal-liver"),
        Role::Extrahepatic => t!(lang, "voxel-role-extrahepatic"),
        Role::Other => t!(lang, "voxel-role-other"),
    }
}

/// `v` with `decimals` and a sign always ("+3.2", "-1.0"; "+3,2" in French).
fn signed(lang: Lang, v: f64, decimals: usize) -> String {
    lang.numeric(&format!("{v:+.decimals$}"))
}

/// `v` with `decimals`, as `format!` writes it (a negative zero stays "-0.0"), in `lang`.
fn dec(lang: Lang, v: f64, decimals: usize) -> String {
    lang.numeric(&format!("{v:.decimals$}"))
}

fn dx(d: &sirt_voxel_dosimetry::physics::dvh::Dvh, x: f64, lang: Lang) -> String {
    d.d.iter()
        .find(|(p, _)| (*p - x).abs() < 1e-9)
        .map_or("—".into(), |(_, g)| dec(lang, *g, 1))
}

/// The notes of a dosimetry (its own, then the caller's) in `lang`.
fn all_notes(d: &VoxelDosimetry, notes: &[Text], lang: Lang) -> Vec<String> {
    d.notes
        .iter()
        .chain(notes.iter())
        .map(|n| n.render(lang))
        .collect()
}

/// The per-structure table and notes of one dosimetry, in `lang` (notes given as
/// [`Text`]: `Text::from(string)` prints a `String` as is).
pub fn voxel_blocks(title: &str, d: &VoxelDosimetry, notes: &[Text], lang: Lang) -> Vec<Block> {
    let mut t = Table::new(
        &[
            &t!(lang, "voxel-col-structure"),
            &t!(lang, "voxel-col-role"),
            &t!(lang, "voxel-col-volume-ml"),
            &t!(lang, "voxel-col-mass-g"),
            &t!(lang, "voxel-col-activity-mbq"),
            &t!(lang, "voxel-col-mean-gy"),
            "D70 (Gy)",
            "D90 (Gy)",
            &t!(lang, "voxel-col-max-gy"),
            &t!(lang, "voxel-col-partition-gy"),
            &t!(lang, "voxel-col-voxel-vs-partition"),
            &t!(lang, "voxel-col-note"),
        ],
        &[2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    for s in &d.structures {
        t.row(vec![
            s.name.clone(),
            role_name(s.role, lang),
            dec(lang, s.drawn_volume_ml, 2),
            s.dvh
                .mass_kg
                .map_or("—".into(), |m| dec(lang, m * 1000.0, 1)),
            dec(lang, s.activity_mbq, 2),
            dec(lang, s.dvh.mean_gy, 1),
            dx(&s.dvh, 70.0, lang),
            dx(&s.dvh, 90.0, lang),
            dec(lang, s.dvh.max_gy, 1),
            dec(lang, s.partition_gy, 1),
            lang.with_unit(&signed(lang, 100.0 * s.voxel_vs_partition, 1), "%"),
            if s.small_lesion {
                t!(lang, "voxel-small-lesion")
            } else {
                String::new()
            },
        ]);
    }
    let g = d.dose.gy.grid();
    let mut blocks = vec![
        Block::Heading(2, title.to_string()),
        Block::KeyValues(vec![
            (
                t!(lang, "voxel-dose-grid"),
                t!(
                    lang,
                    "voxel-dose-grid-value",
                    nx = g.dims[0].to_string(),
                    ny = g.dims[1].to_string(),
                    nz = g.dims[2].to_string(),
                    sx = dec(lang, g.spacing_mm[0], 2),
                    sy = dec(lang, g.spacing_mm[1], 2),
                    sz = dec(lang, g.spacing_mm[2], 2)
                ),
            ),
            (
                t!(lang, "voxel-activity-in-map"),
                lang.with_unit(&dec(lang, d.activity.total_mbq(), 1), "MBq"),
            ),
            (
                t!(lang, "voxel-k"),
                t!(
                    lang,
                    "voxel-k-value",
                    k = lang.numeric(&format!("{} Gy·kg/GBq", d.activity.k.k.gy_kg_per_gbq())),
                    label = d.activity.k.label.to_string(),
                    source = d.activity.k.source.to_string()
                ),
            ),
        ]),
    ];
    if let Some(a) = d.accounting() {
        blocks.push(Block::Para(t!(lang, "voxel-accounting-intro")));
        blocks.push(Block::KeyValues(accounting_rows(a, lang)));
    }
    if !d.extrahepatic.is_empty() {
        blocks.push(Block::Table(extrahepatic_table(&d.extrahepatic, lang)));
    }
    blocks.extend([
        Block::Table(t),
        Block::Para(t!(lang, "voxel-weighting-note")),
    ]);
    blocks.push(Block::List(all_notes(d, notes, lang)));
    blocks
}

fn mbq(a: Activity, lang: Lang) -> String {
    lang.with_unit(&dec(lang, a.mbq(), 1), "MBq")
}

/// A percentage with two decimals: "12.34 %".
fn pct2(lang: Lang, percent: f64) -> String {
    lang.with_unit(&dec(lang, percent, 2), "%")
}

/// The activity accounting of an MAA prediction as report rows.
fn accounting_rows(a: &MaaAccounting, lang: Lang) -> Vec<(String, String)> {
    // `+ 0.0`: an empty sum is −0.0, printed "-0.0".
    let eh: f64 = a.extrahepatic.iter().map(|e| e.activity.mbq()).sum::<f64>() + 0.0;
    let eh_counts: f64 = a
        .extrahepatic
        .iter()
        .map(|e| e.counts_fraction.value())
        .sum::<f64>()
        + 0.0;
    let of = |x: f64| {
        if a.administered.mbq() > 0.0 {
            100.0 * x / a.administered.mbq()
        } else {
            0.0
        }
    };
    let with_share = |activity: String, x: f64| format!("{activity} ({})", pct2(lang, of(x)));
    vec![
        (t!(lang, "voxel-administered"), mbq(a.administered, lang)),
        (
            t!(lang, "voxel-in-map"),
            t!(
                lang,
                "voxel-in-map-value",
                activity = mbq(a.in_map, lang),
                percent = pct2(lang, of(a.in_map.mbq()))
            ),
        ),
        (
            t!(lang, "voxel-liver-and-margin"),
            with_share(mbq(a.liver, lang), a.liver.mbq()),
        ),
        (
            t!(lang, "voxel-lungs"),
            with_share(mbq(a.lungs, lang), a.lungs.mbq()),
        ),
        (
            t!(lang, "voxel-extrahepatic-named"),
            with_share(lang.with_unit(&dec(lang, eh, 1), "MBq"), eh),
        ),
        (
            t!(lang, "voxel-counts"),
            t!(
                lang,
                "voxel-counts-value",
                liver = pct2(lang, a.liver_counts_fraction.percent()),
                margin_mm = lang.with_unit(&dec(lang, a.liver_margin.m() * 1000.0, 0), "mm"),
                margin = pct2(lang, a.margin_counts_fraction.percent()),
                lungs = pct2(lang, a.lung_counts_fraction.percent()),
                extrahepatic = pct2(lang, 100.0 * eh_counts),
                excluded = pct2(lang, a.excluded_counts_fraction.percent())
            ),
        ),
    ]
}

/// The uptake of the named extrahepatic structures.
fn extrahepatic_table(rows: &[ExtrahepaticUptake], lang: Lang) -> Table {
    let mut t = Table::new(
        &[
            &t!(lang, "voxel-col-extrahepatic-structure"),
            &t!(lang, "voxel-col-activity-mbq-long"),
            &t!(lang, "voxel-col-share-administered"),
            &t!(lang, "voxel-col-mass-g"),
            &t!(lang, "voxel-col-mean-gy"),
            "K · A / M (Gy)",
        ],
        &[1, 2, 3, 4, 5],
    );
    for e in rows {
        t.row(vec![
            e.structure.clone(),
            dec(lang, e.activity.mbq(), 2),
            pct2(lang, e.fraction_of_administered.percent()),
            dec(lang, e.mass.kg() * 1000.0, 1),
            dec(lang, e.mean_dose.gy(), 1),
            dec(lang, e.local_deposition_dose.gy(), 1),
        ]);
    }
    t
}

/// Predicted vs delivered, in `lang`.
pub fn verification_blocks(v: &Verification, lang: Lang) -> Vec<Block> {
    let mut t = Table::new(
        &[
            &t!(lang, "voxel-col-structure"),
            &t!(lang, "voxel-col-role"),
            &t!(lang, "voxel-col-predicted-gy"),
            &t!(lang, "voxel-col-delivered-gy"),
            "Δ (Gy)",
            &t!(lang, "voxel-col-delivered-over-predicted"),
        ],
        &[2, 3, 4, 5],
    );
    for (role, c) in &v.rows {
        t.row(vec![
            c.name.clone(),
            role_name(*role, lang),
            dec(lang, c.predicted_gy, 1),
            dec(lang, c.delivered_gy, 1),
            // A difference that rounds to zero is printed without a sign ("-0.0" reads wrong).
            if c.difference_gy.abs() < 0.05 {
                dec(lang, 0.0, 1)
            } else {
                signed(lang, c.difference_gy, 1)
            },
            dec(lang, c.ratio, 3),
        ]);
    }
    let mut blocks = vec![
        Block::Heading(2, t!(lang, "voxel-verification-heading")),
        Block::Table(t),
    ];
    match &v.tumours {
        Some(b) => blocks.push(Block::KeyValues(vec![
            (t!(lang, "voxel-tumours-compared"), b.n.to_string()),
            (
                t!(lang, "voxel-bias"),
                t!(
                    lang,
                    "voxel-bias-value",
                    bias = lang.with_unit(&signed(lang, b.mean_difference_gy, 1), "Gy"),
                    low = signed(lang, b.limits_gy.0, 1),
                    high = lang.with_unit(&signed(lang, b.limits_gy.1, 1), "Gy")
                ),
            ),
            (
                t!(lang, "voxel-relative-bias"),
                t!(
                    lang,
                    "voxel-relative-bias-value",
                    bias = lang.with_unit(&signed(lang, 100.0 * b.mean_relative, 1), "%"),
                    low = lang.with_unit(&signed(lang, 100.0 * b.limits_relative.0, 1), "%"),
                    high = lang.with_unit(&signed(lang, 100.0 * b.limits_relative.1, 1), "%")
                ),
            ),
        ])),
        None => blocks.push(Block::Para(t!(lang, "voxel-no-bland-altman"))),
    }
    if !v.unmatched.is_empty() {
        blocks.push(Block::Para(t!(
            lang,
            "voxel-unmatched",
            names = v.unmatched.join(", ")
        )));
    }
    blocks
}

/// A stand-alone document of one dosimetry (for `sirtplan dose`), in `lang`: `title` is the
/// document's title (e.g. `t!(lang, "voxel-document-title")`).
pub fn voxel_document(title: &str, d: &VoxelDosimetry, notes: &[Text], lang: Lang) -> Document {
    let mut doc = Document {
        title: title.to_string(),
        blocks: vec![Block::Notice(lang.research_notice())],
        page_size: None,
        lang,
    };
    doc.blocks.extend(voxel_blocks(
        &t!(lang, "voxel-document-section"),
        d,
        notes,
        lang,
    ));
    doc
}

/// JSON of one dosimetry: snake_case keys with the unit as suffix; texts (the notes) in English.
pub fn voxel_json(d: &VoxelDosimetry, notes: &[Text]) -> Value {
    let structures: Vec<Value> = d
        .structures
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "role": s.role,
                "volume_ml": s.drawn_volume_ml,
                "mass_kg": s.dvh.mass_kg,
                "activity_mbq": s.activity_mbq,
                "mean_gy": s.dvh.mean_gy,
                "min_gy": s.dvh.min_gy,
                "max_gy": s.dvh.max_gy,
                "d_percent_gy": s.dvh.d,
                "v_gy_fraction": s.dvh.v,
                "partition_gy": s.partition_gy,
                "voxel_vs_partition": s.voxel_vs_partition,
                "small_lesion": s.small_lesion,
            })
        })
        .collect();
    let all = all_notes(d, notes, Lang::En);
    json!({
        "notice": RESEARCH_NOTICE,
        "engine": d.dose.engine,
        "activity_total_mbq": d.activity.total_mbq(),
        "energy_emitted_j": d.dose.energy_emitted_j,
        "energy_in_tissue_j": d.dose.energy_in_tissue_j,
        "energy_in_air_j": d.dose.energy_in_air_j,
        "energy_outside_grid_j": d.dose.energy_outside_grid_j,
        "activity_in_map_mbq": d.activity.total_mbq(),
        "administered_mbq": d.accounting().map(|a| a.administered.mbq()),
        "accounting": d.accounting().map(accounting_json),
        "extrahepatic_fraction": d
            .extrahepatic
            .iter()
            .map(|e| e.fraction_of_administered.value())
            .sum::<f64>()
            + 0.0,
        "excluded_counts_fraction": d.accounting().map(|a| a.excluded_counts_fraction.value()),
        "extrahepatic": d.extrahepatic.iter().map(extrahepatic_json).collect::<Vec<_>>(),
        "structures": structures,
        "notes": all,
    })
}

/// JSON of an MAA activity accounting: MBq and fractions as numbers.
fn accounting_json(a: &MaaAccounting) -> Value {
    json!({
        "administered_mbq": a.administered.mbq(),
        "in_map_mbq": a.in_map.mbq(),
        "liver_mbq": a.liver.mbq(),
        "lungs_mbq": a.lungs.mbq(),
        "extrahepatic_mbq": a.extrahepatic.iter().map(|e| e.activity.mbq()).sum::<f64>() + 0.0,
        "liver_margin_mm": a.liver_margin.m() * 1000.0,
        "liver_counts_fraction": a.liver_counts_fraction.value(),
        "margin_counts_fraction": a.margin_counts_fraction.value(),
        "lung_counts_fraction": a.lung_counts_fraction.value(),
        "excluded_counts_fraction": a.excluded_counts_fraction.value(),
    })
}

/// JSON of one extrahepatic uptake.
fn extrahepatic_json(e: &ExtrahepaticUptake) -> Value {
    json!({
        "structure": e.structure,
        "activity_mbq": e.activity.mbq(),
        "fraction_of_administered": e.fraction_of_administered.value(),
        "mass_kg": e.mass.kg(),
        "mean_gy": e.mean_dose.gy(),
        "local_deposition_gy": e.local_deposition_dose.gy(),
        "counts_fraction": e.counts_fraction.map(|f| f.value()),
    })
}

/// The level-1 heading the voxel part of a report starts with, in English ([`voxel_heading`]
/// in a language).
pub const VOXEL_HEADING: &str = "Voxel dosimetry";

/// The level-1 heading the voxel part of a report starts with, in `lang` ("Voxel dosimetry",
/// "Dosimétrie voxélique"): what finds the voxel part in a document.
pub fn voxel_heading(lang: Lang) -> String {
    t!(lang, "voxel-heading")
}

/// Whether `block` is the heading of the voxel part in any language.
pub fn is_voxel_heading(block: &Block) -> bool {
    matches!(block, Block::Heading(1, t) if Lang::ALL.iter().any(|l| *t == voxel_heading(*l)))
}

/// The parts of a plan's voxel dosimetry a report renders ([`plan_voxel_blocks`],
/// [`plan_voxel_json`]).
#[derive(Debug, Clone)]
pub struct VoxelSections<'a> {
    /// Per session with a MAA prediction at the planned activities: (session id, dosimetry).
    pub predicted: Vec<(&'a str, &'a VoxelDosimetry)>,
    /// The delivered dose from the Y-90 PET and its comparison with the prediction.
    pub delivered: Option<DeliveredSection<'a>>,
    /// Loading and calibration notes (rendered in the report's language; English in JSON).
    pub notes: Vec<Text>,
    /// The slice figures made from the volumes on the CT grid (empty when not made).
    pub slices: SliceFigures,
}

/// Slice figures ([`crate::figures::slice`], built by the caller that holds the volumes), put
/// after the section they illustrate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SliceFigures {
    /// Per predicted session (session id, its figures).
    pub predicted: Vec<(String, Vec<Block>)>,
    /// Of the delivered dose (and the prediction it is compared with).
    pub delivered: Vec<Block>,
}

/// The delivered part of [`VoxelSections`].
#[derive(Debug, Clone, Copy)]
pub struct DeliveredSection<'a> {
    /// The session the PET follows.
    pub session: &'a str,
    /// From the PET.
    pub dosimetry: &'a VoxelDosimetry,
    /// Against the prediction.
    pub verification: &'a Verification,
    /// The MAA prediction at the delivered activity (None without delivery records).
    pub predicted_at_delivered: Option<&'a VoxelDosimetry>,
}

/// The partition doses of the plan (ordered vials) beside the voxel means of the same session.
fn plan_vs_voxel(
    plan: &Plan,
    session_id: &str,
    d: &VoxelDosimetry,
    images: &Images,
    lang: Lang,
) -> Table {
    let mut t = Table::new(
        &[
            &t!(lang, "voxel-col-compartment"),
            &t!(lang, "voxel-col-plan-partition-gy"),
            &t!(lang, "voxel-col-voxel-mean-gy"),
            &t!(lang, "voxel-col-voxel-over-plan"),
        ],
        &[1, 2, 3],
    );
    let Some(session) = plan.sessions.iter().find(|s| s.id == session_id) else {
        return t;
    };
    let mut row = |name: String, plan_gy: f64, voxel: Option<f64>| {
        t.row(vec![
            name,
            dec(lang, plan_gy, 1),
            voxel.map_or("—".into(), |v| dec(lang, v, 1)),
            voxel.map_or("—".into(), |v| dec(lang, v / plan_gy, 3)),
        ]);
    };
    for (id, dose) in &session.tumour_doses {
        let voxel = images
            .tumours
            .get(id)
            .and_then(|n| d.structure(n))
            .map(|s| s.dvh.mean_gy);
        row(
            t!(lang, "voxel-row-tumour", id = id.as_str()),
            dose.gy(),
            voxel,
        );
    }
    let nl = d
        .structures
        .iter()
        .find(|s| s.role == Role::NormalLiver)
        .map(|s| s.dvh.mean_gy);
    let ntad = session
        .totals
        .as_ref()
        .map_or(session.plan_whole_liver_ntad, |t| t.whole_liver_ntad);
    row(t!(lang, "voxel-row-ntad"), ntad.gy(), nl);
    if let Some(totals) = &session.totals {
        let lungs = d
            .structures
            .iter()
            .find(|s| s.role == Role::Lungs)
            .map(|s| s.dvh.mean_gy);
        row(t!(lang, "voxel-row-lungs"), totals.lung_dose.gy(), lungs);
    }
    t
}

/// The voxel part of a plan's report in `lang`: the "Voxel dosimetry" heading
/// ([`voxel_heading`]), per session the predicted dose and the plan-vs-voxel table, the
/// delivered dose and its verification, the notes.
pub fn plan_voxel_blocks(
    plan: &Plan,
    images: &Images,
    v: &VoxelSections<'_>,
    lang: Lang,
) -> Vec<Block> {
    let mut out = vec![Block::Heading(1, voxel_heading(lang))];
    for &(id, dosimetry) in &v.predicted {
        out.extend(voxel_blocks(
            &t!(lang, "voxel-session-predicted", session = id),
            dosimetry,
            &[],
            lang,
        ));
        out.push(Block::Para(t!(
            lang,
            "voxel-plan-vs-voxel-intro",
            session = id
        )));
        out.push(Block::Table(plan_vs_voxel(
            plan, id, dosimetry, images, lang,
        )));
        out.extend(dvh_figure(
            &t!(lang, "dvh-figure-predicted-title", session = id),
            &t!(lang, "dvh-figure-predicted-caption", session = id),
            dosimetry,
            None,
            lang,
        ));
        if let Some((_, figs)) = v.slices.predicted.iter().find(|(s, _)| s == id) {
            out.extend(figs.iter().cloned());
        }
    }
    if let Some(dl) = &v.delivered {
        let session = dl.session;
        out.extend(voxel_blocks(
            &t!(lang, "voxel-session-delivered", session = session),
            dl.dosimetry,
            &[],
            lang,
        ));
        out.extend(verification_blocks(dl.verification, lang));
        let (against, caption) = match dl.predicted_at_delivered {
            Some(p) => (
                p,
                t!(
                    lang,
                    "dvh-figure-overlay-caption-at-delivered",
                    session = session
                ),
            ),
            None => (
                v.predicted
                    .iter()
                    .find(|(s, _)| *s == session)
                    .map_or(dl.dosimetry, |(_, d)| *d),
                t!(
                    lang,
                    "dvh-figure-overlay-caption-at-planned",
                    session = session
                ),
            ),
        };
        out.extend(dvh_figure(
            &t!(lang, "dvh-figure-overlay-title", session = session),
            &caption,
            against,
            Some(dl.dosimetry),
            lang,
        ));
        out.extend(bland_altman_figure(session, dl.verification, lang));
        out.extend(v.slices.delivered.iter().cloned());
        out.push(Block::Para(match dl.predicted_at_delivered {
            Some(p) => t!(
                lang,
                "voxel-compared-at-delivered",
                in_map = lang.quantity(p.activity.total_mbq() / 1000.0, 4, "GBq"),
                pet = lang.quantity(dl.dosimetry.activity.total_mbq() / 1000.0, 4, "GBq")
            ),
            None => t!(lang, "voxel-compared-at-planned"),
        }));
    }
    if !v.notes.is_empty() {
        out.push(Block::List(
            v.notes.iter().map(|n| n.render(lang)).collect(),
        ));
    }
    out
}

/// JSON of the voxel part of a plan: `predicted` (session, dosimetry), `delivered` (session,
/// dosimetry, predicted_at_delivered, comparison, tumours_bland_altman), `notes` (English).
pub fn plan_voxel_json(v: &VoxelSections<'_>) -> Value {
    let predicted: Vec<_> = v
        .predicted
        .iter()
        .map(|&(session, d)| json!({ "session": session, "dosimetry": voxel_json(d, &[]) }))
        .collect();
    let delivered = v.delivered.as_ref().map(|dl| {
        json!({
            "session": dl.session,
            "activity_in_map_mbq": dl.dosimetry.activity.total_mbq(),
            "recorded_delivered_mbq": dl
                .predicted_at_delivered
                .and_then(|p| p.accounting())
                .map(|a| a.administered.mbq()),
            "dosimetry": voxel_json(dl.dosimetry, &[]),
            "predicted_at_delivered": dl.predicted_at_delivered.map(|p| voxel_json(p, &[])),
            "comparison": dl.verification.rows.iter().map(|(_, c)| c).collect::<Vec<_>>(),
            "tumours_bland_altman": dl.verification.tumours,
        })
    });
    json!({
        "predicted": predicted,
        "delivered": delivered,
        "notes": v.notes,
    })
}

/// A DVH plot in `lang` with an optional dashed overlay of `delivered`.
fn dvh_plot<'a>(
    title: &str,
    c: &[StructureDvh<'a>],
    delivered: Option<&[StructureDvh<'a>]>,
    lang: Lang,
) -> DvhPlot<'a> {
    let mut plot = DvhPlot::new(c).titled(title).in_lang(lang);
    if let Some(dc) = delivered {
        plot = plot.with_overlay(&t!(lang, "dvh-predicted"), dc, &t!(lang, "dvh-delivered"));
    }
    plot
}

/// A DVH plot as a figure (none when the DVHs cannot be plotted: the files report that error).
fn dvh_figure(
    title: &str,
    caption: &str,
    d: &VoxelDosimetry,
    delivered: Option<&VoxelDosimetry>,
    lang: Lang,
) -> Option<Block> {
    let c = curves(d);
    let dc = delivered.map(curves);
    let plot = dvh_plot(title, &c, dc.as_deref(), lang);
    dvh_svg(&plot).ok().map(|svg| Block::Figure {
        caption: caption.to_string(),
        svg,
    })
}

/// The Bland–Altman plot of the tumours' mean doses (none with fewer than two tumours).
fn bland_altman_figure(session: &str, v: &Verification, lang: Lang) -> Option<Block> {
    let b = v.tumours.as_ref()?;
    let pairs: Vec<Pair> = v
        .rows
        .iter()
        .filter(|(r, _)| *r == Role::Tumour)
        .map(|(_, c)| Pair {
            name: c.name.clone(),
            predicted_gy: c.predicted_gy,
            delivered_gy: c.delivered_gy,
        })
        .collect();
    let svg = bland_altman_svg(
        &t!(lang, "figure-ba-title", session = session),
        &pairs,
        b.mean_difference_gy,
        b.limits_gy,
        lang,
    );
    Some(Block::Figure {
        caption: t!(
            lang,
            "figure-ba-caption",
            session = session,
            count = b.n,
            bias = lang.with_unit(&signed(lang, b.mean_difference_gy, 1), "Gy"),
            low = signed(lang, b.limits_gy.0, 1),
            high = lang.with_unit(&signed(lang, b.limits_gy.1, 1), "Gy")
        ),
        svg,
    })
}

fn curves(d: &VoxelDosimetry) -> Vec<StructureDvh<'_>> {
    d.structures
        .iter()
        .map(|s| StructureDvh::new(&s.name, &s.dvh))
        .collect()
}

/// The cumulative-DVH CSV step: about 1 Gy, a whole number of bins.
fn csv_step(d: &VoxelDosimetry) -> f64 {
    let bin = d.structures.first().map_or(1.0, |s| s.dvh.bin_gy);
    bin * (1.0 / bin).round().max(1.0)
}

/// `{prefix}metrics.csv`, `{prefix}dvh.csv` and `{prefix}dvh.svg` of a dosimetry; with
/// `delivered`, the SVG overlays its DVHs dashed. The SVG is for people: its title (given),
/// axes and legend are in `lang`; the CSV files are data for machines and keep their English
/// headers and decimal points in every language ([`crate::dvh_out`]).
pub fn voxel_files(
    prefix: &str,
    title: &str,
    d: &VoxelDosimetry,
    delivered: Option<&VoxelDosimetry>,
    lang: Lang,
) -> Result<Vec<(String, Vec<u8>)>, DvhOutError> {
    let c = curves(d);
    let dc = delivered.map(curves);
    let plot = dvh_plot(title, &c, dc.as_deref(), lang);
    Ok(vec![
        (
            format!("{prefix}metrics.csv"),
            dvh_metrics_csv(&c)?.into_bytes(),
        ),
        (
            format!("{prefix}dvh.csv"),
            dvh_cumulative_csv(&c, Some(csv_step(d)))?.into_bytes(),
        ),
        (format!("{prefix}dvh.svg"), dvh_svg(&plot)?.into_bytes()),
    ])
}

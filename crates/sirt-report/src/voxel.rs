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
use sirt_units::Activity;
use sirt_voxel_dosimetry::{ExtrahepaticUptake, MaaAccounting, Role, Verification, VoxelDosimetry};
use sirt_workflow::Plan;

/// The research-use notice (one wording for every output: `sirt_units::RESEARCH_NOTICE`).
pub use sirt_units::RESEARCH_NOTICE;

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Liver => "liver",
        Role::Lungs => "lungs",
        Role::Tumour => "tumour",
        Role::Territory => "territory",
        Role::NormalLiver => "normal liver",
        Role::Extrahepatic => "extrahepatic",
        Role::Other => "other",
    }
}

fn dx(d: &sirt_voxel_dosimetry::physics::dvh::Dvh, x: f64) -> String {
    d.d.iter()
        .find(|(p, _)| (*p - x).abs() < 1e-9)
        .map_or("—".into(), |(_, g)| format!("{g:.1}"))
}

/// The per-structure table and notes of one dosimetry.
pub fn voxel_blocks(title: &str, d: &VoxelDosimetry, notes: &[String]) -> Vec<Block> {
    let mut t = Table::new(
        &[
            "Structure",
            "Role",
            "Volume (mL)",
            "Mass (g)",
            "A₀ (MBq)",
            "Mean (Gy)",
            "D70 (Gy)",
            "D90 (Gy)",
            "Max (Gy)",
            "Partition (Gy)",
            "Voxel vs partition",
            "Note",
        ],
        &[2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    for s in &d.structures {
        t.row(vec![
            s.name.clone(),
            role_name(s.role).into(),
            format!("{:.2}", s.drawn_volume_ml),
            s.dvh
                .mass_kg
                .map_or("—".into(), |m| format!("{:.1}", m * 1000.0)),
            format!("{:.2}", s.activity_mbq),
            format!("{:.1}", s.dvh.mean_gy),
            dx(&s.dvh, 70.0),
            dx(&s.dvh, 90.0),
            format!("{:.1}", s.dvh.max_gy),
            format!("{:.1}", s.partition_gy),
            format!("{:+.1} %", 100.0 * s.voxel_vs_partition),
            if s.small_lesion {
                "< 2 mL: partial volume".into()
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
                "Dose grid".into(),
                format!(
                    "{} × {} × {} voxels of {:.2} × {:.2} × {:.2} mm",
                    g.dims[0],
                    g.dims[1],
                    g.dims[2],
                    g.spacing_mm[0],
                    g.spacing_mm[1],
                    g.spacing_mm[2]
                ),
            ),
            (
                "Activity in the map (A₀)".into(),
                format!("{:.1} MBq", d.activity.total_mbq()),
            ),
            (
                "K".into(),
                format!(
                    "{} Gy·kg/GBq ({}: {})",
                    d.activity.k.k.gy_kg_per_gbq(),
                    d.activity.k.label,
                    d.activity.k.source
                ),
            ),
        ]),
    ];
    if let Some(a) = d.accounting() {
        blocks.push(Block::Para("Activity accounting of the MAA prediction: the liver and the counts within the liver margin (SPECT spill-out) hold A (1 − LSF − f_EH), the lungs A · LSF, each named extrahepatic structure A · f_i (its share of the liver, margin and extrahepatic counts); other counts are not microspheres and are left out of the map.".into()));
        blocks.push(Block::KeyValues(accounting_rows(a)));
    }
    if !d.extrahepatic.is_empty() {
        blocks.push(Block::Table(extrahepatic_table(&d.extrahepatic)));
    }
    blocks.extend([
        Block::Table(t),
        Block::Para("Mean, D_x and max are mass-weighted over the structure's partial-volume fractions on the dose grid; a border voxel weighs the density of its part inside the structure (the CT voxels inside both), and that part gets the voxel's energy per mL over its own density. Partition = K · A / M from the same masks (uniform uptake); with local deposition it equals the voxel mean, with the kernel the difference is the energy crossing the structure's border. Volumes are as drawn.".into()),
    ]);
    let mut list: Vec<String> = d.notes.clone();
    list.extend(notes.iter().cloned());
    blocks.push(Block::List(list));
    blocks
}

fn mbq(a: Activity) -> String {
    format!("{:.1} MBq", a.mbq())
}

/// The activity accounting of an MAA prediction as report rows.
fn accounting_rows(a: &MaaAccounting) -> Vec<(String, String)> {
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
    vec![
        ("Administered".into(), mbq(a.administered)),
        (
            "In the map".into(),
            format!(
                "{} ({:.2} % of administered)",
                mbq(a.in_map),
                of(a.in_map.mbq())
            ),
        ),
        (
            "Liver and margin".into(),
            format!("{} ({:.2} %)", mbq(a.liver), of(a.liver.mbq())),
        ),
        (
            "Lungs".into(),
            format!("{} ({:.2} %)", mbq(a.lungs), of(a.lungs.mbq())),
        ),
        (
            "Extrahepatic (named)".into(),
            format!("{eh:.1} MBq ({:.2} %)", of(eh)),
        ),
        (
            "Counts".into(),
            format!(
                "liver {:.2} %, margin ({:.0} mm) {:.2} %, lungs {:.2} %, extrahepatic {:.2} %, excluded {:.2} %",
                a.liver_counts_fraction.percent(),
                a.liver_margin.m() * 1000.0,
                a.margin_counts_fraction.percent(),
                a.lung_counts_fraction.percent(),
                100.0 * eh_counts,
                a.excluded_counts_fraction.percent()
            ),
        ),
    ]
}

/// The uptake of the named extrahepatic structures.
fn extrahepatic_table(rows: &[ExtrahepaticUptake]) -> Table {
    let mut t = Table::new(
        &[
            "Extrahepatic structure",
            "Activity (MBq)",
            "Share of administered",
            "Mass (g)",
            "Mean (Gy)",
            "K · A / M (Gy)",
        ],
        &[1, 2, 3, 4, 5],
    );
    for e in rows {
        t.row(vec![
            e.structure.clone(),
            format!("{:.2}", e.activity.mbq()),
            format!("{:.2} %", e.fraction_of_administered.percent()),
            format!("{:.1}", e.mass.kg() * 1000.0),
            format!("{:.1}", e.mean_dose.gy()),
            format!("{:.1}", e.local_deposition_dose.gy()),
        ]);
    }
    t
}

/// Predicted vs delivered.
pub fn verification_blocks(v: &Verification) -> Vec<Block> {
    let mut t = Table::new(
        &[
            "Structure",
            "Role",
            "Predicted (Gy)",
            "Delivered (Gy)",
            "Δ (Gy)",
            "Delivered / predicted",
        ],
        &[2, 3, 4, 5],
    );
    for (role, c) in &v.rows {
        t.row(vec![
            c.name.clone(),
            role_name(*role).into(),
            format!("{:.1}", c.predicted_gy),
            format!("{:.1}", c.delivered_gy),
            // A difference that rounds to zero is printed without a sign ("-0.0" reads wrong).
            if c.difference_gy.abs() < 0.05 {
                "0.0".into()
            } else {
                format!("{:+.1}", c.difference_gy)
            },
            format!("{:.3}", c.ratio),
        ]);
    }
    let mut blocks = vec![
        Block::Heading(2, "Predicted (MAA SPECT) vs delivered (Y-90 PET)".into()),
        Block::Table(t),
    ];
    match &v.tumours {
        Some(b) => blocks.push(Block::KeyValues(vec![
            ("Tumours compared".into(), b.n.to_string()),
            (
                "Bias (delivered − predicted)".into(),
                format!(
                    "{:+.1} Gy, limits of agreement {:+.1} to {:+.1} Gy",
                    b.mean_difference_gy, b.limits_gy.0, b.limits_gy.1
                ),
            ),
            (
                "Relative bias".into(),
                format!(
                    "{:+.1} %, limits {:+.1} % to {:+.1} %",
                    100.0 * b.mean_relative,
                    100.0 * b.limits_relative.0,
                    100.0 * b.limits_relative.1
                ),
            ),
        ])),
        None => blocks.push(Block::Para(
            "Fewer than two tumours matched: no Bland–Altman summary.".into(),
        )),
    }
    if !v.unmatched.is_empty() {
        blocks.push(Block::Para(format!(
            "Structures present on one side only: {}.",
            v.unmatched.join(", ")
        )));
    }
    blocks
}

/// A stand-alone document of one dosimetry (for `sirtplan dose`).
pub fn voxel_document(title: &str, d: &VoxelDosimetry, notes: &[String]) -> Document {
    let mut doc = Document {
        title: title.to_string(),
        blocks: vec![Block::Notice(RESEARCH_NOTICE.into())],
        page_size: None,
        lang: sirt_i18n::Lang::En,
    };
    doc.blocks
        .extend(voxel_blocks("Dose per structure", d, notes));
    doc
}

/// JSON of one dosimetry: snake_case keys with the unit as suffix.
pub fn voxel_json(d: &VoxelDosimetry, notes: &[String]) -> Value {
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
    let mut all = d.notes.clone();
    all.extend(notes.iter().cloned());
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

/// The level-1 heading the voxel part of a report starts with.
pub const VOXEL_HEADING: &str = "Voxel dosimetry";

/// The parts of a plan's voxel dosimetry a report renders ([`plan_voxel_blocks`],
/// [`plan_voxel_json`]).
#[derive(Debug, Clone)]
pub struct VoxelSections<'a> {
    /// Per session with a MAA prediction at the planned activities: (session id, dosimetry).
    pub predicted: Vec<(&'a str, &'a VoxelDosimetry)>,
    /// The delivered dose from the Y-90 PET and its comparison with the prediction.
    pub delivered: Option<DeliveredSection<'a>>,
    /// Loading and calibration notes.
    pub notes: &'a [String],
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
fn plan_vs_voxel(plan: &Plan, session_id: &str, d: &VoxelDosimetry, images: &Images) -> Table {
    let mut t = Table::new(
        &[
            "Compartment",
            "Plan, partition model (Gy)",
            "Voxel mean (Gy)",
            "Voxel / plan",
        ],
        &[1, 2, 3],
    );
    let Some(session) = plan.sessions.iter().find(|s| s.id == session_id) else {
        return t;
    };
    let mut row = |name: String, plan_gy: f64, voxel: Option<f64>| {
        t.row(vec![
            name,
            format!("{plan_gy:.1}"),
            voxel.map_or("—".into(), |v| format!("{v:.1}")),
            voxel.map_or("—".into(), |v| format!("{:.3}", v / plan_gy)),
        ]);
    };
    for (id, dose) in &session.tumour_doses {
        let voxel = images
            .tumours
            .get(id)
            .and_then(|n| d.structure(n))
            .map(|s| s.dvh.mean_gy);
        row(format!("tumour {id}"), dose.gy(), voxel);
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
    row("whole non-tumoural liver (NTAD)".into(), ntad.gy(), nl);
    if let Some(totals) = &session.totals {
        let lungs = d
            .structures
            .iter()
            .find(|s| s.role == Role::Lungs)
            .map(|s| s.dvh.mean_gy);
        row("lungs".into(), totals.lung_dose.gy(), lungs);
    }
    t
}

/// The voxel part of a plan's report: the "Voxel dosimetry" heading, per session the predicted
/// dose and the plan-vs-voxel table, the delivered dose and its verification, the notes.
pub fn plan_voxel_blocks(plan: &Plan, images: &Images, v: &VoxelSections<'_>) -> Vec<Block> {
    let mut out = vec![Block::Heading(1, VOXEL_HEADING.into())];
    for &(id, dosimetry) in &v.predicted {
        out.extend(voxel_blocks(
            &format!("Session {id}: predicted from the MAA SPECT at the planned activities"),
            dosimetry,
            &[],
        ));
        out.push(Block::Para(format!(
            "Session {id}: the plan's partition-model doses (case volumes and TNR, ordered vials) against the voxel means from the images. The partition model assumes uniform uptake in each compartment; the voxel means use the SPECT as it is (blur, heterogeneity)."
        )));
        out.push(Block::Table(plan_vs_voxel(plan, id, dosimetry, images)));
        out.extend(dvh_figure(
            &format!("Session {id}: cumulative DVH, predicted from the MAA SPECT at the planned activities"),
            &format!("Session {id}: cumulative dose–volume histograms of the MAA-predicted dose at the planned activities (mass-weighted, % of each structure)."),
            dosimetry,
            None,
        ));
        if let Some((_, figs)) = v.slices.predicted.iter().find(|(s, _)| s == id) {
            out.extend(figs.iter().cloned());
        }
    }
    if let Some(dl) = &v.delivered {
        out.extend(voxel_blocks(
            &format!("Session {}: delivered, from the Y-90 PET", dl.session),
            dl.dosimetry,
            &[],
        ));
        out.extend(verification_blocks(dl.verification));
        let (against, what) = match dl.predicted_at_delivered {
            Some(p) => (p, "the MAA prediction at the delivered activity"),
            None => (
                v.predicted
                    .iter()
                    .find(|(s, _)| *s == dl.session)
                    .map_or(dl.dosimetry, |(_, d)| *d),
                "the MAA prediction at the planned activities",
            ),
        };
        out.extend(dvh_figure(
            &format!("Session {}: cumulative DVH, predicted (solid) vs delivered (dashed)", dl.session),
            &format!("Session {}: cumulative dose–volume histograms of {what} (solid) and of the delivered dose from the Y-90 PET (dashed).", dl.session),
            against,
            Some(dl.dosimetry),
        ));
        out.extend(bland_altman_figure(dl.session, dl.verification));
        out.extend(v.slices.delivered.iter().cloned());
        out.push(Block::Para(match dl.predicted_at_delivered {
            Some(p) => format!(
                "The prediction compared is the MAA SPECT scaled to the delivered activity of the case's delivery record ({:.4} GBq in the map, accounted as above), so that the differences are those of the distribution, not of the activity. The PET's own activity is {:.4} GBq.",
                p.activity.total_mbq() / 1000.0,
                dl.dosimetry.activity.total_mbq() / 1000.0
            ),
            None => "The case has no delivery record: the prediction compared is at the planned activity, so the differences include those of the activity.".into(),
        }));
    }
    if !v.notes.is_empty() {
        out.push(Block::List(v.notes.to_vec()));
    }
    out
}

/// JSON of the voxel part of a plan: `predicted` (session, dosimetry), `delivered` (session,
/// dosimetry, predicted_at_delivered, comparison, tumours_bland_altman), `notes`.
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

/// A DVH plot as a figure (none when the DVHs cannot be plotted: the files report that error).
fn dvh_figure(
    title: &str,
    caption: &str,
    d: &VoxelDosimetry,
    delivered: Option<&VoxelDosimetry>,
) -> Option<Block> {
    let c = curves(d);
    let dc;
    let mut plot = DvhPlot::new(&c).titled(title);
    if let Some(o) = delivered {
        dc = curves(o);
        plot = plot.with_overlay("predicted", &dc, "delivered");
    }
    dvh_svg(&plot).ok().map(|svg| Block::Figure {
        caption: caption.to_string(),
        svg,
    })
}

/// The Bland–Altman plot of the tumours' mean doses (none with fewer than two tumours).
fn bland_altman_figure(session: &str, v: &Verification) -> Option<Block> {
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
        &format!("Session {session}: tumour mean doses, delivered − predicted"),
        &pairs,
        b.mean_difference_gy,
        b.limits_gy,
    );
    Some(Block::Figure {
        caption: format!(
            "Session {session}: Bland–Altman plot of the mean doses of {} tumours, delivered (Y-90 PET) − predicted (MAA SPECT): bias {:+.1} Gy (solid), 95 % limits of agreement {:+.1} to {:+.1} Gy (dashed, bias ± 1.96 SD).",
            b.n, b.mean_difference_gy, b.limits_gy.0, b.limits_gy.1
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
/// `delivered`, the SVG overlays its DVHs dashed.
pub fn voxel_files(
    prefix: &str,
    title: &str,
    d: &VoxelDosimetry,
    delivered: Option<&VoxelDosimetry>,
) -> Result<Vec<(String, Vec<u8>)>, DvhOutError> {
    let c = curves(d);
    let mut plot = DvhPlot::new(&c).titled(title);
    let dc;
    if let Some(o) = delivered {
        dc = curves(o);
        plot = plot.with_overlay("predicted", &dc, "delivered");
    }
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

//! Outputs of voxel dosimetry: DVH metrics as CSV and as a plain-text table, the cumulative DVHs
//! as CSV, and a self-contained SVG plot of the cumulative DVHs (with an optional dashed overlay,
//! e.g. predicted vs delivered).
//!
//! Every function is pure: it returns the text and writes nothing. The CSV files are data for
//! machines: their headers are English and their numbers have a decimal point in every
//! language. The text table ([`dvh_metrics_blocks`], [`dvh_metrics_text`]) and the SVG plot
//! ([`DvhPlot::in_lang`]) are for people: their headings, axis titles, legends and numbers are
//! in the reader's language (`sirt_i18n::Lang`; decimal comma in French). Structures are given as
//! [`StructureDvh`] (a name and a [`sirt_voxel_dosimetry::physics::dvh::Dvh`]); names must be unique, not blank,
//! and are escaped for CSV (RFC 4180 quoting) and XML. Names are otherwise written as given (a
//! spreadsheet may take a name that begins with `=`, `+`, `-` or `@` for a formula).
//!
//! For a mass-weighted DVH (a density map was given), V_x, the cumulative percentages and the
//! plot's "Volume (%)" axis are percentages of the structure's mass.
//!
//! # Fixed precision
//!
//! CSV numbers are written with a fixed number of decimals, so that files are deterministic and
//! compare line by line:
//!
//! | quantity | unit | decimals |
//! |---|---|---|
//! | volume | mL | 3 ([`VOLUME_DECIMALS`]) |
//! | mass | kg | 6 ([`MASS_DECIMALS`]) |
//! | doses (mean, min, max, D_x, DVH bin) | Gy | 3 ([`DOSE_DECIMALS`]) |
//! | V_x and cumulative DVH | % of the structure | 4 ([`PERCENT_DECIMALS`]) |
//! | dose axis of the cumulative CSV | Gy | 3, or more (up to 6) when the bin width needs them |
//!
//! A value rounds to at most half a unit of its last decimal (a value that rounds to zero is
//! written `0.000`, never `-0.000`). A value that does not exist (the mass of a volume-weighted
//! DVH, a D_x level that a structure was not evaluated at) is an empty cell. The plain-text table
//! follows the report style: doses with one decimal, volumes with one, masses with three.
//!
//! # Columns
//!
//! Metrics CSV ([`dvh_metrics_csv`]), one row per structure:
//! `structure,weighting,volume_mL,mass_kg,mean_Gy,min_Gy,max_Gy,D2_Gy,…,D98_Gy,V30Gy_pct,…,V400Gy_pct,bin_Gy`,
//! where `weighting` is `mass` (a density map was given: D_x, V_x and the mean are mass-weighted)
//! or `volume`; the D_x and V_x columns are the union of the levels of all structures, in order
//! of first appearance.
//!
//! Cumulative CSV ([`dvh_cumulative_csv`]): `dose_Gy` then one column per structure, named
//! `<structure> (%)`, the percentage of the structure receiving at least that dose, at the bin
//! edges (all structures must share one bin width).
//!
//! # Example
//!
//! ```
//! use sirt_voxel_dosimetry::physics::dvh::{dvh, DEFAULT_DX_PERCENT, DEFAULT_VX_GY};
//! use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
//! use sirt_report::dvh_out::{self, DvhPlot, StructureDvh};
//!
//! let grid = Grid::axis_aligned([4, 1, 1], [10.0; 3], PointLps::new(0.0, 0.0, 0.0),
//!                               FrameOfReference("example".into())).unwrap();
//! let dose = Image::new(grid.clone(), vec![20.0, 60.0, 110.0, 250.0]).unwrap();
//! let tumour = Image::new(grid.clone(), vec![0.0, 0.0, 1.0, 1.0]).unwrap();
//! let liver = Image::filled(grid, 1.0f32);
//! let t = dvh(&dose, &tumour, None, 0.5, &DEFAULT_DX_PERCENT, &DEFAULT_VX_GY).unwrap();
//! let l = dvh(&dose, &liver, None, 0.5, &DEFAULT_DX_PERCENT, &DEFAULT_VX_GY).unwrap();
//! let structures = [StructureDvh::new("T1", &t), StructureDvh::new("liver", &l)];
//!
//! let csv = dvh_out::dvh_metrics_csv(&structures).unwrap();
//! assert!(csv.starts_with("structure,weighting,volume_mL,mass_kg,mean_Gy,"));
//! assert!(csv.contains("\nT1,volume,2.000,,180.000,110.000,250.000,"));
//! let cumulative = dvh_out::dvh_cumulative_csv(&structures, Some(10.0)).unwrap();
//! assert!(cumulative.starts_with("dose_Gy,T1 (%),liver (%)\n0.000,100.0000,100.0000\n"));
//! let text = dvh_out::dvh_metrics_text(&structures, sirt_i18n::Lang::En).unwrap();
//! assert!(text.contains("T1"));
//! let svg = dvh_out::dvh_svg(&DvhPlot::new(&structures).titled("Predicted DVH")).unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("Dose (Gy)") && svg.contains("Volume (%)"));
//! ```

use crate::figures::nice_step;
use std::fmt::Write;

use sirt_voxel_dosimetry::physics::dvh::Dvh;

use crate::document::{self, Block, Document, Table};
use sirt_i18n::{Lang, t};

/// Decimals of volumes (mL) in the CSV.
pub const VOLUME_DECIMALS: usize = 3;
/// Decimals of masses (kg) in the CSV.
pub const MASS_DECIMALS: usize = 6;
/// Decimals of doses (Gy) in the CSV.
pub const DOSE_DECIMALS: usize = 3;
/// Decimals of percentages (V_x, cumulative DVH) in the CSV.
pub const PERCENT_DECIMALS: usize = 4;

/// A DVH output that cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DvhOutError {
    /// No structure was given.
    #[error("DVH output: no structure to write")]
    NoStructure,
    /// A structure name is empty or blank.
    #[error("DVH output: structure {position} has an empty name")]
    EmptyName {
        /// 1-based position in the list.
        position: usize,
    },
    /// Two structures of one list share a name.
    #[error("DVH output: the structure name \"{0}\" appears twice")]
    DuplicateName(String),
    /// The structures of a cumulative table or plot do not share one bin width.
    #[error(
        "DVH output: structure \"{name}\" has {found} Gy DVH bins, expected {expected} Gy like \
         the first structure (compute all DVHs with one bin width)"
    )]
    BinMismatch {
        /// The structure.
        name: String,
        /// Bin width of the first structure, Gy.
        expected: f64,
        /// Its bin width, Gy.
        found: f64,
    },
    /// A dose step that is not a positive multiple of the bin width.
    #[error(
        "DVH output: the dose step must be a positive multiple of the {bin} Gy DVH bin, found {step} Gy"
    )]
    InvalidStep {
        /// The step asked for, Gy.
        step: f64,
        /// The bin width, Gy.
        bin: f64,
    },
    /// A DVH with a value that is not finite, or a bin width that is not positive.
    #[error("DVH output: structure \"{name}\": {what}")]
    InvalidDvh {
        /// The structure.
        name: String,
        /// What is wrong.
        what: String,
    },
}

/// A named structure with its DVH.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StructureDvh<'a> {
    /// Structure name (any text; escaped where written).
    pub name: &'a str,
    /// Its DVH.
    pub dvh: &'a Dvh,
}

impl<'a> StructureDvh<'a> {
    /// A structure with its DVH.
    pub fn new(name: &'a str, dvh: &'a Dvh) -> Self {
        Self { name, dvh }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks and formatting.

fn check_structures(structures: &[StructureDvh<'_>]) -> Result<(), DvhOutError> {
    if structures.is_empty() {
        return Err(DvhOutError::NoStructure);
    }
    for (n, s) in structures.iter().enumerate() {
        if s.name.trim().is_empty() {
            return Err(DvhOutError::EmptyName { position: n + 1 });
        }
        if structures[..n].iter().any(|o| o.name == s.name) {
            return Err(DvhOutError::DuplicateName(s.name.to_string()));
        }
        check_dvh(s)?;
    }
    Ok(())
}

fn check_dvh(s: &StructureDvh<'_>) -> Result<(), DvhOutError> {
    let h = s.dvh;
    let bad = |what: String| DvhOutError::InvalidDvh {
        name: s.name.to_string(),
        what,
    };
    if !(h.bin_gy.is_finite() && h.bin_gy > 0.0) {
        return Err(bad(format!(
            "the bin width must be above 0 Gy, found {}",
            h.bin_gy
        )));
    }
    let scalars = [
        ("volume", h.volume_ml),
        ("mass", h.mass_kg.unwrap_or(0.0)),
        ("mean dose", h.mean_gy),
        ("minimum dose", h.min_gy),
        ("maximum dose", h.max_gy),
    ];
    if let Some((what, v)) = scalars.iter().find(|(_, v)| !v.is_finite()) {
        return Err(bad(format!("the {what} is {v}")));
    }
    let pairs = h.d.iter().chain(&h.v);
    if let Some((x, v)) = pairs
        .into_iter()
        .find(|(x, v)| !(x.is_finite() && v.is_finite()))
    {
        return Err(bad(format!("a D_x or V_x entry is ({x}, {v})")));
    }
    if let Some(v) = h.cumulative.iter().find(|v| !v.is_finite()) {
        return Err(bad(format!("a cumulative DVH value is {v}")));
    }
    Ok(())
}

/// `value` with `decimals`, without a negative zero.
fn fixed(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// A D_x or V_x level as written in headers: `2`, `20.5`.
fn level(x: f64) -> String {
    format!("{x}")
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or leading or
/// trailing spaces; quotes doubled.
pub fn csv_field(s: &str) -> String {
    let needs = s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ');
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Text for XML content and attribute values: `& < > " '` as entities; characters that XML 1.0
/// does not allow (control characters other than tab, line feed and carriage return) as U+FFFD.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// The union of levels (in order of first appearance) of `pick` over the structures.
fn levels(structures: &[StructureDvh<'_>], pick: fn(&Dvh) -> &Vec<(f64, f64)>) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for s in structures {
        for &(x, _) in pick(s.dvh) {
            if !out.contains(&x) {
                out.push(x);
            }
        }
    }
    out
}

fn value_at(pairs: &[(f64, f64)], x: f64) -> Option<f64> {
    pairs.iter().find(|p| p.0 == x).map(|p| p.1)
}

// ---------------------------------------------------------------------------------------------
// Metrics.

/// The metrics CSV: a header line, then one line per structure (columns in the module
/// documentation; precision in [`VOLUME_DECIMALS`], [`MASS_DECIMALS`], [`DOSE_DECIMALS`],
/// [`PERCENT_DECIMALS`]). Lines end with `\n`. Data for machines: English headers and decimal
/// points whatever the report's language.
pub fn dvh_metrics_csv(structures: &[StructureDvh<'_>]) -> Result<String, DvhOutError> {
    check_structures(structures)?;
    let dx = levels(structures, |h| &h.d);
    let vx = levels(structures, |h| &h.v);
    let mut out = String::from("structure,weighting,volume_mL,mass_kg,mean_Gy,min_Gy,max_Gy");
    for x in &dx {
        let _ = write!(out, ",D{}_Gy", level(*x));
    }
    for x in &vx {
        let _ = write!(out, ",V{}Gy_pct", level(*x));
    }
    out.push_str(",bin_Gy\n");
    for s in structures {
        let h = s.dvh;
        let mut cells = vec![
            csv_field(s.name),
            weighting(h).to_string(),
            fixed(h.volume_ml, VOLUME_DECIMALS),
            h.mass_kg
                .map(|m| fixed(m, MASS_DECIMALS))
                .unwrap_or_default(),
            fixed(h.mean_gy, DOSE_DECIMALS),
            fixed(h.min_gy, DOSE_DECIMALS),
            fixed(h.max_gy, DOSE_DECIMALS),
        ];
        cells.extend(dx.iter().map(|&x| {
            value_at(&h.d, x)
                .map(|d| fixed(d, DOSE_DECIMALS))
                .unwrap_or_default()
        }));
        cells.extend(vx.iter().map(|&x| {
            value_at(&h.v, x)
                .map(|v| fixed(v * 100.0, PERCENT_DECIMALS))
                .unwrap_or_default()
        }));
        cells.push(fixed(h.bin_gy, dose_axis_decimals(h.bin_gy)));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    Ok(out)
}

fn weighting(h: &Dvh) -> &'static str {
    if h.mass_weighted { "mass" } else { "volume" }
}

/// The metrics as document blocks (for the plan report) in `lang`: a heading and a table of
/// volumes, masses, mean, min, max and D_x; a heading and a table of V_x; a note on the
/// definitions. Doses with one decimal, volumes with one, masses with three, V_x in % with one;
/// "—" where a value does not exist.
pub fn dvh_metrics_blocks(
    structures: &[StructureDvh<'_>],
    lang: Lang,
) -> Result<Vec<Block>, DvhOutError> {
    check_structures(structures)?;
    let dx = levels(structures, |h| &h.d);
    let vx = levels(structures, |h| &h.v);
    let dash = || "—".to_string();
    let fixed = |v: f64, d: usize| lang.numeric(&fixed(v, d));
    let level = |x: f64| lang.numeric(&level(x));

    let mut headers: Vec<String> = vec![
        t!(lang, "dvh-col-structure"),
        t!(lang, "dvh-col-weighting"),
        t!(lang, "dvh-col-volume-ml"),
        t!(lang, "dvh-col-mass-kg"),
        t!(lang, "dvh-col-mean-gy"),
        t!(lang, "dvh-col-min-gy"),
        t!(lang, "dvh-col-max-gy"),
    ];
    headers.extend(dx.iter().map(|x| format!("D{} (Gy)", level(*x))));
    let right: Vec<usize> = (2..headers.len()).collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut doses = Table::new(&refs, &right);
    for s in structures {
        let h = s.dvh;
        let mut row = vec![
            s.name.to_string(),
            weighting_name(h, lang),
            fixed(h.volume_ml, 1),
            h.mass_kg.map_or_else(dash, |m| fixed(m, 3)),
            fixed(h.mean_gy, 1),
            fixed(h.min_gy, 1),
            fixed(h.max_gy, 1),
        ];
        row.extend(
            dx.iter()
                .map(|&x| value_at(&h.d, x).map_or_else(dash, |d| fixed(d, 1))),
        );
        doses.row(row);
    }
    let mut blocks = vec![
        Block::Heading(2, t!(lang, "dvh-doses-heading")),
        Block::Table(doses),
    ];

    if !vx.is_empty() {
        let mut headers = vec![t!(lang, "dvh-col-structure")];
        headers.extend(vx.iter().map(|x| format!("V{} (%)", level(*x))));
        let right: Vec<usize> = (1..headers.len()).collect();
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut volumes = Table::new(&refs, &right);
        for s in structures {
            let mut row = vec![s.name.to_string()];
            row.extend(
                vx.iter()
                    .map(|&x| value_at(&s.dvh.v, x).map_or_else(dash, |v| fixed(v * 100.0, 1))),
            );
            volumes.row(row);
        }
        blocks.push(Block::Heading(2, t!(lang, "dvh-vx-heading")));
        blocks.push(Block::Table(volumes));
    }
    let bins: Vec<String> = {
        let mut b: Vec<f64> = Vec::new();
        for s in structures {
            if !b.contains(&s.dvh.bin_gy) {
                b.push(s.dvh.bin_gy);
            }
        }
        b.iter()
            .map(|x| lang.with_unit(&fixed(*x, dose_axis_decimals(*x)), "Gy"))
            .collect()
    };
    blocks.push(Block::Para(t!(
        lang,
        "dvh-definitions",
        bins = bins.join(", ")
    )));
    Ok(blocks)
}

/// The weighting of a DVH in words of `lang` ("mass", "volume").
fn weighting_name(h: &Dvh, lang: Lang) -> String {
    if h.mass_weighted {
        t!(lang, "dvh-weighting-mass")
    } else {
        t!(lang, "dvh-weighting-volume")
    }
}

/// The metrics as plain text for a terminal, in `lang`: the blocks of [`dvh_metrics_blocks`]
/// under the title "Dose–volume metrics".
pub fn dvh_metrics_text(
    structures: &[StructureDvh<'_>],
    lang: Lang,
) -> Result<String, DvhOutError> {
    let doc = Document {
        title: t!(lang, "dvh-metrics-title"),
        blocks: dvh_metrics_blocks(structures, lang)?,
        page_size: None,
        lang,
    };
    Ok(document::to_text(&doc))
}

// ---------------------------------------------------------------------------------------------
// Cumulative DVH table.

/// Decimals that write multiples of `bin` exactly: 3, or up to 6 for finer bins.
fn dose_axis_decimals(bin: f64) -> usize {
    (DOSE_DECIMALS..=6)
        .find(|&d| {
            let scaled = bin * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6)
}

/// The common bin width of the structures.
fn common_bin(structures: &[StructureDvh<'_>]) -> Result<f64, DvhOutError> {
    let bin = structures.first().map_or(1.0, |s| s.dvh.bin_gy);
    for s in structures {
        if (s.dvh.bin_gy - bin).abs() > 1e-9 * bin {
            return Err(DvhOutError::BinMismatch {
                name: s.name.to_string(),
                expected: bin,
                found: s.dvh.bin_gy,
            });
        }
    }
    Ok(bin)
}

/// C at bin edge `n` (0 beyond the last edge, where no voxel receives that much).
fn cumulative_at(h: &Dvh, n: usize) -> f64 {
    h.cumulative.get(n).copied().unwrap_or(0.0)
}

/// The cumulative DVHs as CSV: `dose_Gy` and one `<structure> (%)` column per structure, one
/// row per bin edge from 0 Gy to the last edge of the hottest structure (every `step_gy`, a
/// multiple of the bin, when given). All structures must share one bin width.
pub fn dvh_cumulative_csv(
    structures: &[StructureDvh<'_>],
    step_gy: Option<f64>,
) -> Result<String, DvhOutError> {
    check_structures(structures)?;
    let bin = common_bin(structures)?;
    let every = match step_gy {
        None => 1,
        Some(step) => {
            let ratio = step / bin;
            let n = ratio.round();
            if !(step.is_finite() && n >= 1.0 && (ratio - n).abs() < 1e-6 * n) {
                return Err(DvhOutError::InvalidStep { step, bin });
            }
            n as usize
        }
    };
    let edges = structures
        .iter()
        .map(|s| s.dvh.cumulative.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let decimals = dose_axis_decimals(bin);
    let mut out = String::from("dose_Gy");
    for s in structures {
        out.push(',');
        out.push_str(&csv_field(&format!("{} (%)", s.name)));
    }
    out.push('\n');
    // Rows every `every` edges, and always the last edge (where every curve has reached 0 %).
    let mut rows: Vec<usize> = (0..edges).step_by(every).collect();
    if rows.last() != Some(&(edges - 1)) {
        rows.push(edges - 1);
    }
    for n in rows {
        out.push_str(&fixed(n as f64 * bin, decimals));
        for s in structures {
            out.push(',');
            out.push_str(&fixed(cumulative_at(s.dvh, n) * 100.0, PERCENT_DECIMALS));
        }
        out.push('\n');
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// SVG plot.

/// Line colours, in order: Okabe–Ito (Okabe & Ito 2008, "Color Universal Design"; distinguishable
/// with colour-vision deficiency; yellow left out for contrast on white), then five of Paul Tol's
/// "muted" scheme (SRON/EPS/TN/09-002) so that 12 structures get distinct colours; then cycled.
pub const PALETTE: [&str; 12] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255",
    "#117733", "#999933", "#332288", "#AA4499",
];

/// A cumulative DVH plot: solid curves, and optionally a second set drawn dashed (an overlay,
/// e.g. delivered over predicted). A structure that appears in both sets has one colour.
#[derive(Debug, Clone, PartialEq)]
pub struct DvhPlot<'a> {
    /// Title above the plot (none when empty).
    pub title: String,
    /// Curves drawn solid.
    pub solid: Vec<StructureDvh<'a>>,
    /// What the solid curves are (legend; shown only with an overlay), e.g. "predicted".
    pub solid_label: String,
    /// Curves drawn dashed.
    pub dashed: Vec<StructureDvh<'a>>,
    /// What the dashed curves are (legend), e.g. "delivered".
    pub dashed_label: String,
    /// The language of the axis titles, tick labels, default title and legend (English unless
    /// [`DvhPlot::in_lang`]).
    pub lang: Lang,
}

impl<'a> DvhPlot<'a> {
    /// A plot of these curves, solid, without a title.
    pub fn new(curves: &[StructureDvh<'a>]) -> Self {
        Self {
            title: String::new(),
            solid: curves.to_vec(),
            solid_label: String::new(),
            dashed: Vec::new(),
            dashed_label: String::new(),
            lang: Lang::En,
        }
    }

    /// In a language: the axis titles, the tick labels (decimal comma in French), the default
    /// title and the default legend of the line styles. The title and the labels given are
    /// printed as given.
    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// With a title.
    pub fn titled(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    /// With a dashed overlay: the solid curves are `solid_label`, the new ones `dashed_label`.
    pub fn with_overlay(
        mut self,
        solid_label: &str,
        dashed: &[StructureDvh<'a>],
        dashed_label: &str,
    ) -> Self {
        self.solid_label = solid_label.to_string();
        self.dashed = dashed.to_vec();
        self.dashed_label = dashed_label.to_string();
        self
    }
}

/// Plot geometry, px.
const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 560.0;
const TOP: f64 = 44.0;
const BOTTOM: f64 = 420.0;
const LEGEND_X: f64 = 580.0;
/// Legend names longer than this are shortened with "…".
const LEGEND_CHARS: usize = 22;

/// Decimals needed to print multiples of `step`.
fn step_decimals(step: f64) -> usize {
    (0..=6)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-9 * s.max(1.0)
        })
        .unwrap_or(6)
}

/// The points of a cumulative DVH in px, reduced without visible loss: the curve is
/// non-increasing, so within each 0.5 px column of dose the first and last points carry it;
/// repeated points and the inner points of horizontal runs are dropped.
fn curve_points(h: &Dvh, x_of: impl Fn(f64) -> f64, y_of: impl Fn(f64) -> f64) -> String {
    let mut kept: Vec<(String, String)> = Vec::new();
    let mut push = |x: f64, y: f64| {
        let p = (fixed(x, 2), fixed(y, 2));
        if kept.last() == Some(&p) {
            return;
        }
        let n = kept.len();
        if n >= 2 && kept[n - 1].1 == p.1 && kept[n - 2].1 == p.1 {
            kept[n - 1] = p;
        } else {
            kept.push(p);
        }
    };
    let mut column: Option<i64> = None;
    let mut pending: Option<(f64, f64)> = None;
    for (n, c) in h.cumulative.iter().enumerate() {
        let x = x_of(n as f64 * h.bin_gy);
        let y = y_of(*c * 100.0);
        let col = (x * 2.0).floor() as i64;
        if column != Some(col) {
            if let Some((px, py)) = pending.take() {
                push(px, py);
            }
            push(x, y);
            column = Some(col);
        } else {
            pending = Some((x, y));
        }
    }
    if let Some((px, py)) = pending {
        push(px, py);
    }
    kept.iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shorten(name: &str) -> String {
    if name.chars().count() > LEGEND_CHARS {
        let mut s: String = name.chars().take(LEGEND_CHARS - 1).collect();
        s.push('…');
        s
    } else {
        name.to_string()
    }
}

/// The dose axis of a plot: a "nice" step and a maximum that is a whole number of steps.
struct DoseAxis {
    /// Rounded maximum dose, Gy.
    max: f64,
    /// Tick step, Gy.
    step: f64,
    /// Decimals of the tick labels.
    decimals: usize,
}

impl DoseAxis {
    /// The axis covering every curve of the plot.
    fn for_plot(plot: &DvhPlot<'_>) -> Self {
        let max_dose = plot
            .solid
            .iter()
            .chain(&plot.dashed)
            .map(|s| {
                s.dvh
                    .max_gy
                    .max((s.dvh.cumulative.len().saturating_sub(1)) as f64 * s.dvh.bin_gy)
            })
            .fold(0.0_f64, f64::max);
        let step = nice_step(if max_dose > 0.0 { max_dose } else { 1.0 }, 10.0);
        let max = ((max_dose / step).ceil() * step).max(step);
        Self {
            max,
            step,
            decimals: step_decimals(step),
        }
    }

    /// The number of tick intervals.
    fn ticks(&self) -> usize {
        (self.max / self.step).round() as usize
    }

    /// The x of a dose, px.
    fn x_of(&self, d: f64) -> f64 {
        LEFT + d / self.max * (RIGHT - LEFT)
    }
}

/// The y of a volume percentage, px.
fn y_of(p: f64) -> f64 {
    BOTTOM - p / 100.0 * (BOTTOM - TOP)
}

/// The structure names of the plot in colour order, solid set first, each once.
fn legend_names<'a>(plot: &DvhPlot<'a>) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for s in plot.solid.iter().chain(&plot.dashed) {
        if !names.contains(&s.name) {
            names.push(s.name);
        }
    }
    names
}

/// The colour of a structure: its place among the names in the palette.
fn colour_of(names: &[&str], name: &str) -> &'static str {
    let n = names.iter().position(|x| *x == name).unwrap_or(0);
    PALETTE[n % PALETTE.len()]
}

/// The plot as a self-contained SVG document (no script, no external font or style; the same
/// input gives the same bytes): cumulative DVHs, dose (Gy) on x from 0 to a rounded maximum
/// dose, volume (%) on y from 0 to 100, grid lines, a legend with one colour per structure, and
/// the two line styles when there is an overlay.
pub fn dvh_svg(plot: &DvhPlot<'_>) -> Result<String, DvhOutError> {
    check_structures(&plot.solid)?;
    if !plot.dashed.is_empty() {
        check_structures(&plot.dashed)?;
    }
    let names = legend_names(plot);
    let axis = DoseAxis::for_plot(plot);
    let mut o = String::new();
    write_svg_header(&mut o, plot);
    write_grid(&mut o, &axis);
    write_axes(&mut o, &axis);
    write_axis_labels(&mut o, &axis, plot.lang);
    write_curves(&mut o, plot, &names, &axis);
    write_legend(&mut o, plot, &names);
    o.push_str("</svg>\n");
    Ok(o)
}

/// The opening `<svg>` tag, the title and the white background.
fn write_svg_header(o: &mut String, plot: &DvhPlot<'_>) {
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" \
         font-size=\"12\">"
    );
    let title = if plot.title.is_empty() {
        t!(plot.lang, "dvh-default-title")
    } else {
        plot.title.clone()
    };
    let _ = writeln!(o, "<title>{}</title>", xml_escape(&title));
    let _ = writeln!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>"
    );
    if !plot.title.is_empty() {
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"24\" text-anchor=\"start\" font-size=\"14\" font-weight=\"bold\">{}</text>",
            fixed(LEFT, 1),
            xml_escape(&plot.title)
        );
    }
}

/// The grey grid lines at every dose tick and every 10 % of volume.
fn write_grid(o: &mut String, axis: &DoseAxis) {
    o.push_str("<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
    for t in 0..=axis.ticks() {
        let x = fixed(axis.x_of(t as f64 * axis.step), 2);
        let _ = writeln!(
            o,
            "<line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{BOTTOM}\"/>"
        );
    }
    for t in 0..=10 {
        let y = fixed(y_of(f64::from(t) * 10.0), 2);
        let _ = writeln!(
            o,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{RIGHT}\" y2=\"{y}\"/>"
        );
    }
    o.push_str("</g>\n");
}

/// The black axis lines and their tick marks.
fn write_axes(o: &mut String, axis: &DoseAxis) {
    o.push_str("<g stroke=\"#000000\" stroke-width=\"1\">\n");
    let _ = writeln!(
        o,
        "<line x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{RIGHT}\" y2=\"{BOTTOM}\"/>"
    );
    let _ = writeln!(
        o,
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{BOTTOM}\"/>"
    );
    for t in 0..=axis.ticks() {
        let x = fixed(axis.x_of(t as f64 * axis.step), 2);
        let _ = writeln!(
            o,
            "<line x1=\"{x}\" y1=\"{BOTTOM}\" x2=\"{x}\" y2=\"{}\"/>",
            BOTTOM + 5.0
        );
    }
    for t in 0..=10 {
        let y = fixed(y_of(f64::from(t) * 10.0), 2);
        let _ = writeln!(
            o,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{LEFT}\" y2=\"{y}\"/>",
            LEFT - 5.0
        );
    }
    o.push_str("</g>\n");
}

/// The tick labels and titles of the dose and volume axes.
fn write_axis_labels(o: &mut String, axis: &DoseAxis, lang: Lang) {
    o.push_str("<g text-anchor=\"middle\">\n");
    for t in 0..=axis.ticks() {
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            fixed(axis.x_of(t as f64 * axis.step), 2),
            BOTTOM + 19.0,
            lang.numeric(&fixed(t as f64 * axis.step, axis.decimals))
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"{}\" y=\"{}\" font-size=\"13\">{}</text>",
        fixed((LEFT + RIGHT) / 2.0, 1),
        BOTTOM + 42.0,
        xml_escape(&t!(lang, "dvh-axis-dose"))
    );
    o.push_str("</g>\n<g text-anchor=\"end\">\n");
    for t in 0..=10 {
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            LEFT - 8.0,
            fixed(y_of(f64::from(t) * 10.0) + 4.0, 2),
            t * 10
        );
    }
    o.push_str("</g>\n");
    let mid_y = fixed((TOP + BOTTOM) / 2.0, 1);
    let _ = writeln!(
        o,
        "<text x=\"22\" y=\"{mid_y}\" text-anchor=\"middle\" font-size=\"13\" \
         transform=\"rotate(-90 22 {mid_y})\">{}</text>",
        xml_escape(&t!(lang, "dvh-axis-volume"))
    );
}

/// The curves: solid, then dashed on top.
fn write_curves(o: &mut String, plot: &DvhPlot<'_>, names: &[&str], axis: &DoseAxis) {
    o.push_str("<g>\n");
    for s in &plot.solid {
        write_curve(o, plot, names, axis, s, false);
    }
    for s in &plot.dashed {
        write_curve(o, plot, names, axis, s, true);
    }
    o.push_str("</g>\n");
}

/// One curve as a polyline, with the structure name (and the set's label) as its tooltip.
fn write_curve(
    o: &mut String,
    plot: &DvhPlot<'_>,
    names: &[&str],
    axis: &DoseAxis,
    s: &StructureDvh<'_>,
    dashed: bool,
) {
    let _ = writeln!(
        o,
        "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"{} stroke-linejoin=\"round\" points=\"{}\"><title>{}</title></polyline>",
        colour_of(names, s.name),
        if dashed {
            " stroke-dasharray=\"7 4\""
        } else {
            ""
        },
        curve_points(s.dvh, |d| axis.x_of(d), y_of),
        xml_escape(&format!(
            "{}{}",
            s.name,
            match (dashed, plot.dashed.is_empty()) {
                (true, _) => format!(" ({})", plot.dashed_label),
                (false, false) if !plot.solid_label.is_empty() =>
                    format!(" ({})", plot.solid_label),
                _ => String::new(),
            }
        ))
    );
}

/// The legend: one coloured line per structure, then the two line styles with an overlay.
fn write_legend(o: &mut String, plot: &DvhPlot<'_>, names: &[&str]) {
    o.push_str("<g>\n");
    let mut y = TOP + 8.0;
    for name in names {
        let _ = writeln!(
            o,
            "<line x1=\"{LEGEND_X}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"3\"/>",
            LEGEND_X + 24.0,
            colour_of(names, name)
        );
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            LEGEND_X + 32.0,
            y + 4.0,
            xml_escape(&shorten(name))
        );
        y += 18.0;
    }
    if !plot.dashed.is_empty() {
        y += 8.0;
        for (label, dashed) in [(&plot.solid_label, false), (&plot.dashed_label, true)] {
            let _ = writeln!(
                o,
                "<line x1=\"{LEGEND_X}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#555555\" stroke-width=\"1.8\"{}/>",
                LEGEND_X + 24.0,
                if dashed {
                    " stroke-dasharray=\"7 4\""
                } else {
                    ""
                }
            );
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                LEGEND_X + 32.0,
                y + 4.0,
                xml_escape(&shorten(&if label.is_empty() {
                    if dashed {
                        t!(plot.lang, "dvh-dashed")
                    } else {
                        t!(plot.lang, "dvh-solid")
                    }
                } else {
                    label.clone()
                }))
            );
            y += 18.0;
        }
    }
    o.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_has_no_negative_zero() {
        assert_eq!(fixed(-0.0001, 3), "0.000");
        assert_eq!(fixed(-0.0, 2), "0.00");
        assert_eq!(fixed(-0.0006, 3), "-0.001");
        assert_eq!(fixed(2.5, 0), "2");
    }

    #[test]
    fn escapes() {
        assert_eq!(csv_field("liver"), "liver");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(
            xml_escape("T<1> & 'x' \"y\"\u{1}"),
            "T&lt;1&gt; &amp; &apos;x&apos; &quot;y&quot;\u{FFFD}"
        );
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(250.0, 10.0), 25.0);
        assert_eq!(nice_step(412.0, 10.0), 50.0);
        assert_eq!(nice_step(1.0, 10.0), 0.1);
        assert_eq!(nice_step(93.0, 10.0), 10.0);
        assert_eq!(step_decimals(25.0), 0);
        assert_eq!(step_decimals(0.25), 2);
        assert_eq!(dose_axis_decimals(0.01), 3);
        assert_eq!(dose_axis_decimals(0.0005), 4);
    }
}

//! Plan reports: the same content for people (text, HTML, PDF) and for machines (JSON).
//!
//! | module | what |
//! |---|---|
//! | [`document`] | a small document model (headings, key–values, tables, notices) with text and HTML renderers |
//! | [`dvh_out`] | DVH outputs: metrics CSV and text table, cumulative DVH CSV, SVG plot of cumulative DVHs (with a dashed overlay) |
//! | `plan_doc` | [`plan_document`]: the plan as a document — inputs, K with its source, per-injection GBq and mCi, doses, vial order and treatment days, sessions, checks with sources, research notice |
//! | `json` | [`plan_json`]: snake_case keys with the unit as suffix |
//! | [`measured`] | the "Measured inputs" section and the JSON's `input_provenance`: each image-measurable input (LSF, TNR, perfused volume and mass, lung mass) measured or entered, the measurement beside an entered value with the difference and the reason |
//! | [`figures`] | the report's pictures: dose slices (CT, dose wash, isodose lines, outlines), Bland–Altman; PNG encoder, marching squares |
//! | [`pdf`] | HTML printed to PDF by headless Chromium |
//! | [`signoff`] | the sign-off block (prepared, checked, approved; empty fields to sign) and the one format of a report's instants, in the site's zone |
//! | [`treatment_day`] | the treatment-day sheet: one page per session, per injection device, vial, activity to inject or draw, time, catheter position, expected doses and limits |
//! | [`voxel`] | voxel dosimetry: per-structure table with the partition value beside the voxel mean, provenance, predicted vs delivered, metrics/DVH CSV and SVG files |
//! | [`words`] | the report's words and numbers in the reader's language: check statuses, bases and subjects, constraints, weekdays; GBq with mCi, Gy, % |
//! | `write` | [`write_outputs`]: all files written to temporary names, renamed only when every one succeeded |
//!
//! ```
//! let case = sirt_case::parse(include_str!("../../../examples/demo-net-case.toml"), "demo").unwrap();
//! let plan = sirt_workflow::plan(&case, &sirt_devices::Catalogue::embedded().unwrap(),
//!                                &sirt_rules::RuleSet::embedded().unwrap(), "demo").unwrap();
//! let text = sirt_report::plan_text(&plan);
//! assert!(text.contains("Research use only"));
//! let json = sirt_report::plan_json(&plan);
//! assert!(json["injections"][0]["prescribed_activity_gbq"].as_f64().unwrap() > 0.0);
//! ```

pub mod cumulative;
pub mod document;
pub mod dvh_out;
pub mod figures;
mod json;
pub mod measured;
pub mod pdf;
mod plan_doc;
pub mod radiobiology;
pub mod signoff;
pub mod treatment_day;
pub mod uncertainty;
pub mod voxel;
pub mod words;
mod write;

pub use dvh_out::{
    DvhOutError, DvhPlot, StructureDvh, dvh_cumulative_csv, dvh_metrics_blocks, dvh_metrics_csv,
    dvh_metrics_text, dvh_svg,
};
pub use json::plan_json;
pub use plan_doc::{plan_document, plan_document_with};
pub use signoff::{ReportOptions, SignOff, Signature};
pub use write::{OutputError, Outputs, write_outputs};

use sirt_i18n::Lang;
use sirt_units::{AbsorbedDose, Activity};

pub use words::{basis as basis_text, status as status_text, subject as subject_text};

/// The plan as plain text.
pub fn plan_text(plan: &sirt_workflow::Plan) -> String {
    document::to_text(&plan_document(plan))
}

/// The plan as a self-contained HTML page.
pub fn plan_html(plan: &sirt_workflow::Plan) -> String {
    document::to_html(&plan_document(plan))
}

/// "1.9214 GBq (51.93 mCi)" (English; [`fmt_activity_in`] in a language).
pub fn fmt_activity(a: Activity) -> String {
    fmt_activity_in(Lang::En, a)
}

/// "43.9 Gy" (English; [`fmt_gy_in`] in a language).
pub fn fmt_gy(d: AbsorbedDose) -> String {
    fmt_gy_in(Lang::En, d)
}

/// A fraction as a percentage with `decimals` (English; [`fmt_pct_in`] in a language).
pub fn fmt_pct(f: f64, decimals: usize) -> String {
    fmt_pct_in(Lang::En, f, decimals)
}

/// "1.9214 GBq (51.93 mCi)"; in French "1,9214 GBq (51,93 mCi)" with no-break spaces.
pub fn fmt_activity_in(lang: Lang, a: Activity) -> String {
    words::activity(lang, a)
}

/// "43.9 Gy"; in French "43,9 Gy" with a no-break space.
pub fn fmt_gy_in(lang: Lang, d: AbsorbedDose) -> String {
    words::gy(lang, d)
}

/// A fraction as a percentage with `decimals`: "12.3 %"; in French "12,3 %" with a no-break
/// space.
pub fn fmt_pct_in(lang: Lang, f: f64, decimals: usize) -> String {
    words::pct(lang, f, decimals)
}

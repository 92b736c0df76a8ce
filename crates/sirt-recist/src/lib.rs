//! Tumour response: RECIST 1.1 (with mRECIST and Choi) time-point and best overall response, in
//! exact arithmetic.
//!
//! | module | what |
//! |---|---|
//! | `input` | the measurement file (TOML, `FORMAT.md`): [`parse`] → [`Series`]; lengths read exactly into integer tenths of a mm |
//! | `params` | [`Params`] (criteria, confirmation, intervals, limits) and the cited thresholds; [`SizeRule`] exact ratio tests |
//! | `baseline` | [`check`]: measurability, target choice and limits, same-method checks, each [`Finding`] with its rule |
//! | `response` | categories and RECIST 1.1 Tables 1 and 2: [`overall_with_targets`], [`overall_without_targets`] |
//! | `bor` | [`best_overall_response`] without and with confirmation (Table 3, admiralonco's rules) |
//! | `evaluate` | [`evaluate_series`]: per time point sum, nadir, changes, responses and reasons; global and hepatic [`Track`]s |
//! | `render` | [`render_text`]: one line per visit, then the best overall responses |
//!
//! Every comparison is an integer cross-multiplication on tenths of a millimetre: 14.0 → 9.8 mm
//! is exactly −30 % (PR), a nadir of 27.0 → 32.4 mm exactly +20 % and +5.4 mm (PD), and 3.2 →
//! 8.2 mm exactly +5.0 mm (PD), where floating point says otherwise.
//!
//! ```
//! let text = r#"
//! schema = "sirtplan-recist/1"
//! [[lesions]]
//! id = "T1"
//! kind = "target"
//! organ = "liver"
//! [baseline]
//! date = "2025-01-06"
//! modality = "CT"
//! slice_thickness_mm = 2.5
//! measurements = [{ lesion = "T1", diameter_mm = 14.0 }]
//! [[follow_up]]
//! date = "2025-03-10"
//! modality = "CT"
//! slice_thickness_mm = 2.5
//! measurements = [{ lesion = "T1", diameter_mm = 9.8 }]
//! "#;
//! let e = sirt_recist::evaluate(text, "one.toml", &sirt_recist::Params::default()).unwrap();
//! let tp = &e.global.time_points[0];
//! assert_eq!(tp.target, Some(sirt_recist::TargetResponse::Pr));
//! assert_eq!(tp.change_from_baseline_tenth_pct, Some(-300));
//! assert!(sirt_recist::render_text(&e).contains("-30.0%"));
//! ```

mod baseline;
mod bor;
mod error;
mod evaluate;
mod input;
mod params;
mod render;
mod response;

pub use baseline::{
    RULE_BASELINE_WINDOW, RULE_CHOI, RULE_MEASURABLE, RULE_MRECIST, RULE_NODES, RULE_PER_ORGAN,
    RULE_SAME_METHOD, RULE_SELECTION, RULE_TARGET_COUNT, RULE_TREATED, check,
    measurable_min_tenth_mm,
};
pub use bor::{Assessment, BestResponse, Disease, best_overall_response};
pub use error::{Finding, RecistError, Severity};
pub use evaluate::{
    Evaluation, Scope, TimePoint, Track, UnassessedLesion, change_tenth_pct, evaluate_series,
};
pub use input::{
    Diameter, Lesion, LesionKind, LesionStatus, Measurement, Modality, NewLesion, SCHEMA, Series,
    TumourMarkers, Unassessed, Visit, parse,
};
pub use params::*;
pub use render::{RESEARCH_NOTICE, pct, render_text, render_text_in};
pub use response::{
    NewLesions, NonTargetResponse, OverallResponse, TargetResponse, overall_with_targets,
    overall_without_targets,
};

/// Reads a measurement file's text and evaluates it; `file` names it in errors. The file's
/// `[protocol]` table overrides `params`. (The crate reads no files itself: the caller passes
/// the text, as for `sirt_case::parse`.)
pub fn evaluate(text: &str, file: &str, params: &Params) -> Result<Evaluation, RecistError> {
    let series = parse(text, file)?;
    evaluate_series(&series, file, params)
}

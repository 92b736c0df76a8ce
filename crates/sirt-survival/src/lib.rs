//! Survival and dose-response statistics for outcomes registries: Kaplan-Meier, log-rank, Cox
//! proportional hazards, logistic regression and ROC.
//!
//! | module | what |
//! |---|---|
//! | `table` | [`Cohort`] (durations with their [`TimeUnit`], events, groups, covariates) and [`BinaryTable`] (binary response, covariates); CSV parsers [`parse_cohort_csv`] / [`parse_binary_csv`] of text (the caller reads the file) with caller-chosen columns ([`CohortColumns`], [`BinaryColumns`]) and [`MissingValues`]; [`ReadError`] names file, line and column |
//! | `km` | [`kaplan_meier`] / [`KmCurve::fit`]: Ŝ(t), at risk, events, censored, Greenwood variance, pointwise CI ([`CiTransform`] Log, LogLog, Plain), median with band-inversion CI ([`MedianRule`], [`TimeEstimate::NotReached`]), numbers at risk |
//! | `logrank` | [`logrank`] / [`logrank_test`]: k-group log-rank, O/E per group, χ² on k − 1 df |
//! | `cox` | [`cox`] / [`cox_fit`]: Newton–Raphson, [`Ties`] Efron (default) or Breslow; coef, SE, HR with CI, z, Wald p, partial log-likelihood, LR and Wald tests, [`concordance_index`] (lifelines' counting) |
//! | `logistic` | [`logistic`] / [`logistic_fit`]: Newton/IRLS; coef, SE, Wald p, odds ratio with CI, LR test |
//! | `roc` | [`roc`]: ROC points, AUC (Mann–Whitney, ties ½), Youden threshold; [`PositiveSide`] says which side of a threshold is positive |
//! | `render` | [`render_km_svg`] (steps, censor ticks, optional CI band, legend, axes with units, numbers at risk), [`km_summary_text`], [`cox_summary_text`], [`logistic_summary_text`], [`roc_summary_text`] |
//! | [`special`] | ln Γ, regularized incomplete gamma, χ² and normal tails, normal quantile (AS 241) |
//!
//! Every result struct implements `serde::Serialize`; every render function returns a `String`.
//! Conventions that change numbers are options with named defaults: the KM interval transform
//! and median rule default to lifelines 0.30.3 (log-log, first time Ŝ ≤ 0.5); R `survfit` uses
//! the log transform and the midpoint rule. A median or limit not reached within follow-up is
//! [`TimeEstimate::NotReached`], never 0.
//!
//! ```
//! use sirt_survival::{
//!     parse_cohort_csv, CohortColumns, TimeUnit, kaplan_meier, KmOptions, logrank, TimeEstimate,
//! };
//! let csv = "months,died,arm\n3,1,A\n5,1,A\n8,0,A\n9,1,A\n4,1,B\n12,0,B\n15,1,B\n20,0,B\n22,0,B\n30,0,B\n";
//! let columns = CohortColumns::new("months", "died", TimeUnit::Months).with_group("arm");
//! let cohort = parse_cohort_csv(csv, "example.csv", &columns).unwrap();
//! let km = kaplan_meier(&cohort, &KmOptions::default()).unwrap();
//! let a = km.group("A").unwrap();
//! // S(5) = (1 − 1/4)(1 − 1/3) = 0.5: the median of arm A is 5 months under lifelines' rule.
//! assert!((a.survival_at(5.0) - 0.5).abs() < 1e-12);
//! assert_eq!(a.median.median, TimeEstimate::Reached { time: 5.0 });
//! // Arm B stays above 0.5 through 30 months of follow-up.
//! assert_eq!(km.group("B").unwrap().median.median, TimeEstimate::NotReached);
//! let test = logrank(&cohort).unwrap();
//! assert_eq!(test.df, 1);
//! ```

mod cox;
mod km;
mod linalg;
mod logistic;
mod logrank;
mod newton;
mod render;
mod roc;
pub mod special;
mod table;

pub use cox::{
    COX_DEFAULT_MAX_ITERATIONS, COX_DEFAULT_TOLERANCE, CoxCoefficient, CoxError, CoxFit,
    CoxOptions, Ties, concordance_index, cox, cox_fit,
};
pub use km::{
    ALL_SUBJECTS_LABEL, AtRiskTable, CiTransform, Interval, KmCurve, KmError, KmGroup, KmOptions,
    KmReport, KmRow, MedianRule, MedianSurvival, QUANTILE_TOLERANCE, TimeEstimate, kaplan_meier,
};
pub use logistic::{
    INTERCEPT_NAME, LOGISTIC_DEFAULT_MAX_ITERATIONS, LOGISTIC_DEFAULT_TOLERANCE,
    LogisticCoefficient, LogisticError, LogisticFit, LogisticOptions, SEPARATION_PROBABILITY,
    logistic, logistic_fit, logistic_function,
};
pub use logrank::{LogRankError, LogRankGroup, LogRankResult, logrank, logrank_test};
pub use render::{
    KmPlotOptions, RESEARCH_NOTICE, cox_summary_text, cox_summary_text_in, km_summary_text,
    km_summary_text_in, logistic_summary_text, logistic_summary_text_in, render_km_svg,
    render_km_svg_in, roc_summary_text, roc_summary_text_in,
};
pub use roc::{PositiveSide, RocCurve, RocError, RocPoint, YoudenCut, roc};
pub use special::ChiSquareTest;
pub use table::{
    BinaryColumns, BinaryTable, BinaryTableError, Cohort, CohortColumns, CohortError,
    MISSING_TOKENS, MissingValues, ReadError, Subject, TimeUnit, parse_binary_csv,
    parse_cohort_csv,
};

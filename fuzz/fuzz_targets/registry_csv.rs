//! Registry CSV files (`docs/followup.md`; columns of `examples/demo-registry.csv`): read as a
//! cohort (duration, event, group, two covariates; incomplete rows dropped) and analysed (KM with
//! its SVG, log-rank, Cox Efron), and as a binary table (response vs tumour dose: logistic
//! regression, ROC). Every step returns `Ok` or `Err`, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_survival::*;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let columns = CohortColumns::new("os_months", "death", TimeUnit::Months)
        .with_group("group")
        .with_covariates(&["age", "ki67"])
        .with_missing(MissingValues::DropRow);
    if let Ok(cohort) = parse_cohort_csv(text, "fuzz.csv", &columns) {
        if let Ok(km) = kaplan_meier(&cohort, &KmOptions::default()) {
            let _ = km_summary_text(&km, None);
            let _ = render_km_svg(&km, &KmPlotOptions::default());
        }
        if let Ok(test) = logrank(&cohort) {
            let _ = test.chi2;
        }
        if let Ok(fit) = cox(&cohort, &CoxOptions::default()) {
            let _ = cox_summary_text(&fit);
        }
    }
    let binary = BinaryColumns {
        response: "response".into(),
        covariates: vec!["tumour_dose_gy".into()],
        missing: MissingValues::DropRow,
    };
    if let Ok(table) = parse_binary_csv(text, "fuzz.csv", &binary) {
        let _ = logistic(&table, &LogisticOptions::default());
        if let Some(scores) = table.column("tumour_dose_gy") {
            let _ = roc(&scores, table.responses(), PositiveSide::HigherScore);
        }
    }
});

//! rossi (lifelines `load_rossi`, Rossi et al. 1980; 432 subjects, 114 arrests): Cox (Efron)
//! against the reference numbers in `shared/reference/survival/README.md` (lifelines 0.30.3,
//! equal to R `coxph` in Fox & Weisberg's appendix), compared to the printed precision (half a
//! unit of the last printed digit); KM by `fin` and the log-rank test. Breslow against the
//! values hard-coded in SurPyval's test suite. Full-precision comparisons with a live lifelines
//! run are in `lifelines_peer.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;
use common::read_cohort_csv;

use sirt_survival::{
    Cohort, CohortColumns, CoxOptions, KmOptions, Ties, TimeEstimate, TimeUnit, cox, kaplan_meier,
    logrank,
};
use std::path::Path;

const COVARIATES: [&str; 7] = ["fin", "age", "race", "wexp", "mar", "paro", "prio"];

fn rossi() -> Cohort {
    let cols = CohortColumns::new("week", "arrest", TimeUnit::Weeks)
        .with_group("fin")
        .with_covariates(&COVARIATES);
    read_cohort_csv(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rossi.csv"),
        &cols,
    )
    .unwrap()
}

/// |ours − printed| ≤ half a unit of the printed value's last decimal.
fn printed(ours: f64, printed: f64, decimals: i32, what: &str) {
    let half = 0.5 * 10f64.powi(-decimals) * (1.0 + 1e-9);
    assert!(
        (ours - printed).abs() <= half,
        "{what}: ours {ours:.9}, printed {printed}"
    );
}

#[test]
fn cox_efron_matches_the_published_fit() {
    let fit = cox(&rossi(), &CoxOptions::default()).unwrap();
    // README: coef (SE), six decimals.
    let want = [
        (-0.379422, 0.191379),
        (-0.057438, 0.021999),
        (0.313900, 0.307993),
        (-0.149796, 0.212224),
        (-0.433704, 0.381868),
        (-0.084871, 0.195757),
        (0.091497, 0.028649),
    ];
    for (c, (coef, se)) in fit.coefficients.iter().zip(want) {
        printed(c.coef, coef, 6, &format!("{} coef", c.name));
        printed(c.se, se, 6, &format!("{} SE", c.name));
    }
    // p-values printed to three significant digits.
    let p: [f64; 7] = [0.0474, 0.00903, 0.308, 0.480, 0.256, 0.665, 0.00140];
    for (c, p) in fit.coefficients.iter().zip(p) {
        let digits = -(p.log10().floor() as i32) + 2;
        printed(c.p_value, p, digits, &format!("{} p", c.name));
    }
    printed(fit.log_likelihood, -658.7477, 4, "partial log-likelihood");
    printed(fit.likelihood_ratio.statistic, 33.2659, 4, "LR statistic");
    assert_eq!(fit.likelihood_ratio.df, 7);
    printed(fit.likelihood_ratio.p_value, 2.362e-05, 8, "LR p");
    printed(fit.concordance.unwrap(), 0.64033, 5, "concordance");
    assert_eq!((fit.n, fit.events), (432, 114));
    eprintln!(
        "rossi Efron: loglik {:.10}, LR {:.10}, C {:.10}, iterations {}",
        fit.log_likelihood,
        fit.likelihood_ratio.statistic,
        fit.concordance.unwrap(),
        fit.iterations
    );
}

/// SurPyval (derrynknife/SurPyval, `surpyval/tests/test_regression.py`,
/// `test_breslow_betas_rossi`) hard-codes these Breslow coefficients for rossi, produced by its
/// own Cox implementation: an independent implementation, compared at its 8 printed decimals.
#[test]
fn cox_breslow_matches_surpyval() {
    let fit = cox(
        &rossi(),
        &CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        },
    )
    .unwrap();
    let want = [
        -0.37902189,
        -0.05724593,
        0.31412977,
        -0.15111460,
        -0.43278257,
        -0.08498284,
        0.09111154,
    ];
    let mut worst = 0.0f64;
    for (c, w) in fit.coefficients.iter().zip(want) {
        printed(c.coef, w, 8, &format!("{} Breslow coef", c.name));
        worst = worst.max((c.coef - w).abs());
    }
    eprintln!("rossi Breslow vs SurPyval: largest absolute difference {worst:e}");
}

#[test]
fn km_by_fin_and_logrank() {
    let cohort = rossi();
    let km = kaplan_meier(&cohort, &KmOptions::default()).unwrap();
    let f0 = km.group("0").unwrap();
    let f1 = km.group("1").unwrap();
    printed(f0.survival_at(52.0), 0.69444, 5, "S(52) fin=0");
    printed(f1.survival_at(52.0), 0.77778, 5, "S(52) fin=1");
    assert_eq!(f0.median.median, TimeEstimate::NotReached);
    assert_eq!(f1.median.median, TimeEstimate::NotReached);
    let lr = logrank(&cohort).unwrap();
    eprintln!("rossi log-rank chi2 {:.17} p {:.17}", lr.chi2, lr.p_value);
    assert!((lr.chi2 - 3.837569576549052).abs() <= 1e-10 * 3.837569576549052);
    assert!((lr.p_value - 0.050116117409005845).abs() <= 1e-9 * 0.050116117409005845);
}

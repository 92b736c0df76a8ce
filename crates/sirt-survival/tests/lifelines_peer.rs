//! Peers run from this test (`tests/data/lifelines_peer.py`): lifelines 0.30.3 for Kaplan–Meier
//! (curve, log-log interval, median and its interval), the multi-group log-rank test and Cox
//! with Efron ties, on lifelines' bundled larynx, gbsg2, lung (missing values, complete cases),
//! kidney_transplant (heavy ties) and rossi; an independent NumPy Newton solve for Cox with
//! Breslow ties (lifelines has Efron only) and for logistic regression (statsmodels when
//! installed); SciPy's Mann–Whitney U for the AUC. The script writes the datasets it used as CSV
//! and they are read here with this crate's reader.
//!
//! When python3 with lifelines 0.30.3 is missing the checks print a note and pass, unless
//! `SIRTPLAN_REQUIRE_PEERS` is set (as in CI), where they fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;
use common::{read_binary_csv, read_cohort_csv};

use serde_json::Value;
use sirt_survival::{
    BinaryColumns, Cohort, CohortColumns, CoxFit, CoxOptions, KmOptions, LogisticOptions,
    MissingValues, PositiveSide, Ties, TimeEstimate, TimeUnit, cox, kaplan_meier, logistic,
    logrank, roc,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lifelines_peer.py")
}

/// The peer's JSON and the folder with its CSV files, or `None` (with a note) when the peer is
/// not installed and not required.
fn peer() -> Option<&'static (Value, PathBuf)> {
    static PEER: OnceLock<Option<(Value, PathBuf)>> = OnceLock::new();
    let got = PEER.get_or_init(|| {
        let ok = Command::new("python3")
            .arg(script())
            .arg("probe")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return None;
        }
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sirt-survival-lifelines-peer");
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("python3")
            .arg(script())
            .arg("run")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "lifelines_peer.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some((serde_json::from_slice(&out.stdout).unwrap(), dir))
    });
    if got.is_none() {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "python3 with lifelines 0.30.3 is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        eprintln!("lifelines 0.30.3 not available: peer check skipped");
    }
    got.as_ref()
}

fn f(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, found {v}"))
}

fn fs(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

fn rel(ours: f64, peer: f64) -> f64 {
    if ours == peer {
        0.0
    } else {
        (ours - peer).abs() / peer.abs().max(1e-300)
    }
}

/// Asserts a relative agreement and returns it.
fn check(ours: f64, peer: f64, tol: f64, what: &str) -> f64 {
    let r = rel(ours, peer);
    assert!(
        r <= tol,
        "{what}: ours {ours:.15e}, peer {peer:.15e} (relative {r:e})"
    );
    r
}

fn estimate(v: &Value) -> TimeEstimate {
    match v.as_f64() {
        Some(time) => TimeEstimate::Reached { time },
        None => TimeEstimate::NotReached,
    }
}

struct Set {
    name: &'static str,
    file: &'static str,
    time: &'static str,
    event: &'static str,
    group: &'static str,
    covariates: &'static [&'static str],
    missing: MissingValues,
}

const SETS: [Set; 5] = [
    Set {
        name: "larynx",
        file: "larynx.csv",
        time: "time",
        event: "death",
        group: "stage",
        covariates: &["age", "Stage_II", "Stage_III", "Stage_IV"],
        missing: MissingValues::Reject,
    },
    Set {
        name: "gbsg2",
        file: "gbsg2.csv",
        time: "time",
        event: "cens",
        group: "tgrade",
        covariates: &[
            "horTh_yes",
            "age",
            "menostat_post",
            "tsize",
            "tgrade_II",
            "tgrade_III",
            "pnodes",
            "progrec",
            "estrec",
        ],
        missing: MissingValues::Reject,
    },
    Set {
        name: "lung",
        file: "lung.csv",
        time: "time",
        event: "status",
        group: "ph.ecog",
        covariates: &["age", "sex", "ph.ecog"],
        missing: MissingValues::DropRow,
    },
    Set {
        name: "kidney_transplant",
        file: "kidney_transplant.csv",
        time: "time",
        event: "death",
        group: "race_sex",
        covariates: &["age", "black_male", "white_male", "black_female"],
        missing: MissingValues::Reject,
    },
    Set {
        name: "rossi",
        file: "rossi.csv",
        time: "week",
        event: "arrest",
        group: "fin",
        covariates: &["fin", "age", "race", "wexp", "mar", "paro", "prio"],
        missing: MissingValues::Reject,
    },
];

fn cohort(set: &Set, dir: &Path) -> Cohort {
    let cols = CohortColumns::new(set.time, set.event, TimeUnit::Days)
        .with_group(set.group)
        .with_covariates(set.covariates)
        .with_missing(set.missing);
    read_cohort_csv(&dir.join(set.file), &cols).unwrap()
}

/// lung's ph.ecog labels are "1.0" in the CSV and "1" in the peer.
fn peer_label(label: &str) -> String {
    match label.parse::<f64>() {
        Ok(v) if v == v.round() && label.contains('.') => format!("{}", v as i64),
        _ => label.to_string(),
    }
}

#[test]
fn kaplan_meier_matches_lifelines() {
    let Some((json, dir)) = peer() else { return };
    let (mut worst_s, mut worst_ci) = (0.0f64, 0.0f64);
    let mut medians = 0;
    for set in SETS.iter().filter(|s| s.name != "rossi") {
        let c = cohort(set, dir);
        if set.name == "lung" {
            assert_eq!(
                c.subjects().len() as u64,
                json["lung"]["rows_used"].as_u64().unwrap()
            );
        }
        let km = kaplan_meier(&c, &KmOptions::default()).unwrap();
        let peer_groups = json[set.name]["km"].as_object().unwrap();
        assert_eq!(km.groups.len(), peer_groups.len(), "{}: groups", set.name);
        for g in &km.groups {
            let what = format!("{} group {}", set.name, g.label);
            let p = &peer_groups[&peer_label(&g.label)];
            assert_eq!(g.curve.n as u64, p["n"].as_u64().unwrap(), "{what}: n");
            let (tl, s, lo, hi) = (
                fs(&p["timeline"]),
                fs(&p["survival"]),
                fs(&p["lower"]),
                fs(&p["upper"]),
            );
            for row in &g.curve.rows {
                let k = tl.iter().position(|&t| t == row.time).unwrap_or_else(|| {
                    panic!("{what}: time {} not in lifelines' timeline", row.time)
                });
                let d = (row.survival - s[k]).abs();
                assert!(
                    d <= 1e-12,
                    "{what} t={}: S {} vs {}",
                    row.time,
                    row.survival,
                    s[k]
                );
                worst_s = worst_s.max(d);
                match row.ci {
                    Some(ci) => {
                        worst_ci = worst_ci.max(check(
                            ci.lower,
                            lo[k],
                            1e-9,
                            &format!("{what} t={} lower", row.time),
                        ));
                        worst_ci = worst_ci.max(check(
                            ci.upper,
                            hi[k],
                            1e-9,
                            &format!("{what} t={} upper", row.time),
                        ));
                    }
                    None => {
                        // Ŝ = 0: lifelines writes (0, 0); we report the interval as undefined.
                        assert_eq!((row.survival, lo[k], hi[k]), (0.0, 0.0, 0.0), "{what}");
                    }
                }
            }
            let m = g.curve.median;
            assert_eq!(m.median, estimate(&p["median"]), "{what}: median");
            assert_eq!(
                m.lower,
                estimate(&p["median_lower"]),
                "{what}: median lower"
            );
            assert_eq!(
                m.upper,
                estimate(&p["median_upper"]),
                "{what}: median upper"
            );
            medians += 1;
        }
    }
    eprintln!(
        "KM vs lifelines: {medians} group medians and intervals equal; largest |dS| {worst_s:e}, largest relative CI difference {worst_ci:e}"
    );
}

#[test]
fn multigroup_logrank_matches_lifelines() {
    let Some((json, dir)) = peer() else { return };
    let mut worst = 0.0f64;
    for set in SETS.iter().filter(|s| s.name != "rossi") {
        let c = cohort(set, dir);
        let lr = logrank(&c).unwrap();
        let p = &json[set.name]["logrank"];
        assert_eq!(lr.groups.len() as u64, p["groups"].as_u64().unwrap());
        assert!(lr.groups.len() >= 3, "{}: a multi-group test", set.name);
        assert_eq!(lr.df as u64, p["df"].as_u64().unwrap());
        worst = worst.max(check(
            lr.chi2,
            f(&p["chi2"]),
            1e-10,
            &format!("{} chi2", set.name),
        ));
        check(lr.p_value, f(&p["p"]), 1e-8, &format!("{} p", set.name));
        eprintln!(
            "{} log-rank: {} groups, chi2 {:.12} on {} df",
            set.name,
            lr.groups.len(),
            lr.chi2,
            lr.df
        );
    }
    eprintln!("log-rank vs lifelines: largest relative chi2 difference {worst:e}");
}

fn compare_cox(fit: &CoxFit, p: &Value, what: &str, tol: f64) -> f64 {
    let names: Vec<String> = p["covariates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut worst = 0.0f64;
    for (k, c) in fit.coefficients.iter().enumerate() {
        assert_eq!(c.name, names[k]);
        let w = format!("{what} {}", c.name);
        worst = worst.max(check(c.coef, f(&p["coef"][k]), tol, &format!("{w} coef")));
        worst = worst.max(check(c.se, f(&p["se"][k]), tol, &format!("{w} SE")));
        check(c.p_value, f(&p["p"][k]), 1e-5, &format!("{w} p"));
        check(
            c.hr_lower,
            f(&p["hr_lower"][k]),
            1e-6,
            &format!("{w} HR lower"),
        );
        check(
            c.hr_upper,
            f(&p["hr_upper"][k]),
            1e-6,
            &format!("{w} HR upper"),
        );
    }
    check(
        fit.log_likelihood,
        f(&p["loglik"]),
        1e-11,
        &format!("{what} log-likelihood"),
    );
    check(
        fit.likelihood_ratio.statistic,
        f(&p["lr"]),
        1e-8,
        &format!("{what} LR"),
    );
    assert_eq!(fit.likelihood_ratio.df as u64, p["lr_df"].as_u64().unwrap());
    check(
        fit.likelihood_ratio.p_value,
        f(&p["lr_p"]),
        1e-7,
        &format!("{what} LR p"),
    );
    check(
        fit.wald.statistic,
        f(&p["wald"]),
        1e-6,
        &format!("{what} Wald"),
    );
    check(
        fit.concordance.unwrap(),
        f(&p["concordance"]),
        1e-12,
        &format!("{what} concordance"),
    );
    worst
}

#[test]
fn cox_efron_matches_lifelines() {
    let Some((json, dir)) = peer() else { return };
    let mut worst = 0.0f64;
    for set in &SETS {
        let c = cohort(set, dir);
        let fit = cox(&c, &CoxOptions::default()).unwrap();
        assert_eq!(fit.n as u64, json[set.name]["cox"]["n"].as_u64().unwrap());
        let w = compare_cox(&fit, &json[set.name]["cox"], set.name, 1e-6);
        eprintln!(
            "{} Cox Efron vs lifelines: largest relative coef/SE difference {w:e}",
            set.name
        );
        worst = worst.max(w);
    }
    eprintln!("Cox Efron vs lifelines (5 datasets): largest relative coef/SE difference {worst:e}");
}

#[test]
fn cox_breslow_matches_the_numpy_peer() {
    let Some((json, dir)) = peer() else { return };
    for set in SETS
        .iter()
        .filter(|s| ["rossi", "larynx", "kidney_transplant"].contains(&s.name))
    {
        let c = cohort(set, dir);
        for (ties, key) in [(Ties::Breslow, "breslow"), (Ties::Efron, "efron_check")] {
            let fit = cox(
                &c,
                &CoxOptions {
                    ties,
                    ..CoxOptions::default()
                },
            )
            .unwrap();
            let p = &json[set.name][key];
            assert_eq!(p["converged"], true);
            let mut worst = 0.0f64;
            for (k, co) in fit.coefficients.iter().enumerate() {
                let w = format!("{} {key} {}", set.name, co.name);
                worst = worst.max(check(co.coef, f(&p["coef"][k]), 1e-6, &format!("{w} coef")));
                worst = worst.max(check(co.se, f(&p["se"][k]), 1e-6, &format!("{w} SE")));
            }
            check(
                fit.log_likelihood,
                f(&p["loglik"]),
                1e-11,
                &format!("{} {key} loglik", set.name),
            );
            eprintln!(
                "{} {key} vs NumPy peer: largest relative coef/SE difference {worst:e}",
                set.name
            );
        }
    }
}

#[test]
fn logistic_and_roc_match_the_peers() {
    let Some((json, dir)) = peer() else { return };
    let cases = [
        ("rossi", "rossi.csv", "arrest", vec!["fin", "age", "prio"]),
        (
            "dose_response",
            "dose_response.csv",
            "response",
            vec!["dose_gy"],
        ),
    ];
    for (name, file, response, covs) in cases {
        let table = read_binary_csv(
            &dir.join(file),
            &BinaryColumns {
                response: response.to_string(),
                covariates: covs.iter().map(|s| s.to_string()).collect(),
                missing: MissingValues::Reject,
            },
        )
        .unwrap();
        let fit = logistic(&table, &LogisticOptions::default()).unwrap();
        let p = &json[name]["logistic"];
        let mut worst = 0.0f64;
        for (k, c) in fit.coefficients.iter().enumerate() {
            let w = format!("{name} {}", c.name);
            worst = worst.max(check(c.coef, f(&p["coef"][k]), 1e-8, &format!("{w} coef")));
            worst = worst.max(check(c.se, f(&p["se"][k]), 1e-8, &format!("{w} SE")));
            check(c.p_value, f(&p["p"][k]), 1e-7, &format!("{w} p"));
        }
        check(
            fit.log_likelihood,
            f(&p["loglik"]),
            1e-12,
            &format!("{name} loglik"),
        );
        check(
            fit.null_log_likelihood,
            f(&p["null_loglik"]),
            1e-12,
            &format!("{name} null loglik"),
        );
        eprintln!(
            "{name} logistic vs {}: largest relative coef/SE difference {worst:e}",
            p["peer"].as_str().unwrap()
        );
    }
    // ROC of dose against response.
    let table = read_binary_csv(
        &dir.join("dose_response.csv"),
        &BinaryColumns {
            response: "response".to_string(),
            covariates: vec!["dose_gy".to_string()],
            missing: MissingValues::Reject,
        },
    )
    .unwrap();
    let dose = table.column("dose_gy").unwrap();
    let r = roc(&dose, table.responses(), PositiveSide::HigherScore).unwrap();
    let p = &json["dose_response"]["roc"];
    check(r.auc, f(&p["auc"]), 1e-14, "AUC vs mannwhitneyu");
    let neg: Vec<f64> = dose.iter().map(|d| -d).collect();
    let rn = roc(&neg, table.responses(), PositiveSide::HigherScore).unwrap();
    check(rn.auc, f(&p["auc_negated"]), 1e-14, "AUC of negated dose");
    assert_eq!(
        r.points.len() as u64,
        p["distinct_scores"].as_u64().unwrap() + 1
    );
    assert_eq!(r.youden.threshold, f(&p["youden_threshold"]));
    check(
        r.youden.sensitivity,
        f(&p["sensitivity"]),
        1e-15,
        "Youden sensitivity",
    );
    check(
        r.youden.specificity,
        f(&p["specificity"]),
        1e-15,
        "Youden specificity",
    );
    eprintln!(
        "dose-response ROC: AUC {:.15} (scipy {:.15}), Youden >= {} Gy",
        r.auc,
        f(&p["auc"]),
        r.youden.threshold
    );
}

//! The plan's uncertainty and the optimisation in the web application (issue 18: "Shown in the
//! report and the workspace", "and a button in the workspace"), on SQLite and PostgreSQL
//! (`both!`):
//! - `GET /api/plans/{id}/uncertainty` of the analytic demo plan gives, to the last bit, the
//!   intervals and probabilities of the command line's path (`sirt_planning::plan_case` then
//!   `Outcome::add_uncertainty`, what `sirtplan plan --uncertainty --format json` runs) on the
//!   same case, samples and seed; the defaults it names are the keys the case's `[uncertainty]`
//!   leaves out, read off the case file;
//! - with only the LSF uncertain the session's lung dose (1 kg convention) is linear in it, so
//!   its percentiles are 50 Gy·kg/GBq × A × (LSF ± 1.645 σ) exactly; with only the dose
//!   calibrator uncertain a tumour-dose check "≥ T" is met with probability 1 − Φ(ln(T/D₀)/σ):
//!   both within 4 Monte Carlo standard errors;
//! - `POST /api/plans/{id}/optimise` gives the best choice and the front of
//!   `sirt_uncertainty::optimise` on the plan the command line makes (`sirtplan optimise`), ε
//!   from the site settings (5 %); the best is the front's highest P(goals) with P(limit) ≤ ε;
//!   `apply.plan_orders` is what the plan orders once its `apply.parameters` are PATCHed, and
//!   the demo's best (another vial than the plan would order) is not offered as applicable;
//! - bad values are refused naming the field (422), a delivered session naming its record, and
//!   nothing is audited by these computations.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::too_many_lines
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{Session, T};
use serde_json::{Value, json};
use sirt_store::{AuditQuery, Role};

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

/// Φ⁻¹(0.95) = 1.6448536269514722 (Abramowitz & Stegun 26.2.23 tables; scipy.stats.norm.ppf).
const Z95: f64 = 1.644_853_626_951_472_2;

/// K of the TheraSphere IFU convention, the demo's device default: 50 Gy·kg/GBq (TheraSphere
/// package insert v12).
const K_IFU: f64 = 50.0;

/// The standard normal density.
fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal CDF by the complementary error function (Numerical Recipes' Chebyshev
/// fit of erfc, fractional error below 1.2e-7).
fn cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let erfc = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Standard error of the sample p-quantile of n normal draws of SD `sigma`: √(p(1−p)/n)·σ/φ(z)
/// (Stuart & Ord, Kendall's Advanced Theory of Statistics vol. 1, §10.10).
fn quantile_se(p: f64, z: f64, sigma: f64, n: usize) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt() * sigma / phi(z)
}

/// The analytic demo imported by a physician: (session, plan id, row version, case id).
async fn demo(t: &T) -> (Session, i64, i64, i64) {
    let s = t.login(Role::Physician).await;
    let r = t
        .call(Some(&s), Method::POST, "/api/demo/import", None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let plan = &r.json["plan"];
    (
        s,
        plan["id"].as_i64().unwrap(),
        plan["row_version"].as_i64().unwrap(),
        r.json["case"]["id"].as_i64().unwrap(),
    )
}

/// Every `interval_gy` and `probability_met` of a plan JSON, by path.
fn uncertain_values(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                if k == "interval_gy" || k == "probability_met" {
                    out.push((p, x.clone()));
                } else {
                    uncertain_values(x, &p, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                uncertain_values(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

async fn audit_count(t: &T) -> usize {
    t.store
        .audit(&AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

both!(the_demo_plans_uncertainty_is_the_command_lines);
async fn the_demo_plans_uncertainty_is_the_command_lines(url: &str) {
    let t = T::new(url).await;
    let (s, id, rv, _) = demo(&t).await;
    let before = audit_count(&t).await;
    let r = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{id}/uncertainty?samples=2000&seed=7"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        audit_count(&t).await,
        before,
        "a computation writes nothing"
    );
    let u = &r.json;
    assert_eq!(
        (u["plan_id"].as_i64(), u["row_version"].as_i64()),
        (Some(id), Some(rv))
    );
    assert_eq!(
        (u["samples"].as_u64(), u["seed"].as_u64()),
        (Some(2000), Some(7))
    );

    // The command line's path on the same case file, samples and seed.
    let site = sirt_planning::SiteData::embedded().unwrap();
    let name = "demo-net-case.toml";
    let mut outcome = sirt_planning::plan_case(
        &site,
        sirt_planning::CaseText { text: DEMO, name },
        sirt_planning::ImageRoot::Folder(std::path::Path::new(".")),
    )
    .unwrap();
    outcome
        .add_uncertainty(
            &site,
            name,
            sirt_uncertainty::Options {
                samples: 2000,
                seed: 7,
            },
        )
        .unwrap();
    let (mut ours, mut cli) = (Vec::new(), Vec::new());
    uncertain_values(&u["result"], "", &mut ours);
    uncertain_values(&outcome.json, "", &mut cli);
    assert!(
        cli.len() >= 40,
        "{} uncertain values in the CLI's JSON",
        cli.len()
    );
    assert_eq!(
        ours, cli,
        "the route's intervals and probabilities are the command line's"
    );
    assert_eq!(u["result"]["uncertainty"], outcome.json["uncertainty"]);
    // Keys absent, never null.
    assert!(ours.iter().all(|(_, v)| !v.is_null()));
    assert!(!u["result"].to_string().contains("\"interval_gy\":null"));

    // The flat lists are the JSON's: each dose interval and each check probability.
    let doses = u["doses"].as_array().unwrap();
    let session2 = doses
        .iter()
        .find(|d| d["of"] == "session" && d["id"] == "2" && d["key"] == "whole_liver_ntad_gy")
        .unwrap();
    assert_eq!(
        session2["interval_gy"],
        outcome.json["sessions"][1]["interval_gy"]["whole_liver_ntad_gy"]
    );
    assert_eq!(
        session2["planned_gy"],
        outcome.json["sessions"][1]["whole_liver_ntad_gy"]
    );
    let t4 = doses
        .iter()
        .find(|d| d["of"] == "with_ordered_vial" && d["id"] == "L" && d["tumour"] == "T4")
        .unwrap();
    let cli_t4 = outcome.json["injections"][1]["with_ordered_vial"]["tumour_gy"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "T4")
        .unwrap();
    assert_eq!(t4["interval_gy"], cli_t4["interval_gy"]);
    assert_eq!(t4["planned_gy"], cli_t4["gy"]);
    let checks = u["checks"].as_array().unwrap();
    let cli_checks: Vec<&Value> = outcome.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("probability_met").is_some())
        .collect();
    assert_eq!(checks.len(), cli_checks.len());
    for (a, b) in checks.iter().zip(&cli_checks) {
        assert_eq!((&a["rule"], &a["subject"]), (&b["rule"], &b["subject"]));
        assert_eq!(a["probability_met"], b["probability_met"]);
    }

    // The defaults named: the keys the demo's `[uncertainty]` leaves out (it states lsf_sd,
    // activity_calibration_cv, tnr_cv, maa_discrepancy and T5's own values).
    assert_eq!(u["spreads_from"], "case_and_defaults");
    assert_eq!(
        u["defaults_used"],
        json!([
            "residual_sd",
            "liver_volume_cv",
            "perfused_volume_cv",
            "lung_mass_cv",
            "tumour_volume_cv"
        ])
    );
    assert_eq!(u["maa_discrepancy"], "smits2020-lesion");
    let lsf = u["spreads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "lsf_sd")
        .unwrap();
    assert_eq!(
        (lsf["value"].as_f64(), lsf["default"].as_bool()),
        (Some(0.015), Some(false))
    );
}

/// The demo case with its `[uncertainty]` replaced by `table` (every spread stated).
fn demo_with(table: &str) -> String {
    let start = DEMO.find("[uncertainty]").unwrap();
    format!("{}{table}", &DEMO[..start])
}

/// Every spread zero but the ones given.
fn spreads(lsf_sd: f64, calibration_cv: f64) -> String {
    format!(
        "[uncertainty]\nlsf_sd = {lsf_sd}\nresidual_sd = 0\nactivity_calibration_cv = {calibration_cv}\n\
         liver_volume_cv = 0\nperfused_volume_cv = 0\nlung_mass_cv = 0\ntumour_volume_cv = 0\n\
         tnr_cv = 0\nmaa_discrepancy = \"none\"\n"
    )
}

/// A new plan version of the case from `case_toml`; its id.
async fn new_version(t: &T, s: &Session, case_id: i64, case_toml: &str) -> i64 {
    let r = t
        .call(
            Some(s),
            Method::POST,
            &format!("/api/cases/{case_id}/plans"),
            Some(json!({ "case_toml": case_toml })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

both!(with_one_input_uncertain_the_route_gives_the_analytic_values);
async fn with_one_input_uncertain_the_route_gives_the_analytic_values(url: &str) {
    const N: usize = 20_000;
    let t = T::new(url).await;
    let (s, _, _, case_id) = demo(&t).await;

    // Only the LSF: session 2's lung dose, 1 kg convention, is K · A_L · LSF_L / 1 kg with the
    // activity of the ordered vial (the plan's activities are kept in every draw).
    let (lsf0, sd) = (0.048, 0.01);
    let id = new_version(&t, &s, case_id, &demo_with(&spreads(sd, 0.0))).await;
    let r = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{id}/uncertainty?samples={N}&seed=11"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["spreads_from"], "case");
    assert_eq!(r.json["defaults_used"], json!([]));
    let a = r.json["result"]["injections"][1]["with_ordered_vial"]["administered_activity_gbq"]
        .as_f64()
        .unwrap();
    let slope = K_IFU * a;
    let lung = r.json["doses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["of"] == "session" && d["id"] == "2" && d["key"] == "lung_gy_1kg_convention")
        .unwrap();
    let planned = lung["planned_gy"].as_f64().unwrap();
    assert!(
        (planned - slope * lsf0).abs() < 1e-9 * planned,
        "{planned} vs {}",
        slope * lsf0
    );
    for (q, z, key) in [(0.05, -Z95, "p5"), (0.5, 0.0, "p50"), (0.95, Z95, "p95")] {
        let got = lung["interval_gy"][key].as_f64().unwrap();
        let exact = slope * (lsf0 + z * sd);
        let tol = 4.0 * quantile_se(q, z, slope * sd, N);
        eprintln!("lung {key}: route {got:.4} Gy, exact {exact:.4} Gy, 4 SE {tol:.4} Gy");
        assert!(
            (got - exact).abs() <= tol,
            "{key}: {got} vs exact {exact} ± {tol}"
        );
    }

    // Only the dose calibrator (one lognormal factor c for every vial): each dose is D₀ · c, so
    // a check "tumour dose ≥ T" is met with probability 1 − Φ(ln(T/D₀)/σ), σ = √(ln(1 + CV²)).
    let cv = 0.10;
    let id = new_version(&t, &s, case_id, &demo_with(&spreads(0.0, cv))).await;
    let r = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{id}/uncertainty?samples={N}&seed=3"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sigma = (1.0 + cv * cv).ln().sqrt();
    let mut tested = 0;
    for c in r.json["checks"].as_array().unwrap() {
        if !c["rule"].as_str().unwrap().starts_with("net-glass-tad-") {
            continue;
        }
        let d0 = c["value"].as_f64().unwrap();
        let threshold: f64 = c["threshold_written"]
            .as_str()
            .unwrap()
            .trim_end_matches("Gy")
            .trim()
            .parse()
            .unwrap();
        let exact = 1.0 - cdf((threshold / d0).ln() / sigma);
        let got = c["probability_met"].as_f64().unwrap();
        let tol = 4.0 * (exact * (1.0 - exact) / N as f64).sqrt() + 1e-6;
        eprintln!(
            "{} {}: route {got:.4}, exact {exact:.4}, 4 SE {tol:.4}",
            c["rule"], c["subject"]
        );
        assert!(
            (got - exact).abs() <= tol,
            "{} {}: {got} vs {exact} ± {tol}",
            c["rule"],
            c["subject"]
        );
        tested += 1;
    }
    assert!(tested >= 10, "{tested} tumour-dose checks");
}

both!(the_best_choice_is_the_command_lines);
async fn the_best_choice_is_the_command_lines(url: &str) {
    let t = T::new(url).await;
    let (s, id, rv, _) = demo(&t).await;
    let before = audit_count(&t).await;
    let r = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/plans/{id}/optimise"),
            Some(json!({ "samples": 1000, "seed": 5 })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        audit_count(&t).await,
        before,
        "a computation writes nothing"
    );
    let o = &r.json;
    assert_eq!(
        (o["plan_id"].as_i64(), o["row_version"].as_i64()),
        (Some(id), Some(rv))
    );
    // ε: the site settings' default, 5 % (docs/site-settings.md).
    assert_eq!(
        (o["epsilon"].as_f64(), o["epsilon_source"].as_str()),
        (Some(0.05), Some("site_settings"))
    );
    assert_eq!(
        o["session"], "2",
        "the first session without a delivery record"
    );
    assert_eq!(o["days"], json!({"from": 0, "to": 7}));

    // `sirtplan optimise`'s path: the plan of the case file, the case's spreads, the options.
    let site = sirt_planning::SiteData::embedded().unwrap();
    let case = sirt_planning::CaseText {
        text: DEMO,
        name: "demo",
    };
    let (plan, _) = sirt_planning::plan_without_document_measured(
        &site,
        case,
        &sirt_case::Overrides::default(),
        &sirt_case::MeasuredValues::default(),
    )
    .unwrap();
    let spreads = sirt_uncertainty::resolve(plan.case.uncertainty.as_ref(), &plan);
    let options = sirt_uncertainty::OptimiseOptions {
        session: None,
        days: sirt_uncertainty::optimise::DEFAULT_DAYS,
        epsilon: 0.05,
        steps: sirt_uncertainty::optimise::DEFAULT_STEPS,
        monte_carlo: sirt_uncertainty::Options {
            samples: 1000,
            seed: 5,
        },
    };
    let cli = sirt_uncertainty::optimise(&plan, "demo", &spreads, &options).unwrap();
    let best = &cli.candidates[cli.best.unwrap()];
    let b = &o["best"];
    assert_eq!(b["day"].as_i64(), Some(best.day));
    assert_eq!(b["treatment"], best.treatment.to_string());
    assert_eq!(b["p_goals_met"].as_f64(), Some(best.p_goals));
    assert_eq!(b["p_limit_exceeded"].as_f64(), Some(best.p_exceeded));
    assert_eq!(
        b["injections"].as_array().unwrap().len(),
        best.choices.len()
    );
    for (x, c) in b["injections"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&best.choices)
    {
        assert_eq!(x["injection"], c.id.as_str());
        assert_eq!(x["calibration"], c.calibration.to_string());
        assert_eq!(x["vial_gbq"].as_f64(), Some(c.nominal.gbq()));
        assert_eq!(x["administered_gbq"].as_f64(), Some(c.administered.gbq()));
        assert_eq!(x["device_name"], "TheraSphere");
    }
    assert_eq!(
        o["candidates_evaluated"].as_u64(),
        Some(cli.candidates.len() as u64)
    );
    let front = o["pareto_front"].as_array().unwrap();
    assert_eq!(front.len(), cli.front.len());
    for (x, &i) in front.iter().zip(&cli.front) {
        let c = &cli.candidates[i];
        assert_eq!(
            (
                x["day"].as_i64(),
                x["p_goals_met"].as_f64(),
                x["p_limit_exceeded"].as_f64()
            ),
            (Some(c.day), Some(c.p_goals), Some(c.p_exceeded))
        );
        assert_eq!(x["feasible"].as_bool(), Some(c.p_exceeded <= 0.05));
    }
    // The best is the front's highest P(goals) among those with P(limit) ≤ ε.
    let top = front
        .iter()
        .filter(|x| x["p_limit_exceeded"].as_f64().unwrap() <= 0.05)
        .map(|x| x["p_goals_met"].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(b["p_goals_met"].as_f64(), Some(top));

    // `apply`: the parameters move session 2 to the best day; PATCHed, the plan orders what
    // `plan_orders` says. The demo's best is another vial than the plan orders then: not
    // applicable, a recommendation only.
    let apply = &o["apply"];
    assert_eq!(
        apply["parameters"],
        json!({"sessions": {"2": {"treatment": best.treatment.to_string()}}})
    );
    assert_eq!(apply["reproduces_best"], false);
    assert_eq!(apply["already_planned"], false);
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{id}"),
            Some(json!({ "row_version": rv, "parameters": apply["parameters"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let l = &r.json["result"]["injections"][1];
    let order = &apply["plan_orders"][0];
    assert_eq!(order["injection"], "L");
    assert_eq!(
        order["vial_gbq"],
        l["vial_order"]["vial_activity_at_calibration_gbq"]
    );
    assert_eq!(
        order["administered_gbq"],
        l["with_ordered_vial"]["administered_activity_gbq"]
    );
    assert_ne!(order["vial_gbq"], b["injections"][0]["vial_gbq"]);
    // The change is audited as every parameter change.
    assert_eq!(audit_count(&t).await, before + 1);
}

both!(bad_requests_are_refused_naming_the_field);
async fn bad_requests_are_refused_naming_the_field(url: &str) {
    let t = T::new(url).await;
    let (s, id, _, _) = demo(&t).await;
    let before = audit_count(&t).await;
    for (query, field) in [
        ("samples=5", "samples"),
        ("samples=200000", "samples"),
        ("samples=many", "samples"),
        ("seed=-1", "seed"),
        ("seed=9007199254740992", "seed"),
    ] {
        let r = t
            .call(
                Some(&s),
                Method::GET,
                &format!("/api/plans/{id}/uncertainty?{query}"),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.text
        );
        assert!(
            r.message().contains(&format!("field `{field}`")),
            "{query}: {}",
            r.message()
        );
    }
    let r = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{id}/uncertainty?sample=100"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.message().contains("sample"), "{}", r.message());
    for (body, field) in [
        (json!({"epsilon": 0}), "field `epsilon`"),
        (json!({"epsilon": 1.5}), "field `epsilon`"),
        (json!({"days": {"from": 3, "to": 1}}), "field `days`"),
        (json!({"days": {"from": 0, "to": 30}}), "field `days`"),
        (json!({"days": {"from": 90, "to": 91}}), "field `days`"),
        (json!({"steps": 0}), "field `steps`"),
        (json!({"samples": 50}), "field `samples`"),
        (json!({"samples": 30000}), "field `samples`"),
        (json!({"seed": 9_007_199_254_740_992_u64}), "field `seed`"),
        (json!({"session": "9"}), "field `session`"),
        // 15 days of about a dozen vials each: beyond 2 000 000 candidate-samples.
        (
            json!({"days": {"from": -7, "to": 7}, "samples": 20000}),
            "field `samples`",
        ),
        (json!({"epsilom": 0.1}), "unknown field `epsilom`"),
    ] {
        let r = t
            .call(
                Some(&s),
                Method::POST,
                &format!("/api/plans/{id}/optimise"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert!(r.message().contains(field), "{body}: {}", r.message());
    }
    // Session 1 was delivered (the case file's `injections.delivery` of R).
    let r = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/plans/{id}/optimise"),
            Some(json!({"session": "1", "samples": 100})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "not_optimisable");
    assert!(
        r.message().contains("injections[0].delivery"),
        "{}",
        r.message()
    );
    assert_eq!(audit_count(&t).await, before, "refusals write nothing");
}

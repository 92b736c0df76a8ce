//! The propagation against analytic propagation where it exists. Tolerances are 4 Monte Carlo
//! standard errors (two-sided 4σ: a false failure once in ~16 000 runs; with a fixed seed the
//! test is deterministic).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use sirt_uncertainty::{Dose, DoseKey, Spreads};
use support::*;

/// K of the TheraSphere IFU convention (Gy·kg/GBq), the five-injection case's device default.
const K_IFU: f64 = 50.0;
const N: usize = 20_000;

/// Lung dose in the 1 kg convention, K · ΣA · LSF / 1 kg, with only the LSF uncertain: linear
/// in the (shared mapping) LSF, so its percentiles are K ΣA (LSF ± 1.645 σ) exactly for a normal
/// LSF. The five injections share `mapping.lsf` and hence one error.
#[test]
fn lung_dose_is_linear_in_lsf() {
    let plan = plan(FIVE);
    let (lsf0, sd) = (0.06, 0.01);
    let mut spreads = Spreads::zero(&plan);
    spreads.lsf_sd = sd;
    let p = run(&plan, &spreads, N, 7);
    let total: f64 = plan
        .injections
        .iter()
        .map(|i| i.planned().unwrap().expected.administered.gbq())
        .sum();
    let slope = K_IFU * total; // Gy per unit LSF, over 1 kg
    let sigma = slope * sd;
    let got = p
        .interval(&Dose::Session {
            session: 0,
            key: DoseKey::Key("lung_gy_1kg_convention"),
        })
        .unwrap();
    for (q, z, x) in [
        (0.05, -Z95, got.p5),
        (0.5, 0.0, got.p50),
        (0.95, Z95, got.p95),
    ] {
        let exact = slope * (lsf0 + z * sd);
        let tol = 4.0 * quantile_se(q, z, sigma, N);
        assert!(
            (x - exact).abs() <= tol,
            "q{q}: {x} vs exact {exact} ± {tol}"
        );
    }
}

/// Whole-liver NTAD with only the dose-calibrator factor c and the whole-liver volume factor g
/// uncertain: NTAD = NTAD₀ · c / g, a product of two independent lognormals, so ln NTAD is
/// normal with σ² = ln(1 + cv_c²) + ln(1 + cv_g²) exactly; the delta method gives the CV
/// √(cv_c² + cv_g²) to first order.
#[test]
fn ntad_is_a_product_of_lognormals() {
    let plan = plan(FIVE);
    let (cv_c, cv_g) = (0.05, 0.08);
    let mut spreads = Spreads::zero(&plan);
    spreads.activity_calibration_cv = cv_c;
    spreads.liver_volume_cv = cv_g;
    let p = run(&plan, &spreads, N, 11);
    let ntad0 = plan.sessions[0].totals.unwrap().whole_liver_ntad.gy();
    let s2 = (1.0 + cv_c * cv_c).ln() + (1.0 + cv_g * cv_g).ln();
    let s = s2.sqrt();
    let got = p
        .interval(&Dose::Session {
            session: 0,
            key: DoseKey::Key("whole_liver_ntad_gy"),
        })
        .unwrap();
    for (q, z, x) in [
        (0.05, -Z95, got.p5),
        (0.5, 0.0, got.p50),
        (0.95, Z95, got.p95),
    ] {
        // The sample quantile of ln NTAD has standard error quantile_se(q, z, s, N).
        let exact = ntad0 * (z * s).exp();
        let tol = 4.0 * quantile_se(q, z, s, N) * exact;
        assert!(
            (x - exact).abs() <= tol,
            "q{q}: {x} vs exact {exact} ± {tol}"
        );
    }
    // Delta method: half the log-width of the 90 % interval over 1.645 estimates σ ≈ CV.
    let delta_cv = cv_c.hypot(cv_g);
    let from_interval = (got.p95 / got.p5).ln() / (2.0 * Z95);
    // Tolerance: the delta method's own error |√(ln(1+a²)+ln(1+b²)) − √(a²+b²)| plus 4 MC
    // standard errors of the log-width.
    let tol = (s - delta_cv).abs() + 4.0 * quantile_se(0.95, Z95, s, N) * 2f64.sqrt() / (2.0 * Z95);
    assert!(
        (from_interval - delta_cv).abs() <= tol,
        "{from_interval} vs delta {delta_cv} ± {tol}"
    );
}

/// With only the calibration uncertain, every dose is D₀ · c: the probability that a tumour
/// dose check "≥ T" is met is 1 − Φ(ln(T / D₀) / σ) with σ = √(ln(1 + cv²)).
#[test]
fn tumour_dose_probability_matches_the_lognormal() {
    let text = support::DEMO;
    let plan = plan(text);
    let cv = 0.10;
    let mut spreads = Spreads::zero(&plan);
    spreads.activity_calibration_cv = cv;
    let p = run(&plan, &spreads, N, 3);
    let s = (1.0 + cv * cv).ln().sqrt();
    let mut tested = 0;
    for c in plan.checks.iter().filter(|c| {
        c.basis == sirt_rules::CheckBasis::Partition
            && (c.rule == "net-glass-tad-min" || c.rule == "net-glass-tad-optimal")
    }) {
        let d0 = match c.value {
            Some(sirt_rules::CheckValue::Number(x)) => x,
            _ => continue,
        };
        let threshold = match c.threshold {
            sirt_rules::CheckValue::Number(x) => x,
            sirt_rules::CheckValue::Flag(_) => continue,
        };
        let exact = 1.0 - cdf((threshold / d0).ln() / s);
        let got = p.probability(&c.rule, &c.subject).unwrap();
        let tol = 4.0 * (exact * (1.0 - exact) / N as f64).sqrt() + 1e-6;
        assert!(
            (got - exact).abs() <= tol,
            "{} {}: {got} vs {exact} ± {tol}",
            c.rule,
            c.subject
        );
        tested += 1;
    }
    assert!(tested >= 10, "{tested} tumour checks");
}

//! The optimisation against cases whose answer is known in closed form. Every probability is
//! compared with its exact value within 4 Monte Carlo standard errors (binomial, √(p(1−p)/N))
//! plus 2/N for the probabilities at 0 or 1; the set-up asserts that the answer is not within
//! Monte Carlo noise of a tie or of ε, so that a wrong optimum cannot pass by chance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use sirt_uncertainty::optimise::{Window, optimise};
use sirt_uncertainty::{OptimiseOptions, Options, Spreads};
use support::{cdf, plan};

/// Samples of these tests.
const N: usize = 20_000;

/// Φ⁻¹(0.95) = 1.6448536269514722 (scipy.stats.norm.ppf(0.95)).
const Z95: f64 = 1.644_853_626_951_472_2;

fn tolerance(p: f64) -> f64 {
    4.0 * (p * (1.0 - p) / N as f64).sqrt() + 2.0 / N as f64
}

/// One lobar resin injection, partition model, the LSF stated on the mapping; a lung limit
/// per session of 30 Gy in the 1 kg convention (no `[lungs]`).
fn resin_case(goal_gy: f64) -> String {
    format!(
        r#"schema = "sirtplan-case/1"
[patient]
id = "OPTIMISE-RESIN"
[diagnosis]
indication = "mCRC"
[liver]
volume = "1600 mL"
density = "1.05 g/mL"
[mapping]
lsf = 0.10
date = "2026-02-24T11:00:00[Europe/Paris]"
[[tumours]]
id = "T1"
volume = "80 mL"
[planning]
device = "sir-spheres"
residual_fraction = 0.0
[planning.limits]
lung_session_max = "30 Gy"
[[sessions]]
id = "1"
treatment = "2026-03-05T10:00:00[Europe/Paris]"
[[injections]]
id = "R"
session = "1"
territory = "lobar"
lobe = "right"
perfused_volume = "1000 mL"
method = "partition"
tumours = [{{ id = "T1", tnr = 4.0 }}]
goal = {{ tumour_dose = "{goal_gy} Gy", tumour = "T1" }}
"#
    )
}

/// With only the LSF uncertain (normal, σ absolute), every dose is linear in the activity A:
/// lung D_L = K·A·LSF / 1 kg, tumour D_T = K·A·(1 − LSF)·TNR / (TNR·M_t + M_n). The grid's top
/// A_top is where the point lung dose reaches L (K·A_top = L / LSF₀), so at grid step j of n,
/// K·A = (L / LSF₀)·j/n and K cancels:
/// - P(limit exceeded) = P(LSF > LSF₀·n/j) = 1 − Φ((LSF₀·n/j − LSF₀)/σ);
/// - P(goal) = P(1 − LSF ≥ q), q = G·(TNR·M_t + M_n)·LSF₀·n / (L·j·TNR): Φ((1 − q − LSF₀)/σ).
///
/// The optimum is the largest step with P(exceeded) ≤ ε: j* = ⌊n·LSF₀ / (LSF₀ + σ·z₀.₉₅)⌋.
#[test]
fn resin_optimum_is_the_closed_form_step() {
    let (lsf0, sigma, limit, steps, eps) = (0.10, 0.02, 30.0, 50usize, 0.05);
    // Masses from the case by hand: tumour 80 mL, territory 1000 mL, 1.05 g/mL.
    let (m_t, m_n, tnr) = (0.080 * 1.05, (1.000 - 0.080) * 1.05, 4.0);
    let denominator = tnr * m_t + m_n;
    let goal = 600.0;
    let plan = plan(&resin_case(goal));
    let mut spreads = Spreads::zero(&plan);
    spreads.lsf_sd = sigma;
    let options = OptimiseOptions {
        session: None,
        days: Window { from: 0, to: 0 },
        epsilon: eps,
        steps,
        monte_carlo: Options {
            samples: N,
            seed: 5,
        },
    };
    let r = optimise(&plan, "resin.toml", &spreads, &options).unwrap();
    assert_eq!(r.candidates.len(), steps, "one candidate per grid step");
    let top = plan.injections[0]
        .planned()
        .unwrap()
        .expected
        .administered
        .gbq()
        * r.limit_factor.unwrap();
    let exceeded = |j: f64| 1.0 - cdf((lsf0 * steps as f64 / j - lsf0) / sigma);
    let met = |j: f64| {
        let q = goal * denominator * lsf0 * steps as f64 / (limit * j * tnr);
        cdf((1.0 - q - lsf0) / sigma)
    };
    for c in &r.candidates {
        let j = c.administered().gbq() / top * steps as f64;
        assert!((j - j.round()).abs() < 1e-9, "grid step {j}");
        let (e, g) = (exceeded(j.round()), met(j.round()));
        assert!(
            (c.p_exceeded - e).abs() <= tolerance(e),
            "step {j}: P(exceeded) {} vs exact {e}",
            c.p_exceeded
        );
        assert!(
            (c.p_goals - g).abs() <= tolerance(g),
            "step {j}: P(goal) {} vs exact {g}",
            c.p_goals
        );
    }
    let j_star = (steps as f64 * lsf0 / (lsf0 + sigma * Z95)).floor();
    assert_eq!(j_star, 37.0);
    // Set-up: j* and j* + 1 lie on either side of ε beyond noise, and j* beats j* − 1 on the
    // goal beyond noise.
    assert!(
        eps - exceeded(j_star) > tolerance(eps) && exceeded(j_star + 1.0) - eps > tolerance(eps)
    );
    assert!(met(j_star) - met(j_star - 1.0) > 2.0 * tolerance(0.5));
    let best = &r.candidates[r.best.unwrap()];
    assert!(
        (best.administered().gbq() / top * steps as f64 - j_star).abs() < 1e-9,
        "best at step {} of {steps}, closed form {j_star}",
        best.administered().gbq() / top * steps as f64
    );
}

/// One lobar glass injection (TheraSphere, K = 50 Gy·kg/GBq by its IFU convention), LSF 15 %,
/// residual 1 %, a lung limit per session of 30 Gy (1 kg convention).
const GLASS: &str = r#"schema = "sirtplan-case/1"
[patient]
id = "OPTIMISE-GLASS"
[diagnosis]
indication = "HCC"
[liver]
volume = "1600 mL"
density = "1.05 g/mL"
[mapping]
lsf = 0.15
date = "2026-02-24T11:00:00[Europe/Paris]"
[[tumours]]
id = "T1"
volume = "80 mL"
[planning]
device = "therasphere"
residual_fraction = 0.01
[planning.limits]
lung_session_max = "30 Gy"
[[sessions]]
id = "1"
treatment = "2026-03-05T10:00:00[Europe/Paris]"
[[injections]]
id = "R"
session = "1"
territory = "lobar"
lobe = "right"
perfused_volume = "1000 mL"
method = "partition"
tumours = [{ id = "T1", tnr = 3.0 }]
goal = { tumour_dose = "320 Gy", tumour = "combined" }
"#;

/// TheraSphere IFU deposition coefficient, Gy·kg/GBq (package insert: D = 50·A/M).
const K_IFU: f64 = 50.0;
/// Y-90 half-life, h (TheraSphere package insert v12: 64.1 h).
const HALF_LIFE_H: f64 = 64.1;

/// The glass vials by hand: TheraSphere vials (3, 5, 7, 10, 15, 20 GBq) are calibrated on
/// Sundays at 12:00 New York time and usable 0 to 12 days after (the catalogue's schedule). A
/// treatment at 10:00 Paris on Thursday 5 March 2026 (day 0) can use the vials of 22 February
/// (17:00 UTC) and 1 March; on day 1 the same two; on day 2 (7 March) and day 3 (8 March,
/// 09:00 UTC, before that day's 12:00 EDT = 16:00 UTC calibration) only 1 March. Each vial
/// holds v·2^(−Δt/T½) at the treatment, less the 1 % residual. With only the dose-calibrator
/// factor uncertain (lognormal, σ = √(ln(1 + cv²))), every dose is D₁·A·F: P(limit exceeded)
/// = 1 − Φ(ln(L / (D_L₁·A))/σ) and P(goal) = 1 − Φ(ln(G / (D_T₁·A))/σ). The optimum is the
/// largest activity with P(exceeded) ≤ ε (P(goal) rises with A).
#[test]
fn glass_optimum_is_the_largest_vial_within_epsilon() {
    let (cv, eps, lsf, limit, goal): (f64, f64, f64, f64, f64) = (0.12, 0.05, 0.15, 30.0, 320.0);
    let s = (1.0 + cv * cv).ln().sqrt();
    let (m_t, m_n, tnr) = (0.080 * 1.05, (1.000 - 0.080) * 1.05, 3.0);
    let d_t1 = K_IFU * (1.0 - lsf) * tnr / (tnr * m_t + m_n);
    let d_l1 = K_IFU * lsf / 1.0;
    let plan = plan(GLASS);
    let mut spreads = Spreads::zero(&plan);
    spreads.activity_calibration_cv = cv;
    let options = OptimiseOptions {
        session: None,
        days: Window { from: 0, to: 3 },
        epsilon: eps,
        steps: 20,
        monte_carlo: Options {
            samples: N,
            seed: 9,
        },
    };
    let r = optimise(&plan, "glass.toml", &spreads, &options).unwrap();
    // Hours after 2026-02-22 00:00 UTC: the calibrations of 22 February (12:00 EST = 17:00 UTC)
    // and 1 March; the treatment of day d at 10:00 Paris (09:00 UTC) on 5 March + d.
    let (feb22, mar1) = (17.0, 17.0 + 7.0 * 24.0);
    let days: [(i64, &[f64]); 4] = [
        (0, &[feb22, mar1]),
        (1, &[feb22, mar1]),
        (2, &[mar1]),
        (3, &[mar1]),
    ];
    let sizes = [3.0, 5.0, 7.0, 10.0, 15.0, 20.0];
    let mut expected = Vec::new();
    for (day, calibrations) in days {
        let treatment_h = 11.0 * 24.0 + 9.0 + 24.0 * day as f64;
        for &c in calibrations {
            for v in sizes {
                let dt = treatment_h - c;
                expected.push((day, v * 0.5f64.powf(dt / HALF_LIFE_H) * 0.99));
            }
        }
    }
    assert_eq!(r.candidates.len(), expected.len());
    assert!(r.days_without_order.is_empty());
    for (day, a) in &expected {
        let c = r
            .candidates
            .iter()
            .find(|c| c.day == *day && (c.administered().gbq() / a - 1.0).abs() < 1e-6)
            .unwrap_or_else(|| panic!("day {day}: no candidate of {a} GBq"));
        let e = 1.0 - cdf((limit / (d_l1 * a)).ln() / s);
        let g = 1.0 - cdf((goal / (d_t1 * a)).ln() / s);
        assert!(
            (c.p_exceeded - e).abs() <= tolerance(e),
            "{a} GBq: {} vs {e}",
            c.p_exceeded
        );
        assert!(
            (c.p_goals - g).abs() <= tolerance(g),
            "{a} GBq: {} vs {g}",
            c.p_goals
        );
    }
    // The closed-form largest activity within ε: A* = L/D_L₁ · exp(−z₀.₉₅·σ).
    let a_star = limit / d_l1 * (-Z95 * s).exp();
    let mut within: Vec<f64> = expected
        .iter()
        .map(|(_, a)| *a)
        .filter(|a| *a <= a_star)
        .collect();
    within.sort_by(f64::total_cmp);
    let (first, second) = (within[within.len() - 1], within[within.len() - 2]);
    let above = expected
        .iter()
        .map(|(_, a)| *a)
        .filter(|a| *a > a_star)
        .fold(f64::INFINITY, f64::min);
    // Set-up: the neighbours of A* are beyond noise from ε, and the best beats the next on
    // the goal beyond noise.
    let e = |a: f64| 1.0 - cdf((limit / (d_l1 * a)).ln() / s);
    let g = |a: f64| 1.0 - cdf((goal / (d_t1 * a)).ln() / s);
    assert!(eps - e(first) > tolerance(eps) && e(above) - eps > tolerance(eps));
    assert!(g(first) - g(second) > 2.0 * tolerance(0.5));
    let best = &r.candidates[r.best.unwrap()];
    assert!(
        (best.administered().gbq() / first - 1.0).abs() < 1e-6,
        "best {} GBq, closed form {first} GBq",
        best.administered().gbq()
    );
}

//! Properties: zero spread gives degenerate intervals equal to the plan's values and
//! probabilities 0 or 1 as the plan's checks; probabilities lie in [0, 1] and do not decrease
//! as an "at most" threshold rises.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use proptest::prelude::*;
use sirt_uncertainty::{Dose, DoseKey, Spreads, propagate, resolve};
use support::*;

#[test]
fn zero_spread_is_the_plan() {
    for text in [FIVE, DEMO] {
        let plan = plan(text);
        let p = run(&plan, &Spreads::zero(&plan), 200, 1);
        for (dose, i) in &p.doses {
            assert!(i.p5 == i.p50 && i.p50 == i.p95, "{dose:?} {i:?}");
        }
        let t1 = p
            .interval(&Dose::Session {
                session: 0,
                key: DoseKey::Tumour(plan.sessions[0].tumour_doses[0].0.clone()),
            })
            .unwrap();
        let planned = plan.sessions[0].tumour_doses[0].1.gy();
        assert!(
            (t1.p50 - planned).abs() <= 1e-9 * planned,
            "{t1:?} vs {planned}"
        );
        for c in &p.checks {
            let check = plan
                .checks
                .iter()
                .find(|k| k.rule == c.rule && k.subject == c.subject)
                .unwrap();
            let met = f64::from(u8::from(check.status == sirt_rules::Status::Pass));
            assert_eq!(c.probability_met, met, "{} {}", c.rule, c.subject);
        }
    }
}

/// A rule set whose session lung limit (1 kg convention) is `gy`.
fn rules_with_lung_limit(gy: f64) -> sirt_rules::RuleSet {
    let mut rules = sirt_rules::RuleSet::embedded().unwrap();
    let text = format!(
        "[[rule]]\nid = \"lung-dose-session\"\ntitle = \"test\"\nquantity = \"lung_dose_session_1kg\"\ncomparison = \"<=\"\nthreshold = \"{gy} Gy\"\non_violation = \"fail\"\nsource = \"test\"\nevidence = \"test\"\n"
    );
    rules.merge_toml(&text, "test").unwrap();
    rules
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn probabilities_in_unit_interval_and_monotone(seed in 0u64..1000, low in 1.0f64..12.0, step in 0.1f64..10.0) {
        let plan = plan(FIVE);
        let mut spreads = resolve(None, &plan);
        spreads.lsf_sd = 0.03;
        let settings = Default::default();
        let options = sirt_uncertainty::Options { samples: 400, seed };
        let pa = propagate(&plan, "five", &rules_with_lung_limit(low), &settings, &spreads, options).unwrap();
        let pb = propagate(&plan, "five", &rules_with_lung_limit(low + step), &settings, &spreads, options).unwrap();
        for c in pa.checks.iter().chain(&pb.checks) {
            prop_assert!((0.0..=1.0).contains(&c.probability_met));
        }
        let a = pa.probability("lung-dose-session", "session 1");
        let b = pb.probability("lung-dose-session", "session 1");
        // The check exists at both thresholds only when the plan's value is a number: it is.
        let (a, b) = (a.unwrap(), b.unwrap());
        prop_assert!(a <= b, "P(≤ {low}) = {a} > P(≤ {}) = {b}", low + step);
    }
}

//! Invariants: Ŝ non-increasing and in [0, 1] with the interval around it; the log-rank χ²
//! does not depend on the group labels; Cox coefficients do not depend on the time scale;
//! Efron equals Breslow without ties; AUC of the negated score is 1 − AUC.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sirt_survival::{
    CiTransform, Cohort, CoxOptions, KmCurve, KmOptions, MedianRule, PositiveSide, Subject, Ties,
    TimeUnit, cox, logrank, roc,
};

fn subjects() -> impl Strategy<Value = Vec<(u32, bool, usize, f64)>> {
    prop::collection::vec((1u32..60, any::<bool>(), 0usize..4, -2.0f64..2.0), 4..70)
}

fn cohort(rows: &[(u32, bool, usize, f64)], labels: &[&str], scale: f64) -> Cohort {
    Cohort::new(
        "generated",
        TimeUnit::Days,
        vec!["x".to_string()],
        rows.iter()
            .map(|&(t, e, g, x)| Subject {
                duration: f64::from(t) * scale,
                event: e,
                group: Some(labels[g % labels.len()].to_string()),
                covariates: vec![x],
            })
            .collect(),
    )
    .unwrap()
}

proptest! {
    #[test]
    fn km_is_a_non_increasing_probability_inside_its_interval(
        rows in subjects(),
        transform in prop::sample::select(vec![CiTransform::Log, CiTransform::LogLog, CiTransform::Plain]),
        rule in prop::sample::select(vec![MedianRule::FirstAtOrBelow, MedianRule::MidpointOfFlat]),
        alpha in 0.01f64..0.5,
    ) {
        let d: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
        let e: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let km = KmCurve::fit(&d, &e, &KmOptions { alpha, transform, median_rule: rule }).unwrap();
        let mut prev = 1.0;
        let mut prev_risk = usize::MAX;
        for r in &km.rows {
            prop_assert!(r.survival <= prev + 1e-15 && (0.0..=1.0).contains(&r.survival));
            prop_assert!(r.at_risk <= prev_risk);
            if let Some(ci) = r.ci {
                prop_assert!(ci.lower <= r.survival + 1e-12 && r.survival <= ci.upper + 1e-12,
                    "{:?} at S = {}", ci, r.survival);
                prop_assert!(ci.lower >= 0.0 && ci.upper <= 1.0 + 1e-15);
            } else {
                prop_assert_eq!(r.survival, 0.0);
            }
            prev = r.survival;
            prev_risk = r.at_risk;
        }
        // The median interval brackets the median when all three are reached.
        if let (Some(m), Some(lo), Some(hi)) = (km.median.median.time(), km.median.lower.time(), km.median.upper.time()) {
            prop_assert!(lo <= m && m <= hi);
        }
    }

    #[test]
    fn logrank_does_not_depend_on_group_labels(rows in subjects(), perm in Just(()).prop_perturb(|_, mut rng| {
        let mut p = vec![0usize, 1, 2, 3];
        for i in (1..4).rev() { p.swap(i, (rng.next_u32() as usize) % (i + 1)); }
        p
    })) {
        let a = ["alpha", "beta", "gamma", "delta"];
        let b: Vec<&str> = perm.iter().map(|&i| ["z1", "y2", "x3", "w4"][i]).collect();
        let r1 = logrank(&cohort(&rows, &a, 1.0));
        let r2 = logrank(&cohort(&rows, &b, 1.0));
        match (r1, r2) {
            (Ok(x), Ok(y)) => {
                prop_assert_eq!(x.df, y.df);
                prop_assert!((x.chi2 - y.chi2).abs() <= 1e-9 * x.chi2.abs().max(1.0), "{} vs {}", x.chi2, y.chi2);
            }
            (Err(_), Err(_)) => {}
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x, y),
        }
    }

    #[test]
    fn cox_does_not_depend_on_the_time_scale(rows in subjects(), scale in prop::sample::select(vec![0.5, 7.0, 30.4375, 1e-3])) {
        let labels = ["a"];
        let c = cohort(&rows, &labels, 1.0);
        let s = c.with_durations_scaled(scale);
        for ties in [Ties::Efron, Ties::Breslow] {
            let o = CoxOptions { ties, ..CoxOptions::default() };
            match (cox(&c, &o), cox(&s, &o)) {
                (Ok(x), Ok(y)) => {
                    let (bx, by) = (x.coefficients[0].coef, y.coefficients[0].coef);
                    prop_assert!((bx - by).abs() <= 1e-9 * bx.abs().max(1.0), "{} vs {}", bx, by);
                    prop_assert!((x.log_likelihood - y.log_likelihood).abs() <= 1e-9 * x.log_likelihood.abs());
                }
                (Err(x), Err(y)) => prop_assert_eq!(x, y),
                (x, y) => prop_assert!(false, "{:?} vs {:?}", x, y),
            }
        }
    }

    #[test]
    fn efron_equals_breslow_without_ties(xs in prop::collection::vec((-2.0f64..2.0, any::<bool>()), 5..40)) {
        // Distinct times 1, 2, 3, …: no ties, so the two likelihoods coincide.
        let rows: Vec<Subject> = xs.iter().enumerate().map(|(i, &(x, e))| Subject {
            duration: (i + 1) as f64, event: e, group: None, covariates: vec![x],
        }).collect();
        let c = Cohort::new("no ties", TimeUnit::Days, vec!["x".into()], rows).unwrap();
        let e = cox(&c, &CoxOptions::default());
        let b = cox(&c, &CoxOptions { ties: Ties::Breslow, ..CoxOptions::default() });
        match (e, b) {
            (Ok(e), Ok(b)) => prop_assert!((e.coefficients[0].coef - b.coefficients[0].coef).abs() < 1e-12),
            (Err(x), Err(y)) => prop_assert_eq!(x, y),
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x, y),
        }
    }

    #[test]
    fn auc_of_the_negated_score_is_one_minus_auc(
        data in prop::collection::vec((0u32..30, any::<bool>()), 2..80)
    ) {
        let s: Vec<f64> = data.iter().map(|d| f64::from(d.0) * 10.0).collect();
        let y: Vec<bool> = data.iter().map(|d| d.1).collect();
        let neg: Vec<f64> = s.iter().map(|v| -v).collect();
        match (roc(&s, &y, PositiveSide::HigherScore), roc(&neg, &y, PositiveSide::HigherScore)) {
            (Ok(a), Ok(b)) => {
                prop_assert!((a.auc + b.auc - 1.0).abs() < 1e-12);
                // Trapezoid area of the ROC points equals the Mann-Whitney AUC.
                let area: f64 = a.points.windows(2).map(|w| {
                    let (x0, x1) = (1.0 - w[0].specificity, 1.0 - w[1].specificity);
                    (x1 - x0) * (w[0].sensitivity + w[1].sensitivity) / 2.0
                }).sum();
                prop_assert!((area - a.auc).abs() < 1e-12);
                let low = roc(&s, &y, PositiveSide::LowerScore).unwrap();
                prop_assert!((low.auc - b.auc).abs() < 1e-15);
                prop_assert!(a.youden.j >= 0.0);
            }
            (Err(_), Err(_)) => {}
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x, y),
        }
    }
}

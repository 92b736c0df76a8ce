//! Properties of the optimisation on the bundled demo case (session 2, one glass injection):
//! with common random numbers the probabilities rise with the activity sample by sample; the
//! Pareto front holds no dominated candidate and dominates every other; the best is feasible
//! and no feasible candidate beats it; a seed reproduces the result; bad input is refused with
//! the option or field named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use proptest::prelude::*;
use sirt_uncertainty::optimise::{Candidate, DEFAULT_DAYS, Window, optimise};
use sirt_uncertainty::{Optimisation, OptimiseOptions, Options, resolve};
use support::{DEMO, plan};

fn options(samples: usize, seed: u64, epsilon: f64) -> OptimiseOptions {
    OptimiseOptions {
        session: None,
        days: DEFAULT_DAYS,
        epsilon,
        steps: 20,
        monte_carlo: Options { samples, seed },
    }
}

fn run(text: &str, o: &OptimiseOptions) -> Result<Optimisation, String> {
    let plan = plan(text);
    let spreads = resolve(plan.case.uncertainty.as_ref(), &plan);
    optimise(&plan, "demo.toml", &spreads, o).map_err(|e| e.to_string())
}

/// `a` dominates `b`: at least as good on both probabilities, better on one.
fn dominates(a: &Candidate, b: &Candidate) -> bool {
    a.p_goals >= b.p_goals
        && a.p_exceeded <= b.p_exceeded
        && (a.p_goals > b.p_goals || a.p_exceeded < b.p_exceeded)
}

/// With the same draws for every candidate, each draw's doses grow with the activity, so both
/// probabilities are non-decreasing in the activity exactly (independent draws per candidate
/// would break this by noise between close activities: the demo has candidates 1 % apart).
#[test]
fn probabilities_rise_with_the_activity() {
    let r = run(DEMO, &options(1_000, 3, 0.05)).unwrap();
    let mut c: Vec<&Candidate> = r.candidates.iter().collect();
    c.sort_by(|a, b| a.administered().gbq().total_cmp(&b.administered().gbq()));
    assert!(c.len() > 50, "{} candidates", c.len());
    for w in c.windows(2) {
        assert!(
            w[0].p_goals <= w[1].p_goals,
            "{} > {}",
            w[0].p_goals,
            w[1].p_goals
        );
        assert!(w[0].p_exceeded <= w[1].p_exceeded);
    }
    // Not constant: the window spans activities from never to always above a limit.
    assert_eq!(c[0].p_exceeded, 0.0);
    assert!(c[c.len() - 1].p_exceeded > 0.99);
}

fn check_front(r: &Optimisation) {
    let front: Vec<&Candidate> = r.front.iter().map(|&i| &r.candidates[i]).collect();
    assert!(!front.is_empty());
    for f in &front {
        assert!(
            !r.candidates.iter().any(|c| dominates(c, f)),
            "a front member is dominated"
        );
    }
    for (i, c) in r.candidates.iter().enumerate() {
        if r.front.contains(&i) {
            continue;
        }
        assert!(
            front.iter().any(
                |f| dominates(f, c) || (f.p_goals == c.p_goals && f.p_exceeded == c.p_exceeded)
            ),
            "candidate {i} is neither on the front nor dominated by it"
        );
    }
    // The front's probabilities, in its order, fall together.
    for w in front.windows(2) {
        assert!(w[0].p_goals > w[1].p_goals && w[0].p_exceeded > w[1].p_exceeded);
    }
    match r.best {
        Some(b) => {
            let best = &r.candidates[b];
            assert!(best.p_exceeded <= r.epsilon);
            assert!(r.front.contains(&b), "the best is on the front");
            assert!(
                !r.candidates
                    .iter()
                    .any(|c| c.p_exceeded <= r.epsilon && c.p_goals > best.p_goals),
                "a feasible candidate has a higher P(goals)"
            );
        }
        None => assert!(r.candidates.iter().all(|c| c.p_exceeded > r.epsilon)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn the_front_holds_no_dominated_candidate(seed in 0u64..1_000_000, epsilon in 0.001f64..0.5) {
        let r = run(DEMO, &options(200, seed, epsilon)).unwrap();
        check_front(&r);
    }
}

#[test]
fn a_seed_reproduces_the_result() {
    let o = options(400, 42, 0.05);
    let a = run(DEMO, &o).unwrap();
    let b = run(DEMO, &o).unwrap();
    assert_eq!(a, b);
    let c = run(DEMO, &options(400, 43, 0.05)).unwrap();
    assert_ne!(
        a.candidates.iter().map(|x| x.p_goals).collect::<Vec<_>>(),
        c.candidates.iter().map(|x| x.p_goals).collect::<Vec<_>>(),
        "another seed, other draws"
    );
    check_front(&a);
}

/// The demo's staged case: session 1 has a delivery record, so the default is session 2.
#[test]
fn the_default_session_is_the_first_not_delivered() {
    let r = run(DEMO, &options(100, 1, 0.05)).unwrap();
    assert_eq!(r.session, "2");
    assert!(
        r.candidates
            .iter()
            .all(|c| c.choices.len() == 1 && c.choices[0].id == "L")
    );
}

#[test]
fn bad_input_is_refused_naming_the_option_or_field() {
    for (e, shown) in [(0.0, "0"), (1.0, "1"), (1.5, "1.5"), (-0.1, "-0.1")] {
        assert_eq!(
            run(DEMO, &options(100, 1, e)).unwrap_err(),
            format!("--epsilon: expected a probability above 0 and below 1, found {shown}")
        );
    }
    let mut o = options(100, 1, 0.05);
    o.days = Window { from: 5, to: 2 };
    assert_eq!(
        run(DEMO, &o).unwrap_err(),
        "--days: expected FROM..=TO with FROM at most TO, found 5..=2"
    );
    // A window beyond the calendar's range is refused, not a panic in the date arithmetic.
    for (from, to) in [(i64::MIN, i64::MIN), (0, 8_000_000), (-367, 0)] {
        let mut o = options(100, 1, 0.05);
        o.days = Window { from, to };
        assert_eq!(
            run(DEMO, &o).unwrap_err(),
            format!(
                "--days: expected days within 366 days of the planned treatment, found {from}..={to}"
            )
        );
    }
    let mut o = options(100, 1, 0.05);
    o.steps = 0;
    assert!(run(DEMO, &o).unwrap_err().starts_with("--steps: expected"));
    let o = options(10, 1, 0.05);
    assert!(
        run(DEMO, &o)
            .unwrap_err()
            .starts_with("--samples: expected")
    );
    let mut o = options(100, 1, 0.05);
    o.session = Some("1".into());
    assert_eq!(
        run(DEMO, &o).unwrap_err(),
        "case file demo.toml: session \"1\": injections[0] (\"R\") has a delivery record \
         (`injections[0].delivery`); a delivered session is not optimised"
    );
    o.session = Some("3".into());
    assert_eq!(
        run(DEMO, &o).unwrap_err(),
        "--session: the case file demo.toml has no session \"3\"; it has \"1\", \"2\""
    );
    let o = options(100, 1, 0.05);
    let no_goal = DEMO.replace(
        "tumours = [\n  { id = \"T4\", tnr = 3.0 },\n  { id = \"T5\", tnr = 1.8 },\n]\ngoal = { tumour_dose = \"200 Gy\", tumour = \"combined\" }",
        "tumours = [\n  { id = \"T4\", tnr = 3.0 },\n  { id = \"T5\", tnr = 1.8 },\n]\ngoal = { activity = \"1.5 GBq\" }",
    );
    assert_ne!(no_goal, DEMO);
    assert!(
        run(&no_goal, &o)
            .unwrap_err()
            .starts_with("case file demo.toml: session \"2\": expected at least one injection with a tumour-dose goal")
    );
    let no_limit = DEMO
        .replace("whole_liver_ntad_max = \"75 Gy\"", "")
        .replace("lung_session_max = \"30 Gy\"", "")
        .replace("lung_cumulative_max = \"50 Gy\"", "");
    assert!(
        run(&no_limit, &o)
            .unwrap_err()
            .starts_with("case file demo.toml: session \"2\": expected at least one dose limit")
    );
}

/// The site's ε: `optimisation.epsilon` of the settings file, 5 % by default, a probability in
/// (0, 1) or refused naming the key.
#[test]
fn the_site_epsilon_is_read_and_checked() {
    use sirt_settings::SiteSettings;
    assert_eq!(SiteSettings::default().optimisation_epsilon.value(), 0.05);
    let s = SiteSettings::from_toml("[optimisation]\nepsilon = \"10 %\"\n", "site.toml").unwrap();
    assert!((s.optimisation_epsilon.value() - 0.10).abs() < 1e-12);
    for bad in ["0", "1", "150 %", "five"] {
        let e = SiteSettings::from_toml(
            &format!("[optimisation]\nepsilon = \"{bad}\"\n"),
            "site.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("site.toml: optimisation.epsilon: expected"),
            "{bad}: {e}"
        );
        assert!(e.ends_with(&format!("found \"{bad}\"")), "{bad}: {e}");
    }
}

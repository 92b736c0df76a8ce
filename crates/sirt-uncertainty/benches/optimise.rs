//! Speed of the whole optimisation of the bundled demo case (session 2: TheraSphere vials ×
//! calibrations × days 0 to 7, the default 4 000 samples), against its peer measured in the same
//! run: one `propagate` of the plan per candidate with the same samples (what evaluating each
//! candidate by the existing `plan --uncertainty` Monte Carlo would at least cost; its rules are
//! evaluated on every draw, and it does not yet re-plan the candidate's vial).
//!
//! `cargo bench -p sirt-uncertainty --bench optimise`

use sirt_uncertainty::optimise::{DEFAULT_DAYS, DEFAULT_OPTIMISE_SAMPLES, DEFAULT_STEPS};
use sirt_uncertainty::{OptimiseOptions, Options, optimise, propagate, resolve};
use std::time::{Duration, Instant};

/// Repetitions; the median is reported (design choice: 5 damps a noisy shared machine).
const REPEATS: usize = 5;

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

#[allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
fn main() {
    let text = include_str!("../../../examples/demo-net-case.toml");
    let case = sirt_case::parse(text, "demo-net-case.toml").unwrap();
    let devices = sirt_devices::Catalogue::embedded().unwrap();
    let rules = sirt_rules::RuleSet::embedded().unwrap();
    let settings = sirt_settings::SiteSettings::default();
    let plan = sirt_workflow::plan_for_site(&case, &devices, &rules, &settings, "demo").unwrap();
    let spreads = resolve(plan.case.uncertainty.as_ref(), &plan);
    let mc = Options {
        samples: DEFAULT_OPTIMISE_SAMPLES,
        seed: 1,
    };
    let options = OptimiseOptions {
        session: None,
        days: DEFAULT_DAYS,
        epsilon: 0.05,
        steps: DEFAULT_STEPS,
        monte_carlo: mc,
    };
    let mut ours = Vec::new();
    let mut peer = Vec::new();
    let mut candidates = 0;
    for _ in 0..REPEATS {
        let t = Instant::now();
        let r = optimise(&plan, "demo", &spreads, &options).unwrap();
        ours.push(t.elapsed());
        candidates = r.candidates.len();
        assert!(r.best.is_some());
        let t = Instant::now();
        for _ in 0..candidates {
            let p = propagate(&plan, "demo", &rules, &settings, &spreads, mc).unwrap();
            std::hint::black_box(p);
        }
        peer.push(t.elapsed());
    }
    let (ours, peer) = (median(ours), median(peer));
    println!(
        "optimise: demo case session 2, {candidates} candidates x {} samples in {:.3} s ({} threads); \
         peer (propagate x {candidates}, same samples): {:.3} s; ratio {:.2}",
        mc.samples,
        ours.as_secs_f64(),
        sirt_uncertainty::THREADS,
        peer.as_secs_f64(),
        ours.as_secs_f64() / peer.as_secs_f64()
    );
}

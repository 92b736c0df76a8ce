//! Speed of the propagation (issue 18: 10,000 samples of a 5-injection partition plan in under
//! 1 s on 2 cores), against its peer measured in the same run: planning the same case 10,000
//! times from scratch with `sirt_workflow::plan_for_site` on one thread (what a propagation that
//! re-solved every draw would at least cost).
//!
//! `cargo bench -p sirt-uncertainty --bench propagate`

use sirt_uncertainty::{Options, propagate, resolve};
use std::time::{Duration, Instant};

/// The samples of the speed goal.
const SAMPLES: usize = 10_000;
/// Repetitions; the median is reported (design choice: 5 damps a noisy shared machine).
const REPEATS: usize = 5;

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

#[allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
fn main() {
    let text = include_str!("../tests/data/five-injections.toml");
    let case = sirt_case::parse(text, "five-injections.toml").unwrap();
    let devices = sirt_devices::Catalogue::embedded().unwrap();
    let rules = sirt_rules::RuleSet::embedded().unwrap();
    let settings = sirt_settings::SiteSettings::default();
    let plan = sirt_workflow::plan_for_site(&case, &devices, &rules, &settings, "five").unwrap();
    assert_eq!(plan.injections.len(), 5);
    let spreads = resolve(None, &plan);
    let options = Options {
        samples: SAMPLES,
        seed: 1,
    };
    let mut ours = Vec::new();
    let mut peer = Vec::new();
    for _ in 0..REPEATS {
        let t = Instant::now();
        let p = propagate(&plan, "five", &rules, &settings, &spreads, options).unwrap();
        ours.push(t.elapsed());
        assert!(!p.checks.is_empty());
        let t = Instant::now();
        for _ in 0..SAMPLES {
            let again = sirt_workflow::plan_for_site(&case, &devices, &rules, &settings, "five");
            std::hint::black_box(again.unwrap());
        }
        peer.push(t.elapsed());
    }
    let (ours, peer) = (median(ours), median(peer));
    println!(
        "propagate: {SAMPLES} samples of a 5-injection partition plan in {:.3} s ({} threads); \
         peer (plan_for_site x {SAMPLES}, 1 thread): {:.3} s; ratio {:.2}",
        ours.as_secs_f64(),
        sirt_uncertainty::THREADS,
        peer.as_secs_f64(),
        ours.as_secs_f64() / peer.as_secs_f64()
    );
}

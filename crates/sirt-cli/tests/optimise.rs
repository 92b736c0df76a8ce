//! `sirtplan optimise`: the demo case's text (snapshots, English and French), its JSON (no null
//! key, the best feasible and on the front, ε from the option or the site file), and bad input
//! refused with exit code 2 naming the option or field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sirtplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run sirtplan")
}

fn ok(args: &[&str]) -> String {
    let o = sirtplan(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    String::from_utf8(o.stdout).unwrap()
}

fn refused(args: &[&str]) -> String {
    let o = sirtplan(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}");
    assert!(o.stdout.is_empty(), "nothing printed on stdout");
    String::from_utf8(o.stderr).unwrap()
}

const CASE: &str = "examples/demo-net-case.toml";

#[test]
fn optimise_text() {
    let text = ok(&["optimise", CASE, "--samples", "1000", "--seed", "1"]);
    insta::assert_snapshot!(text);
}

#[test]
fn optimise_text_fr() {
    let text = ok(&[
        "optimise",
        CASE,
        "--samples",
        "1000",
        "--seed",
        "1",
        "--lang",
        "fr",
    ]);
    insta::assert_snapshot!(text);
}

fn no_null(v: &Value, path: &str) {
    match v {
        Value::Null => panic!("{path} is null"),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| no_null(x, &format!("{path}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(n, x)| no_null(x, &format!("{path}[{n}]"))),
        _ => {}
    }
}

#[test]
fn optimise_json() {
    let j: Value = serde_json::from_str(&ok(&[
        "optimise",
        CASE,
        "--samples",
        "500",
        "--seed",
        "2",
        "--format",
        "json",
        "--days",
        "-1..=3",
    ]))
    .unwrap();
    no_null(&j, "");
    assert_eq!(j["session"], "2");
    assert_eq!(j["epsilon"], 0.05);
    assert_eq!(j["epsilon_source"], "site_settings");
    assert_eq!(j["days"]["from"], -1);
    assert_eq!(j["goals"][0]["injection"], "L");
    assert_eq!(j["goals"][0]["dose_gy"], 200.0);
    let limits: Vec<&str> = j["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["limit"].as_str().unwrap())
        .collect();
    assert_eq!(
        limits,
        [
            "whole_liver_ntad_max",
            "lung_session_max",
            "lung_cumulative_max"
        ]
    );
    let best = &j["best"];
    assert_eq!(best["feasible"], true);
    assert!(best["p_limit_exceeded"].as_f64().unwrap() <= 0.05);
    let front = j["pareto_front"].as_array().unwrap();
    assert!(front.contains(best), "the best is on the front");
    let l = &best["injections"][0];
    assert_eq!(l["device"], "therasphere");
    assert_eq!(l["ordering"], "vials");
    // A whole glass vial: the activity at injection less the demo's 3 % residual.
    let (vial, given) = (
        l["vial_at_injection_gbq"].as_f64().unwrap(),
        l["administered_gbq"].as_f64().unwrap(),
    );
    assert!((given / vial - 0.97).abs() < 1e-12);
    assert!(l.get("fraction_drawn").is_none(), "absent for a whole vial");
    assert!(l["spheres"].as_f64().unwrap() > 1e6);
    let day = best["day"].as_i64().unwrap();
    assert!((-1..=3).contains(&day));
}

#[test]
fn epsilon_from_the_option_and_the_site_file() {
    let j: Value = serde_json::from_str(&ok(&[
        "optimise",
        CASE,
        "--samples",
        "200",
        "--format",
        "json",
        "--epsilon",
        "2%",
    ]))
    .unwrap();
    assert_eq!(j["epsilon"], 0.02);
    assert_eq!(j["epsilon_source"], "option");
    let dir = std::env::temp_dir().join(format!("sirtplan-optimise-site-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let site = dir.join("site.toml");
    std::fs::write(&site, "[optimisation]\nepsilon = \"10 %\"\n").unwrap();
    let out = ok(&[
        "optimise",
        CASE,
        "--samples",
        "200",
        "--format",
        "json",
        "--site",
        site.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["epsilon"], 0.1);
    assert_eq!(j["epsilon_source"], "site_settings");
}

#[test]
fn optimise_refusals() {
    let e = refused(&["optimise", CASE, "--epsilon", "0"]);
    assert_eq!(
        e,
        "error: --epsilon: expected a probability above 0 and below 1, found 0\n"
    );
    let e = refused(&["optimise", CASE, "--epsilon", "1.5"]);
    assert!(e.contains("found 1.5"), "{e}");
    let e = refused(&["optimise", CASE, "--days", "5..=2"]);
    assert_eq!(
        e,
        "error: --days: expected FROM..=TO with FROM at most TO, found 5..=2\n"
    );
    let e = refused(&["optimise", CASE, "--days", "0..7"]);
    assert!(e.contains("--days") && e.contains("found \"0..7\""), "{e}");
    let e = refused(&["optimise", CASE, "--session", "1"]);
    assert!(
        e.contains("session \"1\": injections[0] (\"R\") has a delivery record"),
        "{e}"
    );
    let e = refused(&["optimise", "no-such-case.toml"]);
    assert!(e.contains("cannot read no-such-case.toml"), "{e}");
}

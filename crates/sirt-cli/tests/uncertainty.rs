//! `--uncertainty`: the analytic demo's JSON gives `interval_gy` on every predicted dose and
//! `probability_met` on every dose check (never null), the report's section in English and
//! French (snapshots), the seed reproduces, bad sample counts are refused naming the flag.

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

/// Every key `key` in the JSON, with its path; fails on a null one.
fn find<'a>(v: &'a Value, key: &str, path: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == key {
                    assert!(!x.is_null(), "{path}.{k} is null");
                    out.push((format!("{path}.{k}"), x));
                }
                find(x, key, format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (n, x) in a.iter().enumerate() {
                find(x, key, format!("{path}[{n}]"), out);
            }
        }
        _ => {}
    }
}

fn interval_ok(i: &Value) -> bool {
    let (a, b, c) = (i["p5"].as_f64(), i["p50"].as_f64(), i["p95"].as_f64());
    matches!((a, b, c), (Some(a), Some(b), Some(c)) if 0.0 <= a && a <= b && b <= c)
}

#[test]
fn demo_json_has_intervals_and_probabilities() {
    let j: Value = serde_json::from_str(&ok(&[
        "demo",
        "--analytic",
        "--uncertainty",
        "--format",
        "json",
    ]))
    .unwrap();
    // Every predicted dose of the plan (at the prescription, with the ordered vial, per
    // session) has its interval beside it.
    for inj in j["injections"].as_array().unwrap() {
        for o in [inj, &inj["with_ordered_vial"]] {
            for k in [
                "normal_liver_gy",
                "perfused_gy",
                "lung_gy",
                "tumours_combined_gy",
            ] {
                assert!(
                    interval_ok(&o["interval_gy"][k]),
                    "{k}: {}",
                    o["interval_gy"]
                );
            }
            for t in o["tumour_gy"].as_array().unwrap() {
                assert!(interval_ok(&t["interval_gy"]), "{t}");
            }
        }
        // Delivered doses are measured, not predicted: no interval.
        assert!(inj["delivered"].is_null() || inj["delivered"].get("interval_gy").is_none());
    }
    for s in j["sessions"].as_array().unwrap() {
        for k in [
            "whole_liver_ntad_gy",
            "lung_gy_1kg_convention",
            "cumulative_lung_gy_1kg_convention",
        ] {
            assert!(interval_ok(&s["interval_gy"][k]), "{k}: {s}");
        }
        for t in s["tumour_gy"].as_array().unwrap() {
            assert!(interval_ok(&t["interval_gy"]), "{t}");
        }
    }
    let mut found = Vec::new();
    find(&j, "interval_gy", String::new(), &mut found);
    assert!(found.len() >= 20, "{}", found.len());
    // Every dose check of the partition basis has its probability; others have no key.
    let checks = j["checks"].as_array().unwrap();
    for c in checks {
        let dose = c["unit"] == "Gy" || c["rule"] == "therasphere-lung-activity";
        let partition = c["basis"] == "partition";
        match c.get("probability_met") {
            Some(p) => {
                let p = p.as_f64().unwrap();
                assert!(partition && (0.0..=1.0).contains(&p), "{c}");
            }
            None => assert!(
                !(dose && partition && c["value"].is_number()),
                "missing: {c}"
            ),
        }
    }
    assert!(checks.iter().any(|c| {
        c["rule"] == "net-glass-tad-min"
            && c["probability_met"]
                .as_f64()
                .is_some_and(|p| p > 0.0 && p < 1.0)
    }));
    let mut nulls = Vec::new();
    find(&j, "probability_met", String::new(), &mut nulls);
    // The model, its samples and seed, and the defaults used are named.
    let u = &j["uncertainty"];
    assert_eq!(u["samples"], 20000);
    assert_eq!(u["seed"], 20260305);
    assert_eq!(u["maa_discrepancy"], "smits2020-lesion");
    let defaults: Vec<&str> = u["defaults_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        defaults.contains(&"residual_sd") && !defaults.contains(&"lsf_sd"),
        "{defaults:?}"
    );
}

/// The uncertainty section of the text report, from its heading to the next level-1 heading.
fn section(text: &str, heading: &str) -> String {
    let start = text.find(&format!("{heading}\n")).unwrap();
    let rest = &text[start..];
    let end = rest
        .match_indices("\n\n")
        .map(|(n, _)| n + 2)
        .find(|&n| {
            rest[n..]
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("===="))
        })
        .unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[test]
fn report_section_in_english_and_french() {
    let args = [
        "demo",
        "--analytic",
        "--uncertainty",
        "--samples",
        "2000",
        "--seed",
        "7",
    ];
    let en = ok(&args);
    let en_section = section(&en, "Uncertainty");
    assert!(en_section.contains("Defaults used"), "{en_section}");
    insta::assert_snapshot!("uncertainty_section_en", en_section);
    let mut fr_args = args.to_vec();
    fr_args.extend(["--lang", "fr"]);
    let fr = ok(&fr_args);
    let fr_section = section(&fr, "Incertitude");
    assert!(
        fr_section.contains("Valeurs par défaut utilisées"),
        "{fr_section}"
    );
    insta::assert_snapshot!("uncertainty_section_fr", fr_section);
    // Without --uncertainty the report has no such section.
    assert!(!ok(&["demo", "--analytic"]).contains("\nUncertainty\n"));
}

#[test]
fn seed_reproduces_and_bad_counts_are_refused() {
    let args = [
        "demo",
        "--analytic",
        "--uncertainty",
        "--samples",
        "500",
        "--format",
        "json",
    ];
    let mut a = args.to_vec();
    a.extend(["--seed", "3"]);
    assert_eq!(ok(&a), ok(&a));
    let mut b = args.to_vec();
    b.extend(["--seed", "4"]);
    assert_ne!(ok(&a), ok(&b));
    let o = sirtplan(&["demo", "--analytic", "--uncertainty", "--samples", "5"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--samples") && err.contains("found 5"),
        "{err}"
    );
    let o = sirtplan(&["demo", "--analytic", "--seed", "5"]);
    assert_eq!(o.status.code(), Some(2), "--seed needs --uncertainty");
}

//! The follow-up commands end to end on the examples (`examples/demo-recist.toml`,
//! `examples/demo-patient.toml`, `examples/demo-registry.csv`): text snapshots, JSON keys,
//! exit codes and the exact error messages, the Kaplan–Meier SVG, and one number or more per
//! command against a source other than this code:
//!
//! * `recist`: sums, percentage changes and best responses worked out by hand from the file;
//! * `eligibility`: Child-Pugh points and ALBI (Johnson 2015) by hand from the record;
//! * `labs`: the CTCAE v5.0 ALT grade by hand (× ULN);
//! * `cohort`: lifelines 0.30.3 (KM medians and their intervals, log-rank χ², Cox with Efron ties),
//!   a NumPy Newton solve (logistic) and SciPy's Mann–Whitney U (AUC), run from the test by
//!   `tests/data/followup_peer.py`; when python3 with lifelines is missing the peer test prints a
//!   note and passes unless `SIRTPLAN_REQUIRE_PEERS` is set. The numbers at risk are counted
//!   from the CSV here, and the SVG is compared with sirt-survival called directly.

// Scenario tests read as one story; their length is allowed (test code only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::too_many_lines
)]

mod scratch;
#[path = "../../sirt-survival/tests/common/mod.rs"]
mod survival_data;
use survival_data::{read_binary_csv, read_cohort_csv};

use scratch::Scratch;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Runs the binary in `dir`, so that file names in the output are the relative names given.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run sirtplan")
}

fn sirtplan(args: &[&str]) -> Output {
    run_in(&examples(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok_text(args: &[&str]) -> String {
    let o = sirtplan(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&ok_text(&all)).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, found {v}"))
}

fn temp_dir(name: &str) -> Scratch {
    Scratch::new("sirtplan-followup-test", name)
}

fn require_peers() -> bool {
    std::env::var("SIRTPLAN_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

const OS: [&str; 6] = [
    "--duration",
    "os_months",
    "--unit",
    "months",
    "--event",
    "death",
];

fn cohort(cmd: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = vec!["cohort".into(), cmd.into(), "demo-registry.csv".into()];
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn examples_are_the_crates_copies_and_the_registry_its_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (copy, original) in [
        (
            "examples/demo-recist.toml",
            "crates/sirt-recist/tests/data/demo-recist.toml",
        ),
        (
            "examples/demo-patient.toml",
            "crates/sirt-clinical/examples/patient-net-g2.toml",
        ),
    ] {
        assert_eq!(
            std::fs::read_to_string(root.join(copy)).unwrap(),
            std::fs::read_to_string(root.join(original)).unwrap(),
            "{copy} differs from {original}"
        );
    }
    // The registry is the output of its documented seeded rule (standard-library Python).
    let generated = Command::new("python3")
        .arg(examples().join("demo-registry.py"))
        .output();
    match generated {
        Ok(o) if o.status.success() => assert_eq!(
            String::from_utf8(o.stdout).unwrap(),
            std::fs::read_to_string(examples().join("demo-registry.csv")).unwrap(),
            "examples/demo-registry.csv is not the output of examples/demo-registry.py"
        ),
        _ => {
            assert!(
                !require_peers(),
                "python3 is required (SIRTPLAN_REQUIRE_PEERS=1)"
            );
            eprintln!("python3 not available: demo-registry.csv not regenerated");
        }
    }
}

#[test]
fn text_snapshots() {
    insta::assert_snapshot!("recist_text", ok_text(&["recist", "demo-recist.toml"]));
    insta::assert_snapshot!(
        "recist_text_confirmation_required",
        ok_text(&["recist", "demo-recist.toml", "--confirmation", "required"])
    );
    insta::assert_snapshot!(
        "eligibility_text",
        ok_text(&["eligibility", "demo-patient.toml"])
    );
    insta::assert_snapshot!("labs_text", ok_text(&["labs", "demo-patient.toml"]));
    let runs: [Vec<String>; 6] = [
        cohort(
            "km",
            &[
                &OS[..],
                &["--group", "group", "--risk-times", "0,12,24,36,48"],
            ]
            .concat(),
        ),
        cohort(
            "km",
            &[
                "--duration",
                "pfs_months",
                "--unit",
                "months",
                "--event",
                "progression",
                "--ci",
                "log",
                "--median-rule",
                "midpoint-of-flat",
                "--alpha",
                "0.1",
            ],
        ),
        cohort("logrank", &[&OS[..], &["--group", "group"]].concat()),
        cohort(
            "cox",
            &[&OS[..], &["--covariate", "tumour_dose_gy,age,ki67"]].concat(),
        ),
        cohort(
            "logistic",
            &["--response", "response", "--covariate", "tumour_dose_gy"],
        ),
        cohort(
            "roc",
            &[
                "--response",
                "response",
                "--score",
                "tumour_dose_gy",
                "--score-label",
                "tumour absorbed dose (Gy)",
            ],
        ),
    ];
    let mut all = String::new();
    for args in &runs {
        let args = strs(args);
        all.push_str(&format!(
            "$ sirtplan {}\n{}\n",
            args.join(" "),
            ok_text(&args)
        ));
    }
    insta::assert_snapshot!("cohort_text", all);
}

/// Hand derivation from examples/demo-recist.toml (RECIST 1.1): baseline sum 42.0 + 31.5 + 18.0
/// = 91.5 mm; 2025-03-17: 30.1 + 22.0 + 12.0 = 64.1 mm, −27.4 / 91.5 = −29.945 % → −29.9 % (SD,
/// short of −30 %); 2025-05-19: 27.0 + 20.0 + 9.0 = 56.0 mm, −35.5 / 91.5 = −38.80 % (PR).
/// Best response without confirmation: PR on 2025-05-19. With confirmation the PR needs a CR or
/// PR at least 28 days later; the next visit is NE and the one after PD (new lesion), so it stays
/// unconfirmed and counts as SD; the first SD at least 42 days after the treatment start
/// (2025-01-20) is 2025-03-17 (day 56).
#[test]
fn recist_json_and_hand_values() {
    let v = json(&["recist", "demo-recist.toml"]);
    for key in [
        "file",
        "patient",
        "params",
        "reference_date",
        "findings",
        "global",
        "hepatic",
        "series",
        "research_notice",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let g = &v["global"];
    assert_eq!(g["baseline_sum_tenth_mm"], 915);
    let tp = &g["time_points"];
    assert_eq!(tp[0]["sum_tenth_mm"], 641);
    assert_eq!(tp[0]["change_from_baseline_tenth_pct"], -299);
    assert_eq!(tp[0]["target"], "SD");
    assert_eq!(tp[1]["sum_tenth_mm"], 560);
    assert_eq!(tp[1]["change_from_baseline_tenth_pct"], -388);
    assert_eq!(tp[1]["target"], "PR");
    assert_eq!(g["best"]["response"], "PR");
    assert_eq!(g["best"]["date"], "2025-05-19");
    assert_eq!(v["params"]["confirmation_required"], false);

    let c = json(&["recist", "demo-recist.toml", "--confirmation", "required"]);
    assert_eq!(c["params"]["confirmation_required"], true);
    assert_eq!(c["global"]["best"]["response"], "SD");
    assert_eq!(c["global"]["best"]["date"], "2025-03-17");

    // The file's [protocol] table overrides the options: it says "RECIST 1.1", so --criteria
    // choi is overridden; a file that sets confirmation_required = true wins over the default.
    let o = json(&["recist", "demo-recist.toml", "--criteria", "choi"]);
    assert_eq!(o["params"]["criteria"], "RECIST 1.1");
    let dir = temp_dir("recist-protocol");
    let text = std::fs::read_to_string(examples().join("demo-recist.toml")).unwrap();
    let text = text.replace(
        "# confirmation_required = false",
        "confirmation_required = true",
    );
    std::fs::write(dir.join("confirm.toml"), text).unwrap();
    let o = run_in(&dir, &["recist", "confirm.toml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(o["params"]["confirmation_required"], true);
    assert_eq!(o["global"]["best"]["response"], "SD");
    // Options the file leaves to the caller are taken.
    let o = json(&[
        "recist",
        "demo-recist.toml",
        "--sd-min-days",
        "56",
        "--too-small-mm",
        "4.5",
        "--max-ne-between",
        "2",
        "--accept-sd-between",
        "--min-confirmation-days",
        "30",
        "--max-targets",
        "4",
        "--max-targets-per-organ",
        "3",
    ]);
    let p = &o["params"];
    assert_eq!(p["sd_min_days"], 56);
    assert_eq!(p["too_small_tenth_mm"], 45);
    assert_eq!(p["max_ne_between"], 2);
    assert_eq!(p["accept_sd_between"], true);
    assert_eq!(p["min_confirmation_days"], 30);
    assert_eq!(p["max_targets"], 4);
    assert_eq!(p["max_targets_per_organ"], 3);
}

/// `sirtplan recist` on non-target disease only, with the baseline scan on the treatment day
/// and a lesion not done: RECIST 1.1 Table 2 (non-CR/non-PD, never SD), the unconfirmed CR
/// counting as non-CR/non-PD with confirmation required, and the JSON's `unassessed` cause.
#[test]
fn recist_non_target_only_through_the_cli() {
    let dir = temp_dir("non-target-only");
    std::fs::write(
        dir.join("nt.toml"),
        r#"schema = "sirtplan-recist/1"
patient = "NT-ONLY"
treatment_start = "2025-01-06"

[[lesions]]
id = "NT1"
kind = "non-target"
organ = "liver"

[[lesions]]
id = "NT2"
kind = "non-target"
organ = "bone"

[baseline]
date = "2025-01-06"
modality = "CT"
slice_thickness_mm = 2.5

[[follow_up]]
date = "2025-03-03"
modality = "CT"
slice_thickness_mm = 2.5
measurements = [
  { lesion = "NT1", status = "non-CR/non-PD" },
  { lesion = "NT2", status = "not done" },
]

[[follow_up]]
date = "2025-04-14"
modality = "CT"
slice_thickness_mm = 2.5
measurements = [
  { lesion = "NT1", status = "CR" },
  { lesion = "NT2", status = "CR" },
]
"#,
    )
    .unwrap();
    let o = run_in(
        &dir,
        &[
            "recist",
            "nt.toml",
            "--confirmation",
            "required",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let g = &v["global"];
    assert_eq!(g["disease"], "non-target only");
    assert_eq!(
        v["findings"],
        json!([]),
        "baseline on the treatment day: no warning"
    );
    assert_eq!(g["time_points"][0]["overall"], "NE");
    assert_eq!(
        g["time_points"][0]["unassessed"],
        json!([{"lesion": "NT2", "kind": "non-target", "cause": "not done"}])
    );
    assert_eq!(g["time_points"][1]["overall"], "CR");
    assert_eq!(g["best"]["response"], "non-CR/non-PD");
    assert_eq!(g["best_unconfirmed"]["response"], "CR");
    assert_eq!(v["hepatic"]["time_points"][0]["overall"], "non-CR/non-PD");
}

/// Hand values from examples/demo-patient.toml (labs of 2026-02-09): bilirubin 0.7 mg/dL
/// (< 2: 1 point), albumin 41 g/L (> 35: 1), INR 1.0 (< 1.7: 1), no ascites (1), no
/// encephalopathy (1): Child-Pugh A5. ALBI (Johnson 2015) = 0.66 log10(0.7 × 17.104 µmol/L)
/// − 0.085 × 41 g/L = −2.77339, grade 1 (≤ −2.60).
#[test]
fn eligibility_json_and_hand_values() {
    let v = json(&["eligibility", "demo-patient.toml"]);
    for key in [
        "patient_id",
        "file",
        "assessment_date",
        "grade",
        "labs_used",
        "scores",
        "checks",
        "summary",
        "research_notice",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let cp = &v["scores"]["child_pugh"]["value"];
    assert_eq!(cp["class"], "A");
    assert_eq!(cp["total"], 5);
    let albi = 0.66 * (0.7f64 * 17.104).log10() - 0.085 * 41.0;
    let got = f(&v["scores"]["albi"]["value"]["score"]);
    assert!((got - albi).abs() < 1e-12, "ALBI {got} vs {albi}");
    assert_eq!(v["scores"]["albi"]["value"]["grade"], "1");
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "ci-bilirubin")
        .unwrap();
    for key in ["rule", "status", "value", "threshold", "unit", "source"] {
        assert!(!check[key].is_null(), "check key {key}");
    }
    assert_eq!(check["status"], "pass");

    // A site file: disable one rule, tighten another.
    let dir = temp_dir("site-rules");
    std::fs::write(
        dir.join("site.toml"),
        r#"
[[rule]]
id = "rci-biliary"
enabled = false

[[rule]]
id = "ci-bilirubin"
group = "contraindication"
title = "Site: serum bilirubin at most 0.5 mg/dL"
quantity = "bilirubin"
comparison = "<="
threshold = "0.5 mg/dL"
on_violation = "fail"
source = "site protocol (test)"
evidence = "[site]"
"#,
    )
    .unwrap();
    let patient = examples().join("demo-patient.toml");
    let o = run_in(
        &dir,
        &[
            "eligibility",
            patient.to_str().unwrap(),
            "--rules",
            "site.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let checks = s["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["rule"] != "rci-biliary"));
    let bili = checks.iter().find(|c| c["rule"] == "ci-bilirubin").unwrap();
    assert_eq!(bili["status"], "fail");
    assert_eq!(bili["source"], "site protocol (test)");
    assert_eq!(s["summary"]["fail"], 1);
    assert_eq!(s["summary"]["warn"], 0);
}

/// CTCAE v5.0 "Alanine aminotransferase increased" with a normal baseline (38 U/L, ULN 45):
/// 140 U/L = 3.11 × ULN, in (3, 5] × ULN: grade 2; 50 U/L = 1.11 × ULN: grade 1.
#[test]
fn labs_json_and_hand_values() {
    let v = json(&["labs", "demo-patient.toml"]);
    for key in [
        "patient_id",
        "file",
        "version",
        "treatment_date",
        "anticoagulated",
        "tracks",
        "reild",
        "braat",
        "research_notice",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["version"], "5.0");
    let alt = v["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "alt_increased")
        .unwrap();
    assert_eq!(alt["baseline_grade"]["grade"], 0);
    assert_eq!(alt["worst_after"]["grade"], 2);
    assert_eq!(alt["worst_after"]["value"], "140 U/L");
    assert_eq!(alt["worst_after"]["day"], 28);
    let last = alt["points"].as_array().unwrap().last().unwrap();
    assert_eq!(last["value"], "50 U/L");
    assert_eq!(last["grade"]["grade"], 1);
    // CTCAE v5.0 "Alkaline phosphatase increased", baseline 148 U/L above the ULN 120: grade 1
    // is 2.0–2.5 × baseline (296–370 U/L); 290 and 160 U/L lie between the ULN and 296, where
    // CTCAE v5.0 gives no grade: "not gradable" with its cause, no grade (not G0).
    let alp = v["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "alp_increased")
        .unwrap();
    assert_eq!(alp["baseline_grade"]["grade"], 1);
    assert!(alp["worst_after"].is_null());
    assert_eq!(alp["not_gradable_after"], 2);
    for p in alp["points"].as_array().unwrap().iter().skip(2) {
        assert_eq!(p["grade"]["status"], "not_gradable", "{p}");
        assert_eq!(p["grade"]["cause"], "below_abnormal_baseline_grade1", "{p}");
        assert!(p["grade"].get("grade").is_none(), "{p}");
    }
    // "5", "v5.0" and the default are the same version.
    assert_eq!(json(&["labs", "demo-patient.toml", "--ctcae", "v5"]), v);
}

/// Subjects at risk (duration ≥ t) counted from the CSV, per group.
fn at_risk_from_csv(t: f64, group: &str) -> usize {
    let text = std::fs::read_to_string(examples().join("demo-registry.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (ig, id) = (col("group"), col("os_months"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[ig] == group && r[id].parse::<f64>().unwrap() >= t)
        .count()
}

/// Minimal XML well-formedness: every tag closed in order, one root `<svg>`, text without a
/// raw `<` or an `&` that is not an entity.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg "), "does not start with <svg");
    assert!(
        svg.trim_end().ends_with("</svg>"),
        "does not end with </svg>"
    );
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    let mut roots = 0;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        for (k, _) in text.match_indices('&') {
            let entity = &text[k..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "raw & in text: {text}"
            );
        }
        let after = &rest[i + 1..];
        let end = after.find('>').expect("unclosed tag");
        let tag = &after[..end];
        assert!(!tag.contains('<'), "< inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap().to_owned();
            if stack.is_empty() {
                roots += 1;
            }
            stack.push(name);
        } else if stack.is_empty() {
            roots += 1;
        }
        rest = &after[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert_eq!(roots, 1, "one root element");
}

#[test]
fn km_svg_is_whole_well_formed_and_has_the_numbers_at_risk() {
    let dir = temp_dir("svg");
    let csv = examples().join("demo-registry.csv");
    let times = [0.0, 12.0, 24.0, 36.0, 48.0];
    let args = [
        "cohort",
        "km",
        csv.to_str().unwrap(),
        "--duration",
        "os_months",
        "--unit",
        "months",
        "--event",
        "death",
        "--group",
        "group",
        "--svg",
        "plots/km.svg",
        "--risk-times",
        "0,12,24,36,48",
        "--band",
        "--title",
        "Overall survival after SIRT (synthetic) <demo> & co",
    ];
    // The folder does not exist: exit 2, the file named, nothing written.
    let o = run_in(&dir, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--svg: cannot write plots/km.svg"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
    assert!(!dir.join("plots").exists());
    std::fs::create_dir(dir.join("plots")).unwrap();
    let o = run_in(&dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Kaplan-Meier plot written to plots/km.svg"));
    let svg = std::fs::read_to_string(dir.join("plots/km.svg")).unwrap();
    assert_well_formed(&svg);
    assert!(svg.contains("Number at risk"));
    assert!(svg.contains("Time (months)"));
    assert!(svg.contains("&lt;demo&gt; &amp; co"));
    // Only the plot in the folder: no temporary file left.
    let names: Vec<_> = std::fs::read_dir(dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["km.svg"]);
    // The numbers at risk under the plot, counted from the CSV.
    for group in ["glass", "resin"] {
        let row_start = svg
            .find(&format!(">{group}</text>\n"))
            .unwrap_or_else(|| panic!("no at-risk row for {group}"));
        let row: Vec<usize> = svg[row_start..]
            .lines()
            .skip(1)
            .take(times.len())
            .map(|l| {
                let v = l.split('>').nth(1).unwrap().split('<').next().unwrap();
                v.parse().unwrap()
            })
            .collect();
        let expected: Vec<usize> = times.iter().map(|&t| at_risk_from_csv(t, group)).collect();
        assert_eq!(row, expected, "{group}");
    }
    // The same bytes as sirt-survival called directly with the same options.
    let columns =
        sirt_survival::CohortColumns::new("os_months", "death", sirt_survival::TimeUnit::Months)
            .with_group("group");
    let c = read_cohort_csv(&csv, &columns).unwrap();
    let report = sirt_survival::kaplan_meier(&c, &sirt_survival::KmOptions::default()).unwrap();
    let direct = sirt_survival::render_km_svg(
        &report,
        &sirt_survival::KmPlotOptions {
            show_ci: true,
            risk_times: Some(times.to_vec()),
            title: Some("Overall survival after SIRT (synthetic) <demo> & co".into()),
        },
    );
    assert_eq!(svg, direct);

    // A failed write keeps what was there: the target is a folder, the rename fails.
    std::fs::create_dir(dir.join("plots/folder.svg")).unwrap();
    let mut bad = args.to_vec();
    bad[12] = "plots/folder.svg";
    let o = run_in(&dir, &bad);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--svg: cannot write plots/folder.svg"));
    let mut names: Vec<_> = std::fs::read_dir(dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["folder.svg", "km.svg"]);
    // An input error stops before the plot is written.
    let mut bad = args.to_vec();
    bad[4] = "os_month";
    bad[12] = "plots/never.svg";
    let o = run_in(&dir, &bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.join("plots/never.svg").exists());
}

#[test]
fn cohort_json_keys_and_the_library_called_directly() {
    let km = json(&strs(&cohort(
        "km",
        &[&OS[..], &["--risk-times", "0,12"]].concat(),
    )));
    for key in [
        "groups",
        "time_unit",
        "source",
        "at_risk",
        "svg",
        "dropped_lines",
        "research_notice",
    ] {
        assert!(km.get(key).is_some(), "km: missing {key}");
    }
    assert_eq!(km["time_unit"], "months");
    let curve = &km["groups"][0]["curve"];
    for key in ["n", "events", "options", "z", "rows", "median"] {
        assert!(curve.get(key).is_some(), "km curve: missing {key}");
    }
    assert_eq!(km["at_risk"]["groups"][0][1][0], 60);
    let lr = json(&strs(&cohort(
        "logrank",
        &[&OS[..], &["--group", "group"]].concat(),
    )));
    for key in [
        "chi2",
        "df",
        "p_value",
        "groups",
        "km_medians",
        "research_notice",
    ] {
        assert!(lr.get(key).is_some(), "logrank: missing {key}");
    }
    let cox = json(&strs(&cohort(
        "cox",
        &[
            &OS[..],
            &["--covariate", "tumour_dose_gy", "--covariate", "age,ki67"],
        ]
        .concat(),
    )));
    for key in [
        "coefficients",
        "log_likelihood",
        "likelihood_ratio",
        "wald",
        "concordance",
        "ties",
        "research_notice",
    ] {
        assert!(cox.get(key).is_some(), "cox: missing {key}");
    }
    for key in [
        "name",
        "coef",
        "se",
        "hazard_ratio",
        "hr_lower",
        "hr_upper",
        "p_value",
    ] {
        assert!(
            cox["coefficients"][0].get(key).is_some(),
            "cox coef: missing {key}"
        );
    }
    let breslow = json(&strs(&cohort(
        "cox",
        &[
            &OS[..],
            &[
                "--covariate",
                "tumour_dose_gy,age,ki67",
                "--ties",
                "breslow",
            ],
        ]
        .concat(),
    )));
    assert_eq!(breslow["ties"], "breslow");
    let logit = json(&strs(&cohort(
        "logistic",
        &["--response", "response", "--covariate", "tumour_dose_gy"],
    )));
    for key in [
        "coefficients",
        "likelihood_ratio",
        "n",
        "positives",
        "research_notice",
    ] {
        assert!(logit.get(key).is_some(), "logistic: missing {key}");
    }
    assert_eq!(logit["coefficients"][0]["name"], "(intercept)");
    let roc = json(&strs(&cohort(
        "roc",
        &["--response", "response", "--score", "tumour_dose_gy"],
    )));
    for key in [
        "auc",
        "youden",
        "points",
        "positives",
        "negatives",
        "research_notice",
    ] {
        assert!(roc.get(key).is_some(), "roc: missing {key}");
    }

    // The same numbers from sirt-survival called directly.
    use sirt_survival::*;
    let csv = examples().join("demo-registry.csv");
    let cols = CohortColumns::new("os_months", "death", TimeUnit::Months);
    let c = read_cohort_csv(&csv, &cols.clone().with_group("group")).unwrap();
    let direct = logrank(&c).unwrap();
    // serde_json reads floats to within an ulp or two, not always exactly.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs().max(1.0);
    assert!(close(f(&lr["chi2"]), direct.chi2));
    let c = read_cohort_csv(&csv, &cols).unwrap();
    let report = kaplan_meier(&c, &KmOptions::default()).unwrap();
    assert!(close(
        f(&km["groups"][0]["curve"]["median"]["median"]["time"]),
        report.groups[0].curve.median.median.time().unwrap()
    ));
    let c = read_cohort_csv(
        &csv,
        &cols.with_covariates(&["tumour_dose_gy", "age", "ki67"]),
    )
    .unwrap();
    let fit = sirt_survival::cox(
        &c,
        &CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        },
    )
    .unwrap();
    assert!(close(
        f(&breslow["coefficients"][2]["coef"]),
        fit.coefficients[2].coef
    ));
    let b = read_binary_csv(
        &csv,
        &BinaryColumns {
            response: "response".into(),
            covariates: vec!["tumour_dose_gy".into()],
            missing: MissingValues::Reject,
        },
    )
    .unwrap();
    let scores: Vec<f64> = b.covariates().iter().map(|r| r[0]).collect();
    let r = sirt_survival::roc(&scores, b.responses(), PositiveSide::HigherScore).unwrap();
    assert!(close(f(&roc["auc"]), r.auc));
}

/// lifelines 0.30.3, NumPy and SciPy on examples/demo-registry.csv (tests/data/followup_peer.py).
#[test]
fn cohort_matches_lifelines() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/followup_peer.py");
    let probe = Command::new("python3").arg(&script).arg("probe").output();
    if !matches!(&probe, Ok(o) if o.status.success()) {
        assert!(
            !require_peers(),
            "python3 with lifelines 0.30.3 is required (SIRTPLAN_REQUIRE_PEERS=1)"
        );
        eprintln!("lifelines 0.30.3 not available: peer check skipped");
        return;
    }
    let out = Command::new("python3")
        .arg(&script)
        .arg("run")
        .arg(examples().join("demo-registry.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peer: Value = serde_json::from_slice(&out.stdout).unwrap();

    // KM medians and their intervals (exact: they are observed times). Where the curve lies
    // exactly on 0.5 (PFS of all patients: 30 events among 60, no censoring, at 9.5 months)
    // lifelines' float product gives 0.5000000000000002 and its median is the next event time
    // (10.2); "first time S <= 0.5" in exact arithmetic is 9.5, which sirtplan gives (see
    // pfs_median_on_an_exact_half_by_hand).
    let mut flats = 0;
    let estimate = |v: &Value| -> Option<f64> {
        match v["status"].as_str().unwrap() {
            "reached" => Some(f(&v["time"])),
            _ => None,
        }
    };
    for (key, duration, event) in [
        ("km_os", "os_months", "death"),
        ("km_pfs", "pfs_months", "progression"),
    ] {
        let base = ["--duration", duration, "--unit", "months", "--event", event];
        let all = json(&strs(&cohort("km", &base)));
        let grouped = json(&strs(&cohort(
            "km",
            &[&base[..], &["--group", "group"]].concat(),
        )));
        let groups = all["groups"]
            .as_array()
            .unwrap()
            .iter()
            .chain(grouped["groups"].as_array().unwrap());
        for g in groups {
            let label = g["label"].as_str().unwrap();
            let m = &g["curve"]["median"];
            let p = &peer[key][label];
            let median = match p["flat_at_half"].as_f64() {
                Some(t) if t != f(&p["median"]) => {
                    flats += 1;
                    t
                }
                _ => f(&p["median"]),
            };
            assert_eq!(estimate(&m["median"]), Some(median), "{key} {label} median");
            for bound in ["lower", "upper"] {
                assert_eq!(
                    estimate(&m[bound]),
                    p[bound].as_f64(),
                    "{key} {label} {bound}"
                );
            }
        }
    }
    assert_eq!(
        flats, 1,
        "one exact flat at 0.5 in the demo registry (PFS, all patients)"
    );
    // Log-rank χ² and p.
    let lr = json(&strs(&cohort(
        "logrank",
        &[&OS[..], &["--group", "group"]].concat(),
    )));
    let chi2 = f(&peer["logrank"]["chi2"]);
    assert!(
        (f(&lr["chi2"]) - chi2).abs() < 1e-10 * chi2,
        "{} vs {chi2}",
        lr["chi2"]
    );
    let p = f(&peer["logrank"]["p"]);
    assert!(
        (f(&lr["p_value"]) - p).abs() < 1e-10,
        "{} vs {p}",
        lr["p_value"]
    );
    // Cox (Efron), lifelines run to a step of 1e-12 (its default 1e-7 stops a step early here).
    let cox = json(&strs(&cohort(
        "cox",
        &[&OS[..], &["--covariate", "tumour_dose_gy,age,ki67"]].concat(),
    )));
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    let mut worst_cox = 0.0f64;
    for k in 0..3 {
        let c = &cox["coefficients"][k];
        assert_eq!(c["name"], peer["cox"]["names"][k]);
        let (coef, se) = (f(&peer["cox"]["coef"][k]), f(&peer["cox"]["se"][k]));
        worst_cox = worst_cox
            .max(rel(f(&c["coef"]), coef))
            .max(rel(f(&c["se"]), se));
        assert!(
            (f(&c["coef"]) - coef).abs() < 1e-10 * coef.abs().max(1e-3),
            "coef {k}: {} vs {coef}",
            c["coef"]
        );
        assert!(
            (f(&c["se"]) - se).abs() < 1e-10 * se,
            "se {k}: {} vs {se}",
            c["se"]
        );
    }
    let ll = f(&peer["cox"]["log_likelihood"]);
    assert!((f(&cox["log_likelihood"]) - ll).abs() < 1e-10);
    let conc = f(&peer["cox"]["concordance"]);
    assert!((f(&cox["concordance"]) - conc).abs() < 1e-12);
    // Logistic regression (NumPy Newton solve).
    let logit = json(&strs(&cohort(
        "logistic",
        &["--response", "response", "--covariate", "tumour_dose_gy"],
    )));
    let mut worst_logit = 0.0f64;
    for k in 0..2 {
        let c = &logit["coefficients"][k];
        let (coef, se) = (
            f(&peer["logistic"]["coef"][k]),
            f(&peer["logistic"]["se"][k]),
        );
        worst_logit = worst_logit
            .max(rel(f(&c["coef"]), coef))
            .max(rel(f(&c["se"]), se));
        assert!((f(&c["coef"]) - coef).abs() < 1e-9 * coef.abs().max(1.0));
        assert!((f(&c["se"]) - se).abs() < 1e-9 * se.abs().max(1.0));
    }
    // AUC (SciPy Mann–Whitney) and Youden's threshold (NumPy sweep).
    let roc = json(&strs(&cohort(
        "roc",
        &["--response", "response", "--score", "tumour_dose_gy"],
    )));
    assert!((f(&roc["auc"]) - f(&peer["auc"])).abs() < 1e-12);
    assert_eq!(
        f(&roc["youden"]["threshold"]),
        f(&peer["youden"]["threshold"])
    );
    assert!((f(&roc["youden"]["j"]) - f(&peer["youden"]["j"])).abs() < 1e-12);
    eprintln!(
        "demo registry vs peers: KM medians and limits equal (one lifelines rounding artefact); \
         log-rank chi2 relative difference {:e}; Cox coef/SE largest relative difference {worst_cox:e}; \
         logistic {worst_logit:e}; AUC difference {:e}",
        rel(f(&lr["chi2"]), chi2),
        (f(&roc["auc"]) - f(&peer["auc"])).abs()
    );
}

/// PFS of all 60 patients of the demo registry: the 30 shortest PFS times are all events (no
/// censoring before 12.4 months), so S(t) = 30/60 = 0.5 exactly from 9.5 months until the next
/// event at 10.2 months. First time S <= 0.5: 9.5 months; the midpoint of the flat (R
/// `quantile.survfit`): (9.5 + 10.2) / 2 = 9.85 months.
#[test]
fn pfs_median_on_an_exact_half_by_hand() {
    let text = std::fs::read_to_string(examples().join("demo-registry.csv")).unwrap();
    let mut rows: Vec<(f64, bool)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[8].parse().unwrap(), c[9] == "1")
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(rows.len(), 60);
    assert!(
        rows[..31].iter().all(|r| r.1),
        "the 31 shortest PFS times are events"
    );
    assert_eq!((rows[29].0, rows[30].0), (9.5, 10.2));
    let pfs = [
        "--duration",
        "pfs_months",
        "--unit",
        "months",
        "--event",
        "progression",
    ];
    let first = json(&strs(&cohort("km", &pfs)));
    assert_eq!(
        f(&first["groups"][0]["curve"]["median"]["median"]["time"]),
        9.5
    );
    let mid = json(&strs(&cohort(
        "km",
        &[&pfs[..], &["--median-rule", "midpoint-of-flat"]].concat(),
    )));
    let m = f(&mid["groups"][0]["curve"]["median"]["median"]["time"]);
    assert!((m - 9.85).abs() < 1e-12, "{m}");
}

#[test]
fn drop_incomplete_leaves_out_rows_and_says_which() {
    let dir = temp_dir("missing");
    std::fs::write(
        dir.join("gaps.csv"),
        "id,months,died,dose\nA,3,1,100\nB,,0,120\nC,8,1,NA\nD,12,0,150\nE,5,1,90\n",
    )
    .unwrap();
    let args = [
        "cohort",
        "km",
        "gaps.csv",
        "--duration",
        "months",
        "--unit",
        "months",
        "--event",
        "died",
    ];
    let o = run_in(&dir, &args);
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(&dir, &[&args[..], &["--drop-incomplete"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Left out 1 row with a missing value (lines 3)."),
        "{}",
        stdout(&o)
    );
    let o = run_in(
        &dir,
        &[
            "cohort",
            "cox",
            "gaps.csv",
            "--duration",
            "months",
            "--unit",
            "months",
            "--event",
            "died",
            "--covariate",
            "dose",
            "--drop-incomplete",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["dropped_lines"], serde_json::json!([3, 4]));
    assert_eq!(v["n"], 3);
}

#[test]
fn errors_exit_2_with_a_clear_message() {
    let dir = temp_dir("errors");
    let recist = std::fs::read_to_string(examples().join("demo-recist.toml")).unwrap();
    std::fs::write(
        dir.join("bad-diameter.toml"),
        recist.replacen("diameter_mm = 30.1 }", "diameter_mm = 30.15 }", 1),
    )
    .unwrap();
    std::fs::write(
        dir.join("too-small-target.toml"),
        recist.replacen("diameter_mm = 31.5 }", "diameter_mm = 8.0 }", 1),
    )
    .unwrap();
    let patient = std::fs::read_to_string(examples().join("demo-patient.toml")).unwrap();
    std::fs::write(
        dir.join("bad-unit.toml"),
        patient.replacen("bilirubin = \"0.7 mg/dL\"", "bilirubin = \"0.7 mmol/L\"", 1),
    )
    .unwrap();
    std::fs::write(dir.join("patient.toml"), &patient).unwrap();
    let labs_start = patient.find("[[labs]]").unwrap();
    std::fs::write(dir.join("no-labs.toml"), &patient[..labs_start]).unwrap();
    std::fs::write(
        dir.join("bad-rules.toml"),
        "[[rule]]\nid = \"x\"\ngroup = \"contraindication\"\ntitle = \"t\"\nquantity = \"bilirubin\"\ncomparison = \"<=\"\nthreshold = \"2 GBq\"\non_violation = \"fail\"\nsource = \"s\"\nevidence = \"[S]\"\n",
    )
    .unwrap();
    std::fs::copy(
        examples().join("demo-registry.csv"),
        dir.join("registry.csv"),
    )
    .unwrap();
    std::fs::write(dir.join("ragged.csv"), "id,months,died\nA,3,1\nB,5\n").unwrap();
    std::fs::write(dir.join("word.csv"), "id,months,died\nA,3,1\nB,five,0\n").unwrap();
    std::fs::write(dir.join("flag.csv"), "id,months,died\nA,3,1\nB,5,2\n").unwrap();
    std::fs::write(
        dir.join("one-group.csv"),
        "id,months,died,arm\nA,3,1,glass\nB,5,0,glass\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("separated.csv"),
        "id,dose,resp\nA,50,0\nB,60,0\nC,70,0\nD,150,1\nE,160,1\nF,170,1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("all-responders.csv"),
        "id,dose,resp\nA,50,1\nB,60,1\n",
    )
    .unwrap();

    let os = [
        "--duration",
        "os_months",
        "--unit",
        "months",
        "--event",
        "death",
    ];
    let small = [
        "--duration",
        "months",
        "--unit",
        "months",
        "--event",
        "died",
    ];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("recist: missing file", vec!["recist", "nonexistent.toml"]),
        (
            "recist: malformed diameter",
            vec!["recist", "bad-diameter.toml"],
        ),
        (
            "recist: target below the measurable size",
            vec!["recist", "too-small-target.toml"],
        ),
        ("recist: wrong file kind", vec!["recist", "patient.toml"]),
        (
            "recist: too-small value with two decimals",
            vec!["recist", "bad-diameter.toml", "--too-small-mm", "4.55"],
        ),
        (
            "recist: unknown criteria",
            vec!["recist", "bad-diameter.toml", "--criteria", "easl"],
        ),
        (
            "eligibility: unit of another quantity",
            vec!["eligibility", "bad-unit.toml"],
        ),
        (
            "eligibility: bad site rule file",
            vec!["eligibility", "patient.toml", "--rules", "bad-rules.toml"],
        ),
        (
            "labs: CTCAE 6.0",
            vec!["labs", "patient.toml", "--ctcae", "6.0"],
        ),
        (
            "labs: CTCAE 4.03",
            vec!["labs", "patient.toml", "--ctcae", "4.03"],
        ),
        (
            "labs: CTCAE 6.0, nothing to grade",
            vec!["labs", "no-labs.toml", "--ctcae", "6.0"],
        ),
        (
            "labs: unknown CTCAE version",
            vec!["labs", "patient.toml", "--ctcae", "7"],
        ),
        (
            "cohort km: unknown column",
            [&[
                "cohort",
                "km",
                "registry.csv",
                "--duration",
                "os_month",
                "--unit",
                "months",
                "--event",
                "death",
            ][..]]
            .concat(),
        ),
        (
            "cohort km: bad unit",
            [&[
                "cohort",
                "km",
                "registry.csv",
                "--duration",
                "os_months",
                "--unit",
                "fortnights",
                "--event",
                "death",
            ][..]]
            .concat(),
        ),
        (
            "cohort km: missing file",
            [&["cohort", "km", "nonexistent.csv"][..], &os[..]].concat(),
        ),
        (
            "cohort km: ragged row",
            [&["cohort", "km", "ragged.csv"][..], &small[..]].concat(),
        ),
        (
            "cohort km: word for a duration",
            [&["cohort", "km", "word.csv"][..], &small[..]].concat(),
        ),
        (
            "cohort km: event flag 2",
            [&["cohort", "km", "flag.csv"][..], &small[..]].concat(),
        ),
        (
            "cohort km: alpha out of range",
            [
                &["cohort", "km", "registry.csv"][..],
                &os[..],
                &["--alpha", "5"][..],
            ]
            .concat(),
        ),
        (
            "cohort km: unknown CI transform",
            [
                &["cohort", "km", "registry.csv"][..],
                &os[..],
                &["--ci", "arcsine"][..],
            ]
            .concat(),
        ),
        (
            "cohort km: svg into a missing folder",
            [
                &["cohort", "km", "registry.csv"][..],
                &os[..],
                &["--svg", "no/such/folder/km.svg"][..],
            ]
            .concat(),
        ),
        (
            "cohort logrank: one group",
            [
                &["cohort", "logrank", "one-group.csv"][..],
                &small[..],
                &["--group", "arm"][..],
            ]
            .concat(),
        ),
        (
            "cohort cox: no covariate",
            [&["cohort", "cox", "registry.csv"][..], &os[..]].concat(),
        ),
        (
            "cohort cox: unknown ties",
            [
                &["cohort", "cox", "registry.csv"][..],
                &os[..],
                &["--covariate", "age", "--ties", "exact"][..],
            ]
            .concat(),
        ),
        (
            "cohort cox: covariate that is text",
            [
                &["cohort", "cox", "registry.csv"][..],
                &os[..],
                &["--covariate", "group"][..],
            ]
            .concat(),
        ),
        (
            "cohort logistic: separation",
            vec![
                "cohort",
                "logistic",
                "separated.csv",
                "--response",
                "resp",
                "--covariate",
                "dose",
            ],
        ),
        (
            "cohort roc: one class",
            vec![
                "cohort",
                "roc",
                "all-responders.csv",
                "--response",
                "resp",
                "--score",
                "dose",
            ],
        ),
    ];
    let mut all = String::new();
    for (what, args) in &cases {
        let o = run_in(&dir, args);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{what}: something on stdout");
        let text = stderr(&o);
        assert!(
            !text.contains("panicked") && !text.contains("stack backtrace"),
            "{what}: {text}"
        );
        all.push_str(&format!("{what}:\n$ sirtplan {}\n{text}\n", args.join(" ")));
    }
    insta::assert_snapshot!("followup_errors", all);
}

/// `--lang fr`: the follow-up texts in French (snapshots), with the French words and numbers
/// checked against the English text: the same sums with a decimal comma and a no-break space
/// before "mm" and "%", the response categories in their French abbreviations; JSON the same
/// in both languages.
#[test]
fn french_text() {
    let nbsp = '\u{a0}';
    let recist = ok_text(&["recist", "demo-recist.toml", "--lang", "fr"]);
    insta::assert_snapshot!("recist_text_fr", recist);
    for literal in [
        "Réponse tumorale, RECIST 1.1\u{a0}: patient DEMO-NET-001 (fichier demo-recist.toml)",
        "Toutes les lésions (réponse globale)",
        "Lésions hépatiques seules (réponse hépatique)",
        "Meilleure réponse globale (confirmation non exigée)\u{a0}: réponse partielle (RP) le 2025-05-19",
        "Meilleure réponse globale (confirmation exigée)\u{a0}: maladie stable (MS) le 2025-03-17",
        "Première progression\u{a0}: 2025-09-22",
        "(TDM, coupes de 2,5\u{a0}mm)",
        "`T3` ganglion 18,0\u{a0}mm petit axe",
        "non-RC/non-MP",
        "Usage en recherche uniquement.",
    ] {
        assert!(recist.contains(literal), "missing {literal:?} in\n{recist}");
    }
    // The baseline sum 91.5 mm (42.0 + 31.5 + 18.0, by hand) and the first visit's change
    // (64.1 / 91.5 - 1 = -29.9 %) in French.
    let english = ok_text(&["recist", "demo-recist.toml"]);
    assert!(english.contains("baseline sum 91.5 mm") && english.contains("-29.9%"));
    assert!(recist.contains(&format!("somme initiale 91,5{nbsp}mm")));
    assert!(recist.contains(&format!("-29,9{nbsp}%")));
    assert!(!recist.contains("91.5") && !recist.contains("Best overall response"));
    // The visit of 2025-09-22: progression (new lesion) in French abbreviations.
    let line = recist
        .lines()
        .find(|l| l.trim_start().starts_with("2025-09-22"))
        .unwrap();
    assert!(
        line.contains(" RP ") && line.contains(" oui ") && line.contains(" MP "),
        "{line}"
    );

    let labs = ok_text(&["labs", "demo-patient.toml", "--lang", "fr"]);
    insta::assert_snapshot!("labs_text_fr", labs);
    for literal in [
        "Toxicité biologique, CTCAE v5.0 — patient NET-DEMO-01 (demo-patient.toml)",
        "Traitement par SIRT\u{a0}: 2026-03-05 (J0).",
        "Anticoagulation\u{a0}: non.",
        // CTCAE terms stay the CTCAE v5.0 English terms.
        "Alanine aminotransferase increased (ALAT)",
        // ALT 140 U/L with ULN 40: 3.5 × ULN, grade 2 (> 3.0 - 5.0 × ULN), by hand.
        "140\u{a0}U/L             grade 2 (× LSN)",
        "0,7\u{a0}mg/dL           grade 0 (× LSN)",
        "INR 1,05",
        "2 valeurs après le traitement non gradables",
        // ALP 290 U/L after a baseline of 148 above the ULN 120: below 2.0 × 148 = 296.
        "non gradable (la valeur initiale de PAL (148) dépassait la LSN (120)",
        "(≥ 2,0 × valeur initiale = 296)",
        "Grade d’hépatotoxicité (Braat)\u{a0}: 2\u{a0}:",
    ] {
        assert!(labs.contains(literal), "missing {literal:?} in\n{labs}");
    }
    assert!(!labs.contains("0.7 mg/dL") && !labs.contains(" G2 ("));

    let elig = ok_text(&["eligibility", "demo-patient.toml", "--lang", "fr"]);
    insta::assert_snapshot!("eligibility_text_fr", elig);
    for literal in [
        "Éligibilité à la SIRT — patient NET-DEMO-01",
        "Contre-indications",
        "Fonction hépatique",
        // Child-Pugh A5 and ALBI -2.77 (Johnson 2015) worked out by hand in `eligibility_json_and_hand_values`.
        "Child-Pugh   A5 (points\u{a0}: bilirubine 1",
        "ALBI         -2,77, grade 1",
        "conforme      ci-bilirubin",
        "valeur 0,7\u{a0}mg/dL\u{202f}; exigé ≤ 2\u{a0}mg/dL",
        "valeur 24\u{a0}mois",
        // The rule's title_fr from the embedded rule file.
        "ci-bilirubin — Absolue\u{a0}: bilirubinémie d’au plus 2\u{a0}mg/dL (34,2\u{a0}µmol/L)",
    ] {
        assert!(elig.contains(literal), "missing {literal:?} in\n{elig}");
    }

    // JSON is the same in every language.
    for args in [
        &["recist", "demo-recist.toml"][..],
        &["labs", "demo-patient.toml"],
        &["eligibility", "demo-patient.toml"],
    ] {
        let mut fr = args.to_vec();
        fr.extend(["--lang", "fr"]);
        assert_eq!(json(args), json(&fr), "{args:?}");
    }
}

/// `sirtplan cohort ... --lang fr`: the same numbers as the English text (the lifelines-checked
/// medians 30.8 and 25.6 months, χ² 0.427, the Cox and logistic coefficients) with a decimal
/// comma, the words in French, and the Kaplan–Meier figure's axis titles in French.
#[test]
fn cohort_in_french() {
    let nbsp = '\u{a0}';
    let km = ok_text(&strs(&cohort(
        "logrank",
        &[&OS[..], &["--group", "group", "--lang", "fr"]].concat(),
    )));
    for literal in [
        "Survie de Kaplan-Meier\u{a0}: demo-registry.csv (temps en mois)",
        "groupe      n   évén.  médiane (IC 95\u{a0}%)",
        "glass      30      14  30,8\u{a0}mois (19,5 à non atteinte)",
        "resin      30      17  25,6\u{a0}mois (14,9 à non atteinte)",
        "Test du log-rank (2 groupes)\u{a0}: khi-deux 0,427 à 1 ddl, p = 0,513",
        "Usage en recherche uniquement.",
    ] {
        assert!(km.contains(literal), "missing {literal:?} in\n{km}");
    }
    let cox = ok_text(&strs(&cohort(
        "cox",
        &[
            &OS[..],
            &["--covariate", "tumour_dose_gy,age,ki67", "--lang", "fr"],
        ]
        .concat(),
    )));
    for literal in [
        "Modèle de Cox à risques proportionnels (ex aequo\u{a0}: Efron)\u{a0}: 60 sujets, 31 événements",
        "tumour_dose_gy   -0,00337   0,00230   0,9966    0,9921 à 1,0011   -1,463     0,143",
        "Test de Wald\u{a0}: 4,9085 à 3 ddl",
    ] {
        assert!(cox.contains(literal), "missing {literal:?} in\n{cox}");
    }
    let logit = ok_text(&strs(&cohort(
        "logistic",
        &[
            "--response",
            "response",
            "--covariate",
            "tumour_dose_gy",
            "--lang",
            "fr",
        ],
    )));
    assert!(logit.contains("(constante)       -3,26725"), "{logit}");
    assert!(logit.contains("p = 2,31e-6"), "{logit}");
    let roc = ok_text(&strs(&cohort(
        "roc",
        &[
            "--response",
            "response",
            "--score",
            "tumour_dose_gy",
            "--lang",
            "fr",
        ],
    )));
    assert!(roc.contains("ASC 0,8321"), "{roc}");
    assert!(
        roc.contains("sensibilité 0,718, spécificité 0,810"),
        "{roc}"
    );

    // The figure: axis titles, legend and table heading in French.
    let dir = temp_dir("km-fr");
    std::fs::copy(
        examples().join("demo-registry.csv"),
        dir.join("demo-registry.csv"),
    )
    .unwrap();
    let km_args = cohort("km", &OS);
    let args = [
        &strs(&km_args)[..],
        &["--group", "group", "--svg", "km.svg", "--lang", "fr"],
    ]
    .concat();
    let out = stdout(&run_in(&dir, &args));
    assert!(
        out.contains("Courbe de Kaplan-Meier écrite dans km.svg"),
        "{out}"
    );
    let svg = std::fs::read_to_string(dir.join("km.svg")).unwrap();
    for literal in [
        ">Temps (mois)</text>",
        ">Probabilité de survie</text>",
        &format!(">glass (n = 30){nbsp}: médiane 30,8{nbsp}mois</text>"),
        ">Nombre de sujets à risque</text>",
        ">0,25</text>",
    ] {
        assert!(svg.contains(literal), "missing {literal:?}");
    }
    assert!(!svg.contains("Survival probability"));
}

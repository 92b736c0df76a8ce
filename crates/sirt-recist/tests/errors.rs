//! Bad input is refused with the file, the visit, the lesion, the field, what was expected and
//! what was found (STYLE.md); baseline rule violations name the rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{File, d, one_target};
use sirt_recist::{Params, Severity};

const DEMO: &str = include_str!("data/demo-recist.toml");

fn demo_err(from: &str, to: &str) -> String {
    assert!(DEMO.contains(from), "{from}");
    let text = DEMO.replacen(from, to, 1);
    sirt_recist::evaluate(&text, "demo.toml", &Params::default())
        .unwrap_err()
        .to_string()
}

#[test]
fn diameters_are_read_exactly_or_refused() {
    assert_eq!(
        demo_err("diameter_mm = 30.1 }", "diameter_mm = 30.15 }"),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `T1`, field `diameter_mm`: \
         expected millimetres with at most one decimal place (like 14.2), \"too small\", \
         \"not evaluable\" or \"not done\", found 30.15"
    );
    assert_eq!(
        demo_err("diameter_mm = 30.1 }", "diameter_mm = 30.10 }"),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `T1`, field `diameter_mm`: \
         expected millimetres with at most one decimal place (like 14.2), \"too small\", \
         \"not evaluable\" or \"not done\", found 30.10"
    );
    assert_eq!(
        demo_err(
            "diameter_mm = 22.0 },\n  { lesion = \"T3\", diameter_mm = 12.0 }",
            "diameter_mm = 22.0 },\n  { lesion = \"T3\", diameter_mm = \"twelve\" }"
        ),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `T3`, field `diameter_mm`: \
         expected millimetres with at most one decimal place (like 14.2), \"too small\", \
         \"not evaluable\" or \"not done\", found \"twelve\""
    );
    assert_eq!(
        demo_err("diameter_mm = 30.1 }", "diameter_mm = -3.0 }"),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `T1`, field `diameter_mm`: \
         expected millimetres with at most one decimal place (like 14.2), \"too small\", \
         \"not evaluable\" or \"not done\", found -3.0"
    );
    assert_eq!(
        demo_err("diameter_mm = 30.1 }", "diameter_mm = 3e1 }"),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `T1`, field `diameter_mm`: \
         expected millimetres with at most one decimal place (like 14.2), \"too small\", \
         \"not evaluable\" or \"not done\", found 3e1"
    );
    assert_eq!(
        demo_err(
            "slice_thickness_mm = 2.5\ntumour",
            "slice_thickness_mm = 2.55\ntumour"
        ),
        "recist file demo.toml: baseline (2025-01-06), field `slice_thickness_mm`: expected \
         millimetres with at most one decimal place (like 2.5), found 2.55"
    );
    // A quoted number is read with the same exact rule.
    let text = DEMO.replacen("diameter_mm = 30.1 }", "diameter_mm = \"30.1\" }", 1);
    let e = sirt_recist::evaluate(&text, "demo.toml", &Params::default()).unwrap();
    assert_eq!(e.global.time_points[0].sum_tenth_mm, Some(641));
}

#[test]
fn dates_must_be_iso_and_in_order() {
    assert_eq!(
        demo_err("date = \"2025-03-17\"", "date = \"17/03/2025\""),
        "recist file demo.toml: follow-up 1, field `date`: expected an ISO date (YYYY-MM-DD), \
         found \"17/03/2025\""
    );
    assert_eq!(
        demo_err("date = \"2025-03-17\"", "date = \"2024-12-30\""),
        "recist file demo.toml: follow-up 1 (2024-12-30), field `date`: expected a date after \
         the baseline (2025-01-06), found 2024-12-30"
    );
    assert_eq!(
        demo_err("date = \"2025-07-21\"", "date = \"2025-04-21\""),
        "recist file demo.toml: follow-up 3 (2025-04-21), field `date`: expected a date after \
         the follow-up 2 (2025-05-19), found 2025-04-21"
    );
    assert_eq!(
        demo_err("date = \"2025-03-17\"", "date = \"2025-01-13\""),
        "recist file demo.toml: follow-up 1 (2025-01-13), field `date`: expected a date after \
         the treatment start (2025-01-20), found 2025-01-13"
    );
    // A TOML date works as well as a quoted one.
    let text = DEMO.replacen("date = \"2025-03-17\"", "date = 2025-03-17", 1);
    assert!(sirt_recist::evaluate(&text, "demo.toml", &Params::default()).is_ok());
}

#[test]
fn structure_errors_name_the_place() {
    assert_eq!(
        demo_err(
            "{ lesion = \"NT2\", status = \"non-CR/non-PD\" },\n]\n\n[[follow_up]]\ndate = \"2025-05-19\"",
            "{ lesion = \"NT9\", status = \"non-CR/non-PD\" },\n]\n\n[[follow_up]]\ndate = \"2025-05-19\""
        ),
        "recist file demo.toml: follow-up 1 (2025-03-17), field `measurements.lesion`: expected \
         a lesion listed in [[lesions]] (`T1`, `T2`, `T3`, `NT1`, `NT2`), found `NT9`"
    );
    assert_eq!(
        demo_err(
            "{ lesion = \"NT1\", status = \"non-CR/non-PD\" },",
            "{ lesion = \"NT1\", status = \"stable\" },"
        ),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `NT1`, field `status`: expected \
         one of \"CR\", \"non-CR/non-PD\", \"PD\", \"NE\", \"not evaluable\", \"not done\", \
         found \"stable\""
    );
    assert_eq!(
        demo_err(
            "{ lesion = \"NT1\", status = \"non-CR/non-PD\" },",
            "{ lesion = \"NT1\" },"
        ),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `NT1`, field `status`: expected \
         the status of a non-target lesion (\"CR\", \"non-CR/non-PD\", \"PD\", \"NE\" (not \
         evaluable) or \"not done\"), found none"
    );
    assert_eq!(
        demo_err(
            "{ lesion = \"T1\", diameter_mm = 30.1 }",
            "{ lesion = \"T1\", status = \"CR\" }"
        ),
        "recist file demo.toml: follow-up 1 (2025-03-17), lesion `T1`, field `status`: expected \
         no status for a target lesion (its diameter_mm gives the response), found \"CR\""
    );
    assert_eq!(
        demo_err("modality = \"CT\"", "modality = \"PET\""),
        "recist file demo.toml: baseline (2025-01-06), field `modality`: expected one of \"CT\", \
         \"MRI\", \"caliper\", \"chest X-ray\", found \"PET\""
    );
    assert_eq!(
        demo_err(
            "schema = \"sirtplan-recist/1\"",
            "schema = \"sirtplan-recist/2\""
        ),
        "recist file demo.toml: field `schema`: expected \"sirtplan-recist/1\", found \
         \"sirtplan-recist/2\""
    );
    assert_eq!(
        demo_err("id = \"T2\"", "id = \"T1\""),
        "recist file demo.toml: lesions[2], field `id`: expected an identifier used once, found \
         `T1` again"
    );
    assert_eq!(
        demo_err("{ lesion = \"T1\", diameter_mm = 42.0 },", ""),
        "recist file demo.toml: baseline (2025-01-06), field `measurements`: expected a baseline \
         measurement of target lesion `T1`, found none"
    );
    assert_eq!(
        demo_err(
            "organ = \"lung\", location = \"right lower lobe, 9 mm\"",
            "organ = \"liver\", location = \"right lower lobe, 9 mm\""
        ),
        "recist file demo.toml: follow-up 5 (2025-11-24), lesion `L1`, field `organ`: expected \
         the organ given before (\"lung\"), found \"liver\""
    );
    assert_eq!(
        demo_err("criteria = \"RECIST 1.1\"", "criteria = \"RECIST 1.0\""),
        "recist file demo.toml: protocol, field `criteria`: expected one of \"RECIST 1.1\", \
         \"mRECIST\", \"Choi\", \"modified Choi\", found \"RECIST 1.0\""
    );
    let e = demo_err("criteria = \"RECIST 1.1\"", "sd_min_weeks = 6");
    assert!(
        e.starts_with("recist file demo.toml: TOML parse error at line 10, column 1")
            && e.contains("unknown field `sd_min_weeks`"),
        "{e}"
    );
    // A node marked CR with a short axis of 10 mm or more contradicts itself.
    let f = File::new()
        .target("T1", "liver")
        .non_target_node("N1")
        .baseline(&[("T1", &d("30")), ("N1", &d("12"))])
        .follow(
            42,
            &[
                ("T1", &d("30")),
                ("N1", "status = \"CR\", diameter_mm = 11.0"),
            ],
        );
    assert_eq!(
        f.err(),
        "recist file test.toml: follow-up 1 (2025-02-17), lesion `N1`, field `status`: expected \
         a short axis below 10 mm for a node with status CR (RECIST 1.1 §4.3.3), found \"CR\" \
         with diameter_mm 11.0 mm"
    );
}

#[test]
fn more_than_five_targets_is_an_error() {
    let mut f = File::new();
    let organs = ["liver", "liver", "lung", "lung", "adrenal", "spleen"];
    for (i, o) in organs.iter().enumerate() {
        f = f.target(&format!("T{}", i + 1), o);
    }
    let m: Vec<(String, String)> = (1..=6).map(|i| (format!("T{i}"), d("20.0"))).collect();
    let m: Vec<(&str, &str)> = m.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let f = f.baseline(&m);
    assert_eq!(
        f.err(),
        "recist file test.toml: the baseline does not meet RECIST 1.1: baseline (2025-01-06): at \
         most 5 target lesions, found 6 (`T1`, `T2`, `T3`, `T4`, `T5`, `T6`) (RECIST 1.1 §4.2: at \
         most 5 targets)"
    );
}

#[test]
fn per_organ_limit_counts_all_nodes_as_one_organ() {
    let f = File::new()
        .target("T1", "liver")
        .target("T2", "Liver")
        .target("T3", "liver ")
        .target_node("N1")
        .target_node("N2")
        .target_node("N3")
        .baseline(&[
            ("T1", &d("20")),
            ("T2", &d("20")),
            ("T3", &d("20")),
            ("N1", &d("15")),
            ("N2", &d("15")),
            ("N3", &d("15")),
        ]);
    assert_eq!(
        f.err(),
        "recist file test.toml: the baseline does not meet RECIST 1.1: baseline (2025-01-06): at \
         most 5 target lesions, found 6 (`T1`, `T2`, `T3`, `N1`, `N2`, `N3`) (RECIST 1.1 §4.2: at \
         most 5 targets); baseline (2025-01-06): at most 2 target lesions per organ, found 3 in \
         liver (`T1`, `T2`, `T3`) (RECIST 1.1 §4.2: at most 2 targets per organ; EORTC RECIST \
         FAQ: all nodes are one organ); baseline (2025-01-06): at most 2 target lesions per \
         organ, found 3 in lymph nodes (`N1`, `N2`, `N3`) (RECIST 1.1 §4.2: at most 2 targets \
         per organ; EORTC RECIST FAQ: all nodes are one organ)"
    );
}

fn measurable(modality: &str, slice: &str, nodal: bool, mm: &str) -> Result<(), String> {
    let kind = if nodal {
        "nodal = true\norgan = \"lymph node\""
    } else {
        "organ = \"lung\""
    };
    let text = format!(
        "schema = \"sirtplan-recist/1\"\n[[lesions]]\nid = \"T1\"\nkind = \"target\"\n{kind}\n\
         [baseline]\ndate = \"2025-01-06\"\nmodality = \"{modality}\"\n{slice}\n\
         measurements = [{{ lesion = \"T1\", diameter_mm = {mm} }}]\n"
    );
    sirt_recist::evaluate(&text, "m.toml", &Params::default())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn measurability_boundaries() {
    // CT with 5 mm slices: 10 mm (RECIST 1.1 §3.1.1).
    assert!(measurable("CT", "slice_thickness_mm = 5", false, "10.0").is_ok());
    assert_eq!(
        measurable("CT", "slice_thickness_mm = 5", false, "9.9").unwrap_err(),
        "recist file m.toml: the baseline does not meet RECIST 1.1: baseline (2025-01-06), target \
         `T1`: longest diameter 9.9 mm is below the measurable minimum (10 mm on CT/MRI): record \
         it as a non-target (RECIST 1.1 §3.1.1, Eisenhauer 2009)"
    );
    // 8 mm slices: twice the slice thickness, 16 mm.
    assert!(measurable("CT", "slice_thickness_mm = 8", false, "16.0").is_ok());
    assert_eq!(
        measurable("CT", "slice_thickness_mm = 8", false, "15.9").unwrap_err(),
        "recist file m.toml: the baseline does not meet RECIST 1.1: baseline (2025-01-06), target \
         `T1`: longest diameter 15.9 mm is below the measurable minimum (twice the slice \
         thickness of 8.0 mm): record it as a non-target (RECIST 1.1 §3.1.1, Eisenhauer 2009)"
    );
    // Chest X-ray: 20 mm. Caliper: 10 mm.
    assert!(measurable("chest X-ray", "", false, "20.0").is_ok());
    assert!(measurable("chest X-ray", "", false, "19.9").is_err());
    assert!(measurable("caliper", "", false, "10.0").is_ok());
    assert!(measurable("caliper", "", false, "9.9").is_err());
    // Nodes: short axis 15 mm.
    assert!(measurable("CT", "slice_thickness_mm = 5", true, "15.0").is_ok());
    assert_eq!(
        measurable("CT", "slice_thickness_mm = 5", true, "14.9").unwrap_err(),
        "recist file m.toml: the baseline does not meet RECIST 1.1: baseline (2025-01-06), target \
         `T1`: node short axis 14.9 mm is below 15 mm: not measurable, record it as a non-target \
         (pathological, 10 to 15 mm) (RECIST 1.1 §3.1.1; Schwartz 2009, Eur J Cancer 45:261)"
    );
    assert!(measurable("CT", "slice_thickness_mm = 5", true, "9.9")
        .unwrap_err()
        .contains("node short axis 9.9 mm is below 15 mm: not measurable, and below 10 mm it is a normal node"));
    // "too small" cannot be a baseline target.
    assert!(
        measurable("CT", "", false, "\"too small\"")
            .unwrap_err()
            .contains("a target must be measured at baseline")
    );
}

#[test]
fn warnings_are_listed_with_their_rule() {
    let f = File::new()
        .target("T1", "liver")
        .non_target("NT1", "liver")
        .non_target_node("N1")
        .baseline(&[("T1", &d("20")), ("NT1", &d("35")), ("N1", &d("8"))])
        .follow(
            42,
            &[
                ("T1", &d("20")),
                ("NT1", "status = \"non-CR/non-PD\""),
                ("N1", "status = \"CR\""),
            ],
        );
    let text = f
        .text
        .replacen(
            "nodal = false\n",
            "nodal = false\npreviously_treated = true\n",
            1,
        )
        .replacen("slice_thickness_mm = 2.5", "slice_thickness_mm = 3.0", 1);
    let e = sirt_recist::evaluate(&text, "w.toml", &Params::default()).unwrap();
    let w: Vec<String> = e.findings.iter().map(ToString::to_string).collect();
    assert!(e.findings.iter().all(|f| f.severity == Severity::Warning));
    assert_eq!(
        w,
        [
            "baseline (2025-01-06), target `T1`: target in a previously treated area: non-measurable unless progression was shown there; the protocol must state the rule (RECIST 1.1 §3.1.3: previously locally treated lesions)",
            "baseline (2025-01-06), non-target `NT1`: non-target of 35.0 mm is larger than target `T1` (20.0 mm) in the same organ (RECIST 1.1 §4.2: targets chosen by size)",
            "baseline (2025-01-06), non-target `N1`: node short axis 8.0 mm is below 10 mm: a normal node, not recorded as a lesion (RECIST 1.1 §3.1.1; Schwartz 2009, Eur J Cancer 45:261)",
            "follow-up 1 (2025-02-17): slice thickness 2.5 mm differs from the baseline (3.0 mm) (RECIST 1.1 §3.2.2: same method at baseline and follow-up)",
        ]
    );
    let _ = one_target;
}

//! The treatment history in the plan: the "Treatment history" section and the cumulative
//! whole-liver NTAD of each session (text snapshot), and the `earlier_treatments` array with
//! every field and `cumulative_whole_liver_ntad_gy` in the JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

const HISTORY: &str = r#"
[[earlier_treatments]]
date = "2022-02-01"
kind = "SBRT"
description = "segment IVa lesion"
liver_mean_dose = "9.5 Gy"
fractions = 5

[[earlier_treatments]]
date = "2023-05-15"
kind = "PRRT"
description = "177Lu-DOTATATE"
activity = "7.4 GBq"
cycles = 4
liver_dose = "8 Gy"
kidney_dose = "18 Gy"

[[earlier_treatments]]
date = "2024-01-10"
kind = "SIRT"
device = "SIR-Spheres"
territory = "lobar"
lobe = "right"
activity = "1.2 GBq"
whole_liver_ntad = "20 Gy"
lung_dose = "4 Gy"
"#;

/// The demo case with `HISTORY` in place of its own.
fn plan() -> sirt_workflow::Plan {
    let cut = DEMO.find("[[earlier_treatments]]").unwrap();
    let text = format!("{}{HISTORY}", &DEMO[..cut]);
    let case = sirt_case::parse(&text, "history.toml").unwrap();
    sirt_workflow::plan(
        &case,
        &sirt_devices::Catalogue::embedded().unwrap(),
        &sirt_rules::RuleSet::embedded().unwrap(),
        "history.toml",
    )
    .unwrap()
}

/// The lines of the text from the "Treatment history" heading to the next heading, and every
/// cumulative whole-liver NTAD line.
fn history_extract(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "Treatment history")
        .unwrap();
    let end = lines[start + 2..]
        .iter()
        .position(|l| l.starts_with("=="))
        .map_or(lines.len(), |n| start + 2 + n - 1);
    let mut out: Vec<&str> = lines[start..end].to_vec();
    out.extend(
        lines
            .iter()
            .filter(|l| l.contains("Whole-liver NTAD, cumulative")),
    );
    out.join("\n")
}

#[test]
fn history_section_and_cumulative_ntad_snapshot() {
    let text = sirt_report::plan_text(&plan());
    insta::assert_snapshot!("treatment_history", history_extract(&text));
}

#[test]
fn json_has_every_history_field_and_the_cumulative_ntad() {
    let p = plan();
    let v = sirt_report::plan_json(&p);
    let history = v["earlier_treatments"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    let sirt = &history[2];
    assert_eq!(sirt["kind"], "SIRT");
    assert_eq!(sirt["device"], "SIR-Spheres");
    assert_eq!(sirt["territory"], "lobar");
    assert_eq!(sirt["lobe"], "right");
    assert_eq!(sirt["whole_liver_ntad_gy"], 20.0);
    assert_eq!(sirt["lung_gy"], 4.0);
    assert_eq!(sirt["activity_per"], "treatment");
    let prrt = &history[1];
    assert_eq!(prrt["cycles"], 4);
    assert_eq!(prrt["activity_per"], "cycle");
    assert!((prrt["activity_mci"].as_f64().unwrap() - 200.0).abs() < 1e-9);
    assert_eq!(prrt["kidney_gy"], 18.0);
    assert_eq!(prrt["liver_gy"], 8.0);
    assert_eq!(history[0]["liver_mean_gy"], 9.5);
    assert_eq!(history[0]["fractions"], 5);
    // Cumulative = 20 Gy earlier SIRT + the plan's sessions so far.
    for (n, s) in p.sessions.iter().enumerate() {
        let got = v["sessions"][n]["cumulative_whole_liver_ntad_gy"]
            .as_f64()
            .unwrap();
        let want = 20.0 + s.plan_whole_liver_ntad.gy();
        assert!((got - want).abs() < 1e-9, "session {n}: {got} vs {want}");
    }
}

#[test]
fn no_history_no_section() {
    let case = sirt_case::parse(
        &DEMO[..DEMO.find("[[earlier_treatments]]").unwrap()],
        "c.toml",
    )
    .unwrap();
    let p = sirt_workflow::plan(
        &case,
        &sirt_devices::Catalogue::embedded().unwrap(),
        &sirt_rules::RuleSet::embedded().unwrap(),
        "c.toml",
    )
    .unwrap();
    let text = sirt_report::plan_text(&p);
    assert!(!text.contains("Treatment history"));
    assert_eq!(
        sirt_report::plan_json(&p)["earlier_treatments"],
        serde_json::json!([])
    );
}

/// The same history in a French report: the recorded values in French words with decimal
/// commas (English: "lobar (right lobe), 1.20 GBq (32.4 mCi), whole-liver NTAD 20.0 Gy").
#[test]
fn treatment_history_in_french() {
    let fr = sirt_report::document::to_text(&sirt_report::plan_document_with(
        &plan(),
        &sirt_report::ReportOptions {
            lang: sirt_i18n::Lang::Fr,
            ..sirt_report::ReportOptions::default()
        },
    ));
    let nb = '\u{a0}';
    for s in [
        "Antécédents thérapeutiques\n".to_owned(),
        format!("foie (dose moyenne) 9,5{nb}Gy, 5 fractions"),
        format!("7,40{nb}GBq (200,0{nb}mCi) par cycle, 4 cycles, foie 8,0{nb}Gy, reins 18,0{nb}Gy"),
        format!(
            "SIR-Spheres, lobaire (lobe droit), 1,20{nb}GBq (32,4{nb}mCi), NTAD foie entier 20,0{nb}Gy, poumons 4,0{nb}Gy"
        ),
        format!("NTAD foie entier des SIRT antérieures  20,0{nb}Gy (telle qu'enregistrée"),
        "NTAD foie entier, cumulée".to_owned(),
        format!(
            "61,9{nb}Gy (SIRT antérieures telles qu'enregistrées, 20,0{nb}Gy, plus cette séance"
        ),
    ] {
        assert!(fr.contains(&s), "{s}\n{fr}");
    }
    assert!(!fr.contains("Treatment history") && !fr.contains("per cycle"));
}

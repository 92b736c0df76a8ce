//! The rules' French wording: every shipped rule has a French title (`title_fr`) and, with a
//! note, a French note (`note_fr`), keeping the numbers of the English wording with a decimal
//! comma and French typography; a site rule without them prints English in French; the
//! statuses and bases in each language.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_i18n::Lang;
use sirt_rules::{CheckBasis, Facts, RuleSet, Status};

/// The numbers of a text, as written ("16.5", "0.61", "30"), in French ("16,5").
fn numbers(text: &str, french: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let sep = if french { ',' } else { '.' };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let digit_follows = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || (c == sep && !cur.is_empty() && digit_follows) {
            cur.push(if c == sep { '.' } else { c });
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn every_shipped_rule_has_its_french_title_and_note() {
    let rules = RuleSet::embedded().unwrap();
    let mut missing = Vec::new();
    for r in rules.rules() {
        match &r.title_fr {
            None => missing.push(format!("{}: title_fr", r.id)),
            Some(fr) => {
                assert_ne!(fr, &r.title, "{}: title_fr is the English title", r.id);
                // The numbers of the title (thresholds, units' values, study names), in the
                // same order, with a decimal comma.
                assert_eq!(
                    numbers(&r.title, false),
                    numbers(fr, true),
                    "{}: the French title does not keep the numbers of\n  {}\n  {}",
                    r.id,
                    r.title,
                    fr
                );
            }
        }
        if r.note.is_some() && r.note_fr.is_none() {
            missing.push(format!("{}: note_fr", r.id));
        }
    }
    assert!(
        missing.is_empty(),
        "rules without French wording: {missing:#?}"
    );
    assert!(rules.rules().len() >= 39);
}

#[test]
fn french_wording_follows_french_typography() {
    let rules = RuleSet::embedded().unwrap();
    for r in rules.rules() {
        for text in [r.title_fr.as_deref(), r.note_fr.as_deref()]
            .into_iter()
            .flatten()
        {
            for bad in [" ;", " :", " %", " Gy", " GBq", " mCi", " kg", " mL", " h "] {
                assert!(
                    !text.contains(bad),
                    "{}: '{bad}' needs a no-break space: {text}",
                    r.id
                );
            }
            // No decimal point between digits in French.
            let c: Vec<char> = text.chars().collect();
            for w in c.windows(3) {
                assert!(
                    !(w[0].is_ascii_digit() && w[1] == '.' && w[2].is_ascii_digit())
                        || text.contains("35.3045")
                        || text.contains("§7.4"),
                    "{}: decimal point in French: {text}",
                    r.id
                );
            }
        }
    }
}

#[test]
fn a_check_title_and_note_in_each_language() {
    let rules = RuleSet::embedded().unwrap();
    let facts = Facts {
        indication: Some("HCC".into()),
        sessions: vec![sirt_rules::SessionFacts {
            id: "1".into(),
            extent: "unilobar".into(),
            injections: vec![sirt_rules::InjectionFacts {
                id: "R".into(),
                device_material: "glass".into(),
                nuclide: "Y-90".into(),
                method: "partition".into(),
                territory: "lobar".into(),
                intent: "lobar".into(),
                lung_activity: Some(sirt_units::Activity::from_gbq(0.7)),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let checks = rules.evaluate(&facts);
    let c = checks
        .iter()
        .find(|c| c.rule == "therasphere-lung-activity")
        .unwrap();
    assert_eq!(c.status, Status::Fail);
    assert_eq!(
        c.title.en(),
        "Activity to the lungs at most 16.5 mCi (0.61 GBq) per glass administration (label contraindication)"
    );
    assert_eq!(
        c.title.render(Lang::Fr),
        "Activité aux poumons d’au plus 16,5\u{a0}mCi (0,61\u{a0}GBq) par administration de microsphères de verre (contre-indication de la notice)"
    );
    assert_eq!(
        c.note.as_ref().unwrap().render(Lang::Fr),
        "Une contre-indication de la notice, pas une alerte. Elle ne correspond à 30\u{a0}Gy qu’avec K = 50 et un poumon de 1\u{a0}kg."
    );
    // JSON keeps English.
    let json = serde_json::to_value(c).unwrap();
    assert_eq!(
        json["title"],
        "Activity to the lungs at most 16.5 mCi (0.61 GBq) per glass administration (label contraindication)"
    );
    assert_eq!(
        json["note"],
        "A contraindication of the label, not a warning. It equals 30 Gy only with K = 50 and a 1 kg lung."
    );

    // A value missing on the partition basis: the reason in each language.
    let no_activity = checks
        .iter()
        .find(|c| c.rule == "lung-dose-session")
        .unwrap();
    assert_eq!(no_activity.status, Status::NotEvaluated);
    let reason = no_activity.note.as_ref().unwrap();
    assert_eq!(reason.en(), "no activity planned in the session");
    assert_eq!(
        reason.render(Lang::Fr),
        "aucune activité planifiée pour la séance"
    );
    assert_eq!(
        serde_json::to_value(no_activity).unwrap()["note"],
        "no activity planned in the session"
    );
}

#[test]
fn a_site_rule_without_french_wording_prints_english_in_french() {
    let site = r#"
[[rule]]
id = "site-tumour-dose"
title = "Tumour absorbed dose at least 250 Gy (site protocol)"
quantity = "tumour_dose"
comparison = ">="
threshold = "250 Gy"
on_violation = "warn"
source = "Site protocol 2026"
evidence = "site"
note = "Site note."
"#;
    let mut rules = RuleSet::embedded().unwrap();
    rules.merge_toml(site, "site.toml").unwrap();
    let r = rules
        .rules()
        .iter()
        .find(|r| r.id == "site-tumour-dose")
        .unwrap();
    assert_eq!(r.title_fr, None);
    assert_eq!(
        r.title_text().render(Lang::Fr),
        "Tumour absorbed dose at least 250 Gy (site protocol)"
    );
    assert_eq!(r.note_text().unwrap().render(Lang::Fr), "Site note.");
    let with_fr = site.replace(
        "note = \"Site note.\"",
        "note = \"Site note.\"\ntitle_fr = \"Dose absorbée tumorale d’au moins 250 Gy\"\nnote_fr = \"Note du site.\"",
    );
    let mut rules = RuleSet::embedded().unwrap();
    rules.merge_toml(&with_fr, "site.toml").unwrap();
    let r = rules
        .rules()
        .iter()
        .find(|r| r.id == "site-tumour-dose")
        .unwrap();
    assert_eq!(
        r.title_text().render(Lang::Fr),
        "Dose absorbée tumorale d’au moins 250 Gy"
    );
    assert_eq!(r.title_text().render(Lang::En), r.title);
    assert_eq!(r.note_text().unwrap().render(Lang::Fr), "Note du site.");
}

#[test]
fn statuses_and_bases_in_each_language() {
    let en: Vec<String> = [
        Status::Pass,
        Status::NotEvaluated,
        Status::Info,
        Status::Warn,
        Status::Fail,
    ]
    .iter()
    .map(|s| s.text(Lang::En))
    .collect();
    // English as the Display the reports print.
    assert_eq!(en, ["pass", "not evaluated", "info", "warn", "FAIL"]);
    assert_eq!(Status::Fail.to_string(), "FAIL");
    assert_eq!(Status::Pass.text(Lang::Fr), "conforme");
    assert_eq!(Status::Warn.text(Lang::Fr), "alerte");
    assert_eq!(Status::Fail.text(Lang::Fr), "ÉCHEC");
    assert_eq!(CheckBasis::Delivered.text(Lang::En), "delivered");
    assert_eq!(CheckBasis::Delivered.text(Lang::Fr), "délivré");
    assert_eq!(CheckBasis::Voxel.text(Lang::Fr), "voxel");
}

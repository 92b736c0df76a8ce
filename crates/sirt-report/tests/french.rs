//! The plan report in French (`ReportOptions::lang = Fr`): French labels and headings, the
//! sign-off block ("Préparé par", "Vérifié par", "Approuvé par"), decimal commas where English
//! prints points, a no-break space before units and "%", the research notice in French,
//! `<html lang="fr">`, instants as in English; snapshots of the text and HTML report and of a
//! treatment-day sheet.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_i18n::Lang;
use sirt_report::document::{Block, to_html, to_text};
use sirt_report::signoff::{BLANK, is_sign_off_heading};
use sirt_report::treatment_day::treatment_day_sheets;
use sirt_report::{ReportOptions, SignOff, Signature, plan_document_with};

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");
const NBSP: char = '\u{a0}';

fn plan() -> sirt_workflow::Plan {
    let case = sirt_case::parse(DEMO, "demo-net-case.toml").unwrap();
    sirt_workflow::plan(
        &case,
        &sirt_devices::Catalogue::embedded().unwrap(),
        &sirt_rules::RuleSet::embedded().unwrap(),
        "demo-net-case.toml",
    )
    .unwrap()
}

fn options(lang: Lang) -> ReportOptions {
    ReportOptions {
        time_zone: Some(jiff::tz::TimeZone::get("Europe/Paris").unwrap()),
        lang,
        ..ReportOptions::default()
    }
}

fn report(lang: Lang) -> String {
    to_text(&plan_document_with(&plan(), &options(lang)))
}

#[test]
fn french_headings_labels_and_sign_off() {
    let fr = report(Lang::Fr);
    for heading in [
        "Signatures\n==========",
        "Patient et données d'entrée",
        "Antécédents thérapeutiques",
        "Synthèse\n========",
        "Injection R (séance 1)",
        "Doses prévisionnelles (99mTc-MAA, modèle de partition)",
        "Commande du flacon",
        "Séances\n=======",
        "Séance 1 — 2026-03-05 10:00 +01:00 (unilobaire)",
        "Contrôles\n=========",
        "Sources des règles",
        "Remarques sur les contrôles non conformes",
    ] {
        assert!(fr.contains(heading), "{heading}\n{fr}");
    }
    for label in ["Préparé par", "Vérifié par", "Approuvé par"] {
        let line = fr.lines().find(|l| l.contains(label)).unwrap();
        assert_eq!(line.matches(BLANK).count(), 5, "{line}");
    }
    for label in [
        "Foie non tumoral",
        "Poumons",
        "Fraction de shunt pulmonaire (LSF)",
        "Activité administrée",
        "Flacon",
        "Position du cathéter",
        "Fraction traitée",
    ] {
        assert!(fr.contains(&format!("\n  {label} ")), "{label}");
    }
    assert!(fr.starts_with("sirtplan "), "{fr}");
    assert!(fr.contains("Usage en recherche uniquement"));
    assert!(!fr.contains("Research use only"));
    // English words of headings, labels and table headers that must not remain (the sources of
    // the rules and the notes of the rule files are citations and data, printed as written).
    let fr = &fr[..fr.find("Sources des règles").unwrap()];
    for english in [
        "Sign-off",
        "Prepared by",
        "Approved by",
        "Patient and inputs",
        "Summary",
        "Sessions",
        "Checks\n",
        "Vial order",
        "Predicted doses",
        "Whole liver",
        "Non-tumoural",
        "Lung dose",
        "Binding constraint",
        "binding constraint",
        "tumour dose target",
        "at calibration",
        "Thursday",
        "normal liver",
        "perfused volume",
        "lesions",
        "unilobar",
        " pass ",
        " warn ",
        "session 1",
        "tumour T",
        "Treatment history",
        "Notes on checks",
    ] {
        assert!(!fr.contains(english), "'{english}' left in English:\n{fr}");
    }
}

/// Each number English prints with a decimal point is printed with a decimal comma in French,
/// and a unit or "%" follows a no-break space.
#[test]
fn decimal_commas_and_no_break_spaces() {
    let en = report(Lang::En);
    let fr = report(Lang::Fr);
    // The summary: administered and vial activities of injection R.
    assert!(en.contains("1.9215 GBq (51.93 mCi)"));
    assert!(
        fr.contains(&format!("1,9215{NBSP}GBq (51,93{NBSP}mCi)")),
        "{fr}"
    );
    // Whole liver: 1650.0 mL × 1.05 g/mL = 1.732 kg.
    assert!(en.contains("1650.0 mL × 1.05 g/mL = 1.732 kg"));
    assert!(fr.contains(&format!("1650,0{NBSP}mL × 1,05{NBSP}g/mL = 1,732{NBSP}kg")));
    // Tumour burden and a check's value and requirement.
    assert!(en.contains("tumour burden 6.9 %"));
    assert!(fr.contains(&format!("charge tumorale 6,9{NBSP}%")));
    assert!(en.contains("≤ 0.611 GBq (16.50 mCi)"));
    assert!(fr.contains(&format!("≤ 0,611{NBSP}GBq (16,50{NBSP}mCi)")));
    assert!(fr.contains(&format!("≥ 150{NBSP}Gy")));
    // A dose: the session's whole-liver NTAD; a deviation; days after calibration.
    assert!(fr.contains(&format!("42,8{NBSP}Gy")));
    assert!(fr.contains(&format!("-2,5{NBSP}%")));
    assert!(fr.contains(" 3,67 jours après la calibration"));
    // Dose tables: 191.78 Gy for T1 in English, 191,78 in French.
    assert!(en.contains("191.78") && fr.contains("191,78"));
    // No decimal point between digits in French outside ids, versions and citations: the
    // tables and key-value lines before the sources of the rules.
    let body = &fr[..fr.find("Sources des règles").unwrap()];
    let head = body.find("Signatures").unwrap();
    // K's line and the calibration schedule quote their sources (citations, as written).
    let body: String = body[head..]
        .lines()
        .filter(|l| !l.starts_with("  K ") && !l.starts_with("  Calendrier de calibration"))
        .collect::<Vec<_>>()
        .join("\n");
    let body = body.as_str();
    let b: Vec<char> = body.chars().collect();
    for w in b.windows(3) {
        assert!(
            !(w[0].is_ascii_digit() && w[1] == '.' && w[2].is_ascii_digit()),
            "a decimal point in French: {}",
            w.iter().collect::<String>()
        );
    }
    // A unit after a number never follows a plain space.
    for unit in ["Gy", "GBq", "mCi", "kg", "mL", "%"] {
        for (i, _) in body.match_indices(&format!(" {unit}")) {
            let before = body[..i].chars().next_back().unwrap();
            assert!(
                !before.is_ascii_digit(),
                "plain space before {unit}: {}",
                &body[i.saturating_sub(20)..i + 5]
            );
        }
    }
    // Instants are the same in both languages.
    assert!(en.contains("2026-03-05 10:00 +01:00") && fr.contains("2026-03-05 10:00 +01:00"));
}

#[test]
fn check_statuses_subjects_and_weekdays_in_french() {
    let fr = report(Lang::Fr);
    let checks = &fr[fr.find("\nContrôles\n").unwrap()..];
    let lung = checks
        .lines()
        .find(|l| l.contains("therasphere-lung-activity") && l.contains("injection R"))
        .unwrap();
    assert!(lung.trim_start().starts_with("conforme "), "{lung}");
    assert!(lung.contains(" partition "), "{lung}");
    let t3 = checks
        .lines()
        .find(|l| l.contains("net-glass-tad-min ") && l.contains("séance 1, tumeur T3"))
        .unwrap();
    assert!(t3.trim_start().starts_with("alerte "), "{t3}");
    assert!(checks.contains("= non"), "{checks}");
    assert!(checks.contains(" délivré "), "{checks}");
    assert!(fr.contains("jeudi"));
    assert!(fr.contains("\u{a0}: "), "French colon");
}

#[test]
fn signed_french_report_and_its_html() {
    let p = plan();
    let signed = ReportOptions {
        sign_off: SignOff {
            approved: Some(Signature {
                name: "B. Physician".into(),
                role: "médecin nucléaire".into(),
                instant: "2026-03-04T16:05:00Z".parse().unwrap(),
                meaning: "approuvé par le médecin".into(),
            }),
            ..SignOff::default()
        },
        ..options(Lang::Fr)
    };
    let doc = plan_document_with(&p, &signed);
    assert!(
        matches!(&doc.blocks[1], Block::Heading(1, h) if is_sign_off_heading(h) && h == "Signatures")
    );
    let html = to_html(&doc);
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"),
        "{html}"
    );
    assert!(html.contains(
        "<td>Approuvé par</td><td>B. Physician</td><td>médecin nucléaire</td><td>2026-03-04 17:05 +01:00</td><td>approuvé par le médecin</td><td>(électronique)</td>"
    ));
    // The status cells are coloured in French too.
    assert!(html.contains("<td class=\"pass\">conforme</td>"));
    assert!(html.contains("<td class=\"warn\">alerte</td>"));
    let en = to_html(&plan_document_with(&p, &options(Lang::En)));
    assert!(en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
}

#[test]
fn french_report_snapshots() {
    insta::assert_snapshot!("plan_report_fr_text", report(Lang::Fr));
    insta::assert_snapshot!(
        "plan_report_fr_html",
        to_html(&plan_document_with(&plan(), &options(Lang::Fr)))
    );
}

#[test]
fn french_treatment_day_sheet() {
    let sheets = treatment_day_sheets(&plan(), &options(Lang::Fr));
    let text = to_text(&sheets[0]);
    assert!(text.starts_with("Jour de traitement — séance 1 — 2026-03-05 10:00 +01:00"));
    for s in [
        "Usage en recherche uniquement",
        "Position du cathéter",
        "Activité à injecter",
        "Limites de l'injection",
        "Totaux de la séance",
        "foie sain (perfusé)",
        "résidu mesuré",
    ] {
        assert!(text.contains(s), "{s}\n{text}");
    }
    assert!(text.contains(&format!("≤ 30,0{NBSP}Gy")), "{text}");
    for english in [
        "Treatment day",
        "Activity to inject",
        "Session totals",
        "normal liver",
        "Research use",
    ] {
        assert!(!text.contains(english), "{english}");
    }
    insta::assert_snapshot!("treatment_day_session_1_fr_text", text);
    insta::assert_snapshot!("treatment_day_session_2_fr_html", to_html(&sheets[1]));
}

//! The plan report as a signed document: the sign-off block right after the research notice
//! (empty fields, then signatures), every instant in one format and in the site's zone when it
//! has one, flag rules as yes/no, the lung activity and its limit in one unit, no raw enum
//! labels; and the treatment-day sheets (text and HTML snapshots).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_report::document::{Block, to_html, to_text};
use sirt_report::signoff::{BLANK, SIGN_OFF_HEADING};
use sirt_report::treatment_day::treatment_day_sheets;
use sirt_report::{ReportOptions, SignOff, Signature, plan_document_with};

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

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

fn zone(name: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(name).unwrap()
}

#[test]
fn the_sign_off_block_follows_the_notice_with_lines_then_signatures() {
    let p = plan();
    let doc = plan_document_with(&p, &ReportOptions::default());
    assert!(matches!(&doc.blocks[0], Block::Notice(n) if n.starts_with("Research use only")));
    assert_eq!(doc.blocks[1], Block::Heading(1, SIGN_OFF_HEADING.into()));
    let text = to_text(&doc);
    for label in ["Prepared by", "Checked by", "Approved by"] {
        let line = text.lines().find(|l| l.contains(label)).unwrap();
        assert_eq!(line.matches(BLANK).count(), 5, "{line}");
    }
    let signed = ReportOptions {
        time_zone: Some(zone("Europe/Paris")),
        sign_off: SignOff {
            prepared: None,
            checked: Some(Signature {
                name: "A. Physicist".into(),
                role: "medical physicist".into(),
                instant: "2026-03-04T15:20:00Z".parse().unwrap(),
                meaning: "checked by physicist".into(),
            }),
            approved: Some(Signature {
                name: "B. Physician".into(),
                role: "nuclear medicine physician".into(),
                instant: "2026-03-04T17:05:00+01:00".parse().unwrap(),
                meaning: "approved by physician".into(),
            }),
        },
        lang: sirt_i18n::Lang::En,
    };
    let html = to_html(&plan_document_with(&p, &signed));
    assert!(html.contains(
        "<td>Checked by</td><td>A. Physicist</td><td>medical physicist</td><td>2026-03-04 16:20 +01:00</td><td>checked by physicist</td>"
    ), "{html}");
    assert!(html.contains("<td>Approved by</td><td>B. Physician</td>"));
    assert!(html.contains(&format!("<td>Prepared by</td><td>{BLANK}</td>")));
}

/// Every date-time printed in the text: "YYYY-MM-DD HH:MM ±HH:MM" and nothing else (the voxel
/// sections and the notes of the rules are other crates' text).
fn instants(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(10) {
        let date = b[i..i + 10].iter().enumerate().all(|(k, c)| {
            if k == 4 || k == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
        if date
            && b.get(i + 10).is_some_and(|c| *c == b'T' || *c == b' ')
            && b.get(i + 11).is_some_and(u8::is_ascii_digit)
        {
            out.push(text[i..(i + 23).min(text.len())].to_owned());
        }
    }
    out
}

fn before_notes(text: &str) -> &str {
    &text[..text
        .find("\nNotes on checks not passed")
        .unwrap_or(text.len())]
}

#[test]
fn every_instant_in_one_format_in_the_site_zone_when_set() {
    let p = plan();
    let own = to_text(&plan_document_with(&p, &ReportOptions::default()));
    let own_instants = instants(before_notes(&own));
    assert!(own_instants.len() > 10, "{own_instants:?}");
    for i in &own_instants {
        assert_eq!(&i[10..11], " ", "{i}");
        assert!(
            i.ends_with(":00") && (i.contains(" +") || i.contains(" -")),
            "{i}"
        );
    }
    // The demo's vial calibrations are written in New York time, its sessions in Paris time.
    assert!(
        own.contains("at calibration 2026-03-01 12:00 -05:00"),
        "{own}"
    );
    let paris = to_text(&plan_document_with(
        &p,
        &ReportOptions {
            time_zone: Some(zone("Europe/Paris")),
            ..ReportOptions::default()
        },
    ));
    assert!(
        paris.contains("at calibration 2026-03-01 18:00 +01:00"),
        "{paris}"
    );
    for i in instants(before_notes(&paris)) {
        assert!(i.ends_with("+01:00") || i.ends_with("+02:00"), "{i}");
    }
}

#[test]
fn flags_as_yes_no_lung_activity_in_one_unit_no_raw_labels() {
    let text = to_text(&plan_document_with(&plan(), &ReportOptions::default()));
    let checks = &text[text.find("\nChecks\n").unwrap()..];
    assert!(!checks.contains("= false") && !checks.contains("= true"));
    assert!(checks.contains("= no"));
    let lung = checks
        .lines()
        .find(|l| l.contains("therasphere-lung-activity"))
        .unwrap();
    assert!(
        lung.contains("GBq (") && lung.contains("≤ 0.611 GBq (16.50 mCi)"),
        "{lung}"
    );
    for raw in [
        "whole-liver,",
        "not_evaluated",
        "Right lobe",
        "| partition |",
    ] {
        assert!(!text.contains(raw), "{raw}");
    }
    assert!(text.contains("Territory            right lobe;"), "{text}");
}

#[test]
fn treatment_day_sheets_one_per_session() {
    let p = plan();
    let sheets = treatment_day_sheets(
        &p,
        &ReportOptions {
            time_zone: Some(zone("Europe/Paris")),
            ..ReportOptions::default()
        },
    );
    assert_eq!(sheets.len(), p.sessions.len());
    let text = to_text(&sheets[0]);
    assert!(text.contains("Research use only"));
    insta::assert_snapshot!("treatment_day_session_1_text", text);
    insta::assert_snapshot!("treatment_day_session_2_html", to_html(&sheets[1]));
}

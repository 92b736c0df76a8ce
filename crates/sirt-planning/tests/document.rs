//! The outcome's report as a document to sign: the site's time zone reaches every instant, the
//! sign-off block is filled by `set_sign_off` in place, the treatment-day sheets come as files,
//! and the report's PDF goes into a DICOM Encapsulated PDF of the case's patient.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_planning::{CaseText, DEMO_CASE, ImageRoot, SiteData, plan_case};
use sirt_report::signoff::{BLANK, is_sign_off_heading};
use sirt_report::{SignOff, Signature};

fn outcome(time_zone: Option<&str>) -> sirt_planning::Outcome {
    let mut site = SiteData::embedded().unwrap();
    site.settings.time_zone = time_zone.map(str::to_owned);
    plan_case(
        &site,
        CaseText {
            text: DEMO_CASE,
            name: "demo",
        },
        ImageRoot::Skip,
    )
    .unwrap()
}

#[test]
fn the_site_zone_reaches_the_report_and_the_sheets() {
    let own = outcome(None);
    assert!(
        own.text()
            .contains("at calibration 2026-03-01 12:00 -05:00")
    );
    let tokyo = outcome(Some("Asia/Tokyo"));
    assert!(
        tokyo
            .text()
            .contains("at calibration 2026-03-02 02:00 +09:00")
    );
    let sheets = tokyo.treatment_day_sheets();
    assert_eq!(sheets.len(), 2);
    assert_eq!(sheets[1].0, "treatment-day-session-2");
    assert_eq!(sheets[0].1.page_size.as_deref(), Some("A4"));
    let files = tokyo.output_files().unwrap();
    assert!(
        files
            .iter()
            .any(|(n, b)| n == "treatment-day-session-1.html"
                && String::from_utf8_lossy(b).contains("+09:00"))
    );
}

#[test]
fn set_sign_off_fills_the_block_in_place() {
    let mut o = outcome(Some("Europe/Paris"));
    let n = o.document.blocks.len();
    assert!(o.text().contains(&format!("Approved by  {BLANK}")));
    o.set_sign_off(SignOff {
        approved: Some(Signature {
            name: "B. Physician".into(),
            role: "nuclear medicine physician".into(),
            instant: "2026-03-04T16:05:00Z".parse().unwrap(),
            meaning: "approved by physician".into(),
        }),
        ..SignOff::default()
    });
    assert_eq!(o.document.blocks.len(), n);
    let headings = o
        .document
        .blocks
        .iter()
        .filter(
            |b| matches!(b, sirt_report::document::Block::Heading(1, t) if is_sign_off_heading(t)),
        )
        .count();
    assert_eq!(headings, 1);
    let text = o.text();
    assert!(
        text.contains(
            "Approved by  B. Physician    nuclear medicine physician  2026-03-04 17:05 +01:00"
        ),
        "{text}"
    );
    assert!(text.contains(&format!("Checked by   {BLANK}")));
}

#[test]
fn the_report_pdf_as_dicom_names_the_patient() {
    let o = outcome(None);
    let pdf = b"%PDF-1.4\n%%EOF\n";
    let dcm = o.report_dicom(pdf).unwrap();
    assert_eq!(&dcm[128..132], b"DICM");
    let has = |needle: &[u8]| dcm.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"1.2.840.10008.5.1.4.1.1.104.1"));
    assert!(has(b"DEMO-NET-001"));
    assert!(has(b"application/pdf"));
    assert!(has(pdf));
    assert!(o.report_dicom(b"not a pdf").is_err());
}

#[test]
fn the_report_joins_the_cts_dicom_study() {
    let dir = std::env::temp_dir().join(format!("sirt-planning-document-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, bytes) in sirt_planning::phantom_files(sirt_phantom::Preset::Standard, 1).unwrap() {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let o = plan_case(
        &SiteData::embedded().unwrap(),
        CaseText {
            text: sirt_planning::DEMO_PHANTOM_CASE,
            name: "demo-phantom-case.toml",
        },
        ImageRoot::Folder(&dir),
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let ct = &o.voxel.as_ref().unwrap().study.as_ref().unwrap().study;
    let dcm = o.report_dicom(b"%PDF-1.4\n%%EOF\n").unwrap();
    let has = |needle: &[u8]| dcm.windows(needle.len()).any(|w| w == needle);
    assert!(has(ct.study_instance_uid.as_bytes()));
    assert!(has(ct.patient_id.as_deref().unwrap().as_bytes()));
    assert!(!has(b"DEMO-NET-001"));
}

/// The demo planned with a French site (`site.language = "fr"`) and changed settings.
fn french_outcome() -> sirt_planning::Outcome {
    let mut site = SiteData::embedded().unwrap();
    site.settings.time_zone = Some("Europe/Paris".into());
    site.settings.language = sirt_i18n::Lang::Fr;
    site.settings.maa_liver_margin = sirt_units::Length::from_m(0.0125);
    plan_case(
        &site,
        CaseText {
            text: DEMO_CASE,
            name: "demo",
        },
        ImageRoot::Skip,
    )
    .unwrap()
}

#[test]
fn a_french_site_gets_the_report_the_sheets_and_the_sign_off_in_french() {
    let mut o = french_outcome();
    let text = o.text();
    assert!(text.contains("Plan de radioembolisation (SIRT) pour DEMO-NET-001"));
    assert!(text.contains("Usage en recherche uniquement"));
    assert!(text.contains(&format!("Approuvé par  {BLANK}")), "{text}");
    assert!(text.contains("\nSynthèse\n") && !text.contains("\nSummary\n"));
    assert!(o.html().contains("<html lang=\"fr\">"));
    // The site settings that differ, in French: the margin with a decimal comma and a no-break
    // space before its unit (English: "12.5 mm").
    assert!(text.contains("\nParamètres du site\n"), "{text}");
    assert!(text.contains("Ce plan a été établi avec des paramètres du site"));
    let margin = text
        .lines()
        .find(|l| l.contains("maa.liver_margin"))
        .unwrap();
    assert!(margin.contains("12,5\u{a0}mm"), "{margin}");
    assert!(margin.contains("choix du site"), "{margin}");
    let tz = text.lines().find(|l| l.contains("site.time_zone")).unwrap();
    assert!(
        tz.contains("Europe/Paris")
            && tz.contains("(chaque instant dans son propre fuseau horaire)"),
        "{tz}"
    );
    // The sign-off block is found and filled in place under its French heading.
    let n = o.document.blocks.len();
    o.set_sign_off(SignOff {
        checked: Some(Signature {
            name: "A. Physicienne".into(),
            role: "physicienne médicale".into(),
            instant: "2026-03-04T15:20:00Z".parse().unwrap(),
            meaning: "vérifié par la physicienne".into(),
        }),
        ..SignOff::default()
    });
    assert_eq!(o.document.blocks.len(), n);
    let text = o.text();
    assert_eq!(text.matches("\nSignatures\n").count(), 1);
    assert!(
        text.contains("Vérifié par   A. Physicienne  physicienne médicale  2026-03-04 16:20 +01:00  vérifié par la physicienne  (électronique)"),
        "{text}"
    );
    let sheets = o.treatment_day_sheets();
    let sheet = sirt_report::document::to_text(&sheets[0].1);
    assert!(
        sheet.starts_with("Jour de traitement — séance 1 — 2026-03-05 10:00 +01:00"),
        "{sheet}"
    );
    let files = o.output_files().unwrap();
    assert!(
        files
            .iter()
            .any(|(n, b)| n == "treatment-day-session-2.html"
                && String::from_utf8_lossy(b).contains("<html lang=\"fr\">"))
    );
}

#[test]
fn an_english_site_keeps_the_english_settings_section() {
    let mut site = SiteData::embedded().unwrap();
    site.settings.maa_liver_margin = sirt_units::Length::from_m(0.0125);
    let o = plan_case(
        &site,
        CaseText {
            text: DEMO_CASE,
            name: "demo",
        },
        ImageRoot::Skip,
    )
    .unwrap();
    let text = o.text();
    assert!(text.contains("\nSite settings\n"));
    assert!(text.contains("This plan was made with site settings that differ from the defaults:"));
    let margin = text
        .lines()
        .find(|l| l.contains("maa.liver_margin"))
        .unwrap();
    assert!(
        margin.contains("12.5 mm") && margin.contains("site choice"),
        "{margin}"
    );
}

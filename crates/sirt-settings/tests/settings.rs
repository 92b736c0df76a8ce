//! Site settings: defaults, a file over them, the differences a report prints, refused values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_settings::{EventProfile, PaperSize, SiteSettings};

#[test]
fn an_empty_file_keeps_every_default_and_differs_in_nothing() {
    let s = SiteSettings::from_toml("", "site.toml").unwrap();
    assert_eq!(s, SiteSettings::default());
    assert!(s.differences().is_empty());
    assert_eq!(s.event_profile, EventProfile::UsNrc);
    assert!((s.maa_liver_margin.m() - 0.015).abs() < 1e-12);
    assert!((s.imaging_max_age.seconds() - 56.0 * 86_400.0).abs() < 1e-6);
}

#[test]
fn a_site_file_changes_what_it_names_and_the_report_lists_exactly_those() {
    let text = r#"
[site]
name = "Example hospital"
time_zone = "Europe/Paris"
paper_size = "Letter"
[events]
profile = "eanm"
[maa]
liver_margin = "1.2 cm"
[retreatment]
imaging_max_age = "6 wk"
[plausibility]
liver_volume = { max = "14 L" }
"#;
    let s = SiteSettings::from_toml(text, "site.toml").unwrap();
    assert_eq!(s.event_profile, EventProfile::Eanm);
    assert_eq!(s.paper_size, PaperSize::Letter);
    assert!((s.maa_liver_margin.m() - 0.012).abs() < 1e-12);
    assert!((s.imaging_max_age.seconds() - 42.0 * 86_400.0).abs() < 1e-6);
    assert!((s.plausibility.liver_volume.max.ml() - 14_000.0).abs() < 1e-9);
    assert!((s.plausibility.liver_volume.min.ml() - 400.0).abs() < 1e-9);
    let keys: Vec<_> = s.differences().iter().map(|d| d.key).collect();
    assert_eq!(
        keys,
        [
            "site.name",
            "site.time_zone",
            "site.paper_size",
            "events.profile",
            "maa.liver_margin",
            "retreatment.imaging_max_age",
            "plausibility.liver_volume"
        ]
    );
    insta::assert_snapshot!(
        s.differences()
            .iter()
            .map(|d| format!(
                "{}: {} (default {}; {})",
                d.key, d.value, d.default, d.source
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_defaults_table_is_the_documented_one() {
    let rows = SiteSettings::default().rows();
    insta::assert_snapshot!(
        rows.iter()
            .map(|d| format!("{} = {} ({})", d.key, d.value, d.source))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn error(text: &str) -> String {
    SiteSettings::from_toml(text, "site.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_values_name_the_file_the_key_what_was_expected_and_found() {
    assert_eq!(
        error("[events]\nprofile = \"nrc\""),
        "site.toml: events.profile: expected \"us-nrc\" or \"eanm\", found \"nrc\""
    );
    assert!(
        error("[maa]\nliver_margin = \"12\"").starts_with("site.toml: maa.liver_margin: expected")
    );
    assert_eq!(
        error("[plausibility]\nliver_volume = { min = \"3 L\", max = \"2 L\" }"),
        "site.toml: plausibility.liver_volume: expected min at most max, found \"min 3000 mL > max 2000 mL\""
    );
    assert_eq!(
        error("[site]\ntime_zone = \"Mars/Olympus\""),
        "site.toml: site.time_zone: expected an IANA time zone (\"Europe/Paris\"), found \"Mars/Olympus\""
    );
    assert_eq!(
        error("[retreatment]\nimaging_max_age = \"-3 d\""),
        "site.toml: retreatment.imaging_max_age: expected a value of at least 0, found \"-259200\""
    );
    let unknown = error("[maa]\nmargin = \"1 cm\"");
    assert!(
        unknown.starts_with("site.toml: ") && unknown.contains("unknown field `margin`"),
        "{unknown}"
    );
    assert_eq!(
        error("[site]\nlanguage = \"de\""),
        "site.toml: site.language: expected \"en\" (English) or \"fr\" (French), found \"de\""
    );
}

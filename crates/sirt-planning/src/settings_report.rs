//! The site settings a plan was made with, in its report and JSON: the settings that differ from
//! the documented defaults (docs/site-settings.md), each with its default and source.

use crate::Outcome;
use sirt_i18n::{Lang, t};
use sirt_report::document::{Block, Table};
use sirt_settings::{SettingRow, SiteSettings};

/// A value or default of a setting in the report's language: the unset texts translated,
/// number texts with the language's decimal separator and unit space, names and codes as
/// written.
fn value_text(l: Lang, row: &SettingRow, v: &str) -> String {
    if v == SettingRow::NONE {
        t!(l, "settings-none")
    } else if v == SettingRow::OWN_ZONE {
        t!(l, "settings-own-zone")
    } else if row.is_number() {
        l.numeric(v)
    } else {
        v.to_owned()
    }
}

/// The source of a default in the report's language: "site choice" translated; the citations
/// before it as written.
fn source_text(l: Lang, source: &str) -> String {
    let choice = t!(l, "settings-site-choice");
    if source == SettingRow::SITE_CHOICE {
        return choice;
    }
    if source.starts_with("site choice; --lang") {
        return t!(l, "settings-language-source");
    }
    match source.strip_suffix("; site choice") {
        Some(cited) if l == Lang::Fr => format!("{cited}\u{a0}; {choice}"),
        _ => source.to_owned(),
    }
}

/// Adds the site settings to an outcome: `site_settings` in the JSON (every setting, with
/// `changed`), and a section after the research notice and record when some setting differs
/// from its default.
pub(crate) fn add(outcome: &mut Outcome, settings: &SiteSettings) {
    outcome.document.page_size = Some(settings.paper_size.label().to_owned());
    let rows = settings.rows();
    outcome.json["site_settings"] = serde_json::Value::Array(
        rows.iter()
            .map(|r| {
                serde_json::json!({
                    "key": r.key,
                    "value": r.value,
                    "default": r.default,
                    "source": r.source,
                    "changed": r.value != r.default,
                })
            })
            .collect(),
    );
    let changed = settings.differences();
    if changed.is_empty() {
        return;
    }
    let l = outcome.report_options.lang;
    let mut t = Table::new(
        &[
            &t!(l, "settings-col-setting"),
            &t!(l, "settings-col-value"),
            &t!(l, "settings-col-default"),
            &t!(l, "settings-col-source"),
        ],
        &[],
    );
    for d in changed {
        t.row(vec![
            d.key.to_owned(),
            value_text(l, &d, &d.value),
            value_text(l, &d, &d.default),
            source_text(l, d.source),
        ]);
    }
    let at = usize::from(!outcome.document.blocks.is_empty());
    outcome.document.blocks.splice(
        at..at,
        [
            Block::Heading(1, t!(l, "settings-heading")),
            Block::Para(t!(l, "settings-intro")),
            Block::Table(t),
        ],
    );
}

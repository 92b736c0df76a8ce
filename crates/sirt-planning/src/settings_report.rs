//! The site settings a plan was made with, in its report and JSON: the settings that differ from
//! the documented defaults (docs/site-settings.md), each with its default and source.

use crate::Outcome;
use sirt_report::document::{Block, Table};
use sirt_settings::SiteSettings;

/// The heading of the section.
pub const SITE_SETTINGS_HEADING: &str = "Site settings";

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
    let mut t = Table::new(
        &["setting", "value", "default", "source of the default"],
        &[],
    );
    for d in changed {
        t.row(vec![
            d.key.to_owned(),
            d.value,
            d.default,
            d.source.to_owned(),
        ]);
    }
    let at = usize::from(!outcome.document.blocks.is_empty());
    outcome.document.blocks.splice(
        at..at,
        [
            Block::Heading(1, SITE_SETTINGS_HEADING.to_owned()),
            Block::Para(
                "This plan was made with site settings that differ from the defaults:".into(),
            ),
            Block::Table(t),
        ],
    );
}

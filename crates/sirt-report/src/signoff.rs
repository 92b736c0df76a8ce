//! The sign-off block of a plan report ("Prepared by", "Checked by", "Approved by"), and the one
//! format every instant of a plan report is printed in.
//!
//! A plan not yet checked or approved prints the block with empty fields: lines to sign by hand
//! on the printed report. The web server fills it from its electronic signatures (the name, the
//! role, the instant and the meaning of each: the elements of 21 CFR Part 11 §11.50).

use crate::document::{Block, Table};
use jiff::tz::TimeZone;
use serde::Serialize;
use sirt_i18n::{Lang, t};
use sirt_units::Instant;

/// The heading of the sign-off block in English ([`sign_off_heading`] in a language; find the
/// block with [`is_sign_off_heading`], whatever the report's language).
pub const SIGN_OFF_HEADING: &str = "Sign-off";

/// The heading of the sign-off block in `lang`: "Sign-off", "Signatures".
pub fn sign_off_heading(lang: Lang) -> String {
    t!(lang, "sign-heading")
}

/// Whether a heading is the sign-off block's, in any language (the server and the application
/// layer fill the block in place).
pub fn is_sign_off_heading(heading: &str) -> bool {
    heading == SIGN_OFF_HEADING || Lang::ALL.iter().any(|l| sign_off_heading(*l) == heading)
}

/// What an empty field prints: a line to sign or write on (14 characters wide in the text
/// report, about 30 mm in the printed one).
pub const BLANK: &str = "______________";

/// One signature: who, in which role, when, and what the signature means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// The signer's printed name.
    pub name: String,
    /// The signer's role ("medical physicist", "nuclear medicine physician").
    pub role: String,
    /// When the signature was given.
    pub instant: Instant,
    /// What it means ("checked by physicist", "approved by physician").
    pub meaning: String,
}

/// The three signatures of a plan; `None` prints empty fields to sign by hand.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SignOff {
    /// Who prepared the plan.
    pub prepared: Option<Signature>,
    /// Who checked it (the physicist).
    pub checked: Option<Signature>,
    /// Who approved it (the physician).
    pub approved: Option<Signature>,
}

/// How a plan report prints what is not the plan itself: the zone of its instants and its
/// signatures.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// The zone every instant is printed in (the site's, `site.time_zone`); `None`: each
    /// instant in the zone it was written in.
    pub time_zone: Option<TimeZone>,
    /// The sign-off block.
    pub sign_off: SignOff,
    /// The language the report is written in (the site's `language`, or `--lang`).
    pub lang: sirt_i18n::Lang,
}

impl ReportOptions {
    /// An instant in the report's one format, "2026-03-05 10:00 +01:00": date, time to the
    /// minute and the UTC offset (unambiguous in any zone), in the report's zone when it has
    /// one, else in the instant's own.
    pub fn instant(&self, i: &Instant) -> String {
        fmt_instant(i, self.time_zone.as_ref())
    }
}

/// An instant as "2026-03-05 10:00 +01:00", in `zone` when given, else in its own zone.
pub fn fmt_instant(i: &Instant, zone: Option<&TimeZone>) -> String {
    let shown = match zone {
        Some(z) => i.in_zone(z.clone()),
        None => i.clone(),
    };
    shown.report_text()
}

impl SignOff {
    /// The block's rows: one per signature with its label, name, role, instant and meaning,
    /// empty fields as lines to sign.
    /// Labels and headers in the report's language; names, roles and meanings as stored.
    pub fn table(&self, options: &ReportOptions) -> Table {
        let l = options.lang;
        let mut t = Table::new(
            &[
                "",
                &t!(l, "sign-col-name"),
                &t!(l, "sign-col-role"),
                &t!(l, "sign-col-instant"),
                &t!(l, "sign-col-meaning"),
                &t!(l, "sign-col-signature"),
            ],
            &[],
        );
        // Checking and approving are electronic signatures (password again, meaning); preparing
        // is the creation of the version: its signature stays a line to sign by hand.
        for (label, s, electronic) in [
            (t!(l, "sign-prepared-by"), &self.prepared, false),
            (t!(l, "sign-checked-by"), &self.checked, true),
            (t!(l, "sign-approved-by"), &self.approved, true),
        ] {
            let row = match s {
                Some(s) => vec![
                    label,
                    s.name.clone(),
                    s.role.clone(),
                    options.instant(&s.instant),
                    s.meaning.clone(),
                    if electronic {
                        t!(l, "sign-electronic")
                    } else {
                        BLANK.to_owned()
                    },
                ],
                None => std::iter::once(label)
                    .chain(std::iter::repeat_n(BLANK.to_owned(), 5))
                    .collect(),
            };
            t.row(row);
        }
        t
    }

    /// The heading and the table.
    pub fn blocks(&self, options: &ReportOptions) -> [Block; 2] {
        [
            Block::Heading(1, sign_off_heading(options.lang)),
            Block::Table(self.table(options)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn instants_in_the_site_zone_or_their_own() {
        let i = at("2026-03-05T10:00:00+01:00[Europe/Paris]");
        assert_eq!(fmt_instant(&i, None), "2026-03-05 10:00 +01:00");
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(fmt_instant(&i, Some(&ny)), "2026-03-05 04:00 -05:00");
        let summer = at("2026-07-01T08:30:00Z");
        let paris = TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(
            fmt_instant(&summer, Some(&paris)),
            "2026-07-01 10:30 +02:00"
        );
    }

    #[test]
    fn empty_fields_are_lines_and_signatures_are_printed() {
        let opts = ReportOptions::default();
        let empty = SignOff::default().table(&opts);
        assert_eq!(empty.rows.len(), 3);
        assert_eq!(empty.rows[1][0], "Checked by");
        assert!(empty.rows.iter().all(|r| r[1..].iter().all(|c| c == BLANK)));
        let signed = SignOff {
            checked: Some(Signature {
                name: "A. Physicist".into(),
                role: "medical physicist".into(),
                instant: at("2026-03-04T16:20:00+01:00"),
                meaning: "checked by physicist".into(),
            }),
            ..SignOff::default()
        }
        .table(&opts);
        assert_eq!(
            signed.rows[1][..5],
            [
                "Checked by",
                "A. Physicist",
                "medical physicist",
                "2026-03-04 16:20 +01:00",
                "checked by physicist"
            ]
        );
        assert_eq!(signed.rows[0][1], BLANK);
        assert_eq!(signed.rows[2][1], BLANK);
    }

    #[test]
    fn french_labels_and_the_heading_found_in_both_languages() {
        let opts = ReportOptions {
            lang: Lang::Fr,
            ..ReportOptions::default()
        };
        let table = SignOff::default().table(&opts);
        let labels: Vec<&str> = table.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(labels, ["Préparé par", "Vérifié par", "Approuvé par"]);
        assert_eq!(table.headers[1], "nom");
        let [heading, _] = SignOff::default().blocks(&opts);
        let Block::Heading(1, h) = heading else {
            panic!("{heading:?}")
        };
        assert_eq!(h, "Signatures");
        assert!(is_sign_off_heading(&h));
        assert!(is_sign_off_heading(SIGN_OFF_HEADING));
        assert!(!is_sign_off_heading("Summary"));
    }
}

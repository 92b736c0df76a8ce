//! The languages of what people read: English and French.
//!
//! - [`Lang`]: the reader's language (`--lang en|fr`, the site's `language`, a user's choice).
//! - The message catalogues: Fluent files under `locales/<lang>/`, compiled into the binary;
//!   [`tr`] and [`tr_args`] give a message in a language. Every message exists in both
//!   languages with the same variables, and every message id the code names exists
//!   (`tests/catalogues.rs`).
//! - Numbers: [`Lang::decimal`] (decimal point in English, decimal comma in French),
//!   [`Lang::quantity`] (a space before the unit; a no-break space in French, as French
//!   typography requires: Imprimerie nationale, *Lexique des règles typographiques en usage à
//!   l'Imprimerie nationale*, "espace insécable" before units and %), [`Lang::numeric`] for a
//!   number text already formatted in English by a unit type.
//! - [`Text`]: a text a domain crate returns (a note, the basis of a check value) that the
//!   renderer prints in the reader's language; it serialises as its English text, so stored
//!   JSON keeps one language.

mod catalogue;
mod number;
mod text;

pub use catalogue::{catalogue_errors, message_ids, tr, tr_args};
pub use text::{Arg, Text};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language of reports, command-line text and the web application's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The ISO 639-1 code: "en", "fr".
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name ("English", "français").
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "français",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language '{found}': expected 'en' (English) or 'fr' (French)")]
pub struct UnknownLang {
    /// The text given.
    pub found: String,
}

impl FromStr for Lang {
    type Err = UnknownLang;

    /// "en" or "fr", in any case, with an optional region ("fr-FR", "en_GB").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match code.as_str() {
            "en" => Ok(Lang::En),
            "fr" => Ok(Lang::Fr),
            _ => Err(UnknownLang {
                found: s.to_owned(),
            }),
        }
    }
}

/// A message of the catalogue in a language: `t!(lang, "report-title")` or with variables
/// `t!(lang, "report-lesions", count = 3, volume = lang.quantity(12.0, 1, "mL"))`.
///
/// Message ids are string literals so that `tests/catalogues.rs` finds them in the sources.
#[macro_export]
macro_rules! t {
    ($lang:expr, $id:literal) => {
        $crate::tr($lang, $id)
    };
    ($lang:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::tr_args($lang, $id, &[$((stringify!($name), $crate::Arg::from($value))),+])
    };
}

impl Lang {
    /// "yes" / "no" ("oui" / "non").
    pub fn yes_no(self, b: bool) -> String {
        if b {
            t!(self, "common-yes")
        } else {
            t!(self, "common-no")
        }
    }

    /// The research-use notice, printed at the top and the bottom of every report.
    pub fn research_notice(self) -> String {
        t!(self, "common-research-notice")
    }
}

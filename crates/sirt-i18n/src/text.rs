//! Texts that domain crates return and renderers print in the reader's language.

use crate::{Lang, tr_args};
use serde::{Serialize, Serializer};
use std::fmt;

/// A text for people: a catalogue message with its variables, a text given in a data file
/// (a rule's title or note, with its French wording when the file has one), or a verbatim
/// text (a file name, a structure name, an error message of a library that has no catalogue).
///
/// It renders in a language with [`Text::render`]; `Display` and JSON give its English text.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// A catalogue message.
    Msg {
        /// Message id (a string literal, found by the catalogue tests).
        id: &'static str,
        /// Its variables.
        args: Vec<(&'static str, Arg)>,
    },
    /// A text from a data file, in English and, when the file gives one, in French.
    Given {
        /// English wording.
        en: String,
        /// French wording; English is printed when absent.
        fr: Option<String>,
    },
    /// A text printed as is in every language.
    Verbatim(String),
    /// Texts joined with the language's list separator ("; ").
    Join(Vec<Text>),
}

/// A variable of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A name, an identifier: printed as is.
    Str(String),
    /// An integer (plural selection).
    Int(i64),
    /// A decimal number with `decimals` digits.
    Num {
        /// Value.
        value: f64,
        /// Digits after the separator.
        decimals: usize,
    },
    /// A number with its unit.
    Qty {
        /// Value.
        value: f64,
        /// Digits after the separator.
        decimals: usize,
        /// Unit symbol ("GBq", "Gy", "%").
        unit: &'static str,
    },
    /// A number text formatted in English by a unit type ("3.2000 GBq (86.49 mCi)"):
    /// see [`Lang::numeric`].
    Numeric(String),
    /// A nested text.
    Text(Box<Text>),
}

impl Arg {
    /// The variable in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Arg::Str(s) => s.clone(),
            Arg::Int(n) => n.to_string(),
            Arg::Num { value, decimals } => lang.decimal(*value, *decimals),
            Arg::Qty {
                value,
                decimals,
                unit,
            } => lang.quantity(*value, *decimals, unit),
            Arg::Numeric(s) => lang.numeric(s),
            Arg::Text(t) => t.render(lang),
        }
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_owned())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Str(s.clone())
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}
impl From<i32> for Arg {
    fn from(n: i32) -> Self {
        Arg::Int(i64::from(n))
    }
}
impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Int(i64::from(n))
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<Text> for Arg {
    fn from(t: Text) -> Self {
        Arg::Text(Box::new(t))
    }
}

impl Text {
    /// A catalogue message without variables.
    pub fn msg(id: &'static str) -> Self {
        Text::Msg {
            id,
            args: Vec::new(),
        }
    }

    /// A catalogue message with its variables.
    pub fn with(id: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        Text::Msg { id, args }
    }

    /// A text printed as is.
    pub fn verbatim(s: impl Into<String>) -> Self {
        Text::Verbatim(s.into())
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Text::Msg { id, args } => tr_args(lang, id, args),
            Text::Given { en, fr } => match (lang, fr) {
                (Lang::Fr, Some(fr)) => fr.clone(),
                _ => en.clone(),
            },
            Text::Verbatim(s) => s.clone(),
            Text::Join(parts) => parts
                .iter()
                .map(|p| p.render(lang))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// The English text.
    pub fn en(&self) -> String {
        self.render(Lang::En)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())
    }
}

impl Serialize for Text {
    /// The English text: stored records and the JSON API keep one language.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.en())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Verbatim(s)
    }
}
impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Verbatim(s.to_owned())
    }
}

//! The Fluent catalogues, compiled in, one bundle per language.

use crate::{Arg, Lang};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

/// The catalogue files of a language, one per area of the application, in the order they are
/// added to the bundle.
macro_rules! files {
    ($lang:literal) => {
        [
            (
                "common.ftl",
                include_str!(concat!("../locales/", $lang, "/common.ftl")),
            ),
            (
                "report.ftl",
                include_str!(concat!("../locales/", $lang, "/report.ftl")),
            ),
            (
                "voxel.ftl",
                include_str!(concat!("../locales/", $lang, "/voxel.ftl")),
            ),
            (
                "checks.ftl",
                include_str!(concat!("../locales/", $lang, "/checks.ftl")),
            ),
            (
                "notes.ftl",
                include_str!(concat!("../locales/", $lang, "/notes.ftl")),
            ),
            (
                "cli.ftl",
                include_str!(concat!("../locales/", $lang, "/cli.ftl")),
            ),
            (
                "web.ftl",
                include_str!(concat!("../locales/", $lang, "/web.ftl")),
            ),
            (
                "followup.ftl",
                include_str!(concat!("../locales/", $lang, "/followup.ftl")),
            ),
            (
                "measured.ftl",
                include_str!(concat!("../locales/", $lang, "/measured.ftl")),
            ),
        ]
    };
}

/// The catalogue sources of a language: (file name, Fluent text).
pub(crate) fn sources(lang: Lang) -> [(&'static str, &'static str); 9] {
    match lang {
        Lang::En => files!("en"),
        Lang::Fr => files!("fr"),
    }
}

struct Bundles {
    en: FluentBundle<FluentResource>,
    fr: FluentBundle<FluentResource>,
    /// What could not be read or added: "fr/report.ftl: ...". Empty for the shipped files
    /// (`tests/catalogues.rs`).
    errors: Vec<String>,
}

fn bundle(lang: Lang, errors: &mut Vec<String>) -> FluentBundle<FluentResource> {
    // "en" and "fr" always parse; the default ("und") would only lose plural rules.
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks around variables would reach text output and PDFs as invisible
    // characters; our variables are numbers and names in the same direction as the text.
    b.set_use_isolating(false);
    for (file, text) in sources(lang) {
        let resource = match FluentResource::try_new(text.to_owned()) {
            Ok(r) => r,
            Err((r, errs)) => {
                for e in errs {
                    errors.push(format!("{lang}/{file}: {e:?}"));
                }
                r
            }
        };
        if let Err(errs) = b.add_resource(resource) {
            for e in errs {
                errors.push(format!("{lang}/{file}: {e:?}"));
            }
        }
    }
    b
}

fn bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        let mut errors = Vec::new();
        let en = bundle(Lang::En, &mut errors);
        let fr = bundle(Lang::Fr, &mut errors);
        Bundles { en, fr, errors }
    })
}

fn of(lang: Lang) -> &'static FluentBundle<FluentResource> {
    match lang {
        Lang::En => &bundles().en,
        Lang::Fr => &bundles().fr,
    }
}

/// What could not be read in the catalogues (none for the shipped files).
pub fn catalogue_errors() -> &'static [String] {
    &bundles().errors
}

/// The message ids of a language's catalogue, sorted.
pub fn message_ids(lang: Lang) -> Vec<String> {
    let mut ids: Vec<String> = sources(lang)
        .iter()
        .flat_map(|(_, text)| {
            text.lines().filter_map(|l| {
                let (id, _) = l.split_once(" =")?;
                let ok = !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                ok.then(|| id.to_owned())
            })
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The message `id` in `lang`, without variables.
pub fn tr(lang: Lang, id: &str) -> String {
    tr_args(lang, id, &[])
}

/// The message `id` in `lang` with its variables. A message missing in `lang` is taken from
/// English; a message missing in both prints as `⟦id⟧` (the catalogue tests make both
/// impossible for the ids the code names).
pub fn tr_args(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let (bundle, message) = match of(lang).get_message(id) {
        Some(m) => (of(lang), m),
        None => match of(Lang::En).get_message(id) {
            Some(m) => (of(Lang::En), m),
            None => return format!("⟦{id}⟧"),
        },
    };
    let Some(pattern) = message.value() else {
        return format!("⟦{id}⟧");
    };
    let mut fa = FluentArgs::new();
    for (name, value) in args {
        fa.set(*name, fluent_value(lang, value));
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fa), &mut errors)
        .into_owned()
}

/// A variable as Fluent sees it: integers as numbers (for plural selectors), everything else
/// as text already in `lang`.
fn fluent_value(lang: Lang, a: &Arg) -> FluentValue<'static> {
    match a {
        Arg::Int(n) => FluentValue::from(*n),
        other => FluentValue::from(other.render(lang)),
    }
}

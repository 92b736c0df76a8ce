//! The catalogues: every message in both languages with the same variables, every message id
//! the code names exists, French typography (a no-break space before ; : ! ? % and units).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fluent_syntax::ast;
use sirt_i18n::{Lang, catalogue_errors, message_ids};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Message id → its variables, from the Fluent sources of one language.
fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang.code());
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let res = fluent_syntax::parser::parse(text.as_str())
            .unwrap_or_else(|(_, e)| panic!("{}: {e:?}", path.display()));
        for entry in res.body {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut vars);
                }
                let id = m.id.name.to_owned();
                assert!(
                    out.insert(id.clone(), vars).is_none(),
                    "{lang}: message {id} defined twice"
                );
            }
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, vars),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
        }
        _ => {}
    }
}

#[test]
fn catalogues_read_without_error() {
    assert!(catalogue_errors().is_empty(), "{:#?}", catalogue_errors());
}

#[test]
fn every_message_exists_in_both_languages_with_the_same_variables() {
    let en = messages(Lang::En);
    let fr = messages(Lang::Fr);
    let only_en: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
    let only_fr: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(
        only_en.is_empty(),
        "messages missing in French: {only_en:?}"
    );
    assert!(
        only_fr.is_empty(),
        "messages missing in English: {only_fr:?}"
    );
    for (id, vars) in &en {
        assert_eq!(
            vars, &fr[id],
            "message {id}: variables differ between English and French"
        );
    }
    assert_eq!(
        message_ids(Lang::En),
        en.keys().cloned().collect::<Vec<_>>()
    );
}

/// The message ids named in Rust (`t!(lang, "id"`, `tr(lang, "id")`, `tr_args(lang, "id"`,
/// `Text::msg("id")`, `Text::with("id"`) and in the web application's scripts (`tr("id"`).
fn ids_named_in(text: &str, rust: bool) -> Vec<String> {
    let markers: &[(&str, bool)] = if rust {
        &[
            ("t!(", true),
            ("tr(", true),
            ("tr_args(", true),
            ("Text::msg(", false),
            ("Text::with(", false),
        ]
    } else {
        &[("tr(", false)]
    };
    let mut ids = Vec::new();
    for (marker, after_comma) in markers {
        for (at, _) in text.match_indices(marker) {
            // `tr(` inside `attr(`, `t(` inside `set(`: the marker must start a name.
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' && !rust) {
                continue;
            }
            let mut rest = &text[at + marker.len()..];
            if *after_comma {
                let Some(comma) = rest.find(',') else {
                    continue;
                };
                if rest[..comma].contains(['(', ')', '"']) {
                    continue;
                }
                rest = &rest[comma + 1..];
            }
            let rest = rest.trim_start();
            let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            if let Some(end) = rest[1..].find(q) {
                ids.push(rest[1..1 + end].to_owned());
            }
        }
    }
    ids
}

fn files_under(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name()
                .is_some_and(|n| n == "node_modules" || n == "target")
            {
                continue;
            }
            files_under(&p, exts, out);
        } else if p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)) {
            out.push(p);
        }
    }
}

#[test]
fn every_message_the_code_names_exists() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let known: BTreeSet<String> = message_ids(Lang::En).into_iter().collect();
    let mut files = Vec::new();
    files_under(crates, &["rs", "js", "ts"], &mut files);
    let mut missing = Vec::new();
    let mut named = 0;
    for f in &files {
        let rust = f.extension().is_some_and(|x| x == "rs");
        if !rust && !f.to_string_lossy().contains("static") {
            continue;
        }
        // This file names ids in its own tests of the scanner.
        if f.ends_with("tests/catalogues.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        // Comments (doc examples) name ids that need not exist.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for id in ids_named_in(&code, rust) {
            named += 1;
            if !known.contains(&id) {
                missing.push(format!("{}: {id}", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "message ids not in the catalogues: {missing:#?}"
    );
    assert!(named > 0, "the scanner found no message id in the sources");
}

#[test]
fn the_scanner_finds_ids() {
    let rust = r#"let a = t!(lang, "report-title"); x = tr(Lang::Fr, "common-yes");
        Text::with("note-x", vec![]); attr(a, "no"); t!(
            o.lang,
            "report-summary",
            n = 3)"#;
    assert_eq!(
        ids_named_in(rust, true),
        ["report-title", "report-summary", "common-yes", "note-x"]
    );
    assert_eq!(
        ids_named_in(
            "el.textContent = tr('web-save'); attr('x'); a.tr('y')",
            false
        ),
        ["web-save"]
    );
}

#[test]
fn french_typography_no_break_space_before_high_punctuation_and_units() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/fr");
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let value = match line.split_once(" = ") {
                Some((_, v)) if !line.starts_with('#') && !line.starts_with(' ') => v,
                _ if line.starts_with("    ") || line.starts_with("   *") => line,
                _ => continue,
            };
            for p in [
                " ;", " :", " !", " ?", " %", " Gy", " GBq", " MBq", " mCi", " kg", " mL",
            ] {
                if value.contains(p) && !value.contains("://") {
                    bad.push(format!(
                        "{}:{}: '{p}' needs a no-break space",
                        path.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn messages_render_in_each_language() {
    assert_eq!(sirt_i18n::tr(Lang::En, "common-yes"), "yes");
    assert_eq!(sirt_i18n::tr(Lang::Fr, "common-yes"), "oui");
    assert_eq!(
        sirt_i18n::tr(Lang::Fr, "no-such-message"),
        "⟦no-such-message⟧"
    );
    let t = sirt_i18n::Text::msg("status-fail");
    assert_eq!(t.render(Lang::Fr), "ÉCHEC");
    assert_eq!(serde_json::to_string(&t).unwrap(), "\"FAIL\"");
}

//! A small document model (headings, paragraphs, key–value lists, tables) with two renderers,
//! plain text and HTML, so that both carry exactly the same content.

use serde::{Deserialize, Serialize};
use sirt_i18n::{Lang, t};
use std::fmt::Write;

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Alignment per column.
    pub align: Vec<Align>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these headers; columns whose header ends with a unit in parentheses or
    /// is listed in `right` are right-aligned.
    pub fn new(headers: &[&str], right: &[usize]) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            align: (0..headers.len())
                .map(|i| {
                    if right.contains(&i) {
                        Align::Right
                    } else {
                        Align::Left
                    }
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A block of a document; as JSON one key naming its kind (`{"heading": [2, "Title"]}`,
/// `{"table": {"headers", "align", "rows"}}`, `{"para": "..."}`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// Heading of level 1–3.
    Heading(u8, String),
    /// A paragraph.
    Para(String),
    /// A boxed notice.
    Notice(String),
    /// Label–value pairs.
    KeyValues(Vec<(String, String)>),
    /// A table.
    Table(Table),
    /// A list of items.
    List(Vec<String>),
    /// A picture: a self-contained SVG (no script, no external resource; raster parts as
    /// `data:` URIs) with its caption. Text output prints the caption only.
    Figure {
        /// What the picture shows (session, dose, structure, slice, levels).
        caption: String,
        /// The SVG element, inlined as is in HTML (made by `crate::figures`, never user text).
        svg: String,
    },
}

/// A document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Document {
    /// Title.
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
    /// Paper of the printed page (CSS `@page { size }`: "A4", "Letter"); `None`: the printer's.
    pub page_size: Option<String>,
    /// The language the document is written in (HTML `lang`, the words of check statuses that
    /// the HTML colours).
    #[serde(skip)]
    pub lang: Lang,
}

impl Document {
    /// Adds a block.
    pub fn push(&mut self, b: Block) {
        self.blocks.push(b);
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, w: usize, align: Align) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

/// Renders as plain text (80-column headings, aligned tables).
pub fn to_text(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", doc.title);
    let _ = writeln!(out, "{}", "=".repeat(width(&doc.title)));
    for b in &doc.blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(out);
                let _ = writeln!(out, "{t}");
                let under = if *level <= 1 {
                    '='
                } else if *level == 2 {
                    '-'
                } else {
                    '.'
                };
                let _ = writeln!(out, "{}", under.to_string().repeat(width(t)));
            }
            Block::Para(p) => {
                let _ = writeln!(out, "{p}");
            }
            Block::Notice(p) => {
                let _ = writeln!(out, "!! {p}");
            }
            Block::KeyValues(kv) => {
                let w = kv.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
                for (k, v) in kv {
                    let _ = writeln!(out, "  {}  {v}", pad(k, w, Align::Left));
                }
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "  - {i}");
                }
            }
            Block::Figure { caption, .. } => {
                let _ = writeln!(out, "[figure: {caption}]");
            }
            Block::Table(t) => {
                let cols = t.headers.len();
                let mut w: Vec<usize> = t.headers.iter().map(|h| width(h)).collect();
                for r in &t.rows {
                    for (i, c) in r.iter().enumerate().take(cols) {
                        w[i] = w[i].max(width(c));
                    }
                }
                let line = |cells: &[String]| {
                    let parts: Vec<String> = (0..cols)
                        .map(|i| {
                            pad(
                                cells.get(i).map(String::as_str).unwrap_or(""),
                                w[i],
                                t.align[i],
                            )
                        })
                        .collect();
                    format!("  {}", parts.join("  ")).trim_end().to_owned()
                };
                let _ = writeln!(out, "{}", line(&t.headers));
                let rule: Vec<String> = w.iter().map(|&n| "-".repeat(n)).collect();
                let _ = writeln!(out, "  {}", rule.join("  "));
                for r in &t.rows {
                    let _ = writeln!(out, "{}", line(r));
                }
            }
        }
    }
    out
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const CSS: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;margin:1.5em;color:#111}\
h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.4em}\
h3{font-size:11pt;margin:1em 0 .3em}table{border-collapse:collapse;margin:.4em 0 .8em}\
th,td{border:1px solid #bbb;padding:2px 6px;vertical-align:top}th{background:#eee;text-align:left}\
td.r{text-align:right;font-variant-numeric:tabular-nums}dl{display:grid;grid-template-columns:max-content auto;gap:1px 12px;margin:.3em 0}\
dt{color:#444}dd{margin:0}.notice{border:2px solid #b00;padding:6px 10px;background:#fff4f4;font-weight:bold}\
.fail{background:#f8d0d0;font-weight:bold}.warn{background:#fde9b8}.info{background:#e3ecfa}.pass{background:#dff2df}\
@media print{body{margin:0}h2{page-break-after:avoid}table{page-break-inside:auto}tr{page-break-inside:avoid}}";

/// Renders as a self-contained HTML page (inline CSS, no external resource).
/// Cells equal to a check status in the document's language (pass, info, warn, FAIL) are
/// coloured.
pub fn to_html(doc: &Document) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        doc.lang.code(),
        escape(&doc.title),
        escape(&doc.title)
    );
    let lang = doc.lang;
    let statuses = [
        (t!(lang, "status-fail"), "fail"),
        (t!(lang, "status-warn"), "warn"),
        (t!(lang, "status-info"), "info"),
        (t!(lang, "status-pass"), "pass"),
    ];
    if let Some(size) = &doc.page_size {
        // Before the body's content: the print engine (Chromium) takes the page size from it.
        let _ = writeln!(out, "<style>@page{{size:{}}}</style>", escape(size));
    }
    for b in &doc.blocks {
        match b {
            Block::Heading(level, t) => {
                let l = (*level).clamp(1, 3) + 1;
                let _ = writeln!(out, "<h{l}>{}</h{l}>", escape(t));
            }
            Block::Para(p) => {
                let _ = writeln!(out, "<p>{}</p>", escape(p));
            }
            Block::Notice(p) => {
                let _ = writeln!(out, "<p class=\"notice\">{}</p>", escape(p));
            }
            Block::KeyValues(kv) => {
                out.push_str("<dl>");
                for (k, v) in kv {
                    let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
                }
                out.push_str("</dl>\n");
            }
            Block::List(items) => {
                out.push_str("<ul>");
                for i in items {
                    let _ = write!(out, "<li>{}</li>", escape(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Figure { caption, svg } => {
                // Scaled down to the page's width when wider (an A4 page holds about 180 mm).
                let svg = svg.replacen("<svg ", "<svg style=\"max-width:100%;height:auto\" ", 1);
                let _ = writeln!(
                    out,
                    "<figure style=\"margin:.6em 0 1em;page-break-inside:avoid;break-inside:avoid\">{svg}<figcaption style=\"font-size:9pt;color:#333;max-width:180mm\">{}</figcaption></figure>",
                    escape(caption)
                );
            }
            Block::Table(t) => {
                out.push_str("<table>\n<tr>");
                for h in &t.headers {
                    let _ = write!(out, "<th>{}</th>", escape(h));
                }
                out.push_str("</tr>\n");
                for r in &t.rows {
                    out.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        let mut classes = Vec::new();
                        if t.align.get(i) == Some(&Align::Right) {
                            classes.push("r");
                        }
                        if let Some((_, class)) = statuses.iter().find(|(w, _)| w == c) {
                            classes.push(class);
                        }
                        if classes.is_empty() {
                            let _ = write!(out, "<td>{}</td>", escape(c));
                        } else {
                            let _ = write!(
                                out,
                                "<td class=\"{}\">{}</td>",
                                classes.join(" "),
                                escape(c)
                            );
                        }
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_escape() {
        let mut t = Table::new(&["name", "dose (Gy)"], &[1]);
        t.row(vec!["T<1>".into(), "12.3".into()]);
        t.row(vec!["normal liver".into(), "1.0".into()]);
        let doc = Document {
            title: "x".into(),
            blocks: vec![Block::Table(t)],
            page_size: None,
            lang: Lang::En,
        };
        let text = to_text(&doc);
        assert!(text.contains("  T<1>               12.3\n"), "{text}");
        let html = to_html(&doc);
        assert!(
            html.contains("<td>T&lt;1&gt;</td><td class=\"r\">12.3</td>"),
            "{html}"
        );
    }
}

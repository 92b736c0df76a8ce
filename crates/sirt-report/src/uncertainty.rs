//! The uncertainty of a plan (`sirt-uncertainty`) in the report and the JSON: the section
//! "Uncertainty" (model, parameters and their sources, the defaults used, each predicted dose
//! with its 5th–95th percentile interval, each dose check with the probability it is met), and
//! in the JSON `interval_gy` beside every predicted dose and `probability_met` on every dose
//! check (absent, never null, where they do not apply; docs/uncertainty.md).

use crate::document::{Block, Table};
use crate::words::{self, InLang};
use serde_json::{Value, json};
use sirt_i18n::{Lang, t};
use sirt_uncertainty::{Dose, DoseKey, Interval, Propagation};
use sirt_workflow::Plan;

/// The interval as JSON: `{"p5": …, "p50": …, "p95": …}` (Gy).
fn interval_json(i: Interval) -> Value {
    json!({ "p5": i.p5, "p50": i.p50, "p95": i.p95 })
}

/// Puts `interval` beside the dose `key` of the object `o`: in `o.interval_gy.<key>` for a plain
/// key, in the tumour's own object of `o.tumour_gy` for a tumour.
fn put(o: &mut Value, key: &DoseKey, interval: Interval) {
    match key {
        DoseKey::Key(k) => {
            if o.get(*k).is_some_and(|v| !v.is_null()) {
                o["interval_gy"][*k] = interval_json(interval);
            }
        }
        DoseKey::Tumour(id) => {
            if let Some(Value::Array(items)) = o.get_mut("tumour_gy") {
                for t in items.iter_mut().filter(|t| t["id"] == id.as_str()) {
                    t["interval_gy"] = interval_json(interval);
                }
            }
        }
    }
}

/// Adds the propagation to a plan's JSON ([`crate::plan_json`]): `interval_gy` beside every
/// predicted dose (injections at the prescribed activity and with the ordered vial, sessions,
/// the plan's cumulative lung dose), `probability_met` on every partition dose check, and
/// `uncertainty` (samples, seed, model, parameters, defaults used).
pub fn add_to_json(json: &mut Value, p: &Propagation) {
    for (dose, interval) in &p.doses {
        let target = match dose {
            Dose::Prescribed { injection, key } => Some((&mut json["injections"][*injection], key)),
            Dose::WithOrderedVial { injection, key } => Some((
                &mut json["injections"][*injection]["with_ordered_vial"],
                key,
            )),
            Dose::Session { session, key } => Some((&mut json["sessions"][*session], key)),
        };
        if let Some((o, key)) = target.filter(|(o, _)| o.is_object()) {
            put(o, key, *interval);
        }
    }
    let last = json["sessions"].as_array().and_then(|s| {
        s.iter()
            .rev()
            .find_map(|s| s["interval_gy"].get("cumulative_lung_gy").cloned())
    });
    if let Some(i) = last {
        json["interval_gy"] = json!({ "cumulative_lung_gy": i });
    }
    if let Some(Value::Array(checks)) = json.get_mut("checks") {
        for c in checks.iter_mut().filter(|c| c["basis"] == "partition") {
            let (Some(rule), Some(subject)) = (c["rule"].as_str(), c["subject"].as_str()) else {
                continue;
            };
            if let Some(x) = p.probability(rule, subject) {
                c["probability_met"] = json!(x);
            }
        }
    }
    json["uncertainty"] = json!({
        "samples": p.options.samples,
        "seed": p.options.seed,
        "percentiles": [5, 50, 95],
        "maa_discrepancy": p.spreads.maa_discrepancy.label(),
        "parameters": p.spreads.parameters,
        "defaults_used": p.spreads.defaults_used(),
    });
}

/// Where a dose is, in words: "injection R, with the ordered vial", "session 1".
fn dose_subject(l: Lang, plan: &Plan, dose: &Dose) -> String {
    match dose {
        Dose::Prescribed { injection, .. } => t!(
            l,
            "uncertainty-at-prescription",
            injection = plan.injections[*injection].input.id.as_str()
        ),
        Dose::WithOrderedVial { injection, .. } => t!(
            l,
            "uncertainty-with-ordered-vial",
            injection = plan.injections[*injection].input.id.as_str()
        ),
        Dose::Session { session, .. } => t!(
            l,
            "uncertainty-session",
            session = plan.sessions[*session].id.as_str()
        ),
    }
}

/// The dose's name in words.
fn dose_name(l: Lang, key: &DoseKey) -> String {
    match key {
        DoseKey::Tumour(id) => t!(l, "uncertainty-dose-tumour", tumour = id.as_str()),
        DoseKey::Key(k) => match *k {
            "tumours_combined_gy" => t!(l, "uncertainty-dose-tumours-combined"),
            "normal_liver_gy" => t!(l, "uncertainty-dose-normal-liver"),
            "perfused_gy" => t!(l, "uncertainty-dose-perfused"),
            "lung_gy" => t!(l, "uncertainty-dose-lung"),
            "whole_liver_ntad_gy" => t!(l, "uncertainty-dose-whole-liver-ntad"),
            "cumulative_lung_gy" => t!(l, "uncertainty-dose-cumulative-lung"),
            "plan_whole_liver_ntad_gy" => t!(l, "uncertainty-dose-plan-ntad"),
            "cumulative_whole_liver_ntad_gy" => t!(l, "uncertainty-dose-cumulative-ntad"),
            "lung_gy_1kg_convention" => t!(l, "uncertainty-dose-lung-1kg"),
            "cumulative_lung_gy_1kg_convention" => t!(l, "uncertainty-dose-cumulative-lung-1kg"),
            other => other.to_owned(),
        },
    }
}

/// The report's section "Uncertainty" of a plan.
pub fn blocks(plan: &Plan, p: &Propagation, l: Lang) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(1, t!(l, "uncertainty-heading")),
        Block::Para(t!(l, "uncertainty-method")),
        Block::KeyValues(vec![
            (t!(l, "uncertainty-samples"), p.options.samples.to_string()),
            (t!(l, "uncertainty-seed"), p.options.seed.to_string()),
        ]),
    ];
    let defaults = p.spreads.defaults_used();
    if !defaults.is_empty() {
        out.push(Block::Notice(t!(
            l,
            "uncertainty-defaults-used",
            keys = defaults.join(", ")
        )));
    }
    out.push(Block::Table(parameter_table(p, l)));
    out.push(Block::Heading(2, t!(l, "uncertainty-doses")));
    out.push(Block::Table(dose_table(plan, p, l)));
    out.push(Block::Heading(2, t!(l, "uncertainty-checks")));
    out.push(Block::Table(check_table(plan, p, l)));
    out
}

fn parameter_table(p: &Propagation, l: Lang) -> Table {
    let mut table = Table::new(
        &[
            &t!(l, "uncertainty-col-parameter"),
            &t!(l, "uncertainty-col-value"),
            &t!(l, "uncertainty-col-origin"),
        ],
        &[1],
    );
    for q in &p.spreads.parameters {
        let value = match q.value {
            None => t!(l, "uncertainty-value-by-device"),
            Some(v) if q.key.starts_with("maa_discrepancy") => l.quantity(v, 1, "Gy"),
            Some(v) => l.decimal(v, 4),
        };
        let origin = if q.default {
            t!(l, "uncertainty-origin-default", source = q.source.as_str())
        } else {
            t!(l, "uncertainty-origin-case")
        };
        table.row(vec![q.key.clone(), value, origin]);
    }
    table
}

fn dose_table(plan: &Plan, p: &Propagation, l: Lang) -> Table {
    let mut table = Table::new(
        &[
            &t!(l, "uncertainty-col-where"),
            &t!(l, "uncertainty-col-dose"),
            "p5 (Gy)",
            "p50 (Gy)",
            "p95 (Gy)",
        ],
        &[2, 3, 4],
    );
    for (dose, i) in &p.doses {
        let key = match dose {
            Dose::Prescribed { key, .. }
            | Dose::WithOrderedVial { key, .. }
            | Dose::Session { key, .. } => key,
        };
        table.row(vec![
            dose_subject(l, plan, dose),
            dose_name(l, key),
            l.decimal(i.p5, 1),
            l.decimal(i.p50, 1),
            l.decimal(i.p95, 1),
        ]);
    }
    table
}

fn check_table(plan: &Plan, p: &Propagation, l: Lang) -> Table {
    let mut table = Table::new(
        &[
            &t!(l, "uncertainty-col-check"),
            &t!(l, "uncertainty-col-subject"),
            &t!(l, "uncertainty-col-must-hold"),
            &t!(l, "uncertainty-col-planned"),
            &t!(l, "uncertainty-col-probability"),
        ],
        &[4],
    );
    for c in &p.checks {
        let Some(check) = plan.checks.iter().find(|k| {
            k.rule == c.rule
                && k.subject == c.subject
                && k.basis == sirt_rules::CheckBasis::Partition
        }) else {
            continue;
        };
        table.row(vec![
            check.title.in_lang(l),
            words::subject(l, &c.subject),
            l.numeric(&format!("{} {}", check.comparison, check.threshold_written)),
            words::status(l, check.status),
            words::pct(l, c.probability_met, 1),
        ]);
    }
    table
}

//! `sirtplan optimise CASE`: the vial, treatment day and activity of each injection of a session
//! that maximise the probability that every tumour goal is met with at most a probability ε that
//! a dose limit is exceeded (`sirt_uncertainty::optimise`, docs/uncertainty.md "Optimisation");
//! the best choice, the plan's own and the trade-off table (Pareto front), as text or JSON.

use crate::cli::Format;
use crate::commands::plan::{planning_failure, settings_in, site_data};
use crate::{Failure, Result, read};
use serde_json::{Value, json};
use sirt_devices::Ordering;
use sirt_i18n::{Lang, t};
use sirt_planning::{CaseText, ImageRoot};
use sirt_uncertainty::optimise::{
    Candidate, DEFAULT_DAYS, DEFAULT_OPTIMISE_SAMPLES, DEFAULT_STEPS, GoalTarget, InjectionChoice,
    Window,
};
use sirt_uncertainty::{Optimisation, OptimiseOptions, Options, resolve};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The arguments of `sirtplan optimise`.
#[derive(clap::Args)]
pub(crate) struct OptimiseArgs {
    /// The case file (TOML); its goals and limits are what is optimised for.
    pub(crate) case: PathBuf,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: Format,
    /// The session to optimise (its id); default: the first session without a delivery record.
    #[arg(long, value_name = "ID")]
    pub(crate) session: Option<String>,
    /// The treatment days tried, relative to the session's planned day (same clock time):
    /// FROM..=TO (e.g. -2..=5) or one day (default 0..=7).
    #[arg(long, value_name = "FROM..=TO", value_parser = parse_days, allow_hyphen_values = true)]
    pub(crate) days: Option<Window>,
    /// The largest accepted probability that a dose limit is exceeded, above 0 and below 1
    /// ("0.05" or "5%"); default: the site settings' optimisation.epsilon (5 %).
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub(crate) epsilon: Option<f64>,
    /// Steps of the activity grid of resin and Ho-166 devices, from the activity at which the
    /// first limit is reached down to 1/STEPS of it (default 20).
    #[arg(long, value_name = "STEPS")]
    pub(crate) steps: Option<usize>,
    /// The number of Monte Carlo samples, the same draws for every candidate (default 4000).
    #[arg(long, value_name = "N")]
    pub(crate) samples: Option<usize>,
    /// The seed of the random numbers (default 20260305); the same seed gives the same result.
    #[arg(long, value_name = "S")]
    pub(crate) seed: Option<u64>,
    /// A site device catalogue that adds or overrides devices (repeatable).
    #[arg(long = "devices", value_name = "FILE")]
    pub(crate) devices: Vec<PathBuf>,
    /// A site rule file (repeatable): the plan's rules.
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rules: Vec<PathBuf>,
    /// The site settings file (docs/site-settings.md): optimisation.epsilon, plausibility
    /// bounds, language.
    #[arg(long = "site", value_name = "FILE")]
    pub(crate) site: Option<PathBuf>,
}

/// `--days`: "FROM..=TO" or one day; the order of the ends is checked by the optimisation.
fn parse_days(s: &str) -> std::result::Result<Window, String> {
    let bad = || {
        format!(
            "expected FROM..=TO, days relative to the planned treatment (e.g. 0..=7 or -2..=5), or one day, found \"{s}\""
        )
    };
    let day = |t: &str| t.trim().parse::<i64>().map_err(|_| bad());
    match s.split_once("..=") {
        Some((from, to)) => Ok(Window {
            from: day(from)?,
            to: day(to)?,
        }),
        None if s.contains("..") => Err(bad()),
        None => day(s).map(|d| Window { from: d, to: d }),
    }
}

/// `--epsilon`: a number ("0.05") or a percentage ("5%", "5 %"); its range is checked by the
/// optimisation.
fn parse_probability(s: &str) -> std::result::Result<f64, String> {
    let t = s.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(p) => (p.trim(), 0.01),
        None => (t, 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v * scale)
        .ok_or_else(|| format!("expected a probability such as 0.05 or 5%, found \"{s}\""))
}

/// Where ε came from.
#[derive(Clone, Copy)]
enum EpsilonSource {
    Option,
    Site,
}

/// `sirtplan optimise CASE`.
pub(crate) fn run(args: &OptimiseArgs, lang: Option<Lang>, out: &mut impl Write) -> Result<()> {
    let mut site = site_data(&args.devices, &args.rules)?;
    site.settings = settings_in(args.site.as_deref(), lang)?;
    let text = read(&args.case)?;
    let name = args.case.display().to_string();
    let case = CaseText {
        text: &text,
        name: &name,
    };
    let base = args.case.parent().unwrap_or(Path::new("."));
    let measured = sirt_planning::measured_values_of(&site, case, ImageRoot::Folder(base))
        .map_err(planning_failure)?;
    let (plan, _) = sirt_planning::plan_without_document_measured(
        &site,
        case,
        &sirt_case::Overrides::default(),
        &measured,
    )
    .map_err(planning_failure)?;
    let (epsilon, source) = match args.epsilon {
        Some(e) => (e, EpsilonSource::Option),
        None => (
            site.settings.optimisation_epsilon.value(),
            EpsilonSource::Site,
        ),
    };
    let options = OptimiseOptions {
        session: args.session.clone(),
        days: args.days.unwrap_or(DEFAULT_DAYS),
        epsilon,
        steps: args.steps.unwrap_or(DEFAULT_STEPS),
        monte_carlo: Options {
            samples: args.samples.unwrap_or(DEFAULT_OPTIMISE_SAMPLES),
            seed: args.seed.unwrap_or(sirt_uncertainty::DEFAULT_SEED),
        },
    };
    let spreads = resolve(plan.case.uncertainty.as_ref(), &plan);
    let result = sirt_uncertainty::optimise(&plan, &name, &spreads, &options).map_err(|e| {
        if matches!(
            e,
            sirt_uncertainty::OptimiseError::Plan(_) | sirt_uncertainty::OptimiseError::Worker
        ) {
            Failure::Internal(e.into())
        } else {
            crate::input(e)
        }
    })?;
    let report = Report {
        case: &name,
        plan: &plan,
        result: &result,
        source,
        lang: site.settings.language,
    };
    match args.format {
        Format::Text => out.write_all(report.text().as_bytes())?,
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report.json())
                .map_err(|e| Failure::Internal(e.into()))?
        )?,
    }
    Ok(())
}

/// What is printed.
struct Report<'a> {
    case: &'a str,
    plan: &'a sirt_workflow::Plan,
    result: &'a Optimisation,
    source: EpsilonSource,
    lang: Lang,
}

/// Activities as the reports print them: GBq with four decimals and mCi.
fn activity(lang: Lang, a: sirt_units::Activity) -> String {
    lang.numeric(&a.gbq_and_mci(4))
}

impl Report<'_> {
    fn planned_instant(&self) -> String {
        self.result.planned.treatment.report_text()
    }

    fn device_name(&self, c: &InjectionChoice) -> String {
        self.plan.injections[c.injection].device.name.clone()
    }

    /// The goals in words.
    fn goals(&self) -> String {
        let l = self.lang;
        self.result
            .events
            .goals
            .iter()
            .map(|g| {
                let dose = l.quantity(g.dose.gy(), 1, "Gy");
                let target = match &g.target {
                    GoalTarget::Combined => t!(l, "cli-optimise-goal-combined"),
                    GoalTarget::Every => t!(l, "cli-optimise-goal-every"),
                    GoalTarget::Named(id) => t!(l, "cli-optimise-goal-named", id = id.as_str()),
                };
                t!(
                    l,
                    "cli-optimise-goal",
                    injection = g.injection_id.as_str(),
                    target = target,
                    dose = dose
                )
            })
            .collect::<Vec<_>>()
            .join(&semicolon(l))
    }

    /// The limits in words (the case file's keys).
    fn limits(&self) -> String {
        let l = self.lang;
        self.result
            .events
            .limits
            .iter()
            .map(|x| {
                let decimals = if x.kind.key().starts_with("lung") {
                    2
                } else {
                    1
                };
                let max = l.quantity(x.max.gy(), decimals, "Gy");
                match &x.injection {
                    Some((_, id)) => format!("{id}: {} ≤ {max}", x.kind.key()),
                    None => format!("{} ≤ {max}", x.kind.key()),
                }
            })
            .collect::<Vec<_>>()
            .join(&semicolon(l))
    }

    /// One injection's choice in full.
    fn choice_line(&self, c: &InjectionChoice) -> String {
        let l = self.lang;
        let device = self.device_name(c);
        let main = match c.ordering {
            Ordering::Vials => t!(
                l,
                "cli-optimise-choice-vial",
                injection = c.id.as_str(),
                device = device,
                size = l.quantity(c.nominal.gbq(), 0, "GBq"),
                calibration = c.calibration.report_text(),
                vial = activity(l, c.vial_at_injection),
                administered = activity(l, c.administered)
            ),
            Ordering::Fraction => t!(
                l,
                "cli-optimise-choice-drawn",
                injection = c.id.as_str(),
                device = device,
                administered = activity(l, c.administered),
                fraction = l.percent(c.fraction_drawn.unwrap_or(1.0), 1),
                vials = c.vials,
                size = l.quantity(c.nominal.gbq(), 0, "GBq"),
                calibration = c.calibration.report_text()
            ),
            Ordering::PatientSpecific => t!(
                l,
                "cli-optimise-choice-ordered",
                injection = c.id.as_str(),
                device = device,
                ordered = activity(l, c.nominal),
                calibration = c.calibration.report_text(),
                administered = activity(l, c.administered)
            ),
        };
        match (c.spheres, c.activity_per_sphere) {
            (Some(n), Some(a)) => format!(
                "{main}{}{}",
                semicolon(l),
                t!(
                    l,
                    "cli-optimise-spheres",
                    millions = l.decimal(n / 1e6, 2),
                    per_sphere = l.quantity(a.bq(), 0, "Bq")
                )
            ),
            _ => main,
        }
    }

    /// One injection's choice in a table cell.
    fn choice_cell(&self, c: &InjectionChoice) -> String {
        let l = self.lang;
        match c.ordering {
            Ordering::Vials => t!(
                l,
                "cli-optimise-cell-vial",
                injection = c.id.as_str(),
                size = l.quantity(c.nominal.gbq(), 0, "GBq"),
                calibration = c.calibration.zoned().strftime("%Y-%m-%d").to_string()
            ),
            Ordering::Fraction | Ordering::PatientSpecific => {
                format!("{}: {}", c.id, l.quantity(c.administered.gbq(), 4, "GBq"))
            }
        }
    }

    fn probabilities(&self, c: &Candidate) -> String {
        let l = self.lang;
        t!(
            l,
            "cli-optimise-probabilities",
            goals = l.percent(c.p_goals, 1),
            exceeded = l.percent(c.p_exceeded, 1)
        )
    }
}

/// The text for people.
impl Report<'_> {
    fn text(&self) -> String {
        let l = self.lang;
        let r = self.result;
        let mut lines = self.header();
        lines.push(String::new());
        match r.best.map(|i| &r.candidates[i]) {
            Some(best) => {
                lines.push(t!(
                    l,
                    "cli-optimise-best",
                    day = signed(best.day),
                    treatment = best.treatment.report_text()
                ));
                lines.extend(
                    best.choices
                        .iter()
                        .map(|c| format!("  {}", self.choice_line(c))),
                );
                lines.push(format!("  {}", self.probabilities(best)));
            }
            None => lines.push(t!(
                l,
                "cli-optimise-none-feasible",
                epsilon = l.percent(r.epsilon, 1)
            )),
        }
        let planned = &r.planned;
        lines.push(t!(
            l,
            "cli-optimise-planned",
            treatment = self.planned_instant()
        ));
        lines.extend(
            planned
                .choices
                .iter()
                .map(|c| format!("  {}", self.choice_line(c))),
        );
        lines.push(format!("  {}", self.probabilities(planned)));
        lines.push(String::new());
        lines.push(t!(l, "cli-optimise-front"));
        lines.extend(self.table());
        lines.push(t!(
            l,
            "cli-optimise-legend",
            epsilon = l.percent(r.epsilon, 1)
        ));
        lines.push(String::new());
        lines.push(t!(l, "cli-optimise-method"));
        lines.push(l.research_notice());
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }

    /// The lines above the results: case, aim, goals, limits, Monte Carlo, candidates.
    fn header(&self) -> Vec<String> {
        let l = self.lang;
        let r = self.result;
        let source = match self.source {
            EpsilonSource::Option => t!(l, "cli-optimise-epsilon-option"),
            EpsilonSource::Site => t!(l, "cli-optimise-epsilon-site"),
        };
        let defaults = r.spreads.defaults_used().join(", ");
        let spreads = match (self.plan.case.uncertainty.is_some(), defaults.is_empty()) {
            (true, true) => t!(l, "cli-optimise-spreads-case"),
            (true, false) => t!(l, "cli-optimise-spreads-case-defaults", defaults = defaults),
            (false, _) => t!(l, "cli-optimise-spreads-defaults"),
        };
        let without = if r.days_without_order.is_empty() {
            t!(l, "cli-optimise-none")
        } else {
            r.days_without_order
                .iter()
                .map(|d| signed(*d))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut lines = vec![
            t!(
                l,
                "cli-optimise-title",
                case = self.case,
                session = r.session.as_str(),
                planned = self.planned_instant()
            ),
            t!(
                l,
                "cli-optimise-aim",
                epsilon = l.percent(r.epsilon, 1),
                source = source
            ),
            t!(l, "cli-optimise-goals", goals = self.goals()),
            t!(l, "cli-optimise-limits", limits = self.limits()),
            t!(
                l,
                "cli-optimise-monte-carlo",
                samples = r.options.samples,
                seed = r.options.seed.to_string(),
                spreads = spreads
            ),
            t!(
                l,
                "cli-optimise-candidates",
                count = r.candidates.len(),
                from = signed(r.days.from),
                to = signed(r.days.to),
                without = without
            ),
        ];
        if let Some(f) = r.limit_factor {
            lines.push(t!(
                l,
                "cli-optimise-grid",
                steps = r.steps,
                factor = l.decimal(f, 3)
            ));
        }
        lines
    }

    /// The Pareto front as a table, the best marked, the candidates above ε marked.
    fn table(&self) -> Vec<String> {
        let l = self.lang;
        let r = self.result;
        let mut rows: Vec<[String; 7]> = vec![[
            t!(l, "cli-optimise-col-day"),
            t!(l, "cli-optimise-col-treatment"),
            t!(l, "cli-optimise-col-choice"),
            t!(l, "cli-optimise-col-administered"),
            t!(l, "cli-optimise-col-goals"),
            t!(l, "cli-optimise-col-exceeded"),
            String::new(),
        ]];
        for &i in &r.front {
            let c = &r.candidates[i];
            let mark = if Some(i) == r.best {
                t!(l, "cli-optimise-mark-best")
            } else if c.p_exceeded > r.epsilon {
                t!(l, "cli-optimise-mark-above")
            } else {
                String::new()
            };
            rows.push([
                signed(c.day),
                c.treatment.zoned().strftime("%Y-%m-%d %H:%M").to_string(),
                c.choices
                    .iter()
                    .map(|x| self.choice_cell(x))
                    .collect::<Vec<_>>()
                    .join(&semicolon(l)),
                activity(l, c.administered()),
                l.percent(c.p_goals, 1),
                l.percent(c.p_exceeded, 1),
                mark,
            ]);
        }
        let width = |k: usize| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..7).map(width).collect();
        rows.iter()
            .map(|row| {
                let cells: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(k, cell)| {
                        let pad = widths[k].saturating_sub(cell.chars().count());
                        // Numbers right-aligned (day, probabilities), words left-aligned.
                        if matches!(k, 0 | 4 | 5) {
                            format!("{}{cell}", " ".repeat(pad))
                        } else {
                            format!("{cell}{}", " ".repeat(pad))
                        }
                    })
                    .collect();
                format!("  {}", cells.join("  ")).trim_end().to_owned()
            })
            .collect()
    }
}

/// The separator of clauses: "; ", in French with a no-break space before the semicolon.
fn semicolon(l: Lang) -> String {
    match l {
        Lang::Fr => "\u{a0}; ".to_owned(),
        Lang::En => "; ".to_owned(),
    }
}

/// A day relative to the planned one: "+2", "0", "-1".
fn signed(day: i64) -> String {
    if day > 0 {
        format!("+{day}")
    } else {
        day.to_string()
    }
}

/// The JSON for machines (English, numbers with their unit in the key; keys absent where they
/// do not apply).
impl Report<'_> {
    fn json(&self) -> Value {
        let r = self.result;
        let mut v = json!({
            "case": self.case,
            "session": r.session,
            "planned_treatment": r.planned.treatment,
            "epsilon": r.epsilon,
            "epsilon_source": match self.source {
                EpsilonSource::Option => "option",
                EpsilonSource::Site => "site_settings",
            },
            "days": { "from": r.days.from, "to": r.days.to },
            "samples": r.options.samples,
            "seed": r.options.seed,
            "goals": r.events.goals.iter().map(|g| json!({
                "injection": g.injection_id,
                "target": g.target,
                "dose_gy": g.dose.gy(),
            })).collect::<Vec<_>>(),
            "limits": r.events.limits.iter().map(|x| {
                let mut o = json!({ "limit": x.kind.key(), "max_gy": x.max.gy() });
                if let Some((_, id)) = &x.injection {
                    o["injection"] = json!(id);
                }
                o
            }).collect::<Vec<_>>(),
            "uncertainty_defaults_used": r.spreads.defaults_used(),
            "candidates_evaluated": r.candidates.len(),
            "days_without_order": r.days_without_order,
            "planned": candidate_json(&r.planned, r.epsilon),
            "pareto_front": r.front.iter().map(|&i| candidate_json(&r.candidates[i], r.epsilon)).collect::<Vec<_>>(),
        });
        if let Some(i) = r.best {
            v["best"] = candidate_json(&r.candidates[i], r.epsilon);
        }
        if let Some(f) = r.limit_factor {
            v["activity_grid"] = json!({ "steps": r.steps, "limit_factor": f });
        }
        v
    }
}

fn candidate_json(c: &Candidate, epsilon: f64) -> Value {
    json!({
        "day": c.day,
        "treatment": c.treatment,
        "p_goals_met": c.p_goals,
        "p_limit_exceeded": c.p_exceeded,
        "feasible": c.p_exceeded <= epsilon,
        "administered_gbq": c.administered().gbq(),
        "injections": c.choices.iter().map(choice_json).collect::<Vec<_>>(),
    })
}

fn choice_json(c: &InjectionChoice) -> Value {
    let mut v = json!({
        "injection": c.id,
        "device": c.device,
        "ordering": c.ordering,
        "calibration": c.calibration,
        "vial_gbq": c.nominal.gbq(),
        "vials": c.vials,
        "vial_at_injection_gbq": c.vial_at_injection.gbq(),
        "administered_gbq": c.administered.gbq(),
    });
    if let Some(f) = c.fraction_drawn {
        v["fraction_drawn"] = json!(f);
    }
    if let Some(n) = c.spheres {
        v["spheres"] = json!(n);
    }
    if let Some(a) = c.activity_per_sphere {
        v["activity_per_sphere_bq"] = json!(a.bq());
    }
    v
}

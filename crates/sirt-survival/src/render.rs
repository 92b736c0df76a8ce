//! Human-readable output: the Kaplan–Meier plot as SVG with a numbers-at-risk table, and text
//! summaries of the KM / log-rank, Cox, logistic and ROC results, in a language (the `fu-km-*`,
//! `fu-cox-*`, `fu-logit-*` and `fu-roc-*` messages of sirt-i18n's `followup.ftl`; the functions
//! without `_in` are English).

use crate::cox::{CoxFit, Ties};
use crate::km::{KmCurve, KmReport, MedianRule, TimeEstimate};
use crate::logistic::LogisticFit;
use crate::logrank::LogRankResult;
use crate::roc::{PositiveSide, RocCurve};
use crate::table::TimeUnit;
use sirt_i18n::{Lang, t};
use std::fmt::Write;

/// Options of the Kaplan–Meier plot.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct KmPlotOptions {
    /// Draw the pointwise confidence band of each curve.
    pub show_ci: bool,
    /// Times of the numbers-at-risk table (and of the x-axis ticks); `None` picks 4–8 round
    /// ticks from 0 to the last follow-up.
    pub risk_times: Option<Vec<f64>>,
    /// Title above the plot.
    pub title: Option<String>,
}

/// Curve colours (the matplotlib "tab10" palette, colour-blind-aware ordering).
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f",
];

const WIDTH: f64 = 760.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 30.0;
/// Top of the legend (under the title); the plot starts below the legend.
const LEGEND_TOP: f64 = 46.0;
const LEGEND_ROW: f64 = 18.0;
const PLOT_HEIGHT: f64 = 320.0;
const ROW_HEIGHT: f64 = 20.0;

/// A number for people: integers without decimals, otherwise up to `decimals` with trailing
/// zeros removed.
fn num(v: f64, decimals: usize) -> String {
    if v == v.round() && v.abs() < 1e15 {
        return format!("{}", v.round() as i64);
    }
    let s = format!("{v:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A p-value: three significant digits, scientific below 0.001.
fn pval(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.2e}")
    } else {
        let decimals = (2.0 - p.log10().floor()).clamp(2.0, 5.0) as usize;
        format!("{p:.decimals$}")
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn time_estimate(lang: Lang, t: TimeEstimate, unit: &str) -> String {
    match t {
        TimeEstimate::Reached { time } => lang.with_unit(&lang.numeric(&num(time, 2)), unit),
        TimeEstimate::NotReached => t!(lang, "fu-km-not-reached"),
    }
}

fn time_limit(lang: Lang, t: TimeEstimate) -> String {
    match t {
        TimeEstimate::Reached { time } => lang.numeric(&num(time, 2)),
        TimeEstimate::NotReached => t!(lang, "fu-km-not-reached"),
    }
}

/// A time unit in words ("months", "mois").
fn unit_text(lang: Lang, u: TimeUnit) -> String {
    match u {
        TimeUnit::Days => t!(lang, "fu-km-unit-days"),
        TimeUnit::Weeks => t!(lang, "fu-km-unit-weeks"),
        TimeUnit::Months => t!(lang, "fu-km-unit-months"),
        TimeUnit::Years => t!(lang, "fu-km-unit-years"),
    }
}

/// A confidence level in percent ("95 %").
fn level_text(lang: Lang, alpha: f64) -> String {
    lang.with_unit(&lang.numeric(&num(100.0 * (1.0 - alpha), 1)), "%")
}

/// An interval "a to b" ("a à b").
fn interval(lang: Lang, lower: &str, upper: &str) -> String {
    t!(
        lang,
        "fu-stat-interval",
        lower = lang.numeric(lower),
        upper = lang.numeric(upper)
    )
}

/// Round ticks from 0 to `max` (steps 1, 2, 2.5 or 5 × 10ᵏ, 4 to 8 intervals).
fn nice_ticks(max: f64) -> Vec<f64> {
    if max <= 0.0 || !max.is_finite() {
        return vec![0.0];
    }
    let raw = max / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| max / s <= 8.0)
        .unwrap_or(10.0 * mag);
    let mut ticks = Vec::new();
    let mut k = 0.0;
    while k * step <= max * (1.0 + 1e-9) {
        ticks.push(k * step);
        k += 1.0;
    }
    ticks
}

/// Median rule and transform, in words, for the summaries.
fn conventions(lang: Lang, curve: &KmCurve) -> String {
    let rule = match curve.options.median_rule {
        MedianRule::FirstAtOrBelow => t!(lang, "fu-km-median-first"),
        MedianRule::MidpointOfFlat => t!(lang, "fu-km-median-midpoint"),
    };
    t!(
        lang,
        "fu-km-conventions",
        level = level_text(lang, curve.options.alpha),
        transform = curve.options.transform.label(),
        rule = rule
    )
}

/// Left edge of the research notice in the figure, px.
const NOTICE_X: f64 = 10.0;
/// Width the research notice is fitted to, px (the figure's width less both margins).
const NOTICE_WIDTH: f64 = WIDTH - 2.0 * NOTICE_X;

/// The research-use notice (one wording for every output: `sirt_units::RESEARCH_NOTICE`).
pub use sirt_units::RESEARCH_NOTICE;

/// Where the parts of the Kaplan–Meier figure go.
struct KmFrame {
    /// Largest time on the x axis.
    t_max: f64,
    plot_w: f64,
    plot_top: f64,
    table_top: f64,
    notice_y: f64,
    height: f64,
}

impl KmFrame {
    /// The frame for `groups` curves over times up to `t_max`.
    fn new(groups: usize, t_max: f64) -> KmFrame {
        let plot_top = LEGEND_TOP + LEGEND_ROW * groups as f64 + 8.0;
        let table_top = plot_top + PLOT_HEIGHT + 70.0;
        let notice_y = table_top + ROW_HEIGHT * (groups as f64 + 1.0) + 8.0;
        KmFrame {
            t_max,
            plot_w: WIDTH - LEFT - RIGHT,
            plot_top,
            table_top,
            notice_y,
            height: notice_y + 12.0,
        }
    }

    /// x of time `t`.
    fn x(&self, t: f64) -> f64 {
        LEFT + self.plot_w * t / self.t_max
    }

    /// y of survival `s`.
    fn y(&self, s: f64) -> f64 {
        self.plot_top + PLOT_HEIGHT * (1.0 - s)
    }
}

/// The Kaplan–Meier curves as a standalone SVG document: step curves, censoring ticks, the
/// optional confidence band, a legend with n and the median, axes with units, the numbers at
/// risk under the plot, and the research-use notice.
pub fn render_km_svg(report: &KmReport, options: &KmPlotOptions) -> String {
    render_km_svg_in(report, options, Lang::En)
}

/// [`render_km_svg`] in a language: axis titles, legend, numbers at risk, notice and numbers.
pub fn render_km_svg_in(report: &KmReport, options: &KmPlotOptions, lang: Lang) -> String {
    let unit = &unit_text(lang, report.time_unit);
    let t_end = report
        .groups
        .iter()
        .map(|g| g.curve.last_time())
        .fold(0.0, f64::max);
    let ticks = options
        .risk_times
        .clone()
        .unwrap_or_else(|| nice_ticks(t_end));
    let t_max = ticks
        .iter()
        .copied()
        .fold(t_end, f64::max)
        .max(f64::MIN_POSITIVE);
    let frame = KmFrame::new(report.groups.len(), t_max);
    let height = frame.height;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(o, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    if let Some(title) = &options.title {
        let _ = writeln!(
            o,
            "<text x=\"{:.2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
            WIDTH / 2.0,
            xml_escape(title)
        );
    }
    write_axes(lang, &mut o, &frame, &ticks, unit);
    for (k, g) in report.groups.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        if options.show_ci {
            write_ci_band(&mut o, &frame, &g.curve, colour);
        }
        write_curve(&mut o, &frame, &g.curve, colour);
        write_legend_entry(lang, &mut o, k, &g.label, &g.curve, colour, unit);
    }
    write_numbers_at_risk(lang, &mut o, &frame, report, &ticks);
    // The notice spans the figure from its left edge, in a smaller font: the whole wording fits
    // the figure's width (about 140 characters at 9 px).
    let notice_y = frame.notice_y;
    let _ = writeln!(
        o,
        "<text x=\"{NOTICE_X:.2}\" y=\"{notice_y:.2}\" font-size=\"9\" fill=\"#555\" textLength=\"{NOTICE_WIDTH:.2}\" lengthAdjust=\"spacingAndGlyphs\">{}</text>",
        xml_escape(&lang.research_notice())
    );
    o.push_str("</svg>\n");
    o
}

/// Axes, the horizontal grid with survival labels, the time ticks and both axis titles.
fn write_axes(lang: Lang, o: &mut String, frame: &KmFrame, ticks: &[f64], unit: &str) {
    let (plot_top, plot_w) = (frame.plot_top, frame.plot_w);
    let _ = writeln!(
        o,
        "<g stroke=\"#000\" fill=\"none\"><path d=\"M{:.2} {:.2} V{:.2} H{:.2}\"/></g>",
        LEFT,
        plot_top,
        plot_top + PLOT_HEIGHT,
        LEFT + plot_w
    );
    for s in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = writeln!(
            o,
            "<path d=\"M{:.2} {:.2} H{:.2}\" stroke=\"#ddd\"/><text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
            LEFT,
            frame.y(s),
            LEFT + plot_w,
            LEFT - 6.0,
            frame.y(s) + 4.0,
            lang.numeric(&num(s, 2))
        );
    }
    for &t in ticks {
        let _ = writeln!(
            o,
            "<path d=\"M{:.2} {:.2} v5\" stroke=\"#000\"/><text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
            frame.x(t),
            plot_top + PLOT_HEIGHT,
            frame.x(t),
            plot_top + PLOT_HEIGHT + 18.0,
            lang.numeric(&num(t, 2))
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
        LEFT + plot_w / 2.0,
        plot_top + PLOT_HEIGHT + 38.0,
        xml_escape(&t!(lang, "fu-km-axis-time", unit = unit))
    );
    let _ = writeln!(
        o,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\" transform=\"rotate(-90 {:.2} {:.2})\">{}</text>",
        LEFT - 45.0,
        plot_top + PLOT_HEIGHT / 2.0,
        LEFT - 45.0,
        plot_top + PLOT_HEIGHT / 2.0,
        xml_escape(&t!(lang, "fu-km-axis-survival"))
    );
}

/// The pointwise confidence band of a curve as a filled step polygon, up to the last event
/// time with an interval.
fn write_ci_band(o: &mut String, frame: &KmFrame, c: &KmCurve, colour: &str) {
    let mut upper = vec![(0.0, 1.0)];
    let mut lower = vec![(0.0, 1.0)];
    let mut end = c.last_time();
    for r in c.rows.iter().filter(|r| r.events > 0) {
        let Some(ci) = r.ci else {
            end = r.time;
            break;
        };
        let (pu, pl) = (upper[upper.len() - 1].1, lower[lower.len() - 1].1);
        upper.push((r.time, pu));
        upper.push((r.time, ci.upper));
        lower.push((r.time, pl));
        lower.push((r.time, ci.lower));
    }
    let (pu, pl) = (upper[upper.len() - 1].1, lower[lower.len() - 1].1);
    upper.push((end, pu));
    lower.push((end, pl));
    let pts: Vec<String> = upper
        .iter()
        .chain(lower.iter().rev())
        .map(|&(t, s)| format!("{:.2},{:.2}", frame.x(t), frame.y(s)))
        .collect();
    let _ = writeln!(
        o,
        "<polygon points=\"{}\" fill=\"{colour}\" fill-opacity=\"0.15\" stroke=\"none\"/>",
        pts.join(" ")
    );
}

/// The step curve of Ŝ(t) and its censoring ticks.
fn write_curve(o: &mut String, frame: &KmFrame, c: &KmCurve, colour: &str) {
    let mut d = format!("M{:.2} {:.2}", frame.x(0.0), frame.y(1.0));
    for r in c.rows.iter().filter(|r| r.events > 0) {
        let _ = write!(d, " H{:.2} V{:.2}", frame.x(r.time), frame.y(r.survival));
    }
    let _ = write!(d, " H{:.2}", frame.x(c.last_time()));
    let _ = writeln!(
        o,
        "<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>"
    );
    let ticks: Vec<String> = c
        .rows
        .iter()
        .filter(|r| r.censored > 0)
        .map(|r| {
            format!(
                "M{:.2} {:.2} v8",
                frame.x(r.time),
                frame.y(r.survival) - 4.0
            )
        })
        .collect();
    if !ticks.is_empty() {
        let _ = writeln!(
            o,
            "<path d=\"{}\" stroke=\"{colour}\" stroke-width=\"1.5\"/>",
            ticks.join(" ")
        );
    }
}

/// Legend row `k`, above the plot: the curve's colour, label, n and median.
fn write_legend_entry(
    lang: Lang,
    o: &mut String,
    k: usize,
    label: &str,
    c: &KmCurve,
    colour: &str,
    unit: &str,
) {
    let ly = LEGEND_TOP + LEGEND_ROW * k as f64;
    let lx = LEFT;
    let _ = writeln!(
        o,
        "<path d=\"M{:.2} {:.2} h22\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{:.2}\" y=\"{:.2}\">{}</text>",
        lx,
        ly - 4.0,
        lx + 28.0,
        ly,
        xml_escape(&t!(
            lang,
            "fu-km-legend",
            label = label,
            n = c.n,
            median = time_estimate(lang, c.median.median, unit)
        ))
    );
}

/// The numbers-at-risk table under the plot, one row per group, one column per tick.
fn write_numbers_at_risk(
    lang: Lang,
    o: &mut String,
    frame: &KmFrame,
    report: &KmReport,
    ticks: &[f64],
) {
    let table_top = frame.table_top;
    let _ = writeln!(
        o,
        "<text x=\"10\" y=\"{:.2}\" font-weight=\"bold\">{}</text>",
        table_top,
        xml_escape(&t!(lang, "fu-km-at-risk"))
    );
    let table = report.at_risk(ticks);
    for (k, (label, counts)) in table.groups.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let ry = table_top + ROW_HEIGHT * (k as f64 + 1.0);
        let _ = writeln!(
            o,
            "<text x=\"10\" y=\"{:.2}\" fill=\"{colour}\">{}</text>",
            ry,
            xml_escape(label)
        );
        for (&t, n) in ticks.iter().zip(counts) {
            let _ = writeln!(
                o,
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{n}</text>",
                frame.x(t),
                ry
            );
        }
    }
}

/// Text summary: per group n, events and median with its interval; the log-rank test when
/// given; the conventions used.
pub fn km_summary_text(report: &KmReport, logrank: Option<&LogRankResult>) -> String {
    km_summary_text_in(report, logrank, Lang::En)
}

/// [`km_summary_text`] in a language.
pub fn km_summary_text_in(
    report: &KmReport,
    logrank: Option<&LogRankResult>,
    lang: Lang,
) -> String {
    let unit = &unit_text(lang, report.time_unit);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-km-title",
            source = report.source.clone(),
            unit = unit.clone()
        )
    );
    if let Some(g) = report.groups.first() {
        let _ = writeln!(o, "{}", conventions(lang, &g.curve));
    }
    let w = report
        .groups
        .iter()
        .map(|g| g.label.chars().count())
        .max()
        .unwrap_or(5)
        .max(t!(lang, "fu-km-col-group").chars().count());
    let level = report
        .groups
        .first()
        .map_or(lang.with_unit("95", "%"), |g| {
            level_text(lang, g.curve.options.alpha)
        });
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<w$}  {:>5}  {:>6}  {}",
        t!(lang, "fu-km-col-group"),
        "n",
        t!(lang, "fu-km-col-events"),
        t!(lang, "fu-km-col-median", level = level)
    );
    for g in &report.groups {
        let m = g.curve.median;
        let _ = writeln!(
            o,
            "{:<w$}  {:>5}  {:>6}  {} ({})",
            g.label,
            g.curve.n,
            g.curve.events,
            time_estimate(lang, m.median, unit),
            interval(lang, &time_limit(lang, m.lower), &time_limit(lang, m.upper))
        );
    }
    if let Some(lr) = logrank {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}",
            t!(
                lang,
                "fu-km-logrank",
                groups = lr.groups.len(),
                chi2 = lang.decimal(lr.chi2, 3),
                df = lr.df,
                p = lang.numeric(&pval(lr.p_value))
            )
        );
        for g in &lr.groups {
            let _ = writeln!(
                o,
                "  {:<w$}  {} {:>4}  {} {:>8}",
                g.label,
                t!(lang, "fu-km-observed"),
                g.observed,
                t!(lang, "fu-km-expected"),
                lang.decimal(g.expected, 2)
            );
        }
    }
    o
}

/// Text summary of a Cox model: coefficients with hazard ratios, the tests and concordance.
pub fn cox_summary_text(fit: &CoxFit) -> String {
    cox_summary_text_in(fit, Lang::En)
}

/// [`cox_summary_text`] in a language.
pub fn cox_summary_text_in(fit: &CoxFit, lang: Lang) -> String {
    let mut o = String::new();
    let ties = match fit.ties {
        Ties::Efron => "Efron",
        Ties::Breslow => "Breslow",
    };
    let level = level_text(lang, fit.alpha);
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-cox-title",
            ties = ties,
            n = fit.n,
            events = fit.events
        )
    );
    let w = fit
        .coefficients
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(9)
        .max(9);
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<w$}  {:>9}  {:>8}  {:>7}  {:>17}  {:>7}  {:>8}",
        t!(lang, "fu-cox-col-covariate"),
        "coef",
        t!(lang, "fu-stat-col-se"),
        "HR",
        t!(lang, "fu-cox-col-ci", level = level),
        "z",
        "p"
    );
    for c in &fit.coefficients {
        let _ = writeln!(
            o,
            "{:<w$}  {:>9}  {:>8}  {:>7}  {:>17}  {:>7}  {:>8}",
            c.name,
            lang.decimal(c.coef, 5),
            lang.decimal(c.se, 5),
            lang.decimal(c.hazard_ratio, 4),
            interval(
                lang,
                &format!("{:.4}", c.hr_lower),
                &format!("{:.4}", c.hr_upper)
            ),
            lang.decimal(c.z, 3),
            lang.numeric(&pval(c.p_value))
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-cox-loglik",
            loglik = lang.decimal(fit.log_likelihood, 4),
            null = lang.decimal(fit.null_log_likelihood, 4)
        )
    );
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-cox-lr-test",
            statistic = lang.decimal(fit.likelihood_ratio.statistic, 4),
            df = fit.likelihood_ratio.df,
            p = lang.numeric(&pval(fit.likelihood_ratio.p_value))
        )
    );
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-cox-wald-test",
            statistic = lang.decimal(fit.wald.statistic, 4),
            df = fit.wald.df,
            p = lang.numeric(&pval(fit.wald.p_value))
        )
    );
    let concordance = fit.concordance.map_or_else(
        || t!(lang, "fu-cox-concordance-none"),
        |c| lang.decimal(c, 5),
    );
    let _ = writeln!(
        o,
        "{}",
        t!(lang, "fu-cox-concordance", concordance = concordance)
    );
    o
}

/// Text summary of a logistic regression: coefficients with odds ratios and the LR test.
pub fn logistic_summary_text(fit: &LogisticFit) -> String {
    logistic_summary_text_in(fit, Lang::En)
}

/// [`logistic_summary_text`] in a language.
pub fn logistic_summary_text_in(fit: &LogisticFit, lang: Lang) -> String {
    let mut o = String::new();
    let level = level_text(lang, fit.alpha);
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-logit-title",
            response = fit.response.clone(),
            n = fit.n,
            positives = fit.positives
        )
    );
    let w = fit
        .coefficients
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<w$}  {:>10}  {:>9}  {:>9}  {:>21}  {:>7}  {:>8}",
        t!(lang, "fu-logit-col-term"),
        "coef",
        t!(lang, "fu-stat-col-se"),
        "OR",
        t!(lang, "fu-logit-col-ci", level = level),
        "z",
        "p"
    );
    for c in &fit.coefficients {
        let name = match (lang, c.name.as_str()) {
            (Lang::Fr, "(intercept)") => format!("({})", t!(lang, "fu-logit-intercept")),
            _ => c.name.clone(),
        };
        let _ = writeln!(
            o,
            "{:<w$}  {:>10}  {:>9}  {:>9}  {:>21}  {:>7}  {:>8}",
            name,
            lang.decimal(c.coef, 5),
            lang.decimal(c.se, 5),
            lang.decimal(c.odds_ratio, 4),
            interval(
                lang,
                &format!("{:.4}", c.or_lower),
                &format!("{:.4}", c.or_upper)
            ),
            lang.decimal(c.z, 3),
            lang.numeric(&pval(c.p_value))
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-logit-loglik",
            loglik = lang.decimal(fit.log_likelihood, 4),
            null = lang.decimal(fit.null_log_likelihood, 4),
            statistic = lang.decimal(fit.likelihood_ratio.statistic, 4),
            df = fit.likelihood_ratio.df,
            p = lang.numeric(&pval(fit.likelihood_ratio.p_value))
        )
    );
    o
}

/// Text summary of an ROC analysis; `score_label` names the score with its unit, for example
/// "tumour absorbed dose (Gy)".
pub fn roc_summary_text(roc: &RocCurve, score_label: &str) -> String {
    roc_summary_text_in(roc, score_label, Lang::En)
}

/// [`roc_summary_text`] in a language.
pub fn roc_summary_text_in(roc: &RocCurve, score_label: &str, lang: Lang) -> String {
    let side = match roc.positive_side {
        PositiveSide::HigherScore => ">=",
        PositiveSide::LowerScore => "<=",
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-roc-title",
            score = score_label,
            positives = roc.positives,
            negatives = roc.negatives
        )
    );
    let _ = writeln!(
        o,
        "{}",
        t!(lang, "fu-roc-auc", auc = lang.decimal(roc.auc, 4))
    );
    let _ = writeln!(
        o,
        "{}",
        t!(
            lang,
            "fu-roc-youden",
            score = score_label,
            side = side,
            threshold = lang.numeric(&num(roc.youden.threshold, 4)),
            sensitivity = lang.decimal(roc.youden.sensitivity, 3),
            specificity = lang.decimal(roc.youden.specificity, 3),
            j = lang.decimal(roc.youden.j, 3)
        )
    );
    o
}

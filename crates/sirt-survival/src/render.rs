//! Human-readable output: the Kaplan–Meier plot as SVG with a numbers-at-risk table, and text
//! summaries of the KM / log-rank, Cox, logistic and ROC results.

use crate::cox::{CoxFit, Ties};
use crate::km::{KmCurve, KmReport, MedianRule, TimeEstimate};
use crate::logistic::LogisticFit;
use crate::logrank::LogRankResult;
use crate::roc::{PositiveSide, RocCurve};
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

fn time_estimate(t: TimeEstimate, unit: &str) -> String {
    match t {
        TimeEstimate::Reached { time } => format!("{} {unit}", num(time, 2)),
        TimeEstimate::NotReached => "not reached".to_string(),
    }
}

fn time_limit(t: TimeEstimate) -> String {
    match t {
        TimeEstimate::Reached { time } => num(time, 2),
        TimeEstimate::NotReached => "not reached".to_string(),
    }
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
fn conventions(curve: &KmCurve) -> String {
    let rule = match curve.options.median_rule {
        MedianRule::FirstAtOrBelow => "first time S(t) <= 0.5 (lifelines)",
        MedianRule::MidpointOfFlat => "first time S(t) <= 0.5, midpoint of a flat at 0.5 (R)",
    };
    format!(
        "{} % pointwise intervals with the {} transform (Greenwood variance); median: {rule}; median interval by inverting the band",
        num(100.0 * (1.0 - curve.options.alpha), 1),
        curve.options.transform.label()
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
    let unit = report.time_unit.label();
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
    write_axes(&mut o, &frame, &ticks, unit);
    for (k, g) in report.groups.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        if options.show_ci {
            write_ci_band(&mut o, &frame, &g.curve, colour);
        }
        write_curve(&mut o, &frame, &g.curve, colour);
        write_legend_entry(&mut o, k, &g.label, &g.curve, colour, unit);
    }
    write_numbers_at_risk(&mut o, &frame, report, &ticks);
    // The notice spans the figure from its left edge, in a smaller font: the whole wording fits
    // the figure's width (about 140 characters at 9 px).
    let notice_y = frame.notice_y;
    let _ = writeln!(
        o,
        "<text x=\"{NOTICE_X:.2}\" y=\"{notice_y:.2}\" font-size=\"9\" fill=\"#555\" textLength=\"{NOTICE_WIDTH:.2}\" lengthAdjust=\"spacingAndGlyphs\">{RESEARCH_NOTICE}</text>"
    );
    o.push_str("</svg>\n");
    o
}

/// Axes, the horizontal grid with survival labels, the time ticks and both axis titles.
fn write_axes(o: &mut String, frame: &KmFrame, ticks: &[f64], unit: &str) {
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
            num(s, 2)
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
            num(t, 2)
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">Time ({unit})</text>",
        LEFT + plot_w / 2.0,
        plot_top + PLOT_HEIGHT + 38.0
    );
    let _ = writeln!(
        o,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\" transform=\"rotate(-90 {:.2} {:.2})\">Survival probability</text>",
        LEFT - 45.0,
        plot_top + PLOT_HEIGHT / 2.0,
        LEFT - 45.0,
        plot_top + PLOT_HEIGHT / 2.0
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
        "<path d=\"M{:.2} {:.2} h22\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{:.2}\" y=\"{:.2}\">{} (n = {}): median {}</text>",
        lx,
        ly - 4.0,
        lx + 28.0,
        ly,
        xml_escape(label),
        c.n,
        xml_escape(&time_estimate(c.median.median, unit))
    );
}

/// The numbers-at-risk table under the plot, one row per group, one column per tick.
fn write_numbers_at_risk(o: &mut String, frame: &KmFrame, report: &KmReport, ticks: &[f64]) {
    let table_top = frame.table_top;
    let _ = writeln!(
        o,
        "<text x=\"10\" y=\"{:.2}\" font-weight=\"bold\">Number at risk</text>",
        table_top
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
    let unit = report.time_unit.label();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Kaplan-Meier survival: {} (times in {unit})",
        report.source
    );
    if let Some(g) = report.groups.first() {
        let _ = writeln!(o, "{}", conventions(&g.curve));
    }
    let w = report
        .groups
        .iter()
        .map(|g| g.label.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let level = report.groups.first().map_or("95".to_string(), |g| {
        num(100.0 * (1.0 - g.curve.options.alpha), 1)
    });
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<w$}  {:>5}  {:>6}  median ({level} % CI)",
        "group", "n", "events"
    );
    for g in &report.groups {
        let m = g.curve.median;
        let _ = writeln!(
            o,
            "{:<w$}  {:>5}  {:>6}  {} ({} to {})",
            g.label,
            g.curve.n,
            g.curve.events,
            time_estimate(m.median, unit),
            time_limit(m.lower),
            time_limit(m.upper)
        );
    }
    if let Some(lr) = logrank {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Log-rank test ({} groups): chi-square {:.3} on {} df, p = {}",
            lr.groups.len(),
            lr.chi2,
            lr.df,
            pval(lr.p_value)
        );
        for g in &lr.groups {
            let _ = writeln!(
                o,
                "  {:<w$}  observed {:>4}  expected {:>8.2}",
                g.label, g.observed, g.expected
            );
        }
    }
    o
}

/// Text summary of a Cox model: coefficients with hazard ratios, the tests and concordance.
pub fn cox_summary_text(fit: &CoxFit) -> String {
    let mut o = String::new();
    let ties = match fit.ties {
        Ties::Efron => "Efron",
        Ties::Breslow => "Breslow",
    };
    let level = num(100.0 * (1.0 - fit.alpha), 1);
    let _ = writeln!(
        o,
        "Cox proportional hazards ({ties} ties): {} subjects, {} events",
        fit.n, fit.events
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
        "covariate",
        "coef",
        "SE",
        "HR",
        format!("{level} % CI of HR"),
        "z",
        "p"
    );
    for c in &fit.coefficients {
        let _ = writeln!(
            o,
            "{:<w$}  {:>9.5}  {:>8.5}  {:>7.4}  {:>17}  {:>7.3}  {:>8}",
            c.name,
            c.coef,
            c.se,
            c.hazard_ratio,
            format!("{:.4} to {:.4}", c.hr_lower, c.hr_upper),
            c.z,
            pval(c.p_value)
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Partial log-likelihood {:.4} (null {:.4})",
        fit.log_likelihood, fit.null_log_likelihood
    );
    let _ = writeln!(
        o,
        "Likelihood-ratio test: {:.4} on {} df, p = {}",
        fit.likelihood_ratio.statistic,
        fit.likelihood_ratio.df,
        pval(fit.likelihood_ratio.p_value)
    );
    let _ = writeln!(
        o,
        "Wald test: {:.4} on {} df, p = {}",
        fit.wald.statistic,
        fit.wald.df,
        pval(fit.wald.p_value)
    );
    let _ = writeln!(
        o,
        "Concordance (Harrell's C, tied event times not compared): {}",
        fit.concordance.map_or(
            "not evaluated (no comparable pairs)".to_string(),
            |c| format!("{c:.5}")
        )
    );
    o
}

/// Text summary of a logistic regression: coefficients with odds ratios and the LR test.
pub fn logistic_summary_text(fit: &LogisticFit) -> String {
    let mut o = String::new();
    let level = num(100.0 * (1.0 - fit.alpha), 1);
    let _ = writeln!(
        o,
        "Logistic regression of \"{}\": {} rows, {} with response 1",
        fit.response, fit.n, fit.positives
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
        "term",
        "coef",
        "SE",
        "OR",
        format!("{level} % CI of OR"),
        "z",
        "p"
    );
    for c in &fit.coefficients {
        let _ = writeln!(
            o,
            "{:<w$}  {:>10.5}  {:>9.5}  {:>9.4}  {:>21}  {:>7.3}  {:>8}",
            c.name,
            c.coef,
            c.se,
            c.odds_ratio,
            format!("{:.4} to {:.4}", c.or_lower, c.or_upper),
            c.z,
            pval(c.p_value)
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Log-likelihood {:.4} (intercept only {:.4}); likelihood-ratio test {:.4} on {} df, p = {}",
        fit.log_likelihood,
        fit.null_log_likelihood,
        fit.likelihood_ratio.statistic,
        fit.likelihood_ratio.df,
        pval(fit.likelihood_ratio.p_value)
    );
    o
}

/// Text summary of an ROC analysis; `score_label` names the score with its unit, for example
/// "tumour absorbed dose (Gy)".
pub fn roc_summary_text(roc: &RocCurve, score_label: &str) -> String {
    let side = match roc.positive_side {
        PositiveSide::HigherScore => ">=",
        PositiveSide::LowerScore => "<=",
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "ROC of {score_label}: {} positives, {} negatives",
        roc.positives, roc.negatives
    );
    let _ = writeln!(
        o,
        "AUC {:.4} (Mann-Whitney U / (n1 n0), ties count 1/2)",
        roc.auc
    );
    let _ = writeln!(
        o,
        "Youden threshold: positive when {score_label} {side} {}: sensitivity {:.3}, specificity {:.3}, J = {:.3}",
        num(roc.youden.threshold, 4),
        roc.youden.sensitivity,
        roc.youden.specificity,
        roc.youden.j
    );
    o
}

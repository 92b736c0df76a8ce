//! The Bland–Altman plot of predicted vs delivered tumour mean doses (Bland & Altman 1986): per
//! tumour, x = the mean of the pair, y = delivered − predicted (Gy); the bias as a solid line and
//! the 95 % limits of agreement (bias ± 1.96 SD, `sirt_voxel_dosimetry::pipeline::compare`) dashed.

use super::{nice_step, num};
use crate::dvh_out::xml_escape;
use sirt_i18n::{Lang, t};
use std::fmt::Write;

/// One tumour: name, predicted and delivered mean dose, Gy.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Tumour name.
    pub name: String,
    /// Predicted mean dose, Gy.
    pub predicted_gy: f64,
    /// Delivered mean dose, Gy.
    pub delivered_gy: f64,
}

const W: f64 = 640.0;
const H: f64 = 400.0;
const L: f64 = 70.0;
const R: f64 = 500.0;
const T: f64 = 40.0;
const B: f64 = 350.0;

/// The plot as an SVG element; `bias_gy` and `limits_gy` as computed by the comparison. The
/// axis titles, line labels, tick labels and tooltips are in `lang` (the title as given).
pub fn bland_altman_svg(
    title: &str,
    pairs: &[Pair],
    bias_gy: f64,
    limits_gy: (f64, f64),
    lang: Lang,
) -> String {
    let xs: Vec<f64> = pairs
        .iter()
        .map(|p| (p.predicted_gy + p.delivered_gy) / 2.0)
        .collect();
    let ys: Vec<f64> = pairs
        .iter()
        .map(|p| p.delivered_gy - p.predicted_gy)
        .collect();
    let x_max_data = xs.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let x_step = nice_step(x_max_data, 8.0);
    let x_max = (x_max_data / x_step).ceil() * x_step;
    let y_abs = ys
        .iter()
        .copied()
        .chain([limits_gy.0, limits_gy.1, bias_gy])
        .map(f64::abs)
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.15;
    let y_step = nice_step(y_abs, 4.0);
    let y_lim = (y_abs / y_step).ceil() * y_step;
    let x_of = |x: f64| L + x / x_max * (R - L);
    let y_of = |y: f64| T + (y_lim - y) / (2.0 * y_lim) * (B - T);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\"><title>{t}</title><rect width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/><text x=\"{L}\" y=\"24\" font-weight=\"bold\" font-size=\"14\">{t}</text>",
        t = xml_escape(title)
    );
    o.push_str("<g stroke=\"#dddddd\">");
    let mut x = 0.0;
    while x <= x_max + 1e-9 {
        let _ = write!(
            o,
            "<line x1=\"{p}\" y1=\"{T}\" x2=\"{p}\" y2=\"{B}\"/>",
            p = num(x_of(x), 1)
        );
        x += x_step;
    }
    let mut y = -y_lim;
    while y <= y_lim + 1e-9 {
        let _ = write!(
            o,
            "<line x1=\"{L}\" y1=\"{p}\" x2=\"{R}\" y2=\"{p}\"/>",
            p = num(y_of(y), 1)
        );
        y += y_step;
    }
    o.push_str("</g><g text-anchor=\"middle\">");
    let mut x = 0.0;
    while x <= x_max + 1e-9 {
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            num(x_of(x), 1),
            B + 18.0,
            lang.numeric(&num(x, 1))
        );
        x += x_step;
    }
    let _ = write!(
        o,
        "<text x=\"{}\" y=\"{}\">{}</text></g><g text-anchor=\"end\">",
        (L + R) / 2.0,
        B + 40.0,
        xml_escape(&t!(lang, "figure-ba-axis-mean"))
    );
    let mut y = -y_lim;
    while y <= y_lim + 1e-9 {
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            L - 6.0,
            num(y_of(y) + 4.0, 1),
            lang.numeric(&num(y, 1)).replace('-', "−")
        );
        y += y_step;
    }
    let mid = (T + B) / 2.0;
    let _ = write!(
        o,
        "</g><text x=\"20\" y=\"{mid}\" text-anchor=\"middle\" transform=\"rotate(-90 20 {mid})\">{}</text><rect x=\"{L}\" y=\"{T}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#000000\"/>",
        xml_escape(&t!(lang, "figure-ba-axis-difference")),
        R - L,
        B - T
    );
    let _ = write!(
        o,
        "<line x1=\"{L}\" y1=\"{z}\" x2=\"{R}\" y2=\"{z}\" stroke=\"#000000\" stroke-width=\"0.8\"/>",
        z = num(y_of(0.0), 1)
    );
    marks(
        &mut o,
        pairs,
        (&xs, &ys),
        (bias_gy, limits_gy),
        (&x_of, &y_of),
        lang,
    );
    o.push_str("</svg>");
    o
}

/// The bias and limit lines with their labels, then the tumours' points.
fn marks(
    o: &mut String,
    pairs: &[Pair],
    (xs, ys): (&[f64], &[f64]),
    (bias_gy, limits_gy): (f64, (f64, f64)),
    (x_of, y_of): (&dyn Fn(f64) -> f64, &dyn Fn(f64) -> f64),
    lang: Lang,
) {
    let gy = |v: f64, sign: bool| {
        let n = if sign {
            format!("{v:+.1}")
        } else {
            format!("{v:.1}")
        };
        lang.with_unit(&lang.numeric(&n), "Gy")
    };
    for (value, label, dash) in [
        (
            bias_gy,
            t!(lang, "figure-ba-bias", value = gy(bias_gy, true)),
            "",
        ),
        (
            limits_gy.1,
            t!(lang, "figure-ba-upper", value = gy(limits_gy.1, true)),
            " stroke-dasharray=\"6 4\"",
        ),
        (
            limits_gy.0,
            t!(lang, "figure-ba-lower", value = gy(limits_gy.0, true)),
            " stroke-dasharray=\"6 4\"",
        ),
    ] {
        let yy = num(y_of(value), 1);
        let _ = write!(
            o,
            "<line x1=\"{L}\" y1=\"{yy}\" x2=\"{R}\" y2=\"{yy}\" stroke=\"#D55E00\" stroke-width=\"1.6\"{dash}/><text x=\"{}\" y=\"{}\" fill=\"#D55E00\">{}</text>",
            R + 6.0,
            num(y_of(value) + 4.0, 1),
            xml_escape(&label.replace('-', "−"))
        );
    }
    for ((x, y), p) in xs.iter().zip(ys).zip(pairs) {
        let _ = write!(
            o,
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"4.5\" fill=\"#0072B2\"><title>{}</title></circle><text x=\"{tx}\" y=\"{ty}\" font-size=\"11\">{n}</text>",
            xml_escape(&t!(
                lang,
                "figure-ba-point",
                name = p.name.as_str(),
                predicted = gy(p.predicted_gy, false),
                delivered = gy(p.delivered_gy, false)
            )),
            cx = num(x_of(*x), 1),
            cy = num(y_of(*y), 1),
            tx = num(x_of(*x) + 7.0, 1),
            ty = num(y_of(*y) - 5.0, 1),
            n = xml_escape(&p.name)
        );
    }
}

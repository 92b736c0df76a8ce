//! One dose slice as a self-contained SVG: the CT in [`CT_WINDOW_HU`] with the dose wash blended
//! over it (an embedded PNG at the slice's own resolution), the isodose lines and structure
//! outlines as vector paths (marching squares), the colour bar in Gy with the isodose levels
//! marked, orientation labels on the four sides, a 50 mm scale bar and a legend.
//!
//! The caller gives the slice in display orientation (row 0 at the top, column 0 at the left)
//! and the patient directions of the four sides; for an axial slice in the radiological
//! convention (the viewer's, LPS: docs/coordinates.md) that is R on the left, L on the right,
//! A at the top, P at the bottom.

use super::contour::{isoline, join};
use super::png::{encode_rgb, png_data_uri};
use super::{
    CT_WINDOW_HU, FigureError, ISODOSE_COLOURS, WASH_FLOOR, nice_step, num, pixel, wash_colour,
};
use crate::dvh_out::xml_escape;
use sirt_i18n::{Lang, t};
use std::fmt::Write;

/// A structure outline on the slice.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// Name shown in the legend (and beside the outline for tumours).
    pub name: String,
    /// Stroke colour.
    pub colour: &'static str,
    /// Whether the name is written beside the outline (tumours).
    pub label: bool,
    /// Inside the structure, per pixel (row-major, like the slice).
    pub inside: Vec<bool>,
}

/// The slice to draw, in display orientation.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Pixel size, mm: (between columns, between rows).
    pub pixel_mm: (f64, f64),
    /// CT, HU, row-major (`c + width · r`).
    pub ct_hu: Vec<f32>,
    /// Dose, Gy, row-major.
    pub dose_gy: Vec<f32>,
    /// Structure outlines.
    pub outlines: Vec<Outline>,
    /// Patient directions of the left, right, top and bottom sides ("R", "L", "A", "P").
    pub sides: [&'static str; 4],
    /// A line above the picture (dose and slice).
    pub title: String,
}

/// The scale of a set of slices: the top of the wash and colour bar, and the isodose levels.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseScale {
    /// Top of the wash (Gy): doses above are the top colour.
    pub max_gy: f64,
    /// Isodose levels drawn, Gy (with [`ISODOSE_COLOURS`] in order).
    pub isodoses_gy: Vec<f64>,
}

/// Width of the picture area, px (the slice is scaled to it, keeping the pixel aspect).
const IMAGE_W: f64 = 520.0;
const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 22.0;
const BAR_W: f64 = 16.0;
const LEGEND_H: f64 = 56.0;
/// The scale bar's length, mm.
const SCALE_BAR_MM: f64 = 50.0;

/// The slice as an SVG element (no XML declaration: inlined in HTML); the legend, scale bar and
/// colour bar in `lang` (the title and the side letters as given).
pub fn slice_svg(s: &Slice, scale: &DoseScale, lang: Lang) -> Result<String, FigureError> {
    let n = s.width * s.height;
    if s.ct_hu.len() != n || s.dose_gy.len() != n || s.outlines.iter().any(|o| o.inside.len() != n)
    {
        return Err(FigureError::BadImage {
            width: s.width,
            height: s.height,
            bytes: s.ct_hu.len().min(s.dose_gy.len()),
        });
    }
    let cropped = crop_to_body(s);
    let s = &cropped;
    let (uri, raster_w, raster_h) = raster(s, scale)?;
    let px = IMAGE_W / (s.width as f64 * s.pixel_mm.0);
    let (sx, sy) = (s.pixel_mm.0 * px, s.pixel_mm.1 * px);
    let img_h = s.height as f64 * sy;
    let (x0, y0) = (MARGIN, MARGIN + TITLE_H);
    let total_w = x0 + IMAGE_W + MARGIN + BAR_W + 70.0;
    let total_h = y0 + img_h + MARGIN + LEGEND_H;
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\"><title>{t}</title><rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>",
        w = num(total_w, 1),
        h = num(total_h, 1),
        t = xml_escape(&s.title)
    );
    let _ = write!(
        o,
        "<text x=\"{x0}\" y=\"{}\" font-weight=\"bold\" font-size=\"13\">{}</text>",
        MARGIN + 10.0,
        xml_escape(&s.title)
    );
    let _ = write!(
        o,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{IMAGE_W}\" height=\"{ih}\" fill=\"#000000\"/><image x=\"{x0}\" y=\"{y0}\" width=\"{rw}\" height=\"{rh}\" preserveAspectRatio=\"none\" href=\"{uri}\"/>",
        ih = num(img_h, 2),
        rw = num(raster_w as f64 * sx, 2),
        rh = num(raster_h as f64 * sy, 2)
    );
    // Overlays in pixel-index units: pixel (c, r)'s centre at (c + 0.5, r + 0.5).
    let _ = write!(
        o,
        "<g transform=\"translate({x0} {y0}) scale({} {}) translate(0.5 0.5)\" fill=\"none\" stroke-linejoin=\"round\">",
        num(sx, 5),
        num(sy, 5)
    );
    for (level, colour) in scale.isodoses_gy.iter().zip(ISODOSE_COLOURS) {
        let d = path_min(
            &isoline(s.width, s.height, &s.dose_gy, *level),
            MIN_ISOLINE_PX,
        );
        if !d.is_empty() {
            let _ = write!(
                o,
                "<path d=\"{d}\" stroke=\"#000000\" stroke-width=\"3\" vector-effect=\"non-scaling-stroke\"/><path d=\"{d}\" stroke=\"{colour}\" stroke-width=\"1.6\" vector-effect=\"non-scaling-stroke\"><title>{}</title></path>",
                lang.with_unit(&lang.numeric(&num(*level, 1)), "Gy")
            );
        }
    }
    let mut labels = String::new();
    for ol in &s.outlines {
        let mask: Vec<f32> = ol.inside.iter().map(|&b| f32::from(u8::from(b))).collect();
        let segs = isoline(s.width, s.height, &mask, 0.5);
        let d = path_min(&segs, 0.0);
        if d.is_empty() {
            continue;
        }
        let _ = write!(
            o,
            "<path d=\"{d}\" stroke=\"#000000\" stroke-width=\"3.4\" vector-effect=\"non-scaling-stroke\"/><path d=\"{d}\" stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"6 3\" vector-effect=\"non-scaling-stroke\"><title>{}</title></path>",
            ol.colour,
            xml_escape(&ol.name)
        );
        if ol.label {
            // The name just above the outline's topmost point.
            if let Some(top) = segs.iter().flatten().min_by(|a, b| a.1.total_cmp(&b.1)) {
                let _ = write!(
                    labels,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\" stroke=\"#000000\" stroke-width=\"2.5\" paint-order=\"stroke\" font-weight=\"bold\">{}</text>",
                    num(x0 + (top.0 + 0.5) * sx, 1),
                    num(y0 + (top.1 + 0.5) * sy - 4.0, 1),
                    ol.colour,
                    xml_escape(&ol.name)
                );
            }
        }
    }
    o.push_str("</g>");
    o.push_str(&labels);
    sides(&mut o, s, x0, y0, img_h);
    scale_bar(&mut o, x0, y0 + img_h, px, lang);
    colour_bar(&mut o, scale, x0 + IMAGE_W + MARGIN, y0, img_h, lang);
    legend(&mut o, s, scale, x0, y0 + img_h + 30.0, lang);
    o.push_str("</svg>");
    Ok(o)
}

/// Isodose lines shorter than this (pixels) are left out: single noisy voxels of the SPECT or
/// PET just above a level would otherwise speckle the picture with dots (a closed line around
/// one pixel is about 2.8 px long; 6 px drops islands of one or two pixels).
const MIN_ISOLINE_PX: f64 = 6.0;

/// CT values above this are the body (−500 HU: between lung, about −850, and fat, about −100).
const BODY_HU: f32 = -500.0;
/// Margin kept around the body when the slice is cropped to it, mm.
const BODY_MARGIN_MM: f64 = 10.0;
/// The raster's pixels are at least this large, mm: a CT's 0.7–1 mm pixels are averaged 2 × 2
/// (the dose grid is 4–5 mm, the picture about 520 px wide, so nothing visible is lost and a
/// 512 × 512 CT gives a raster of a few hundred kB instead of megabytes).
pub const RASTER_MM: f64 = 2.0;

/// Source pixels per raster pixel along each side.
fn raster_step(s: &Slice) -> usize {
    let finest = s.pixel_mm.0.min(s.pixel_mm.1);
    ((RASTER_MM / finest).floor() as usize).max(1)
}

/// `[start, end)` of the rows or columns to keep on one side: the body's extent and a margin,
/// widened to a whole number of raster steps where the slice allows.
fn keep(first: usize, last: usize, n: usize, margin: usize, step: usize) -> (usize, usize) {
    let a = first.saturating_sub(margin);
    let b = (last + 1 + margin).min(n);
    let len = (b - a).div_ceil(step) * step;
    if len <= n {
        let a = a.min(n - len);
        (a, a + len)
    } else {
        (0, n)
    }
}

/// The slice cropped to the body (CT above [`BODY_HU`]) and [`BODY_MARGIN_MM`]; unchanged when
/// nothing is body.
fn crop_to_body(s: &Slice) -> Slice {
    let (w, h) = (s.width, s.height);
    let body = |c: usize, r: usize| s.ct_hu[c + w * r] > BODY_HU;
    let cols: Vec<usize> = (0..w).filter(|&c| (0..h).any(|r| body(c, r))).collect();
    let rows: Vec<usize> = (0..h).filter(|&r| (0..w).any(|c| body(c, r))).collect();
    let (Some(&c_first), Some(&c_last), Some(&r_first), Some(&r_last)) =
        (cols.first(), cols.last(), rows.first(), rows.last())
    else {
        return s.clone();
    };
    let step = raster_step(s);
    let margin = |mm: f64| (BODY_MARGIN_MM / mm).ceil() as usize;
    let (c0, c1) = keep(c_first, c_last, w, margin(s.pixel_mm.0), step);
    let (r0, r1) = keep(r_first, r_last, h, margin(s.pixel_mm.1), step);
    let cut = |v: &[f32]| -> Vec<f32> {
        (r0..r1)
            .flat_map(|r| v[c0 + w * r..c1 + w * r].iter().copied())
            .collect()
    };
    Slice {
        width: c1 - c0,
        height: r1 - r0,
        ct_hu: cut(&s.ct_hu),
        dose_gy: cut(&s.dose_gy),
        outlines: s
            .outlines
            .iter()
            .map(|o| Outline {
                inside: (r0..r1)
                    .flat_map(|r| o.inside[c0 + w * r..c1 + w * r].iter().copied())
                    .collect(),
                ..o.clone()
            })
            .collect(),
        ..s.clone()
    }
}

/// The CT with the wash as a PNG `data:` URI, each raster pixel the mean colour of
/// [`raster_step`]² slice pixels; with its size in raster pixels.
fn raster(s: &Slice, scale: &DoseScale) -> Result<(String, usize, usize), FigureError> {
    let step = raster_step(s);
    let (rw, rh) = ((s.width / step).max(1), (s.height / step).max(1));
    let step_c = step.min(s.width);
    let step_r = step.min(s.height);
    let mut rgb = Vec::with_capacity(rw * rh * 3);
    for big_r in 0..rh {
        for big_c in 0..rw {
            let mut sum = [0u32; 3];
            for r in big_r * step_r..(big_r + 1) * step_r {
                for c in big_c * step_c..(big_c + 1) * step_c {
                    let o = c + s.width * r;
                    let p = pixel(f64::from(s.ct_hu[o]), f64::from(s.dose_gy[o]), scale.max_gy);
                    for k in 0..3 {
                        sum[k] += u32::from(p[k]);
                    }
                }
            }
            let n = (step_c * step_r) as u32;
            rgb.extend(sum.map(|x| ((x + n / 2) / n) as u8));
        }
    }
    let uri = png_data_uri(&encode_rgb(rw, rh, &rgb)?);
    Ok((uri, rw * step_c, rh * step_r))
}

/// The segments joined into one SVG path (coordinates with 2 decimals of a pixel), leaving out
/// lines shorter than `min_len` pixels.
fn path_min(segments: &[super::contour::Segment], min_len: f64) -> String {
    let mut d = String::new();
    for line in join(segments) {
        let len: f64 = line
            .windows(2)
            .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
            .sum();
        if len < min_len {
            continue;
        }
        for (n, p) in line.iter().enumerate() {
            let _ = write!(
                d,
                "{}{} {}",
                if n == 0 { "M" } else { "L" },
                num(p.0, 2),
                num(p.1, 2)
            );
        }
    }
    d
}

/// The patient directions on the four sides of the picture, white on a dark plate.
fn sides(o: &mut String, s: &Slice, x0: f64, y0: f64, h: f64) {
    let [l, r, t, b] = s.sides;
    let mid_y = y0 + h / 2.0;
    let mid_x = x0 + IMAGE_W / 2.0;
    for (x, y, text) in [
        (x0 + 10.0, mid_y + 6.0, l),
        (x0 + IMAGE_W - 10.0, mid_y + 6.0, r),
        (mid_x, y0 + 18.0, t),
        (mid_x, y0 + h - 6.0, b),
    ] {
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\" fill=\"#ffffff\" stroke=\"#000000\" stroke-width=\"3\" paint-order=\"stroke\">{text}</text>",
            num(x, 1),
            num(y, 1)
        );
    }
}

/// A [`SCALE_BAR_MM`] bar at the picture's lower left.
fn scale_bar(o: &mut String, x0: f64, bottom: f64, px_per_mm: f64, lang: Lang) {
    let len = SCALE_BAR_MM * px_per_mm;
    let y = bottom - 12.0;
    let _ = write!(
        o,
        "<line x1=\"{a}\" y1=\"{y}\" x2=\"{b}\" y2=\"{y}\" stroke=\"#000000\" stroke-width=\"5\"/><line x1=\"{a}\" y1=\"{y}\" x2=\"{b}\" y2=\"{y}\" stroke=\"#ffffff\" stroke-width=\"2.5\"/><text x=\"{a}\" y=\"{ty}\" fill=\"#ffffff\" stroke=\"#000000\" stroke-width=\"2.5\" paint-order=\"stroke\">{}</text>",
        lang.with_unit(&lang.numeric(&SCALE_BAR_MM.to_string()), "mm"),
        a = num(x0 + 12.0, 1),
        b = num(x0 + 12.0 + len, 1),
        y = num(y, 1),
        ty = num(y - 6.0, 1)
    );
}

/// The colour bar: the wash from 0 (bottom) to the scale's top, ticks in Gy, the floor below
/// which nothing is washed, and the isodose levels as coloured marks.
fn colour_bar(o: &mut String, scale: &DoseScale, x: f64, y0: f64, h: f64, lang: Lang) {
    let steps = 64;
    let seg = h / f64::from(steps);
    for n in 0..steps {
        let f = (f64::from(n) + 0.5) / f64::from(steps);
        let c = if f < WASH_FLOOR {
            [128, 128, 128]
        } else {
            wash_colour(f * scale.max_gy, scale.max_gy)
        };
        let _ = write!(
            o,
            "<rect x=\"{x}\" y=\"{}\" width=\"{BAR_W}\" height=\"{}\" fill=\"#{:02x}{:02x}{:02x}\"/>",
            num(y0 + h - (f64::from(n) + 1.0) * seg, 2),
            num(seg + 0.3, 2),
            c[0],
            c[1],
            c[2]
        );
    }
    let _ = write!(
        o,
        "<rect x=\"{x}\" y=\"{y0}\" width=\"{BAR_W}\" height=\"{}\" fill=\"none\" stroke=\"#000000\"/>",
        num(h, 2)
    );
    let step = nice_step(scale.max_gy, 6.0);
    let y_of = |gy: f64| y0 + h - gy / scale.max_gy * h;
    let mut t = 0.0;
    while t <= scale.max_gy * (1.0 + 1e-9) {
        let y = num(y_of(t), 1);
        let top = (t - scale.max_gy).abs() < 1e-6;
        let _ = write!(
            o,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#000000\"/><text x=\"{}\" y=\"{}\">{}{}</text>",
            x + BAR_W,
            x + BAR_W + 4.0,
            x + BAR_W + 6.0,
            num(y_of(t) + 4.0, 1),
            if top { "≥ " } else { "" },
            lang.numeric(&num(t, 1))
        );
        t += step;
    }
    for (level, colour) in scale.isodoses_gy.iter().zip(ISODOSE_COLOURS) {
        if *level <= scale.max_gy {
            let y = num(y_of(*level), 1);
            let _ = write!(
                o,
                "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#000000\" stroke-width=\"4\"/><line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2\"/>",
                x - 4.0,
                x + BAR_W,
                x - 3.0,
                x + BAR_W - 1.0
            );
        }
    }
    let _ = write!(
        o,
        "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">Gy</text>",
        x,
        num(y0 - 6.0, 1)
    );
}

/// The legend under the picture: isodose lines, then outlines.
fn legend(o: &mut String, s: &Slice, scale: &DoseScale, x0: f64, y: f64, lang: Lang) {
    let mut x = x0;
    // The width of a legend's label: 60 px, more for a longer label (a French one).
    let label_w = |label: &str| (6.5 * label.chars().count() as f64).max(60.0);
    let isodose = t!(lang, "figure-slice-isodose");
    let _ = write!(
        o,
        "<text x=\"{x}\" y=\"{}\">{}</text>",
        num(y + 4.0, 1),
        xml_escape(&isodose)
    );
    x += label_w(&isodose);
    for (level, colour) in scale.isodoses_gy.iter().zip(ISODOSE_COLOURS) {
        let _ = write!(
            o,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#000000\" stroke-width=\"4\"/><line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\">{}</text>",
            x + 20.0,
            x + 20.0,
            x + 24.0,
            num(y + 4.0, 1),
            lang.with_unit(&lang.numeric(&num(*level, 1)), "Gy")
        );
        x += 74.0;
    }
    let y = y + 20.0;
    let mut x = x0;
    let outlines = t!(lang, "figure-slice-outlines");
    let _ = write!(
        o,
        "<text x=\"{x}\" y=\"{}\">{}</text>",
        num(y + 4.0, 1),
        xml_escape(&outlines)
    );
    x += label_w(&outlines);
    let tumours = t!(lang, "figure-slice-tumours");
    let mut seen: Vec<&str> = Vec::new();
    for ol in &s.outlines {
        // Tumours share a colour: one legend entry for the colour.
        if seen.contains(&ol.colour) {
            continue;
        }
        seen.push(ol.colour);
        let name = if ol.label {
            tumours.as_str()
        } else {
            ol.name.as_str()
        };
        let _ = write!(
            o,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#000000\" stroke-width=\"4\"/><line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/><text x=\"{}\" y=\"{}\">{}</text>",
            x + 20.0,
            x + 20.0,
            ol.colour,
            x + 24.0,
            num(y + 4.0, 1),
            xml_escape(name)
        );
        x += 30.0 + 7.5 * name.chars().count() as f64;
    }
    let _ = write!(
        o,
        "<text x=\"{}\" y=\"{}\" fill=\"#555555\" font-size=\"10\">{}</text>",
        num(x0, 1),
        num(y + 22.0, 1),
        xml_escape(&t!(
            lang,
            "figure-slice-footer",
            low = num(CT_WINDOW_HU.0, 0).replace('-', "−"),
            high = num(CT_WINDOW_HU.1, 0),
            floor = lang.with_unit(&lang.numeric(&num(WASH_FLOOR * scale.max_gy, 1)), "Gy")
        ))
    );
}

//! Pictures of the report, as self-contained SVG (no script, no external resource): dose slices
//! (the CT in a soft-tissue window with the dose colour wash as an embedded PNG, isodose lines
//! and structure outlines as vectors, a colour bar in Gy, orientation labels) and the
//! predicted-vs-delivered Bland–Altman plot. The DVH plot is `crate::dvh_out::dvh_svg`.
//!
//! | module | what |
//! |---|---|
//! | [`png`] | 8-bit RGB PNG encoder (zlib by `flate2`), base64 `data:` URIs |
//! | [`contour`] | marching squares: isolines of a 2-D field, joined into polylines |
//! | [`slice`] | one slice: CT window, dose wash, isodose lines, outlines, colour bar, labels |
//! | [`plots`] | the Bland–Altman plot of the tumours' mean doses |
//!
//! Every constant (window, wash, isodose levels, colours) is documented where it is defined.
//! Docs: docs/dosimetry.md, "Figures of the report".

pub mod contour;
pub mod plots;
pub mod png;
pub mod slice;

/// A figure that cannot be made (internal: the callers pass consistent arrays).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FigureError {
    /// Pixel array and size disagree.
    #[error("figure: an image of {width} × {height} pixels cannot hold {bytes} bytes")]
    BadImage {
        /// Columns.
        width: usize,
        /// Rows.
        height: usize,
        /// Bytes given.
        bytes: usize,
    },
    /// Larger than PNG allows.
    #[error("figure: image too large for PNG")]
    TooLarge,
    /// Compression failed.
    #[error("figure: deflate: {0}")]
    Deflate(String),
}

/// The CT display window, HU: −160 to 240 (level 40, width 400), the usual abdominal
/// soft-tissue window (liver, vessels and tumours distinct, fat dark, bone white).
pub const CT_WINDOW_HU: (f64, f64) = (-160.0, 240.0);

/// The isodose levels drawn, Gy: 50, 100, 150 and 200 Gy. A design choice in the range of the
/// published SIRT thresholds: about 50 Gy is where normal-liver toxicity is discussed (whole
/// non-tumoural liver), 100–120 Gy the resin tumour target, 150 and ≥ 205 Gy the glass tumour
/// targets (DOSISPHERE-01); equal steps keep the picture readable.
pub const ISODOSE_GY: [f64; 4] = [50.0, 100.0, 150.0, 200.0];

/// Colours of the isodose lines, one per [`ISODOSE_GY`] level: Okabe–Ito sky blue, bluish green,
/// yellow, vermilion (Okabe & Ito 2008), each drawn over a black casing so that it stands out
/// of the wash and the CT.
pub const ISODOSE_COLOURS: [&str; 4] = ["#56B4E9", "#009E73", "#F0E442", "#D55E00"];

/// The dose wash: stops (fraction of the scale, RGB) of a blue–cyan–green–yellow–red ramp, the
/// colour wash of treatment-planning systems (low blue, high red); linear between stops.
pub const WASH_STOPS: [(f64, [u8; 3]); 5] = [
    (0.0, [0, 0, 255]),
    (0.25, [0, 255, 255]),
    (0.5, [0, 255, 0]),
    (0.75, [255, 255, 0]),
    (1.0, [255, 0, 0]),
];

/// Opacity of the wash over the CT: 0.45, so that the anatomy stays visible under it.
pub const WASH_ALPHA: f64 = 0.45;

/// Doses below this fraction of the scale are not washed (5 %): the CT stays grey where there is
/// practically no dose.
pub const WASH_FLOOR: f64 = 0.05;

/// The wash colour of `dose_gy` on a scale from 0 to `scale_max_gy` (clamped at both ends).
pub fn wash_colour(dose_gy: f64, scale_max_gy: f64) -> [u8; 3] {
    let f = if scale_max_gy > 0.0 && dose_gy.is_finite() {
        (dose_gy / scale_max_gy).clamp(0.0, 1.0)
    } else {
        0.0
    };
    for w in WASH_STOPS.windows(2) {
        let ((f0, c0), (f1, c1)) = (w[0], w[1]);
        if f <= f1 {
            let t = (f - f0) / (f1 - f0);
            return [0, 1, 2].map(|i| {
                (f64::from(c0[i]) + t * (f64::from(c1[i]) - f64::from(c0[i]))).round() as u8
            });
        }
    }
    WASH_STOPS[WASH_STOPS.len() - 1].1
}

/// The grey of a CT value in [`CT_WINDOW_HU`].
pub fn ct_grey(hu: f64) -> u8 {
    let (lo, hi) = CT_WINDOW_HU;
    if !hu.is_finite() {
        return 0;
    }
    (255.0 * ((hu - lo) / (hi - lo)).clamp(0.0, 1.0)).round() as u8
}

/// The pixel of the picture: the CT grey, with the wash blended over it at [`WASH_ALPHA`] where
/// the dose is at least [`WASH_FLOOR`] of the scale.
pub fn pixel(hu: f64, dose_gy: f64, scale_max_gy: f64) -> [u8; 3] {
    let g = f64::from(ct_grey(hu));
    if !(dose_gy.is_finite() && scale_max_gy > 0.0 && dose_gy >= WASH_FLOOR * scale_max_gy) {
        let g = g as u8;
        return [g, g, g];
    }
    let c = wash_colour(dose_gy, scale_max_gy);
    c.map(|x| ((1.0 - WASH_ALPHA) * g + WASH_ALPHA * f64::from(x)).round() as u8)
}

/// A number for SVG with at most `d` decimals, without a negative zero.
pub(crate) fn num(x: f64, d: usize) -> String {
    let s = format!("{x:.d$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A "nice" tick step (1, 2, 2.5 or 5 × 10ⁿ) giving at most `max_ticks` intervals up to `max`.
pub(crate) fn nice_step(max: f64, max_ticks: f64) -> f64 {
    let raw = (max / max_ticks).max(1e-9);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wash_at_known_doses() {
        // Scale 0–200 Gy: 0 blue, 50 cyan, 100 green, 150 yellow, 200 and above red.
        assert_eq!(wash_colour(0.0, 200.0), [0, 0, 255]);
        assert_eq!(wash_colour(50.0, 200.0), [0, 255, 255]);
        assert_eq!(wash_colour(100.0, 200.0), [0, 255, 0]);
        assert_eq!(wash_colour(150.0, 200.0), [255, 255, 0]);
        assert_eq!(wash_colour(200.0, 200.0), [255, 0, 0]);
        assert_eq!(wash_colour(900.0, 200.0), [255, 0, 0]);
        // Half-way between green and yellow: 127.5 → 128.
        assert_eq!(wash_colour(125.0, 200.0), [128, 255, 0]);
    }

    #[test]
    fn window_and_blend() {
        assert_eq!(ct_grey(-1000.0), 0);
        assert_eq!(ct_grey(40.0), 128);
        assert_eq!(ct_grey(1000.0), 255);
        // Below the floor (5 % of 200 Gy = 10 Gy): grey only.
        assert_eq!(pixel(40.0, 9.9, 200.0), [128, 128, 128]);
        // 100 Gy green at 45 % over grey 128: 0.55 · 128 + 0.45 · (0, 255, 0).
        assert_eq!(pixel(40.0, 100.0, 200.0), [70, 185, 70]);
    }
}

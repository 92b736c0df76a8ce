//! The drawing code of the report's figures against independent values: marching squares on an
//! analytic dose, the PNG encoder read back by a peer decoder (Python's zlib and struct), the
//! colour bar's mapping, and a slice figure's self-containment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_i18n::Lang;
use sirt_report::figures::contour::{isoline, join};
use sirt_report::figures::png::encode_rgb;
use sirt_report::figures::slice::{DoseScale, Outline, Slice, slice_svg};
use sirt_report::figures::{ISODOSE_GY, wash_colour};

/// D = 200 · exp(−r / 10 mm) on a 1 mm grid: the 100 Gy isodose is the circle r = 10 ln 2 mm
/// (6.931 mm). Marching squares interpolates linearly between samples, so each point lies
/// within half a voxel of the circle (measured: well under 0.05 mm here).
#[test]
fn isodose_of_a_radial_dose_is_its_circle() {
    let (n, centre, spacing) = (41usize, 20.3_f64, 1.0_f64);
    let mut v = vec![0f32; n * n];
    for r in 0..n {
        for c in 0..n {
            let d = ((c as f64 - centre).powi(2) + (r as f64 - centre).powi(2)).sqrt() * spacing;
            v[c + n * r] = (200.0 * (-d / 10.0).exp()) as f32;
        }
    }
    let radius = 10.0 * 2f64.ln();
    let segs = isoline(n, n, &v, 100.0);
    assert!(segs.len() > 30, "{}", segs.len());
    for s in &segs {
        for p in s {
            let r = ((p.0 - centre).powi(2) + (p.1 - centre).powi(2)).sqrt() * spacing;
            assert!((r - radius).abs() < 0.5 * spacing, "{p:?}: r = {r}");
        }
    }
    // One closed line around the centre.
    let lines = join(&segs);
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    let (a, b) = (l[0], l[l.len() - 1]);
    assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
    // Its enclosed area (shoelace) is that of the circle within 1 %.
    let area: f64 = l
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
        .abs()
        / 2.0;
    let circle = std::f64::consts::PI * radius * radius;
    assert!((area / circle - 1.0).abs() < 0.01, "{area} vs {circle}");
}

/// A PNG read back by an independent decoder: Python's `zlib` inflates the IDAT, `struct` reads
/// IHDR, `zlib.crc32` checks every chunk; the pixels must equal those written.
#[test]
fn png_round_trips_through_python() {
    let (w, h) = (7usize, 5usize);
    let rgb: Vec<u8> = (0..w * h * 3)
        .map(|n| ((n * 37 + 11) % 256) as u8)
        .collect();
    let png = encode_rgb(w, h, &rgb).unwrap();
    let dir = std::env::temp_dir().join(format!("sirt-report-png-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.png");
    std::fs::write(&path, &png).unwrap();
    let script = r#"
import sys, struct, zlib
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n'
i, idat, ihdr = 8, b'', None
while i < len(b):
    n, = struct.unpack('>I', b[i:i+4]); kind = b[i+4:i+8]; data = b[i+8:i+8+n]
    crc, = struct.unpack('>I', b[i+8+n:i+12+n])
    assert crc == zlib.crc32(kind + data) & 0xffffffff, kind
    if kind == b'IHDR': ihdr = struct.unpack('>IIBBBBB', data)
    if kind == b'IDAT': idat += data
    i += 12 + n
w, h, depth, ctype, _, _, _ = ihdr
assert (depth, ctype) == (8, 2)
raw = zlib.decompress(idat)
rows = [raw[r*(3*w+1):(r+1)*(3*w+1)] for r in range(h)]
assert all(row[0] == 0 for row in rows)
sys.stdout.write(f"{w} {h} " + ''.join(row[1:].hex() for row in rows))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let hex: String = rgb.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(text, format!("{w} {h} {hex}"));
}

/// The colour bar's mapping at known doses on a 0–200 Gy scale (the stops of the wash).
#[test]
fn colour_bar_at_known_doses() {
    assert_eq!(wash_colour(0.0, 200.0), [0, 0, 255]);
    assert_eq!(wash_colour(25.0, 200.0), [0, 128, 255]);
    assert_eq!(wash_colour(100.0, 200.0), [0, 255, 0]);
    assert_eq!(wash_colour(175.0, 200.0), [255, 128, 0]);
    assert_eq!(wash_colour(250.0, 200.0), [255, 0, 0]);
}

/// A slice figure is one SVG with one embedded PNG, the isodose levels and the orientation
/// labels, and no external reference.
#[test]
fn slice_figure_is_self_contained() {
    let (w, h) = (30usize, 20usize);
    let dose: Vec<f32> = (0..w * h)
        .map(|n| {
            let (c, r) = ((n % w) as f32 - 15.0, (n / w) as f32 - 10.0);
            250.0 * (-(c * c + r * r).sqrt() / 8.0).exp()
        })
        .collect();
    let inside: Vec<bool> = (0..w * h)
        .map(|n| ((n % w) as i32 - 15).abs() < 6 && ((n / w) as i32 - 10).abs() < 5)
        .collect();
    let s = Slice {
        width: w,
        height: h,
        pixel_mm: (2.0, 2.0),
        ct_hu: vec![40.0; w * h],
        dose_gy: dose,
        outlines: vec![Outline {
            name: "T1".into(),
            colour: "#FF3DF5",
            label: true,
            inside,
        }],
        sides: ["R", "L", "A", "P"],
        title: "test".into(),
    };
    let svg = slice_svg(
        &s,
        &DoseScale {
            max_gy: 250.0,
            isodoses_gy: ISODOSE_GY.to_vec(),
        },
        Lang::En,
    )
    .unwrap();
    assert_eq!(svg.matches("<svg").count(), 1);
    assert_eq!(svg.matches("data:image/png;base64,").count(), 1);
    for t in [
        "50 Gy", "200 Gy", ">R<", ">L<", ">A<", ">P<", ">T1<", "≥ 250",
    ] {
        assert!(svg.contains(t), "{t}");
    }
    assert!(!svg.contains("http://") || svg.matches("http://").count() == 1); // the xmlns only
    assert!(!svg.contains("<script"));
}

/// A clinical-size slice (512 × 512 CT pixels of 0.8 mm, noisy soft tissue in an elliptic body,
/// air around): cropped to the body and averaged 2 × 2, its figure stays small; the raster's
/// size is read back from the PNG header inside the data URI.
#[test]
fn a_512_ct_slice_is_cropped_and_averaged() {
    let n = 512usize;
    let mut seed = 12345u64;
    let mut noise = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((seed >> 33) % 61) as f32 - 30.0
    };
    let mut ct = vec![-1000f32; n * n];
    let mut dose = vec![0f32; n * n];
    for r in 0..n {
        for c in 0..n {
            let (x, y) = ((c as f64 - 256.0) / 200.0, (r as f64 - 256.0) / 150.0);
            if x * x + y * y < 1.0 {
                ct[c + n * r] = 50.0 + noise();
                dose[c + n * r] = (120.0 * (-(x * x + y * y) * 4.0).exp()) as f32;
            }
        }
    }
    let s = Slice {
        width: n,
        height: n,
        pixel_mm: (0.8, 0.8),
        ct_hu: ct,
        dose_gy: dose,
        outlines: Vec::new(),
        sides: ["R", "L", "A", "P"],
        title: "512".into(),
    };
    let svg = slice_svg(
        &s,
        &DoseScale {
            max_gy: 150.0,
            isodoses_gy: ISODOSE_GY.to_vec(),
        },
        Lang::En,
    )
    .unwrap();
    assert!(svg.len() < 400_000, "{} bytes", svg.len());
    // IHDR width and height: bytes 16–23 of the PNG, base64 characters 21.33–32 → decode 32.
    let b64 = svg.split("base64,").nth(1).unwrap();
    let head: String = b64.chars().take(32).collect();
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg("import base64,struct,sys; b=base64.b64decode(sys.argv[1]); print(*struct.unpack('>II', b[16:24]))")
        .arg(head)
        .output()
        .unwrap();
    let dims = String::from_utf8(out.stdout).unwrap();
    // The body spans 401 × 301 pixels, 13 pixels (10 mm) of margin each side, 2 × 2 averaging.
    let wh: Vec<usize> = dims
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(wh.len(), 2, "{dims}");
    assert!(
        (210..=220).contains(&wh[0]) && (160..=170).contains(&wh[1]),
        "{dims}"
    );
}

/// The slice figure in French: the legend's words, a decimal comma on the colour bar's ticks
/// and in the wash floor (5 % of 25 Gy = 1.25, printed with one decimal: "1,2 Gy"), a no-break
/// space before the units.
/// In English the same slice says "Isodose:", "Outlines:", "tumours" and "1.2 Gy".
#[test]
fn slice_figure_in_french() {
    let (w, h) = (20usize, 20usize);
    let s = Slice {
        width: w,
        height: h,
        pixel_mm: (2.0, 2.0),
        ct_hu: vec![40.0; w * h],
        dose_gy: (0..w * h).map(|o| (o % w) as f32).collect(),
        outlines: vec![Outline {
            name: "T1".into(),
            colour: "#FF3DF5",
            label: true,
            inside: (0..w * h)
                .map(|o| (5..10).contains(&(o % w)) && (5..10).contains(&(o / w)))
                .collect(),
        }],
        sides: ["D", "G", "A", "P"],
        title: "Séance 1".into(),
    };
    let scale = DoseScale {
        max_gy: 25.0,
        isodoses_gy: vec![10.0, 15.0],
    };
    let fr = slice_svg(&s, &scale, Lang::Fr).unwrap();
    let en = slice_svg(&s, &scale, Lang::En).unwrap();
    for t in [
        ">Isodoses\u{a0}:<",
        ">Contours\u{a0}:<",
        ">tumeurs<",
        ">10\u{a0}Gy<",
        "Fenêtre TDM −160/240\u{a0}UH\u{a0}; dose en couleur à partir de 1,2\u{a0}Gy",
        ">50\u{a0}mm<",
        ">≥ 25<",
        ">D<",
        ">G<",
    ] {
        assert!(
            fr.contains(t),
            "{t}\n{}",
            &fr[fr.len().saturating_sub(1500)..]
        );
    }
    for t in [
        ">Isodose:<",
        ">Outlines:<",
        ">tumours<",
        ">10 Gy<",
        "CT window −160/240 HU; dose wash from 1.2 Gy",
        ">50 mm<",
    ] {
        assert!(en.contains(t), "{t}");
        assert!(!fr.contains(t), "{t}");
    }
}

/// The Bland–Altman plot in French: axis titles, the bias and limit labels with a decimal comma
/// ("biais +5,0 Gy", "+1,96 ET"), the tooltips; the English words are gone.
#[test]
fn bland_altman_in_french() {
    use sirt_report::figures::plots::{Pair, bland_altman_svg};
    let pairs = [
        Pair {
            name: "T1".into(),
            predicted_gy: 100.0,
            delivered_gy: 110.0,
        },
        Pair {
            name: "T2".into(),
            predicted_gy: 50.0,
            delivered_gy: 50.0,
        },
    ];
    let fr = bland_altman_svg("Séance 1", &pairs, 5.0, (-8.86, 18.86), Lang::Fr);
    for t in [
        "Moyenne des doses prédite et délivrée (Gy)",
        "Délivrée − prédite (Gy)",
        ">biais +5,0\u{a0}Gy<",
        ">+1,96 ET +18,9\u{a0}Gy<",
        ">−1,96 ET −8,9\u{a0}Gy<",
        "<title>T1\u{a0}: prédite 100,0\u{a0}Gy, délivrée 110,0\u{a0}Gy</title>",
    ] {
        assert!(fr.contains(t), "{t}");
    }
    let en = bland_altman_svg("Session 1", &pairs, 5.0, (-8.86, 18.86), Lang::En);
    for t in [
        "Mean of predicted and delivered (Gy)",
        ">bias +5.0 Gy<",
        ">+1.96 SD +18.9 Gy<",
        ">−1.96 SD −8.9 Gy<",
        "<title>T1: predicted 100.0 Gy, delivered 110.0 Gy</title>",
    ] {
        assert!(en.contains(t), "{t}");
    }
    assert!(!fr.contains("predicted") && !fr.contains("bias "));
}

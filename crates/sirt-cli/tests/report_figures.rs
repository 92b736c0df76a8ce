//! `sirtplan demo --out DIR` on the digital phantom: `plan.html` carries the report's figures
//! inline (docs/dosimetry.md, "Figures of the report"): per session the DVH plot, axial slices
//! through the liver (axial and coronal) and each tumour (axial) with the dose wash (one embedded PNG each), isodose lines
//! and outlines, predicted and delivered, and the Bland–Altman plot; self-contained and under
//! 5 MB; `plan.txt` names each figure by its caption.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

#[test]
fn demo_report_carries_its_figures() {
    let dir = std::env::temp_dir().join(format!("sirtplan-figures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (ph, out) = (dir.join("phantom"), dir.join("out"));
    let o = Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(["demo", "--phantom-dir"])
        .arg(&ph)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run sirtplan");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(out.join("plan.html")).unwrap();
    // 2 DVH plots, 1 Bland–Altman, 16 slices (liver axial and coronal, 6 tumours axial;
    // predicted and delivered).
    assert_eq!(html.matches("<svg").count(), 19);
    assert_eq!(html.matches("data:image/png;base64,").count(), 16);
    assert_eq!(html.matches("<figcaption").count(), 19);
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script")
    );
    assert!(html.len() < 5_000_000, "plan.html is {} bytes", html.len());
    let text = std::fs::read_to_string(out.join("plan.txt")).unwrap();
    let captions: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("[figure: "))
        .collect();
    assert_eq!(captions.len(), 19, "{captions:#?}");
    let slices: Vec<&&str> = captions
        .iter()
        .filter(|c| c.contains(" slice through "))
        .collect();
    assert_eq!(slices.len(), 16);
    for c in slices {
        assert!(c.contains("Session 1, "), "{c}");
        assert!(c.contains(" at z = ") || c.contains(" at y = "), "{c}");
        assert!(c.contains(" mm (LPS, "), "{c}");
        assert!(c.contains("isodose lines 50, 100, 150, 200 Gy"), "{c}");
        assert!(
            c.contains("through liver") || c.contains("through tumour T"),
            "{c}"
        );
    }
    assert!(captions.iter().any(|c| c.contains("Bland–Altman")));
    let _ = std::fs::remove_dir_all(&dir);
}

//! The web report of a plan with images is the report `sirtplan plan` makes of the same case
//! file: the phantom demo imported, its report page (HTML) and PDF (text by pdftotext) against
//! the application layer run as the CLI runs it (`sirt_planning::plan_case` with the case
//! file's folder as the image root, crates/sirt-cli/src/commands/plan.rs) on the plan's case
//! file written into the patient's folder. The voxel sections must be there, and equal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::T;
use sirt_planning::{CaseText, ImageRoot, SiteData};
use sirt_store::Role;

/// The HTML from the "Voxel dosimetry" heading to the end of the body.
fn voxel_part(html: &str) -> &str {
    let start = html
        .find("<h2>Voxel dosimetry</h2>")
        .unwrap_or_else(|| panic!("no voxel section in the report:\n{html}"));
    &html[start..]
}

/// Every number in the cells of the voxel part's tables, as written.
fn table_numbers(voxel_html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for cell in voxel_html.split("<td").skip(1) {
        let Some(text) = cell.split_once('>').map(|(_, t)| t) else {
            continue;
        };
        let text = text.split("</td>").next().unwrap_or("");
        let number = text.trim().trim_end_matches(" %");
        if !number.is_empty() && number.parse::<f64>().is_ok() {
            out.push(number.to_owned());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_report_has_the_cli_voxel_sections_and_numbers() {
    let url = harness::sqlite_url("report_voxel");
    let t = T::new(&url).await;
    let s = t.login(Role::Physicist).await;
    let r = t.import_phantom(&s).await;
    let plan = r.json["plan"]["id"].as_i64().unwrap();
    let patient = r.json["patient"]["id"].as_i64().unwrap();
    let web = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{plan}/report.html"),
            None,
        )
        .await;
    assert_eq!(web.status, StatusCode::OK, "{}", web.text);

    // The CLI on the same case file, in the patient's folder where its image paths point.
    let stored = t.store.plan(plan).await.unwrap();
    let folder = t.data_dir.join("patients").join(patient.to_string());
    let case_path = folder.join("case.toml");
    std::fs::write(&case_path, &stored.case_toml).unwrap();
    let name = case_path.display().to_string();
    let cli = sirt_planning::plan_case(
        &SiteData::embedded().unwrap(),
        CaseText {
            text: &stored.case_toml,
            name: &name,
        },
        ImageRoot::Folder(&folder),
    )
    .unwrap();
    let cli_html = cli.html();
    let (web_voxel, cli_voxel) = (voxel_part(&web.text), voxel_part(&cli_html));
    assert_eq!(web_voxel, cli_voxel, "the voxel sections differ");
    // The sections a physicist signs: prediction, plan vs voxel, delivered, verification.
    for heading in [
        "Session 1: predicted from the MAA SPECT at the planned activities",
        "Session 1: delivered, from the Y-90 PET",
    ] {
        assert!(web_voxel.contains(heading), "no \"{heading}\"");
    }
    assert!(web_voxel.contains("Plan, partition model (Gy)"));
    let numbers = table_numbers(web_voxel);
    assert!(numbers.len() > 50, "{} numbers", numbers.len());
    // The JSON of the plan with its voxel part has the same numbers: the report's tumour mean.
    let voxel_json = &cli.json["voxel"];
    assert!(
        voxel_json["predicted"][0]["dosimetry"].is_object(),
        "{voxel_json}"
    );

    // The PDF prints the same document: every number of the voxel tables is in its text.
    let pdf = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{plan}/report.pdf"),
            None,
        )
        .await;
    let require = std::env::var_os("SIRTPLAN_REQUIRE_BROWSER").is_some();
    if pdf.status == StatusCode::OK {
        let pdf_path = t.data_dir.join("report.pdf");
        std::fs::write(&pdf_path, &pdf.bytes).unwrap();
        let text = std::process::Command::new("pdftotext")
            .args(["-layout"])
            .arg(&pdf_path)
            .arg("-")
            .output();
        match text {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout);
                assert!(
                    text.contains("Voxel dosimetry"),
                    "no voxel section in the PDF"
                );
                for n in &numbers {
                    assert!(text.contains(n.as_str()), "{n} is not in the PDF's text");
                }
            }
            _ if require => panic!("pdftotext is required (poppler-utils)"),
            _ => eprintln!("skipped the PDF text: no pdftotext"),
        }
    } else if require {
        panic!("the PDF is required: {} {}", pdf.status, pdf.text);
    } else {
        assert_eq!(pdf.status, StatusCode::SERVICE_UNAVAILABLE, "{}", pdf.text);
        eprintln!("skipped the PDF: no Chromium");
    }
    harness::remove_sqlite(&url);
    let _ = std::fs::remove_dir_all(&t.data_dir);
}

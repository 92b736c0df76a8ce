//! Browser end-to-end test: the server on a real loopback listener over a temporary SQLite file,
//! with one account per role, driven by `e2e/app.test.mjs` in headless Chromium (playwright-core
//! from `e2e/node_modules`, the system's Chromium). It signs in, imports the demo case, changes
//! a parameter and sees the dose table update, checks and approves as the right roles (and is
//! refused as the wrong ones), downloads the PDF and reads its text, stores the report in the
//! case and downloads it from the case's documents, records a follow-up visit, draws the cohort
//! curves, as admin creates an account and disables it, and plans from images (a new patient,
//! the phantom's DICOM zip uploaded, the planning pages, to a plan checked and approved); screenshots of the main screens go to `output/e2e/` at the
//! repository root (ignored by git).
//!
//! Needs node, `npm ci --prefix crates/sirt-server/e2e` and Chromium: without them the test
//! prints a skip note, unless `SIRTPLAN_REQUIRE_BROWSER=1` (`.ci/run` sets it and installs them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use sirt_store::Role;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn required() -> bool {
    std::env::var("SIRTPLAN_REQUIRE_BROWSER").as_deref() == Ok("1")
}

fn skip(why: &str) {
    assert!(
        !required(),
        "SIRTPLAN_REQUIRE_BROWSER=1 but the browser test cannot run: {why}"
    );
    eprintln!("skipping the browser test: {why}");
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

#[test]
fn browser_end_to_end() {
    let e2e = manifest().join("e2e");
    let Some(node) = on_path("node") else {
        return skip("no `node` on PATH");
    };
    if !e2e.join("node_modules/playwright-core").is_dir() {
        return skip("playwright-core missing: run `npm ci --prefix crates/sirt-server/e2e`");
    }
    let Some(chromium) = sirt_report::pdf::chromium_candidates().into_iter().next() else {
        return skip("no Chromium (Debian: apt-get install chromium)");
    };
    let out = manifest().join("../../output/e2e");
    let _ = std::fs::remove_dir_all(&out);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile_dir();
    let url = format!("sqlite://{}", dir.join("e2e.db").display());
    let (addr, next_addr, data_dir) = rt.block_on(async {
        let t = common::T::new(&url).await;
        let data_dir = t.data_dir.clone();
        // The same server under another engine id, over the same database and data folder: a new
        // server version, which must serve an approved plan's report unchanged.
        let next = sirt_server::app(t.state.with_engine_id("sirtplan-e2e-next-engine"));
        let next_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let next_addr = next_listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                next_listener,
                next.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = t.app.clone();
        tokio::spawn(async move {
            // The test application (and its data folder) lives as long as the server.
            let _t = t;
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        (addr, next_addr, data_dir)
    });
    let status = Command::new(node)
        .arg(e2e.join("app.test.mjs"))
        .current_dir(&e2e)
        .env("BASE_URL", format!("http://{addr}"))
        .env("NEXT_ENGINE_URL", format!("http://{next_addr}"))
        .env("E2E_PASSWORD", common::PASSWORD)
        .env("E2E_OUT", &out)
        .env("CHROMIUM", &chromium)
        .env(
            "RECIST_FILE",
            manifest().join("../../examples/demo-recist.toml"),
        )
        .env("PHANTOM_DICOM_ZIP", phantom_dicom_zip(&dir))
        .env("MOVED_SPECT_ZIP", moved_spect_zip(&dir))
        .env("E2E_ADMIN", common::username(Role::Admin))
        .env("E2E_PHYSICIAN", common::username(Role::Physician))
        .env("E2E_PHYSICIST", common::username(Role::Physicist))
        .env("E2E_TECHNOLOGIST", common::username(Role::Technologist))
        .env("E2E_VIEWER", common::username(Role::Viewer))
        .status()
        .expect("node runs");
    // The server task is not dropped by a background shutdown: its data folder goes here (kept
    // when the test failed).
    rt.shutdown_background();
    let _ = std::fs::remove_dir_all(&dir);
    if status.success() {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    assert!(
        status.success(),
        "the browser test failed (its output above); screenshots in {}",
        out.display()
    );
    assert!(Path::new(&out).join("02-plan-workspace.png").is_file());
    assert!(Path::new(&out).join("26-wb-plan-approved.png").is_file());
}

/// The digital phantom's DICOM files (standard preset, seed 1: Patient ID `SIRT-PHANTOM-1`) as
/// one zip in `dir`, for the planning-from-images scenario to upload.
fn phantom_dicom_zip(dir: &Path) -> PathBuf {
    use std::io::Write;
    let phantom = sirt_phantom::generate(sirt_phantom::Preset::Standard, 1).unwrap();
    let path = dir.join("phantom-dicom.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, bytes) in sirt_planning::phantom_dicom::files(&phantom).unwrap() {
        w.start_file(name.as_str(), o).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap();
    path
}

/// The phantom's MAA SPECT/CT moved by a known rigid transform (3°, −2°, 4° about x, y, z, then
/// (10, −8, 12) mm; `fixed_from_moving`) into a frame of its own, as one zip in `dir`, for the
/// registration scenario: the CT resampled through it onto a grid of that frame, the SPECT too.
fn moved_spect_zip(dir: &Path) -> PathBuf {
    use sirt_dicom::write::{
        CivilDateTime, EnergyWindow, NmInfo, Radiopharmaceutical, SeriesInfo, StudyInfo,
        write_ct_series, write_nm_tomo,
    };
    use sirt_geometry::{FrameOfReference, Grid, Image, Rigid};
    use std::io::Write;
    let p = sirt_phantom::generate(sirt_phantom::Preset::Standard, 1).unwrap();
    let frame = FrameOfReference("2.25.314159265358979323846264338327950288".into());
    let truth = Rigid::new(
        p.ct.grid().frame.clone(),
        frame.clone(),
        sirt_planning::registration::rotation_from_angles_deg([3.0, -2.0, 4.0]),
        [10.0, -8.0, 12.0],
    )
    .unwrap();
    let ct_grid = Grid {
        frame: frame.clone(),
        ..p.ct.grid().clone()
    };
    let spect_grid = Grid {
        frame,
        ..p.spect.grid().clone()
    };
    let ct = sirt_geometry::resample_linear(&p.ct, &ct_grid, &truth, -1000.0).unwrap();
    let spect = sirt_geometry::resample_linear(&p.spect, &spect_grid, &truth, 0.0).unwrap();
    let day = CivilDateTime::new(2025, 1, 15, 9, 0, 0.0).unwrap();
    let mut study = StudyInfo::new("Phantom^SIRT", "SIRT-PHANTOM-1", day);
    study.description = Some("MAA SPECT/CT (moved)".into());
    let mut files = Vec::new();
    for o in write_ct_series(
        &ct,
        &study,
        &SeriesInfo::new(1, "CT of the SPECT/CT (moved)", day),
    )
    .unwrap()
    .objects
    {
        files.push((format!("moved/ct/{}", o.file_name), o.bytes));
    }
    let nm = write_nm_tomo(
        &Image::new(spect_grid.clone(), spect.data().to_vec()).unwrap(),
        &study,
        &SeriesInfo::new(2, "MAA SPECT (moved)", day),
        &NmInfo {
            radiopharmaceutical: Radiopharmaceutical::tc99m_maa(day, 150e6),
            energy_window: EnergyWindow::tc99m_photopeak(),
            acquisition_duration_s: 1200.0,
            projections: 120,
        },
    )
    .unwrap();
    files.push(("moved/spect/nm.dcm".to_owned(), nm.bytes));
    let path = dir.join("moved-spect.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, bytes) in files {
        w.start_file(name.as_str(), o).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap();
    path
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sirtplan-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

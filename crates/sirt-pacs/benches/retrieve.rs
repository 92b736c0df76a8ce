//! Retrieving a 300-slice CT (synthetic, 512 × 512 × 300, 16-bit: 157 MB of pixel data) from
//! Orthanc: sirt-pacs over DICOMweb (WADO-RS, streamed to files) and over DIMSE (C-GET), against
//! dcmtk's `getscu` (C-GET) in the same run, the same Orthanc, the same series. Each is run
//! `RUNS` times into a fresh folder; the median is reported with the ratio to getscu
//! (issue 17's goal: no slower than dcmtk).
//!
//! `cargo bench -p sirt-pacs --bench retrieve`. Orthanc runs in a private network namespace
//! (sirt_pacs::testing); without Orthanc or dcmtk the bench prints a skip (a failure with
//! SIRTPLAN_REQUIRE_PEERS=1).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::panic
)]

use sirt_dicom::write::{CivilDateTime, SeriesInfo, StudyInfo, write_ct_series};
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_pacs::dimse::DimseClient;
use sirt_pacs::testing::{self, Namespace, Orthanc, TempDir};
use sirt_pacs::web::WebClient;
use sirt_pacs::{AeTitle, DimseNode, PullSelector, Timeouts, WebNode};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs of each retrieval (the median is reported).
const RUNS: usize = 3;
/// The CT: 512 × 512 × 300 (issue 17's "300-slice CT"), 0.8 × 0.8 × 1.5 mm.
const DIMS: [usize; 3] = [512, 512, 300];

fn main() {
    if let Some(missing) = testing::peers_missing(&["getscu"]) {
        assert!(!testing::peers_required(), "{missing}");
        println!("retrieve bench skipped: {missing}");
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    match testing::private_network_with(&args).unwrap() {
        Namespace::Ran { success, output } => {
            println!("{output}");
            assert!(success, "the bench failed inside its network namespace");
        }
        Namespace::Inside => bench(),
    }
}

/// Writes the synthetic CT series (HU: a water cylinder in air with a denser core).
fn ct_files(dir: &Path) -> (Vec<PathBuf>, String, String) {
    let grid = Grid::axis_aligned(
        DIMS,
        [0.8, 0.8, 1.5],
        PointLps::new(-204.4, -204.4, -225.0),
        FrameOfReference("2.25.112233445566778899".into()),
    )
    .unwrap();
    let [nx, ny, _] = DIMS;
    let data = (0..grid.len())
        .map(|n| {
            let (i, j) = ((n % nx) as f32 - 256.0, ((n / nx) % ny) as f32 - 256.0);
            let r = (i * i + j * j).sqrt();
            if r < 80.0 {
                60.0
            } else if r < 220.0 {
                0.0
            } else {
                -1000.0
            }
        })
        .collect();
    let t0 = CivilDateTime::new(2025, 2, 1, 8, 0, 0.0).unwrap();
    let study = StudyInfo::new("Bench^CT", "BENCH-CT", t0);
    let ct = write_ct_series(
        &Image::new(grid, data).unwrap(),
        &study,
        &SeriesInfo::new(1, "CT 300", t0),
    )
    .unwrap();
    let files = ct
        .objects
        .iter()
        .map(|o| {
            let p = dir.join(&o.file_name);
            std::fs::write(&p, &o.bytes).unwrap();
            p
        })
        .collect();
    (
        files,
        ct.reference.study_instance_uid.clone(),
        ct.reference.series_instance_uid.clone(),
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn timed(mut f: impl FnMut(&Path) -> usize) -> Duration {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let dir = TempDir::new("bench-out").unwrap();
        let t = Instant::now();
        let n = f(dir.path());
        times.push(t.elapsed());
        assert_eq!(n, DIMS[2], "every slice retrieved");
    }
    median(times)
}

fn bench() {
    let orthanc = Orthanc::start().unwrap();
    let src = TempDir::new("bench-ct").unwrap();
    let (files, study, series) = ct_files(src.path());
    let bytes: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let web = WebClient::new(
        WebNode::parse(&orthanc.dicomweb_url()).unwrap(),
        Timeouts::default(),
    );
    let (send, _) = sirt_pacs::transfer::outgoing(&[src.path().to_owned()]).unwrap();
    let pushed = rt.block_on(web.push(&send, &mut |_| {})).unwrap();
    assert_eq!(pushed.stored.len(), DIMS[2]);

    let wado = timed(|dir| {
        rt.block_on(web.pull(&PullSelector::Series(series.clone()), dir, &mut |_| {}))
            .unwrap()
            .len()
    });
    let node =
        DimseNode::parse(&orthanc.dimse_address(), AeTitle::new("SIRTPLAN").unwrap()).unwrap();
    let dimse = DimseClient::new(node, Timeouts::default());
    let cget = timed(|dir| {
        dimse
            .pull(&PullSelector::Series(series.clone()), dir, &mut |_| {})
            .unwrap()
            .len()
    });
    let port = orthanc.dicom_port.to_string();
    let getscu = timed(|dir| {
        // TCP_NODELAY=1 as for Orthanc (sirt_pacs::testing): DCMTK's Nagle setting.
        let st = std::process::Command::new("getscu")
            .env("TCP_NODELAY", "1")
            .args([
                "-aet",
                "GETSCU",
                "-aec",
                "ORTHANC",
                "-S",
                "-k",
                "QueryRetrieveLevel=SERIES",
            ])
            .args([
                "-k",
                &format!("StudyInstanceUID={study}"),
                "-k",
                &format!("SeriesInstanceUID={series}"),
            ])
            .args(["-od", &dir.to_string_lossy(), "127.0.0.1", &port])
            .status()
            .unwrap();
        assert!(st.success());
        std::fs::read_dir(dir).unwrap().count()
    });
    let mb = bytes as f64 / 1e6;
    println!(
        "retrieve of a {}×{}×{} CT ({mb:.0} MB in {} files) from Orthanc 1.10, median of {RUNS}:",
        DIMS[0],
        DIMS[1],
        DIMS[2],
        files.len()
    );
    for (what, t) in [
        ("sirt-pacs WADO-RS", wado),
        ("sirt-pacs C-GET", cget),
        ("dcmtk getscu (C-GET)", getscu),
    ] {
        println!(
            "  {what:<22} {:>7.2} s  {:>6.0} MB/s  ratio to getscu {:.2}",
            t.as_secs_f64(),
            mb / t.as_secs_f64(),
            t.as_secs_f64() / getscu.as_secs_f64()
        );
    }
}

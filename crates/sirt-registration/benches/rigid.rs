//! Registration speed and accuracy against SimpleITK, same pairs, same run (issue 16):
//! `cargo bench -p sirt-registration --bench rigid`.
//!
//! The pairs are those of the accuracy tests (tests/support: the phantom's anatomy rendered
//! through known transforms, CT–CT and SPECT/CT low-dose CT at 128³ × 4.42 mm); then the
//! 512 × 512 × 300 CT (`Preset::Large`) against a 128³ SPECT/CT CT. Each pair is written as
//! MetaImage (.mha, raw float) for SimpleITK, which runs `benches/simpleitk_rigid.py` with the
//! same settings (`RigidOptions::default()`'s learning rate, minimum step, relaxation, gradient
//! tolerance and seed). Times are of the registration alone (no file reading), the median of
//! `SIRT_BENCH_REPEATS` runs (default 3) for sirtplan and one run for SimpleITK; errors are the
//! largest displacement over the liver's voxels and the rotation angle against the truth.
//!
//! Environment: `SIRT_BENCH_LARGE=0` leaves out the large case; `SIRT_BENCH_PEER_TIMEOUT_S`
//! bounds each SimpleITK run (default 900 s); without python3 + SimpleITK the sirtplan figures
//! are printed alone, and the bench fails when `SIRTPLAN_REQUIRE_PEERS` is set.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::Value;
use sirt_geometry::{Image, PointLps, Rigid};
use sirt_phantom::Preset;
use sirt_registration::{RigidOptions, register_rigid};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Case, Errors, errors, fixed_ct, liver_points, moving_ct};

/// Writes a MetaImage: a text header and the raw little-endian f32 voxels (i fastest). ITK reads
/// `TransformMatrix` as the index axes' direction vectors one after the other.
fn write_mha(path: &Path, image: &Image<f32>) {
    let g = image.grid();
    let d = g.direction;
    let mut header = String::new();
    header += "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n";
    header += "CompressedData = False\n";
    header += &format!(
        "TransformMatrix = {} {} {} {} {} {} {} {} {}\n",
        d[0][0], d[0][1], d[0][2], d[1][0], d[1][1], d[1][2], d[2][0], d[2][1], d[2][2]
    );
    header += &format!("Offset = {} {} {}\n", g.origin.x, g.origin.y, g.origin.z);
    header += &format!(
        "ElementSpacing = {} {} {}\n",
        g.spacing_mm[0], g.spacing_mm[1], g.spacing_mm[2]
    );
    header += &format!("DimSize = {} {} {}\n", g.dims[0], g.dims[1], g.dims[2]);
    header += "ElementType = MET_FLOAT\nElementDataFile = LOCAL\n";
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(header.as_bytes()).unwrap();
    for v in image.data() {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
    f.flush().unwrap();
}

/// One side's result on one pair.
struct Side {
    seconds: f64,
    errors: Errors,
    iterations: Vec<usize>,
}

/// sirtplan: the median time of `repeats` runs.
fn ours(
    fixed: &Image<f32>,
    moving: &Image<f32>,
    case: &Case,
    liver: &[PointLps],
    repeats: usize,
) -> Side {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeats {
        let start = Instant::now();
        let r = register_rigid(fixed, moving, &RigidOptions::default()).unwrap();
        times.push(start.elapsed().as_secs_f64());
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let r = last.unwrap();
    if !r.warnings.is_empty() {
        eprintln!("note: {}: sirtplan warnings {:?}", case.name, r.warnings);
    }
    Side {
        seconds: times[times.len() / 2],
        errors: errors(&r.fixed_from_moving, &case.truth, liver),
        iterations: r.levels.iter().map(|l| l.iterations).collect(),
    }
}

/// Runs the SimpleITK script on one pair, killed after `timeout`.
fn peer(fixed: &Path, moving: &Path, timeout: Duration) -> Result<Value, String> {
    let o = RigidOptions::default();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/simpleitk_rigid.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(
            [
                o.learning_rate,
                o.min_step,
                o.relaxation,
                o.gradient_tolerance,
            ]
            .map(|x| x.to_string()),
        )
        .arg(o.seed.to_string())
        .arg(fixed)
        .arg(moving)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3 could not be started: {e}"))?;
    let start = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "SimpleITK did not finish within {} s",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("")).map_err(|e| format!("{e}: {text}"))
}

/// Checks that SimpleITK read the geometry written (size, spacing, origin, direction).
fn check_geometry(v: &Value, image: &Image<f32>, what: &str) {
    let g = image.grid();
    let nums = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let direction: Vec<f64> = (0..3)
        .flat_map(|r| (0..3).map(move |c| g.direction[c][r]))
        .collect();
    let expected = [
        ("size", g.dims.iter().map(|&n| n as f64).collect::<Vec<_>>()),
        ("spacing", g.spacing_mm.to_vec()),
        ("origin", g.origin.to_array().to_vec()),
        ("direction", direction),
    ];
    for (k, e) in expected {
        let found = nums(k);
        assert!(
            found.iter().zip(&e).all(|(a, b)| (a - b).abs() < 1e-4),
            "SimpleITK read the {what} image's {k} as {found:?}, written {e:?}"
        );
    }
}

/// SimpleITK's result as `fixed_from_moving` and its errors.
fn peer_side(
    v: &Value,
    case: &Case,
    fixed: &Image<f32>,
    moving: &Image<f32>,
    liver: &[PointLps],
) -> Side {
    check_geometry(&v["fixed_geometry"], fixed, "fixed");
    check_geometry(&v["moving_geometry"], moving, "moving");
    let m = &v["matrix"];
    let rotation: [[f64; 3]; 3] =
        std::array::from_fn(|r| std::array::from_fn(|c| m[r][c].as_f64().unwrap()));
    let offset: [f64; 3] = std::array::from_fn(|r| v["offset"][r].as_f64().unwrap());
    let moving_from_fixed = Rigid::new(
        moving.grid().frame.clone(),
        fixed.grid().frame.clone(),
        rotation,
        offset,
    )
    .unwrap();
    Side {
        seconds: v["seconds"].as_f64().unwrap(),
        errors: errors(&moving_from_fixed.inverse(), &case.truth, liver),
        iterations: v["iterations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect(),
    }
}

fn row(name: &str, ours: &Side, peer: Result<&Side, &str>) {
    let a = format!(
        "{:>7.3} {:>6.2} {:>5.2} {:<13}",
        ours.seconds,
        ours.errors.max_liver_mm,
        ours.errors.rotation_deg,
        format!("{:?}", ours.iterations)
    );
    match peer {
        Ok(p) => println!(
            "{name:<20} {a} | {:>7.3} {:>6.2} {:>5.2} {:<15} | {:>6.1}×",
            p.seconds,
            p.errors.max_liver_mm,
            p.errors.rotation_deg,
            format!("{:?}", p.iterations),
            p.seconds / ours.seconds
        ),
        Err(e) => println!("{name:<20} {a} | {e}"),
    }
}

/// One pair: files, both sides, a row.
fn pair(
    dir: &Path,
    fixed: &Image<f32>,
    fixed_path: &Path,
    case: &Case,
    moving: &Image<f32>,
    liver: &[PointLps],
    peers: bool,
) -> Option<(Side, Side)> {
    let repeats = env_or("SIRT_BENCH_REPEATS", 3);
    let timeout = Duration::from_secs(env_or("SIRT_BENCH_PEER_TIMEOUT_S", 900) as u64);
    let ours = ours(fixed, moving, case, liver, repeats);
    if !peers {
        row(case.name, &ours, Err("SimpleITK not run"));
        return None;
    }
    let moving_path: PathBuf = dir.join(format!("{}.mha", case.name.replace(' ', "_")));
    write_mha(&moving_path, moving);
    match peer(fixed_path, &moving_path, timeout) {
        Ok(v) => {
            let p = peer_side(&v, case, fixed, moving, liver);
            row(case.name, &ours, Ok(&p));
            Some((ours, p))
        }
        Err(e) => {
            row(case.name, &ours, Err(&e));
            None
        }
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether python3 with SimpleITK is there; fails when required and absent.
fn peers_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import SimpleITK"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let msg = "python3 with SimpleITK not found (python3 -m pip install --break-system-packages SimpleITK)";
        assert!(
            std::env::var_os("SIRTPLAN_REQUIRE_PEERS").is_none(),
            "{msg}"
        );
        eprintln!("note: {msg}; sirtplan figures only");
    }
    ok
}

fn header() {
    println!(
        "{:<20} {:>7} {:>6} {:>5} {:<13} | {:>7} {:>6} {:>5} {:<15} | {:>7}",
        "pair", "ours s", "mm", "°", "iterations", "sitk s", "mm", "°", "iterations", "sitk/ours"
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let peers = peers_available();
    let dir = std::env::temp_dir().join(format!("sirt-registration-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let threads = rayon::current_num_threads();
    println!(
        "sirtplan: {threads} threads; times in s (median of {} runs for sirtplan, 1 for SimpleITK)",
        env_or("SIRT_BENCH_REPEATS", 3)
    );
    let p = sirt_phantom::generate(Preset::Small, 7).unwrap();
    let fixed = fixed_ct(&p);
    let fixed_path = dir.join("fixed.mha");
    if peers {
        write_mha(&fixed_path, &fixed);
    }
    let liver = liver_points(&p.labels);
    header();
    let mut ratios = Vec::new();
    for case in support::cases(&p) {
        let moving = moving_ct(&p, &case);
        if let Some((o, s)) = pair(&dir, &fixed, &fixed_path, &case, &moving, &liver, peers) {
            ratios.push(s.seconds / o.seconds);
        }
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        println!(
            "SimpleITK / sirtplan time: median {:.1}×, smallest {:.1}×",
            ratios[ratios.len() / 2],
            ratios[0]
        );
    }
    if env_or("SIRT_BENCH_LARGE", 1) != 0 {
        large(&dir, peers);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The 512 × 512 × 300 CT (the phantom's own CT, `Preset::Large`) against a 128³ SPECT/CT CT.
fn large(dir: &Path, peers: bool) {
    let start = Instant::now();
    let p = sirt_phantom::generate(Preset::Large, 7).unwrap();
    eprintln!(
        "note: Preset::Large generated in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    let case = support::cases(&p)
        .into_iter()
        .find(|c| c.name == "spect-ct 3 angles")
        .unwrap();
    let case = Case {
        name: "512x512x300 vs 128³",
        ..case
    };
    let moving = moving_ct(&p, &case);
    let liver = liver_points(&p.labels);
    let fixed_path = dir.join("fixed_large.mha");
    if peers {
        write_mha(&fixed_path, &p.ct);
    }
    header();
    pair(dir, &p.ct, &fixed_path, &case, &moving, &liver, peers);
}

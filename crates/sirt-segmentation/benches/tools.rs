//! Issue 16 goals for the structure tools, beside SimpleITK on the same data in the same run:
//! - 3-D seeded region growing of the liver on the Large phantom's contrast CT (512 × 512 × 300,
//!   0.78 × 0.6 × 1.0 mm; liver 60 HU, tumours 95 HU, noise σ 12 HU), interval [47.5, 145] HU,
//!   6-connected, two seeds: goal under 1 s; SimpleITK `ConnectedThreshold` (face connectivity)
//!   with the same seeds and bounds;
//! - the threshold preview of one 512 × 512 slice: goal under 50 ms; SimpleITK `BinaryThreshold`
//!   on the same slice.
//!
//! The CT is written once as raw float32 to a temporary folder; `benches/peer_tools.py` times
//! SimpleITK on it (median of repeats) and writes its grown mask, which must equal ours. The
//! Dice of the grown (then hole-filled) liver against the phantom's label is printed too.
//!
//! Run: `cargo bench -p sirt-segmentation --bench tools` (python3 with numpy and SimpleITK; when
//! absent, our times alone are printed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use sirt_geometry::{Image, Mask, PointLps};
use sirt_phantom::{Preset, generate, labels};
use sirt_segmentation::fill::fill_holes;
use sirt_segmentation::grow::{GrowParams, region_grow};
use sirt_segmentation::threshold::{Interval, threshold_slice};
use sirt_segmentation::{Connectivity, voxel_of_point};

/// Repeats of each timed step (the median is reported).
const REPEATS: usize = 11;
/// The liver interval, HU (see tests/peer.rs).
const LIVER_HU: (f32, f32) = (47.5, 145.0);
/// The preview's window (soft tissue), HU.
const PREVIEW_HU: (f32, f32) = (-100.0, 200.0);

fn median_ms(mut f: impl FnMut()) -> (f64, f64) {
    let mut t: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[REPEATS / 2], t[0])
}

fn dice(a: &Mask, truth: &[bool]) -> f64 {
    let both = a
        .data()
        .iter()
        .zip(truth)
        .filter(|(x, y)| **x && **y)
        .count();
    2.0 * both as f64 / (a.count() + truth.iter().filter(|b| **b).count()) as f64
}

fn peer(ct: &Image<f32>, seeds: &[[usize; 3]], slice: usize) -> Option<(String, Vec<u8>)> {
    let dir = std::env::temp_dir().join(format!("sirt-seg-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let raw = dir.join("ct.f32");
    let bytes: Vec<u8> = ct.data().iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&raw, bytes).ok()?;
    let out = dir.join("grown.u8");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peer_tools.py");
    let [nx, ny, nz] = ct.grid().dims;
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(&raw).args([
        nx.to_string(),
        ny.to_string(),
        nz.to_string(),
        format!("{:?}", LIVER_HU.0),
        format!("{:?}", LIVER_HU.1),
        format!("{:?}", PREVIEW_HU.0),
        format!("{:?}", PREVIEW_HU.1),
        slice.to_string(),
        REPEATS.to_string(),
    ]);
    cmd.arg(&out);
    cmd.args(seeds.iter().map(|s| format!("{},{},{}", s[0], s[1], s[2])));
    let result = cmd.output();
    let grown = std::fs::read(&out).ok();
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(o) if o.status.success() => Some((String::from_utf8_lossy(&o.stdout).into(), grown?)),
        Ok(o) => {
            eprintln!("peer failed: {}", String::from_utf8_lossy(&o.stderr));
            None
        }
        Err(e) => {
            eprintln!("python3 not available ({e}): our times only");
            None
        }
    }
}

/// The peer's median time (ms) on the line starting with `key`.
fn peer_ms(text: &str, key: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split("median ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

fn region_grow_seed_ok(ct: &Image<f32>, seed: PointLps, params: &GrowParams<'_>) -> bool {
    voxel_of_point(ct.grid(), seed, 1)
        .is_ok_and(|[i, j, k]| ct.get(i, j, k).is_some_and(|v| params.interval.contains(v)))
}

fn main() {
    let t = Instant::now();
    let p = generate(Preset::Large, 11).unwrap();
    println!(
        "Large phantom CT {:?} generated in {:.1} s",
        p.ct.grid().dims,
        t.elapsed().as_secs_f64()
    );
    let ct = &p.ct;
    let truth: Vec<bool> = p
        .labels
        .data()
        .iter()
        .map(|&v| v == labels::LIVER || v >= labels::TUMOUR_BASE)
        .collect();
    let params = GrowParams {
        interval: Interval::new(LIVER_HU.0, LIVER_HU.1).unwrap(),
        connectivity: Connectivity::Six,
        within: None,
    };
    // One seed in each lobe; a seed on a noise voxel below the interval moves 1 mm along x, as
    // a person would click again.
    let seeds: Vec<PointLps> = [
        PointLps::new(-60.0, 0.0, 0.0),
        PointLps::new(35.0, -15.0, 20.0),
    ]
    .iter()
    .map(|&s| {
        (0..20)
            .map(|d| PointLps::new(s.x + f64::from(d), s.y, s.z))
            .find(|&q| region_grow_seed_ok(ct, q, &params))
            .unwrap()
    })
    .collect();
    let grown = region_grow(ct, &seeds, &params).unwrap();
    let (grow_ms, grow_min) = median_ms(|| {
        black_box(region_grow(black_box(ct), &seeds, &params).unwrap());
    });
    let filled = fill_holes(&grown);
    let (fill_ms, _) = median_ms(|| {
        black_box(fill_holes(black_box(&grown)));
    });
    let slice = 150;
    let preview = Interval::new(PREVIEW_HU.0, PREVIEW_HU.1).unwrap();
    let (slice_ms, slice_min) = median_ms(|| {
        black_box(threshold_slice(black_box(ct), slice, preview).unwrap());
    });
    println!(
        "region growing (6-connected, 2 seeds): {} voxels, median {grow_ms:.1} ms (min {grow_min:.1}); \
         Dice vs the phantom liver {:.4}, after fill holes ({fill_ms:.1} ms) {:.4}",
        grown.count(),
        dice(&grown, &truth),
        dice(&filled, &truth)
    );
    println!("slice threshold preview 512 × 512: median {slice_ms:.3} ms (min {slice_min:.3})");
    let voxels: Vec<[usize; 3]> = seeds
        .iter()
        .enumerate()
        .map(|(n, &s)| voxel_of_point(ct.grid(), s, n + 1).unwrap())
        .collect();
    let Some((text, theirs)) = peer(ct, &voxels, slice) else {
        return;
    };
    print!("{text}");
    let same = theirs.len() == grown.data().len()
        && theirs
            .iter()
            .zip(grown.data())
            .all(|(&a, &b)| (a != 0) == b);
    println!("SimpleITK's grown mask identical to ours: {same}");
    if let Some(g) = peer_ms(&text, "ConnectedThreshold") {
        println!(
            "region growing: SimpleITK / sirt-segmentation = {:.2}",
            g / grow_ms
        );
    }
    if let Some(s) = peer_ms(&text, "BinaryThreshold") {
        println!(
            "slice preview: SimpleITK / sirt-segmentation = {:.2}",
            s / slice_ms
        );
    }
}

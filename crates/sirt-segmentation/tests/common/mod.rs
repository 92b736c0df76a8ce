//! Shared test helpers: grids, seeded random masks, the Python peer.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sirt_geometry::{FrameOfReference, Grid, Mask, PointLps};

/// A small deterministic generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An anisotropic grid of `dims` (0.8 × 1.1 × 2.5 mm).
pub fn grid(dims: [usize; 3]) -> Grid {
    Grid::axis_aligned(
        dims,
        [0.8, 1.1, 2.5],
        PointLps::new(-20.0, 10.0, -30.0),
        FrameOfReference("1.2.3.4".into()),
    )
    .unwrap()
}

/// A mask of random ellipsoids (some hollow: 3-D holes), random speckle (small components)
/// and a few voxels on the border.
pub fn blobs(dims: [usize; 3], seed: u64) -> Mask {
    let g = grid(dims);
    let mut rng = Rng(seed);
    let mut m = Mask::filled(g.clone(), false);
    let extent = [0, 1, 2].map(|c| dims[c] as f64 * g.spacing_mm[c]);
    for n in 0..9 {
        let mut centre = [0, 1, 2].map(|c| rng.uniform() * extent[c]);
        let mut semi = [0, 1, 2].map(|_| 3.0 + rng.uniform() * 9.0);
        // The first: a hollow ellipsoid inside the grid (a sure 3-D hole); others at random.
        if n == 0 {
            centre = [0, 1, 2].map(|c| extent[c] * (0.3 + 0.4 * rng.uniform()));
            semi = [12.0, 12.0, 20.0];
        }
        let hollow = n % 3 == 0;
        for k in 0..dims[2] {
            for j in 0..dims[1] {
                for i in 0..dims[0] {
                    let p = [i, j, k];
                    let r: f64 = (0..3)
                        .map(|c| ((p[c] as f64 * g.spacing_mm[c] - centre[c]) / semi[c]).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    if r <= 1.0 && !(hollow && r < 0.6) {
                        m.set(i, j, k, true);
                    }
                }
            }
        }
    }
    for v in m.data_mut().iter_mut() {
        if rng.uniform() < 0.02 {
            *v = true;
        }
    }
    m
}

/// The mask as bytes (0/1), memory order.
pub fn bytes(m: &Mask) -> Vec<u8> {
    m.data().iter().map(|&b| u8::from(b)).collect()
}

/// The folder for the peer's files of one test.
pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The peer script.
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peer_ndimage.py")
}

/// Whether python3 with numpy, scipy and SimpleITK runs; when it does not, a note (or a
/// failure under `SIRTPLAN_REQUIRE_PEERS`, as in CI).
pub fn peer_available() -> bool {
    let ok = Command::new("python3")
        .arg(script())
        .arg("probe")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "python3 with numpy, scipy and SimpleITK is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        eprintln!("note: python3 with numpy, scipy and SimpleITK not found; peer check skipped");
    }
    ok
}

/// Runs the peer script with `args`; its JSON line.
pub fn run_peer(args: &[String]) -> String {
    let out = Command::new("python3")
        .arg(script())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peer {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Reads a u8 mask written by the peer.
pub fn read_u8(path: &Path) -> Vec<bool> {
    std::fs::read(path)
        .unwrap()
        .iter()
        .map(|&b| b != 0)
        .collect()
}

/// Dice coefficient 2|A ∩ B| / (|A| + |B|).
pub fn dice(a: &[bool], b: &[bool]) -> f64 {
    let both = a.iter().zip(b).filter(|(x, y)| **x && **y).count();
    let na = a.iter().filter(|x| **x).count();
    let nb = b.iter().filter(|x| **x).count();
    2.0 * both as f64 / (na + nb) as f64
}

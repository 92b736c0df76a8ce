//! Closed contours of a binary slice by marching squares on the voxel-centre lattice.
//!
//! The iso-line between set and unset voxel centres (level 0.5 of the binary image, linear
//! interpolation) passes through the midpoints of the lattice edges that join a set and an
//! unset centre, so every vertex lies half a voxel from the centres beside it. Each cell of four
//! centres gives segments oriented with the set centres on their left; at a saddle (two set
//! centres on a diagonal) the set centres are kept apart (4-connected set voxels). The segments
//! link into closed loops: outer boundaries counter-clockwise and holes clockwise in (i, j), each
//! hole its own loop. Collinear vertices are dropped.
//!
//! No voxel centre lies on a contour, and every set centre is inside an odd number of loops:
//! rasterising the loops by the even-odd rule at the voxel centres gives the slice back exactly.

use std::collections::HashMap;

/// A point in doubled index coordinates (2i, 2j): lattice edge midpoints are integers.
type Key = (i64, i64);

/// Closed loops of the set voxels of an `nx × ny` slice (`set[i + nx · j]`), as (i, j) index
/// coordinates; the first point is not repeated at the end.
pub(crate) fn trace_slice(set: &[bool], nx: usize, ny: usize) -> Vec<Vec<(f64, f64)>> {
    let inside = |i: i64, j: i64| -> bool {
        i >= 0
            && j >= 0
            && (i as usize) < nx
            && (j as usize) < ny
            && set[i as usize + nx * j as usize]
    };
    let mut next: HashMap<Key, Key> = HashMap::new();
    let mut starts: Vec<Key> = Vec::new();
    for cj in -1..ny as i64 {
        for ci in -1..nx as i64 {
            // Corners counter-clockwise in (i, j): c0 (ci, cj), c1 (ci+1, cj), c2 (ci+1, cj+1),
            // c3 (ci, cj+1); edge m joins c_m and c_(m+1).
            let v = [
                inside(ci, cj),
                inside(ci + 1, cj),
                inside(ci + 1, cj + 1),
                inside(ci, cj + 1),
            ];
            if v.iter().all(|&x| x) || v.iter().all(|&x| !x) {
                continue;
            }
            let mid = [
                (2 * ci + 1, 2 * cj),
                (2 * ci + 2, 2 * cj + 1),
                (2 * ci + 1, 2 * cj + 2),
                (2 * ci, 2 * cj + 1),
            ];
            for m in 0..4 {
                // An exit edge: c_m set, c_(m+1) unset.
                if !v[m] || v[(m + 1) % 4] {
                    continue;
                }
                // Walk back over the run of set corners ending at c_m; a run of one at a
                // saddle keeps diagonal set corners apart.
                let mut first = m;
                let run_back = |x: usize| (x + 3) % 4;
                if !v[(m + 2) % 4] || v[run_back(m)] {
                    while v[run_back(first)] && run_back(first) != m {
                        first = run_back(first);
                    }
                }
                let entry = run_back(first);
                next.insert(mid[m], mid[entry]);
                starts.push(mid[m]);
            }
        }
    }
    let mut loops = Vec::new();
    for s in starts {
        if !next.contains_key(&s) {
            continue;
        }
        let mut pts: Vec<Key> = Vec::new();
        let mut cur = s;
        while let Some(n) = next.remove(&cur) {
            pts.push(cur);
            cur = n;
        }
        let simplified = drop_collinear(&pts);
        if simplified.len() >= 3 {
            loops.push(
                simplified
                    .iter()
                    .map(|&(x, y)| (x as f64 / 2.0, y as f64 / 2.0))
                    .collect(),
            );
        }
    }
    loops
}

/// The loop without vertices that lie on the line through their neighbours.
fn drop_collinear(pts: &[Key]) -> Vec<Key> {
    let n = pts.len();
    if n < 3 {
        return pts.to_vec();
    }
    (0..n)
        .filter(|&i| {
            let a = pts[(i + n - 1) % n];
            let b = pts[i];
            let c = pts[(i + 1) % n];
            (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0) != 0
        })
        .map(|i| pts[i])
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Even-odd rasterisation at the centres, half-open edges (as `rasterize`).
    fn fill(loops: &[Vec<(f64, f64)>], nx: usize, ny: usize) -> Vec<bool> {
        let mut out = vec![false; nx * ny];
        for j in 0..ny {
            for i in 0..nx {
                let (x, y) = (i as f64, j as f64);
                let mut c = 0;
                for l in loops {
                    for e in 0..l.len() {
                        let (ax, ay) = l[e];
                        let (bx, by) = l[(e + 1) % l.len()];
                        if (ay > y) != (by > y) && x < ax + (y - ay) * (bx - ax) / (by - ay) {
                            c += 1;
                        }
                    }
                }
                out[i + nx * j] = c % 2 == 1;
            }
        }
        out
    }

    #[test]
    fn loops_give_the_slice_back() {
        let (nx, ny) = (12, 10);
        let mut set = vec![false; nx * ny];
        // A ring (square with a hole), a single voxel, a diagonal pair touching at a corner,
        // and a shape on the border.
        for j in 1..7 {
            for i in 1..7 {
                set[i + nx * j] = !(3..5).contains(&i) || !(3..5).contains(&j);
            }
        }
        set[9 + nx] = true;
        set[9 + nx * 4] = true;
        set[10 + nx * 5] = true;
        for i in 0..nx {
            set[i + nx * 9] = i % 3 != 0;
        }
        set[nx * 8] = true;
        let loops = trace_slice(&set, nx, ny);
        assert_eq!(fill(&loops, nx, ny), set);
        // Ring: outer + hole; single voxel; diagonal pair apart (2); bottom row pieces (4) and
        // the voxel above the first joins none (diagonal).
        assert!(loops.len() >= 6, "{}", loops.len());
        // A single voxel is a diamond of 4 points.
        assert!(loops.iter().any(|l| l.len() == 4));
    }

    #[test]
    fn random_slices_round_trip() {
        let (nx, ny) = (23, 17);
        let mut state = 12345u64;
        for _ in 0..50 {
            let set: Vec<bool> = (0..nx * ny)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (state >> 33).is_multiple_of(3)
                })
                .collect();
            let loops = trace_slice(&set, nx, ny);
            assert_eq!(fill(&loops, nx, ny), set);
        }
    }
}

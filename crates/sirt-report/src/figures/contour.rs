//! Isolines of a sampled 2-D field by marching squares (Lorensen & Cline's marching cubes in two
//! dimensions): each cell of four neighbouring samples that the level crosses gets one or two
//! segments, their ends linearly interpolated along the cell's edges. The ambiguous (saddle)
//! cells are resolved by the mean of the four corners (the cell centre's bilinear value):
//! centre at or above the level joins the corners above it.
//!
//! Points are in sample-index coordinates: sample (c, r) lies at (c, r). A sample at or above the
//! level is inside; a value that is not finite counts as below. Structure outlines are the 0.5
//! isoline of the mask as 0/1.

/// A segment of an isoline, from `.0` to `.1`, in sample-index coordinates (column, row).
pub type Segment = [(f64, f64); 2];

/// The isoline `level` of `values` (`nx` columns × `ny` rows, row-major: value (c, r) at
/// `c + nx · r`). Empty when the field is smaller than 2 × 2 or the lengths disagree.
pub fn isoline(nx: usize, ny: usize, values: &[f32], level: f64) -> Vec<Segment> {
    let mut out = Vec::new();
    if nx < 2 || ny < 2 || values.len() != nx * ny {
        return out;
    }
    let v = |c: usize, r: usize| {
        let x = f64::from(values[c + nx * r]);
        if x.is_finite() { x } else { f64::NEG_INFINITY }
    };
    for r in 0..ny - 1 {
        for c in 0..nx - 1 {
            // Corners in order around the cell: (c, r), (c+1, r), (c+1, r+1), (c, r+1).
            let pos = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)];
            let val = pos.map(|(a, b)| v(a, b));
            let inside = val.map(|x| x >= level);
            if inside.iter().all(|&b| b) || inside.iter().all(|&b| !b) {
                continue;
            }
            // Edge e joins corner e and corner e + 1 (mod 4).
            let cross = |e: usize| -> (f64, f64) {
                let (a, b) = (e, (e + 1) % 4);
                let (va, vb) = (val[a], val[b]);
                let t = if va.is_finite() && vb.is_finite() && vb != va {
                    ((level - va) / (vb - va)).clamp(0.0, 1.0)
                } else if inside[a] {
                    1.0
                } else {
                    0.0
                };
                let (pa, pb) = (pos[a], pos[b]);
                (
                    pa.0 as f64 + t * (pb.0 as f64 - pa.0 as f64),
                    pa.1 as f64 + t * (pb.1 as f64 - pa.1 as f64),
                )
            };
            let edges: Vec<usize> = (0..4)
                .filter(|&e| inside[e] != inside[(e + 1) % 4])
                .collect();
            if edges.len() == 2 {
                out.push([cross(edges[0]), cross(edges[1])]);
            } else {
                // Saddle: corners 0 and 2 on one side, 1 and 3 on the other.
                let centre = val.iter().sum::<f64>() / 4.0;
                let centre_in = centre.is_finite() && centre >= level;
                // Cut off the corners that are not joined through the centre: corner k lies
                // between edges k − 1 and k.
                let cut: [usize; 2] = if inside[0] == centre_in {
                    [1, 3]
                } else {
                    [0, 2]
                };
                for k in cut {
                    out.push([cross((k + 3) % 4), cross(k)]);
                }
            }
        }
    }
    out
}

/// Segments joined into polylines where their ends meet (within 1e-9), for a compact SVG path.
pub fn join(segments: &[Segment]) -> Vec<Vec<(f64, f64)>> {
    use std::collections::HashMap;
    let key = |p: (f64, f64)| ((p.0 * 1e6).round() as i64, (p.1 * 1e6).round() as i64);
    let mut by_end: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (n, s) in segments.iter().enumerate() {
        by_end.entry(key(s[0])).or_default().push(n);
        by_end.entry(key(s[1])).or_default().push(n);
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut line = vec![segments[start][0], segments[start][1]];
        // Extend forward from the last point, then backward from the first.
        for forward in [true, false] {
            loop {
                let end = if forward {
                    line[line.len() - 1]
                } else {
                    line[0]
                };
                let next = by_end
                    .get(&key(end))
                    .and_then(|v| v.iter().copied().find(|&n| !used[n]));
                let Some(n) = next else { break };
                used[n] = true;
                let s = segments[n];
                let other = if key(s[0]) == key(end) { s[1] } else { s[0] };
                if forward {
                    line.push(other);
                } else {
                    line.insert(0, other);
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_inside_sample_gives_a_diamond() {
        let mut v = vec![0.0f32; 9];
        v[4] = 1.0;
        let s = isoline(3, 3, &v, 0.5);
        assert_eq!(s.len(), 4);
        let lines = join(&s);
        assert_eq!(lines.len(), 1);
        // Closed: 4 segments, 5 points, first = last.
        assert_eq!(lines[0].len(), 5);
        assert!((lines[0][0].0 - lines[0][4].0).abs() < 1e-12);
    }
}

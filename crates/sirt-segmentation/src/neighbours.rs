//! Neighbour offsets of a voxel and their bounds checks.

use crate::Connectivity;

/// The neighbour offsets (di, dj, dk) of a connectivity.
pub(crate) fn offsets(connectivity: Connectivity) -> Vec<[isize; 3]> {
    let mut out = Vec::with_capacity(26);
    for dk in -1..=1isize {
        for dj in -1..=1isize {
            for di in -1..=1isize {
                let order = di.abs() + dj.abs() + dk.abs();
                let keep = match connectivity {
                    Connectivity::Six => order == 1,
                    Connectivity::TwentySix => order >= 1,
                };
                if keep {
                    out.push([di, dj, dk]);
                }
            }
        }
    }
    out
}

/// Walks the in-image neighbours of voxel `offset` of a grid of `dims`: calls `f(neighbour
/// offset)` for each.
#[inline]
pub(crate) fn for_each(
    dims: [usize; 3],
    offsets: &[[isize; 3]],
    offset: usize,
    mut f: impl FnMut(usize),
) {
    let [nx, ny, nz] = dims;
    let i = offset % nx;
    let jk = offset / nx;
    let j = jk % ny;
    let k = jk / ny;
    for &[di, dj, dk] in offsets {
        let (Some(a), Some(b), Some(c)) = (
            i.checked_add_signed(di).filter(|&a| a < nx),
            j.checked_add_signed(dj).filter(|&b| b < ny),
            k.checked_add_signed(dk).filter(|&c| c < nz),
        ) else {
            continue;
        };
        f(a + nx * (b + ny * c));
    }
}

/// Walks the six face neighbours of voxel `offset` (fast path of [`for_each`]).
#[inline]
pub(crate) fn for_each_face(dims: [usize; 3], offset: usize, mut f: impl FnMut(usize)) {
    let [nx, ny, nz] = dims;
    let plane = nx * ny;
    let i = offset % nx;
    let jk = offset / nx;
    let j = jk % ny;
    let k = jk / ny;
    if i > 0 {
        f(offset - 1);
    }
    if i + 1 < nx {
        f(offset + 1);
    }
    if j > 0 {
        f(offset - nx);
    }
    if j + 1 < ny {
        f(offset + nx);
    }
    if k > 0 {
        f(offset - plane);
    }
    if k + 1 < nz {
        f(offset + plane);
    }
}

/// Walks the neighbours of `offset` for `connectivity`, through the fast path for six.
#[inline]
pub(crate) fn walk(
    dims: [usize; 3],
    connectivity: Connectivity,
    offsets: &[[isize; 3]],
    offset: usize,
    f: impl FnMut(usize),
) {
    match connectivity {
        Connectivity::Six => for_each_face(dims, offset, f),
        Connectivity::TwentySix => for_each(dims, offsets, offset, f),
    }
}

//! Filling holes: the background voxels not connected to the image border (through face
//! neighbours, as scipy's `binary_fill_holes` with its default structure) join the mask; in
//! 3-D, or slice by slice (4-connected in each slice of constant k).
//!
//! Only the mask's bounding box widened by one voxel is flooded: every background voxel
//! outside it reaches the border in a straight line, and so do the box's faces (outside the
//! bounding box, or on the image border).

use sirt_geometry::Mask;

use crate::bbox::bounding_box;
use crate::neighbours;

/// Whether box voxel `v` of a box of `dims` lies on the box's faces (its side faces only when
/// `per_slice`).
fn on_face(v: [usize; 3], dims: [usize; 3], per_slice: bool) -> bool {
    let axes = if per_slice { 2 } else { 3 };
    (0..axes).any(|c| v[c] == 0 || v[c] + 1 == dims[c])
}

/// Background voxels of `inside` (a box of `dims`) reached from the box's faces through
/// background face neighbours (within one slice when `per_slice`).
fn reached_from_faces(inside: &[bool], dims: [usize; 3], per_slice: bool) -> Vec<bool> {
    let [nx, ny, _] = dims;
    let plane = nx * ny;
    let mut reached = vec![false; inside.len()];
    let mut stack = Vec::new();
    for (o, r) in reached.iter_mut().enumerate() {
        let v = [o % nx, (o / nx) % ny, o / plane];
        if !inside[o] && on_face(v, dims, per_slice) {
            *r = true;
            stack.push(o);
        }
    }
    while let Some(o) = stack.pop() {
        neighbours::for_each_face(dims, o, |n| {
            let same_slice = !per_slice || n / plane == o / plane;
            if same_slice && !inside[n] && !reached[n] {
                reached[n] = true;
                stack.push(n);
            }
        });
    }
    reached
}

/// `mask` with the background not reached from the border set.
fn fill(mask: &Mask, per_slice: bool) -> Mask {
    let Some(bx) = bounding_box(mask, [1, 1, 1]) else {
        return mask.clone();
    };
    let dims = mask.grid().dims;
    let offsets: Vec<usize> = bx.offsets(dims).collect();
    let data = mask.data();
    let inside: Vec<bool> = offsets.iter().map(|&o| data[o]).collect();
    let reached = reached_from_faces(&inside, bx.dims(), per_slice);
    let mut out = mask.clone();
    let out_data = out.data_mut();
    for (&o, r) in offsets.iter().zip(reached) {
        out_data[o] = !r;
    }
    out
}

/// `mask` with its 3-D holes filled: background voxels not connected to the image border.
pub fn fill_holes(mask: &Mask) -> Mask {
    fill(mask, false)
}

/// `mask` with the holes of each slice (constant k) filled: background pixels not connected,
/// within their slice, to the slice's border.
pub fn fill_holes_per_slice(mask: &Mask) -> Mask {
    fill(mask, true)
}

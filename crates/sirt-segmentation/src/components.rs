//! Connected components of a mask: labelling with sizes, keeping the largest or those holding
//! seeds, removing those under a volume.
//!
//! Labels are numbered 1, 2, … in the order of each component's first voxel in memory order
//! (i fastest, then j, then k); 0 is the background. Each component is flooded with an
//! explicit stack (no recursion).

use sirt_geometry::{Image, Mask, PointLps};
use sirt_units::Volume;

use crate::{SegmentationError, neighbours, voxel_of_point};

/// Which voxels touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connectivity {
    /// Voxels sharing a face (scipy `generate_binary_structure(3, 1)`, ITK face connectivity).
    Six,
    /// Voxels sharing a face, an edge or a corner (`generate_binary_structure(3, 3)`, ITK full
    /// connectivity).
    TwentySix,
}

impl std::fmt::Display for Connectivity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Connectivity::Six => "6-connected",
            Connectivity::TwentySix => "26-connected",
        })
    }
}

/// The labelled components of a mask.
#[derive(Debug, Clone, PartialEq)]
pub struct Components {
    /// Label of each voxel: 0 background, n ≥ 1 the n-th component.
    pub labels: Image<u32>,
    /// Voxel count of component n at index n − 1.
    pub sizes: Vec<usize>,
}

impl Components {
    /// The number of components.
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    /// The mask of the components whose label `keep(label, size)` accepts.
    pub fn select(&self, keep: impl Fn(u32, usize) -> bool) -> Mask {
        let kept: Vec<bool> = std::iter::once(false)
            .chain(
                self.sizes
                    .iter()
                    .enumerate()
                    .map(|(n, &s)| keep(n as u32 + 1, s)),
            )
            .collect();
        self.labels.map(|l| kept[l as usize])
    }
}

/// Labels the connected components of `mask`.
pub fn label(mask: &Mask, connectivity: Connectivity) -> Components {
    let dims = mask.grid().dims;
    let offsets = neighbours::offsets(connectivity);
    let data = mask.data();
    let mut labels = Image::filled(mask.grid().clone(), 0u32);
    let out = labels.data_mut();
    let mut sizes = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for start in 0..data.len() {
        if !data[start] || out[start] != 0 {
            continue;
        }
        let id = sizes.len() as u32 + 1;
        out[start] = id;
        stack.push(start);
        let mut size = 0usize;
        while let Some(o) = stack.pop() {
            size += 1;
            neighbours::walk(dims, connectivity, &offsets, o, |n| {
                if data[n] && out[n] == 0 {
                    out[n] = id;
                    stack.push(n);
                }
            });
        }
        sizes.push(size);
    }
    Components { labels, sizes }
}

/// The largest component of `mask` (the first in label order among equals). Refuses an empty
/// mask.
pub fn keep_largest(mask: &Mask, connectivity: Connectivity) -> Result<Mask, SegmentationError> {
    let c = label(mask, connectivity);
    let Some((best, _)) = c
        .sizes
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
    else {
        return Err(SegmentationError::EmptyMask {
            what: "keep the largest component".into(),
        });
    };
    let best = best as u32 + 1;
    Ok(c.labels.map(|l| l == best))
}

/// The components of `mask` that hold one of the seeds (points in patient coordinates).
/// Refuses a seed outside the image or on a voxel outside the mask, naming it.
pub fn keep_containing(
    mask: &Mask,
    seeds_in_patient: &[PointLps],
    connectivity: Connectivity,
) -> Result<Mask, SegmentationError> {
    if seeds_in_patient.is_empty() {
        return Err(SegmentationError::InvalidParameter {
            what: "keep the components holding seeds".into(),
            expected: "at least one seed".into(),
            found: "none".into(),
        });
    }
    let c = label(mask, connectivity);
    let mut keep = vec![false; c.count() + 1];
    for (n, &p) in seeds_in_patient.iter().enumerate() {
        let [i, j, k] = voxel_of_point(mask.grid(), p, n + 1)?;
        let l = c.labels.get(i, j, k).unwrap_or(0);
        if l == 0 {
            return Err(SegmentationError::SeedRejected {
                number: n + 1,
                voxel: [i, j, k],
                why: "is not in the mask".into(),
            });
        }
        keep[l as usize] = true;
    }
    Ok(c.labels.map(|l| keep[l as usize]))
}

/// `mask` without its components smaller than `min_volume` (component volume = voxels × voxel
/// volume; a component of exactly `min_volume` is kept). Refuses a non-finite or negative
/// volume.
pub fn remove_smaller_than(
    mask: &Mask,
    min_volume: Volume,
    connectivity: Connectivity,
) -> Result<Mask, SegmentationError> {
    let ml = min_volume.ml();
    if !(ml.is_finite() && ml >= 0.0) {
        return Err(SegmentationError::InvalidParameter {
            what: "minimum component volume".into(),
            expected: "a finite volume ≥ 0 mL".into(),
            found: format!("{ml} mL"),
        });
    }
    let voxel_ml = mask.grid().voxel_volume_mm3() / 1000.0;
    let c = label(mask, connectivity);
    Ok(c.select(|_, size| size as f64 * voxel_ml >= ml))
}

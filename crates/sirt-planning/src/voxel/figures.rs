//! The slice figures of the report ([`VoxelPlan::slice_figures`]): per dose map (each session's
//! prediction, the delivered dose) an axial and a coronal slice through the liver and an axial
//! slice through each tumour, each at the structure's largest cross-section in its plane (the
//! slice holding most of its voxels; the first such slice in grid order on a tie), drawn by `sirt_report::figures::slice` from
//! the volumes on the CT grid ([`ViewerVolumes`]).
//!
//! Orientation (docs/coordinates.md, the viewer's convention): radiological view, the patient's
//! right (−x in LPS) on the picture's left, anterior (−y) at the top, seen from the feet; the
//! coronal slice seen from the front, right on the left, superior (+z) at the top. The
//! CT grid's axes are matched to x, y, z by their largest direction cosine, so a grid stored
//! with flipped or permuted axes is shown the same way; an oblique grid is shown along its
//! nearest axes (its obliquity is not corrected).
//!
//! The dose scale is common to every slice of the report, so that a colour means one dose
//! everywhere: from 0 to the 99.5th percentile of the dose inside the liver (tumours included)
//! over all dose maps shown, rounded up to a multiple of [`SCALE_STEP_GY`] (the hottest 0.5 %
//! saturate at the top colour; the bar says "≥").

use crate::voxel::VoxelPlan;
use crate::voxel::viewer::{DoseKind, DoseVolume, StructureMask, ViewerVolumes};
use rayon::prelude::*;
use sirt_geometry::Grid;
use sirt_i18n::{Lang, t};
use sirt_report::document::Block;
use sirt_report::figures::slice::{DoseScale, Outline, Slice, slice_svg};
use sirt_report::figures::{CT_WINDOW_HU, ISODOSE_GY, WASH_FLOOR};
use sirt_report::voxel::SliceFigures;
use sirt_voxel_dosimetry::Role;

/// The colour scale's top is a multiple of 50 Gy: round ticks, and the isodose levels
/// ([`ISODOSE_GY`]) fall on it.
pub const SCALE_STEP_GY: f64 = 50.0;

/// The percentile of the liver's dose voxels at the top of the scale: 99.5.
pub const SCALE_PERCENTILE: f64 = 99.5;

/// Outline colours by role: liver white, tumours magenta, lungs light blue, extrahepatic
/// structures orange (distinct from the wash's hues at 45 % opacity and from the isodose
/// colours; dashed, so they read as outlines, not as dose).
fn outline_colour(role: Role) -> Option<&'static str> {
    match role {
        Role::Liver => Some("#FFFFFF"),
        Role::Tumour => Some("#FF3DF5"),
        Role::Lungs => Some("#9ED0FF"),
        Role::Extrahepatic => Some("#FF9F1C"),
        _ => None,
    }
}

/// The CT grid axis along an LPS axis (0 x, 1 y, 2 z) and whether it runs the same way.
fn axis_along(grid: &Grid, lps: usize) -> (usize, bool) {
    let mut best = (0, true, -1.0);
    for (c, d) in grid.direction.iter().enumerate() {
        if d[lps].abs() > best.2 {
            best = (c, d[lps] >= 0.0, d[lps].abs());
        }
    }
    (best.0, best.1)
}

/// The plane of a slice figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plane {
    /// Transverse: seen from the feet, anterior at the top.
    Axial,
    /// Frontal: seen from the front, superior at the top.
    Coronal,
}

impl Plane {
    fn name(self, lang: Lang) -> String {
        match self {
            Self::Axial => t!(lang, "figure-plane-axial"),
            Self::Coronal => t!(lang, "figure-plane-coronal"),
        }
    }

    /// The LPS axis across the slices (2 z, 1 y), its letter, and the sense of its sign in
    /// words.
    fn normal(self, lang: Lang) -> (usize, &'static str, String) {
        match self {
            Self::Axial => (2, "z", t!(lang, "figure-sense-superior")),
            Self::Coronal => (1, "y", t!(lang, "figure-sense-posterior")),
        }
    }

    /// The patient directions of the left, right, top and bottom sides: right, left, anterior,
    /// posterior (or superior, inferior); in French droite (D) and gauche (G).
    fn sides(self, lang: Lang) -> [&'static str; 4] {
        match (self, lang) {
            (Self::Axial, Lang::En) => ["R", "L", "A", "P"],
            (Self::Coronal, Lang::En) => ["R", "L", "S", "I"],
            (Self::Axial, Lang::Fr) => ["D", "G", "A", "P"],
            (Self::Coronal, Lang::Fr) => ["D", "G", "S", "I"],
        }
    }

    /// The view in words, for captions.
    fn view(self, lang: Lang) -> String {
        match self {
            Self::Axial => t!(lang, "figure-view-axial"),
            Self::Coronal => t!(lang, "figure-view-coronal"),
        }
    }
}

/// The display geometry of the slices of a grid in one plane.
struct View {
    plane: Plane,
    /// Grid axes along the picture's columns (x, right to left of the patient), rows (y
    /// anterior to posterior, or z superior to inferior) and slices, each with whether the grid
    /// index grows the way the picture does.
    col: (usize, bool),
    row: (usize, bool),
    slice: (usize, bool),
    dims: [usize; 3],
}

impl View {
    fn new(grid: &Grid, plane: Plane) -> Option<Self> {
        let col = axis_along(grid, 0);
        let (row, slice) = match plane {
            Plane::Axial => (axis_along(grid, 1), axis_along(grid, 2)),
            Plane::Coronal => {
                let (axis, up) = axis_along(grid, 2);
                ((axis, !up), axis_along(grid, 1))
            }
        };
        let mut axes = [col.0, row.0, slice.0];
        axes.sort_unstable();
        (axes == [0, 1, 2]).then_some(Self {
            plane,
            col,
            row,
            slice,
            dims: grid.dims,
        })
    }

    fn width(&self) -> usize {
        self.dims[self.col.0]
    }

    fn height(&self) -> usize {
        self.dims[self.row.0]
    }

    /// The grid offset of display pixel (c, r) on grid slice index `k` (along the slice axis).
    fn offset(&self, c: usize, r: usize, k: usize) -> usize {
        let mut ijk = [0usize; 3];
        let along = |(axis, same): (usize, bool), n: usize| {
            if same { n } else { self.dims[axis] - 1 - n }
        };
        ijk[self.col.0] = along(self.col, c);
        ijk[self.row.0] = along(self.row, r);
        ijk[self.slice.0] = k;
        ijk[0] + self.dims[0] * (ijk[1] + self.dims[1] * ijk[2])
    }

    /// The values of slice `k` in display order.
    fn take<T: Copy>(&self, data: &[T], k: usize) -> Vec<T> {
        let (w, h) = (self.width(), self.height());
        let mut out = Vec::with_capacity(w * h);
        for r in 0..h {
            for c in 0..w {
                out.push(data[self.offset(c, r, k)]);
            }
        }
        out
    }

    /// The slice index with the most voxels of `mask` (None when empty).
    fn largest_section(&self, mask: &[bool]) -> Option<usize> {
        let mut count = vec![0usize; self.dims[self.slice.0]];
        for (o, &m) in mask.iter().enumerate() {
            if m {
                let ijk = [
                    o % self.dims[0],
                    (o / self.dims[0]) % self.dims[1],
                    o / (self.dims[0] * self.dims[1]),
                ];
                count[ijk[self.slice.0]] += 1;
            }
        }
        let best = count.iter().copied().max().filter(|&n| n > 0)?;
        count.iter().position(|&n| n == best)
    }
}

/// The top of the common colour scale.
fn dose_scale(volumes: &ViewerVolumes, shown: &[&DoseVolume]) -> DoseScale {
    let liver: Vec<usize> = volumes
        .structures
        .iter()
        .filter(|s| matches!(s.role, Role::Liver | Role::Tumour))
        .flat_map(|s| {
            s.mask
                .data()
                .iter()
                .enumerate()
                .filter(|(_, m)| **m)
                .map(|(o, _)| o)
        })
        .collect();
    let mut top = 0.0_f64;
    for d in shown {
        let mut v: Vec<f32> = liver
            .iter()
            .map(|&o| d.gy.data()[o])
            .filter(|x| x.is_finite())
            .collect();
        if v.is_empty() {
            continue;
        }
        let at = ((SCALE_PERCENTILE / 100.0) * (v.len() - 1) as f64).round() as usize;
        // The value a full sort would put at `at`, in linear time.
        let at = at.min(v.len() - 1);
        let (_, value, _) = v.select_nth_unstable_by(at, f32::total_cmp);
        top = top.max(f64::from(*value));
    }
    DoseScale {
        max_gy: ((top / SCALE_STEP_GY).ceil() * SCALE_STEP_GY).max(SCALE_STEP_GY),
        isodoses_gy: ISODOSE_GY.to_vec(),
    }
}

/// What a dose map is, in a figure's title.
fn short_label(kind: DoseKind, lang: Lang) -> String {
    match kind {
        DoseKind::Predicted => t!(lang, "figure-short-predicted"),
        DoseKind::Delivered => t!(lang, "figure-short-delivered"),
        DoseKind::PredictedAtDelivered => t!(lang, "figure-short-at-delivered"),
    }
}

/// What a dose map is, for captions.
fn dose_label(kind: DoseKind, lang: Lang) -> String {
    match kind {
        DoseKind::Predicted => t!(lang, "figure-dose-predicted"),
        DoseKind::Delivered => t!(lang, "figure-dose-delivered"),
        DoseKind::PredictedAtDelivered => t!(lang, "figure-dose-at-delivered"),
    }
}

impl VoxelPlan {
    /// The slice figures of the report from the volumes on the CT grid: per predicted session
    /// and for the delivered dose, the slices through the liver and each tumour; titles,
    /// captions and legends in `lang`.
    pub fn slice_figures(&self, volumes: &ViewerVolumes, lang: Lang) -> SliceFigures {
        let (Some(axial), Some(coronal)) = (
            View::new(&volumes.grid, Plane::Axial),
            View::new(&volumes.grid, Plane::Coronal),
        ) else {
            return SliceFigures::default();
        };
        let shown: Vec<&DoseVolume> = volumes
            .doses
            .iter()
            .filter(|d| matches!(d.kind, DoseKind::Predicted | DoseKind::Delivered))
            .collect();
        let scale = dose_scale(volumes, &shown);
        let targets: Vec<&StructureMask> = volumes
            .structures
            .iter()
            .filter(|s| matches!(s.role, Role::Liver | Role::Tumour))
            .collect();
        // Where each figure cuts (a target's largest cross-section in the plane): found once
        // for every dose map. The coronal slice through the liver comes after its axial one:
        // the dome, the lung bases and the hilum in one picture.
        let mut cuts: Vec<Cut<'_>> = targets.iter().filter_map(|t| axial.cut(t)).collect();
        if let Some(c) = targets
            .iter()
            .find(|t| t.role == Role::Liver)
            .and_then(|liver| coronal.cut(liver))
        {
            cuts.insert(1.min(cuts.len()), c);
        }
        // Every (dose map, cut) figure drawn in parallel, kept in order.
        let pairs: Vec<(&DoseVolume, &Cut<'_>)> = shown
            .iter()
            .flat_map(|d| cuts.iter().map(move |c| (*d, c)))
            .collect();
        let drawn: Vec<Option<Block>> = pairs
            .par_iter()
            .map(|(d, c)| slice_figure(volumes, c, d, &scale, lang))
            .collect();
        let mut out = SliceFigures::default();
        let mut drawn = drawn.into_iter();
        for d in &shown {
            let figures: Vec<Block> = drawn.by_ref().take(cuts.len()).flatten().collect();
            match d.kind {
                DoseKind::Delivered => out.delivered.extend(figures),
                _ => out.predicted.push((d.session.clone(), figures)),
            }
        }
        out
    }
}

/// One figure's slice: a target's largest cross-section in a view's plane.
struct Cut<'a> {
    view: &'a View,
    target: &'a StructureMask,
    /// The slice index along the view's slice axis.
    k: usize,
}

impl View {
    /// The cut through `target`'s largest cross-section in this view's plane (None when the
    /// target is empty).
    fn cut<'a>(&'a self, target: &'a StructureMask) -> Option<Cut<'a>> {
        let k = self.largest_section(target.mask.data())?;
        Some(Cut {
            view: self,
            target,
            k,
        })
    }
}

/// The figure of dose `d` through the cut.
fn slice_figure(
    volumes: &ViewerVolumes,
    cut: &Cut<'_>,
    d: &DoseVolume,
    scale: &DoseScale,
    lang: Lang,
) -> Option<Block> {
    let (axial, target, k) = (cut.view, cut.target, cut.k);
    let grid = &volumes.grid;
    let mut index = [0.0; 3];
    index[axial.slice.0] = k as f64;
    let plane = axial.plane;
    let (normal, letter, sense) = plane.normal(lang);
    let z = grid
        .patient_from_index(sirt_geometry::ContinuousIndex {
            i: index[0],
            j: index[1],
            k: index[2],
        })
        .to_array()[normal];
    let mut outlines = Vec::new();
    let mut names = Vec::new();
    for s in volumes.structures.iter() {
        let Some(colour) = outline_colour(s.role) else {
            continue;
        };
        let inside = axial.take(s.mask.data(), k);
        if inside.iter().any(|&b| b) {
            names.push(s.name.clone());
            outlines.push(Outline {
                name: s.name.clone(),
                colour,
                label: s.role == Role::Tumour,
                inside,
            });
        }
    }
    let through = if target.role == Role::Tumour {
        t!(lang, "figure-through-tumour", name = target.name.as_str())
    } else {
        target.name.clone()
    };
    // The slice's position: "16.2 mm", "−2.0 mm" (a true minus sign).
    let position = lang
        .with_unit(&lang.numeric(&format!("{z:.1}")), "mm")
        .replace('-', "−");
    let slice = Slice {
        width: axial.width(),
        height: axial.height(),
        pixel_mm: (grid.spacing_mm[axial.col.0], grid.spacing_mm[axial.row.0]),
        ct_hu: axial.take(volumes.ct_hu.data(), k),
        dose_gy: axial.take(d.gy.data(), k),
        outlines,
        sides: plane.sides(lang),
        title: t!(
            lang,
            "figure-slice-title",
            session = d.session.as_str(),
            dose = short_label(d.kind, lang),
            through = through.as_str(),
            plane = plane.name(lang),
            axis = letter,
            position = position.as_str()
        )
        .replace('-', "−"),
    };
    let svg = slice_svg(&slice, scale, lang).ok()?;
    let levels: Vec<String> = scale
        .isodoses_gy
        .iter()
        .map(|g| format!("{g:.0}"))
        .collect();
    let gy = |v: f64, decimals: usize| lang.quantity(v, decimals, "Gy");
    Some(Block::Figure {
        caption: t!(
            lang,
            "figure-slice-caption",
            session = d.session.as_str(),
            dose = dose_label(d.kind, lang),
            plane = plane.name(lang),
            through = through,
            axis = letter,
            position = position,
            sense = sense,
            view = plane.view(lang),
            ct_low = format!("{:.0}", CT_WINDOW_HU.0).replace('-', "−"),
            ct_high = format!("{:.0}", CT_WINDOW_HU.1),
            scale_max = gy(scale.max_gy, 0),
            floor = gy(WASH_FLOOR * scale.max_gy, 1),
            levels = lang.with_unit(&levels.join(", "), "Gy"),
            outlines = names.join(", ")
        ),
        svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sirt_geometry::{ContinuousIndex, FrameOfReference, PointLps};

    /// x · 1000 + y at each voxel's centre (patient mm, LPS).
    fn xy_field(grid: &Grid) -> Vec<f64> {
        (0..grid.len())
            .map(|o| {
                let [i, j, k] = grid.index_of_offset(o);
                let p = grid.patient_from_index(ContinuousIndex {
                    i: i as f64,
                    j: j as f64,
                    k: k as f64,
                });
                p.x * 1000.0 + p.y
            })
            .collect()
    }

    /// Whatever the grid's axes, the picture shows the patient's right on the left (x grows to
    /// the right) and anterior at the top (y grows downwards): docs/coordinates.md.
    #[test]
    fn axial_slices_are_radiological_for_flipped_and_permuted_grids() {
        let frame = FrameOfReference("t".into());
        let directions = [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            // Rotated 180° about z: i towards the right, j anterior.
            [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]],
            // Permuted: i along y, j along x, k inferior.
            [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]],
        ];
        for d in directions {
            let grid = Grid::new(
                [5, 4, 3],
                [2.0, 3.0, 4.0],
                PointLps::new(10.0, -20.0, 5.0),
                d,
                frame.clone(),
            )
            .unwrap();
            let a = View::new(&grid, Plane::Axial).unwrap();
            let field = xy_field(&grid);
            for k in 0..grid.dims[a.slice.0] {
                let s = a.take(&field, k);
                let (w, h) = (a.width(), a.height());
                for r in 0..h {
                    for c in 0..w {
                        let v = s[c + w * r];
                        if c + 1 < w {
                            assert!(s[c + 1 + w * r] > v + 500.0, "{d:?}: x grows to the right");
                        }
                        if r + 1 < h {
                            let dv = s[c + w * (r + 1)] - v;
                            assert!(dv > 0.0 && dv < 500.0, "{d:?}: y grows downwards");
                        }
                    }
                }
            }
        }
    }

    /// Coronal: the patient's right on the left, superior at the top (z falls downwards).
    #[test]
    fn coronal_slices_have_superior_at_the_top() {
        let frame = FrameOfReference("t".into());
        for d in [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]],
        ] {
            let grid = Grid::new(
                [5, 4, 3],
                [2.0, 3.0, 4.0],
                PointLps::new(0.0, 0.0, 0.0),
                d,
                frame.clone(),
            )
            .unwrap();
            let v = View::new(&grid, Plane::Coronal).unwrap();
            let xz: Vec<f64> = (0..grid.len())
                .map(|o| {
                    let [i, j, k] = grid.index_of_offset(o);
                    let p =
                        grid.patient_from_index(ContinuousIndex::new(i as f64, j as f64, k as f64));
                    p.x * 1000.0 + p.z
                })
                .collect();
            let s = v.take(&xz, 0);
            let w = v.width();
            assert!(s[1] > s[0] + 500.0, "{d:?}");
            let dz = s[w] - s[0];
            assert!(dz < 0.0 && dz > -500.0, "{d:?}");
        }
    }

    /// The scale's top: the 99.5th percentile of the liver's doses (1…1000 Gy in 1000 voxels:
    /// the voxel at rank round(0.995 · 999) = 994, 995 Gy), up to the next 50 Gy; voxels
    /// outside the liver (here 5000 Gy) play no part.
    #[test]
    fn scale_top_is_the_livers_percentile_rounded_up() {
        let grid = Grid::axis_aligned(
            [10, 10, 11],
            [1.0; 3],
            PointLps::new(0.0, 0.0, 0.0),
            FrameOfReference("t".into()),
        )
        .unwrap();
        let n = grid.len();
        let gy: Vec<f32> = (0..n)
            .map(|o| if o < 1000 { (o + 1) as f32 } else { 5000.0 })
            .collect();
        let liver: Vec<bool> = (0..n).map(|o| o < 1000).collect();
        let volumes = ViewerVolumes {
            grid: grid.clone(),
            ct_hu: sirt_geometry::Image::filled(grid.clone(), 0.0).into(),
            maa_spect_counts: None,
            y90_pet_bq_per_ml: None,
            doses: vec![DoseVolume {
                session: "1".into(),
                kind: DoseKind::Predicted,
                gy: sirt_geometry::Image::new(grid.clone(), gy).unwrap(),
            }],
            structures: vec![StructureMask {
                name: "liver".into(),
                role: Role::Liver,
                mask: sirt_geometry::Image::new(grid, liver).unwrap(),
            }]
            .into(),
        };
        let shown: Vec<&DoseVolume> = volumes.doses.iter().collect();
        let s = dose_scale(&volumes, &shown);
        assert!((s.max_gy - 1000.0).abs() < 1e-9, "{}", s.max_gy);
        assert_eq!(s.isodoses_gy, vec![50.0, 100.0, 150.0, 200.0]);
    }

    #[test]
    fn largest_section_counts_voxels_per_axial_slice() {
        let grid = Grid::axis_aligned(
            [2, 2, 3],
            [1.0; 3],
            PointLps::new(0.0, 0.0, 0.0),
            FrameOfReference("t".into()),
        )
        .unwrap();
        let a = View::new(&grid, Plane::Axial).unwrap();
        // Slice 0: 1 voxel, slice 1: 3, slice 2: 2.
        let m = [
            true, false, false, false, true, true, true, false, true, true, false, false,
        ];
        assert_eq!(a.largest_section(&m), Some(1));
        assert_eq!(a.largest_section(&[false; 12]), None);
    }
}

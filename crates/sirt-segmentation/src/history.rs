//! The edit history of a structure: the operations that made it, each with its parameters, its
//! author and the instant the caller gives (this crate reads no clock). It replays (rebuilding
//! the mask from the named images and masks), undoes (drops the last edit), and says how the
//! structure was made: one line for people, and the DICOM SEG Segment Algorithm Type and Name
//! (PS3.3 C.8.20.2, Segment Description Macro).

use sirt_geometry::{Grid, Image, Mask, PointLps, Rigid};
use sirt_units::{Fraction, Instant, Volume};

use crate::boolean::{BooleanOp, combine};
use crate::brush::{Stroke, brush};
use crate::components::{keep_containing, keep_largest, remove_smaller_than};
use crate::fill::{fill_holes, fill_holes_per_slice};
use crate::grow::{ConfidenceParams, GrowParams, confidence_connected, region_grow};
use crate::interpolate::interpolate_between;
use crate::margin::{Margin, margin};
use crate::threshold::{
    Interval, Restriction, restriction_on_grid, threshold, threshold_counts, threshold_relative,
};
use crate::{Connectivity, SegmentationError};

/// Longest Segment Algorithm Name: the LO value representation holds at most 64 characters
/// (DICOM PS3.5 Table 6.2-1).
pub const ALGORITHM_NAME_MAX_CHARS: usize = 64;

/// Who made an edit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// A person (the name as it should appear as Content Creator's Name, e.g. "Curie^Marie").
    Person(String),
    /// A program that ran without a person's choice of parameters (name and version).
    Program(String),
}

/// One operation and its parameters. Images and masks are named; [`Inputs`] gives them at
/// replay.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Operation {
    /// Start from a mask read elsewhere (RT Struct, SEG, NIfTI, another structure).
    Import {
        /// The mask's name.
        mask: String,
    },
    /// An absolute threshold (replaces the mask).
    Threshold {
        /// The image's name.
        image: String,
        /// The interval kept.
        interval: Interval,
    },
    /// At least a fraction of the maximum within a restricting mask (replaces the mask).
    ThresholdRelative {
        /// The image's name.
        image: String,
        /// Fraction of the maximum.
        fraction_of_max: Fraction,
        /// The restricting mask's name.
        within: String,
    },
    /// At least a number of counts, optionally within a mask (replaces the mask).
    ThresholdCounts {
        /// The image's name.
        image: String,
        /// Minimum counts per voxel.
        min_counts: f64,
        /// The restricting mask's name.
        within: Option<String>,
    },
    /// Seeded region growing in an interval (replaces the mask).
    RegionGrow {
        /// The image's name.
        image: String,
        /// Seeds, patient coordinates.
        seeds: Vec<PointLps>,
        /// The interval.
        interval: Interval,
        /// Which voxels touch.
        connectivity: Connectivity,
        /// The restricting mask's name.
        within: Option<String>,
    },
    /// Confidence-connected growing (replaces the mask).
    ConfidenceConnected {
        /// The image's name.
        image: String,
        /// Seeds, patient coordinates.
        seeds: Vec<PointLps>,
        /// k of mean ± k·σ.
        multiplier: f64,
        /// Re-estimations.
        iterations: usize,
        /// Half-width of the seed neighbourhood, voxels.
        neighbourhood_radius: usize,
        /// Which voxels touch.
        connectivity: Connectivity,
        /// The restricting mask's name.
        within: Option<String>,
    },
    /// Keep the largest component.
    KeepLargest {
        /// Which voxels touch.
        connectivity: Connectivity,
    },
    /// Keep the components holding seeds.
    KeepContaining {
        /// Seeds, patient coordinates.
        seeds: Vec<PointLps>,
        /// Which voxels touch.
        connectivity: Connectivity,
    },
    /// Remove the components under a volume.
    RemoveSmallerThan {
        /// The smallest volume kept.
        min_volume: Volume,
        /// Which voxels touch.
        connectivity: Connectivity,
    },
    /// Combine with a named mask.
    Combine {
        /// Union, intersection or difference (current − named).
        op: BooleanOp,
        /// The other mask's name.
        with: String,
    },
    /// Grow or shrink.
    Margin {
        /// The margin.
        margin: Margin,
    },
    /// Fill 3-D holes.
    FillHoles,
    /// Fill holes slice by slice.
    FillHolesPerSlice,
    /// Shape-based interpolation between two edited slices.
    Interpolate {
        /// One edited slice (k).
        from_slice: usize,
        /// The other edited slice (k).
        to_slice: usize,
    },
    /// A brush or eraser stroke.
    Brush {
        /// The stroke.
        stroke: Stroke,
    },
}

/// How an operation counts for the Segment Algorithm Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nature {
    /// Drawn by hand (brush, eraser).
    Manual,
    /// Computed by an algorithm.
    Algorithmic,
    /// Neither (an import: its own provenance is the source's).
    Neutral,
}

fn seeds_text(seeds: &[PointLps]) -> String {
    match seeds.len() {
        1 => "1 seed".into(),
        n => format!("{n} seeds"),
    }
}

fn within_text(within: Option<&String>) -> String {
    within.map_or(String::new(), |w| format!(" within \"{w}\""))
}

impl Operation {
    /// Its short name ("region growing").
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::Import { .. } => "import",
            Operation::Threshold { .. } => "threshold",
            Operation::ThresholdRelative { .. } => "threshold at % of maximum",
            Operation::ThresholdCounts { .. } => "counts threshold",
            Operation::RegionGrow { .. } => "region growing",
            Operation::ConfidenceConnected { .. } => "confidence connected",
            Operation::KeepLargest { .. } => "largest component",
            Operation::KeepContaining { .. } => "components at seeds",
            Operation::RemoveSmallerThan { .. } => "small components removed",
            Operation::Combine { op, .. } => op.name(),
            Operation::Margin { .. } => "margin",
            Operation::FillHoles => "fill holes",
            Operation::FillHolesPerSlice => "fill holes per slice",
            Operation::Interpolate { .. } => "slice interpolation",
            Operation::Brush { stroke } if stroke.erase => "eraser",
            Operation::Brush { .. } => "brush",
        }
    }

    fn nature(&self) -> Nature {
        match self {
            Operation::Import { .. } => Nature::Neutral,
            Operation::Brush { .. } => Nature::Manual,
            _ => Nature::Algorithmic,
        }
    }

    /// The operation with its parameters, in words.
    pub fn describe(&self) -> String {
        match self {
            Operation::Import { mask } => format!("import \"{mask}\""),
            Operation::Threshold { image, interval } => {
                format!("threshold {interval} on \"{image}\"")
            }
            Operation::ThresholdRelative {
                image,
                fraction_of_max,
                within,
            } => format!(
                "threshold at {} % of the maximum on \"{image}\" within \"{within}\"",
                fraction_of_max.percent()
            ),
            Operation::ThresholdCounts {
                image,
                min_counts,
                within,
            } => format!(
                "counts threshold ≥ {min_counts} on \"{image}\"{}",
                within_text(within.as_ref())
            ),
            Operation::RegionGrow {
                image,
                seeds,
                interval,
                connectivity,
                within,
            } => format!(
                "region growing on \"{image}\" from {} in {interval} ({connectivity}){}",
                seeds_text(seeds),
                within_text(within.as_ref())
            ),
            Operation::ConfidenceConnected {
                image,
                seeds,
                multiplier,
                iterations,
                neighbourhood_radius,
                connectivity,
                within,
            } => format!(
                "confidence connected on \"{image}\" from {}, mean ± {multiplier} SD, \
                 {iterations} iterations, radius {neighbourhood_radius} ({connectivity}){}",
                seeds_text(seeds),
                within_text(within.as_ref())
            ),
            _ => self.describe_edit(),
        }
    }

    /// [`Operation::describe`] of the operations that change the current mask.
    fn describe_edit(&self) -> String {
        match self {
            Operation::KeepLargest { connectivity } => {
                format!("largest {connectivity} component")
            }
            Operation::KeepContaining {
                seeds,
                connectivity,
            } => format!("{connectivity} components at {}", seeds_text(seeds)),
            Operation::RemoveSmallerThan {
                min_volume,
                connectivity,
            } => format!(
                "{connectivity} components under {} mL removed",
                min_volume.ml()
            ),
            Operation::Combine { op, with } => format!("{} \"{with}\"", op.name()),
            Operation::Margin { margin } => format!("margin {margin}"),
            Operation::FillHoles => "fill holes (3-D)".into(),
            Operation::FillHolesPerSlice => "fill holes per slice".into(),
            Operation::Interpolate {
                from_slice,
                to_slice,
            } => format!("shape-based interpolation between slices {from_slice} and {to_slice}"),
            Operation::Brush { stroke } => format!(
                "{} {} radius {} mm at ({:.1}, {:.1}, {:.1}) mm",
                if stroke.erase { "eraser" } else { "brush" },
                match stroke.shape {
                    crate::brush::BrushShape::Ball => "ball",
                    crate::brush::BrushShape::Disc => "disc",
                },
                stroke.radius.m() * 1000.0,
                stroke.centre_in_patient.x,
                stroke.centre_in_patient.y,
                stroke.centre_in_patient.z
            ),
            other => other.kind().to_owned(),
        }
    }
}

/// One edit: an operation, who made it and when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Edit {
    /// What was done.
    pub operation: Operation,
    /// Who did it.
    pub author: Author,
    /// When (as the caller gives it).
    pub instant: Instant,
}

/// Segment Algorithm Type (0062,0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlgorithmType {
    /// Drawn by hand only.
    Manual,
    /// Algorithms run with a person's parameters or corrections.
    Semiautomatic,
    /// Algorithms run by programs only.
    Automatic,
}

impl AlgorithmType {
    /// The DICOM defined term.
    pub fn dicom(self) -> &'static str {
        match self {
            AlgorithmType::Manual => "MANUAL",
            AlgorithmType::Semiautomatic => "SEMIAUTOMATIC",
            AlgorithmType::Automatic => "AUTOMATIC",
        }
    }
}

/// The named images and masks (and the registration between frames) an edit history replays
/// on.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    /// Images by name ("ct", "spect").
    pub images: Vec<(&'a str, &'a Image<f32>)>,
    /// Masks by name ("liver", "tumours").
    pub masks: Vec<(&'a str, &'a Mask)>,
    /// The registration linking frames, when images and masks are in different frames.
    pub registration: Option<&'a Rigid>,
}

/// The history of one structure.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EditHistory {
    /// The grid of the structure before any edit (an empty mask on it is the start).
    pub grid: Grid,
    /// The edits, oldest first.
    pub edits: Vec<Edit>,
}

impl EditHistory {
    /// An empty history on `grid`.
    pub fn new(grid: Grid) -> Self {
        Self {
            grid,
            edits: Vec::new(),
        }
    }

    /// Appends an edit.
    pub fn push(&mut self, operation: Operation, author: Author, instant: Instant) {
        self.edits.push(Edit {
            operation,
            author,
            instant,
        });
    }

    /// Drops the last edit and returns it (undo); `None` when there is none.
    pub fn undo(&mut self) -> Option<Edit> {
        self.edits.pop()
    }

    /// The mask rebuilt by replaying every edit from an empty mask on [`EditHistory::grid`].
    /// An error names the edit (1-based) and keeps its cause.
    pub fn replay(&self, inputs: &Inputs<'_>) -> Result<Mask, SegmentationError> {
        let mut mask = Mask::filled(self.grid.clone(), false);
        for (n, edit) in self.edits.iter().enumerate() {
            mask = apply(&edit.operation, &mask, inputs, n + 1).map_err(|e| match e {
                SegmentationError::MissingInput { .. } => e,
                other => SegmentationError::Replay {
                    number: n + 1,
                    operation: edit.operation.describe(),
                    source: Box::new(other),
                },
            })?;
        }
        Ok(mask)
    }

    /// How the structure was made, in one line: the operations with their parameters, in
    /// order, then who made them ("by Curie^Marie"). "no edit" for an empty history.
    pub fn describe(&self) -> String {
        if self.edits.is_empty() {
            return "no edit".into();
        }
        let steps: Vec<String> = self.edits.iter().map(|e| e.operation.describe()).collect();
        let mut who: Vec<&str> = Vec::new();
        for e in &self.edits {
            let name = match &e.author {
                Author::Person(p) | Author::Program(p) => p.as_str(),
            };
            if !who.contains(&name) {
                who.push(name);
            }
        }
        format!("{}; by {}", steps.join("; "), who.join(", "))
    }

    /// Segment Algorithm Type: MANUAL when no edit is an algorithm (brush, eraser, imports);
    /// AUTOMATIC when every edit was made by a program; SEMIAUTOMATIC otherwise (algorithms run
    /// with a person's parameters or corrections).
    pub fn algorithm_type(&self) -> AlgorithmType {
        let algorithmic = self
            .edits
            .iter()
            .any(|e| e.operation.nature() == Nature::Algorithmic);
        let by_programs = !self.edits.is_empty()
            && self
                .edits
                .iter()
                .all(|e| matches!(e.author, Author::Program(_)));
        match (algorithmic, by_programs) {
            (false, _) => AlgorithmType::Manual,
            (true, true) => AlgorithmType::Automatic,
            (true, false) => AlgorithmType::Semiautomatic,
        }
    }

    /// Segment Algorithm Name: the kinds of the operations, in order of first use, joined by
    /// " + " ("region growing + fill holes + margin"), at most
    /// [`ALGORITHM_NAME_MAX_CHARS`] characters (the kinds that do not fit are counted: "+ 2
    /// more"). `None` when the type is MANUAL: DICOM gives a manual segment no algorithm name
    /// (PS3.3 C.8.20.2, type 1C); [`EditHistory::describe`] says how it was drawn.
    pub fn algorithm_name(&self) -> Option<String> {
        if self.algorithm_type() == AlgorithmType::Manual {
            return None;
        }
        let mut kinds: Vec<&str> = Vec::new();
        for e in &self.edits {
            let k = e.operation.kind();
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        let mut name = String::new();
        for (n, k) in kinds.iter().enumerate() {
            let rest = kinds.len() - n - 1;
            let piece = if n == 0 {
                k.to_string()
            } else {
                format!(" + {k}")
            };
            let tail = if rest > 0 {
                format!(" + {rest} more")
            } else {
                String::new()
            };
            if name.chars().count() + piece.chars().count() + tail.chars().count()
                > ALGORITHM_NAME_MAX_CHARS
            {
                name.push_str(&format!(" + {} more", kinds.len() - n));
                return Some(name);
            }
            name.push_str(&piece);
        }
        Some(name)
    }

    /// The person who made the last edit by a person (the Content Creator's Name); `None` when
    /// only programs made it.
    pub fn creator(&self) -> Option<&str> {
        self.edits.iter().rev().find_map(|e| match &e.author {
            Author::Person(p) => Some(p.as_str()),
            Author::Program(_) => None,
        })
    }
}

fn image<'a>(
    inputs: &Inputs<'a>,
    name: &str,
    number: usize,
    op: &Operation,
) -> Result<&'a Image<f32>, SegmentationError> {
    inputs
        .images
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, i)| *i)
        .ok_or_else(|| SegmentationError::MissingInput {
            number,
            operation: op.describe(),
            kind: "image",
            name: name.to_owned(),
        })
}

fn mask<'a>(
    inputs: &Inputs<'a>,
    name: &str,
    number: usize,
    op: &Operation,
) -> Result<&'a Mask, SegmentationError> {
    inputs
        .masks
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
        .ok_or_else(|| SegmentationError::MissingInput {
            number,
            operation: op.describe(),
            kind: "mask",
            name: name.to_owned(),
        })
}

/// The named restricting mask on `grid`, when a name is given.
fn within_on(
    inputs: &Inputs<'_>,
    within: Option<&String>,
    grid: &Grid,
    number: usize,
    op: &Operation,
) -> Result<Option<Mask>, SegmentationError> {
    within
        .map(|w| {
            let m = mask(inputs, w, number, op)?;
            restriction_on_grid(
                Restriction {
                    mask: m,
                    registration: inputs.registration,
                },
                grid,
            )
        })
        .transpose()
}

/// One edit applied to `current` (edit `number`, 1-based, for messages).
fn apply(
    op: &Operation,
    current: &Mask,
    inputs: &Inputs<'_>,
    number: usize,
) -> Result<Mask, SegmentationError> {
    match op {
        Operation::Import { mask: name } => Ok(mask(inputs, name, number, op)?.clone()),
        Operation::Threshold {
            image: name,
            interval,
        } => Ok(threshold(image(inputs, name, number, op)?, *interval)),
        Operation::ThresholdRelative {
            image: name,
            fraction_of_max,
            within,
        } => threshold_relative(
            image(inputs, name, number, op)?,
            *fraction_of_max,
            Restriction {
                mask: mask(inputs, within, number, op)?,
                registration: inputs.registration,
            },
        ),
        Operation::ThresholdCounts {
            image: name,
            min_counts,
            within,
        } => {
            let img = image(inputs, name, number, op)?;
            let w = within_on(inputs, within.as_ref(), img.grid(), number, op)?;
            threshold_counts(img, *min_counts, w.as_ref().map(Restriction::new))
        }
        Operation::RegionGrow { .. } | Operation::ConfidenceConnected { .. } => {
            apply_growing(op, current, inputs, number)
        }
        _ => apply_edit(op, current, inputs, number),
    }
}

/// The growing operations.
fn apply_growing(
    op: &Operation,
    current: &Mask,
    inputs: &Inputs<'_>,
    number: usize,
) -> Result<Mask, SegmentationError> {
    match op {
        Operation::RegionGrow {
            image: name,
            seeds,
            interval,
            connectivity,
            within,
        } => {
            let img = image(inputs, name, number, op)?;
            let w = within_on(inputs, within.as_ref(), img.grid(), number, op)?;
            let params = GrowParams {
                interval: *interval,
                connectivity: *connectivity,
                within: w.as_ref(),
            };
            region_grow(img, seeds, &params)
        }
        Operation::ConfidenceConnected {
            image: name,
            seeds,
            multiplier,
            iterations,
            neighbourhood_radius,
            connectivity,
            within,
        } => {
            let img = image(inputs, name, number, op)?;
            let w = within_on(inputs, within.as_ref(), img.grid(), number, op)?;
            let params = ConfidenceParams {
                multiplier: *multiplier,
                iterations: *iterations,
                neighbourhood_radius: *neighbourhood_radius,
                connectivity: *connectivity,
                within: w.as_ref(),
            };
            confidence_connected(img, seeds, &params)
        }
        // The other operations are handled by `apply` and `apply_edit`.
        _ => Ok(current.clone()),
    }
}

/// The operations that change the current mask.
fn apply_edit(
    op: &Operation,
    current: &Mask,
    inputs: &Inputs<'_>,
    number: usize,
) -> Result<Mask, SegmentationError> {
    match op {
        Operation::KeepLargest { connectivity } => keep_largest(current, *connectivity),
        Operation::KeepContaining {
            seeds,
            connectivity,
        } => keep_containing(current, seeds, *connectivity),
        Operation::RemoveSmallerThan {
            min_volume,
            connectivity,
        } => remove_smaller_than(current, *min_volume, *connectivity),
        Operation::Combine { op: bop, with } => {
            combine(current, mask(inputs, with, number, op)?, *bop)
        }
        Operation::Margin { margin: m } => margin(current, *m),
        Operation::FillHoles => Ok(fill_holes(current)),
        Operation::FillHolesPerSlice => Ok(fill_holes_per_slice(current)),
        Operation::Interpolate {
            from_slice,
            to_slice,
        } => interpolate_between(current, *from_slice, *to_slice),
        Operation::Brush { stroke } => brush(current, stroke),
        // The creating operations are handled by `apply`.
        _ => Ok(current.clone()),
    }
}

//! What a voxel plan reads and prepares from its case's images, kept in the process for the
//! next plan of the same images: the CT, the structures, the registration, the MAA SPECT, and
//! the structures and density prepared on each activity grid (`sirt_voxel_dosimetry::prepare`,
//! most of a voxel plan's time). A web server recomputes a plan after each change of its
//! activities, TNR, LSF, K or treatment instant: none of these changes what is kept here.
//!
//! An entry is found again only when everything it was made from is unchanged: the folder the
//! case's paths are relative to, the case's `[images]` table, the structures the plan asks for,
//! and every file under the image paths (name, size and modification time, and on unix the
//! inode and status-change time, folders walked: a file replaced by another of the same size
//! within one modification-time tick, or given its old modification time back, is noticed).
//! A file that changes, appears or goes makes a new entry; an input that cannot be read is not
//! cached (the loader then says what is wrong).
//!
//! The locks only guard caches of immutable `Arc`s: a lock poisoned by a panic elsewhere is
//! recovered ([`std::sync::PoisonError::into_inner`]); its data cannot be half-changed.

use crate::consistency::ActivityFractions;
use sirt_dicom::SpatialRegistration;
use sirt_geometry::{Grid, Image, Mask, Rigid};
use sirt_imaging::{LoadedPet, StructureRequest, StudyRef};
use sirt_voxel_dosimetry::{Prepared, Structure};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::SystemTime;

/// Entries kept: the images of the last two cases planned (design choice: a physicist moves
/// between one plan and, at most, the one before it; each entry holds a CT, a SPECT and the
/// structures on each grid: a few hundred MB for a 512 × 512 CT).
const ENTRIES: usize = 2;

/// Files under one folder that are fingerprinted at most (design choice: a DICOM series folder
/// holds hundreds of files; a folder of more is not a case's image folder, and is not cached).
const MAX_FILES: usize = 20_000;

/// What an entry was made from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    /// The folder the case's image paths are relative to.
    base: PathBuf,
    /// The case's `[images]` table (its debug form: every field).
    images: String,
    /// The structures asked for (name, role, optional).
    requests: String,
    /// Every file under the image paths.
    files: Vec<Stamp>,
}

/// What identifies one version of a file.
#[derive(Debug, Clone, PartialEq)]
struct Stamp {
    /// The path.
    path: PathBuf,
    /// Size, bytes.
    size: u64,
    /// Modification time.
    modified: SystemTime,
    /// Unix: the inode (a file replaced by renaming another over it has a new one) and the
    /// status-change time, seconds and nanoseconds (changed by every write and by setting the
    /// modification time back; cannot be set by a program).
    #[cfg(unix)]
    inode_ctime: (u64, i64, i64),
}

impl Stamp {
    /// The stamp of the file `path` with metadata `meta`.
    fn of(path: &Path, meta: &std::fs::Metadata) -> Option<Self> {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Some(Self {
            path: path.to_path_buf(),
            size: meta.len(),
            modified: meta.modified().ok()?,
            #[cfg(unix)]
            inode_ctime: (meta.ino(), meta.ctime(), meta.ctime_nsec()),
        })
    }
}

/// The guard of a lock, recovered when poisoned (the locks guard caches of immutable `Arc`s).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Key {
    /// The key of a case's images, or None when a path cannot be fingerprinted (missing,
    /// unreadable, too many files): such inputs are not cached.
    pub(crate) fn of(
        base: &Path,
        images: &sirt_case::Images,
        requests: &[StructureRequest],
    ) -> Option<Self> {
        let mut files = Vec::new();
        for p in images.paths() {
            fingerprint(&base.join(p), &mut files)?;
        }
        Some(Self {
            base: base.to_path_buf(),
            images: format!("{images:?}"),
            requests: format!("{requests:?}"),
            files,
        })
    }
}

/// Adds the fingerprint of `path` (a file, or every file under a folder, sorted) to `out`.
fn fingerprint(path: &Path, out: &mut Vec<Stamp>) -> Option<()> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        out.push(Stamp::of(path, &meta)?);
        return Some(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .ok()?
        .map(|e| e.ok().map(|e| e.path()))
        .collect::<Option<_>>()?;
    if entries.len() > MAX_FILES {
        return None;
    }
    entries.sort();
    for e in entries {
        fingerprint(&e, out)?;
    }
    Some(())
}

/// What a voxel plan reads from its case's images, and what it prepares on each activity grid.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The CT, HU (shared with the plans made from it: no copy per plan).
    pub ct: Arc<Image<f32>>,
    /// The CT's DICOM study, when it has one.
    pub study: Option<StudyRef>,
    /// The structures asked for, as loaded.
    pub structures: Arc<Vec<Structure>>,
    /// The registration object's path (as in the case) and contents.
    pub registration: Option<(String, SpatialRegistration)>,
    /// The MAA SPECT, counts.
    pub spect: Option<Arc<Image<f32>>>,
    /// The Y-90 PET as read (the case's path, the PET), once a plan has read it: its files are
    /// in the entry's key like every image's.
    pet: Mutex<Option<(String, Arc<KeptPet>)>>,
    /// The structure masks on the CT grid for a viewer, once made.
    masks_on_ct: OnceLock<Arc<Vec<crate::voxel::StructureMask>>>,
    /// Measurements of the images alone (a structure's volume, its mass from the CT with a
    /// density curve), by what was measured: found once ([`Loaded::number`]).
    numbers: Mutex<Vec<(String, f64)>>,
    /// The series UIDs of an image path of the case (a folder scanned once).
    series: Mutex<Vec<(PathBuf, Vec<String>)>>,
    /// The body outline on the CT grid ([`crate::consistency`]), once made: it depends only on
    /// the CT and the structures.
    body: OnceLock<Arc<Mask>>,
    /// Where the activity of an image lies (what: "spect" or "pet", the image's grid, the
    /// transform CT ← image, the liver margin in mm, the fractions), once found: the images,
    /// the structures and the registration decide it, never a plan's parameters.
    fractions: Mutex<Vec<KeptFractions>>,
    /// The structures and density prepared on each activity grid used so far.
    prepared: Mutex<Vec<Arc<Prepared>>>,
    /// Images of the case put on the CT grid for a viewer (what, the image's grid, the image on
    /// the CT grid): the MAA SPECT and the Y-90 PET do not change with a plan's parameters.
    on_ct: Mutex<Vec<OnCt>>,
    /// Dose maps put on the CT grid for a viewer (the transform used, the map on its own grid,
    /// the map on the CT grid), the latest last: a later map that is a multiple of one of them (a plan whose
    /// activities changed) is the kept one scaled ([`Loaded::dose_on_ct`]).
    doses_on_ct: Mutex<Vec<DoseOnCt>>,
}

/// A Y-90 PET as read ([`LoadedPet`]), its image shared.
#[derive(Debug)]
pub(crate) struct KeptPet {
    /// Bq/mL.
    pub image: Arc<Image<f32>>,
    /// The instant the values refer to ([`LoadedPet::reference`]).
    pub reference: Option<sirt_dicom::DicomDateTime>,
    /// Decay-corrected to the administration already.
    pub corrected_to_administration: bool,
    /// How the reference was found, for the report.
    pub notes: Vec<String>,
}

/// The fractions of an image's activity kept: (what, the image's grid, CT ← image, the margin
/// in mm, the fractions; None when the image holds no positive value).
type KeptFractions = (
    &'static str,
    Grid,
    Option<Rigid>,
    f64,
    Option<ActivityFractions>,
);

/// An image of the case on the CT grid: (what, the image's own grid, the image on the CT grid).
type OnCt = (&'static str, Grid, Arc<Image<f32>>);

/// A dose map put on the CT grid: (the transform used, the map on its own grid, the map on the
/// CT grid).
type DoseOnCt = (Option<Rigid>, Image<f32>, Arc<Image<f32>>);

/// Dose maps kept on the CT grid: 4 (design choice: a plan shows a session's prediction, the
/// delivered dose and the prediction at the delivered activity; one more for the plan before).
const DOSES_ON_CT: usize = 4;

/// Largest relative difference, voxel by voxel, between a dose map and a multiple of a kept one
/// for the kept map on the CT grid to be scaled: 1e-5 (design choice: a hundred times the
/// rounding of a map in `f32`; resampling is linear, so the scaled map is the resampled one).
const DOSE_MULTIPLE_TOLERANCE: f64 = 1e-5;

impl Loaded {
    /// Loaded inputs, with nothing prepared yet.
    pub(crate) fn new(
        ct: Image<f32>,
        study: Option<StudyRef>,
        structures: Vec<Structure>,
        registration: Option<(String, SpatialRegistration)>,
        spect: Option<Image<f32>>,
    ) -> Self {
        Self {
            ct: Arc::new(ct),
            study,
            structures: Arc::new(structures),
            registration,
            spect: spect.map(Arc::new),
            pet: Mutex::new(None),
            masks_on_ct: OnceLock::new(),
            numbers: Mutex::new(Vec::new()),
            series: Mutex::new(Vec::new()),
            body: OnceLock::new(),
            fractions: Mutex::new(Vec::new()),
            prepared: Mutex::new(Vec::new()),
            on_ct: Mutex::new(Vec::new()),
            doses_on_ct: Mutex::new(Vec::new()),
        }
    }

    /// The dose map `dose` on the CT grid through `ct_from_image`: a kept one scaled when
    /// `dose` is a multiple of its source (same grid and transform), else `resample(dose)`,
    /// kept.
    pub(crate) fn dose_on_ct<E>(
        &self,
        dose: &Image<f32>,
        ct_from_image: Option<&Rigid>,
        resample: impl FnOnce(&Image<f32>) -> Result<Image<f32>, E>,
    ) -> Result<Image<f32>, E> {
        let hit = lock(&self.doses_on_ct)
            .iter()
            .rev()
            .filter(|(t, _, _)| t.as_ref() == ct_from_image)
            .find_map(|(_, source, on_ct)| {
                dose.multiple_of(source, DOSE_MULTIPLE_TOLERANCE)
                    .map(|s| (s as f32, on_ct.clone()))
            });
        if let Some((s, on_ct)) = hit {
            return Ok(on_ct.map(|v| v * s));
        }
        let on_ct = resample(dose)?;
        let mut kept = lock(&self.doses_on_ct);
        if kept.len() >= DOSES_ON_CT {
            kept.remove(0);
        }
        kept.push((
            ct_from_image.cloned(),
            dose.clone(),
            Arc::new(on_ct.clone()),
        ));
        Ok(on_ct)
    }

    /// The Y-90 PET of the case's path `path`: the one read before, else `read()`, kept.
    pub(crate) fn pet<E>(
        &self,
        path: &str,
        read: impl FnOnce() -> Result<LoadedPet, E>,
    ) -> Result<Arc<KeptPet>, E> {
        if let Some((p, pet)) = lock(&self.pet).as_ref()
            && p == path
        {
            return Ok(pet.clone());
        }
        let LoadedPet {
            image,
            reference,
            corrected_to_administration,
            notes,
        } = read()?;
        let pet = Arc::new(KeptPet {
            image: Arc::new(image),
            reference,
            corrected_to_administration,
            notes,
        });
        *lock(&self.pet) = Some((path.to_owned(), pet.clone()));
        Ok(pet)
    }

    /// The number measured as `what` (on these images only, never on a plan's parameters):
    /// found before, else `measure()`, kept.
    pub(crate) fn number<E>(
        &self,
        what: &str,
        measure: impl FnOnce() -> Result<f64, E>,
    ) -> Result<f64, E> {
        if let Some((_, x)) = lock(&self.numbers).iter().find(|(w, _)| w == what) {
            return Ok(*x);
        }
        let x = measure()?;
        lock(&self.numbers).push((what.to_owned(), x));
        Ok(x)
    }

    /// The series UIDs under `path` (one of the case's image paths): found before, else
    /// `scan()`, kept.
    pub(crate) fn series_uids(
        &self,
        path: &Path,
        scan: impl FnOnce() -> Vec<String>,
    ) -> Vec<String> {
        if let Some((_, u)) = lock(&self.series).iter().find(|(p, _)| p == path) {
            return u.clone();
        }
        let u = scan();
        lock(&self.series).push((path.to_path_buf(), u.clone()));
        u
    }

    /// The structure masks on the CT grid: made before, else `make()`, kept.
    pub(crate) fn masks_on_ct<E>(
        &self,
        make: impl FnOnce() -> Result<Vec<crate::voxel::StructureMask>, E>,
    ) -> Result<Arc<Vec<crate::voxel::StructureMask>>, E> {
        if let Some(m) = self.masks_on_ct.get() {
            return Ok(m.clone());
        }
        let m = Arc::new(make()?);
        Ok(self.masks_on_ct.get_or_init(|| m).clone())
    }

    /// The body outline of the CT and structures: the one made before, else `make()`, kept.
    pub(crate) fn body_outline(&self, make: impl FnOnce() -> Mask) -> Arc<Mask> {
        self.body.get_or_init(|| Arc::new(make())).clone()
    }

    /// Where the activity of the image `what` (on `grid`, through `ct_from_image`) lies with a
    /// liver margin of `margin_mm`: found before, else `find()`, kept.
    pub(crate) fn fractions<E>(
        &self,
        what: &'static str,
        grid: &Grid,
        ct_from_image: Option<&Rigid>,
        margin_mm: f64,
        find: impl FnOnce() -> Result<Option<ActivityFractions>, E>,
    ) -> Result<Option<ActivityFractions>, E> {
        let same = |(w, g, t, m, _): &&KeptFractions| {
            *w == what && g.same_as(grid) && t.as_ref() == ct_from_image && *m == margin_mm
        };
        if let Some((.., f)) = lock(&self.fractions).iter().find(same) {
            return Ok(*f);
        }
        let f = find()?;
        let mut kept = lock(&self.fractions);
        kept.retain(|k| !(k.0 == what && k.1.same_as(grid)));
        kept.push((what, grid.clone(), ct_from_image.cloned(), margin_mm, f));
        Ok(f)
    }

    /// The image `what` (on its grid `grid`) on the CT grid, when it was put there.
    pub(crate) fn on_ct(&self, what: &str, grid: &Grid) -> Option<Arc<Image<f32>>> {
        lock(&self.on_ct)
            .iter()
            .find(|(w, g, _)| *w == what && g.same_as(grid))
            .map(|(_, _, i)| i.clone())
    }

    /// Keeps the image `what` (on its grid `grid`) put on the CT grid.
    pub(crate) fn keep_on_ct(&self, what: &'static str, grid: &Grid, image: Arc<Image<f32>>) {
        let mut v = lock(&self.on_ct);
        v.retain(|(w, _, _)| *w != what);
        v.push((what, grid.clone(), image));
    }

    /// The geometry prepared on `grid`, when it was.
    pub(crate) fn prepared_on(&self, grid: &Grid) -> Option<Arc<Prepared>> {
        lock(&self.prepared)
            .iter()
            .find(|p| p.grid().same_as(grid))
            .cloned()
    }

    /// Keeps the geometry prepared on its grid.
    pub(crate) fn keep_prepared(&self, p: Arc<Prepared>) {
        let mut v = lock(&self.prepared);
        if !v.iter().any(|q| q.grid().same_as(p.grid())) {
            v.push(p);
        }
    }
}

type Entries = Vec<(Key, Arc<Loaded>)>;

static CACHE: OnceLock<Mutex<Entries>> = OnceLock::new();

/// The entry made from `key`, when the process has it (it becomes the most recent).
pub(crate) fn get(key: &Key) -> Option<Arc<Loaded>> {
    let mut entries = lock(CACHE.get_or_init(Default::default));
    let at = entries.iter().position(|(k, _)| k == key)?;
    let entry = entries.remove(at);
    let loaded = entry.1.clone();
    entries.push(entry);
    Some(loaded)
}

/// Keeps an entry, dropping the least recently used beyond [`ENTRIES`].
pub(crate) fn put(key: Key, loaded: Arc<Loaded>) {
    let mut entries = lock(CACHE.get_or_init(Default::default));
    entries.retain(|(k, _)| *k != key);
    entries.push((key, loaded));
    while entries.len() > ENTRIES {
        entries.remove(0);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_or_added_file_changes_the_fingerprint() {
        let dir = std::env::temp_dir().join(format!("sirtplan-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("ct")).unwrap();
        std::fs::write(dir.join("ct").join("1.dcm"), b"one").unwrap();
        let print = || {
            let mut v = Vec::new();
            fingerprint(&dir.join("ct"), &mut v).unwrap();
            v
        };
        let first = print();
        assert_eq!(first.len(), 1);
        assert_eq!(print(), first, "unchanged folder, same fingerprint");
        std::fs::write(dir.join("ct").join("1.dcm"), b"three").unwrap();
        assert_ne!(print(), first, "a file of another size");
        std::fs::write(dir.join("ct").join("2.dcm"), b"two").unwrap();
        assert_eq!(print().len(), 2, "a new file");
        // Another file of the same size renamed over 2.dcm and given its modification time
        // back (what a copy keeping times does, or two writes within one time tick): same
        // path, size and modification time; a new inode and status-change time on unix.
        let before = print();
        let old = std::fs::metadata(dir.join("ct").join("2.dcm")).unwrap();
        std::fs::write(dir.join("new"), b"TWO").unwrap();
        std::fs::File::options()
            .write(true)
            .open(dir.join("new"))
            .unwrap()
            .set_modified(old.modified().unwrap())
            .unwrap();
        std::fs::rename(dir.join("new"), dir.join("ct").join("2.dcm")).unwrap();
        let after = print();
        assert_eq!(
            (&after[1].path, after[1].size, after[1].modified),
            (&before[1].path, before[1].size, before[1].modified),
            "what the fingerprint held before"
        );
        #[cfg(unix)]
        assert_ne!(after, before, "a file replaced with the same size and time");
        assert!(fingerprint(&dir.join("missing"), &mut Vec::new()).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

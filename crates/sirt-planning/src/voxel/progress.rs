//! Progress of a voxel plan for whoever waits on it (a server's job queue shows it): the stage
//! the run is in and how far it is, reported to the callback that [`with_progress`] installs
//! for the calling thread while its closure runs. Without one, reporting does nothing. The
//! callback is the caller's; this module keeps no state beyond the closure's call.

use sirt_units::Fraction;
use std::cell::RefCell;
use std::sync::Arc;

/// A stage of the voxel part of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the CT, structures, registration and MAA SPECT (or finding them read).
    ReadingImages,
    /// Putting the structures and density on each activity grid.
    Resampling,
    /// The dose of a session (or of the Y-90 PET).
    Dose,
    /// The dose-volume histograms and the comparison with the PET.
    Dvh,
}

impl Stage {
    /// A word for it (`reading`, `resampling`, `dose`, `dvh`).
    pub fn word(self) -> &'static str {
        match self {
            Stage::ReadingImages => "reading",
            Stage::Resampling => "resampling",
            Stage::Dose => "dose",
            Stage::Dvh => "dvh",
        }
    }
}

/// What receives the progress: the stage entered and the fraction of the run done.
pub type Callback = Arc<dyn Fn(Stage, Fraction) + Send + Sync>;

thread_local! {
    static CURRENT: RefCell<Option<Callback>> = const { RefCell::new(None) };
}

/// Runs `f` with `callback` receiving the progress of the voxel plans it runs on this thread
/// (the callback of an enclosing call is restored after, also when `f` unwinds).
pub fn with_progress<R>(callback: Callback, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Callback>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.borrow_mut().replace(callback));
    let _restore = Restore(previous);
    f()
}

/// Reports a stage and the fraction done (clamped to 0–1) to the callback of this thread, when
/// there is one.
pub(crate) fn report(stage: Stage, done: f64) {
    let Some(done) = Fraction::new(done.clamp(0.0, 1.0)) else {
        return;
    };
    let callback = CURRENT.with(|c| c.borrow().clone());
    if let Some(cb) = callback {
        cb(stage, done);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn the_callback_hears_this_thread_only_while_installed() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let h = heard.clone();
        let cb: Callback = Arc::new(move |s, f| h.lock().unwrap().push((s, f.value())));
        report(Stage::Dose, 0.1);
        with_progress(cb, || {
            report(Stage::ReadingImages, 0.0);
            std::thread::spawn(|| report(Stage::Dose, 0.5))
                .join()
                .unwrap();
            report(Stage::Dvh, 1.5);
        });
        report(Stage::Dose, 0.9);
        assert_eq!(
            *heard.lock().unwrap(),
            vec![(Stage::ReadingImages, 0.0), (Stage::Dvh, 1.0)]
        );
    }
}

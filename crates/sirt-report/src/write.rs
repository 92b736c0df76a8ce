//! Writing report files without ever leaving a half-written output behind.

use std::path::{Path, PathBuf};
use thiserror::Error;

/// What to write in the output folder.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// (file name, content) pairs.
    pub files: Vec<(String, Vec<u8>)>,
    /// Also print `plan.html` to `plan.pdf`.
    pub pdf_from_html: Option<String>,
}

/// A failure to write the outputs; nothing of this run is left in the folder.
#[derive(Debug, Error)]
pub enum OutputError {
    /// File system error.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// PDF printing failed.
    #[error(transparent)]
    Pdf(#[from] crate::pdf::PdfError),
}

/// Writes every file to `dir` under a temporary name, prints the PDF if asked, then renames
/// all of them into place. On any error the temporary files are removed and the folder keeps
/// what it had before.
pub fn write_outputs(dir: &Path, outputs: &Outputs) -> Result<Vec<PathBuf>, OutputError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| OutputError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let tag = format!(".sirtplan-tmp-{}", std::process::id());
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (name, content) in &outputs.files {
            let final_path = dir.join(name);
            let tmp = dir.join(format!("{name}{tag}"));
            staged.push((tmp.clone(), final_path));
            std::fs::write(&tmp, content).map_err(io(&tmp))?;
        }
        if let Some(html_name) = &outputs.pdf_from_html {
            let html_tmp = dir.join(format!("{html_name}{tag}.html"));
            let content = outputs
                .files
                .iter()
                .find(|(n, _)| n == html_name)
                .map(|(_, c)| c.clone())
                .unwrap_or_default();
            std::fs::write(&html_tmp, content).map_err(io(&html_tmp))?;
            let pdf_name = Path::new(html_name).with_extension("pdf");
            let final_pdf = dir.join(&pdf_name);
            let pdf_tmp = dir.join(format!("{}{tag}", pdf_name.display()));
            staged.push((pdf_tmp.clone(), final_pdf));
            let printed = crate::pdf::print_pdf(&html_tmp, &pdf_tmp);
            let _ = std::fs::remove_file(&html_tmp);
            printed?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut written = Vec::new();
    for (tmp, final_path) in &staged {
        std::fs::rename(tmp, final_path).map_err(io(final_path))?;
        written.push(final_path.clone());
    }
    Ok(written)
}

//! Imports of the worst shapes of HTML and docx at 10 MB: each is read or refused in time.

use super::*;

/// An import must finish (or be refused) within this, whatever the file's shape.
pub const IMPORT_LIMIT_MS: f64 = 5_000.0;

/// One import shape, timed.
#[derive(Debug, Clone)]
pub struct ImportResult {
    pub name: &'static str,
    pub bytes: usize,
    pub ms: f64,
    /// "read, N characters" or "refused: the message".
    pub outcome: String,
}

/// Imports every shape through the importers the CLI and the app use.
pub(super) fn run_imports(bytes: usize, progress: &mut impl FnMut(&str)) -> Result<Vec<ImportResult>, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
    let mut out = Vec::new();
    for (name, content) in import_shapes(bytes) {
        progress(&format!("import {}: {name}…", human_bytes(content.len())));
        // HTML goes through the whole import (read the file, write the text beside it); docx
        // through its document.xml reader, the part that sees the shape.
        let html_path =
            (!name.starts_with("docx")).then(|| dir.path().join(format!("{}.html", name.replace([' ', '&', ';'], "-"))));
        if let Some(path) = &html_path {
            std::fs::write(path, &content).map_err(|e| Error::io(path, "cannot write", e))?;
        }
        let started = Instant::now();
        let result = match &html_path {
            Some(path) => crate::import::html::import(path, dir.path()).map(|summary| summary.carried.join("; ")),
            None => {
                let mut dropped = crate::import::docx::Dropped::new();
                crate::import::docx::paragraphs(Path::new("bench.docx"), content.as_bytes(), &mut dropped)
                    .map(|text| format!("read, {} characters", text.chars().count()))
            }
        };
        let elapsed = ms(started.elapsed());
        out.push(ImportResult {
            name,
            bytes: content.len(),
            ms: elapsed,
            outcome: result.unwrap_or_else(|e| format!("refused: {e}")),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// A folder of documents

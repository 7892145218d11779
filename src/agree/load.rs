//! Reading the sidecars to compare: each is validated, its annotations re-anchored into the
//! document, and refused when it was made for another text that none of them can be found in.

use std::path::{Path, PathBuf};

use crate::anchor::{AnchorReport, reanchor_all};
use crate::annotation::{AnchorStatus, Annotation};
use crate::codebook::Codebook;
use crate::document::Document;
use crate::error::{Error, ErrorKind};
use crate::sidecar;

/// One coder's sidecar, re-anchored into the document being compared.
#[derive(Debug, Clone)]
pub struct LoadedCoder {
    /// The coder's name: the sidecar's `coder`, else taken from the file name; made unique
    /// among the coders loaded together.
    pub name: String,
    pub path: PathBuf,
    /// All annotations, orphans included (marked [`AnchorStatus::Orphaned`]).
    pub annotations: Vec<Annotation>,
    pub report: AnchorReport,
    pub codebook: Codebook,
    /// The sidecar's links between its annotations.
    pub links: Vec<crate::link::Link>,
}

impl LoadedCoder {
    pub fn orphans(&self) -> impl Iterator<Item = &Annotation> {
        self.annotations.iter().filter(|a| a.status == AnchorStatus::Orphaned)
    }
}

/// The coder name a sidecar file's name implies: `speech.txt.ana.annotations.ron` → `ana`,
/// else the file name without `.annotations.ron` / `.ron`.
fn name_from_path(path: &Path, doc: &Document) -> String {
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = file.strip_suffix(".annotations.ron").or_else(|| file.strip_suffix(".ron")).unwrap_or(&file);
    let doc_name = doc.file_name();
    match stem.strip_prefix(&format!("{doc_name}.")) {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => stem.to_owned(),
    }
}

/// Loads one sidecar for `doc` and re-anchors its annotations. Refuses a missing file, and a
/// sidecar whose fingerprint names another text when re-anchoring places none of its
/// annotations there.
pub fn load_coder(doc: &Document, path: &Path) -> Result<LoadedCoder, Error> {
    let loaded = sidecar::load(path)?.ok_or_else(|| {
        Error::new(ErrorKind::Io, "does not exist").in_file(path).hint("check the path of each sidecar to compare")
    })?;
    let mut sc = loaded.sidecar;
    let report = reanchor_all(doc, &mut sc.annotations);
    if sc.document.fingerprint != doc.fingerprint() && report.anchored + report.reanchored == 0 {
        let what = if sc.annotations.is_empty() {
            "it has no annotations to check against this text".to_owned()
        } else {
            format!("none of its {} annotations can be found in this text", sc.annotations.len())
        };
        return Err(Error::new(
            ErrorKind::Sidecar,
            format!(
                "was made for another text (\"{}\", fingerprint {}…), not {}: {what}",
                crate::document::excerpt(&sc.document.file_name, crate::document::QUOTE_CHARS),
                sc.document.fingerprint.chars().take(12).collect::<String>(),
                doc.file_name()
            ),
        )
        .in_file(path)
        .hint("compare sidecars of the same document; pass the document each one was made for"));
    }
    sc.annotations.sort_by_key(Annotation::sort_key);
    let name = if sc.coder.trim().is_empty() { name_from_path(path, doc) } else { sc.coder.trim().to_owned() };
    Ok(LoadedCoder {
        name,
        path: path.to_path_buf(),
        annotations: sc.annotations,
        report,
        codebook: sc.codebook,
        links: sc.links,
    })
}

/// Loads several sidecars for `doc`. Coders with the same name are told apart by their file
/// names. Also returns one codebook for the report: the first sidecar's, with what the others
/// define and it lacks merged in ([`Codebook::merge_missing`]).
pub fn load_coders(doc: &Document, paths: &[PathBuf]) -> Result<(Vec<LoadedCoder>, Codebook), Error> {
    let coders = paths.iter().map(|p| load_coder(doc, p)).collect::<Result<Vec<_>, _>>()?;
    Ok(name_coders(coders))
}

/// Makes the names of coders loaded together unique (the file name is added to a name given
/// twice, a number to a file given twice) and merges their codebooks, first coder first.
pub fn name_coders(mut coders: Vec<LoadedCoder>) -> (Vec<LoadedCoder>, Codebook) {
    let names: Vec<String> = coders.iter().map(|c| c.name.clone()).collect();
    for (i, coder) in coders.iter_mut().enumerate() {
        if names.iter().filter(|n| **n == names[i]).count() > 1 {
            let file = coder.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            coder.name = format!("{} ({file})", coder.name);
        }
    }
    // The same file given twice: number the repeats.
    for i in 1..coders.len() {
        if coders[..i].iter().any(|c| c.name == coders[i].name) {
            coders[i].name = format!("{} #{}", coders[i].name, i + 1);
        }
    }
    let mut codebook = coders.first().map(|c| c.codebook.clone()).unwrap_or_default();
    for coder in coders.iter().skip(1) {
        codebook.merge_missing(&coder.codebook);
    }
    (coders, codebook)
}

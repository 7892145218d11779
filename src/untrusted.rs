//! Reading what other programs wrote, which may be hostile: zip archives (.qdpx projects, .docx
//! documents) through one guard, [`Archive`], with one set of limits, and XML through one
//! refusal of DOCTYPE declarations, [`doctype_refused`].
//!
//! The limits are generous for real files and small for attacks:
//! - at most [`MAX_ENTRIES`] entries (a project with many sources stays well under it);
//! - no entry name that could leave a folder (`..`, absolute paths, drive letters,
//!   backslashes, NUL);
//! - per entry, at most the cap its reader asks for, and for entries over [`RATIO_FROM`]
//!   bytes an expansion of at most [`MAX_RATIO`]-fold (text and XML expand 3 to 20-fold);
//! - at most [`MAX_TOTAL_BYTES`] read from one archive in all;
//! - an entry that expands to more than it declares is refused.
//!
//! Errors are [`ErrorKind::Format`] without a file: the caller adds it.

use std::collections::HashMap;
use std::io::{Read, Seek};

use crate::error::{Error, ErrorKind};

/// The most entries an archive may have.
pub const MAX_ENTRIES: usize = 100_000;
/// The largest expansion ratio accepted for entries over [`RATIO_FROM`] bytes.
pub const MAX_RATIO: u64 = 100;
/// Entries up to this many bytes may expand any number of times (small files compress well).
pub const RATIO_FROM: u64 = 1024 * 1024;
/// The most bytes read from one archive, all entries together.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;

fn format_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Format, message)
}

/// The error for an XML file that has a DOCTYPE declaration. Marginalia refuses them
/// everywhere: no format it reads needs one, and they can declare entities that read other
/// files or expand without limit. `what` names the file or part ("project.qde",
/// "word/document.xml").
pub fn doctype_refused(what: &str) -> Error {
    format_error(format!(
        "{what} contains a DOCTYPE declaration, which Marginalia refuses because it can declare entities that read \
         other files or expand without limit; nothing was written"
    ))
    .hint("export the file again from the program that made it, or remove the <!DOCTYPE …> part")
}

/// A zip archive with the checks above on every entry it is asked for.
pub struct Archive<R: Read + Seek> {
    zip: zip::ZipArchive<R>,
    /// Lower-cased entry name → index.
    names: HashMap<String, usize>,
    read_so_far: u64,
}

impl<R: Read + Seek> Archive<R> {
    /// Opens an archive and checks its entry count and every entry's name. `kind` says what
    /// the file should be and `hint` what to do, for the message when it is not a zip archive
    /// ("a REFI-QDA project (.qdpx is a zip archive)").
    pub fn open(reader: R, kind: &str, hint: &str) -> Result<Self, Error> {
        let mut zip =
            zip::ZipArchive::new(reader).map_err(|e| format_error(format!("is not {kind}: {e}")).hint(hint.to_owned()))?;
        if zip.len() > MAX_ENTRIES {
            return Err(format_error(format!("holds {} entries; Marginalia reads at most {MAX_ENTRIES}", zip.len()))
                .hint("the file may be malicious; nothing was written"));
        }
        let mut names = HashMap::new();
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|e| format_error(format!("has a damaged entry: {e}")))?;
            let name = entry.name().to_owned();
            let hostile = entry.enclosed_name().is_none()
                || name.starts_with('/')
                || name.contains('\\')
                || name.split('/').any(|part| part == "..")
                || name.contains(':')
                || name.contains('\0');
            if hostile {
                return Err(format_error(format!(
                    "holds the entry \"{}\", an unsafe path that points outside the archive",
                    crate::error::excerpt(&name.escape_debug().to_string(), crate::error::QUOTE_CHARS)
                ))
                .hint("the file may be malicious; nothing was written"));
            }
            names.insert(name.to_lowercase(), i);
        }
        Ok(Self { zip, names, read_so_far: 0 })
    }

    /// The index of the entry `name`, ignoring case.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.get(&name.to_lowercase()).copied()
    }

    /// Every entry name, lower-cased, with its index (in no particular order).
    pub fn names(&self) -> impl Iterator<Item = (&str, usize)> {
        self.names.iter().map(|(n, i)| (n.as_str(), *i))
    }

    /// Reads an entry, refusing more than `cap` bytes, bad ratios, too much in all and lying
    /// headers.
    pub fn read(&mut self, index: usize, cap: u64) -> Result<Vec<u8>, Error> {
        let mut entry = self.zip.by_index(index).map_err(|e| format_error(format!("has a damaged entry: {e}")))?;
        let name = entry.name().to_owned();
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        let bomb = |why: String| {
            format_error(format!("the entry \"{name}\" {why}"))
                .hint("the file may be a zip bomb (a decompression bomb); nothing was written")
        };
        let too_compressed = |size: u64| size > RATIO_FROM && size / compressed > MAX_RATIO;
        if declared > cap {
            return Err(bomb(format!("declares {declared} bytes; Marginalia reads at most {cap} from one entry")));
        }
        if too_compressed(declared) {
            return Err(bomb(format!(
                "expands {}-fold ({compressed} → {declared} bytes), more than the {MAX_RATIO}-fold allowed",
                declared / compressed
            )));
        }
        if self.read_so_far + declared > MAX_TOTAL_BYTES {
            return Err(bomb(format!("would take the archive past {} MB of content", MAX_TOTAL_BYTES / 1_000_000)));
        }
        let mut bytes = Vec::with_capacity(declared.min(16 * 1024 * 1024) as usize);
        (&mut entry)
            .take(declared + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format_error(format!("the entry \"{name}\" cannot be read: {e}")))?;
        if bytes.len() as u64 != declared {
            return Err(bomb(format!("holds {} bytes but declares {declared}", bytes.len())));
        }
        self.read_so_far += declared;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            out.start_file(*name, options).unwrap();
            out.write_all(bytes).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn ordinary_entries_are_read_by_any_case_of_their_name() {
        let bytes = zip_of(&[("Sources/Letter.txt", b"Dear Mayor"), ("project.qde", b"<Project/>")]);
        let mut archive = Archive::open(Cursor::new(bytes), "a zip archive", "").unwrap();
        let i = archive.find("sources/letter.txt").unwrap();
        assert_eq!(archive.read(i, 100).unwrap(), b"Dear Mayor");
        assert_eq!(archive.names().count(), 2);
    }

    #[test]
    fn hostile_names_and_bombs_are_refused() {
        for evil in ["../up.txt", "a/../../up.txt", "/abs.txt", "c:/win.txt", "a\\b.txt"] {
            let err = Archive::open(Cursor::new(zip_of(&[(evil, b"x")])), "a zip archive", "").err().unwrap();
            assert!(err.message.contains("points outside the archive"), "{evil}: {err}");
        }
        let zeros = vec![0u8; 8 * RATIO_FROM as usize];
        let mut archive = Archive::open(Cursor::new(zip_of(&[("zeros", &zeros)])), "a zip archive", "").unwrap();
        let err = archive.read(0, u64::MAX).unwrap_err();
        assert!(err.to_string().contains("zip bomb"), "{err}");
        // Under the cap a small, well-compressed entry is fine; over it, refused.
        let mut archive = Archive::open(Cursor::new(zip_of(&[("small", &[b'a'; 1000])])), "a zip archive", "").unwrap();
        assert!(archive.read(0, 999).is_err());
        assert_eq!(archive.read(0, 1000).unwrap().len(), 1000);
        let err = Archive::open(Cursor::new(b"not a zip".to_vec()), "a .docx (zip) file", "").err().unwrap();
        assert!(err.message.starts_with("is not a .docx (zip) file"), "{err}");
    }
}

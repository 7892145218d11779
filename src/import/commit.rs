//! Writing what an import prepared: all of its files, or none.
//!
//! An importer reads and checks everything first (every document, every sidecar it will add
//! to, every file it would replace), then hands its writes to [`all_or_nothing`]. When one of
//! them fails (a full disk, a sidecar someone else changed in the meantime), the files written
//! before it are taken back: new files are removed, sidecars that were there get their old
//! content back, folders the import made are removed when empty. The error then says so.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::session::Session;

/// The writes of one import, recorded so that they can be taken back.
#[derive(Default)]
pub(crate) struct Writes {
    /// Files that did not exist before, in the order they were written.
    created: Vec<PathBuf>,
    /// Files that existed, with the bytes they had.
    replaced: Vec<(PathBuf, Vec<u8>)>,
    /// Sidecars written, with what they looked like once written: one changed since (by the
    /// app, `add`, another import) is someone else's work now and is not taken back.
    stamps: Vec<(PathBuf, crate::io::DiskStamp)>,
    /// Folders made for the files, outermost first.
    folders: Vec<PathBuf>,
    /// Every file written, for the summary.
    pub written: Vec<PathBuf>,
}

impl Writes {
    /// Makes the folders above `path` that are missing, noting each one.
    fn folder_for(&mut self, path: &Path) -> Result<(), Error> {
        let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else { return Ok(()) };
        let missing: Vec<PathBuf> =
            parent.ancestors().take_while(|p| !p.as_os_str().is_empty() && !p.exists()).map(Path::to_path_buf).collect();
        if missing.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "cannot create the folder", e))?;
        self.folders.extend(missing.into_iter().rev());
        Ok(())
    }

    /// Writes a new file with [`crate::import::write_new`]'s rule (an existing file with the
    /// same bytes is kept, one with other bytes is refused). Returns whether it wrote.
    pub(crate) fn new_file(&mut self, path: &Path, bytes: &[u8]) -> Result<bool, Error> {
        self.folder_for(path)?;
        let existed = std::fs::symlink_metadata(path).is_ok();
        let wrote = crate::import::write_new(path, bytes)?;
        if wrote {
            if !existed {
                self.created.push(path.to_path_buf());
            }
            self.written.push(path.to_path_buf());
        }
        Ok(wrote)
    }

    /// Saves a session's sidecar, keeping what the file held before.
    pub(crate) fn sidecar(&mut self, session: &mut Session) -> Result<(), Error> {
        let path = session.sidecar_path.clone();
        self.folder_for(&path)?;
        match std::fs::read(&path) {
            Ok(before) => self.replaced.push((path.clone(), before)),
            Err(_) => self.created.push(path.clone()),
        }
        session.save()?;
        if let Some(stamp) = session.disk_stamp() {
            self.stamps.push((path.clone(), stamp.clone()));
        }
        self.written.push(path);
        Ok(())
    }

    /// Whether `path` is as this import left it (or was not written by it as a sidecar).
    fn unchanged_since_written(&self, path: &Path) -> bool {
        match self.stamps.iter().rev().find(|(p, _)| p == path) {
            Some((_, stamp)) => crate::sidecar::changed_on_disk(path, Some(stamp)).is_ok_and(|changed| !changed),
            None => true,
        }
    }

    /// Takes every write back, as well as it can. Returns whether all of it was undone.
    fn undo(self) -> bool {
        let mut undone = true;
        // Each sidecar under its lock, and only when nobody wrote it since.
        let lock = |path: &Path| crate::io::resolve(path).and_then(|p| crate::io::lock(&p));
        for (path, before) in self.replaced.iter().rev() {
            let Ok(_lock) = lock(path) else {
                undone = false;
                continue;
            };
            undone &= self.unchanged_since_written(path) && crate::io::write_atomic(path, before, false).is_ok();
        }
        for path in self.created.iter().rev() {
            let _lock = lock(path).ok();
            if !self.unchanged_since_written(path) {
                undone = false;
                continue;
            }
            undone &= std::fs::remove_file(path).is_ok() || !path.exists();
            let _ = std::fs::remove_file(crate::io::backup_path(path));
        }
        for folder in self.folders.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
        undone
    }
}

/// Runs `write`, which makes an import's writes through the [`Writes`] it is given. When it
/// fails, what it wrote is taken back and the error says whether that worked.
pub(crate) fn all_or_nothing<T>(write: impl FnOnce(&mut Writes) -> Result<T, Error>) -> Result<(T, Vec<PathBuf>), Error> {
    let mut writes = Writes::default();
    match write(&mut writes) {
        Ok(value) => Ok((value, writes.written)),
        Err(mut e) => {
            let had = writes.written.len();
            if had > 0 {
                if writes.undo() {
                    e.message
                        .push_str(&format!("; the {had} file(s) the import had written were taken back, nothing was written"));
                } else {
                    e.message.push_str("; some files the import had written could not be taken back");
                }
            }
            Err(e)
        }
    }
}

/// An error found before anything was written, saying so.
pub(crate) fn nothing_written(mut e: Error, file: &Path) -> Error {
    if e.file.is_none() {
        e = e.in_file(file);
    }
    if !e.message.contains("nothing was written") {
        e.message.push_str("; nothing was written");
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_import_takes_back_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("speech.txt");
        std::fs::write(&doc, "We demand a vote.\n").unwrap();
        let mut session = Session::open(&doc, None, "ana").unwrap();
        session.save().unwrap();
        let before = std::fs::read(&session.sidecar_path).unwrap();
        let target = dir.path().join("new/deeper");
        let err = all_or_nothing(|w| {
            w.new_file(&target.join("a.txt"), b"one")?;
            w.sidecar(&mut session)?;
            Err::<(), _>(Error::usage("the disk is full"))
        })
        .unwrap_err();
        assert!(err.message.contains("the 2 file(s) the import had written were taken back"), "{err}");
        assert!(!dir.path().join("new").exists(), "the folders it made are gone");
        assert_eq!(std::fs::read(&session.sidecar_path).unwrap(), before, "the sidecar has its old content");
    }
}

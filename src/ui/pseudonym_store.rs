//! Where the app keeps each class's pseudonyms for anonymous mode: one RON file per class,
//! `pseudonyms/<assignment id>.ron` in the app's data folder (e.g.
//! ~/.local/share/marginalia/pseudonyms/), on the teacher's computer only, never in the class
//! folder, which may be shared. The rule that gives pseudonyms is the core's
//! ([`crate::class::pseudonym`]); the files are read and written on the app's worker, each time
//! the class folder is read (opened, hand-ins collected), before anything of the folder is
//! shown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use uuid::Uuid;

use super::state::ClassInfo;
use crate::class::pseudonym::{FORMAT, PseudonymMap};
use crate::error::{Error, ErrorKind};

/// The app's side of anonymous mode: where the maps are kept, the maps of this run, and the
/// class folder whose students are being read.
#[derive(Debug, Default)]
pub struct Anonymity {
    /// The folder of the map files; `None`: kept in memory for this run only (tests).
    pub folder: Option<PathBuf>,
    /// The maps given or read in this run, by assignment id.
    pub known: BTreeMap<Uuid, PseudonymMap>,
    /// A class folder whose students and pseudonyms the worker is reading: what is read of
    /// the folder waits for them in anonymous mode.
    pub reading: Option<PathBuf>,
    /// Commands that wait for them too (an export asked for meanwhile).
    pub waiting: Vec<super::command::Command>,
}

/// The folder of the map files in the app's data folder.
pub fn default_folder() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Marginalia", "marginalia").map(|d| d.data_dir().join("pseudonyms"))
}

/// The file of one class's map.
pub fn path_in(folder: &Path, assignment: Uuid) -> PathBuf {
    folder.join(format!("{assignment}.ron"))
}

/// Reads a map file; `Ok(None)` when there is none.
pub fn load(path: &Path) -> Result<Option<PseudonymMap>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, "cannot read the pseudonyms", e)),
    };
    let map: PseudonymMap = crate::sidecar::ron_options()
        .from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Format, format!("is not a pseudonym list: {e}")).in_file(path))?;
    if map.format != FORMAT {
        return Err(Error::new(ErrorKind::Format, "is not a pseudonym list").in_file(path));
    }
    Ok(Some(map))
}

/// Writes a map file (atomically; its folder made if missing).
pub fn save(path: &Path, map: &PseudonymMap) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot make the pseudonyms folder", e))?;
    }
    crate::sidecar::write_atomic(path, crate::sidecar::to_ron_pretty(map).as_bytes(), false).map(|_| ())
}

/// The pseudonyms of a class with every one of `students` given one: the stored map (in
/// `folder`), with what `known` (this run's map) adds, written back when anything was added. A
/// stored file that cannot be read is never written over: this run's map is used, and the
/// error comes with it.
pub fn refresh(
    folder: Option<&Path>,
    assignment: Uuid,
    known: Option<&PseudonymMap>,
    students: &[String],
) -> (PseudonymMap, Option<Error>) {
    let known = known.filter(|k| k.assignment == assignment);
    let path = folder.map(|f| path_in(f, assignment));
    let (mut map, mut problem, mut changed) = match path.as_deref().map(load) {
        Some(Ok(Some(stored))) if stored.assignment == assignment => (stored, None, false),
        Some(Err(e)) => (PseudonymMap::new(assignment), Some(e), false),
        // None stored yet (or in memory only).
        _ => (PseudonymMap::new(assignment), None, path.is_some()),
    };
    if let Some(known) = known {
        changed |= map.merge(known);
    }
    changed |= map.assign(students);
    if changed
        && problem.is_none()
        && let Some(path) = &path
        && let Err(e) = save(path, &map)
    {
        problem = Some(e);
    }
    (map, problem)
}

/// Reads a class folder for the app (on the worker): its manifest, its students, the names
/// they sign with, and their pseudonyms (see [`refresh`]). `Ok(None)`: not a class folder.
pub fn read_class(root: &Path, folder: Option<&Path>, known: &BTreeMap<Uuid, PseudonymMap>) -> Result<Option<ClassInfo>, Error> {
    let Some(manifest) = crate::class::load_class(root)? else { return Ok(None) };
    let key = manifest.key.clone();
    let students = crate::class::students_in(root, key.as_deref())?;
    let names = crate::class::pseudonym::student_names(root, key.as_deref())?;
    let (pseudonyms, problem) = refresh(folder, manifest.assignment, known.get(&manifest.assignment), &students);
    let aliases = pseudonyms.aliases(&names, key.as_deref());
    Ok(Some(ClassInfo {
        root: root.to_path_buf(),
        manifest,
        students,
        aliases,
        pseudonyms,
        problem: problem.map(|e| format!("The pseudonyms could not be kept: {e}")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn students(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_class_keeps_its_pseudonyms_from_one_run_to_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let assignment = Uuid::new_v4();
        let (first, problem) = refresh(Some(dir.path()), assignment, None, &students(&["ana", "ben", "cleo"]));
        assert!(problem.is_none());
        assert!(path_in(dir.path(), assignment).is_file(), "written in the folder given");
        // The next run: the same students keep theirs; a newcomer gets the next one.
        let (second, _) = refresh(Some(dir.path()), assignment, None, &students(&["ana", "ben", "cleo", "aaron"]));
        for s in ["ana", "ben", "cleo"] {
            assert_eq!(second.get(s), first.get(s));
        }
        assert_eq!(second.get("aaron"), Some("Student D"));
        assert_eq!(load(&path_in(dir.path(), assignment)).unwrap().unwrap(), second);
        // Another class has its own map.
        let (other, _) = refresh(Some(dir.path()), Uuid::new_v4(), Some(&second), &students(&["ana"]));
        assert_eq!(other.students.len(), 1);
    }

    #[test]
    fn a_damaged_file_is_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let assignment = Uuid::new_v4();
        let path = path_in(dir.path(), assignment);
        std::fs::write(&path, "not ron at all").unwrap();
        let mut known = PseudonymMap::new(assignment);
        known.students.insert("ana".into(), "Student C".into());
        let (map, problem) = refresh(Some(dir.path()), assignment, Some(&known), &students(&["ana", "ben"]));
        assert!(problem.is_some());
        assert_eq!(map.get("ana"), Some("Student C"), "this run's map is used");
        assert!(map.get("ben").is_some());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not ron at all");
    }

    #[test]
    fn in_memory_the_map_of_this_run_is_kept() {
        let assignment = Uuid::new_v4();
        let (first, _) = refresh(None, assignment, None, &students(&["ana", "ben"]));
        let (second, _) = refresh(None, assignment, Some(&first), &students(&["ana", "ben", "cleo"]));
        assert_eq!(second.get("ana"), first.get("ana"));
        assert_eq!(second.get("ben"), first.get("ben"));
        assert_eq!(second.get("cleo"), Some("Student C"));
    }
}

//! Pseudonyms for anonymous mode: one map per class (per assignment id), student → "Student
//! A", "Student B", …, given in a random order (never the order of the names, which a class
//! list would undo) and kept: a student keeps their pseudonym when hand-ins come in later and
//! from one session to the next, a new student gets the first pseudonym nobody has, and a
//! pseudonym once given is never given to someone else.
//!
//! This module is the rule only: the app keeps the map on the teacher's computer (never in the
//! class folder, which may be shared) and reads and writes it on its worker.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Error;

/// The `format` of a stored pseudonym map.
pub const FORMAT: &str = "marginalia-pseudonyms";
const VERSION: u32 = 1;

/// The pseudonyms of one class's students.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PseudonymMap {
    pub format: String,
    pub version: u32,
    /// The class's assignment id (`class.ron`'s `assignment`).
    pub assignment: Uuid,
    /// Student (the part of their sidecars' file names the grades name them by) → pseudonym.
    /// Never shrinks: a student no longer in the folder keeps theirs.
    pub students: BTreeMap<String, String>,
}

/// The `i`-th pseudonym (from 0): "Student A", … "Student Z", "Student AA", "Student AB", …
pub fn label(i: usize) -> String {
    let mut letters = String::new();
    let mut n = i + 1;
    while n > 0 {
        n -= 1;
        letters.insert(0, (b'A' + (n % 26) as u8) as char);
        n /= 26;
    }
    format!("Student {letters}")
}

impl PseudonymMap {
    /// A class with no pseudonym given yet.
    pub fn new(assignment: Uuid) -> Self {
        Self { format: FORMAT.to_owned(), version: VERSION, assignment, students: BTreeMap::new() }
    }

    /// A student's pseudonym, once given.
    pub fn get(&self, student: &str) -> Option<&str> {
        self.students.get(student).map(String::as_str)
    }

    /// Gives each of `students` without a pseudonym the first one nobody has, the new students
    /// taken in a random order. True when one was given.
    pub fn assign(&mut self, students: &[String]) -> bool {
        self.assign_with(students, &mut || Uuid::new_v4().as_u128())
    }

    /// [`Self::assign`], the order of the new students drawn from `random`.
    pub fn assign_with(&mut self, students: &[String], random: &mut dyn FnMut() -> u128) -> bool {
        let new: BTreeSet<&String> = students.iter().filter(|s| !self.students.contains_key(*s)).collect();
        let mut new: Vec<(u128, &String)> = new.into_iter().map(|s| (random(), s)).collect();
        new.sort();
        let mut used: BTreeSet<String> = self.students.values().cloned().collect();
        let mut next = 0;
        for (_, student) in &new {
            let pseudonym = loop {
                let l = label(next);
                next += 1;
                if !used.contains(&l) {
                    break l;
                }
            };
            used.insert(pseudonym.clone());
            self.students.insert((*student).clone(), pseudonym);
        }
        !new.is_empty()
    }

    /// Takes in what `other` (the same class's map, e.g. the one in memory) gives students this
    /// map lacks, when their pseudonym is free here. True when something was taken.
    pub fn merge(&mut self, other: &PseudonymMap) -> bool {
        let mut used: BTreeSet<String> = self.students.values().cloned().collect();
        let mut taken = false;
        for (student, pseudonym) in &other.students {
            if !self.students.contains_key(student) && used.insert(pseudonym.clone()) {
                self.students.insert(student.clone(), pseudonym.clone());
                taken = true;
            }
        }
        taken
    }

    /// Every name a student goes by → their pseudonym: their own (the file-name part) first,
    /// then the other names in `names` (student → names: the ones their sidecars are signed
    /// with). A name that is a student's own is never another student's; `keep` (the answer
    /// key) is never renamed.
    pub fn aliases(&self, names: &BTreeMap<String, BTreeSet<String>>, keep: Option<&str>) -> BTreeMap<String, String> {
        let mut aliases: BTreeMap<String, String> = self.students.clone();
        for (student, names) in names {
            let Some(pseudonym) = self.students.get(student) else { continue };
            for name in names {
                let name = name.trim();
                if name.is_empty() || Some(name) == keep {
                    continue;
                }
                aliases.entry(name.to_owned()).or_insert_with(|| pseudonym.clone());
            }
        }
        if let Some(keep) = keep {
            aliases.remove(keep);
        }
        aliases
    }
}

/// The names each student of a class folder goes by: per student (the part of their sidecars'
/// file names, as [`super::students_in`] lists them), the coder named in each of their
/// sidecars and in its annotations and links. The key's sidecars are not read.
pub fn student_names(folder: &Path, key: Option<&str>) -> Result<BTreeMap<String, BTreeSet<String>>, Error> {
    let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for doc in super::texts_in(folder)? {
        let Some(doc_name) = doc.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        for path in crate::sidecar::find_sidecars(&doc) {
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let Some(student) = file
                .strip_prefix(&doc_name)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|r| r.strip_suffix(".annotations.ron"))
                .filter(|s| !s.is_empty() && Some(*s) != key)
            else {
                continue;
            };
            let entry = names.entry(student.to_owned()).or_default();
            // A sidecar that does not load is left to its file name.
            if let Ok(Some(sidecar)) = crate::sidecar::read(&path) {
                entry.insert(sidecar.coder.clone());
                entry.extend(sidecar.annotations.iter().map(|a| a.coder.clone()));
                entry.extend(sidecar.links.iter().map(|l| l.coder.clone()));
            }
        }
    }
    Ok(names)
}

/// The words of a name that stand for the person on their own: the whole name, and each
/// part of it (split at spaces, `-` and `_`) of two letters or more, longest first.
fn name_variants<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut variants: BTreeSet<String> = BTreeSet::new();
    for name in names {
        let name = name.trim();
        if name.chars().count() >= 2 {
            variants.insert(name.to_owned());
        }
        for part in name.split(|c: char| c.is_whitespace() || c == '-' || c == '_') {
            if part.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
                variants.insert(part.to_owned());
            }
        }
    }
    let mut variants: Vec<String> = variants.into_iter().collect();
    variants.sort_by_key(|v| std::cmp::Reverse(v.chars().count()));
    variants
}

/// `text` (a comment on `student`) with `student`'s own names replaced by their pseudonym:
/// every name in `aliases` that stands for the same pseudonym as `student`, whole and each part
/// of it (a first name…), as whole words in any case. Nothing else is touched: another
/// student's name is never turned into a pseudonym here. Without a pseudonym for `student`, the
/// text is returned as it is.
pub fn anonymize_comment(text: &str, student: &str, aliases: &BTreeMap<String, String>) -> String {
    let Some(pseudonym) = aliases.get(student) else { return text.to_owned() };
    let own = aliases.iter().filter(|(_, p)| *p == pseudonym).map(|(n, _)| n.as_str());
    let variants = name_variants(std::iter::once(student).chain(own));
    if variants.is_empty() {
        return text.to_owned();
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let alternatives: Vec<String> = variants
        .iter()
        .map(|v| {
            let start = if v.starts_with(word) { r"\b" } else { "" };
            let end = if v.ends_with(word) { r"\b" } else { "" };
            format!("{start}{}{end}", regex::escape(v))
        })
        .collect();
    // One pass, longest first: "Ana Lima" goes whole, and a replacement is never matched again.
    match regex::Regex::new(&format!("(?i)(?:{})", alternatives.join("|"))) {
        Ok(re) => re.replace_all(text, regex::NoExpand(pseudonym)).into_owned(),
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A fixed sequence standing in for random numbers.
    fn sequence(values: &[u128]) -> impl FnMut() -> u128 + '_ {
        let mut i = 0;
        move || {
            i += 1;
            values[(i - 1) % values.len()]
        }
    }

    #[test]
    fn labels_go_on_past_z() {
        assert_eq!(label(0), "Student A");
        assert_eq!(label(25), "Student Z");
        assert_eq!(label(26), "Student AA");
        assert_eq!(label(27), "Student AB");
    }

    #[test]
    fn pseudonyms_follow_the_draw_not_the_names() {
        let mut map = PseudonymMap::new(Uuid::nil());
        // The students come in sorted (anouk, bertil, carmen); the draw puts carmen first.
        assert!(map.assign_with(&names(&["bertil", "anouk", "carmen"]), &mut sequence(&[20, 30, 10])));
        assert_eq!(map.get("carmen"), Some("Student A"));
        assert_eq!(map.get("anouk"), Some("Student B"));
        assert_eq!(map.get("bertil"), Some("Student C"));
    }

    #[test]
    fn a_pseudonym_is_kept_and_a_new_student_gets_the_first_free_one() {
        let mut map = PseudonymMap::new(Uuid::nil());
        map.assign(&names(&["ana", "ben", "cleo"]));
        let before = map.clone();
        // Nothing new: nothing changes, whatever the draw.
        assert!(!map.assign(&names(&["cleo", "ana", "ben"])));
        assert_eq!(map, before);
        // A student who comes later (named before the others) gets the next one; a student no
        // longer in the folder keeps theirs.
        assert!(map.assign(&names(&["aaron", "ben", "cleo"])));
        assert_eq!(map.get("aaron"), Some("Student D"));
        for s in ["ana", "ben", "cleo"] {
            assert_eq!(map.get(s), before.get(s));
        }
        // A pseudonym freed by hand is given again first.
        map.students.remove("ben");
        map.assign(&names(&["zed"]));
        assert_eq!(map.get("zed"), before.get("ben"));
    }

    #[test]
    fn random_draws_give_different_orders() {
        let students: Vec<String> = (0..8).map(|i| format!("s{i}")).collect();
        let orders: BTreeSet<Vec<String>> = (0..20)
            .map(|_| {
                let mut map = PseudonymMap::new(Uuid::nil());
                map.assign(&students);
                students.iter().map(|s| map.students[s].clone()).collect()
            })
            .collect();
        assert!(orders.len() > 1, "twenty draws of eight students all gave one order");
    }

    #[test]
    fn merging_keeps_what_is_there() {
        let mut disk = PseudonymMap::new(Uuid::nil());
        disk.students.insert("ana".into(), "Student B".into());
        let mut memory = PseudonymMap::new(Uuid::nil());
        memory.students.insert("ana".into(), "Student A".into());
        memory.students.insert("ben".into(), "Student C".into());
        memory.students.insert("cleo".into(), "Student B".into());
        assert!(disk.merge(&memory));
        assert_eq!(disk.get("ana"), Some("Student B"), "the stored one wins");
        assert_eq!(disk.get("ben"), Some("Student C"));
        assert_eq!(disk.get("cleo"), None, "Student B is ana's");
    }

    #[test]
    fn aliases_cover_every_name_a_student_signs_with_but_never_the_key() {
        let mut map = PseudonymMap::new(Uuid::nil());
        map.students.insert("Ana Lima".into(), "Student B".into());
        map.students.insert("ben".into(), "Student A".into());
        let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        names.entry("Ana Lima".into()).or_default().extend(["Ana Lima".to_owned(), "Ana".to_owned(), "teacher".to_owned()]);
        names.entry("ben".into()).or_default().extend(["Ben O'Neil".to_owned(), "Ana Lima".to_owned()]);
        let aliases = map.aliases(&names, Some("teacher"));
        assert_eq!(aliases["Ana Lima"], "Student B");
        assert_eq!(aliases["Ana"], "Student B");
        assert_eq!(aliases["ben"], "Student A");
        assert_eq!(aliases["Ben O'Neil"], "Student A");
        assert!(!aliases.contains_key("teacher"));
    }

    #[test]
    fn a_comment_loses_its_students_own_names_only() {
        let mut aliases = BTreeMap::new();
        aliases.insert("Ben O'Neil".to_owned(), "Student B".to_owned());
        aliases.insert("ben".to_owned(), "Student B".to_owned());
        aliases.insert("Ana Lima".to_owned(), "Student A".to_owned());
        aliases.insert("Dora".to_owned(), "Student D".to_owned());
        // Ben's comment: his first name becomes his pseudonym.
        assert_eq!(anonymize_comment("good start, Ben.", "Ben O'Neil", &aliases), "good start, Student B.");
        assert_eq!(anonymize_comment("good start, Ben.", "ben", &aliases), "good start, Student B.");
        // Another student's comment is left alone: never another student's pseudonym.
        assert_eq!(anonymize_comment("good start, Ben.", "Ana Lima", &aliases), "good start, Ben.");
        assert_eq!(anonymize_comment("good start, Ben.", "Dora", &aliases), "good start, Ben.");
        // The whole name, its parts, any case, whole words only.
        assert_eq!(
            anonymize_comment("Ana Lima: see LIMA's note; Anatole and banana stay. ana!", "Ana Lima", &aliases),
            "Student A: see Student A's note; Anatole and banana stay. Student A!"
        );
        assert_eq!(anonymize_comment("Thanks, o'neil.", "ben", &aliases), "Thanks, Student B.");
        // No pseudonym: nothing to do.
        assert_eq!(anonymize_comment("Well done, Zed.", "Zed", &aliases), "Well done, Zed.");
    }

    #[test]
    fn a_map_reads_back_as_written() {
        let mut map = PseudonymMap::new(Uuid::new_v4());
        map.assign(&names(&["ana", "ben"]));
        let text = crate::sidecar::to_ron_pretty(&map);
        let back: PseudonymMap = crate::sidecar::ron_options().from_str(&text).unwrap();
        assert_eq!(back, map);
        assert!(text.contains(FORMAT));
    }
}

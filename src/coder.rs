//! A coder is a person: a stable id, made once and kept in their settings, and a display name.
//!
//! The name is data. It is shown, written into each annotation and into the sidecar's header,
//! and a readable form of it becomes part of the sidecar's file name, but it never decides on
//! its own whose work a file holds: a sidecar belongs to the person whose id its header carries.
//! Two people with one name get two files; a rename relabels a person's files (their headers)
//! and moves nothing; a name with a dot or a slash is mapped to a file-name part, never refused
//! later.
//!
//! Files written before ids (and by the command line, which has no settings) carry only a
//! name: such a file belongs to whoever has that name, and the first time that person saves
//! it their id is written into it.

use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::error::Error;
use crate::sidecar::{self, Sidecar};

/// The longest display name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// The longest file-name part made from a name, in characters.
const MAX_KEY_CHARS: usize = 48;

/// A person who codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Coder {
    pub id: Uuid,
    pub name: String,
}

impl Coder {
    /// A new person with a fresh id.
    pub fn new(name: &str) -> Self {
        Self { id: Uuid::new_v4(), name: name.trim().to_owned() }
    }

    /// The first eight hex digits of the id, to tell apart two people with one name.
    pub fn short_id(&self) -> String {
        short_id(self.id)
    }
}

/// The first eight hex digits of an id.
pub fn short_id(id: Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

/// Characters that would hide or reorder what a name shows: bidi controls, zero-width and
/// other invisible format characters (Unicode category Cf).
pub fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Checks a name typed by a person and returns it as kept (trimmed, inner runs of white
/// space made one space). Refused: an empty name, one longer than [`MAX_NAME_CHARS`], and
/// control or invisible format characters. Everything else is accepted, dots and slashes
/// included: the file name is made by [`file_key`].
pub fn check_name(name: &str) -> Result<String, Error> {
    let kept = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if kept.is_empty() {
        return Err(Error::usage("a coder's name cannot be empty").hint("type the name others know you by"));
    }
    if kept.chars().count() > MAX_NAME_CHARS {
        return Err(Error::usage(format!("a coder's name can have at most {MAX_NAME_CHARS} characters"))
            .hint("use a shorter form of the name"));
    }
    if let Some(c) = kept.chars().find(|&c| c.is_control() || is_format_char(c)) {
        return Err(Error::usage(format!("a coder's name cannot hold the invisible character U+{:04X}", c as u32))
            .hint("type the name again without pasting it"));
    }
    Ok(kept)
}

/// What a name looks like, for telling whether two names could be taken for each other:
/// format characters (zero-width spaces, direction marks) and controls left out, compatibility
/// forms made plain (NFKC: full-width `ａ` is `a`), case folded, white space made single
/// spaces, and each letter replaced by the one it is confusable with (Unicode's confusables:
/// Cyrillic `а` is Latin `a`). Two different names with one `lookalike` are lookalikes.
pub fn lookalike(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let visible: String = name.chars().filter(|&c| !c.is_control() && !is_format_char(c)).collect();
    let folded: String = visible.nfkc().flat_map(char::to_lowercase).collect::<String>().nfkc().collect();
    let words = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    unicode_security::skeleton(&words).flat_map(char::to_lowercase).collect()
}

/// The part of a sidecar's file name that stands for a name: letters, digits, spaces, `-`,
/// `_` and `'` are kept; every other character (dots, slashes, colons, controls…) becomes
/// `-`; white space is made single spaces; leading and trailing spaces, dots and dashes go;
/// at most 48 characters. `"ana.lima"` → `"ana-lima"`, `"Ana Lima"` → `"Ana Lima"`. Never
/// empty.
pub fn file_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.chars() {
        let c = if c.is_alphanumeric() || matches!(c, '-' | '_' | '\'') {
            c
        } else if c.is_whitespace() {
            ' '
        } else {
            '-'
        };
        // One space or dash at a time.
        if (c == ' ' || c == '-') && key.ends_with(c) {
            continue;
        }
        key.push(c);
    }
    let key: String = key.trim_matches(|c: char| c == ' ' || c == '-' || c == '.').chars().take(MAX_KEY_CHARS).collect();
    let key = key.trim_end_matches([' ', '-']).to_owned();
    if key.is_empty() { "coder".to_owned() } else { key }
}

/// Who a sidecar on disk belongs to: the name and (when written with ids) the id in its
/// header. Reads only the header when the file has the layout Marginalia writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub name: String,
    pub id: Option<Uuid>,
}

impl Owner {
    /// Is this file `coder`'s? By id when it has one, else by name.
    pub fn is(&self, coder: &Coder) -> bool {
        match self.id {
            Some(id) => id == coder.id,
            None => self.name.trim() == coder.name.trim(),
        }
    }
}

/// The owner named in a sidecar's header. `Ok(None)` when there is no file; an error when
/// the file cannot be read as a sidecar.
pub fn owner_of(path: &Path) -> Result<Option<Owner>, Error> {
    use std::io::Read;
    // Only a regular file is opened here: a named pipe would block the read; the full read
    // refuses anything else with a message.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return sidecar::read(path).map(|s| s.map(|s| Owner { name: s.coder, id: s.coder_id }));
    }
    let Ok(file) = std::fs::File::open(path) else {
        return sidecar::read(path).map(|s| s.map(|s| Owner { name: s.coder, id: s.coder_id }));
    };
    let mut head = Vec::new();
    // The header comes before the codebook, in the first few hundred bytes.
    let _ = file.take(16 * 1024).read_to_end(&mut head);
    if let Some(owner) = std::str::from_utf8(&head).ok().and_then(peek_owner) {
        return Ok(Some(owner));
    }
    // Not the usual layout (edited by hand, truncated): read it whole.
    sidecar::read(path).map(|s| s.map(|s| Owner { name: s.coder, id: s.coder_id }))
}

/// The `coder` and `coder_id` lines of a header as Marginalia writes it.
fn peek_owner(head: &str) -> Option<Owner> {
    if !head.starts_with('(') {
        return None;
    }
    let mut name = None;
    let mut id = None;
    for line in head.lines() {
        if let Some(value) = line.strip_prefix("    coder: ") {
            name = Some(crate::io::ron_options().from_str::<String>(value.strip_suffix(',')?).ok()?);
        } else if let Some(value) = line.strip_prefix("    coder_id: ") {
            let value = value.strip_suffix(',')?.strip_prefix("Some(")?.strip_suffix(')')?;
            id = Some(crate::io::ron_options().from_str::<Uuid>(value).ok()?);
        } else if line.starts_with("    codebook: ") {
            return name.map(|name| Owner { name, id });
        }
    }
    None
}

/// Which sidecar of `document` is `coder`'s, and whether it exists yet:
/// 1. the one whose header carries their id (any file name);
/// 2. else one made before ids whose header has their name (they claim it: their id is
///    written in when they next save);
/// 3. else a new file, `<doc>.<key>.annotations.ron` with [`file_key`] of their name, or
///    `<doc>.<key>-<short id>.annotations.ron` when another person's file has that key.
///
/// A sidecar whose header cannot be read is left to its file name: if it has the coder's key
/// it is theirs (opening it then shows what is wrong; it is never passed over silently).
pub fn sidecar_for(document: &Path, coder: &Coder) -> PathBuf {
    let key = file_key(&coder.name);
    let own_key_path = sidecar::coder_path(document, &key);
    let mut by_name = None;
    let mut keys_taken = Vec::new();
    for path in sidecar::find_sidecars(document) {
        if let Some(k) = key_of(document, &path) {
            keys_taken.push(k.to_lowercase());
        }
        match owner_of(&path) {
            Ok(Some(owner)) if owner.id == Some(coder.id) => return path,
            Ok(Some(owner)) if owner.id.is_none() && owner.is(coder) => {
                // Prefer the file with the person's own key among several with their name.
                if by_name.is_none() || path == own_key_path {
                    by_name = Some(path);
                }
            }
            Ok(_) => {}
            Err(_) if path == own_key_path => return path,
            Err(_) => {}
        }
    }
    if let Some(path) = by_name {
        return path;
    }
    if keys_taken.contains(&key.to_lowercase()) {
        return sidecar::coder_path(document, &format!("{key}-{}", coder.short_id()));
    }
    own_key_path
}

/// The part of a sidecar's file name that stands for the person `name`, beside the document
/// named `doc_file_name`: for `n` = 1, [`crate::coder::file_key`] of the name; for 2, 3, …,
/// that with a short id made from the name (and `n`), to tell apart people whose names make
/// the same part. Cut so that the file name stays within the 255 bytes file systems allow.
pub fn file_part(doc_file_name: &str, name: &str, n: usize) -> String {
    let room = 255usize.saturating_sub(doc_file_name.len() + 1 + ".annotations.ron".len());
    let short = short_id(Uuid::new_v5(&Uuid::NAMESPACE_OID, name.trim().as_bytes()));
    let suffix = match n {
        0 | 1 => String::new(),
        2 => format!("-{short}"),
        _ => format!("-{short}-{n}"),
    };
    let mut key = String::new();
    for c in file_key(name).chars() {
        if key.len() + c.len_utf8() + suffix.len() > room {
            break;
        }
        key.push(c);
    }
    let key = key.trim_end_matches([' ', '-']);
    format!("{}{suffix}", if key.is_empty() { "c" } else { key })
}

/// Which sidecar of `document` the command line writes for a person it knows by name only
/// (`--coder NAME`, else the login name): one whose header has that name; else the unnamed
/// `<doc>.annotations.ron` while no file exists there (a folder with one coder stays as it
/// always was); else a file of their own, named as [`sidecar_for`] names it. Never another
/// person's file.
pub fn sidecar_for_name(document: &Path, name: &str) -> PathBuf {
    let name = name.trim();
    let mut any_with_name = None;
    for path in sidecar::find_sidecars(document) {
        match owner_of(&path) {
            Ok(Some(owner)) if owner.name.trim() == name => {
                if owner.id.is_none() {
                    return path;
                }
                any_with_name.get_or_insert(path);
            }
            // A file that cannot be read is not passed over: the unnamed one (whoever's it is)
            // or one with their file name is used, and opening it says what is wrong.
            Err(_) if key_of(document, &path).is_some_and(|k| k.is_empty() || k == file_key(name)) => return path,
            _ => {}
        }
    }
    if let Some(path) = any_with_name {
        return path;
    }
    let default = sidecar::default_path(document);
    if std::fs::symlink_metadata(&default).is_err() {
        return default;
    }
    // A stand-in id, the same for the same name, only to tell the file apart.
    let person = Coder { id: Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes()), name: name.to_owned() };
    sidecar_for(document, &person)
}

/// The coder part of a sidecar's file name (`speech.txt.ana.annotations.ron` → `ana`); `""`
/// for the unnamed `speech.txt.annotations.ron`; `None` for a file of another document.
pub fn key_of(document: &Path, sidecar_path: &Path) -> Option<String> {
    let doc = document.file_name()?.to_string_lossy().into_owned();
    let file = sidecar_path.file_name()?.to_string_lossy().into_owned();
    let rest = file.strip_prefix(&doc)?.strip_suffix(".annotations.ron")?;
    if rest.is_empty() {
        return Some(String::new());
    }
    rest.strip_prefix('.').map(str::to_owned)
}

/// What [`rename`] did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relabelled {
    pub path: PathBuf,
    /// Annotations and links whose coder name was changed.
    pub marks: usize,
}

/// Relabels a person's work in `folder` (and the folders below it, one level, as an
/// assignment's folder has none deeper): in every sidecar whose header has `coder`'s id the
/// header's name and the coder of each annotation and link that carried
/// the old name become `new_name`, and the id is written in. Each file is rewritten under its
/// lock, atomically, with its backup kept; file names do not change (the id, not the name,
/// says whose a file is). Renaming back with the old name undoes it. Stops at the first file
/// that cannot be rewritten, naming it; files rewritten before stay relabelled and a second
/// call finishes the rest.
pub fn rename(folder: &Path, coder: &Coder, new_name: &str) -> Result<Vec<Relabelled>, Error> {
    let new_name = check_name(new_name)?;
    let mut done = Vec::new();
    for path in sidecars_in(folder) {
        let Ok(Some(owner)) = owner_of(&path) else { continue };
        // By id only: a file from before ids that merely has the same name may be someone
        // else's (a shared login name), and is never relabelled by a coincidence of names.
        if owner.id != Some(coder.id) {
            continue;
        }
        let _lock = crate::io::lock(&crate::io::resolve(&path)?)?;
        let Some(loaded) = sidecar::load(&path)? else { continue };
        let mut sc: Sidecar = loaded.sidecar;
        let old = sc.coder.clone();
        let mut marks = 0;
        for a in &mut sc.annotations {
            if a.coder == old || a.coder == coder.name {
                a.coder.clone_from(&new_name);
                marks += 1;
            }
        }
        for l in &mut sc.links {
            if l.coder == old || l.coder == coder.name {
                l.coder.clone_from(&new_name);
                marks += 1;
            }
        }
        sc.coder.clone_from(&new_name);
        sc.coder_id = Some(coder.id);
        sidecar::save(&path, &sc, Some(&loaded.stamp))?;
        done.push(Relabelled { path, marks });
    }
    Ok(done)
}

/// Every `*.annotations.ron` in `folder` and in its direct subfolders.
fn sidecars_in(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![(folder.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && depth == 0 {
                dirs.push((path, depth + 1));
            } else if kind.is_file() && path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".annotations.ron")) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookalike_names_have_one_lookalike() {
        let ana = lookalike("Ana Lima");
        for other in ["ana lima", "ANA  LIMA", "An\u{200B}a Lima", "\u{0410}na Lima", "Ａｎａ Ｌｉｍａ", "Ana\u{202E} Lima"]
        {
            assert_eq!(lookalike(other), ana, "{other:?}");
        }
        for other in ["Ana Lim", "Ana Lina", "Anna Lima"] {
            assert_ne!(lookalike(other), ana, "{other:?}");
        }
    }

    #[test]
    fn names_become_file_name_parts_that_any_system_holds() {
        assert_eq!(file_key("Ana Lima"), "Ana Lima");
        assert_eq!(file_key("ana.lima"), "ana-lima");
        assert_eq!(file_key("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_key("Ben O'Neil"), "Ben O'Neil");
        assert_eq!(file_key("a/b\\c:d*e?f\"g<h>i|j"), "a-b-c-d-e-f-g-h-i-j");
        assert_eq!(file_key("..."), "coder");
        assert_eq!(file_key("zoë  wu"), "zoë wu");
        assert!(file_key(&"x".repeat(500)).chars().count() <= MAX_KEY_CHARS);
    }

    #[test]
    fn names_are_checked_when_typed_not_later() {
        assert_eq!(check_name("  Cleo   Park ").unwrap(), "Cleo Park");
        assert_eq!(check_name("ana.lima").unwrap(), "ana.lima");
        assert!(check_name("   ").is_err());
        assert!(check_name("ana\u{202E}lima").is_err());
        assert!(check_name("ana\u{200B}").is_err());
        assert!(check_name(&"a".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn the_owner_is_read_from_the_header() {
        let head = "(\n    format: \"marginalia-annotations\",\n    version: 2,\n    document: (\n        file_name: \"a.txt\",\n    ),\n    coder: \"Ana \\\"L\\\"\",\n    coder_id: Some(\"67e55044-10b1-426f-9247-bb680e5fe0c8\"),\n    done: false,\n    codebook: (\n";
        let owner = peek_owner(head).unwrap();
        assert_eq!(owner.name, "Ana \"L\"");
        assert_eq!(owner.id, Some(Uuid::parse_str("67e55044-10b1-426f-9247-bb680e5fe0c8").unwrap()));
        let legacy = "(\n    coder: \"ana\",\n    done: false,\n    codebook: (\n";
        assert_eq!(peek_owner(legacy).unwrap(), Owner { name: "ana".into(), id: None });
    }
}

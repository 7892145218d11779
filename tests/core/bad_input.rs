//! Bad input never crashes and never changes a file: every case below gives one clear line
//! naming the file (and line:column where there is one) with a hint, exits with 2 from the
//! command line, and leaves every byte and modification time in the folder as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::common::Out;
use marginalia::sidecar;
use marginalia::{ErrorKind, Session};

const SPEECH: &str = "My friends — and I see Zoë Ibáñez in the front row 👋🏽 —\r\n\
Our rents rose by “forty percent” in three years.\r\n\
The council must freeze rents now. Vote on the 14th! 👨‍👩‍👧‍👦 🇮🇸\r\n";

const OTHER: &str = "Harbour bridge reopens three weeks late — and €2 million over budget.\n\
Councillor Pádraig Holm called it “a scandal”.\n";

fn run(dir: &Path, args: &[&str]) -> Out {
    crate::common::run_in(dir, args, Some("tester"))
}

/// Every file in `dir` (one level, and one level into sub-folders) with its bytes and mtime.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), (std::fs::read(&path).unwrap(), meta.modified().unwrap()));
            }
        }
    }
    files
}

/// A folder with `speech.txt` and a sidecar made by the real `add` command.
fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("speech.txt"), SPEECH).unwrap();
    for (quote, code, note) in [
        ("Our rents rose by “forty percent” in three years.", "factual-assertion", "Checkable."),
        ("The council must freeze rents now.", "demand", ""),
        ("Vote on the 14th! 👨‍👩‍👧‍👦", "call-to-action", "Family emoji included."),
    ] {
        let out = run(dir.path(), &["add", "speech.txt", "--quote", quote, "--code", code, "--note", note]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    std::fs::remove_file(dir.path().join("speech.txt.annotations.ron.bak")).unwrap();
    let sidecar = dir.path().join("speech.txt.annotations.ron");
    (dir, sidecar)
}

/// Runs each command line; each must exit 2 with one `error:` line naming `file` (with
/// `place` right after it when given), containing `what`, with a hint in parentheses
/// containing `hint`; and nothing in the folder may change.
fn refused(dir: &Path, commands: &[&[&str]], file: &str, place: Option<(usize, usize)>, what: &str, hint: &str) {
    for args in commands {
        let before = snapshot(dir);
        let out = run(dir, args);
        assert_eq!(out.code, 2, "{args:?} should fail with 2; stdout {} stderr {}", out.stdout, out.stderr);
        let line = out.stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "{args:?}: one line expected: {line}");
        let head = match place {
            Some((l, c)) => format!("error: {file}:{l}:{c}: "),
            None => format!("error: {file}: "),
        };
        assert!(line.starts_with(&head), "{args:?}: expected {head:?} at the start of {line:?}");
        assert!(line.contains(what), "{args:?}: {line:?} does not say {what:?}");
        // The hint follows the message in parentheses.
        let after = &line[line.find(what).unwrap() + what.len()..];
        let hint_part = &after[after.find(" (").unwrap_or_else(|| panic!("{args:?}: no hint in {line:?}"))..];
        assert!(hint_part.ends_with(')') && hint_part.contains(hint), "{args:?}: hint {hint:?} missing in {line:?}");
        assert!(!out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"), "{}", out.stderr);
        assert_eq!(snapshot(dir), before, "{args:?} changed a file");
    }
}

fn all_commands(doc: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["check", doc],
        vec!["list", doc],
        vec!["list", doc, "--format", "json"],
        vec!["add", doc, "--range", "0..2", "--code", "demand"],
    ]
}

fn refused_everywhere(dir: &Path, doc: &str, file: &str, place: Option<(usize, usize)>, what: &str, hint: &str) {
    let commands = all_commands(doc);
    let commands: Vec<&[&str]> = commands.iter().map(Vec::as_slice).collect();
    refused(dir, &commands, file, place, what, hint);
}

/// The 1-based line and column where `needle` starts in `text`.
fn place_of(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let before = &text[..byte];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().unwrap().chars().count() + 1)
}

/// Where the id of the annotation holding the first line with `needle` starts: the place
/// messages about that annotation point to.
fn id_place(text: &str, needle: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle:?} not in the sidecar"));
    let id_line = lines[..at].iter().rposition(|l| l.trim_start().starts_with("id: \"")).unwrap();
    (id_line + 1, lines[id_line].find('"').unwrap() + 2)
}

// ---------------------------------------------------------------- documents

#[test]
fn a_binary_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0".to_vec();
    png.extend_from_slice(&[0x08, 0x06, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);
    std::fs::write(dir.path().join("chart.png"), &png).unwrap();
    refused_everywhere(dir.path(), "chart.png", "chart.png", None, "binary file", "plain-text");
}

#[test]
fn invalid_utf16_with_a_bom_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // "Zoë" in UTF-16 LE, then a high surrogate followed by an ordinary letter.
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("Zoë says ".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.extend([0x3D, 0xD8, b'x', 0x00]);
    std::fs::write(dir.path().join("letter.txt"), &bytes).unwrap();
    refused_everywhere(dir.path(), "letter.txt", "letter.txt", None, "not valid UTF-16", "re-save the file as UTF-8");
}

#[test]
fn a_windows_1252_file_opens_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("memo.txt"), b"Caf\xe9 owners \x93demand\x94 lower rents \x96 now.\r\n").unwrap();
    let before = snapshot(dir.path());
    let out = run(dir.path(), &["check", "memo.txt"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("memo.txt") && out.stdout.contains("Windows-1252"), "no warning: {}", out.stdout);
    assert_eq!(snapshot(dir.path()), before);
    // Positions are those of the decoded text: the curly quotes and the dash are one each.
    let out = run(dir.path(), &["add", "memo.txt", "--quote", "“demand” lower rents – now", "--code", "demand"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("12..38"), "{}", out.stdout);
    let out = run(dir.path(), &["check", "memo.txt"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("Windows-1252"), "{}", out.stdout);
}

#[test]
fn an_empty_file_opens() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    for args in [&["check", "empty.txt"][..], &["list", "empty.txt"], &["list", "empty.txt", "--format", "json"]] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
    assert_eq!(run(dir.path(), &["list", "empty.txt", "--format", "json"]).stdout.trim(), "[]");
    refused(
        dir.path(),
        &[&["add", "empty.txt", "--range", "0..1", "--code", "demand"]],
        "empty.txt",
        None,
        "past the end of the text, which has 0 characters",
        "marginalia list",
    );
    refused(
        dir.path(),
        &[&["add", "empty.txt", "--quote", "anything", "--code", "demand"]],
        "empty.txt",
        None,
        "does not contain",
        "copy the quote exactly",
    );
}

#[test]
fn a_folder_given_as_document_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("speeches")).unwrap();
    std::fs::write(dir.path().join("speeches").join("one.txt"), SPEECH).unwrap();
    refused_everywhere(dir.path(), "speeches", "speeches", None, "is a folder", "open a .txt or .md file inside it");
}

#[test]
fn a_missing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("speech.txt"), SPEECH).unwrap();
    refused_everywhere(dir.path(), "speach.txt", "speach.txt", None, "cannot read the document", "check the path");
    // A --sidecar that does not exist is a new sidecar for add, but list and check say so.
    let out = run(dir.path(), &["check", "speech.txt", "--sidecar", "nowhere.ron"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("no sidecar yet"), "{}", out.stdout);
}

// ---------------------------------------------------------------- sidecars

fn with_sidecar_text(edit: impl FnOnce(&str) -> String) -> (tempfile::TempDir, PathBuf, String) {
    let (dir, path) = setup();
    let text = edit(&std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, &text).unwrap();
    (dir, path, text)
}

const SIDECAR: &str = "speech.txt.annotations.ron";

#[test]
fn a_malformed_sidecar_names_line_and_column() {
    // A note that lost its opening quote.
    let (dir, _, text) = with_sidecar_text(|t| t.replacen("note: \"Checkable.\"", "note: Checkable.\"", 1));
    let (line, col) = place_of(&text, "Checkable.\"");
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some((line, col)), "is not valid", ".bak");
}

#[test]
fn a_truncated_sidecar_is_refused() {
    let (dir, _, _) = with_sidecar_text(|t| t[..t.len() * 2 / 3].to_owned());
    let commands = all_commands("speech.txt");
    for args in &commands {
        let before = snapshot(dir.path());
        let out = run(dir.path(), args);
        assert_eq!(out.code, 2);
        assert!(out.stderr.starts_with(&format!("error: {SIDECAR}:")), "{}", out.stderr);
        assert!(out.stderr.contains("restore the .bak copy"), "{}", out.stderr);
        assert_eq!(snapshot(dir.path()), before);
    }
}

#[test]
fn a_foreign_ron_file_is_not_taken_for_a_sidecar() {
    // A codebook put where the sidecar belongs.
    let (dir, path) = setup();
    std::fs::write(&path, marginalia::codebook::CLAIMS_RON).unwrap();
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some((1, 1)), "is not a Marginalia sidecar", "--sidecar");
    // Another program's RON file that says what it is.
    std::fs::write(
        &path,
        "(\n    format: \"timeline-events\",\n    version: 3,\n    events: [(at: 12, label: \"“Vote”\")],\n)\n",
    )
    .unwrap();
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some((2, 5)), "is a \"timeline-events\" file", "--sidecar");
    // A format name of a megabyte is quoted as a short excerpt.
    std::fs::write(&path, format!("(\n    format: \"{}\",\n    version: 1,\n)\n", "tl;dr ".repeat(200_000))).unwrap();
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some((2, 5)), "is a \"tl;dr tl;dr", "--sidecar");
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert!(out.stderr.len() < 400, "{} bytes of message", out.stderr.len());
}

#[test]
fn a_sidecar_from_a_future_version_is_left_alone() {
    let (dir, _, _) = with_sidecar_text(|t| {
        t.replacen("    version: 2,\n", "    version: 7,\n    reviewers: [(name: \"Zoë\", signed: Some(true))],\n", 1)
    });
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some((3, 5)), "version 7", "update Marginalia");
}

#[test]
fn a_sidecar_of_another_text_is_refused() {
    let (dir, path) = setup();
    // Make a sidecar for another document, then put it where speech.txt's belongs.
    std::fs::write(dir.path().join("bridge.txt"), OTHER).unwrap();
    let out = run(dir.path(), &["add", "bridge.txt", "--quote", "three weeks late", "--code", "factual-assertion"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::rename(dir.path().join("bridge.txt.annotations.ron"), &path).unwrap();
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, None, "belongs to another text (\"bridge.txt\"", "--sidecar");
}

#[test]
fn a_code_missing_from_the_codebook_is_refused() {
    // Rename the code in the codebook only: the annotation that uses "demand" has no code.
    let (dir, _, text) = with_sidecar_text(|t| t.replacen("id: \"demand\",", "id: \"requirement\",", 1));
    let place = id_place(&text, "code: \"demand\"");
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some(place), "uses the code \"demand\"", "codebook");
}

#[test]
fn a_span_out_of_range_is_refused() {
    let (dir, _, text) = with_sidecar_text(|t| {
        let at = t.find("end: ").unwrap();
        let end = at + t[at..].find(',').unwrap();
        format!("{}end: 100000{}", &t[..at], &t[end..])
    });
    let place = id_place(&text, "end: 100000,");
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some(place), "outside the text's", "correct the span");
}

#[test]
fn absurd_nesting_is_refused_without_crashing() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    // In a field Marginalia does not know (refused as unknown before its value is read) ...
    let (dir, _, _) =
        with_sidecar_text(|t| t.replacen("    version: 2,\n", &format!("    version: 2,\n    extra: {deep},\n"), 1));
    let commands = all_commands("speech.txt");
    for args in &commands {
        let before = snapshot(dir.path());
        let out = run(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.starts_with(&format!("error: {SIDECAR}:4:")), "{}", out.stderr);
        assert!(out.stderr.contains("has a field `extra`") && out.stderr.contains("left untouched"), "{}", out.stderr);
        assert!(out.stderr.len() < 600, "{}", out.stderr.len());
        assert_eq!(snapshot(dir.path()), before);
    }
    // ... and in place of a note.
    let (dir, _, _) = with_sidecar_text(|t| t.replacen("note: \"Checkable.\"", &format!("note: {deep}"), 1));
    refused_everywhere(
        dir.path(),
        "speech.txt",
        SIDECAR,
        Some(place_of(&std::fs::read_to_string(dir.path().join(SIDECAR)).unwrap(), "[[[")),
        "is not valid",
        ".bak",
    );
    // ... and as the whole file.
    std::fs::write(dir.path().join(SIDECAR), &deep).unwrap();
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.starts_with(&format!("error: {SIDECAR}:")), "{}", out.stderr);
}

#[test]
fn a_sidecar_that_is_not_utf8_is_refused() {
    let (dir, path) = setup();
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(10).position(|w| w == b"Checkable.").unwrap();
    bytes[at] = 0xC3; // a lone lead byte
    std::fs::write(&path, &bytes).unwrap();
    let text = String::from_utf8_lossy(&bytes[..at]).into_owned();
    let line = text.matches('\n').count() + 1;
    let col = text.rsplit('\n').next().unwrap().chars().count() + 1;
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some((line, col)), "is not UTF-8", ".bak");
}

// ---------------------------------------------------------------- saving

#[test]
fn a_sidecar_changed_on_disk_is_never_overwritten() {
    let (dir, path) = setup();
    let loaded = sidecar::load(&path).unwrap().unwrap();
    // Someone else (a second window, a git checkout) rewrites the file: one annotation fewer.
    let mut theirs = loaded.sidecar.clone();
    theirs.annotations.pop();
    let their_bytes = theirs.to_ron();
    std::fs::write(&path, &their_bytes).unwrap();
    let before = snapshot(dir.path());

    let mut mine = loaded.sidecar.clone();
    mine.annotations[0].note = "Mine.".into();
    let err = sidecar::save(&path, &mine, Some(&loaded.stamp)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(err.file.as_deref(), Some(path.as_path()));
    assert!(err.to_string().contains("changed on disk") && err.hint.is_some(), "{err}");
    assert_eq!(snapshot(dir.path()), before, "a conflicting save touched the folder");

    // Believing there is no file while there is one is a conflict too.
    let err = sidecar::save(&path, &mine, None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(snapshot(dir.path()), before);

    // The same through a session: open, the file changes, save refuses.
    let mut session = Session::open(&dir.path().join("speech.txt"), None, "tester").unwrap();
    let id = session.edits.annotations()[0].id;
    session.apply(marginalia::Action::SetNote { id, note: "Edited in the app.".into() }).unwrap();
    std::fs::write(&path, theirs.to_ron().replace("Checkable.", "Checked by Bruno.")).unwrap();
    let before = snapshot(dir.path());
    assert!(session.changed_on_disk().unwrap());
    let err = session.save().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(snapshot(dir.path()), before);
    assert!(session.is_dirty(), "the unsaved edit must not count as saved");
}

#[test]
fn the_backup_holds_the_previous_version_after_a_second_save() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("speech.txt"), SPEECH).unwrap();
    let path = dir.path().join(SIDECAR);
    let bak = sidecar::backup_path(&path);
    let out = run(dir.path(), &["add", "speech.txt", "--quote", "The council must freeze rents now.", "--code", "demand"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!bak.exists(), "a first save has nothing to back up");
    let first = std::fs::read(&path).unwrap();
    let out = run(dir.path(), &["add", "speech.txt", "--quote", "“forty percent”", "--code", "factual-assertion"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let second = std::fs::read(&path).unwrap();
    assert_ne!(first, second);
    assert_eq!(std::fs::read(&bak).unwrap(), first, "the .bak is not the previous version");
    let out = run(dir.path(), &["add", "speech.txt", "--quote", "Vote on the 14th!", "--code", "call-to-action"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read(&bak).unwrap(), second);
    // The backup is itself a valid sidecar.
    let restored = sidecar::load(&bak).unwrap().unwrap();
    assert_eq!(restored.sidecar.annotations.len(), 2);
}

/// Runs each command line on a broken sidecar: exit 2, one line naming the sidecar with a
/// line:column, no panic, nothing changed.
fn refused_with_a_place(dir: &Path, commands: &[Vec<&str>], file: &str, what: &str) {
    for args in commands {
        let before = snapshot(dir);
        let out = run(dir, args);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        assert_eq!(out.code, 2, "{args:?}: stdout {} stderr {}", out.stdout, out.stderr);
        let line = out.stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "{line}");
        let rest = line.strip_prefix(&format!("error: {file}:")).unwrap_or_else(|| panic!("{args:?}: {line}"));
        let (place, _) = rest.split_once(": ").unwrap();
        let (l, c) = place.split_once(':').unwrap_or_else(|| panic!("no line:column in {line}"));
        assert!(l.parse::<usize>().is_ok() && c.parse::<usize>().is_ok(), "no line:column in {line}");
        assert!(line.contains(what), "{line}");
        assert_eq!(snapshot(dir), before, "{args:?} changed a file");
    }
}

#[test]
fn a_backslash_before_a_character_outside_ascii_is_refused_in_every_string() {
    for field in ["id", "exact", "prefix", "suffix", "code", "note", "coder"] {
        for escape in ["\\é", "\\😀", "\\\u{301}"] {
            let (dir, _, _) = with_sidecar_text(|t| {
                let needle = format!("            {field}: \"");
                assert!(t.contains(&needle), "{field}");
                t.replacen(&needle, &format!("{needle}{escape}"), 1)
            });
            refused_with_a_place(dir.path(), &all_commands("speech.txt"), SIDECAR, "is not valid");
        }
    }
}

#[test]
fn a_sidecar_of_another_text_with_a_wide_fingerprint_is_refused() {
    let (dir, path) = setup();
    std::fs::write(dir.path().join("bridge.txt"), OTHER).unwrap();
    let out = run(dir.path(), &["add", "bridge.txt", "--quote", "three weeks late", "--code", "factual-assertion"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(dir.path().join("bridge.txt.annotations.ron")).unwrap();
    let at = text.find("fingerprint: \"").unwrap() + "fingerprint: \"".len();
    let end = at + text[at..].find('"').unwrap();
    // Twelve bytes into it falls inside the third emoji.
    std::fs::write(&path, format!("{}a😀😀😀😀😀{}", &text[..at], &text[end..])).unwrap();
    refused_everywhere(
        dir.path(),
        "speech.txt",
        SIDECAR,
        None,
        "belongs to another text (\"bridge.txt\", fingerprint a😀😀😀😀😀…",
        "--sidecar",
    );
}

#[test]
fn a_folder_with_one_unreadable_sidecar_exports_the_rest_and_names_it() {
    let (dir, _) = setup();
    std::fs::write(dir.path().join("bridge.txt"), OTHER).unwrap();
    std::fs::write(dir.path().join("empty.md"), "# Nothing coded here yet\n").unwrap();
    let out = run(dir.path(), &["add", "bridge.txt", "--quote", "three weeks late", "--code", "factual-assertion"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let broken = dir.path().join("bridge.txt.annotations.ron");
    let text = std::fs::read_to_string(&broken).unwrap().replacen("note: \"", "note: \"\\é", 1);
    std::fs::write(&broken, &text).unwrap();
    let place = place_of(&text, "\\é");

    // The document itself refuses, with the place.
    refused_with_a_place(dir.path(), &all_commands("bridge.txt"), "bridge.txt.annotations.ron", "is not valid");
    // The other documents of the folder work.
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // The folder exports everything readable, names what it left out, and exits 1.
    for (format, out_name) in [("csv", "all.csv"), ("jsonl", "all.jsonl"), ("html", "all.html"), ("w3c", "all.jsonld")] {
        let out = run(dir.path(), &["export", ".", "--format", format, "-o", out_name]);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert_eq!(out.code, 1, "{format}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("3 annotation(s) of 3 document(s)"), "{format}: {}", out.stdout);
        let note = out
            .stdout
            .lines()
            .find(|l| l.starts_with("note: left out, unreadable: "))
            .unwrap_or_else(|| panic!("{}", out.stdout));
        assert!(note.contains(&format!("bridge.txt.annotations.ron:{}:", place.0)), "{note}");
        assert!(out.stderr.contains("1 file(s) of . could not be read and were left out"), "{}", out.stderr);
        assert!(dir.path().join(out_name).is_file());
    }
    let csv = std::fs::read_to_string(dir.path().join("all.csv")).unwrap();
    assert!(csv.contains("The council must freeze rents now.") && !csv.contains("three weeks late"), "{csv}");
    // The broken file is untouched.
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), text);
}

#[test]
fn names_from_a_file_are_quoted_as_short_excerpts() {
    // An annotation's code of a megabyte, not in the codebook.
    let long = "démesuré-".repeat(120_000);
    let (dir, _, text) = with_sidecar_text(|t| t.replacen("code: \"demand\"", &format!("code: \"{long}\""), 1));
    let place = id_place(&text, &format!("code: \"{long}\""));
    refused_everywhere(dir.path(), "speech.txt", SIDECAR, Some(place), "uses the code \"démesuré-démesuré-", "codebook");
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert!(out.stderr.len() < 400, "a message of {} bytes", out.stderr.len());
    assert!(out.stderr.contains("…\", which its codebook does not define"), "{}", out.stderr);

    // Two codes of the codebook with the same megabyte-long name.
    let (dir, _, _) = with_sidecar_text(|t| {
        t.replacen("name: \"Demand\"", &format!("name: \"{long}\""), 1).replacen(
            "name: \"Prediction\"",
            &format!("name: \"{long}\""),
            1,
        )
    });
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("two codes are named \"démesuré-"), "{}", out.stderr);
    assert!(out.stderr.len() < 400, "a message of {} bytes", out.stderr.len());
}

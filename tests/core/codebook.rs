//! Codebook files: the shipped ones load, and every kind of mistake in a hand-edited file gets
//! a message that names the file, the place and the fix.

use std::path::Path;
use std::process::Command;

use marginalia::codebook::{self, Codebook};

const GOOD: &str = r##"(
    name: "Harbour letters",
    description: "Codes for letters to the editor about the harbour.",
    codes: [
        (
            id: "complaint",
            name: "Complaint",
            description: "The writer objects to something.",
            colour: "#D55E00",
            cue: Solid,
            key: Some('1'),
        ),
        (
            id: "praise",
            name: "Praise",
            description: "The writer approves of something.",
            colour: "#009E73",
            cue: Dashed,
            key: Some('2'),
        ),
    ],
)
"##;

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("codebook.ron");
    std::fs::write(&path, text).unwrap();
    path
}

fn load_error(text: &str) -> (marginalia::Error, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), text);
    let err = Codebook::load(&path).expect_err("the codebook should be refused");
    (err, path)
}

#[test]
fn a_good_codebook_loads() {
    let dir = tempfile::tempdir().unwrap();
    let cb = Codebook::load(&write(dir.path(), GOOD)).unwrap();
    assert_eq!(cb.codes.len(), 2);
    assert_eq!(cb.resolve("praise").unwrap().key, Some('2'));
}

#[test]
fn duplicate_keys_name_both_codes_and_the_place() {
    let (err, path) = load_error(&GOOD.replace("key: Some('2')", "key: Some('1')"));
    let shown = err.to_string();
    assert!(shown.contains("two codes use the key 1"), "{shown}");
    assert!(shown.contains("\"Complaint\"") && shown.contains("\"Praise\""), "{shown}");
    assert_eq!(err.file.as_deref(), Some(path.as_path()));
    // The second code starts on line 14 ("id: \"praise\"").
    assert_eq!(err.place.map(|p| p.line), Some(14), "{shown}");
}

#[test]
fn duplicate_names_are_refused_even_in_another_case() {
    let (err, _) = load_error(&GOOD.replace("name: \"Praise\"", "name: \"COMPLAINT\""));
    let shown = err.to_string();
    assert!(shown.contains("same name") && shown.contains("COMPLAINT"), "{shown}");
    assert!(err.hint.as_deref().unwrap_or("").contains("rename"), "{shown}");
}

#[test]
fn duplicate_ids_point_at_the_second_code() {
    let (err, _) = load_error(&GOOD.replace("id: \"praise\"", "id: \"complaint\""));
    assert!(err.message.contains("two codes have the id \"complaint\""), "{err}");
    assert_eq!(err.place.map(|p| p.line), Some(14), "{err}");
}

#[test]
fn unknown_colours_say_how_colours_are_written() {
    let (err, _) = load_error(&GOOD.replace("\"#009E73\"", "\"sea green\""));
    let shown = err.to_string();
    assert!(shown.contains("\"Praise\" has the colour \"sea green\", which is not #RRGGBB"), "{shown}");
    assert!(shown.contains("#E69F00"), "the hint shows an example: {shown}");
    assert_eq!(err.place.map(|p| p.line), Some(14));
}

#[test]
fn empty_names_are_refused() {
    let (err, _) = load_error(&GOOD.replace("name: \"Complaint\"", "name: \"  \""));
    assert!(err.message.contains("code \"complaint\" has an empty name"), "{err}");
    assert_eq!(err.place.map(|p| (p.line, p.column)), Some((6, 13)), "{err}");
}

#[test]
fn a_malformed_file_reports_line_and_column() {
    // A missing comma after the description of the second code (line 16) is noticed where the
    // next field starts.
    let broken = GOOD.replace("\"The writer approves of something.\",", "\"The writer approves of something.\"");
    let (err, path) = load_error(&broken);
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("{}:17:13:", path.display())), "{shown}");
    assert!(shown.contains("is not a valid codebook"), "{shown}");
}

#[test]
fn the_command_line_shows_the_same_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &GOOD.replace("key: Some('2')", "key: Some('1')"));
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["codebook", "import"])
        .arg(&path)
        .arg("-o")
        .arg(dir.path().join("out.ron"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{}:14:", path.display())) && stderr.contains("two codes use the key 1"), "{stderr}");
    assert!(!dir.path().join("out.ron").exists());
}

#[test]
fn shipped_codebooks_are_listed_and_exported() {
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia")).args(["codebook", "list"]).output().unwrap();
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout);
    for (short, cb) in codebook::builtin() {
        assert!(listing.contains(short) && listing.contains(&cb.name), "{listing}");
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("persuasion.ron");
    let status = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["codebook", "export", "--from", "persuasion", "-o"])
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(Codebook::load(&target).unwrap(), Codebook::builtin("persuasion").unwrap());
    // Exporting over an existing file needs --force.
    let again = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["codebook", "export", "--from", "claims", "-o"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(Codebook::load(&target).unwrap().name, "Persuasion techniques");
}

#[test]
fn an_unknown_source_lists_the_shipped_codebooks() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_marginalia")).args(["codebook", "export", "--from", "no-such-thing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("claims") && stderr.contains("persuasion"), "{stderr}");
}

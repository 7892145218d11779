//! Hostile input in class packages and gradebooks: a package name never puts the hand-in
//! outside the current folder, a package title is printed without control characters, texts
//! named with them are refused, and the gradebooks neutralise formula-like cells.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use marginalia::sidecar;

use crate::class_fixture::{SPEECH, graded_class, packed_class, write_marks};
use crate::common;
use common::{ok, run};

/// The cells of a CSV.
fn cells(csv: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
    r.records().flat_map(|rec| rec.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect()
}

const FORMULAS: [&str; 4] = ["=1+1", "+1", "-1", "@x"];

/// Every formula-like text the test put in is there, neutralised with a leading `'`, and no
/// cell but a number starts like a formula.
fn assert_neutralised(what: &str, csv: &str, expected: &[&str]) {
    let cells = cells(csv);
    for text in expected {
        let quoted = format!("'{text}");
        assert!(cells.iter().any(|c| c == &quoted || c.starts_with(&format!("{quoted} "))), "{what}: no {quoted:?} in\n{csv}");
    }
    for c in &cells {
        let formula = c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err();
        assert!(!formula, "{what}: {c:?} is run as a formula in\n{csv}");
    }
}

#[test]
fn the_gradebooks_neutralise_formulas_in_titles_and_comments() {
    // Students' keys in a class folder never start like a formula (their names are mapped to
    // letters, digits, `-`, `_` and `'`, no leading `-`); the teacher's comments and the
    // assignment's title may.
    let taxes: &[(&str, &str, &str)] = &[("Taxes will fall next year", "prediction", "")];
    let root = graded_class(&[("ana", taxes), ("ben", taxes), ("cleo", taxes), ("dan", taxes)]);
    let dir = root.path();
    let path = dir.join("class/class.ron");
    let ron = std::fs::read_to_string(&path).unwrap();
    let ron = ron.replacen("title: \"\"", "title: \"@x\"", 1);
    let end = ron.trim_end().strip_suffix(')').expect("class.ron ends with )");
    let ron = format!("{end}    comments: {{\"ana\": \"=1+1\", \"ben\": \"+1\", \"cleo\": \"-1\", \"dan\": \"@x\"}},\n)\n");
    std::fs::write(&path, ron).unwrap();
    let moodle = ok(dir, &["class", "grade", "class", "--format", "moodle"]);
    assert_neutralised("moodle gradebook", &moodle, &FORMULAS);
    let canvas = ok(dir, &["class", "grade", "class", "--format", "canvas"]);
    assert_neutralised("canvas gradebook", &canvas, &["@x"]);
    let plain = ok(dir, &["class", "grade", "class", "--format", "csv"]);
    assert_neutralised("grades csv", &plain, &FORMULAS);
}

fn zip_entry(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn write_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The package with its manifest's `from` replaced by `to`, its other entries kept, and
/// `texts` added.
fn doctored(package: &Path, from: &str, to: &str, texts: &[(&str, &str)]) -> Vec<u8> {
    let manifest = zip_entry(package, "manifest.ron");
    assert!(manifest.contains(from), "{manifest}");
    let manifest = manifest.replacen(from, to, 1);
    let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(package).unwrap())).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = vec![("manifest.ron".to_owned(), manifest.into_bytes())];
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().to_owned();
        if name == "manifest.ron" || name.starts_with("texts/") {
            continue;
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        entries.push((name, bytes));
    }
    for (name, text) in texts {
        entries.push((format!("texts/{name}"), text.as_bytes().to_vec()));
    }
    let entries: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    write_zip(&entries)
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path().to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn a_hostile_package_name_never_puts_the_hand_in_outside_the_current_folder() {
    let root = packed_class();
    let dir = root.path();
    let package = dir.join("a.marginalia-assignment");
    let manifest = zip_entry(&package, "manifest.ron");
    let name_line = manifest.lines().find(|l| l.trim_start().starts_with("name:")).expect("a name").trim().to_owned();
    let abs = dir.join("abs-target").to_string_lossy().into_owned();
    for (i, hostile) in ["../../../evil-name", abs.as_str(), "..", "/"].iter().enumerate() {
        let work = dir.join(format!("w{i}"));
        let nested = work.join("deep/er");
        std::fs::create_dir_all(&nested).unwrap();
        let bytes = doctored(&package, &name_line, &format!("name: {hostile:?},"), &[("speech.txt", SPEECH)]);
        std::fs::write(nested.join("p.marginalia-assignment"), bytes).unwrap();
        ok(&nested, &["class", "unpack", "p.marginalia-assignment", "ana"]);
        let text = nested.join("ana/speech.txt");
        write_marks(&text, &sidecar::coder_path(&text, "ana"), "ana", &[("Jobs will return soon", "demand", "")]);
        let out = ok(&nested, &["class", "handin", "ana", "--coder", "ana"]);
        let made: Vec<String> = std::fs::read_dir(&nested)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".marginalia-handin"))
            .collect();
        assert_eq!(made.len(), 1, "{hostile}: the hand-in is in the current folder: {out}");
        let everywhere: Vec<String> = files_under(dir).into_iter().filter(|f| f.ends_with(".marginalia-handin")).collect();
        assert_eq!(everywhere.len(), 1, "{hostile}: nothing written elsewhere: {everywhere:?}");
        std::fs::remove_file(nested.join(&made[0])).unwrap();
    }
}

#[test]
fn unpack_prints_a_hostile_title_without_its_control_characters_and_refuses_such_text_names() {
    let root = packed_class();
    let dir = root.path();
    let package = dir.join("a.marginalia-assignment");
    let manifest = zip_entry(&package, "manifest.ron");
    let title_line = manifest.lines().find(|l| l.trim_start().starts_with("title:")).expect("a title").trim().to_owned();
    let hostile = "Week\u{1b}[31m 3\r\u{7}\u{202e}txt.exe";
    let bytes = doctored(&package, &title_line, &format!("title: {hostile:?},"), &[("speech.txt", SPEECH)]);
    std::fs::write(dir.join("t.marginalia-assignment"), bytes).unwrap();
    let out = run(dir, &["class", "unpack", "t.marginalia-assignment", "ana"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    for c in ['\u{1b}', '\r', '\u{7}', '\u{202e}'] {
        assert!(!all.contains(c), "U+{:04X} printed: {all:?}", c as u32);
    }

    for (i, bad) in ["spe\nech.txt", "spe\u{1b}ech.txt", "spe\u{202e}txt.md"].iter().enumerate() {
        let bytes = doctored(&package, "file_name: \"speech.txt\"", &format!("file_name: {bad:?}"), &[(bad, SPEECH)]);
        let file = format!("n{i}.marginalia-assignment");
        std::fs::write(dir.join(&file), bytes).unwrap();
        let student = format!("bob{i}");
        let out = run(dir, &["class", "unpack", &file, &student]);
        assert_eq!(out.code, 2, "{bad:?}: {}", out.stderr);
        assert!(!dir.join(&student).exists(), "{bad:?}: nothing unpacked");
        assert!(!out.stderr.contains(['\u{1b}', '\u{202e}']), "{:?}", out.stderr);
    }
}

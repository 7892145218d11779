//! `check` as a user runs it: it reads and reports, and leaves the folder as it was (a
//! temporary file an interrupted save left stays); and a sidecar whose merge marks name no
//! other annotation of the file is refused when it is read, naming the file and the place.
//!
//! `MARGINALIA_BIN=/path/to/marginalia` runs these against another build of the binary.

#[allow(dead_code)]
use crate::common;

use std::path::{Path, PathBuf};

use marginalia::document::{Document, Span};
use marginalia::sidecar::{DocumentRef, Sidecar};

fn run(args: &[&str]) -> common::Out {
    common::run_as(args, "ana")
}

fn ok(args: &[&str]) -> String {
    common::ok_as(args, "ana")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// ---------------------------------------------------------------------------------------------
// `check` reads only.

#[test]
fn check_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("avis.txt");
    std::fs::write(&doc, "Réunion publique jeudi à 19 h.\n").unwrap();
    ok(&["add", s(&doc), "--code", "call-to-action", "--quote", "Réunion publique"]);
    // A temporary file an interrupted save left an hour ago.
    let stale = dir.path().join(".avis.txt.annotations.ron.Xy12Ab.tmp");
    std::fs::write(&stale, "(half a sidecar").unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&stale).unwrap().set_modified(hour_ago).unwrap();
    let listing = |d: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    let before = listing(dir.path());
    let stdout = ok(&["check", s(&doc)]);
    assert!(stdout.contains("1 annotation(s): 1 anchored"), "{stdout}");
    assert_eq!(listing(dir.path()), before, "check wrote nothing, removed nothing");
    assert!(stale.is_file());
}

// ---------------------------------------------------------------------------------------------
// Merge marks.

/// A sidecar of `doc` with two annotations, the first carrying `mark`.
fn marked(doc: &Path, mark: impl Fn(uuid::Uuid, uuid::Uuid) -> Option<marginalia::Conflict>) -> PathBuf {
    let text = "Les loyers ont augmenté. Nous exigeons un moratoire.\n";
    std::fs::write(doc, text).unwrap();
    let d = Document::from_text(text);
    let a = marginalia::Annotation::new(&d, Span::new(0, 23), "factual-assertion", "ana");
    let mut b = marginalia::Annotation::new(&d, Span::new(25, 52), "demand", "ana");
    b.conflict = None;
    let mut a = a;
    a.conflict = mark(a.id, b.id);
    if let Some(marginalia::Conflict::ChangedOnBothSides(other)) = a.conflict
        && other == b.id
    {
        b.conflict = Some(marginalia::Conflict::ChangedOnBothSides(a.id));
    }
    let doc_ref = DocumentRef { file_name: "loyers.txt".into(), fingerprint: d.fingerprint().into(), length: d.len_chars() };
    let sc = Sidecar::new(doc_ref, "ana", marginalia::codebook::Codebook::default(), vec![a, b]);
    let path = marginalia::sidecar::default_path(doc);
    std::fs::write(&path, sc.to_ron()).unwrap();
    path
}

#[test]
fn a_merge_mark_must_name_another_annotation_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("loyers.txt");
    let missing = uuid::Uuid::from_u128(0x5eed);
    let cases: [(&str, Box<dyn Fn(uuid::Uuid, uuid::Uuid) -> Option<marginalia::Conflict>>); 2] = [
        ("with itself", Box::new(|a, _| Some(marginalia::Conflict::ChangedOnBothSides(a)))),
        (
            "which is not an annotation in this file",
            Box::new(move |_, _| Some(marginalia::Conflict::ChangedOnBothSides(missing))),
        ),
    ];
    for (why, mark) in cases {
        let sidecar = marked(&doc, mark);
        let before = std::fs::read(&sidecar).unwrap();
        for command in [vec!["check", s(&doc)], vec!["list", s(&doc)]] {
            let out = run(&command);
            assert_eq!(out.code, 2, "{command:?} {why}: {}{}", out.stdout, out.stderr);
            assert!(out.stderr.contains("is marked as a merge conflict") && out.stderr.contains(why), "{}", out.stderr);
            assert!(out.stderr.contains(&format!("{}:", sidecar.display())), "names the file and place: {}", out.stderr);
        }
        // Adding to it is refused as well, and the file is left as it was.
        let out = run(&["add", s(&doc), "--code", "opinion", "--quote", "moratoire"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert_eq!(std::fs::read(&sidecar).unwrap(), before);
    }
    // Two versions that name each other are what a merge leaves: read, and listed by `check`.
    marked(&doc, |_, b| Some(marginalia::Conflict::ChangedOnBothSides(b)));
    // Two versions of one annotation are one conflict; work is left to settle, so exit 1.
    let out = run(&["check", s(&doc)]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("1 merge conflict(s) to settle, in 2 annotation(s)"), "{}", out.stdout);
}

//! A small class for the class tests: one text, packed, students' hand-ins collected, and the
//! teacher's key named.

use std::path::Path;

use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::{Annotation, Codebook, Document, Span};

use crate::common::ok;

pub const SPEECH: &str = "Taxes will fall next year. The bridge must be rebuilt. Jobs will return soon.\n";

/// Writes `coder`'s sidecar of `doc_path` at `path`, marking each (quote, code, note).
pub fn write_marks(doc_path: &Path, path: &Path, coder: &str, marks: &[(&str, &str, &str)]) {
    let doc = Document::open(doc_path).unwrap();
    let anns: Vec<Annotation> = marks
        .iter()
        .map(|(quote, code, note)| {
            let start = doc.char_of(doc.text().find(quote).unwrap());
            let mut a = Annotation::new(&doc, Span::new(start, start + quote.chars().count()), code, coder);
            a.note = (*note).to_owned();
            a
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let _ = std::fs::remove_file(path);
    sidecar::save(path, &Sidecar::new(doc_ref, coder, Codebook::default(), anns), None).unwrap();
}

/// A class folder with one text and the teacher's key, packed as `a.marginalia-assignment`.
pub fn packed_class() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let class = root.path().join("class");
    std::fs::create_dir(&class).unwrap();
    std::fs::write(class.join("speech.txt"), SPEECH).unwrap();
    ok(root.path(), &["class", "pack", "class", "-o", "a.marginalia-assignment"]);
    root
}

/// Unpacks, marks, hands in and collects the work of each of `students` (name, marks).
pub fn graded_class(students: &[(&str, &[(&str, &str, &str)])]) -> tempfile::TempDir {
    let root = packed_class();
    let dir = root.path();
    let mut handins = Vec::new();
    for (i, (student, marks)) in students.iter().enumerate() {
        let folder = format!("s{i}");
        ok(dir, &["class", "unpack", "a.marginalia-assignment", &folder]);
        let text = dir.join(&folder).join("speech.txt");
        write_marks(&text, &sidecar::coder_path(&text, student), student, marks);
        let file = format!("h{i}.marginalia-handin");
        let coder = format!("--coder={student}");
        ok(dir, &["class", "handin", &folder, &coder, "-o", &file]);
        handins.push(file);
    }
    let mut args = vec!["class", "collect", "class"];
    args.extend(handins.iter().map(String::as_str));
    ok(dir, &args);
    let text = dir.join("class/speech.txt");
    write_marks(
        &text,
        &sidecar::coder_path(&text, "teacher"),
        "teacher",
        &[("Taxes will fall next year", "prediction", ""), ("The bridge must be rebuilt", "demand", "")],
    );
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    root
}

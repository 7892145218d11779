//! The classroom loop through the real binary: pack, unpack, hand in, collect, key, grade; and
//! grades checked against `marginalia agree --key` and against figures worked out by hand.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use marginalia::annotation::Annotation;
use marginalia::class;
use marginalia::codebook::Codebook;
use marginalia::coder::Coder;
use marginalia::document::{Document, Span, fingerprint_of};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use serde_json::Value;

const SPEECH: &str = "Taxes will fall next year. The bridge must be rebuilt. Our town is the finest in the valley. \
                      Jobs will return soon. Vote for me on Sunday.\n";
const LETTER: &str = "Dear council,\nthe library should open on Mondays. Readers will come back.\nYours, a neighbour\n";

use crate::common;
use common::{ok, run};

/// A class folder with two texts and instructions; returns the temporary root.
fn class_folder() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let class = root.path().join("class");
    std::fs::create_dir(&class).unwrap();
    std::fs::write(class.join("speech.txt"), SPEECH).unwrap();
    std::fs::write(class.join("letter.md"), LETTER).unwrap();
    std::fs::write(class.join("instructions.md"), "# Week 3\n\nMark every *prediction* and *demand*.\n").unwrap();
    root
}

/// Writes `coder`'s sidecar of `doc_path` at `path`, marking each (quote, code).
fn write_marks(doc_path: &Path, path: &Path, coder: &str, marks: &[(&str, &str)]) {
    let doc = Document::open(doc_path).unwrap();
    let anns: Vec<Annotation> = marks
        .iter()
        .map(|(quote, code)| {
            let start = doc.char_of(doc.text().find(quote).unwrap_or_else(|| panic!("{quote} not in the text")));
            Annotation::new(&doc, Span::new(start, start + quote.chars().count()), code, coder)
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    // A new version of the marks replaces the old file, as a student's later session would.
    let _ = std::fs::remove_file(path);
    sidecar::save(path, &Sidecar::new(doc_ref, coder, Codebook::default(), anns), None).unwrap();
}

fn zip_names(path: &Path) -> Vec<String> {
    let zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    names.sort();
    names
}

fn zip_entry(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn a_package_holds_the_texts_codebook_and_instructions_and_never_a_sidecar() {
    let root = class_folder();
    let dir = root.path();
    let class = dir.join("class");
    // The key and a stray coder's sidecar sit in the class folder: neither may leave it.
    write_marks(
        &class.join("speech.txt"),
        &sidecar::coder_path(&class.join("speech.txt"), "teacher"),
        "teacher",
        &[("Taxes will fall next year", "prediction")],
    );
    write_marks(&class.join("speech.txt"), &sidecar::default_path(&class.join("speech.txt")), "teacher", &[]);
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    ok(dir, &["class", "pack", "class", "-o", "week3.marginalia-assignment", "--title", "Week 3", "--due", "2026-12-24"]);
    let package = dir.join("week3.marginalia-assignment");
    assert_eq!(zip_names(&package), ["codebook.ron", "manifest.ron", "texts/letter.md", "texts/speech.txt"]);
    let manifest = zip_entry(&package, "manifest.ron");
    assert!(manifest.contains("format: \"marginalia-assignment\""), "{manifest}");
    assert!(manifest.contains("title: \"Week 3\""), "{manifest}");
    assert!(manifest.contains("due: Some(\"2026-12-24\")"), "{manifest}");
    assert!(manifest.contains("Mark every *prediction*"), "{manifest}");
    assert!(manifest.contains(&fingerprint_of(SPEECH.as_bytes())), "{manifest}");
    assert!(!manifest.contains("teacher"), "the key's name must not reach the students: {manifest}");
    let first = class::read_assignment(&package).unwrap();
    // Packing again keeps the assignment's id, so hand-ins of either package are collected.
    ok(dir, &["class", "pack", "class", "-o", "again.marginalia-assignment"]);
    let second = class::read_assignment(&dir.join("again.marginalia-assignment")).unwrap();
    assert_eq!(first.assignment, second.assignment);
    assert_eq!(second.title, "Week 3");
    assert_eq!(first.documents.len(), 2);

    // The codes asked per text come from class.ron; one the codebook lacks is refused.
    let class_ron = std::fs::read_to_string(class.join("class.ron")).unwrap();
    let asked = class_ron.replace("codes: {}", "codes: {\"speech.txt\": [\"prediction\", \"demand\"]}");
    assert_ne!(asked, class_ron);
    std::fs::write(class.join("class.ron"), &asked).unwrap();
    ok(dir, &["class", "pack", "class", "-o", "codes.marginalia-assignment"]);
    let codes = class::read_assignment(&dir.join("codes.marginalia-assignment")).unwrap();
    let speech = codes.documents.iter().find(|d| d.file_name == "speech.txt").unwrap();
    assert_eq!(speech.codes, ["prediction", "demand"]);
    std::fs::write(class.join("class.ron"), asked.replace("\"demand\"]", "\"gossip\"]")).unwrap();
    let out = run(dir, &["class", "pack", "class", "-o", "bad.marginalia-assignment"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("\"gossip\"") && !dir.join("bad.marginalia-assignment").exists(), "{}", out.stderr);
}

#[test]
fn unpacking_never_overwrites_a_students_work_and_refuses_escaping_paths() {
    let root = class_folder();
    let dir = root.path();
    ok(dir, &["class", "pack", "class", "-o", "w.marginalia-assignment"]);
    let out = ok(dir, &["class", "unpack", "w.marginalia-assignment", "ana"]);
    assert!(out.contains("2 text(s)"), "{out}");
    assert_eq!(std::fs::read_to_string(dir.join("ana/speech.txt")).unwrap(), SPEECH);
    assert!(dir.join("ana/instructions.md").is_file() && dir.join("ana/assignment.ron").is_file());
    // The student's sidecar and an edited codebook: unpacking again changes nothing.
    write_marks(
        &dir.join("ana/speech.txt"),
        &dir.join("ana/speech.txt.annotations.ron"),
        "ana",
        &[("Jobs will return", "prediction")],
    );
    let sidecar_before = std::fs::read(dir.join("ana/speech.txt.annotations.ron")).unwrap();
    std::fs::write(dir.join("ana/codebook.ron"), "my own codebook").unwrap();
    let out = run(dir, &["class", "unpack", "w.marginalia-assignment", "ana"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("codebook.ron") && out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(dir.join("ana/codebook.ron")).unwrap(), "my own codebook");
    assert_eq!(std::fs::read(dir.join("ana/speech.txt.annotations.ron")).unwrap(), sidecar_before);

    // A package whose manifest names a text outside the folder.
    let mut manifest = zip_entry(&dir.join("w.marginalia-assignment"), "manifest.ron");
    manifest = manifest.replace("file_name: \"letter.md\"", "file_name: \"../letter.md\"");
    let evil = write_zip(&[("manifest.ron", manifest.as_bytes()), ("texts/../letter.md", LETTER.as_bytes())]);
    std::fs::write(dir.join("evil.marginalia-assignment"), evil).unwrap();
    let out = run(dir, &["class", "unpack", "evil.marginalia-assignment", "bob"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("outside the archive"), "{}", out.stderr);
    let evil = write_zip(&[("manifest.ron", manifest.as_bytes()), ("texts/letter.md", LETTER.as_bytes())]);
    std::fs::write(dir.join("evil2.marginalia-assignment"), evil).unwrap();
    let out = run(dir, &["class", "unpack", "evil2.marginalia-assignment", "bob"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a plain .txt or .md file name"), "{}", out.stderr);
    assert!(!dir.join("letter.md").exists() && !dir.join("bob").exists());
}

fn write_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Packs the class, unpacks it for `student`, and writes their marks per text.
fn student_works(dir: &Path, student: &str, speech: &[(&str, &str)], letter: &[(&str, &str)]) {
    if !dir.join("a.marginalia-assignment").exists() {
        ok(dir, &["class", "pack", "class", "-o", "a.marginalia-assignment"]);
    }
    ok(dir, &["class", "unpack", "a.marginalia-assignment", student]);
    let folder = dir.join(student);
    if !speech.is_empty() {
        write_marks(&folder.join("speech.txt"), &sidecar::default_path(&folder.join("speech.txt")), student, speech);
    }
    if !letter.is_empty() {
        write_marks(&folder.join("letter.md"), &sidecar::coder_path(&folder.join("letter.md"), student), student, letter);
    }
}

#[test]
fn a_hand_in_holds_only_its_coders_sidecars_under_their_name() {
    let root = class_folder();
    let dir = root.path();
    student_works(dir, "ana", &[("Jobs will return soon", "prediction")], &[("Readers will come back", "prediction")]);
    // A classmate's file in the same folder stays out.
    write_marks(
        &dir.join("ana/letter.md"),
        &sidecar::coder_path(&dir.join("ana/letter.md"), "ben"),
        "ben",
        &[("Dear council", "demand")],
    );
    let out = ok(dir, &["class", "handin", "ana", "--coder", "ana"]);
    assert!(out.contains("a-ana.marginalia-handin"), "{out}");
    let handin = dir.join("a-ana.marginalia-handin");
    assert_eq!(zip_names(&handin), ["letter.md.ana.annotations.ron", "manifest.ron", "speech.txt.ana.annotations.ron"]);
    let manifest = zip_entry(&handin, "manifest.ron");
    assert!(manifest.contains("coder: \"ana\"") && manifest.contains(&fingerprint_of(LETTER.as_bytes())), "{manifest}");
    let out = run(dir, &["class", "handin", "ana", "--coder", "nobody", "-o", "x.marginalia-handin"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no annotations by \"nobody\""), "{}", out.stderr);
}

#[test]
fn collect_skips_other_assignments_changed_texts_and_older_duplicates() {
    let root = class_folder();
    let dir = root.path();
    let class_dir = dir.join("class");
    student_works(dir, "ana", &[("Jobs will return soon", "prediction")], &[]);
    student_works(dir, "ben", &[("Taxes will fall", "prediction")], &[]);
    let t = |s: &str| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap();
    let old = dir.join("old.marginalia-handin");
    let new = dir.join("new.marginalia-handin");
    let ana = Coder::new("ana");
    class::handin(&dir.join("ana"), &ana, Some(&old), t("2026-12-01T10:00:00Z")).unwrap();
    write_marks(
        &dir.join("ana/speech.txt"),
        &sidecar::default_path(&dir.join("ana/speech.txt")),
        "ana",
        &[("Vote for me", "demand")],
    );
    class::handin(&dir.join("ana"), &ana, Some(&new), t("2026-12-02T10:00:00Z")).unwrap();
    // Ben edited his copy of the text: his marks cannot be compared with the key's.
    std::fs::write(dir.join("ben/speech.txt"), SPEECH.replace("Sunday", "Monday")).unwrap();
    let ben = dir.join("ben.marginalia-handin");
    class::handin(&dir.join("ben"), &Coder::new("ben"), Some(&ben), t("2026-12-01T12:00:00Z")).unwrap();
    // A hand-in of another class's assignment.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir(other.path().join("class")).unwrap();
    std::fs::write(other.path().join("class/speech.txt"), SPEECH).unwrap();
    ok(other.path(), &["class", "pack", "class", "-o", "o.marginalia-assignment"]);
    ok(other.path(), &["class", "unpack", "o.marginalia-assignment", "cleo"]);
    write_marks(
        &other.path().join("cleo/speech.txt"),
        &other.path().join("cleo/speech.txt.annotations.ron"),
        "cleo",
        &[("Taxes", "prediction")],
    );
    let cleo = dir.join("cleo.marginalia-handin");
    class::handin(&other.path().join("cleo"), &Coder::new("cleo"), Some(&cleo), t("2026-12-01T12:00:00Z")).unwrap();

    let args = [
        "class",
        "collect",
        "class",
        "new.marginalia-handin",
        "old.marginalia-handin",
        "ben.marginalia-handin",
        "cleo.marginalia-handin",
    ];
    let out = run(dir, &args);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("new.marginalia-handin: collected 1 sidecar(s) of ana"), "{}", out.stdout);
    assert!(out.stderr.contains("old.marginalia-handin: is older"), "{}", out.stderr);
    assert!(out.stderr.contains("ben.marginalia-handin: was made on a speech.txt that differs"), "{}", out.stderr);
    assert!(out.stderr.contains("cleo.marginalia-handin: is a hand-in of another assignment"), "{}", out.stderr);
    let collected = std::fs::read_to_string(class_dir.join("speech.txt.ana.annotations.ron")).unwrap();
    let collected = Sidecar::from_ron(&collected, Path::new("collected")).unwrap();
    let marks: Vec<(&str, &str)> = collected.annotations.iter().map(|a| (a.exact.as_str(), a.code.as_str())).collect();
    assert_eq!(marks, [("Vote for me", "demand")], "the newest hand-in wins");
    assert!(
        !class_dir.join("speech.txt.ben.annotations.ron").exists() && !class_dir.join("speech.txt.cleo.annotations.ron").exists()
    );
    // The newest again: nothing to do, nothing skipped.
    let out = run(dir, &["class", "collect", "class", "new.marginalia-handin"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("already collected"), "{}", out.stdout);
    // A hand-in may not overwrite the key, nor a sidecar no hand-in brought.
    std::fs::copy(class_dir.join("speech.txt.ana.annotations.ron"), class_dir.join("speech.txt.dora.annotations.ron")).unwrap();
    student_works(dir, "dora", &[("Taxes will fall", "prediction")], &[]);
    let dora = dir.join("dora.marginalia-handin");
    class::handin(&dir.join("dora"), &Coder::new("dora"), Some(&dora), t("2026-12-03T12:00:00Z")).unwrap();
    let out = run(dir, &["class", "collect", "class", "dora.marginalia-handin"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("which no hand-in brought"), "{}", out.stderr);
    ok(dir, &["class", "key", "class", "--coder", "ana"]);
    let out = run(dir, &["class", "collect", "class", "new.marginalia-handin"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("the name of the answer key"), "{}", out.stderr);
}

/// The key's marks on each text.
const KEY_SPEECH: [(&str, &str); 4] = [
    ("Taxes will fall next year", "prediction"),
    ("The bridge must be rebuilt", "demand"),
    ("Our town is the finest in the valley", "opinion"),
    ("Jobs will return soon", "prediction"),
];
const KEY_LETTER: [(&str, &str); 2] =
    [("the library should open on Mondays", "demand"), ("Readers will come back", "prediction")];

/// A class of four students with known marks, handed in and collected; the key is "teacher".
fn graded_class() -> tempfile::TempDir {
    let root = class_folder();
    let dir = root.path();
    let class_dir = dir.join("class");
    // Everything right.
    student_works(dir, "zoltan", &KEY_SPEECH, &KEY_LETTER);
    // One prediction found (by overlap), one extra demand, three missed; the letter untouched.
    student_works(dir, "anouk", &[("Taxes will fall", "prediction"), ("Vote for me on Sunday", "demand")], &[]);
    // Three found, the demand missed; on the letter, the demand marked as an opinion.
    student_works(
        dir,
        "carmen",
        &[
            ("Our town is the finest", "opinion"),
            ("Jobs will return soon", "prediction"),
            ("Taxes will fall next year", "prediction"),
        ],
        &[("the library should open", "opinion")],
    );
    // The letter only.
    student_works(dir, "bertil", &[], &[("Readers will come back", "prediction")]);
    let mut handins = Vec::new();
    for s in ["zoltan", "anouk", "carmen", "bertil"] {
        ok(dir, &["class", "handin", s, "--coder", s]);
        handins.push(format!("a-{s}.marginalia-handin"));
    }
    let mut args = vec!["class", "collect", "class"];
    args.extend(handins.iter().map(String::as_str));
    ok(dir, &args);
    write_marks(
        &class_dir.join("speech.txt"),
        &sidecar::coder_path(&class_dir.join("speech.txt"), "teacher"),
        "teacher",
        &KEY_SPEECH,
    );
    write_marks(
        &class_dir.join("letter.md"),
        &sidecar::coder_path(&class_dir.join("letter.md"), "teacher"),
        "teacher",
        &KEY_LETTER,
    );
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    root
}

fn row<'a>(rows: &'a [Value], student: &str, doc: &str, code: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["student"] == student && r["document"] == doc && r["code"] == code)
        .unwrap_or_else(|| panic!("no row {student} {doc} {code}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

#[test]
fn grades_are_the_figures_worked_out_by_hand() {
    let root = graded_class();
    let dir = root.path();
    let rows: Vec<Value> = serde_json::from_str(&ok(dir, &["class", "grade", "class", "--format", "json"])).unwrap();
    let students: std::collections::BTreeSet<&str> = rows.iter().map(|r| r["student"].as_str().unwrap()).collect();
    assert_eq!(students.into_iter().collect::<Vec<_>>(), ["anouk", "bertil", "carmen", "zoltan"], "the key is not a student");
    let z = row(&rows, "zoltan", "speech.txt", "all");
    assert!(close(&z["precision"], 1.0) && close(&z["recall"], 1.0) && close(&z["f1"], 1.0) && close(&z["points"], 100.0), "{z}");
    // anouk: found 1, missed 3, extra 1 → P = 1/2, R = 1/4, F1 = 2·1/(2·1 + 3 + 1) = 1/3.
    let a = row(&rows, "anouk", "speech.txt", "all");
    assert!(close(&a["precision"], 0.5) && close(&a["recall"], 0.25), "{a}");
    assert!(close(&a["f1"], 1.0 / 3.0) && close(&a["points"], 100.0 / 3.0), "{a}");
    let ad = row(&rows, "anouk", "speech.txt", "demand");
    assert!(close(&ad["precision"], 0.0) && close(&ad["recall"], 0.0) && close(&ad["points"], 0.0), "{ad}");
    // No marks on the letter: nothing found, recall 0, precision undefined.
    let al = row(&rows, "anouk", "letter.md", "all");
    assert!(al["precision"].is_null() && close(&al["recall"], 0.0) && close(&al["points"], 0.0), "{al}");
    // carmen: found 3, missed 1 → P = 1, R = 3/4, F1 = 6/7.
    let c = row(&rows, "carmen", "speech.txt", "all");
    assert!(close(&c["precision"], 1.0) && close(&c["recall"], 0.75) && close(&c["points"], 600.0 / 7.0), "{c}");
    // On the letter: the demand marked as an opinion is missed (and extra), the prediction missed.
    let cl = row(&rows, "carmen", "letter.md", "all");
    assert!(close(&cl["precision"], 0.0) && close(&cl["recall"], 0.0), "{cl}");
    let b = row(&rows, "bertil", "letter.md", "all");
    assert!(close(&b["precision"], 1.0) && close(&b["recall"], 0.5) && close(&b["f1"], 2.0 / 3.0), "{b}");

    // The class by code, summed over students and texts: the key has 3 predictions (speech 2,
    // letter 1), 2 demands and 1 opinion, so 12, 8 and 4 chances; found: predictions zoltan 3,
    // anouk 1, carmen 2, bertil 1; demands zoltan 2; opinions zoltan and carmen. The demand's
    // F1 is 1 for zoltan's two texts and 0 for the six others: mean 0.25.
    let table = ok(dir, &["class", "grade", "class"]);
    let by_code = table.split("CLASS BY CODE").nth(1).expect("a section by code");
    let line = |name: &str| by_code.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}:\n{table}"));
    assert!(line("Prediction").trim_end().ends_with("7/12"), "{table}");
    assert!(line("Demand").trim_end().ends_with("2/8") && line("Demand").contains("0.250"), "{table}");
    assert!(line("Opinion").trim_end().ends_with("2/4"), "{table}");

    // The Moodle gradebook: one row per student, one column per text, then the average.
    let csv = ok(dir, &["class", "grade", "class", "--format", "csv", "-o", "grades.csv"]);
    assert!(csv.is_empty());
    let csv = std::fs::read_to_string(dir.join("grades.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Username,letter.md points,speech.txt points,Average,Grade,Feedback");
    // With no rubric the grade is the mean F1 over the texts, in percent.
    assert_eq!(lines[1], "anouk,0.00,33.33,16.67,16.67,");
    assert_eq!(lines[4], "zoltan,100.00,100.00,100.00,100.00,");
    assert_eq!(lines.len(), 5);
}

#[test]
fn every_grade_equals_what_agree_with_the_key_reports() {
    let root = graded_class();
    let dir = root.path();
    let rows: Vec<Value> = serde_json::from_str(&ok(dir, &["class", "grade", "class", "--format", "json"])).unwrap();
    let class_dir = dir.join("class");
    let mut compared = 0;
    for doc in ["speech.txt", "letter.md"] {
        let doc_path = class_dir.join(doc);
        let key = sidecar::coder_path(&doc_path, "teacher");
        for student in ["zoltan", "anouk", "carmen", "bertil"] {
            let sc: PathBuf = sidecar::coder_path(&doc_path, student);
            if !sc.exists() {
                continue;
            }
            let (d, k, s) = (doc_path.to_str().unwrap(), key.to_str().unwrap(), sc.to_str().unwrap());
            let report: Value = serde_json::from_str(&ok(dir, &["agree", d, k, s, "--key", k, "--format", "json"])).unwrap();
            let entry = report["students"].as_array().unwrap().iter().find(|e| e["student"] == student).unwrap();
            let agree_rows: Vec<&Value> = std::iter::once(&entry["total"]).chain(entry["codes"].as_array().unwrap()).collect();
            let graded: Vec<&Value> = rows.iter().filter(|r| r["student"] == student && r["document"] == doc).collect();
            assert_eq!(graded.len(), agree_rows.len(), "{student} {doc}");
            for a in agree_rows {
                let g = row(&rows, student, doc, a["code"].as_str().unwrap());
                assert_eq!(g["precision"], a["precision"], "{student} {doc} {}", a["code"]);
                assert_eq!(g["recall"], a["recall"], "{student} {doc} {}", a["code"]);
                assert_eq!(g["points"], a["score"], "{student} {doc} {}", a["code"]);
                assert_eq!(g["found"], a["found"]);
                match a["score"].as_f64() {
                    Some(score) => assert!(close(&g["f1"], score / 100.0)),
                    None => assert!(g["f1"].is_null()),
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 15, "{compared}");
}

#[test]
fn anonymous_grades_name_no_student() {
    let root = graded_class();
    let dir = root.path();
    let real = ["zoltan", "anouk", "carmen", "bertil"];
    for format in ["table", "csv", "json"] {
        let out = ok(dir, &["class", "grade", "class", "--anonymous", "--format", format]);
        for name in real {
            assert!(!out.to_lowercase().contains(name), "{format} names {name}:\n{out}");
        }
        assert!(out.contains("Student A") && out.contains("Student D"), "{format}:\n{out}");
    }
    let rows: Vec<Value> =
        serde_json::from_str(&ok(dir, &["class", "grade", "class", "--anonymous", "--format", "json"])).unwrap();
    // Sorted by name: anouk is A, zoltan (all right) is D.
    assert!(close(&row(&rows, "Student A", "speech.txt", "all")["points"], 100.0 / 3.0));
    assert!(close(&row(&rows, "Student D", "speech.txt", "all")["points"], 100.0));
    let again = ok(dir, &["class", "grade", "class", "--anonymous", "--format", "json"]);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&again).unwrap(), rows, "pseudonyms are stable");
}

/// Gives the graded class a title, a rubric (prediction 2 points, demand 1, opinion none, out
/// of 20) and comments, written into class.ron as a teacher would type them.
fn with_rubric(dir: &Path) {
    let path = dir.join("class/class.ron");
    let ron = std::fs::read_to_string(&path).unwrap();
    let ron = ron.replacen("title: \"\"", "title: \"Week 3\"", 1);
    let end = ron.trim_end().strip_suffix(')').expect("class.ron ends with )");
    let ron = format!(
        "{end}    rubric: (scale: OutOf(20.0), points: {{\"prediction\": 2.0, \"demand\": 1.0}}),\n    \
         comments: {{\"anouk\": \"Look again at the demands, Anouk.\", \"bertil\": \"<b>Good</b> & more\"}},\n)\n"
    );
    std::fs::write(&path, ron).unwrap();
}

fn f1(found: f64, missed: f64, extra: f64) -> f64 {
    2.0 * found / (2.0 * found + missed + extra)
}

#[test]
fn the_rubric_weighs_codes_on_the_scale_and_the_gradebooks_carry_grade_and_comment() {
    let root = graded_class();
    let dir = root.path();
    with_rubric(dir);
    // Worked out from the marks: per text, (2·F1 prediction + 1·F1 demand) / 3; opinion has
    // no points. anouk: speech prediction 1 found 1 missed, demand 1 missed 1 extra; letter
    // nothing found. zoltan: everything. carmen: speech both predictions, demand missed;
    // letter nothing. bertil: speech nothing; letter the prediction, not the demand.
    let anouk_speech = (2.0 * f1(1.0, 1.0, 0.0) + f1(0.0, 1.0, 1.0)) / 3.0;
    let expected = [
        ("anouk", (anouk_speech + 0.0) / 2.0 * 20.0),
        ("bertil", (0.0 + 2.0 / 3.0) / 2.0 * 20.0),
        ("carmen", (2.0 / 3.0 + 0.0) / 2.0 * 20.0),
        ("zoltan", 20.0),
    ];
    let csv = ok(dir, &["class", "grade", "class", "--format", "moodle"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Username,letter.md points,speech.txt points,Average,Grade,Feedback");
    for (i, (student, grade)) in expected.iter().enumerate() {
        let cells: Vec<&str> = lines[i + 1].splitn(6, ',').collect();
        assert_eq!(cells[0], *student);
        assert_eq!(cells[4], format!("{grade:.2}"), "{student}: {}", lines[i + 1]);
    }
    assert!(lines[1].ends_with(",\"Look again at the demands, Anouk.\""), "{}", lines[1]);
    assert!(lines[4].ends_with(','), "zoltan has no comment: {}", lines[4]);

    let canvas = ok(dir, &["class", "grade", "class", "--format", "canvas"]);
    let lines: Vec<&str> = canvas.lines().collect();
    assert_eq!(lines[0], "Student,ID,SIS User ID,SIS Login ID,Section,Week 3");
    assert_eq!(lines[1], "Points Possible,,,,,20.00");
    assert_eq!(lines[2], format!("anouk,,,anouk,,{:.2}", expected[0].1));
    assert_eq!(lines[5], "zoltan,,,zoltan,,20.00");

    let rows: Vec<Value> = serde_json::from_str(&ok(dir, &["class", "grade", "class", "--format", "json"])).unwrap();
    let a = row(&rows, "anouk", "speech.txt", "all");
    assert!(close(&a["grade"], anouk_speech * 20.0), "{a}");
    assert_eq!(a["comment"], "Look again at the demands, Anouk.");
    assert!(close(&a["f1"], 1.0 / 3.0), "the F1 over all codes is unchanged by the rubric: {a}");
    let p = row(&rows, "anouk", "speech.txt", "prediction");
    assert!(close(&p["grade"], f1(1.0, 1.0, 0.0) * 20.0), "{p}");

    let table = ok(dir, &["class", "grade", "class"]);
    assert!(table.contains("GRADE (/20)"), "{table}");
    assert!(table.contains(&format!("{:.2}  Look again at the demands, Anouk.", expected[0].1)), "{table}");

    // Anonymous: the comment's name goes too.
    let csv = ok(dir, &["class", "grade", "class", "--format", "csv", "--anonymous"]);
    assert!(csv.contains("\"Look again at the demands, Student A.\""), "{csv}");
    assert!(!csv.to_lowercase().contains("anouk"), "{csv}");
}

#[test]
fn feedback_pages_show_the_marks_the_lists_the_grade_and_the_comment() {
    let root = graded_class();
    let dir = root.path();
    with_rubric(dir);
    let out = ok(dir, &["class", "feedback", "class", "-o", "fb"]);
    assert_eq!(out.lines().count(), 4, "{out}");
    let mut files: Vec<String> =
        std::fs::read_dir(dir.join("fb")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["feedback-anouk.html", "feedback-bertil.html", "feedback-carmen.html", "feedback-zoltan.html"]);
    let page = std::fs::read_to_string(dir.join("fb/feedback-anouk.html")).unwrap();
    assert!(!page.contains("<script") && !page.contains("http"), "self-contained");
    assert!(page.contains("Look again at the demands, Anouk."), "the comment");
    let grade = (2.0 * f1(1.0, 1.0, 0.0) + f1(0.0, 1.0, 1.0)) / 3.0 / 2.0 * 20.0;
    assert!(page.contains(&format!("Grade: <strong>{:.1} / 20</strong>", grade)), "the grade on the scale");
    // The key's passage she found by overlap: shaded and underlined where both, shaded only
    // where the key's passage goes on; her extra mark underlined only.
    assert!(
        page.contains(
            "<mark class=\"key\"><span class=\"mine\">Taxes will fall</span></mark><mark class=\"key\"> next year</mark>"
        )
    );
    assert!(page.contains("<span class=\"mine\">Vote for me on Sunday</span>"));
    assert!(page.contains("<mark class=\"key\">The bridge must be rebuilt</mark>"));
    assert!(page.contains("a shaded background") && page.contains("a thick underline"), "the legend");
    assert!(page.contains("<h3>Found (1)</h3>") && page.contains("<h3>Missed (3)</h3>"));
    assert!(page.contains("<h3>Added, not in the key (1)</h3>"));
    let bertil = std::fs::read_to_string(dir.join("fb/feedback-bertil.html")).unwrap();
    assert!(bertil.contains("&lt;b&gt;Good&lt;/b&gt; &amp; more"), "the comment is escaped");

    let out = ok(dir, &["class", "feedback", "class", "--student", "carmen", "--anonymous", "-o", "anon"]);
    assert!(out.contains("feedback-Student-C.html"), "{out}");
    let names: Vec<_> = std::fs::read_dir(dir.join("anon")).unwrap().collect();
    assert_eq!(names.len(), 1);
    let page = std::fs::read_to_string(dir.join("anon/feedback-Student-C.html")).unwrap();
    assert!(page.contains("Student C"));
    for name in ["anouk", "bertil", "carmen", "zoltan"] {
        assert!(!page.to_lowercase().contains(name), "names {name}");
    }
    let out = run(dir, &["class", "feedback", "class", "--student", "nobody", "-o", "x"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("\"nobody\" is not a student"), "{}", out.stderr);
}

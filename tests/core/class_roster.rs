//! A class roster as the learning platforms write it (`roster.csv` in the class folder): the
//! package carries its names (never more), the gradebooks carry the platform's identity
//! columns so that every row imports, students who handed nothing in are listed, and hand-ins
//! collected after the due date are marked late. Through the real binary.

use std::path::Path;

use marginalia::annotation::Annotation;
use marginalia::codebook::Codebook;
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};

use crate::common;
use common::ok;

const TEXT: &str = "The bridge will reopen in June. The council must fix the road.\n";
/// Moodle's participants download: a BOM, its own column names, a username with a dot.
const MOODLE_ROSTER: &str = "\u{feff}First name,Last name,ID number,Email address,Username\n\
    Ana,Lima,20231,ana@hill.example,ana.lima\n\
    Ben,O'Neil,20232,ben@hill.example,b.oneil\n\
    Cleo,Park,20233,cleo@hill.example,cpark\n";
const CANVAS_ROSTER: &str = "Student,ID,SIS User ID,SIS Login ID,Section\n\
    Points Possible,,,,\n\
    \"Lima, Ana\",101,20231,ana.lima,Period 2\n\
    \"O'Neil, Ben\",102,20232,b.oneil,Period 2\n\
    \"Park, Cleo\",103,20233,cpark,Period 3\n";

fn write_marks(doc_path: &Path, coder: &str, marks: &[(&str, &str)]) {
    let doc = Document::open(doc_path).unwrap();
    let anns: Vec<Annotation> = marks
        .iter()
        .map(|(quote, code)| {
            let start = doc.char_of(doc.text().find(quote).unwrap());
            Annotation::new(&doc, Span::new(start, start + quote.chars().count()), code, coder)
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    sidecar::save(&sidecar::coder_path(doc_path, coder), &Sidecar::new(doc_ref, coder, Codebook::default(), anns), None).unwrap();
}

/// A class with `roster`, due long ago; Ana Lima and Ben O'Neil (as the roster names them) hand
/// in, Cleo Park does not.
fn class_with_roster(roster: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let class = dir.join("class");
    std::fs::create_dir(&class).unwrap();
    std::fs::write(class.join("bridge.txt"), TEXT).unwrap();
    std::fs::write(class.join("roster.csv"), roster).unwrap();
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    ok(dir, &["class", "pack", "class", "-o", "w.marginalia-assignment", "--due", "2020-01-31"]);
    let mut collect = vec!["class".to_owned(), "collect".to_owned(), "class".to_owned()];
    for (student, folder) in [("Ana Lima", "ana"), ("Ben O'Neil", "ben")] {
        ok(dir, &["class", "unpack", "w.marginalia-assignment", folder]);
        write_marks(&dir.join(folder).join("bridge.txt"), student, &[("The bridge will reopen in June", "prediction")]);
        let handin = format!("{folder}.marginalia-handin");
        ok(dir, &["class", "handin", folder, "--coder", student, "-o", &handin]);
        collect.push(handin);
    }
    ok(dir, &collect.iter().map(String::as_str).collect::<Vec<_>>());
    write_marks(
        &class.join("bridge.txt"),
        "teacher",
        &[("The bridge will reopen in June", "prediction"), ("The council must fix the road", "demand")],
    );
    root
}

#[test]
fn the_package_carries_the_names_to_pick_from_and_nothing_else_of_the_roster() {
    let root = class_with_roster(MOODLE_ROSTER);
    let manifest = marginalia::class::read_assignment(&root.path().join("w.marginalia-assignment")).unwrap();
    let names: Vec<(&str, &str)> = manifest.roster.iter().map(|r| (r.name.as_str(), r.username.as_str())).collect();
    assert_eq!(names, [("Ana Lima", "ana.lima"), ("Ben O'Neil", "b.oneil"), ("Cleo Park", "cpark")]);
    let unpacked = std::fs::read_to_string(root.path().join("ana").join("assignment.ron")).unwrap();
    assert!(!unpacked.contains("20231") && !unpacked.contains("hill.example"), "no ids or emails reach students");
}

#[test]
fn the_moodle_gradebook_uses_the_rosters_usernames_and_lists_who_handed_nothing_in() {
    let root = class_with_roster(MOODLE_ROSTER);
    let csv = ok(root.path(), &["class", "grade", "class", "--format", "csv"]);
    let mut rows = csv.lines();
    assert!(rows.next().unwrap().starts_with("Username,"));
    let rows: Vec<&str> = rows.collect();
    assert!(rows.iter().any(|r| r.starts_with("ana.lima,")), "{csv}");
    assert!(rows.iter().any(|r| r.starts_with("b.oneil,")), "{csv}");
    let cleo = rows.iter().find(|r| r.starts_with("cpark,")).unwrap_or_else(|| panic!("the missing student is listed:\n{csv}"));
    assert!(cleo.ends_with("No hand-in"), "{cleo}");
    assert!(rows.iter().filter(|r| !r.starts_with("cpark")).all(|r| r.contains("(handed in late)")), "{csv}");

    let table = ok(root.path(), &["class", "grade", "class"]);
    assert!(table.contains("Cleo Park (on the roster) handed nothing in"), "{table}");
    assert!(table.contains("after the due date (2020-01-31)"), "{table}");
}

#[test]
fn the_canvas_gradebook_fills_its_identity_columns_from_the_roster() {
    let root = class_with_roster(CANVAS_ROSTER);
    let csv = ok(root.path(), &["class", "grade", "class", "--format", "canvas"]);
    let ana = csv.lines().find(|l| l.starts_with("Ana Lima,")).unwrap_or_else(|| panic!("{csv}"));
    assert!(ana.starts_with("Ana Lima,101,20231,ana.lima,Period 2,"), "{ana}");
    let ben = csv.lines().find(|l| l.contains("b.oneil")).unwrap_or_else(|| panic!("{csv}"));
    assert!(ben.contains(",102,20232,b.oneil,Period 2,"), "{ben}");
}

#[test]
fn a_roster_with_a_bad_line_is_refused_naming_the_file_and_the_line() {
    let root = tempfile::tempdir().unwrap();
    let class = root.path().join("class");
    std::fs::create_dir(&class).unwrap();
    std::fs::write(class.join("bridge.txt"), TEXT).unwrap();
    std::fs::write(class.join("roster.csv"), "Username,Name\nana,Ana\u{202E}Lima\n").unwrap();
    let out = common::run_in(root.path(), &["class", "pack", "class", "-o", "w.marginalia-assignment"], None);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("roster.csv") && out.stderr.contains("line 2"), "{}", out.stderr);
    assert!(!root.path().join("w.marginalia-assignment").exists(), "nothing is written");
}

#[cfg(feature = "gui")]
use crate::gui_support;

/// In the app, a student opening the assignment picks their name from the class's names.
#[cfg(feature = "gui")]
#[test]
fn a_student_picks_their_name_from_the_class_list() {
    use egui_kittest::kittest::Queryable;
    let root = class_with_roster(MOODLE_ROSTER);
    ok(root.path(), &["class", "unpack", "w.marginalia-assignment", "cleo"]);
    let mut app = marginalia::ui::App::new(marginalia::ui::Settings::default(), None);
    app.open(&root.path().join("cleo"));
    let mut harness = crate::gui_support::harness(app, 1280.0, 900.0);
    gui_support::step_until_shown(&mut harness, "Pick your name from your class:");
    harness.get_by_label("Cleo Park").click();
    gui_support::step_until(&mut harness, "the name is taken", |h| h.state().settings().coder == "Cleo Park");
    assert!(!harness.state().asking_coder());
}

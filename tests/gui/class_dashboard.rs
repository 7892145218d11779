//! The class dashboard of the real app, driven like a teacher would: opening a class folder,
//! the table of students by texts, sorting, clicking through to a student's work beside the
//! key, and anonymous mode, in which no student's name may appear anywhere in the window
//! (egui_kittest, no GPU).

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::step_until;

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};
use marginalia::annotation::Annotation;
use marginalia::codebook::Codebook;
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::ui::{App, Settings};

const SPEECH: &str = "Taxes will fall next year. The bridge must be rebuilt. Our town is the finest in the valley. \
                      Jobs will return soon. Vote for me on Sunday.\n";
const LETTER: &str = "Dear council,\nthe library should open on Mondays. Readers will come back.\nYours, a neighbour\n";

const KEY_SPEECH: [(&str, &str); 4] = [
    ("Taxes will fall next year", "prediction"),
    ("The bridge must be rebuilt", "demand"),
    ("Our town is the finest in the valley", "opinion"),
    ("Jobs will return soon", "prediction"),
];
const KEY_LETTER: [(&str, &str); 2] =
    [("the library should open on Mondays", "demand"), ("Readers will come back", "prediction")];

const STUDENTS: [&str; 4] = ["zoltan", "anouk", "carmen", "bertil"];

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
    let path = sidecar::coder_path(doc_path, coder);
    sidecar::save(&path, &Sidecar::new(doc_ref, coder, Codebook::default(), anns), None).unwrap();
}

/// A class folder of four students whose F1 per text is known (see the figures in the tests),
/// with "teacher" as the key: what `class collect` and `class key` leave behind.
fn class_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    std::fs::create_dir(&class).unwrap();
    let (speech, letter) = (class.join("speech.txt"), class.join("letter.md"));
    std::fs::write(&speech, SPEECH).unwrap();
    std::fs::write(&letter, LETTER).unwrap();
    write_marks(&speech, "teacher", &KEY_SPEECH);
    write_marks(&letter, "teacher", &KEY_LETTER);
    write_marks(&speech, "zoltan", &KEY_SPEECH);
    write_marks(&letter, "zoltan", &KEY_LETTER);
    write_marks(&speech, "anouk", &[("Taxes will fall", "prediction"), ("Vote for me on Sunday", "demand")]);
    write_marks(
        &speech,
        "carmen",
        &[
            ("Our town is the finest", "opinion"),
            ("Jobs will return soon", "prediction"),
            ("Taxes will fall next year", "prediction"),
        ],
    );
    write_marks(&letter, "carmen", &[("the library should open", "opinion")]);
    write_marks(&letter, "bertil", &[("Readers will come back", "prediction")]);
    marginalia::class::set_key(&class, "teacher").unwrap();
    (dir, class)
}

fn open_dashboard(class: &Path, anonymous: bool) -> Harness<'static, App> {
    let settings = Settings { coder: "Tester".into(), anonymous, ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(class);
    let mut harness = crate::gui_support::harness(app, 1400.0, 1200.0);
    step_until(&mut harness, "the class manifest is read", |h| h.state().class_info().is_some());
    harness.get_by_label("Coders").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Class dashboard…").click();
    step_until(&mut harness, "the grades are in", |h| h.state().class_dashboard().ready());
    harness.run_steps(2);
    harness
}

/// Every text the window gives to assistive technology (labels, values, descriptions).
fn all_text(harness: &Harness<'_, App>) -> Vec<String> {
    harness
        .query_all(By::new())
        .flat_map(|n| {
            let a = n.accesskit_node();
            [a.label(), a.value(), a.description()].into_iter().flatten()
        })
        .collect()
}

fn assert_no_name(harness: &Harness<'_, App>, when: &str) {
    let texts = all_text(harness);
    assert!(texts.len() > 20, "{when}: the tree has the window's text ({} nodes)", texts.len());
    for text in &texts {
        for name in STUDENTS {
            assert!(!text.to_lowercase().contains(name), "{when}: \"{text}\" names {name}");
        }
    }
}

/// A student's pseudonym as the app gave it: drawn at random for the class, then kept.
fn pseudonym(harness: &Harness<'_, App>, student: &str) -> String {
    harness.state().class_info().expect("the class is read").aliases[student].clone()
}

#[test]
fn the_dashboard_shows_every_student_sorts_and_opens_a_students_work_beside_the_key() {
    let (_dir, class) = class_folder();
    let mut harness = open_dashboard(&class, false);
    // Figures worked out by hand: anouk found 1 of 4 on the speech with 1 extra,
    // F1 = 2·1/(2·1 + 3 + 1) = 1/3; carmen found 3 of 4, none extra, F1 = 6/7.
    harness.get_by_label("anouk on speech.txt: 33 %");
    harness.get_by_label("carmen on speech.txt: 86 %");
    harness.get_by_label("zoltan on letter.md: 100 %");
    // bertil marked nothing on the speech: F1 0; one of two on the letter: F1 = 2/3.
    harness.get_by_label("bertil on speech.txt: 0 %");
    harness.get_by_label("bertil on letter.md: 67 %");
    let dashboard = harness.state().class_dashboard();
    assert_eq!(dashboard.shown_order(false), ["anouk", "bertil", "carmen", "zoltan"], "by name at first");

    // Means over the two texts: zoltan 1, carmen 3/7, bertil 1/3, anouk 1/6.
    harness.get_by_label("Sort by Mean").click();
    harness.run_steps(2);
    assert_eq!(harness.state().class_dashboard().shown_order(false), ["zoltan", "carmen", "bertil", "anouk"]);
    harness.get_by_label("Sort by Mean").click();
    harness.run_steps(2);
    assert_eq!(harness.state().class_dashboard().shown_order(false), ["anouk", "bertil", "carmen", "zoltan"]);
    // A text's column: on the letter bertil (2/3) beats carmen and anouk (0).
    harness.get_by_label("Sort by letter.md").click();
    harness.run_steps(2);
    assert_eq!(harness.state().class_dashboard().shown_order(false), ["zoltan", "bertil", "anouk", "carmen"]);

    // Recall for one code: the demand on the speech was found by zoltan alone.
    harness.get_by_label("Recall").click();
    harness.run_steps(2);
    harness.get_by_label("Code shown: all codes").click();
    harness.run_steps(2);
    harness.get_by_label("Demand").click();
    harness.run_steps(2);
    harness.get_by_label("zoltan on speech.txt: 100 %");
    harness.get_by_label("carmen on speech.txt: 0 %");

    // The class per code: the demand's F1 is 1 on zoltan's two texts, 0 on the six others.
    harness.get_by_label("By code").click();
    harness.run_steps(2);
    let chart = harness.get_by_label_contains("Bar chart of the class's mean F1 by code: ").accesskit_node().label().unwrap();
    assert!(chart.contains("Demand 25 %"), "{chart}");
    harness.get_by_label("share of the key's passages found").click();
    harness.run_steps(2);
    // Predictions: 7 of 12 found (see tests/core/class.rs).
    let chart = harness.get_by_label_contains("Bar chart of the class's share").accesskit_node().label().unwrap();
    assert!(chart.contains("Prediction 58 %"), "{chart}");

    // What most of the class missed: the bridge, found by one student of four.
    harness.get_by_label("Passages").click();
    harness.run_steps(2);
    harness.get_by_label("speech.txt").click();
    harness.run_steps(2);
    harness.get_by_label("\"The bridge must be rebuilt\"");
    assert!(harness.query_by_label("found by 1 of 4").is_some(), "the bridge was found by zoltan only");
    harness.get_by_label("1 of 4 students");

    // A click on a cell opens that student's work on that text beside the key.
    harness.get_by_label("Students").click();
    harness.run_steps(2);
    harness.get_by_label("carmen on speech.txt: 0 %").click();
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    let app = harness.state();
    assert_eq!(app.session().unwrap().doc.path(), Some(class.join("speech.txt").as_path()));
    let compare = app.compare().unwrap();
    assert_eq!(compare.coder_names(), ["carmen"], "the student alone beside the key (the key is not a coder)");
    let data = compare.data.as_ref().unwrap();
    assert_eq!(data.key_name.as_deref(), Some("teacher"));
    assert_eq!(data.scores.len(), 1);
    assert_eq!((data.scores[0].1.total.found, data.scores[0].1.total.missed), (3, 1));
}

#[test]
fn the_passages_heatmap_shades_each_key_passage_by_who_found_it_and_lists_who_missed_it() {
    let (_dir, class) = class_folder();
    let mut harness = open_dashboard(&class, false);
    harness.get_by_label("Passages").click();
    harness.run_steps(2);
    harness.get_by_label("speech.txt").click();
    harness.run_steps(3);
    harness.get_by_label_contains("Legend: blue shading is the share of the 4 students");
    // Counted by hand from the marks above: the taxes by zoltan, anouk (part of it) and carmen;
    // the bridge by zoltan; the town and the jobs by zoltan and carmen.
    harness.get_by_label("Key passage \"Taxes will fall next year\" (Prediction): found by 3 of 4");
    harness.get_by_label("Key passage \"The bridge must be rebuilt\" (Demand): found by 1 of 4");
    harness.get_by_label_contains("Key passage \"Our town is the finest in the valley\" (");
    assert!(
        harness
            .get_by_label_contains("Key passage \"Our town is the finest in the valley\"")
            .accesskit_node()
            .label()
            .unwrap()
            .ends_with(": found by 2 of 4")
    );
    harness.get_by_label("Key passage \"Jobs will return soon\" (Prediction): found by 2 of 4");
    // anouk's call to vote is in no key: one student, as a demand.
    harness.get_by_label("Not in the key \"Vote for me on Sunday\": marked by 1 of 4 students (Demand x1)");

    harness.get_by_label("Key passage \"The bridge must be rebuilt\" (Demand): found by 1 of 4").click();
    harness.run_steps(2);
    harness.get_by_label("Found it: zoltan");
    harness.get_by_label("Missed it: anouk, bertil, carmen");
    harness.get_by_label("Not in the key \"Vote for me on Sunday\": marked by 1 of 4 students (Demand x1)").click();
    harness.run_steps(2);
    harness.get_by_label("Marked it: anouk");

    // In anonymous mode the lists give pseudonyms, in their own order.
    harness.get_by_label("Anonymous (Student A, B, ...)").click();
    harness.run_steps(2);
    harness.get_by_label("Key passage \"Taxes will fall next year\" (Prediction): found by 3 of 4").click();
    harness.run_steps(2);
    let mut found: Vec<String> = ["anouk", "carmen", "zoltan"].iter().map(|s| pseudonym(&harness, s)).collect();
    found.sort();
    harness.get_by_label(&format!("Found it: {}", found.join(", ")));
    harness.get_by_label(&format!("Missed it: {}", pseudonym(&harness, "bertil")));
    assert_no_name(&harness, "the heatmap with a passage picked");

    // The letter has its own passages; the pick does not carry over.
    // (The folder's list names the letter too; the dashboard's button is drawn last.)
    harness.get_all_by_label("letter.md").last().unwrap().click();
    harness.run_steps(3);
    harness.get_by_label_contains("Key passage \"Readers will come back\" (Prediction): found by 2 of 4");
    assert!(harness.query_by_label_contains("Found it:").is_none());
}

#[test]
fn in_anonymous_mode_no_students_name_appears_anywhere_in_the_window() {
    let (_dir, class) = class_folder();
    let mut harness = open_dashboard(&class, false);
    harness.get_by_label("anouk on speech.txt: 33 %");
    harness.get_by_label("Anonymous (Student A, B, ...)").click();
    harness.run_steps(2);
    assert!(harness.state().settings().anonymous, "anonymous mode is a setting");
    // Pseudonyms are drawn at random for the class (so that a class list cannot undo them).
    let p = |h: &Harness<'_, App>, s: &str| pseudonym(h, s);
    harness.get_by_label(&format!("{} on speech.txt: 33 %", p(&harness, "anouk")));
    harness.get_by_label(&format!("{} on letter.md: 100 %", p(&harness, "zoltan")));
    let carmen = p(&harness, "carmen");
    harness.get_by_label(&carmen).click();
    harness.run_steps(2);
    assert_no_name(&harness, "the table with a comment being written");
    for tab in ["By code", "Passages", "Rubric and export"] {
        harness.get_by_label(tab).click();
        harness.run_steps(2);
        assert_no_name(&harness, tab);
    }
    harness.get_by_label("Students").click();
    harness.run_steps(2);
    harness.get_by_label(&format!("{carmen} on speech.txt: 86 %")).click();
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    harness.run_steps(2);
    assert_eq!(harness.state().compare().unwrap().coder_names(), [carmen.clone()]);
    for tab in ["Text", "Disagreements", "Annotations", "Agreement", "Answer key"] {
        // The compare view's tab (the annotation panel is titled "Annotations" too).
        harness.get_all_by_label(tab).last().unwrap().click();
        harness.run_steps(2);
        assert_no_name(&harness, &format!("the compare view's {tab} tab"));
    }
    // The compare view opened from the menu names nobody either, once every coder is shown.
    harness.get_by_label("Close").click();
    harness.run_steps(2);
    harness.get_by_label("Coders").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Compare coders").click();
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    harness.run_steps(2);
    let names = harness.state().compare().unwrap().coder_names();
    assert_eq!(names, [p(&harness, "anouk"), carmen.clone(), p(&harness, "zoltan")], "every student, the key apart");
    assert_no_name(&harness, "the compare view of every coder");

    // Passages retrieved across the folder name their coders by pseudonym too.
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Retrieve passages").click();
    step_until(&mut harness, "the Retrieve window opens", |h| h.query_by_label("Retrieve").is_some());
    harness.get_by_label("Retrieve").click();
    gui_support::step_until_shown(&mut harness, "passage(s) in 2 document(s)");
    harness.get_all_by_label(&carmen).next().expect("carmen's passages, by her pseudonym");
    assert_no_name(&harness, "the retrieved passages");
    harness.get_by_label("Close window").click();
    harness.run_steps(2);

    // The code matrix with coders as columns names them by pseudonym.
    harness.state_mut().matrix_mut().cols = "coder".into();
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Code matrix").click();
    gui_support::step_until_shown(&mut harness, &format!("column {carmen}"));
    // carmen's marks: two predictions on the speech.
    harness.get_by_label(&format!("Prediction x {carmen}: 2"));
    assert_no_name(&harness, "the code matrix by coder");
    harness.state_mut().matrix_mut().open = false;
    harness.run_steps(2);

    // Find in folder lists the matches of the class's texts, naming nobody.
    harness.get_by_label("Edit").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Find in folder").click();
    harness.run_steps(2);
    harness.state_mut().find_folder_mut().text = "will".into();
    harness.run_steps(1);
    harness.get_by_label("Find matches").click();
    gui_support::step_until_shown(&mut harness, "3 match(es) in 2 document(s)");
    assert_no_name(&harness, "find in folder");
    harness.state_mut().find_folder_mut().open = false;
    harness.run_steps(2);

    // Off again: the names come back.
    harness.get_by_label("Coders").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Class dashboard…").click();
    harness.run_steps(2);
    step_until(&mut harness, "the grades are in", |h| h.state().class_dashboard().ready());
    harness.get_by_label("Anonymous (Student A, B, ...)").click();
    harness.run_steps(2);
    harness.get_by_label("anouk on speech.txt: 33 %");
}

#[test]
fn the_rubric_and_a_comment_are_saved_and_feedback_and_gradebooks_are_written() {
    let (_dir, class) = class_folder();
    let mut harness = open_dashboard(&class, false);
    harness.get_by_label("anouk").click();
    harness.run_steps(2);
    harness.get_by_label("Comment on anouk").focus();
    harness.get_by_label("Comment on anouk").type_text("Read the speech again.");
    harness.run_steps(2);
    harness.get_by_label("Rubric and export").click();
    harness.run_steps(2);
    harness.get_by_label("Out of").click();
    harness.run_steps(2);
    // Saved as it is typed: no button to press.
    let class_ron = class.join("class.ron");
    step_until(&mut harness, "class.ron holds the rubric and the comment", |_| {
        let ron = std::fs::read_to_string(&class_ron).unwrap_or_default();
        ron.contains("OutOf(20.0)") && ron.contains("Read the speech again.")
    });
    let saved = marginalia::class::load_class(&class).unwrap().unwrap();
    assert_eq!(saved.key.as_deref(), Some("teacher"), "the rest of class.ron is kept");
    assert_eq!(saved.comments["anouk"], "Read the speech again.");

    harness.get_by_label("Write feedback pages").click();
    let page = class.join("feedback/feedback-anouk.html");
    step_until(&mut harness, "the feedback pages are written", |_| page.exists());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Read the speech again."), "the comment is in the page");
    // anouk's F1: 1/3 on the speech, 0 on the letter; out of 20: 20 · (1/3 + 0) / 2.
    assert!(html.contains("Grade: <strong>3.3 / 20</strong>"), "the grade on the scale");

    // The window says so (a line above the buttons) before anything else is clicked.
    step_until(&mut harness, "the pages are reported", |h| h.state().class_dashboard().message.is_some());
    harness.get_by_label("Anonymous (Student A, B, ...)").click();
    harness.run_steps(2);
    harness.get_by_label("Export Moodle CSV").click();
    // A file of its own: the named gradebook is never overwritten by an anonymous one.
    let csv = class.join("gradebook-moodle-anonymous.csv");
    step_until(&mut harness, "the gradebook is written", |_| csv.exists());
    let text = std::fs::read_to_string(&csv).unwrap();
    let anouk = format!("{},", pseudonym(&harness, "anouk"));
    let line = text.lines().find(|l| l.starts_with(&anouk)).unwrap_or_default();
    assert!(line.starts_with(&format!("{anouk}0.00,33.33,16.67,3.33,")), "{text}");
    for name in STUDENTS {
        assert!(!text.to_lowercase().contains(name), "the anonymous gradebook names {name}:\n{text}");
    }
}

/// class.ron as the core reads it back.
fn class_on_disk(class: &Path) -> marginalia::class::ClassManifest {
    marginalia::class::load_class(class).unwrap().expect("class.ron is there")
}

/// Clicks `student`'s name and types `text` into the comment on them.
fn type_comment(harness: &mut Harness<'_, App>, student: &str, text: &str) {
    harness.get_by_label(student).click();
    harness.run_steps(2);
    let label = format!("Comment on {student}");
    harness.get_by_label(&label).focus();
    harness.get_by_label(&label).type_text(text);
    harness.run_steps(1);
}

#[test]
fn a_comment_is_saved_in_class_ron_once_typing_pauses_without_pressing_anything() {
    let (_dir, class) = class_folder();
    let mut harness = open_dashboard(&class, false);
    type_comment(&mut harness, "carmen", "Look again at the letter.");
    // Typing has just stopped: the edit is waiting for its save, and the window says so.
    harness.get_by_label("Rubric and comments: Saving…");
    // The status bar is drawn before the window: it says so from the next frame.
    harness.step();
    harness.get_by_label("Saving the rubric and comments…");
    assert!(class_on_disk(&class).comments.is_empty(), "nothing is written while typing");
    step_until(&mut harness, "the comment is in class.ron", |_| {
        class_on_disk(&class).comments.get("carmen").map(String::as_str) == Some("Look again at the letter.")
    });
    step_until(&mut harness, "the window says it is saved", |h| {
        h.query_by_label_contains("Rubric and comments: saved in class.ron at").is_some()
    });
    let saved = class_on_disk(&class);
    assert_eq!(saved.key.as_deref(), Some("teacher"), "the rest of class.ron is kept");
    // The status bar says so too, rather than that there is nothing to save.
    harness.get_by_label_contains("Rubric and comments saved ");
    assert!(harness.query_by_label("Nothing to save yet").is_none(), "the status bar does not say nothing is to be saved");
    // The saved comment is what the dashboard shows after grading again.
    harness.get_by_label("Grade again").click();
    step_until(&mut harness, "the grades are in again", |h| h.state().class_dashboard().ready());
    assert_eq!(harness.state().class_dashboard().comments["carmen"], "Look again at the letter.");
}

#[test]
fn a_rubric_edit_is_saved_in_class_ron_without_pressing_anything() {
    let (_dir, class) = class_folder();
    let mut harness = open_dashboard(&class, false);
    harness.get_by_label("Rubric and export").click();
    harness.run_steps(2);
    harness.get_by_label("Out of").click();
    harness.run_steps(1);
    step_until(&mut harness, "the scale is in class.ron", |_| {
        class_on_disk(&class).rubric.scale == marginalia::class::GradeScale::OutOf(20.0)
    });
    gui_support::step_until_shown(&mut harness, "Rubric and comments: saved in class.ron at");
    assert_eq!(class_on_disk(&class).key.as_deref(), Some("teacher"), "the rest of class.ron is kept");
}

#[test]
fn closing_the_app_right_after_typing_writes_the_comment_and_the_rubric_first() {
    let (_dir, class) = class_folder();
    let mut harness = open_dashboard(&class, false);
    harness.get_by_label("Rubric and export").click();
    harness.run_steps(2);
    harness.get_by_label("Out of").click();
    harness.run_steps(1);
    harness.get_by_label("Students").click();
    harness.run_steps(2);
    harness.get_by_label("anouk").click();
    harness.run_steps(2);
    harness.get_by_label("Comment on anouk").focus();
    harness.get_by_label("Comment on anouk").type_text("Read the speech again.");
    // No pause: the window closes in the frame after the last key.
    harness.step();
    harness.state_mut().on_close();
    let saved = class_on_disk(&class);
    assert_eq!(saved.comments.get("anouk").map(String::as_str), Some("Read the speech again."));
    assert_eq!(saved.rubric.scale, marginalia::class::GradeScale::OutOf(20.0));
    assert_eq!(saved.key.as_deref(), Some("teacher"), "the rest of class.ron is kept");
}

#[test]
fn opening_another_folder_right_after_typing_writes_the_comment_into_the_class_left() {
    let (dir, class) = class_folder();
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("note.txt"), "Another text.\n").unwrap();
    let mut harness = open_dashboard(&class, false);
    type_comment(&mut harness, "bertil", "Good start.");
    harness.state_mut().open(&other);
    step_until(&mut harness, "the comment is in the class left", |_| {
        class_on_disk(&class).comments.get("bertil").map(String::as_str) == Some("Good start.")
    });
    assert!(!other.join("class.ron").exists(), "nothing is written into the folder opened");
}

/// Every text an export wrote: a file, every entry of a zip (xlsx, qdpx), or every file of a
/// folder (brat).
fn written_text(path: &Path) -> String {
    if path.is_dir() {
        let mut all = String::new();
        for entry in std::fs::read_dir(path).unwrap() {
            all.push_str(&written_text(&entry.unwrap().path()));
        }
        return all;
    }
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut all = String::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            all.push_str(entry.name());
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut raw).unwrap();
            all.push_str(&String::from_utf8_lossy(&raw));
        }
        return all;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn exports_made_in_anonymous_mode_name_no_student() {
    use marginalia::export::Format;
    let (dir, class) = class_folder();
    let mut harness = open_dashboard(&class, true);
    let (anouk, bertil) = (pseudonym(&harness, "anouk"), pseudonym(&harness, "bertil"));
    harness.get_by_label(&format!("{anouk} on speech.txt: 33 %"));
    let out_dir = dir.path().join("exports");
    std::fs::create_dir(&out_dir).unwrap();
    for format in Format::ALL {
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
        harness.run_steps(2);
        let ext = format.extension();
        let out = out_dir.join(if ext.is_empty() { format!("{format:?}") } else { format!("class.{ext}") });
        {
            let dialog = harness.state_mut().export_dialog_mut();
            dialog.format = format;
            dialog.whole_folder = true;
            dialog.out = out.display().to_string();
        }
        harness.run_steps(2);
        harness.get_by_label_contains("Anonymous mode is on: students are named by their pseudonyms");
        harness.get_by_label("Export").click();
        step_until(&mut harness, "the export is written", |h| {
            h.state().export_dialog().outcome.is_some() && !h.state().export_dialog().running
        });
        let outcome = harness.state().export_dialog().outcome.as_ref().unwrap();
        assert!(outcome.is_ok(), "{format:?}: {outcome:?}");
        let text = written_text(&out);
        // Every student's marks are in, by pseudonym (brat and SemEval files have no coder).
        assert!(
            matches!(format, Format::Brat | Format::Semeval) || text.contains(&anouk) && text.contains(&bertil),
            "{format:?} names the pseudonyms:\n{text}"
        );
        for name in STUDENTS {
            assert!(!text.to_lowercase().contains(name), "the anonymous {format:?} export names {name}");
        }
        harness.state_mut().export_dialog_mut().open = false;
        harness.run_steps(2);
    }
}

//! A class in the real app, driven like a student and a teacher would: opening an assignment
//! package (its instructions shown, its texts listed), annotating and handing in, dropping
//! hand-ins onto the teacher's class folder to collect them, and the answer key kept out of
//! the coders the compare view and the exports show (egui_kittest, no GPU).

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until, step_until_shown};

use std::io::Read;
use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::annotation::Annotation;
use marginalia::class::{self, ClassManifest};
use marginalia::codebook::Codebook;
use marginalia::document::{Document, Span};
use marginalia::edits::Action;
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::ui::command::Command;
use marginalia::ui::{App, Settings};

const LETTER: &str = "Dear neighbours,\n\n\
The bus to the lake stops running in May. We ask the council to keep it until September.\n\n\
Nobody can walk there with a picnic and two children.\n";
const SPEECH: &str = "Friends, the library stays open late from next week.\n\nCome and read with us.\n";

const DEMAND: &str = "We ask the council to keep it until September.";
const OPINION: &str = "Nobody can walk there with a picnic and two children.";
const FACT: &str = "The bus to the lake stops running in May.";

fn span_of(doc: &Document, needle: &str) -> Span {
    let start = doc.text()[..doc.text().find(needle).unwrap()].chars().count();
    Span::new(start, start + needle.chars().count())
}

fn write_coder(doc_path: &Path, coder: &str, marks: &[(&str, &str, &str)]) -> PathBuf {
    let doc = Document::open(doc_path).unwrap();
    let annotations: Vec<Annotation> = marks
        .iter()
        .map(|(quote, code, note)| {
            let mut a = Annotation::new(&doc, span_of(&doc, quote), code, coder);
            a.note = (*note).to_owned();
            a
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let path = sidecar::coder_path(doc_path, coder);
    sidecar::save(&path, &Sidecar::new(doc_ref, coder, Codebook::default(), annotations), None).unwrap();
    path
}

/// A teacher's class folder (two texts, instructions, codes asked on the letter, a due date)
/// and its package.
fn class_folder(root: &Path) -> (PathBuf, PathBuf) {
    let folder = root.join("class");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("letter.txt"), LETTER).unwrap();
    std::fs::write(folder.join("speech.txt"), SPEECH).unwrap();
    std::fs::write(
        folder.join(class::INSTRUCTIONS_FILE),
        "# Week 1\n\nRead the letter and mark every *demand* you find.\n\n- Use **one** code per passage\n- Add a note\n",
    )
    .unwrap();
    let mut manifest = ClassManifest::new();
    manifest.codes.insert("letter.txt".into(), vec!["demand".into(), "opinion".into()]);
    class::save_class(&folder, &manifest).unwrap();
    let package = root.join("week1.marginalia-assignment");
    class::pack(&folder, &package, Some("Week 1: letters"), Some("2026-12-10")).unwrap();
    (folder, package)
}

fn app_as(coder: &str, documents: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: coder.into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.assignment_mut().documents = Some(documents.to_path_buf());
    crate::gui_support::harness(app, 1400.0, 1000.0)
}

fn open_package(harness: &mut Harness<'static, App>, package: &Path) {
    harness.state_mut().open(package);
    assert!(harness.state().assignment().unpacking.is_some(), "the package is unpacked in the background");
    step_until(harness, "the assignment opens", |h| {
        h.state().assignment().unpacking.is_none()
            && h.state().folder().is_some()
            && h.state().session().is_some()
            && h.state().assignment().current.is_some()
    });
    harness.run_steps(2);
}

/// The Hand in button of the bar under the menu (the instructions window is closed first).
fn click_hand_in(harness: &mut Harness<'static, App>) {
    harness.state_mut().assignment_mut().show_instructions = false;
    harness.run_steps(2);
    harness.get_by_label("Hand in...").click();
    step_until(harness, "the hand-in window opens", |h| h.query_by_label("Hand in now").is_some());
}

fn zip_entries(path: &Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().to_owned()).collect()
}

fn tag(harness: &mut Harness<'static, App>, quote: &str, code: &str) {
    let app = harness.state_mut();
    let session = app.session().unwrap();
    let a = Annotation::new(&session.doc, span_of(&session.doc, quote), code, &session.coder);
    app.push(Command::Apply(Action::Add(a)));
    harness.run_steps(2);
}

#[test]
fn opening_a_package_shows_its_instructions_and_lists_its_texts_in_the_documents_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (_class, package) = class_folder(dir.path());
    let documents = dir.path().join("Documents");
    let mut harness = app_as("ana", &documents);
    open_package(&mut harness, &package);

    let folder = documents.join("Marginalia").join("week1");
    assert_eq!(harness.state().folder().unwrap().root, folder);
    let names: Vec<&str> = harness.state().folder().unwrap().entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["letter.txt", "speech.txt"], "the texts are listed, the instructions are not a text");
    harness.get_by_label_contains("speech.txt, not started");
    // The instructions window: title, due date, the codes asked per text, the Markdown.
    harness.get_by_label("Week 1: letters");
    assert_eq!(harness.query_all_by_label("Due: 2026-12-10").count(), 2, "in the bar and in the window");
    harness.get_by_label("letter.txt: mark Demand, Opinion or value judgement");
    harness.get_by_label("speech.txt: mark any code");
    harness.get_by_label("Read the letter and mark every demand you find.");
    harness.get_by_label("Use one code per passage");
    // Closed, it can be opened again from the bar under the menu.
    harness.state_mut().assignment_mut().show_instructions = false;
    harness.run_steps(2);
    assert!(harness.query_by_label("Read the letter and mark every demand you find.").is_none());
    harness.get_by_label("Instructions").click();
    harness.run_steps(2);
    harness.get_by_label("Read the letter and mark every demand you find.");
    // Escape closes them, as it closes other windows.
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label("Read the letter and mark every demand you find.").is_none());
}

#[test]
fn a_student_hands_in_only_their_own_marks_and_reopening_the_package_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_class, package) = class_folder(dir.path());
    let documents = dir.path().join("Documents");
    let mut harness = app_as("ana", &documents);
    open_package(&mut harness, &package);
    let folder = documents.join("Marginalia").join("week1");
    // Someone else's sidecar in the same folder must never travel in ana's hand-in.
    write_coder(&folder.join("letter.txt"), "ben", &[(OPINION, "opinion", "")]);

    tag(&mut harness, DEMAND, "demand");
    click_hand_in(&mut harness);
    harness.run_steps(2);
    let out = documents.join("week1-ana.marginalia-handin");
    harness.get_by_label("Hand in now").click();
    step_until(&mut harness, "the hand-in is written", |h| h.query_all_by_label_contains("Handed in!").count() > 0);
    assert!(harness.query_all_by_label_contains(&out.display().to_string()).count() > 0, "the full path is shown");
    // The student's sidecar is named by their name; the hand-in holds it alone.
    let own = sidecar::coder_path(&folder.join("letter.txt"), "ana");
    assert!(own.is_file(), "in an assignment folder the sidecar is named by the coder");
    assert!(!sidecar::default_path(&folder.join("letter.txt")).exists());
    let mut entries = zip_entries(&out);
    entries.sort();
    assert_eq!(entries, ["letter.txt.ana.annotations.ron", "manifest.ron"]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name("letter.txt.ana.annotations.ron").unwrap().read_to_string(&mut text).unwrap();
    let handed = Sidecar::from_ron(&text, Path::new("letter.txt.ana.annotations.ron")).unwrap();
    let codes: Vec<&str> = handed.annotations.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["demand"], "ana's one mark, not ben's");

    // Handing in again replaces the file, and says so.
    tag(&mut harness, OPINION, "opinion");
    harness.get_by_label("Hand in now").click();
    step_until(&mut harness, "the second hand-in is written", |h| {
        h.query_all_by_label_contains("replaces the one you handed in before").count() > 0
    });
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name("letter.txt.ana.annotations.ron").unwrap().read_to_string(&mut text).unwrap();
    let handed = Sidecar::from_ron(&text, Path::new("letter.txt.ana.annotations.ron")).unwrap();
    assert_eq!(handed.annotations.len(), 2, "the second hand-in holds the new mark");

    // Opening the same package again keeps the student's work.
    let before = std::fs::read(&own).unwrap();
    open_package(&mut harness, &package);
    assert_eq!(std::fs::read(&own).unwrap(), before);
    assert_eq!(harness.state().session().unwrap().edits.annotations().len(), 2, "the marks are still shown");
    // A text changed in the folder is not overwritten, and the student is told in words.
    std::fs::write(folder.join("speech.txt"), "changed by hand\n").unwrap();
    harness.state_mut().open(&package);
    step_until_shown(&mut harness, "nothing was overwritten and your work is safe");
    assert_eq!(std::fs::read_to_string(folder.join("speech.txt")).unwrap(), "changed by hand\n");
    assert_eq!(std::fs::read(&own).unwrap(), before);
}

#[test]
fn handing_in_with_nothing_marked_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (_class, package) = class_folder(dir.path());
    let documents = dir.path().join("Documents");
    let mut harness = app_as("ana", &documents);
    open_package(&mut harness, &package);
    click_hand_in(&mut harness);
    harness.run_steps(2);
    harness.get_by_label("Hand in now").click();
    step_until_shown(&mut harness, "There is nothing to hand in yet");
    assert!(!documents.join("week1-ana.marginalia-handin").exists());
}

/// A file dropped onto the window, as the window system hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// A student's hand-in made through the core: unpack, mark, hand in.
fn handin_of(package: &Path, root: &Path, coder: &str, marks: &[(&str, &str, &str)]) -> PathBuf {
    let folder = root.join(format!("student-{coder}"));
    class::unpack(package, &folder).unwrap();
    write_coder(&folder.join("letter.txt"), coder, marks);
    let out = root.join(class::handin_file_name("week1", coder));
    class::handin(&folder, &marginalia::coder::Coder::new(coder), Some(&out), time::OffsetDateTime::now_utc()).unwrap();
    out
}

#[test]
fn dropping_hand_ins_on_the_class_folder_collects_them_and_lists_each_result() {
    let dir = tempfile::tempdir().unwrap();
    let (class_dir, package) = class_folder(dir.path());
    let ana = handin_of(&package, dir.path(), "ana", &[(DEMAND, "demand", "")]);
    let ben = handin_of(&package, dir.path(), "ben", &[(OPINION, "opinion", "")]);
    // A hand-in of another class's assignment.
    let other_root = dir.path().join("other");
    std::fs::create_dir_all(&other_root).unwrap();
    let (_, other_package) = class_folder(&other_root);
    let stranger = handin_of(&other_package, &other_root, "cleo", &[(FACT, "factual-assertion", "")]);

    let mut harness = app_as("teacher", &dir.path().join("Documents"));
    harness.state_mut().open(&class_dir);
    harness.run_steps(3);
    for file in [&ana, &ben, &stranger] {
        harness.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(file.clone())));
    }
    harness.run_steps(1);
    step_until_shown(&mut harness, "Collected hand-ins");
    harness.get_by_label("collected: ana, 1 sidecar(s)");
    harness.get_by_label("collected: ben, 1 sidecar(s)");
    harness.get_by_label_contains("skipped: is a hand-in of another assignment");
    harness.get_by_label(&format!("Into {}: 2 of 3 file(s) collected.", class_dir.display()));
    assert!(sidecar::coder_path(&class_dir.join("letter.txt"), "ana").is_file());
    assert!(sidecar::coder_path(&class_dir.join("letter.txt"), "ben").is_file());
    assert!(!sidecar::coder_path(&class_dir.join("letter.txt"), "cleo").exists());
    // The folder panel reads the new sidecars again.
    step_until(&mut harness, "the folder panel counts the collected coders", |h| {
        h.state().folder().unwrap().coders() == ["ana", "ben"]
    });
}

#[test]
fn the_answer_key_is_not_a_coder_in_compare_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let (class_dir, _) = class_folder(dir.path());
    let letter = class_dir.join("letter.txt");
    write_coder(&letter, "ana", &[(DEMAND, "demand", "")]);
    write_coder(&letter, "ben", &[(DEMAND, "opinion", "")]);
    write_coder(&letter, "teacher", &[(DEMAND, "demand", "Asks for something"), (OPINION, "opinion", "Key note")]);
    class::set_key(&class_dir, "teacher").unwrap();

    let mut harness = app_as("teacher", &dir.path().join("Documents"));
    harness.state_mut().open(&class_dir);
    harness.run_steps(2);
    harness.state_mut().push(marginalia::ui::command::UiCommand::CompareCoders);
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    harness.run_steps(2);
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "ben"]);
    harness.get_by_label("ana (1)");
    assert!(harness.query_by_label("teacher (2)").is_none(), "no checkbox offers the key as a coder");
    harness.get_by_label_contains("Answer key: teacher");
    harness.get_by_label("1 disagreements");
    harness.get_by_label("Accept ana's");
    assert!(harness.query_by_label_contains("Accept teacher's").is_none());
    // The key still scores the students, and its marks can be hidden while projecting.
    harness.get_by_label("Answer key").click();
    harness.run_steps(2);
    harness.get_by_label("Score");
    assert!(harness.query_by_label_contains("Choose the sidecar that holds the answers").is_none(), "the class's key is chosen");
    harness.get_by_label("Text").click();
    harness.run_steps(2);
    harness.get_by_label_contains("missed: ana");
    harness.get_by_label_contains("extra: ben");
    harness.get_by_label("Hide key").click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("missed: ana").is_none(), "the key's answers are hidden");
    // An "extra" says where the key has nothing: hidden too while the key is.
    assert!(harness.query_by_label_contains("extra: ben").is_none(), "extras would show where the key is silent");

    // The folder panel does not count the key, and File > Export leaves it out.
    step_until(&mut harness, "the folder is read", |h| h.state().folder().unwrap().coders() == ["ana", "ben"]);
    harness.state_mut().push(marginalia::ui::command::UiCommand::Export);
    harness.run_steps(2);
    let out = dir.path().join("class.csv");
    harness.state_mut().export_dialog_mut().out = out.display().to_string();
    harness.run_steps(1);
    harness.get_by_label("Export").click();
    step_until_shown(&mut harness, "The answer key (teacher) is not a coder");
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let coders: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert_eq!(coders.len(), 2, "{coders:?}");
    assert!(coders.iter().all(|c| c != "teacher"), "{coders:?}");
}

/// Copies the files of a folder (not its subfolders).
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn the_sample_class_opens_for_a_student_and_collects_its_waiting_hand_ins() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join("class-week1");
    let dir = tempfile::tempdir().unwrap();
    // A student opens the sample package.
    let mut harness = app_as("eva", &dir.path().join("Documents"));
    open_package(&mut harness, &sample.join("week1.marginalia-assignment"));
    harness.get_by_label("bike-lanes.txt: mark Claim, Evidence, Appeal to feelings");
    harness.get_by_label("school-lunch.md: mark any code");
    assert_eq!(harness.state().folder().unwrap().entries.len(), 2);

    // The teacher drops the two waiting hand-ins onto a copy of the class folder.
    let class_dir = dir.path().join("class");
    copy_folder(&sample.join("class"), &class_dir);
    let mut harness = app_as("teacher", &dir.path().join("Documents"));
    harness.state_mut().open(&class_dir);
    harness.run_steps(3);
    for name in ["week1-cleo.marginalia-handin", "week1-dev.marginalia-handin"] {
        harness.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(sample.join("handins").join(name))));
    }
    harness.run_steps(1);
    step_until_shown(&mut harness, "Collected hand-ins");
    harness.get_by_label_contains("collected: cleo");
    harness.get_by_label_contains("collected: dev");
    step_until(&mut harness, "the folder panel counts every student but the key", |h| {
        h.state().folder().unwrap().coders() == ["ana", "ben", "cleo", "dev"]
    });
}

#[test]
fn a_name_given_after_the_assignment_opened_names_the_students_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let (_class, package) = class_folder(dir.path());
    let documents = dir.path().join("Documents");
    // First run: no name yet, so the prompt asks while the package opens.
    let mut harness = app_as("", &documents);
    assert!(harness.state().asking_coder());
    open_package(&mut harness, &package);
    harness.state_mut().push(Command::SetCoder("zoe".into()));
    let letter = documents.join("Marginalia").join("week1").join("letter.txt");
    step_until(&mut harness, "the document opens again under the new name", |h| {
        h.state().session().is_some_and(|s| s.sidecar_path == sidecar::coder_path(&letter, "zoe"))
    });
    tag(&mut harness, DEMAND, "demand");
    click_hand_in(&mut harness);
    harness.get_by_label("Hand in now").click();
    step_until(&mut harness, "the hand-in is written", |h| h.query_all_by_label_contains("Handed in!").count() > 0);
    assert!(documents.join("week1-zoe.marginalia-handin").is_file());
}

#[test]
fn the_html_report_of_a_class_folder_leaves_the_key_out() {
    let dir = tempfile::tempdir().unwrap();
    let (class_dir, _) = class_folder(dir.path());
    let letter = class_dir.join("letter.txt");
    write_coder(&letter, "ana", &[(DEMAND, "demand", "Ana thinks so")]);
    write_coder(&letter, "teacher", &[(OPINION, "opinion", "The key's answer")]);
    class::set_key(&class_dir, "teacher").unwrap();
    let mut harness = app_as("teacher", &dir.path().join("Documents"));
    harness.state_mut().open(&class_dir);
    harness.run_steps(2);
    harness.state_mut().push(marginalia::ui::command::UiCommand::Export);
    harness.run_steps(2);
    let out = dir.path().join("class.html");
    harness.state_mut().export_dialog_mut().format = marginalia::export::Format::Html;
    harness.state_mut().export_dialog_mut().out = out.display().to_string();
    harness.run_steps(1);
    harness.get_by_label("Export").click();
    step_until_shown(&mut harness, "The answer key (teacher) is not a coder");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Ana thinks so"), "the student's note is in the report");
    assert!(!html.contains("The key&#39;s answer") && !html.contains("The key's answer"), "the key's note is not");
}

#[test]
fn a_name_with_a_dot_hands_in_under_a_file_name_made_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_class, package) = class_folder(dir.path());
    let documents = dir.path().join("Documents");
    let mut harness = app_as("j.smith", &documents);
    open_package(&mut harness, &package);
    tag(&mut harness, DEMAND, "demand");
    click_hand_in(&mut harness);
    harness.get_by_label("Hand in now").click();
    step_until(&mut harness, "the hand-in is written", |h| h.query_all_by_label_contains("Handed in!").count() > 0);
    let out = documents.join("week1-j-smith.marginalia-handin");
    let mut entries = zip_entries(&out);
    entries.sort();
    assert_eq!(entries, ["letter.txt.j-smith.annotations.ron", "manifest.ron"]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name("manifest.ron").unwrap().read_to_string(&mut text).unwrap();
    assert!(text.contains("coder: \"j.smith\""), "{text}");
}

#[test]
fn a_package_path_typed_into_file_open_opens_the_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let (_class, package) = class_folder(dir.path());
    let documents = dir.path().join("Documents");
    let mut harness = app_as("ana", &documents);
    harness.run_steps(2);
    harness.state_mut().push(marginalia::ui::command::UiCommand::Open);
    step_until(&mut harness, "the Open window shows", |h| h.query_by_label("Path to open").is_some());
    harness.get_by_label("Path to open").click();
    harness.run_steps(1);
    harness.get_by_label("Path to open").type_text(&package.display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Open").click();
    step_until(&mut harness, "the assignment opens", |h| h.state().folder().is_some() && h.state().session().is_some());
    assert_eq!(harness.state().folder().unwrap().root, documents.join("Marginalia").join("week1"));
    step_until_shown(&mut harness, "Read the letter and mark every demand you find.");
}

#[test]
fn a_text_of_an_assignment_opened_alone_keeps_the_hand_in_bar() {
    let dir = tempfile::tempdir().unwrap();
    let (_class, package) = class_folder(dir.path());
    let documents = dir.path().join("Documents");
    let folder = documents.join("Marginalia").join("week1");
    class::unpack(&package, &folder).unwrap();
    let mut harness = app_as("ana", &documents);
    harness.state_mut().open(&folder.join("speech.txt"));
    step_until(&mut harness, "the assignment is recognised", |h| h.state().assignment().current.is_some());
    assert!(harness.state().folder().is_none());
    harness.get_by_label("Assignment: Week 1: letters");
    harness.get_by_label("Hand in...");
    assert_eq!(harness.state().session().unwrap().sidecar_path, sidecar::coder_path(&folder.join("speech.txt"), "ana"));
}

//! Anonymous mode end to end in the real app (egui_kittest, no GPU): a teacher with anonymous
//! mode on opens the class folder, drops hand-ins onto the window, and goes through every view
//! (the collection window, the folder panel and its chart, a student's annotation in the
//! panel, every tab of the class dashboard, the compare view, Retrieve, the code matrix) and
//! every export (File > Export in every format, the dashboard's gradebooks and feedback pages,
//! Retrieve's lists): no student's real name, whole or in part, may appear in the window's
//! accessibility tree or in a file written. A student is the same pseudonym everywhere, and
//! keeps it in the next session, when more hand-ins come in.

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until, step_until_shown};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};
use marginalia::annotation::Annotation;
use marginalia::class::{self, ClassManifest};
use marginalia::codebook::Codebook;
use marginalia::document::{Document, Span};
use marginalia::link::Link;
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::ui::command::{Command, UiCommand};
use marginalia::ui::{App, Settings};

const LETTER: &str = "Dear neighbours,\n\n\
The bus to the lake stops running in May. We ask the council to keep it until September.\n\n\
Nobody can walk there with a picnic and two children.\n";
const SPEECH: &str = "Friends, the library stays open late from next week.\n\nCome and read with us.\n";

const DEMAND: &str = "We ask the council to keep it until September.";
const OPINION: &str = "Nobody can walk there with a picnic and two children.";
const FACT: &str = "The bus to the lake stops running in May.";
const LATE: &str = "the library stays open late from next week.";

/// The students; the first is collected before the session, the others are dropped onto the
/// window in it, the last in a later session.
const ANA: &str = "Ana Lima";
const BEN: &str = "Ben O'Neil";
const CLEO: &str = "Cleo Vance";
const DMITRI: &str = "Dmitri Kowalski";
const EVE: &str = "Eve Moreau";
const STUDENTS: [&str; 5] = [ANA, BEN, CLEO, DMITRI, EVE];

/// Any part of any student's name, as a whole word in any case.
fn name_in(text: &str) -> Option<String> {
    let parts: Vec<String> = STUDENTS.iter().flat_map(|s| s.split(' ')).map(|p| regex::escape(&p.to_lowercase())).collect();
    let re = regex::Regex::new(&format!(r"(?i)\b(?:{})\b", parts.join("|"))).unwrap();
    re.find(text).map(|m| m.as_str().to_owned())
}

fn span_of(doc: &Document, needle: &str) -> Span {
    let start = doc.text()[..doc.text().find(needle).unwrap()].chars().count();
    Span::new(start, start + needle.chars().count())
}

/// Writes `coder`'s sidecar (`<doc>.<coder>.annotations.ron`) with these marks.
fn write_coder(doc_path: &Path, coder: &str, marks: &[(&str, &str, &str)]) {
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
}

/// A student's hand-in, made through the core: unpack, mark, hand in.
fn handin_of(package: &Path, root: &Path, coder: &str, letter: &[(&str, &str, &str)], speech: &[(&str, &str, &str)]) -> PathBuf {
    let folder = root.join(format!("student-{}", coder.replace(' ', "-")));
    class::unpack(package, &folder).unwrap();
    write_coder(&folder.join("letter.txt"), coder, letter);
    if !speech.is_empty() {
        write_coder(&folder.join("speech.txt"), coder, speech);
    }
    let out = root.join(class::handin_file_name("week1", coder));
    class::handin_by_name(&folder, coder, Some(&out), time::OffsetDateTime::now_utc()).unwrap();
    out
}

/// The teacher's class folder: two texts, the key ("teacher"), Ana's hand-in collected, a
/// comment on Ana and one on Ben; and the teacher's own sidecar of the letter, holding a
/// passage Ana marked and a link Ben drew. Returns the folder and the hand-ins still to
/// collect (Ben, Cleo, Dmitri; Eve's for the next session).
fn class_folder(root: &Path) -> (PathBuf, Vec<PathBuf>, PathBuf) {
    let folder = root.join("class");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("letter.txt"), LETTER).unwrap();
    std::fs::write(folder.join("speech.txt"), SPEECH).unwrap();
    let mut manifest = ClassManifest::new();
    manifest.title = "Week 1".into();
    class::save_class(&folder, &manifest).unwrap();
    let package = root.join("week1.marginalia-assignment");
    class::pack(&folder, &package, Some("Week 1"), None).unwrap();
    write_coder(&folder.join("letter.txt"), "teacher", &[(DEMAND, "demand", "The key's demand"), (OPINION, "opinion", "")]);
    write_coder(&folder.join("speech.txt"), "teacher", &[(LATE, "prediction", "")]);
    class::set_key(&folder, "teacher").unwrap();

    let ana = handin_of(&package, root, ANA, &[(DEMAND, "demand", "A demand, I think"), (FACT, "factual-assertion", "")], &[]);
    class::collect(&folder, &[ana]).unwrap();
    let later = vec![
        handin_of(&package, root, BEN, &[(DEMAND, "opinion", "")], &[(LATE, "prediction", "")]),
        handin_of(&package, root, CLEO, &[(OPINION, "opinion", ""), (DEMAND, "demand", "")], &[]),
        handin_of(&package, root, DMITRI, &[(FACT, "factual-assertion", "")], &[(LATE, "demand", "")]),
    ];
    let eve = handin_of(&package, root, EVE, &[(OPINION, "demand", "")], &[]);
    let comments: BTreeMap<String, String> = [
        (ANA.to_owned(), "Ana, look again at the letter. Well done, LIMA.".to_owned()),
        (BEN.to_owned(), "good start, Ben.".to_owned()),
    ]
    .into();
    class::set_rubric_and_comments(&folder, &Default::default(), &comments).unwrap();

    // The teacher's own sidecar of the letter: a passage copied from Ana's work, and a link
    // Ben drew between two passages.
    let letter = folder.join("letter.txt");
    let doc = Document::open(&letter).unwrap();
    let a = Annotation::new(&doc, span_of(&doc, FACT), "factual-assertion", ANA);
    let b = Annotation::new(&doc, span_of(&doc, DEMAND), "demand", "Tester");
    let link = Link::new("supports", a.id, b.id, BEN);
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let mut own = Sidecar::new(doc_ref, "Tester", Codebook::default(), vec![a, b]);
    own.links.push(link);
    sidecar::save(&sidecar::default_path(&letter), &own, None).unwrap();
    (folder, later, eve)
}

/// The teacher's app with anonymous mode on, pseudonyms kept in `store`, the class open and
/// read.
fn teacher(class_dir: &Path, store: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: "Tester".into(), anonymous: true, ..Settings::default() };
    let mut app = App::new(settings, None);
    app.set_pseudonym_folder(Some(store.to_path_buf()));
    app.open(class_dir);
    let mut harness = crate::gui_support::harness(app, 1400.0, 1100.0);
    step_until(&mut harness, "the class folder is read", |h| {
        h.state().class_info().is_some()
            && h.state().folder().is_some_and(|f| f.reading.is_none())
            && h.state().session().is_some()
    });
    harness.run_steps(2);
    harness
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

/// Drops hand-ins onto the window and waits until the folder is read again with `student`'s
/// work in it.
fn drop_handins(harness: &mut Harness<'static, App>, files: &[PathBuf], student: &str) {
    for file in files {
        harness.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(file.clone())));
    }
    harness.run_steps(1);
    step_until_shown(harness, "Collected hand-ins");
    step_until(harness, "the folder is read again", |h| {
        let app = h.state();
        app.folder().is_some_and(|f| f.reading.is_none() && f.coders().iter().any(|c| c == student))
            && app.loaded_corpus().is_some()
    });
    harness.run_steps(2);
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
        if let Some(name) = name_in(text) {
            panic!("{when}: \"{text}\" names a student ({name})");
        }
    }
}

/// Every text a file or folder written holds: a file, every entry of a zip (xlsx, qdpx) with
/// its name, every file of a folder (brat) with its name.
fn written_text(path: &Path) -> String {
    let mut all = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            all.push('\n');
            all.push_str(&written_text(&entry.unwrap().path()));
        }
        return all;
    }
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            all.push('\n');
            all.push_str(entry.name());
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut raw).unwrap();
            all.push_str(&String::from_utf8_lossy(&raw));
        }
        return all;
    }
    all.push('\n');
    all.push_str(&String::from_utf8_lossy(&bytes));
    all
}

fn assert_file_names_nobody(path: &Path, what: &str) {
    let text = written_text(path);
    if let Some(name) = name_in(&text) {
        panic!("{what} ({}) names a student ({name}):\n{text}", path.display());
    }
}

fn click_menu(harness: &mut Harness<'static, App>, menu: &str, item: &str) {
    harness.get_by_label(menu).click();
    harness.run_steps(2);
    harness.get_by_label_contains(item).click();
    harness.run_steps(2);
}

#[test]
fn in_anonymous_mode_no_students_name_shows_in_any_view_or_export_with_hand_ins_collected_in_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let (class_dir, later, eve) = class_folder(dir.path());
    let store = dir.path().join("teacher-data").join("pseudonyms");
    let mut harness = teacher(&class_dir, &store);
    assert_no_name(&harness, "the class folder as opened");

    // Three hand-ins dropped onto the window in this session.
    drop_handins(&mut harness, &later, DMITRI);
    harness.get_by_label(&format!("Into {}: 3 of 3 file(s) collected.", class_dir.display()));
    assert_no_name(&harness, "the collected hand-ins window");
    harness.state_mut().assignment_mut().collected = None;
    harness.run_steps(2);

    // One map: every student has a pseudonym, and every view takes it from there.
    let aliases = harness.state().class_info().unwrap().aliases.clone();
    let p = |s: &str| aliases.get(s).cloned().unwrap_or_else(|| panic!("{s} has a pseudonym: {aliases:?}"));
    let mut given: Vec<String> = [ANA, BEN, CLEO, DMITRI].iter().map(|s| p(s)).collect();
    given.sort();
    assert_eq!(given, ["Student A", "Student B", "Student C", "Student D"]);
    assert!(!aliases.contains_key("teacher"), "the key keeps its name");
    assert!(store.read_dir().unwrap().count() == 1, "the map is kept in the app's folder");
    assert!(
        std::fs::read_dir(&class_dir).unwrap().flatten().all(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            !text.contains(&p(ANA)) && !text.contains("Student ?")
        }),
        "nothing of the map is in the class folder"
    );

    // The folder panel and its chart, with the chart's coders listed.
    assert_no_name(&harness, "the folder panel after collecting");
    harness.get_by_label("Overview chart").click();
    harness.run_steps(2);
    let combo = harness
        .query_all(By::new())
        .find(|n| {
            let a = n.accesskit_node();
            a.value().as_deref() == Some("all coders") || a.label().as_deref() == Some("all coders")
        })
        .expect("the chart's coder choice");
    combo.click();
    harness.run_steps(2);
    harness.get_by_label(&p(CLEO));
    assert_no_name(&harness, "the overview chart's coders");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    harness.get_by_label("Close window").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Codes across the folder").is_none());

    // A student's annotation selected in the panel: its coder, and the coder of its link.
    let id = harness.state().session().unwrap().edits.annotations().iter().find(|a| a.coder == ANA).unwrap().id;
    harness.state_mut().push(Command::Select(Some(id), true));
    harness.run_steps(3);
    harness.get_by_label_contains(&format!("by {} ·", p(ANA)));
    harness.get_by_label_contains(&format!("by {}, ", p(BEN)));
    assert_no_name(&harness, "a student's annotation in the panel");

    // The class dashboard, every tab.
    click_menu(&mut harness, "Coders", "Class dashboard…");
    step_until(&mut harness, "the grades are in", |h| h.state().class_dashboard().ready());
    harness.run_steps(2);
    harness.get_by_label_contains(&format!("{} on letter.txt: ", p(DMITRI)));
    let shown = harness.state().class_dashboard().shown_order(true);
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(shown, sorted, "sorted by the names shown, not the real ones");
    assert_no_name(&harness, "the dashboard's table");
    // Ben's comment names him by his pseudonym; Ana's likewise.
    harness.get_all_by_label(&p(BEN)).last().unwrap().click();
    harness.run_steps(2);
    let comment = harness.get_by_label(&format!("Comment on {}", p(BEN))).accesskit_node().value().unwrap_or_default();
    assert_eq!(comment, format!("good start, {}.", p(BEN)));
    assert_no_name(&harness, "the comment on a student");
    harness.get_all_by_label(&p(ANA)).last().unwrap().click();
    harness.run_steps(2);
    let comment = harness.get_by_label(&format!("Comment on {}", p(ANA))).accesskit_node().value().unwrap_or_default();
    assert_eq!(comment, format!("{0}, look again at the letter. Well done, {0}.", p(ANA)));
    assert_no_name(&harness, "the comment on another student");
    for tab in ["By code", "Passages"] {
        harness.get_by_label(tab).click();
        harness.run_steps(2);
        assert_no_name(&harness, tab);
    }
    harness.get_all_by_label("letter.txt").last().unwrap().click();
    harness.run_steps(2);
    harness.get_by_label_contains("Key passage \"Nobody can walk").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Found it:");
    assert_no_name(&harness, "who found a passage");

    // The dashboard's exports: files of their own, named by pseudonym.
    harness.get_by_label("Rubric and export").click();
    harness.run_steps(2);
    assert_no_name(&harness, "the rubric and export tab");
    let (moodle, canvas, feedback) = (
        class_dir.join("gradebook-moodle-anonymous.csv"),
        class_dir.join("gradebook-canvas-anonymous.csv"),
        class_dir.join("feedback-anonymous"),
    );
    harness.get_by_label("Export Moodle CSV").click();
    step_until(&mut harness, "the Moodle gradebook is written", |_| moodle.exists());
    harness.get_by_label("Export Canvas CSV").click();
    step_until(&mut harness, "the Canvas gradebook is written", |_| canvas.exists());
    harness.get_by_label("Write feedback pages").click();
    step_until(&mut harness, "the feedback pages are written", |_| feedback.read_dir().is_ok_and(|d| d.count() == 4));
    assert!(!class_dir.join("gradebook-moodle.csv").exists() && !class_dir.join("feedback").exists(), "never a named file");
    for path in [&moodle, &canvas, &feedback] {
        assert_file_names_nobody(path, "a dashboard export");
    }
    let text = std::fs::read_to_string(&moodle).unwrap();
    assert!(text.contains(&format!("{},", p(BEN))) && text.contains(&format!("good start, {}.", p(BEN))), "{text}");
    let page = feedback.join(class::feedback::file_name(&p(BEN)));
    assert!(std::fs::read_to_string(&page).unwrap().contains(&format!("good start, {}.", p(BEN))));

    // A click on a figure: the compare view names that student as the dashboard does.
    harness.get_by_label("Students").click();
    harness.run_steps(2);
    harness.get_by_label_contains(&format!("{} on letter.txt: ", p(CLEO))).click();
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    harness.run_steps(2);
    assert_eq!(harness.state().compare().unwrap().coder_names(), [p(CLEO)], "the same pseudonym as in the dashboard");
    assert_no_name(&harness, "the compare view of one student");

    // The compare view of every coder, every tab, an adjudication among them.
    harness.get_by_label("Close").click();
    harness.run_steps(2);
    click_menu(&mut harness, "Coders", "Compare coders");
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    harness.run_steps(2);
    let names = harness.state().compare().unwrap().coder_names();
    for s in [ANA, BEN, CLEO, DMITRI] {
        assert!(names.contains(&p(s)), "{s} is compared as {}: {names:?}", p(s));
    }
    for tab in ["Text", "Disagreements", "Annotations", "Agreement", "Answer key", "Gold"] {
        harness.get_all_by_label(tab).last().unwrap().click();
        harness.run_steps(2);
        assert_no_name(&harness, &format!("the compare view's {tab} tab"));
        if tab == "Disagreements" {
            harness.get_all_by_label_contains("Accept Student").next().expect("a disagreement to settle").click();
            harness.run_steps(2);
            assert_no_name(&harness, "an adjudication");
        }
    }
    harness.get_by_label("Close").click();
    harness.run_steps(2);

    // Retrieve, and the lists it writes.
    click_menu(&mut harness, "File", "Retrieve passages");
    step_until(&mut harness, "the Retrieve window opens", |h| h.query_by_label("Retrieve").is_some());
    harness.get_by_label("Retrieve").click();
    step_until_shown(&mut harness, "passage(s) in 2 document(s)");
    harness.get_all_by_label(&p(DMITRI)).next().expect("Dmitri's passages, by his pseudonym");
    assert_no_name(&harness, "the retrieved passages");
    for (label, ext) in [("CSV", "csv"), ("JSON", "json"), ("Excel", "xlsx"), ("HTML", "html")] {
        harness.get_by_label(label).click();
        let out = class_dir.join("passages").with_extension(ext);
        step_until(&mut harness, "the list is written", |_| out.exists());
        assert_file_names_nobody(&out, "a list of retrieved passages");
        std::fs::remove_file(&out).unwrap();
    }
    harness.get_by_label("Close window").click();
    harness.run_steps(2);

    // The code matrix with coders as columns.
    harness.state_mut().matrix_mut().cols = "coder".into();
    click_menu(&mut harness, "File", "Code matrix");
    step_until_shown(&mut harness, &format!("column {}", p(ANA)));
    assert_no_name(&harness, "the code matrix by coder");
    harness.state_mut().matrix_mut().open = false;
    harness.run_steps(2);

    // File > Export, every format: a file name of its own, no name inside.
    let out_dir = dir.path().join("exports");
    std::fs::create_dir(&out_dir).unwrap();
    for format in marginalia::export::Format::ALL {
        harness.state_mut().push(UiCommand::Export);
        harness.run_steps(2);
        assert!(harness.state().export_dialog().out.contains("-anonymous"), "{}", harness.state().export_dialog().out);
        let ext = format.extension();
        let out = out_dir.join(if ext.is_empty() { format!("{format:?}") } else { format!("class.{ext}") });
        {
            let dialog = harness.state_mut().export_dialog_mut();
            dialog.format = format;
            dialog.whole_folder = true;
            dialog.out = out.display().to_string();
        }
        harness.run_steps(2);
        harness.get_by_label_contains("Anonymous mode is on");
        harness.get_by_label("Export").click();
        step_until(&mut harness, "the export is written", |h| {
            h.state().export_dialog().outcome.is_some() && !h.state().export_dialog().running
        });
        let outcome = harness.state().export_dialog().outcome.as_ref().unwrap();
        assert!(outcome.is_ok(), "{format:?}: {outcome:?}");
        assert_no_name(&harness, &format!("the {format:?} export's summary"));
        assert_file_names_nobody(&out, &format!("the {format:?} export"));
        let text = written_text(&out);
        assert!(
            matches!(format, marginalia::export::Format::Brat | marginalia::export::Format::Semeval) || text.contains(&p(CLEO)),
            "{format:?} names the students by pseudonym"
        );
        harness.state_mut().export_dialog_mut().open = false;
        harness.run_steps(2);
    }
    drop(harness);

    // The next session: the same pseudonyms; a student handing in late gets the next one.
    let mut harness = teacher(&class_dir, &store);
    let again = harness.state().class_info().unwrap().aliases.clone();
    for s in [ANA, BEN, CLEO, DMITRI] {
        assert_eq!(again.get(s), aliases.get(s), "{s} keeps their pseudonym");
    }
    drop_handins(&mut harness, &[eve], EVE);
    let last = harness.state().class_info().unwrap().aliases.clone();
    // The next free one (the gold sidecar of the adjudication above is a coder of the folder too).
    let eves = last.get(EVE).expect("the newcomer has a pseudonym");
    assert!(["Student E", "Student F"].contains(&eves.as_str()), "{eves}");
    for s in [ANA, BEN, CLEO, DMITRI] {
        assert_eq!(last.get(s), aliases.get(s), "{s} keeps their pseudonym when another comes in");
    }
    assert_no_name(&harness, "the next session after collecting again");
}

//! The real app, driven like a user would: pointer drags, clicks, keys and typing (egui_kittest,
//! no GPU), with the sidecar on disk checked after autosave.

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until_open, step_until_shown, wait_for_disk};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::annotation::AnchorStatus;
use marginalia::sidecar;
use marginalia::ui::{App, Settings};

const SPEECH: &str = "Friends of Port Ellery — welcome! 🎉\n\
Our harbour lost 412 jobs in three years. We demand that the council reopen the fish market by spring.\n\
“Nobody listens to the east side,” said Amélie Durand.\n\
Vote on Sunday and bring your neighbours.\n";

fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("speech.txt");
    std::fs::write(&doc, text).unwrap();
    (dir, doc)
}

fn app_on(doc: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(doc);
    assert!(app.session().is_some(), "the document opens");
    let mut harness = crate::gui_support::harness(app, 1280.0, 1200.0);
    harness.run_steps(3);
    harness
}

/// The screen position of code point `pos` (its left edge, vertically centred).
fn point_of(harness: &Harness<'_, App>, pos: usize) -> Pos2 {
    let app = harness.state();
    let doc = &app.session().unwrap().doc;
    let rect = app.doc_view().screen_rect_of(doc, pos).expect("the position is on screen");
    Pos2::new(rect.min.x + 0.5, rect.center().y)
}

fn char_pos(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].chars().count()
}

fn drag_select(harness: &mut Harness<'_, App>, from: usize, to: usize) {
    let a = point_of(harness, from);
    let b = point_of(harness, to);
    harness.drag_at(a);
    harness.step();
    harness.hover_at(Pos2::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0));
    harness.step();
    harness.hover_at(b);
    harness.step();
    harness.drop_at(b);
    harness.step();
}

#[test]
fn drag_a_passage_and_tag_it_with_a_number_key() {
    let (_dir, doc) = setup(SPEECH);
    let mut harness = app_on(&doc);
    let quote = "We demand that the council reopen the fish market";
    let start = char_pos(SPEECH, quote);
    drag_select(&mut harness, start, start + quote.chars().count());
    assert_eq!(
        harness.state().doc_view().selected_span().map(|s| (s.start, s.end)),
        Some((start, start + quote.chars().count()))
    );
    harness.key_press(Key::Num2);
    harness.step();
    let saved = wait_for_disk(&mut harness, &doc, |s| !s.annotations.is_empty());
    assert_eq!(saved.annotations.len(), 1);
    assert_eq!(saved.annotations[0].exact, quote);
    assert_eq!(saved.annotations[0].code, "demand");
    assert_eq!(saved.annotations[0].coder, "Tester");
    harness.get_by_label_contains("Saved ");
}

#[test]
fn keyboard_only_annotation_snaps_to_whole_emoji() {
    let (_dir, doc) = setup(SPEECH);
    let mut harness = app_on(&doc);
    // Click just before "welcome", then extend with Shift+Right over "welcome! 🎉".
    let start = char_pos(SPEECH, "welcome");
    let p = point_of(&harness, start);
    harness.drag_at(p);
    harness.step();
    harness.drop_at(p);
    harness.step();
    for _ in 0..10 {
        harness.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
        harness.step();
    }
    let sel = harness.state().doc_view().selected_span().unwrap();
    assert_eq!(sel.start, start);
    harness.key_press(Key::Num1);
    harness.step();
    let session = harness.state().session().unwrap();
    let a = &session.edits.annotations()[0];
    assert_eq!(a.exact, "welcome! 🎉");
    assert_eq!(a.code, "factual-assertion");
}

#[test]
fn note_delete_undo_redo_through_the_panel() {
    let (_dir, doc) = setup(SPEECH);
    let mut harness = app_on(&doc);
    let quote = "Vote on Sunday";
    let start = char_pos(SPEECH, quote);
    drag_select(&mut harness, start, start + quote.chars().count());
    harness.get_by_label("3  Call to action").click();
    harness.run_steps(2);
    // The new annotation is selected: type a note.
    harness.get_by_label("Note").focus();
    harness.step();
    harness.get_by_label("Note").type_text("A clear call to act");
    harness.run_steps(2);
    let saved = wait_for_disk(&mut harness, &doc, |s| s.annotations.first().is_some_and(|a| a.note == "A clear call to act"));
    assert_eq!(saved.annotations[0].code, "call-to-action");

    harness.get_by_label("Delete annotation").click();
    harness.run_steps(2);
    assert!(harness.state().session().unwrap().edits.annotations().is_empty());
    // Undo brings it back with its note; redo deletes it again.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    let edits = &harness.state().session().unwrap().edits;
    assert_eq!(edits.annotations().len(), 1);
    assert_eq!(edits.annotations()[0].note, "A clear call to act");
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    harness.run_steps(2);
    assert!(harness.state().session().unwrap().edits.annotations().is_empty());
    wait_for_disk(&mut harness, &doc, |s| s.annotations.is_empty());
}

/// Adds an annotation with the command line, as the person the app runs as (the command line
/// knows people by name: the file it writes is the one the app then opens as theirs).
fn add_via_cli(doc: &Path, quote: &str, code: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["add"])
        .arg(doc)
        .args(["--quote", quote, "--code", code, "--coder", "Tester"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn filter_by_legend_and_walk_with_next_previous() {
    let (_dir, doc) = setup(SPEECH);
    add_via_cli(&doc, "Our harbour lost 412 jobs in three years", "factual-assertion");
    add_via_cli(&doc, "We demand that the council reopen the fish market by spring", "demand");
    add_via_cli(&doc, "Vote on Sunday", "call-to-action");
    let mut harness = app_on(&doc);
    harness.get_by_label("Annotations (3)");
    harness.get_by_label("Demand (1)").click();
    harness.run_steps(2);
    harness.get_by_label("Annotations (1)");
    harness.get_by_label("Show all codes").click();
    harness.run_steps(2);
    harness.get_by_label("Annotations (3)");

    let ids: Vec<_> = harness.state().session().unwrap().edits.annotations().iter().map(|a| a.id).collect();
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().selected(), Some(ids[0]));
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().selected(), Some(ids[1]));
    harness.key_press_modifiers(Modifiers::SHIFT, Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().selected(), Some(ids[0]));
    // Clicking a list item selects it too.
    harness.get_by_label_contains("Call to action: Vote on Sunday").click();
    harness.run_steps(2);
    assert_eq!(harness.state().selected(), Some(ids[2]));
}

#[test]
fn find_a_phrase_and_tag_the_match() {
    let (_dir, doc) = setup(SPEECH);
    let mut harness = app_on(&doc);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run_steps(2);
    harness.get_by_label("Find in document").type_text("fish market");
    harness.run_steps(2);
    harness.get_by_label("1 of 1");
    harness.get_by_label("Tag match as…").click();
    harness.run_steps(2);
    harness.get_by_label("Prediction Alt+5").click();
    harness.run_steps(2);
    let a = &harness.state().session().unwrap().edits.annotations()[0];
    assert_eq!(a.exact, "fish market");
    assert_eq!(a.code, "prediction");
}

#[test]
fn an_orphan_is_listed_and_reattached_to_a_new_selection() {
    let (_dir, doc) = setup(SPEECH);
    add_via_cli(&doc, "Nobody listens to the east side", "attribution");
    // The passage is rewritten: the quote is gone.
    let changed = SPEECH.replace("“Nobody listens to the east side,” said", "“The east side is never heard,” said");
    std::fs::write(&doc, &changed).unwrap();
    let mut harness = app_on(&doc);
    harness.get_by_label("Orphaned (1)");
    let quote = "The east side is never heard";
    let start = char_pos(&changed, quote);
    drag_select(&mut harness, start, start + quote.chars().count());
    harness.get_by_label("Re-attach to selection").click();
    harness.run_steps(2);
    let a = &harness.state().session().unwrap().edits.annotations()[0];
    assert_eq!(a.status, AnchorStatus::Anchored);
    assert_eq!(a.exact, quote);
    assert!(harness.query_by_label("Orphaned (1)").is_none());
    let saved = wait_for_disk(&mut harness, &doc, |s| s.annotations.first().is_some_and(|a| a.exact == quote));
    assert_eq!(saved.annotations[0].status, AnchorStatus::Anchored);
}

#[test]
fn a_sidecar_changed_on_disk_is_never_overwritten_silently() {
    let (dir, doc) = setup(SPEECH);
    add_via_cli(&doc, "Vote on Sunday", "call-to-action");
    let mut harness = app_on(&doc);
    // Someone else adds an annotation while the app is open.
    std::thread::sleep(Duration::from_millis(20));
    add_via_cli(&doc, "Our harbour lost 412 jobs", "factual-assertion");
    let theirs = std::fs::read(sidecar::default_path(&doc)).unwrap();
    // We make a change too.
    let quote = "bring your neighbours";
    let start = char_pos(SPEECH, quote);
    drag_select(&mut harness, start, start + quote.chars().count());
    harness.key_press(Key::Num3);
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label("The annotations file changed on disk").is_none() {
        harness.step();
        std::thread::sleep(Duration::from_millis(30));
        assert!(Instant::now() < deadline, "the conflict prompt did not appear");
    }
    assert_eq!(std::fs::read(sidecar::default_path(&doc)).unwrap(), theirs, "their file is untouched");
    harness.get_by_label("Keep mine").click();
    step_until_shown(&mut harness, "Saved yours; theirs was kept as");
    let copies: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".theirs-"))
        .map(|e| e.path())
        .collect();
    assert_eq!(copies.len(), 1, "their version is kept as a copy");
    assert_eq!(std::fs::read(&copies[0]).unwrap(), theirs);
    let mine = sidecar::load(&sidecar::default_path(&doc)).unwrap().unwrap().sidecar;
    assert!(mine.annotations.iter().any(|a| a.exact == quote));
}

#[test]
fn reload_theirs_takes_the_file_on_disk() {
    let (_dir, doc) = setup(SPEECH);
    add_via_cli(&doc, "Vote on Sunday", "call-to-action");
    let mut harness = app_on(&doc);
    std::thread::sleep(Duration::from_millis(20));
    add_via_cli(&doc, "Our harbour lost 412 jobs", "factual-assertion");
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label("Reload theirs").is_none() {
        harness.step();
        std::thread::sleep(Duration::from_millis(50));
        assert!(Instant::now() < deadline, "the conflict prompt did not appear");
    }
    harness.get_by_label("Reload theirs").click();
    step_until_shown(&mut harness, "Loaded the annotations from disk.");
    assert_eq!(harness.state().session().unwrap().edits.annotations().len(), 2);
}

#[test]
fn a_folder_lists_its_documents_marks_done_and_exports_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let speech = dir.path().join("speech.txt");
    std::fs::write(&speech, SPEECH).unwrap();
    std::fs::write(dir.path().join("notes.md"), "# Notes\r\nNothing to see here — yet.\r\n").unwrap();
    add_via_cli(&speech, "Vote on Sunday", "call-to-action");
    add_via_cli(&speech, "We demand that the council reopen the fish market", "demand");
    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(dir.path());
    let mut harness = crate::gui_support::harness(app, 1280.0, 1200.0);
    harness.run_steps(3);
    harness.get_by_label("2 documents, 0 done");
    // The first document (notes.md) is open; switch to the speech once its sidecar is read.
    step_until_shown(&mut harness, "speech.txt, in progress, 2 annotation(s)");
    harness.get_by_label_contains("speech.txt, in progress, 2 annotation(s)").click();
    step_until_open(&mut harness, "speech.txt");
    harness.get_by_label("Done").click();
    harness.run_steps(3);
    harness.get_by_label("2 documents, 1 done");
    let saved = wait_for_disk(&mut harness, &speech, |s| s.done);
    assert_eq!(saved.annotations.len(), 2);

    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run_steps(2);
    let out = dir.path().join("export.csv");
    harness.get_by_label("Output path").type_text(""); // focus the field
    harness.state_mut().export_dialog_mut().out = out.display().to_string();
    harness.run_steps(1);
    harness.get_by_label("Export").click();
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label_contains("Exported 2 annotation(s)").is_none() {
        harness.step();
        std::thread::sleep(Duration::from_millis(30));
        assert!(Instant::now() < deadline, "the export did not finish");
    }
    let mut reader = csv::Reader::from_path(&out).unwrap();
    assert_eq!(reader.records().count(), 2);
}

#[test]
fn clicking_a_highlight_selects_its_annotation_and_shows_its_editor() {
    let (_dir, doc) = setup(SPEECH);
    add_via_cli(&doc, "Vote on Sunday", "call-to-action");
    let mut harness = app_on(&doc);
    let p = point_of(&harness, char_pos(SPEECH, "on Sunday"));
    harness.drag_at(p);
    harness.step();
    harness.drop_at(p);
    harness.run_steps(3);
    assert!(harness.state().selected().is_some(), "the annotation under the pointer is selected");
    harness.get_by_label("Selected annotation");
}

/// A document of about 5 MB: the speech, then many numbered paragraphs after it.
fn long_speech() -> String {
    let mut text = SPEECH.to_owned();
    for n in 0..80_000 {
        text.push_str(&format!("Paragraph {n}: the council met again and the harbour waited. ⚓\n"));
    }
    assert!(text.len() as u64 >= marginalia::ui::OPEN_IN_BACKGROUND_BYTES);
    text
}

#[test]
fn a_large_document_opens_in_the_background_and_then_shows() {
    let (_dir, doc) = setup(&long_speech());
    add_via_cli(&doc, "Vote on Sunday", "call-to-action");
    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(&doc);
    assert!(app.session().is_none() && app.is_opening(), "opening went to a worker, the window stays responsive");
    let mut harness = crate::gui_support::harness(app, 1280.0, 1200.0);
    harness.step();
    harness.get_by_label_contains("Opening speech.txt");
    let deadline = Instant::now() + Duration::from_secs(60);
    while harness.state().session().is_none() {
        assert!(Instant::now() < deadline, "the document did not open");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.run_steps(2);
    assert!(!harness.state().is_opening());
    harness.get_by_label("1 annotation");
    assert_eq!(harness.state().session().unwrap().edits.annotations()[0].exact, "Vote on Sunday");
}

#[test]
fn opening_a_large_document_can_be_cancelled() {
    let (_dir, doc) = setup(&long_speech());
    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(&doc);
    let mut harness = crate::gui_support::harness(app, 1280.0, 1200.0);
    harness.step();
    harness.get_by_label("Cancel").click();
    harness.step();
    // The worker's result, whenever it comes, is dropped: nothing opens.
    std::thread::sleep(Duration::from_millis(1500));
    harness.run_steps(3);
    assert!(harness.state().session().is_none() && !harness.state().is_opening());
    assert!(harness.query_by_label_contains("Opening speech.txt").is_none());
}

#[test]
fn a_folder_with_an_unreadable_sidecar_opens_shows_it_and_the_rest_works() {
    let dir = tempfile::tempdir().unwrap();
    // "a-broken.txt" sorts first, so the app tries to open it first.
    let broken = dir.path().join("a-broken.txt");
    let speech = dir.path().join("speech.txt");
    std::fs::write(&broken, "Une phrase — «notée» 😀.\n").unwrap();
    std::fs::write(&speech, SPEECH).unwrap();
    add_via_cli(&broken, "Une phrase", "opinion");
    add_via_cli(&speech, "Vote on Sunday", "call-to-action");
    let sidecar_path = sidecar::default_path(&broken);
    let text = std::fs::read_to_string(&sidecar_path).unwrap().replacen("note: \"", "note: \"\\😀", 1);
    std::fs::write(&sidecar_path, &text).unwrap();

    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(dir.path());
    let mut harness = crate::gui_support::harness(app, 1280.0, 1200.0);
    harness.run_steps(3);
    // The folder is listed with both documents; the broken one is marked with its message.
    harness.get_by_label("2 documents, 0 done");
    step_until_shown(&mut harness, "a-broken.txt, ⚠ unreadable, 0 annotation(s)");
    let mut err = sidecar::load(&sidecar_path).unwrap_err();
    err.file = Some(PathBuf::from("a-broken.txt.annotations.ron"));
    let message = err.to_string();
    assert!(message.starts_with("a-broken.txt.annotations.ron:") && message.contains("is not valid"), "{message}");
    harness.get_by_label(&format!("unreadable: {}", marginalia::document::excerpt(&message, 80)));
    // The other document opens and works.
    harness.get_by_label_contains("speech.txt, in progress, 1 annotation(s)").click();
    step_until_open(&mut harness, "speech.txt");
    let session = harness.state().session().expect("speech.txt opens");
    assert_eq!(session.doc.file_name(), "speech.txt");
    assert_eq!(session.edits.annotations().len(), 1);
    // The broken sidecar was not touched.
    assert_eq!(std::fs::read_to_string(&sidecar_path).unwrap(), text);
}

/// Saving never holds up a frame: while another program holds the sidecar's write lock, Ctrl+S
/// hands the save to the background worker, the frames go on ("Saving…"), and the file is
/// written as soon as the lock is let go.
#[test]
fn save_now_runs_in_the_background_and_the_window_keeps_drawing() {
    let (_dir, doc) = setup(SPEECH);
    let mut harness = app_on(&doc);
    let sidecar_path = harness.state().session().unwrap().sidecar_path.clone();
    let lock = marginalia::io::lock(&marginalia::io::resolve(&sidecar_path).unwrap()).unwrap();

    let quote = "Vote on Sunday";
    let start = char_pos(SPEECH, quote);
    drag_select(&mut harness, start, start + quote.chars().count());
    harness.key_press(Key::Num3);
    harness.step();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::S);
    // Frames go on while the file is locked: a save in the frame would have waited for the
    // lock and given up with an error, not still be under way.
    for _ in 0..10 {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(harness.state().saver().is_saving(), "the save is under way");
    harness.get_by_label("Saving…");
    assert!(sidecar::load(&sidecar_path).unwrap().is_none(), "nothing is written while the lock is held");

    drop(lock);
    let saved = wait_for_disk(&mut harness, &doc, |s| s.annotations.len() == 1);
    assert_eq!(saved.annotations[0].exact, quote);
    harness.get_by_label_contains("Saved ");
}

/// F1 opens the shortcut list, which names every command of the command table that has a key,
/// with its keys, so a command given a shortcut is listed without anyone editing the list.
#[test]
fn f1_lists_every_command_that_has_a_shortcut() {
    use marginalia::ui::command::UiCommand;
    let (_dir, doc) = setup(SPEECH);
    let mut harness = app_on(&doc);
    harness.key_press(Key::F1);
    harness.run_steps(2);
    let listed: Vec<UiCommand> = UiCommand::with_shortcuts().collect();
    assert!(listed.len() >= 15, "the table gives most commands a key");
    for cmd in listed {
        assert!(harness.query_all_by_label(cmd.text()).count() >= 1, "{} is listed", cmd.text());
        let keys = cmd.shortcut_text(&harness.ctx);
        assert!(harness.query_all_by_label(&keys).count() >= 1, "{}'s keys {keys} are listed", cmd.text());
    }
    // And the keys of one situation (tagging, a find match, making a link, the text's carets
    // and clicks), from the same table the key handling reads.
    for key in marginalia::ui::command::CONTEXT_KEYS {
        let what = format!("{}: {}", key.when, key.what);
        assert!(harness.query_all_by_label(&what).count() >= 1, "{what} is listed");
        let keys = key.text(&harness.ctx);
        assert!(harness.query_all_by_label(&keys).count() >= 1, "{what}: its keys {keys} are listed");
    }
    assert!(harness.query_all_by_label_contains("Tag the current match").count() >= 1, "the find bar's Alt+number");
    assert!(harness.query_all_by_label_contains("Propose the annotation before").count() >= 1, "Shift+N in link mode");
}

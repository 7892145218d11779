//! Who coded what: a coder is a person (a stable id with a display name), so a rename relabels
//! their work instead of hiding it, two people in one folder get two sidecars, two people with
//! one name never share a file, and a name with a dot is a name, not a path. The app is driven
//! as a user would (egui_kittest); the command line is the real binary on files in temporary
//! folders.

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until, wait_for_disk};

use std::path::{Path, PathBuf};
use std::process::Command;

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::sidecar;
use marginalia::ui::{App, Settings};

const LETTER: &str = "Dear neighbours,\n\
The bakery on Mill Lane will close in March.\n\
We ask the council to keep the market hall open on Sundays.\n\
Everyone should come to the meeting on Thursday.\n";

const CLOSING: &str = "The bakery on Mill Lane will close in March.";
const DEMAND: &str = "We ask the council to keep the market hall open on Sundays.";

fn folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("letter.txt");
    std::fs::write(&doc, LETTER).unwrap();
    (dir, doc)
}

fn harness_on(settings: Settings, doc: &Path) -> Harness<'static, App> {
    let mut app = App::new(settings, None);
    app.open(doc);
    let mut harness = crate::gui_support::harness(app, 1280.0, 900.0);
    harness.run_steps(3);
    harness
}

fn char_pos(needle: &str) -> usize {
    LETTER[..LETTER.find(needle).unwrap()].chars().count()
}

fn point_of(harness: &Harness<'_, App>, pos: usize) -> Pos2 {
    let app = harness.state();
    let doc = &app.session().unwrap().doc;
    let rect = app.doc_view().screen_rect_of(doc, pos).expect("the position is on screen");
    Pos2::new(rect.min.x + 0.5, rect.center().y)
}

/// Drags over `quote` and presses 1 (the first code), as a reader would, then waits for the
/// autosave of the person's own sidecar.
fn tag(harness: &mut Harness<'_, App>, doc: &Path, quote: &str) -> sidecar::Sidecar {
    let start = char_pos(quote);
    let (a, b) = (point_of(harness, start), point_of(harness, start + quote.chars().count()));
    harness.drag_at(a);
    harness.step();
    harness.hover_at(b);
    harness.step();
    harness.drop_at(b);
    harness.step();
    harness.key_press(Key::Num1);
    harness.step();
    wait_for_disk(harness, doc, |s| s.annotations.iter().any(|a| a.exact == quote))
}

fn sidecars_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".annotations.ron"))
        .collect();
    names.sort();
    names
}

/// Opens File > Your name…, picks the mode, types `name` and confirms.
fn name_dialog(harness: &mut Harness<'_, App>, someone_else: bool, name: &str) {
    let coder = harness.state().session().unwrap().coder.clone();
    harness.get_by_label(&format!("coder: {coder}")).click();
    // A window shown for the first time takes a frame to size itself.
    gui_support::step_until_shown(harness, "Who is coding?");
    if someone_else {
        harness.get_by_label("Someone else is coding now").click();
        harness.run_steps(2);
    }
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Your name").focus();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.run_steps(1);
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Your name").type_text(name);
    harness.run_steps(1);
    harness.get_by_label(if someone_else { "Switch" } else { "Continue" }).click();
    harness.run_steps(2);
}

fn marginalia(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_marginalia")).args(args).env_remove("MARGINALIA_CODER").output().unwrap()
}

#[test]
fn naming_yourself_after_skipping_the_prompt_keeps_every_mark_yours() {
    let (dir, doc) = folder();
    let mut harness = harness_on(Settings::default(), &doc);
    harness.get_by_label("Skip for now").click();
    harness.run_steps(2);
    let before = tag(&mut harness, &doc, DEMAND);
    let id = harness.state().settings().coder_id.expect("the person has an id from the first start");
    assert_eq!(before.coder_id, Some(id), "the sidecar carries the person's id");

    name_dialog(&mut harness, false, "Cleo Park");
    gui_support::step_until_shown(&mut harness, "Your work is now signed “Cleo Park”");
    // The mark is still shown, and on disk it is signed with the new name and the same id.
    let session = harness.state().session().unwrap();
    assert_eq!(session.edits.annotations()[0].exact, DEMAND);
    let on_disk = sidecar::load(&session.sidecar_path).unwrap().unwrap().sidecar;
    assert_eq!(on_disk.coder, "Cleo Park");
    assert_eq!(on_disk.coder_id, Some(id));
    assert_eq!(on_disk.annotations[0].coder, "Cleo Park");
    assert_eq!(sidecars_in(dir.path()).len(), 1, "a rename moves nothing and makes no second file");
    harness.get_by_label_contains("Your work is now signed “Cleo Park”");

    // The same dialog takes it back.
    harness.get_by_label("coder: Cleo Park").click();
    gui_support::step_until_shown(&mut harness, "Who is coding?");
    harness.get_by_label_contains("Undo the rename").click();
    gui_support::step_until_shown(&mut harness, "instead of “Cleo Park”");
    let on_disk = sidecar::load(&harness.state().session().unwrap().sidecar_path).unwrap().unwrap().sidecar;
    assert_eq!(on_disk.coder, before.coder);
    assert_eq!(on_disk.annotations[0].coder, before.coder);
}

#[test]
fn two_people_coding_one_after_the_other_leave_two_sidecars_that_compare_and_agree_see() {
    let (dir, doc) = folder();
    let mut harness = harness_on(Settings { coder: "ana".into(), ..Settings::default() }, &doc);
    tag(&mut harness, &doc, DEMAND);

    name_dialog(&mut harness, true, "bruno");
    step_until(&mut harness, "bruno's own sidecar to open", |h| h.state().session().is_some_and(|s| s.coder == "bruno"));
    assert!(harness.state().session().unwrap().edits.annotations().is_empty(), "bruno does not see ana's work as his");
    tag(&mut harness, &doc, CLOSING);
    assert_eq!(sidecars_in(dir.path()), ["letter.txt.ana.annotations.ron", "letter.txt.bruno.annotations.ron"]);

    // Compare coders lists both, with no extra step.
    harness.get_by_label("Coders").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Compare coders").click();
    step_until(&mut harness, "the compare view opens", |h| h.state().compare().is_some());
    assert_eq!(harness.state().compare().unwrap().coder_names(), ["ana", "bruno"]);

    // Switching back to ana, known on this computer, opens her file again.
    harness.get_by_label("Close").click();
    harness.run_steps(2);
    harness.get_by_label("coder: bruno").click();
    gui_support::step_until_shown(&mut harness, "Who is coding?");
    harness.get_by_label("Someone else is coding now").click();
    harness.run_steps(2);
    harness.get_by_label("ana").click();
    step_until(&mut harness, "ana's own sidecar to open", |h| {
        h.state().session().is_some_and(|s| s.coder == "ana" && s.edits.annotations().len() == 1)
    });

    // `marginalia agree` on the document needs no sidecar named.
    let out = marginalia(&["agree", doc.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "agree: {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ana") && stdout.contains("bruno"), "{stdout}");
}

#[test]
fn two_people_with_one_name_never_share_a_file() {
    let (dir, doc) = folder();
    let first = Settings { coder: "ana".into(), coder_id: Some(uuid::Uuid::new_v4()), ..Settings::default() };
    let mut harness = harness_on(first, &doc);
    tag(&mut harness, &doc, DEMAND);
    drop(harness);

    let second = Settings { coder: "ana".into(), coder_id: Some(uuid::Uuid::new_v4()), ..Settings::default() };
    let mut harness = harness_on(second, &doc);
    assert!(harness.state().session().unwrap().edits.annotations().is_empty(), "the other ana's marks are not hers");
    tag(&mut harness, &doc, CLOSING);
    let files = sidecars_in(dir.path());
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.contains(&"letter.txt.ana.annotations.ron".to_owned()));
    let quotes: Vec<String> =
        files.iter().map(|f| sidecar::load(&dir.path().join(f)).unwrap().unwrap().sidecar.annotations[0].exact.clone()).collect();
    assert!(quotes.contains(&DEMAND.to_owned()) && quotes.contains(&CLOSING.to_owned()), "each kept their own mark");
}

#[test]
fn a_name_with_a_dot_or_a_slash_is_a_name_and_the_file_name_is_made_safe() {
    let (dir, doc) = folder();
    let mut harness = harness_on(Settings { coder: "ana.lima/2b".into(), ..Settings::default() }, &doc);
    let saved = tag(&mut harness, &doc, DEMAND);
    assert_eq!(saved.coder, "ana.lima/2b");
    assert_eq!(sidecars_in(dir.path()), ["letter.txt.ana-lima-2b.annotations.ron"]);
}

#[test]
fn a_name_given_for_one_run_is_another_person_unless_it_is_the_stored_name() {
    let (_dir, doc) = folder();
    let settings = Settings { coder: "ana".into(), coder_id: Some(uuid::Uuid::new_v4()), ..Settings::default() };
    let ana = settings.coder_id.unwrap();

    let mut app = App::new(settings.clone(), None);
    app.use_coder_for_this_run("ana".into());
    assert_eq!(app.person().id, ana, "the stored name is the stored person");

    let mut app = App::new(settings, None);
    app.use_coder_for_this_run("bruno".into());
    let bruno = app.person();
    assert_ne!(bruno.id, ana);
    assert_eq!(app.settings().coder, "ana", "a run's name does not replace the stored person");
    // The next run as bruno on this computer is the same bruno.
    let mut again = App::new(app.settings().clone(), None);
    again.use_coder_for_this_run("bruno".into());
    assert_eq!(again.person().id, bruno.id);
    again.open(&doc);
    assert_eq!(again.session().unwrap().sidecar_path, sidecar::coder_path(&doc, "bruno"));
}

#[test]
fn an_older_folder_keeps_working_its_unnamed_sidecar_stays_its_coders() {
    let (dir, doc) = folder();
    let doc_s = doc.to_str().unwrap();
    // Written by the command line, as older folders were: the unnamed sidecar, a name, no id.
    let out = marginalia(&["add", doc_s, "--quote", DEMAND, "--code", "demand", "--coder", "amara"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(sidecars_in(dir.path()), ["letter.txt.annotations.ron"]);

    // Amara in the app goes on with it (opening writes nothing), and her id is written in
    // with her next change.
    let before = std::fs::read(sidecar::default_path(&doc)).unwrap();
    let mut harness = harness_on(Settings { coder: "amara".into(), ..Settings::default() }, &doc);
    assert_eq!(harness.state().session().unwrap().edits.annotations().len(), 1);
    harness.run_steps(5);
    assert_eq!(std::fs::read(sidecar::default_path(&doc)).unwrap(), before);
    let id = harness.state().settings().coder_id;
    let saved = tag(&mut harness, &doc, CLOSING);
    assert_eq!(saved.coder_id, id);
    assert_eq!(saved.annotations.len(), 2);
    drop(harness);

    // Someone else gets a file of their own; amara's is untouched.
    let mut harness = harness_on(Settings { coder: "Dana".into(), ..Settings::default() }, &doc);
    assert!(harness.state().session().unwrap().edits.annotations().is_empty());
    tag(&mut harness, &doc, CLOSING);
    assert_eq!(sidecars_in(dir.path()), ["letter.txt.Dana.annotations.ron", "letter.txt.annotations.ron"]);
    let amara = sidecar::load(&sidecar::default_path(&doc)).unwrap().unwrap().sidecar;
    assert_eq!((amara.coder.as_str(), amara.annotations.len()), ("amara", 2));

    // The command line, too, writes each name into its own file and never into another's.
    let out = marginalia(&["add", doc_s, "--quote", CLOSING, "--code", "opinion", "--coder", "bruno"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("letter.txt.bruno.annotations.ron").exists());
    let out = marginalia(&["list", doc_s, "--coder", "bruno"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Opinion"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = marginalia(&["agree", doc_s]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn exports_keep_two_people_with_one_name_apart() {
    let (dir, doc) = folder();
    for (quote, id) in [(DEMAND, uuid::Uuid::new_v4()), (CLOSING, uuid::Uuid::new_v4())] {
        let settings = Settings { coder: "ana".into(), coder_id: Some(id), ..Settings::default() };
        let mut harness = harness_on(settings, &doc);
        tag(&mut harness, &doc, quote);
    }
    let out_dir = dir.path().join("brat-out");
    let out = marginalia(&["export", dir.path().to_str().unwrap(), "--format", "brat", "-o", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut folders: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(folders.len(), 2, "one folder per person: {folders:?}");
    assert!(folders.iter().all(|f| f.starts_with("ana-")), "{folders:?}");
    let anns: Vec<String> =
        folders.iter().map(|f| std::fs::read_to_string(out_dir.join(f).join("letter.ann")).unwrap()).collect();
    assert!(anns.iter().any(|a| a.contains(DEMAND) && !a.contains(CLOSING)), "{anns:?}");
    assert!(anns.iter().any(|a| a.contains(CLOSING) && !a.contains(DEMAND)), "{anns:?}");
}

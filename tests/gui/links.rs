//! Links in the desktop app: the selected annotation's panel draws a link with "Link to…",
//! shows it on both ends, deletes it, and undo brings back a link deleted with its annotation.

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::wait_for_disk;

use std::path::Path;

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::document::excerpt;
use marginalia::ui::{App, Settings};

const SPEECH: &str = "Friends of Port Ellery — welcome! 🎉\n\
Our harbour lost 412 jobs in three years. We demand that the council reopen the fish market by spring.\n\
Vote on Sunday and bring your neighbours.\n";
const FACT: &str = "Our harbour lost 412 jobs in three years";
const DEMAND: &str = "We demand that the council reopen the fish market by spring";

/// Adds an annotation with the command line as the person the app runs as.
fn add_via_cli(doc: &Path, quote: &str, code: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["add"])
        .arg(doc)
        .args(["--quote", quote, "--code", code, "--coder", "Tester"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn app_on(doc: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(doc);
    let mut harness = crate::gui_support::harness(app, 1280.0, 1400.0);
    harness.run_steps(3);
    harness
}

fn pick(harness: &mut Harness<'_, App>, combo: &str, option: &str) {
    harness.get_by_role_and_label(Role::ComboBox, combo).click();
    harness.run_steps(2);
    harness.get_all_by_label(option).last().expect("the option is listed").click();
    harness.run_steps(2);
}

#[test]
fn link_to_another_annotation_from_the_panel_then_delete_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("speech.txt");
    std::fs::write(&doc, SPEECH).unwrap();
    add_via_cli(&doc, FACT, "factual-assertion");
    add_via_cli(&doc, DEMAND, "demand");
    let mut harness = app_on(&doc);

    // Select the fact from the list; it has no links yet.
    harness.get_by_label(&format!("Factual assertion: {FACT}")).click();
    harness.run_steps(2);
    harness.get_by_label("No links.");
    harness.get_by_label("Link to…").click();
    harness.run_steps(2);
    let demand_choice = format!("“{}” (Demand)", excerpt(DEMAND, 40));
    pick(&mut harness, "Link target", &demand_choice);
    pick(&mut harness, "Link type", "Evidence for");
    harness.get_by_label("Add link").click();
    harness.run_steps(2);

    let saved = wait_for_disk(&mut harness, &doc, |s| s.links.len() == 1);
    let by_quote = |q: &str| saved.annotations.iter().find(|a| a.exact == q).unwrap().id;
    let (fact, demand) = (by_quote(FACT), by_quote(DEMAND));
    assert_eq!((saved.links[0].origin, saved.links[0].target), (fact, demand));
    assert_eq!(saved.links[0].link_type, "evidence-for");
    assert_eq!(saved.links[0].coder, "Tester");
    let outgoing = format!("Evidence for, to {demand_choice}");
    harness.get_by_label(&outgoing);

    // The demand shows the link coming in.
    harness.get_by_label(&format!("Demand: {}", excerpt(DEMAND, 60))).click();
    harness.run_steps(2);
    harness.get_by_label(&format!("Evidence for, from “{}” (Factual assertion)", excerpt(FACT, 40)));

    // Deleting the link from the panel, then undo.
    harness.get_by_label(&format!("Delete link Evidence for, from “{}” (Factual assertion)", excerpt(FACT, 40))).click();
    harness.run_steps(2);
    assert!(harness.state().session().unwrap().edits.links().is_empty());
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    assert_eq!(harness.state().session().unwrap().edits.links().len(), 1);

    // Deleting the demand takes its link along; undo brings back both, as one step.
    harness.get_by_label("Delete annotation").click();
    harness.run_steps(2);
    let edits = &harness.state().session().unwrap().edits;
    assert!(edits.links().is_empty() && edits.get(demand).is_none());
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    let edits = &harness.state().session().unwrap().edits;
    assert!(edits.get(demand).is_some());
    assert_eq!(edits.links().len(), 1);
    wait_for_disk(&mut harness, &doc, |s| s.links.len() == 1 && s.annotations.len() == 2);
}

const TAX: &str = "Vote on Sunday and bring your neighbours";

/// The three annotations of the speech, in order: the fact, the demand, the call to vote.
fn coded_speech(dir: &Path) -> std::path::PathBuf {
    let doc = dir.join("speech.txt");
    std::fs::write(&doc, SPEECH).unwrap();
    add_via_cli(&doc, FACT, "factual-assertion");
    add_via_cli(&doc, DEMAND, "demand");
    add_via_cli(&doc, TAX, "demand");
    doc
}

fn id_of(harness: &Harness<'_, App>, quote: &str) -> uuid::Uuid {
    harness.state().session().unwrap().edits.annotations().iter().find(|a| a.exact == quote).unwrap().id
}

#[test]
fn a_link_made_with_the_keyboard_alone() {
    let dir = tempfile::tempdir().unwrap();
    let doc = coded_speech(dir.path());
    let mut harness = app_on(&doc);
    let (fact, demand, vote) = (id_of(&harness, FACT), id_of(&harness, DEMAND), id_of(&harness, TAX));

    // N selects the first annotation; Ctrl+L starts a link from it and says what to press.
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().selected(), Some(fact));
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run_steps(2);
    harness.get_by_label_contains("press N for the next annotation");

    // N and Shift+N move the proposed target (outlined in the text), never onto the origin.
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().link_candidate, Some(demand));
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().link_candidate, Some(vote));
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().link_candidate, Some(demand), "wraps around past the origin");
    harness.key_press_modifiers(Modifiers::SHIFT, Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().link_candidate, Some(vote));
    harness.key_press_modifiers(Modifiers::SHIFT, Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().doc_view().link_candidate, Some(demand));
    assert_eq!(harness.state().selected(), Some(fact), "the origin stays selected");
    harness.get_by_label_contains("press Enter to link to it");

    // Enter takes the target; the types a fact may start are numbered (Source of needs an
    // attribution, so it is not offered).
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    harness.get_by_label_contains("press 1 Supports, 2 Attacks, 3 Evidence for, 4 Responds to");
    harness.get_by_label("3 Evidence for");
    assert!(harness.query_by_label_contains("Source of").is_none());
    harness.key_press(Key::Num3);
    harness.run_steps(2);

    // The link is in the panel, and in the sidecar once saved; no annotation was tagged by "3".
    let demand_choice = format!("“{}” (Demand)", excerpt(DEMAND, 40));
    harness.get_by_label(&format!("Evidence for, to {demand_choice}"));
    assert_eq!(harness.state().doc_view().link_candidate, None);
    let saved = wait_for_disk(&mut harness, &doc, |s| s.links.len() == 1);
    assert_eq!((saved.links[0].origin, saved.links[0].target), (fact, demand));
    assert_eq!(saved.links[0].link_type, "evidence-for");
    assert_eq!(saved.annotations.len(), 3);
}

#[test]
fn escape_leaves_link_making_at_any_step() {
    let dir = tempfile::tempdir().unwrap();
    let doc = coded_speech(dir.path());
    let mut harness = app_on(&doc);
    let fact = id_of(&harness, FACT);

    // Without a selected annotation there is nothing to link from: the app says so.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run_steps(2);
    harness.get_by_label_contains("Select an annotation first");

    harness.key_press(Key::N);
    harness.run_steps(2);
    for steps in [0, 1, 2] {
        harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
        harness.run_steps(2);
        if steps >= 1 {
            harness.key_press(Key::N);
            harness.run_steps(2);
        }
        if steps >= 2 {
            harness.key_press(Key::Enter);
            harness.run_steps(2);
            harness.get_by_label("1 Supports");
        }
        harness.key_press(Key::Escape);
        harness.run_steps(2);
        assert!(harness.query_by_label_contains("Escape to cancel").is_none(), "step {steps}: the prompt is gone");
        assert_eq!(harness.state().doc_view().link_candidate, None);
        assert_eq!(harness.state().selected(), Some(fact), "Escape left linking only, not the selection");
    }
    assert!(harness.state().session().unwrap().edits.links().is_empty());
}

#[test]
fn a_link_note_is_typed_in_the_panel_and_undone_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let doc = coded_speech(dir.path());
    {
        let mut session = marginalia::Session::open(&doc, None, "Ana").unwrap();
        let id = |q: &str| session.edits.annotations().iter().find(|a| a.exact == q).unwrap().id;
        let (fact, demand) = (id(FACT), id(DEMAND));
        session.apply(marginalia::Action::AddLink(marginalia::Link::new("evidence-for", fact, demand, "Ana"))).unwrap();
        session.save().unwrap();
    }
    let mut harness = app_on(&doc);
    let link = harness.state().session().unwrap().edits.links()[0].clone();
    harness.get_by_label(&format!("Factual assertion: {FACT}")).click();
    harness.run_steps(2);
    // Who drew the link, and when.
    harness.get_by_label(&format!("by Ana, {}", link.created[..16].replacen('T', " ", 1)));

    let field = format!("Note on link Evidence for, to “{}” (Demand)", excerpt(DEMAND, 40));
    harness.get_by_role_and_label(Role::TextInput, &field).click();
    harness.step();
    harness.get_by_role_and_label(Role::TextInput, &field).type_text("412 jobs is the union's figure");
    harness.run_steps(2);
    let saved = wait_for_disk(&mut harness, &doc, |s| s.links.first().is_some_and(|l| !l.note.is_empty()));
    assert_eq!(saved.links[0].note, "412 jobs is the union's figure");
    // Once the field is left, one undo takes the whole note back.
    harness.get_by_label("Show in text").click();
    harness.run_steps(2);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    assert_eq!(harness.state().session().unwrap().edits.links()[0].note, "");
    wait_for_disk(&mut harness, &doc, |s| s.links.first().is_some_and(|l| l.note.is_empty()));
}

#[test]
fn a_links_type_is_changed_in_the_panel_and_undone_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let doc = coded_speech(dir.path());
    {
        let mut session = marginalia::Session::open(&doc, None, "Ana").unwrap();
        let id = |q: &str| session.edits.annotations().iter().find(|a| a.exact == q).unwrap().id;
        let (fact, demand) = (id(FACT), id(DEMAND));
        session.apply(marginalia::Action::AddLink(marginalia::Link::new("evidence-for", fact, demand, "Ana"))).unwrap();
        session.save().unwrap();
    }
    let mut harness = app_on(&doc);
    harness.get_by_label(&format!("Factual assertion: {FACT}")).click();
    harness.run_steps(2);
    let combo = format!("Type of link Evidence for, to “{}” (Demand)", excerpt(DEMAND, 40));
    // Only the types the codebook allows from a factual assertion to a demand are offered.
    harness.get_by_role_and_label(Role::ComboBox, &combo).click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Source of").is_none(), "Source of starts at an attribution only");
    harness.get_all_by_label("Supports").last().expect("Supports is offered").click();
    harness.run_steps(2);
    let saved = wait_for_disk(&mut harness, &doc, |s| s.links.first().is_some_and(|l| l.link_type == "supports"));
    assert_eq!(saved.links.len(), 1);
    harness.get_by_label(&format!("Supports, to “{}” (Demand)", excerpt(DEMAND, 40)));
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    assert_eq!(harness.state().session().unwrap().edits.links()[0].link_type, "evidence-for");
    wait_for_disk(&mut harness, &doc, |s| s.links.first().is_some_and(|l| l.link_type == "evidence-for"));
}

/// A click (press and release, no move) in the text on annotation `id`, a few characters in.
fn click_in_text(harness: &mut Harness<'_, App>, id: uuid::Uuid) {
    let point = {
        let app = harness.state();
        let session = app.session().unwrap();
        let at = session.edits.get(id).unwrap().start + 3;
        let rect = app.doc_view().screen_rect_of(&session.doc, at).expect("the annotation is on screen");
        egui::Pos2::new(rect.min.x + 0.5, rect.center().y)
    };
    harness.drag_at(point);
    harness.step();
    harness.drop_at(point);
    harness.run_steps(3);
}

/// With the mouse: select the origin, Edit > "Link from selected annotation…", click the target
/// in the text, click the type.
#[test]
fn a_link_made_by_clicking_the_target_in_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let doc = coded_speech(dir.path());
    let mut harness = app_on(&doc);
    let (fact, demand) = (id_of(&harness, FACT), id_of(&harness, DEMAND));
    harness.get_by_label(&format!("Factual assertion: {FACT}")).click();
    harness.run_steps(2);
    harness.get_by_label("Edit").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Link from selected annotation").click();
    harness.run_steps(2);
    // A click on the demand in the text takes it as the target; the origin stays selected.
    click_in_text(&mut harness, demand);
    assert_eq!(harness.state().doc_view().link_candidate, Some(demand));
    assert_eq!(harness.state().selected(), Some(fact), "the click chose the target, not a new selection");
    harness.get_by_label("3 Evidence for").click();
    harness.run_steps(2);
    let saved = wait_for_disk(&mut harness, &doc, |s| s.links.len() == 1);
    assert_eq!((saved.links[0].origin, saved.links[0].target, saved.links[0].link_type.as_str()), (fact, demand, "evidence-for"));
}

/// With the panel's form: select the origin, "Link to…", click the target in the text (the form
/// stays open with it chosen, the origin stays selected), choose the type, "Add link".
#[test]
fn the_panel_form_takes_its_target_from_a_click_in_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let doc = coded_speech(dir.path());
    let mut harness = app_on(&doc);
    let (fact, demand) = (id_of(&harness, FACT), id_of(&harness, DEMAND));
    harness.get_by_label(&format!("Factual assertion: {FACT}")).click();
    harness.run_steps(2);
    harness.get_by_label("Link to…").click();
    harness.run_steps(2);
    click_in_text(&mut harness, demand);
    assert_eq!(harness.state().selected(), Some(fact), "the click chose the target, not a new selection");
    let demand_choice = format!("“{}” (Demand)", excerpt(DEMAND, 40));
    harness.get_by_value(&demand_choice);
    pick(&mut harness, "Link type", "Evidence for");
    harness.get_by_label("Add link").click();
    harness.run_steps(2);
    let saved = wait_for_disk(&mut harness, &doc, |s| s.links.len() == 1);
    assert_eq!((saved.links[0].origin, saved.links[0].target), (fact, demand));
}

//! The codebook editor in the real app, driven like a user would (egui_kittest, no GPU): codes
//! are added, renamed, recoloured, given attributes, deleted with reassignment and undone, and
//! codebooks are loaded, saved and exported. The sidecar on disk is checked after autosave.

#![cfg(feature = "gui")]

use crate::gui_support;
use gui_support::{step_until, step_until_shown, wait_for_disk};

use std::path::{Path, PathBuf};

use egui::{Key, Modifiers, Role};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::annotation::Annotation;
use marginalia::codebook::{AttributeKind, Codebook};
use marginalia::document::Span;
use marginalia::edits::Action;
use marginalia::session::Session;
use marginalia::ui::{App, Settings};

const LETTER: &str = "Dear members of the Vireo Valley tenants’ union,\r\n\
We demand that the landlord fix the heating before winter — no more excuses.\r\n\
“The boiler has failed four times,” wrote Zoë Kowalczyk 🔥.\r\n\
We call on every tenant to attend Thursday’s meeting.\r\n\
Rents will rise again next year.\r\n";

const ANNOTATED: [(&str, &str); 5] = [
    ("We demand that the landlord fix the heating before winter", "demand"),
    ("no more excuses", "demand"),
    ("The boiler has failed four times", "factual-assertion"),
    ("We call on every tenant to attend Thursday’s meeting", "call-to-action"),
    ("Rents will rise again next year", "prediction"),
];

fn char_pos(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].chars().count()
}

/// A letter with five annotations made through the core and saved, as another session would.
fn annotated_letter() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("letter.txt");
    std::fs::write(&doc, LETTER).unwrap();
    let mut session = Session::open(&doc, None, "Tester").unwrap();
    for (quote, code) in ANNOTATED {
        let start = char_pos(LETTER, quote);
        let a = Annotation::new(&session.doc, Span::new(start, start + quote.chars().count()), code, "Tester");
        session.apply(Action::Add(a)).unwrap();
    }
    session.save().unwrap();
    (dir, doc)
}

fn app_on(doc: &Path) -> Harness<'static, App> {
    let settings = Settings { coder: "Tester".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    app.open(doc);
    assert!(app.session().is_some(), "the document opens");
    let mut harness = crate::gui_support::harness(app, 1400.0, 1300.0);
    harness.run_steps(3);
    harness
}

fn open_editor(harness: &mut Harness<'_, App>) {
    harness.get_by_label("Codebook").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Edit codebook…").click();
    harness.run_steps(3);
    harness.get_by_label("Codebook editor");
}

/// Clicks into a text field, selects all of it and types `text`, then presses Enter.
fn retype(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    harness.get_by_role_and_label(Role::TextInput, label).click();
    harness.step();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.step();
    harness.key_press(Key::Backspace);
    harness.step();
    if !text.is_empty() {
        harness.get_by_role_and_label(Role::TextInput, label).type_text(text);
        harness.step();
    }
    harness.key_press(Key::Enter);
    harness.run_steps(3);
}

/// Selects a code in the editor's list.
fn pick(harness: &mut Harness<'_, App>, name: &str) {
    harness.get_by_role_and_label(Role::Button, name).click();
    harness.run_steps(2);
}

fn choose(harness: &mut Harness<'_, App>, combo: &str, option: &str) {
    harness.get_by_role_and_label(Role::ComboBox, combo).click();
    harness.run_steps(2);
    harness.get_all_by_label(option).last().expect("the option is listed").click();
    harness.run_steps(3);
}

fn codebook(harness: &Harness<'_, App>) -> Codebook {
    harness.state().session().unwrap().edits.codebook().clone()
}

fn codes_of_annotations(harness: &Harness<'_, App>) -> Vec<String> {
    harness.state().session().unwrap().edits.annotations().iter().map(|a| a.code.clone()).collect()
}

#[test]
fn rename_recolour_and_add_codes() {
    let (_dir, doc) = annotated_letter();
    let mut harness = app_on(&doc);
    open_editor(&mut harness);
    pick(&mut harness, "Demand");
    harness.run_steps(2);
    harness.get_by_label("Editing “Demand”");

    // Renaming keeps the id, so the annotations still have the code, under its new name.
    retype(&mut harness, "Name", "Requirement to landlord");
    let cb = codebook(&harness);
    assert_eq!(cb.code("demand").map(|c| c.name.as_str()), Some("Requirement to landlord"));
    assert_eq!(codes_of_annotations(&harness).iter().filter(|c| *c == "demand").count(), 2);
    harness.get_by_label("2  Requirement to landlord");
    harness.get_by_label("Requirement to landlord (2)");
    assert!(harness.query_by_label("Demand (2)").is_none());
    let saved =
        wait_for_disk(&mut harness, &doc, |s| s.codebook.code("demand").is_some_and(|c| c.name == "Requirement to landlord"));
    assert_eq!(saved.annotations.iter().filter(|a| a.code == "demand").count(), 2);

    // A name another code has (ignoring case) is refused and explained, not applied.
    retype(&mut harness, "Name", "prediction");
    harness.get_by_label_contains("Not applied: two codes have the same name");
    assert_eq!(codebook(&harness).code("demand").unwrap().name, "Requirement to landlord");
    // So is an empty name.
    retype(&mut harness, "Name", "");
    harness.get_by_label_contains("has an empty name");
    retype(&mut harness, "Name", "Requirement to landlord");
    assert!(harness.query_by_label_contains("Not applied").is_none());

    // Typing a name and going straight to another code applies the name too.
    harness.get_by_role_and_label(Role::TextInput, "Description").click();
    harness.step();
    harness.get_by_role_and_label(Role::TextInput, "Description").type_text(" — in writing, with a date.");
    harness.step();
    pick(&mut harness, "Prediction");
    harness.run_steps(2);
    harness.get_by_label("Editing “Prediction”");
    assert!(
        codebook(&harness).code("demand").unwrap().description.contains("— in writing, with a date."),
        "{:?}",
        codebook(&harness).code("demand").unwrap().description
    );
    pick(&mut harness, "Requirement to landlord");

    // Recolour from the palette; the swatch is announced by its colour name.
    harness.get_by_label("vermilion").click();
    harness.run_steps(3);
    assert_eq!(codebook(&harness).code("demand").unwrap().colour, "#D55E00");
    wait_for_disk(&mut harness, &doc, |s| s.codebook.code("demand").is_some_and(|c| c.colour == "#D55E00"));

    // A new code gets an id from its name, the first free key and a look of its own.
    harness.get_by_role_and_label(Role::TextInput, "New code name").click();
    harness.step();
    harness.get_by_role_and_label(Role::TextInput, "New code name").type_text("Promise of repair");
    harness.step();
    harness.get_by_label("Add code").click();
    harness.run_steps(3);
    let cb = codebook(&harness);
    let new = cb.code("promise-of-repair").expect("the new code is in the codebook");
    assert_eq!(new.key, Some('8'));
    assert!(cb.indistinguishable().is_empty(), "the new code looks like another one");
    harness.get_by_label("8  Promise of repair");
    harness.get_by_label("Editing “Promise of repair”");

    // Moving it up puts it before the code above it, in the editor and in the panel.
    harness.get_by_label("Move up").click();
    harness.run_steps(3);
    let ids: Vec<String> = codebook(&harness).codes.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids[ids.len() - 2], "promise-of-repair");

    // Each edit is one undo step.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(3);
    assert!(codebook(&harness).code("promise-of-repair").is_none());
    assert!(harness.query_by_label("8  Promise of repair").is_none());
    wait_for_disk(&mut harness, &doc, |s| s.codebook.code("promise-of-repair").is_none() && s.codebook.codes.len() == 7);
}

#[test]
fn an_attribute_added_in_the_editor_is_filled_in_the_panel() {
    let (_dir, doc) = annotated_letter();
    let mut harness = app_on(&doc);
    open_editor(&mut harness);
    pick(&mut harness, "Demand");
    harness.run_steps(2);
    harness.get_by_label("Add attribute").click();
    harness.run_steps(3);
    retype(&mut harness, "Name of attribute 2", "Tone");
    choose(&mut harness, "Kind of attribute 2", "choice");
    // A choice attribute without choices is not applied yet; the editor says why.
    harness.get_by_label_contains("has no choices");
    assert!(matches!(codebook(&harness).code("demand").unwrap().attributes[1].kind, AttributeKind::Text));
    retype(&mut harness, "Choices of attribute 2", "polite, firm, “furious”");
    assert!(harness.query_by_label_contains("Not applied").is_none());
    let attr = codebook(&harness).code("demand").unwrap().attributes[1].clone();
    assert_eq!(attr.id, "tone");
    assert_eq!(attr.name, "Tone");
    assert_eq!(attr.kind, AttributeKind::Choice(vec!["polite".into(), "firm".into(), "“furious”".into()]));

    harness.get_by_label("Close window").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Codebook editor").is_none());
    harness.get_by_label_contains("Demand: We demand that the landlord").click();
    harness.run_steps(3);
    choose(&mut harness, "Tone", "firm");
    let quote = ANNOTATED[0].0;
    let saved = wait_for_disk(&mut harness, &doc, |s| {
        s.annotations.iter().any(|a| a.exact == quote && a.attributes.get("tone").map(String::as_str) == Some("firm"))
    });
    assert!(saved.codebook.code("demand").unwrap().attributes.iter().any(|a| a.name == "Tone"));
}

#[test]
fn deleting_a_used_code_reassigns_its_annotations_and_undo_brings_it_back() {
    let (_dir, doc) = annotated_letter();
    let mut harness = app_on(&doc);
    open_editor(&mut harness);
    pick(&mut harness, "Demand");
    harness.run_steps(2);
    harness.get_by_label("Delete code").click();
    harness.run_steps(3);
    harness.get_by_label("2 annotations use “Demand”. What should happen to them?");
    // Nothing happens before a code to reassign to is chosen.
    assert!(codebook(&harness).code("demand").is_some());
    choose(&mut harness, "Reassign to", "Call to action");
    harness.get_by_label("Delete “Demand” and reassign").click();
    harness.run_steps(3);
    assert!(codebook(&harness).code("demand").is_none());
    assert_eq!(codes_of_annotations(&harness).iter().filter(|c| *c == "call-to-action").count(), 3);
    assert!(harness.query_by_label("2  Demand").is_none());
    harness.get_by_label("Call to action (3)");
    let saved = wait_for_disk(&mut harness, &doc, |s| s.codebook.code("demand").is_none());
    assert_eq!(saved.annotations.iter().filter(|a| a.code == "call-to-action").count(), 3);

    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(3);
    assert!(codebook(&harness).code("demand").is_some());
    assert_eq!(codes_of_annotations(&harness).iter().filter(|c| *c == "demand").count(), 2);
    harness.get_by_label("Demand (2)");
    let saved = wait_for_disk(&mut harness, &doc, |s| s.codebook.code("demand").is_some());
    assert_eq!(saved.annotations.iter().filter(|a| a.code == "demand").count(), 2);

    // Merging moves the annotations the same way.
    pick(&mut harness, "Factual assertion");
    harness.get_by_label("Merge into…").click();
    harness.run_steps(3);
    harness.get_by_label("Merge “Factual assertion” into another code");
    choose(&mut harness, "Reassign to", "Attribution");
    harness.get_by_label("Merge “Factual assertion”").click();
    harness.run_steps(3);
    assert!(codebook(&harness).code("factual-assertion").is_none());
    assert_eq!(codes_of_annotations(&harness).iter().filter(|c| *c == "attribution").count(), 1);
    harness.get_by_label("Attribution (1)");

    // An unused code is deleted at once; deleting a used code's annotations is a choice too.
    pick(&mut harness, "Rhetorical question");
    harness.run_steps(2);
    harness.get_by_label("Delete code").click();
    harness.run_steps(3);
    assert!(codebook(&harness).code("rhetorical-question").is_none());
    pick(&mut harness, "Prediction");
    harness.run_steps(2);
    harness.get_by_label("Delete code").click();
    harness.run_steps(2);
    harness.get_by_label("Delete those annotations").click();
    harness.run_steps(2);
    harness.get_by_label("Delete “Prediction” and its annotations").click();
    harness.run_steps(3);
    assert!(codebook(&harness).code("prediction").is_none());
    assert_eq!(codes_of_annotations(&harness).len(), 4);
}

#[test]
fn load_save_and_export_codebooks() {
    let (dir, doc) = annotated_letter();
    let mut harness = app_on(&doc);
    open_editor(&mut harness);
    let before = codebook(&harness);

    // A shipped codebook without the codes in use is refused, naming them.
    harness.get_by_label("Load codebook…").click();
    harness.run();
    harness.get_by_label_contains("Persuasion techniques (").click();
    harness.run_steps(3);
    harness.get_by_label_contains("annotations use codes it does not have: “Factual assertion” (1), “Demand” (2)");
    assert_eq!(codebook(&harness), before);

    // Save as the folder's codebook: new documents in the folder start with it.
    pick(&mut harness, "Demand");
    harness.run_steps(2);
    retype(&mut harness, "Name", "Demand for repairs");
    harness.get_by_label("Save codebook as…").click();
    harness.run_steps(2);
    harness.get_by_label("Save as the folder's codebook").click();
    step_until_shown(&mut harness, "Saved as the folder's codebook");
    let folder_book = dir.path().join("codebook.ron");
    let other = dir.path().join("reply.txt");
    std::fs::write(&other, "A reply — with thanks.\r\n").unwrap();
    let fresh = Session::open(&other, None, "Tester").unwrap();
    assert_eq!(fresh.edits.codebook(), &codebook(&harness));
    assert_eq!(Codebook::load(&folder_book).unwrap().code("demand").unwrap().name, "Demand for repairs");

    // Export as REFI-QDA, relative to the document's folder, and load it back: the codes come
    // back with other ids but the same names, so they take the current ids.
    retype(&mut harness, "Codebook file to save", "shared/tenants");
    std::fs::create_dir(dir.path().join("shared")).unwrap();
    harness.get_by_label("Export as REFI-QDA (.qdc)").click();
    let qdc = dir.path().join("shared").join("tenants.qdc");
    step_until(&mut harness, "writing the .qdc file", |_| qdc.exists());
    let xml = std::fs::read_to_string(&qdc).expect("the .qdc file was written");
    assert!(xml.contains("Demand for repairs"));
    harness.get_by_label("Save as RON").click();
    step_until(&mut harness, "writing the .ron file", |_| dir.path().join("shared").join("tenants.ron").exists());
    assert_eq!(Codebook::load(&dir.path().join("shared").join("tenants.ron")).unwrap(), codebook(&harness));

    retype(&mut harness, "Codebook file to load", "shared/tenants.qdc");
    harness.get_by_label("Load").click();
    step_until_shown(&mut harness, "Loaded “tenants”");
    let loaded = codebook(&harness);
    assert_eq!(loaded.name, "tenants");
    assert_eq!(loaded.code("demand").unwrap().name, "Demand for repairs");
    assert_eq!(codes_of_annotations(&harness).iter().filter(|c| *c == "demand").count(), 2);

    // A file that is not a codebook is explained.
    std::fs::write(dir.path().join("broken.ron"), "(name: \"half").unwrap();
    retype(&mut harness, "Codebook file to load", "broken.ron");
    harness.get_by_label("Load").click();
    step_until_shown(&mut harness, "The codebook was not loaded:");
    assert_eq!(codebook(&harness), loaded);
}

#[test]
fn link_types_are_edited_one_undo_step_at_a_time_and_not_deleted_while_used() {
    let (_dir, doc) = annotated_letter();
    {
        // One link of type Supports, as another session would have drawn it.
        let mut session = Session::open(&doc, None, "Tester").unwrap();
        let id = |q: &str| session.edits.annotations().iter().find(|a| a.exact == q).unwrap().id;
        let (from, to) = (id(ANNOTATED[1].0), id(ANNOTATED[0].0));
        session.apply(Action::AddLink(marginalia::Link::new("supports", from, to, "Tester"))).unwrap();
        session.save().unwrap();
    }
    let mut harness = app_on(&doc);
    open_editor(&mut harness);
    harness.get_by_label("Link types (5)").click();
    harness.run_steps(2);
    pick(&mut harness, "Supports");
    harness.get_by_label("Editing link type “Supports”");

    // Rename, recolour and limit its origins: three edits, the link keeps its type's id.
    retype(&mut harness, "Link type name", "Backs up");
    let lt = |h: &Harness<'_, App>| codebook(h).link_type("supports").cloned().expect("the type is there");
    assert_eq!(lt(&harness).name, "Backs up");
    harness.get_by_label("Link colour vermilion").click();
    harness.run_steps(3);
    assert_eq!(lt(&harness).colour, "#D55E00");
    harness.get_by_label("May start from: Demand").click();
    harness.run_steps(3);
    assert_eq!(lt(&harness).origin_codes, vec!["demand".to_owned()]);
    harness.get_by_role_and_label(Role::TextInput, "Link type description").click();
    harness.step();
    harness.get_by_role_and_label(Role::TextInput, "Link type description").type_text(" Said of tenants' reasons.");
    harness.step();
    pick(&mut harness, "Attacks");
    assert!(
        lt(&harness).description.contains("Said of tenants' reasons."),
        "leaving the field applies it: {:?}",
        lt(&harness).description
    );
    let saved = wait_for_disk(&mut harness, &doc, |s| s.codebook.link_type("supports").is_some_and(|t| t.name == "Backs up"));
    assert_eq!(saved.links[0].link_type, "supports");

    // Each edit is one undo step.
    for _ in 0..2 {
        harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
        harness.run_steps(2);
    }
    assert!(lt(&harness).origin_codes.is_empty());
    assert_eq!(lt(&harness).colour, "#D55E00");
    for _ in 0..2 {
        harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
        harness.run_steps(2);
    }
    assert_eq!((lt(&harness).name.as_str(), lt(&harness).colour.as_str()), ("Supports", "#009E73"));

    // A type that links use is not deleted, and the editor says why.
    pick(&mut harness, "Supports");
    harness.get_by_label("Delete link type").click();
    harness.run_steps(2);
    harness.get_by_label_contains("1 link uses “Supports”, so it was not deleted");
    assert_eq!(codebook(&harness).link_types.len(), 5);

    // A new type gets an id from its name and a colour no other type has; deleting it (no
    // link uses it) is undone like the rest.
    harness.get_by_role_and_label(Role::TextInput, "New link type name").click();
    harness.step();
    harness.get_by_role_and_label(Role::TextInput, "New link type name").type_text("Contradicts");
    harness.step();
    harness.get_by_label("Add link type").click();
    harness.run_steps(3);
    let cb = codebook(&harness);
    let new = cb.link_type("contradicts").expect("the new type is in the codebook");
    assert!(cb.link_types.iter().filter(|t| t.colour == new.colour).count() == 1, "its colour is its own");
    harness.get_by_label("Editing link type “Contradicts”");
    harness.get_by_label("Delete link type").click();
    harness.run_steps(3);
    assert!(codebook(&harness).link_type("contradicts").is_none());
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(3);
    assert!(codebook(&harness).link_type("contradicts").is_some());
    wait_for_disk(&mut harness, &doc, |s| s.codebook.link_type("contradicts").is_some());
}

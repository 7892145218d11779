//! The Document variables window of the real app: a value typed into a cell is written to the
//! folder's variables file, a wrong number is refused without touching the file, Undo takes a
//! change back on disk, and a variable added in the window is in the file (egui_kittest).

#![cfg(feature = "gui")]

use crate::gui_support;

use std::path::Path;

use egui::Key;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use gui_support::step_until;
use marginalia::ui::{App, Settings};

fn value_on_disk(d: &Path, doc: &str, var: &str) -> Option<String> {
    marginalia::vars::load(d).unwrap().value(doc, var).map(str::to_owned)
}

#[test]
fn cells_edit_the_variables_file_and_undo_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("harbour.txt"), "The harbour board met on Tuesday.\n").unwrap();
    std::fs::write(d.join("market.txt"), "Traders want cheaper rents.\n").unwrap();
    std::fs::write(d.join("table.csv"), "document,pages,desk\nharbour.txt,4,\nmarket.txt,12,city\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .arg("vars")
        .arg("import")
        .arg(d)
        .arg(d.join("table.csv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut app = App::new(Settings { coder: "ana".into(), ..Settings::default() }, None);
    app.open(d);
    let mut harness = crate::gui_support::harness(app, 1280.0, 900.0);
    harness.run_steps(3);
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Document variables").click();
    step_until(&mut harness, "the table", |h| h.query_by_role_and_label(Role::TextInput, "harbour.txt desk").is_some());

    // A value typed into an empty cell, kept with Enter.
    harness.get_by_role_and_label(Role::TextInput, "harbour.txt desk").click();
    harness.run_steps(1);
    harness.get_by_role_and_label(Role::TextInput, "harbour.txt desk").type_text("harbour");
    harness.run_steps(1);
    harness.key_press(Key::Enter);
    step_until(&mut harness, "the value written", |_| value_on_disk(d, "harbour.txt", "desk").as_deref() == Some("harbour"));

    // Words in a number cell are refused; the file keeps the number.
    harness.get_by_role_and_label(Role::TextInput, "market.txt pages").click();
    harness.run_steps(1);
    harness.get_by_role_and_label(Role::TextInput, "market.txt pages").type_text(" pages");
    harness.run_steps(1);
    harness.key_press(Key::Enter);
    harness.run_steps(3);
    assert!(harness.query_by_label_contains("the value was not kept").is_some(), "the window says why");
    assert_eq!(value_on_disk(d, "market.txt", "pages").as_deref(), Some("12"));

    // Undo takes the typed value back, on disk too.
    harness.get_by_label("Undo").click();
    step_until(&mut harness, "the value undone", |_| value_on_disk(d, "harbour.txt", "desk").is_none());
    assert_eq!(value_on_disk(d, "market.txt", "desk").as_deref(), Some("city"), "other values are kept");

    // A new variable.
    harness.get_by_role_and_label(Role::TextInput, "New variable name").click();
    harness.get_by_role_and_label(Role::TextInput, "New variable name").type_text("published");
    harness.run_steps(1);
    harness.get_by_label("Add variable").click();
    step_until(&mut harness, "the variable added", |_| marginalia::vars::load(d).unwrap().variable("published").is_some());
    step_until(&mut harness, "its column", |h| h.query_by_role_and_label(Role::TextInput, "market.txt published").is_some());
}

//! The Retrieve window of the real app: passages across the open folder, filtered by code and
//! by a document variable, read on a worker thread; a click opens the passage's document
//! (egui_kittest, no GPU).

#![cfg(feature = "gui")]

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marginalia::ui::{App, Settings};

fn add(doc: &Path, quote: &str, code: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .arg("add")
        .arg(doc)
        .args(["--quote", quote, "--code", code, "--coder", "ana"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn wait_for(harness: &mut Harness<'_, App>, label: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while harness.query_by_label_contains(label).is_none() {
        harness.step();
        std::thread::sleep(Duration::from_millis(30));
        assert!(Instant::now() < deadline, "\"{label}\" did not appear");
    }
}

#[test]
fn retrieve_lists_passages_across_the_folder_and_opens_their_document() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let harbour = d.join("harbour.txt");
    let market = d.join("market.txt");
    std::fs::write(&harbour, "The harbour board met on Tuesday.\nResidents want cheaper fares now.\n").unwrap();
    std::fs::write(&market, "The mayor promised a decision by spring; traders want cheaper rents.\n").unwrap();
    add(&harbour, "Residents want cheaper fares now", "demand");
    add(&harbour, "The harbour board met on Tuesday", "factual-assertion");
    add(&market, "traders want cheaper rents", "demand");
    std::fs::write(d.join("outlets.csv"), "document,outlet\nharbour.txt,Coast Gazette\nmarket.txt,Quay Weekly\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .arg("vars")
        .arg("import")
        .arg(d)
        .arg(d.join("outlets.csv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut app = App::new(Settings { coder: "ana".into(), ..Settings::default() }, None);
    app.open(d);
    let mut harness = crate::gui_support::harness(app, 1280.0, 1000.0);
    harness.run_steps(3);
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Retrieve passages").click();
    harness.run_steps(2);

    harness.state_mut().retrieve_mut().form.codes = "Demand".into();
    harness.run_steps(1);
    harness.get_by_label("Retrieve").click();
    wait_for(&mut harness, "2 passage(s) in 2 document(s)");
    harness.get_by_label("Residents want cheaper fares now");
    harness.get_by_label("traders want cheaper rents");

    harness.state_mut().retrieve_mut().form.conditions = "outlet=Quay Weekly".into();
    harness.run_steps(1);
    harness.get_by_label("Retrieve").click();
    wait_for(&mut harness, "1 passage(s) in 1 document(s)");
    assert!(harness.query_by_label("Residents want cheaper fares now").is_none());

    // A mistake is shown as the CLI says it, and nothing is listed.
    harness.state_mut().retrieve_mut().form.conditions = "party=Greens".into();
    harness.run_steps(1);
    harness.get_by_label("Retrieve").click();
    wait_for(&mut harness, "no variable \"party\"");

    harness.state_mut().retrieve_mut().form.conditions.clear();
    harness.run_steps(1);
    harness.get_by_label("Retrieve").click();
    wait_for(&mut harness, "2 passage(s) in 2 document(s)");
    harness.get_by_label("market.txt").click();
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.state().session().map(|s| s.doc.file_name()) != Some("market.txt".to_owned()) {
        harness.step();
        std::thread::sleep(Duration::from_millis(30));
        assert!(Instant::now() < deadline, "the document did not open");
    }
}

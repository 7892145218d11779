//! The Code matrix window of the real app, and Retrieve's exports: a click on a cell lists
//! exactly the passages that cell counts in the Retrieve window, and that list is written as
//! CSV, Excel and HTML files (egui_kittest, no GPU).

#![cfg(feature = "gui")]

use crate::gui_support;

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gui_support::{step_until, step_until_shown};
use marginalia::retrieve::{Passage, Query, retrieve};
use marginalia::ui::{App, Settings};

fn add(doc: &Path, quote: &str, code: &str, coder: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .arg("add")
        .arg(doc)
        .args(["--quote", quote, "--code", code, "--coder", coder])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Two documents: harbour.txt with two demands (one inside a factual assertion) and market.txt
/// with one demand.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let harbour = d.join("harbour.txt");
    let market = d.join("market.txt");
    std::fs::write(&harbour, "The harbour board met on Tuesday and residents want cheaper fares.\nBuses must run on Sundays.\n")
        .unwrap();
    std::fs::write(&market, "The mayor promised a decision by spring; traders want cheaper rents.\n").unwrap();
    add(&harbour, "The harbour board met on Tuesday and residents want cheaper fares", "factual-assertion", "ana");
    add(&harbour, "residents want cheaper fares", "demand", "ana");
    add(&harbour, "Buses must run on Sundays", "demand", "ana");
    add(&market, "traders want cheaper rents", "demand", "ana");
    dir
}

fn open(dir: &Path) -> Harness<'static, App> {
    let mut app = App::new(Settings { coder: "ana".into(), ..Settings::default() }, None);
    app.open(dir);
    let mut harness = crate::gui_support::harness(app, 1400.0, 1000.0);
    step_until(&mut harness, "reading the folder", |h| h.state().loaded_corpus().is_some());
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Code matrix").click();
    harness.run_steps(2);
    harness
}

/// What the Retrieve window lists.
fn listed(harness: &mut Harness<'_, App>) -> Vec<Passage> {
    match &harness.state_mut().retrieve_mut().results {
        Some((_, Ok(passages))) => passages.clone(),
        other => panic!("Retrieve lists nothing: {:?}", other.as_ref().map(|(_, r)| r.as_ref().err())),
    }
}

#[test]
fn a_cell_lists_exactly_its_passages_and_the_list_exports() {
    let dir = folder();
    let d = dir.path();
    let mut harness = open(d);
    step_until_shown(&mut harness, "Demand x harbour.txt: 2");
    harness.get_by_label("Demand x market.txt: 1");
    harness.get_by_label("Factual assertion x market.txt: 0");

    harness.get_by_label("Demand x harbour.txt: 2").click();
    step_until_shown(&mut harness, "2 passage(s) in 1 document(s)");
    let shown = listed(&mut harness);
    // The same passages as Retrieve by code, kept to the cell's document.
    let corpus = marginalia::corpus::load(d).unwrap();
    let expected: Vec<Passage> = retrieve(&corpus, &Query { codes: vec!["demand".into()], ..Query::default() })
        .unwrap()
        .into_iter()
        .filter(|p| p.document == "harbour.txt")
        .collect();
    assert_eq!(shown, expected);
    harness.get_by_label("residents want cheaper fares");
    assert!(harness.query_by_label("traders want cheaper rents").is_none(), "another document's passage is not in the cell");

    // The list, written through the app's worker, in three formats.
    harness.state_mut().retrieve_mut().export_path = "cell".into();
    harness.run_steps(1);
    for (button, file) in [("CSV", "cell.csv"), ("Excel", "cell.xlsx"), ("HTML", "cell.html")] {
        harness.get_by_label(button).click();
        let path = d.join(file);
        step_until(&mut harness, &format!("writing {file}"), |_| path.exists());
    }
    let csv = std::fs::read_to_string(d.join("cell.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<(String, String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_owned(), r[2].to_owned(), r[6].to_owned())).collect();
    let want: Vec<(String, String, String)> =
        expected.iter().map(|p| (p.document.clone(), p.code.clone(), p.exact.clone())).collect();
    assert_eq!(rows, want);
    let html = std::fs::read_to_string(d.join("cell.html")).unwrap();
    assert!(html.contains("2 passage(s) in 1 document(s)") && html.contains("Buses must run on Sundays"));
    let xlsx = std::fs::read(d.join("cell.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    assert!(strings.contains("residents want cheaper fares") && !strings.contains("traders want cheaper rents"));
}

#[test]
fn a_co_occurrence_cell_lists_both_sides_of_each_pair() {
    let dir = folder();
    let mut harness = open(dir.path());
    step_until_shown(&mut harness, "Demand x harbour.txt");
    harness.state_mut().matrix_mut().cols = "code".into();
    harness.state_mut().matrix_mut().open = true;
    // Lay the window out with the co-occurrence choices before clicking in it.
    harness.run_steps(1);
    harness.get_by_label("Refresh").click();
    step_until_shown(&mut harness, "Demand x factual-assertion: 1");
    harness.get_by_label("Demand x factual-assertion: 1").click();
    step_until_shown(&mut harness, "2 passage(s) in 1 document(s)");
    let quotes: Vec<String> = listed(&mut harness).into_iter().map(|p| p.exact).collect();
    assert_eq!(
        quotes,
        ["The harbour board met on Tuesday and residents want cheaper fares", "residents want cheaper fares"],
        "the demand and the assertion it sits in; not the demand that overlaps nothing"
    );
}

#[test]
fn the_window_shows_shares_of_documents_and_of_columns() {
    let dir = folder();
    let mut harness = open(dir.path());
    step_until_shown(&mut harness, "Demand x harbour.txt: 2");
    // harbour.txt has the code (twice): 100% of that one document.
    harness.get_by_label("share of documents").click();
    step_until_shown(&mut harness, "Demand x harbour.txt: 100%");
    harness.get_by_label("Factual assertion x market.txt: 0%");
    // Two of the three annotations in harbour.txt are demands.
    harness.get_by_label("share of column").click();
    step_until_shown(&mut harness, "Demand x harbour.txt: 67%");
    harness.get_by_label("Factual assertion x harbour.txt: 33%");
}

//! Feedback pages of students whose names make the same file name never overwrite each other,
//! and every CSV the program writes neutralises cells a spreadsheet would run as a formula alike.

use marginalia::sidecar;

use crate::class_fixture::{SPEECH, graded_class, write_marks};
use crate::common;
use common::ok;

#[test]
fn feedback_pages_of_students_whose_names_make_the_same_file_name_are_all_kept() {
    let taxes: &[(&str, &str, &str)] = &[("Taxes will fall next year", "prediction", "")];
    let none: &[(&str, &str, &str)] = &[("Jobs will return soon", "demand", "")];
    let root = graded_class(&[("jean luc", taxes), ("jean-luc", none), ("jean_luc", none)]);
    let dir = root.path();
    let out = ok(dir, &["class", "feedback", "class", "-o", "fb"]);
    let listed: Vec<&str> = out.lines().collect();
    let mut distinct = listed.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(listed.len(), 3, "{out}");
    assert_eq!(distinct.len(), 3, "every page is listed once: {out}");
    let mut files: Vec<String> =
        std::fs::read_dir(dir.join("fb")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files.len(), 3, "no page overwrote another: {files:?}");
    let lower: std::collections::BTreeSet<String> = files.iter().map(|f| f.to_lowercase()).collect();
    assert_eq!(lower.len(), 3, "file names differ without regard to case: {files:?}");
    // Each page is its own student's, with their own grade.
    let pages: Vec<String> = files.iter().map(|f| std::fs::read_to_string(dir.join("fb").join(f)).unwrap()).collect();
    for name in ["jean luc", "jean-luc", "jean_luc"] {
        let title = format!(" - {name}</title>");
        assert_eq!(pages.iter().filter(|p| p.contains(&title)).count(), 1, "{name}'s page: {files:?}");
    }
    // Written alone, a page keeps the name it has among the others.
    let out = ok(dir, &["class", "feedback", "class", "--student", "jean_luc", "-o", "one"]);
    let alone: Vec<String> =
        std::fs::read_dir(dir.join("one")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(alone.len(), 1, "{out}");
    assert!(files.contains(&alone[0]), "{alone:?} among {files:?}");
    assert!(std::fs::read_to_string(dir.join("one").join(&alone[0])).unwrap().contains(" - jean_luc</title>"));
}

/// The cells of a CSV.
fn cells(csv: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
    r.records().flat_map(|rec| rec.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect()
}

const FORMULAS: [&str; 4] = ["=1+1", "+1", "-1", "@x"];

/// Every formula-like text the test put in is there, neutralised with a leading `'`, and no
/// cell but a number starts like a formula.
fn assert_neutralised(what: &str, csv: &str, expected: &[&str]) {
    let cells = cells(csv);
    for text in expected {
        let quoted = format!("'{text}");
        assert!(cells.iter().any(|c| c == &quoted || c.starts_with(&format!("{quoted} "))), "{what}: no {quoted:?} in\n{csv}");
    }
    for c in &cells {
        let formula = c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err();
        assert!(!formula, "{what}: {c:?} is run as a formula in\n{csv}");
    }
}

#[test]
fn the_agree_report_the_retrieve_csv_the_variables_and_the_matrix_neutralise_formulas() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let text = dir.join("speech.txt");
    std::fs::write(&text, SPEECH).unwrap();
    write_marks(&text, &sidecar::coder_path(&text, "key"), "key", &[("Taxes will fall next year", "prediction", "")]);
    for (i, coder) in ["=1+1", "+1", "-1", "@x"].iter().enumerate() {
        let note = FORMULAS[(i + 1) % 4];
        let path = dir.join(format!("speech.txt.c{i}.annotations.ron"));
        write_marks(&text, &path, coder, &[("Taxes will fall next year", "prediction", note)]);
    }
    let sidecars: Vec<String> = (0..4).map(|i| format!("speech.txt.c{i}.annotations.ron")).collect();
    let mut args = vec!["agree", "speech.txt", "--key", "speech.txt.key.annotations.ron", "--report-csv", "report.csv"];
    args.extend(sidecars.iter().map(String::as_str));
    ok(dir, &args);
    assert_neutralised("agree --report-csv", &std::fs::read_to_string(dir.join("report.csv")).unwrap(), &FORMULAS);

    let retrieved = ok(dir, &["retrieve", ".", "--format", "csv"]);
    assert_neutralised("retrieve", &retrieved, &FORMULAS);

    let matrix = ok(dir, &["matrix", ".", "--cols", "coder", "--format", "csv"]);
    assert_neutralised("matrix", &matrix, &FORMULAS);

    std::fs::write(dir.join("vars.csv"), "document,party,note\nspeech.txt,=1+1,@x\n").unwrap();
    ok(dir, &["vars", "import", ".", "vars.csv"]);
    let vars = ok(dir, &["vars", "export", "."]);
    assert_neutralised("vars export", &vars, &["=1+1", "@x"]);
}

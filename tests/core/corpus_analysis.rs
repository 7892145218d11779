//! Corpus analysis as a researcher runs it on a folder: document variables, retrieval,
//! matrices, auto-coding and merging sidecars in git, all through the real binary.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const HARBOUR: &str = "The harbour board met on Tuesday.\n\nCouncillor Idris Vane said the ferry must run every hour.\nResidents want cheaper fares now.\n\nThe board will decide in March.\n";
const MARKET: &str = "Stallholders on Quay Street asked for longer hours.\n\nThe mayor promised a decision by spring; traders want cheaper rents.\n";
const SCHOOL: &str = "# School roof\n\nParents say the roof leaks 🌧️ every winter, and the 👨‍👩‍👧 next door too.\n\nThe council must repair it before September.\n";

const VARIABLES_CSV: &str = "document,outlet,date,pages\nharbour.txt,Coast Gazette,2024-03-05,4\nmarket.txt,Quay Weekly,2024-04-10,12\nschool.md,Coast Gazette,2024-05-01,2\n";

use crate::common;
use common::Out;

fn run(dir: &Path, args: &[&str]) -> Out {
    common::run_in(dir, args, Some("ana"))
}

fn ok(dir: &Path, args: &[&str]) -> String {
    common::ok_in(dir, args, Some("ana"))
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let out = ok(dir, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

/// Adds an annotation with `add`; `coder` other than ana writes the coder's own sidecar.
fn add(dir: &Path, doc: &str, quote: &str, code: &str, coder: &str, note: &str) {
    let sidecar = format!("{doc}.{coder}.annotations.ron");
    let mut args = vec!["add", doc, "--quote", quote, "--code", code, "--coder", coder, "--note", note];
    if coder != "ana" {
        args.extend(["--sidecar", sidecar.as_str()]);
    }
    ok(dir, &args);
}

/// Three short news items, coded by ana (default sidecars) and bruno (his own sidecars).
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("harbour.txt"), HARBOUR).unwrap();
    std::fs::write(d.join("market.txt"), MARKET).unwrap();
    std::fs::write(d.join("school.md"), SCHOOL).unwrap();
    add(d, "harbour.txt", "Councillor Idris Vane said", "attribution", "ana", "");
    add(d, "harbour.txt", "the ferry must run every hour", "demand", "ana", "ask the port authority");
    add(d, "harbour.txt", "Councillor Idris Vane said the ferry must run every hour", "opinion", "ana", "");
    add(d, "harbour.txt", "Residents want cheaper fares now", "demand", "ana", "fares");
    add(d, "harbour.txt", "The board will decide in March", "prediction", "bruno", "");
    add(d, "market.txt", "traders want cheaper rents", "demand", "ana", "");
    add(d, "market.txt", "The mayor promised a decision by spring", "prediction", "ana", "");
    add(d, "school.md", "the roof leaks", "factual-assertion", "ana", "");
    add(d, "school.md", "The council must repair it before September", "demand", "bruno", "");
    dir
}

fn with_variables() -> tempfile::TempDir {
    let dir = folder();
    std::fs::write(dir.path().join("vars.csv"), VARIABLES_CSV).unwrap();
    ok(dir.path(), &["vars", "import", ".", "vars.csv"]);
    dir
}

// ---------------------------------------------------------------------------------------------
// Variables

#[test]
fn variables_import_to_a_plain_text_file_and_export_the_same_table() {
    let dir = with_variables();
    let d = dir.path();
    let ron = std::fs::read_to_string(d.join("marginalia-variables.ron")).unwrap();
    assert!(ron.contains("kind: date") && ron.contains("kind: number") && ron.contains("kind: text"), "{ron}");
    assert!(ron.contains("\"Quay Weekly\""), "{ron}");
    let table = ok(d, &["vars", "export", "."]);
    assert_eq!(
        table.replace("\r\n", "\n"),
        "document,date,outlet,pages\nharbour.txt,2024-03-05,Coast Gazette,4\nmarket.txt,2024-04-10,Quay Weekly,12\nschool.md,2024-05-01,Coast Gazette,2\n"
    );
    ok(d, &["vars", "export", ".", "-o", "back.csv"]);
    assert_eq!(std::fs::read_to_string(d.join("back.csv")).unwrap(), table);
    // Importing the exported table changes nothing, byte for byte.
    ok(d, &["vars", "import", ".", "back.csv"]);
    assert_eq!(std::fs::read_to_string(d.join("marginalia-variables.ron")).unwrap(), ron);
}

#[test]
fn a_choice_variable_keeps_its_values_and_a_later_import_keeps_other_variables() {
    let dir = with_variables();
    let d = dir.path();
    std::fs::write(d.join("party.csv"), "document,party\nharbour.txt,Greens\nmarket.txt,Labour\n").unwrap();
    ok(d, &["vars", "import", ".", "party.csv", "--kind", "party=choice"]);
    let ron = std::fs::read_to_string(d.join("marginalia-variables.ron")).unwrap();
    assert!(ron.contains("kind: choice") && ron.contains("choices: ["), "{ron}");
    let table = ok(d, &["vars", "export", "."]).replace("\r\n", "\n");
    assert!(table.starts_with("document,date,outlet,pages,party\nharbour.txt,2024-03-05,Coast Gazette,4,Greens\n"), "{table}");
    assert!(table.contains("school.md,2024-05-01,Coast Gazette,2,\n"), "{table}");
}

#[test]
fn bad_tables_name_the_file_the_line_and_what_to_do() {
    let dir = folder();
    let d = dir.path();
    let cases: [(&str, &str, &[&str]); 5] = [
        ("document\nharbour.txt\n", "bad.csv:1:1", &["only one column", "one column per variable"]),
        ("document,pages\nharbour.txt,4\nmarket.txt,twelve\n", "bad.csv:3:2", &["twelve", "not a number", "--kind pages=text"]),
        ("document,outlet\nharbour.txt,Coast Gazette\nferry.txt,Quay Weekly\n", "bad.csv:3:1", &["ferry.txt", "not a document"]),
        ("document,outlet\nharbour.txt,Coast Gazette,extra\n", "bad.csv:2:", &["3 cells", "header has 2"]),
        ("document,outlet,outlet\nharbour.txt,a,b\n", "bad.csv:1:3", &["twice"]),
    ];
    for (table, place, says) in cases {
        std::fs::write(d.join("bad.csv"), table).unwrap();
        let out = run(d, &["vars", "import", ".", "bad.csv", "--kind", "pages=number"]);
        let out = if out.stderr.contains("--kind names") { run(d, &["vars", "import", ".", "bad.csv"]) } else { out };
        assert_eq!(out.code, 2, "{table}: {}", out.stderr);
        assert!(out.stderr.contains(place), "{table}: wanted {place}: {}", out.stderr);
        for s in says {
            assert!(out.stderr.contains(s), "{table}: wanted {s}: {}", out.stderr);
        }
        assert!(!d.join("marginalia-variables.ron").exists(), "a refused table writes nothing");
    }
    std::fs::write(d.join("bad.csv"), b"document,outlet\nharbour.txt,Gazette\nmarket.txt,Caf\xe9 Weekly\n").unwrap();
    let out = run(d, &["vars", "import", ".", "bad.csv"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad.csv:3:1: is not UTF-8") && out.stderr.contains("CSV UTF-8"), "{}", out.stderr);
}

#[test]
fn exports_carry_the_variables_as_columns() {
    let dir = with_variables();
    let d = dir.path();
    ok(d, &["export", ".", "--format", "jsonl", "-o", "out.jsonl"]);
    let lines: Vec<Value> =
        std::fs::read_to_string(d.join("out.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 9);
    for l in &lines {
        let (outlet, pages) = match l["document"].as_str().unwrap() {
            "harbour.txt" => ("Coast Gazette", 4),
            "market.txt" => ("Quay Weekly", 12),
            _ => ("Coast Gazette", 2),
        };
        assert_eq!(l["variables"]["outlet"], outlet);
        assert_eq!(l["variables"]["pages"], pages, "numbers stay numbers");
    }
    ok(d, &["export", ".", "--format", "csv", "-o", "out.csv"]);
    let mut reader = csv::Reader::from_path(d.join("out.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&header[header.len() - 3..], ["var:date", "var:outlet", "var:pages"]);
    let market: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .filter(|r| r[0] == "market.txt")
        .collect();
    assert_eq!(market.len(), 2);
    assert_eq!(&market[0][header.len() - 3..], ["2024-04-10", "Quay Weekly", "12"]);

    use calamine::{Data, Reader, Xlsx, open_workbook};
    ok(d, &["export", ".", "--format", "xlsx", "-o", "out.xlsx"]);
    let mut book: Xlsx<_> = open_workbook(d.join("out.xlsx")).unwrap();
    let sheet = book.worksheet_range("Annotations").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let width = rows[0].len();
    assert_eq!(rows[0][width - 1], Data::String("var:pages".into()));
    let market = rows.iter().find(|r| r[0] == Data::String("market.txt".into())).unwrap();
    assert_eq!(market[width - 1], Data::Float(12.0));
    assert_eq!(market[width - 2], Data::String("Quay Weekly".into()));
    assert!(matches!(market[width - 3], Data::DateTime(_)), "{:?}", market[width - 3]);
}

// ---------------------------------------------------------------------------------------------
// Retrieve

fn passages(dir: &Path, args: &[&str]) -> Vec<(String, String, String, String)> {
    let mut all = vec!["retrieve", ".", "--format", "json"];
    all.extend(args);
    let v = json(dir, &all);
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            for field in ["document", "coder", "code", "start", "end", "exact", "note"] {
                assert!(p.get(field).is_some(), "{field} missing in {p}");
            }
            let text = match p["document"].as_str().unwrap() {
                "harbour.txt" => HARBOUR,
                "market.txt" => MARKET,
                _ => SCHOOL,
            };
            let (s, e) = (p["start"].as_u64().unwrap() as usize, p["end"].as_u64().unwrap() as usize);
            let sliced: String = text.chars().skip(s).take(e - s).collect();
            assert_eq!(p["exact"], sliced.as_str(), "positions slice the text");
            let s = |k: &str| p[k].as_str().unwrap().to_owned();
            (s("document"), s("coder"), s("code"), s("exact"))
        })
        .collect()
}

fn quotes(rows: &[(String, String, String, String)]) -> Vec<&str> {
    rows.iter().map(|r| r.3.as_str()).collect()
}

#[test]
fn retrieve_finds_passages_by_code_coder_variable_and_text() {
    let dir = with_variables();
    let d = dir.path();
    let demand = passages(d, &["--code", "demand"]);
    assert_eq!(
        quotes(&demand),
        [
            "the ferry must run every hour",
            "Residents want cheaper fares now",
            "traders want cheaper rents",
            "The council must repair it before September"
        ]
    );
    assert_eq!(demand[3].1, "bruno");
    // Codes by name too, several codes as "any".
    assert_eq!(passages(d, &["--code", "Prediction", "--code", "factual-assertion"]).len(), 3);
    assert_eq!(
        quotes(&passages(d, &["--coder", "bruno"])),
        ["The board will decide in March", "The council must repair it before September"]
    );
    let gazette = passages(d, &["--code", "demand", "--where", "outlet=Coast Gazette"]);
    assert_eq!(gazette.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["harbour.txt", "harbour.txt", "school.md"]);
    // Numbers compare as numbers: 12 >= 4 (as text "12" < "4").
    let long = passages(d, &["--code", "demand", "--where", "pages>=4"]);
    assert_eq!(long.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["harbour.txt", "harbour.txt", "market.txt"]);
    assert_eq!(passages(d, &["--where", "date<2024-04-01", "--where", "outlet!=Quay Weekly"]).len(), 5);
    assert_eq!(quotes(&passages(d, &["--text", "CHEAPER"])), ["Residents want cheaper fares now", "traders want cheaper rents"]);
    // The note counts as well as the passage.
    assert_eq!(quotes(&passages(d, &["--text", "port authority"])), ["the ferry must run every hour"]);
}

#[test]
fn all_codes_keeps_passages_that_overlap_every_listed_code() {
    let dir = folder();
    let rows = passages(dir.path(), &["--code", "opinion", "--code", "demand", "--all-codes"]);
    assert_eq!(
        rows.iter().map(|r| (r.2.as_str(), r.3.as_str())).collect::<Vec<_>>(),
        [("opinion", "Councillor Idris Vane said the ferry must run every hour"), ("demand", "the ferry must run every hour")]
    );
}

#[test]
fn retrieve_tables_and_csv_and_mistakes() {
    let dir = with_variables();
    let d = dir.path();
    let table = ok(d, &["retrieve", ".", "--code", "prediction"]);
    assert!(table.contains("The board will decide in March") && table.contains("2 passage(s) in 2 document(s)"), "{table}");
    let csv_text = ok(d, &["retrieve", ".", "--code", "prediction", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().take(3).collect::<Vec<_>>(), ["document", "coder", "code"]);
    assert_eq!(reader.records().count(), 2);
    let out = run(d, &["retrieve", ".", "--where", "party=Greens"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no variable \"party\"") && out.stderr.contains("date, outlet, pages"), "{}", out.stderr);
    let out = run(d, &["retrieve", ".", "--where", "pages>=many"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a number"), "{}", out.stderr);
    let out = run(d, &["retrieve", ".", "--code", "gossip"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no code \"gossip\"") && out.stderr.contains("demand"), "{}", out.stderr);
}

#[test]
fn retrieve_writes_csv_excel_and_html_files() {
    let dir = with_variables();
    let d = dir.path();
    let listed: Value = json(d, &["retrieve", ".", "--code", "prediction", "--format", "json"]);
    let quotes: Vec<&str> = listed.as_array().unwrap().iter().map(|p| p["exact"].as_str().unwrap()).collect();
    assert_eq!(quotes.len(), 2);
    // The format follows the file's extension.
    ok(d, &["retrieve", ".", "--code", "prediction", "-o", "p.csv"]);
    let csv_text = std::fs::read_to_string(d.join("p.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let exact: Vec<String> = reader.records().map(|r| r.unwrap()[6].to_owned()).collect();
    assert_eq!(exact, quotes);
    ok(d, &["retrieve", ".", "--code", "prediction", "--format", "html", "--out", "p.html"]);
    let html = std::fs::read_to_string(d.join("p.html")).unwrap();
    assert!(quotes.iter().all(|q| html.contains(q)) && html.contains("2 passage(s) in 2 document(s)"), "{html}");
    ok(d, &["retrieve", ".", "--code", "prediction", "-o", "p.xlsx"]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(d.join("p.xlsx")).unwrap()).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    assert!(quotes.iter().all(|q| strings.contains(q)), "{strings}");
    let out = run(d, &["retrieve", ".", "--code", "prediction", "--format", "xlsx"]);
    assert_eq!(out.code, 2, "a workbook is not written to the terminal");
    assert!(out.stderr.contains("--out"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Matrices

#[derive(Debug, PartialEq)]
struct Matrix {
    rows: Vec<String>,
    cols: Vec<String>,
    counts: Vec<Vec<f64>>,
}

fn matrix(dir: &Path, args: &[&str]) -> Matrix {
    let mut all = vec!["matrix", ".", "--rows", "code", "--format", "json"];
    all.extend(args);
    let v = json(dir, &all);
    let strings = |k: &str| v[k].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let counts = v["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|n| n.as_f64().unwrap()).collect())
        .collect();
    Matrix { rows: strings("rows"), cols: strings("cols"), counts }
}

impl Matrix {
    fn row(&self, code: &str) -> &[f64] {
        &self.counts[self.rows.iter().position(|r| r == code).unwrap_or_else(|| panic!("no row {code}"))]
    }
    fn cell(&self, row: &str, col: &str) -> f64 {
        self.row(row)[self.cols.iter().position(|c| c == col).unwrap_or_else(|| panic!("no col {col}"))]
    }
}

#[test]
fn matrices_by_document_coder_and_variable() {
    let dir = with_variables();
    let d = dir.path();
    let m = matrix(d, &["--cols", "document"]);
    assert_eq!(m.cols, ["harbour.txt", "market.txt", "school.md"]);
    assert_eq!(m.row("demand"), [2.0, 1.0, 1.0]);
    assert_eq!(m.row("rhetorical-question"), [0.0, 0.0, 0.0], "codes never used are rows of zeros");
    let m = matrix(d, &["--cols", "coder"]);
    assert_eq!(m.cols, ["ana", "bruno"]);
    assert_eq!(m.row("prediction"), [1.0, 1.0]);
    let m = matrix(d, &["--cols", "var:outlet"]);
    assert_eq!(m.cols, ["Coast Gazette", "Quay Weekly"]);
    assert_eq!(m.row("demand"), [3.0, 1.0]);
    // Numbers in numeric order, not text order.
    assert_eq!(matrix(d, &["--cols", "var:pages"]).cols, ["2", "4", "12"]);
    let m = matrix(d, &["--cols", "document", "--coder", "bruno"]);
    assert_eq!(m.row("demand"), [0.0, 0.0, 1.0]);
    let m = matrix(d, &["--cols", "var:outlet", "--share", "column"]);
    for c in 0..m.cols.len() {
        let sum: f64 = m.counts.iter().map(|r| r[c]).sum();
        assert!((sum - 1.0).abs() < 1e-9, "column {c} sums to {sum}");
    }
    assert!((m.cell("demand", "Quay Weekly") - 0.5).abs() < 1e-9);
    // Plain --share is the share of documents: both Coast Gazette items have a demand (harbour
    // twice), one of the two has an attribution.
    let m = matrix(d, &["--cols", "var:outlet", "--share"]);
    assert_eq!(m, matrix(d, &["--cols", "var:outlet", "--share", "documents"]));
    assert_eq!(m.row("demand"), [1.0, 1.0]);
    assert_eq!(m.row("attribution"), [0.5, 0.0]);
    let m = matrix(d, &["--cols", "document", "--share"]);
    assert_eq!(m.row("demand"), [1.0, 1.0, 1.0], "0 or 1 per document, however often coded");
    assert_eq!(m.row("prediction"), [1.0, 1.0, 0.0]);
    // ana coded all three documents, bruno two (harbour, school); each applied prediction in
    // one of theirs, ana demand in two (harbour, market), bruno in one (school).
    let m = matrix(d, &["--cols", "coder", "--share", "documents"]);
    let third = 1.0 / 3.0;
    assert_eq!(m.row("prediction"), [third, 0.5]);
    assert_eq!(m.row("demand"), [2.0 * third, 0.5]);
    let csv_text = ok(d, &["matrix", ".", "--rows", "code", "--cols", "var:outlet"]);
    assert!(csv_text.starts_with("code,Coast Gazette,Quay Weekly\r\n"), "{csv_text}");
    assert!(csv_text.contains("\r\ndemand,3,1\r\n"), "{csv_text}");
    let out = run(d, &["matrix", ".", "--rows", "code", "--cols", "var:party"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no variable \"party\""), "{}", out.stderr);
    let out = run(d, &["matrix", ".", "--rows", "code", "--cols", "chapter"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("var:NAME"), "{}", out.stderr);
}

#[test]
fn paragraph_unit_counts_codes_in_the_same_paragraph() {
    let dir = folder();
    let d = dir.path();
    let overlap = matrix(d, &["--cols", "code"]);
    let paragraph = matrix(d, &["--cols", "code", "--unit", "paragraph"]);
    // "Councillor Idris Vane said" and "the ferry must run every hour" touch but do not overlap;
    // they share a paragraph (a line, as the document view shows it).
    assert_eq!(overlap.cell("attribution", "demand"), 0.0);
    assert_eq!(paragraph.cell("attribution", "demand"), 1.0);
    assert_eq!(overlap.cell("prediction", "demand"), 0.0);
    assert_eq!(paragraph.cell("prediction", "demand"), 1.0);
    assert_eq!(paragraph.cell("demand", "prediction"), 1.0);
    assert_eq!(overlap.cell("opinion", "demand"), 1.0);
    assert_eq!(overlap.cell("demand", "opinion"), 1.0);
    assert_eq!(overlap.cell("opinion", "attribution"), 1.0);
    // Different coders' annotations never co-occur.
    assert_eq!(paragraph.cell("demand", "factual-assertion"), 0.0);
    assert_eq!(paragraph.cell("prediction", "prediction"), 0.0);
}

/// A small random number generator, so that the generated corpus is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Co-occurrence computed in the simplest way from the JSON lines export: every pair of two
/// annotations of the same document and coder whose spans overlap.
fn co_occurrence_from_jsonl(jsonl: &str) -> BTreeMap<(String, String), u64> {
    let rows: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut counts = BTreeMap::new();
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            if a["document"] != b["document"] || a["coder"] != b["coder"] || a["start"].is_null() || b["start"].is_null() {
                continue;
            }
            let (s1, e1, s2, e2) = (a["start"].as_u64(), a["end"].as_u64(), b["start"].as_u64(), b["end"].as_u64());
            if s1 < e2 && s2 < e1 {
                let (x, y) = (a["code"].as_str().unwrap().to_owned(), b["code"].as_str().unwrap().to_owned());
                *counts.entry((x.clone(), y.clone())).or_default() += 1;
                if x != y {
                    *counts.entry((y, x)).or_default() += 1;
                }
            }
        }
    }
    counts
}

#[test]
fn code_co_occurrence_equals_a_count_from_the_json_lines_export() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let codes = ["demand", "opinion", "prediction", "attribution", "factual-assertion"];
    let mut rng = Lcg(7);
    let words = ["harbour", "ferry", "fare", "council", "vote", "rent", "quay", "market", "school", "roof", "winter"];
    // Six documents, the last never coded; a variable puts them in two groups.
    std::fs::write(d.join("item5.txt"), "Nothing here was coded.\n").unwrap();
    for n in 0..5 {
        let text: String =
            (0..120).map(|i| if i % 17 == 16 { "\n\n" } else { words[rng.below(words.len())] }).collect::<Vec<_>>().join(" ");
        let path = d.join(format!("item{n}.txt"));
        std::fs::write(&path, &text).unwrap();
        let len = text.chars().count();
        for coder in ["ana", "bruno"] {
            let sidecar = (coder == "bruno").then(|| marginalia::sidecar::coder_path(&path, coder));
            let mut s = marginalia::Session::open(&path, sidecar.as_deref(), coder).unwrap();
            for _ in 0..30 {
                let start = rng.below(len - 1);
                let end = (start + 1 + rng.below(60)).min(len);
                let span = s.doc.snap(marginalia::Span::new(start, end));
                let a = marginalia::Annotation::new(&s.doc, span, codes[rng.below(codes.len())], coder);
                s.apply(marginalia::Action::Add(a)).unwrap();
            }
            s.save().unwrap();
        }
    }
    std::fs::write(
        d.join("groups.csv"),
        "document,group\nitem0.txt,north\nitem1.txt,south\nitem2.txt,north\nitem3.txt,south\nitem4.txt,north\nitem5.txt,south\n",
    )
    .unwrap();
    ok(d, &["vars", "import", ".", "groups.csv"]);
    ok(d, &["export", ".", "--format", "jsonl", "-o", "all.jsonl"]);
    let expected = co_occurrence_from_jsonl(&std::fs::read_to_string(d.join("all.jsonl")).unwrap());
    let m = matrix(d, &["--cols", "code"]);
    assert_eq!(m.rows, m.cols);
    let mut found = BTreeMap::new();
    for (r, row) in m.rows.iter().enumerate() {
        for (c, col) in m.cols.iter().enumerate() {
            if m.counts[r][c] > 0.0 {
                found.insert((row.clone(), col.clone()), m.counts[r][c] as u64);
            }
        }
    }
    assert!(expected.values().sum::<u64>() > 100, "the generated corpus has overlaps to count");
    assert_eq!(found, expected);
    // The document matrix counts the export's lines.
    let lines: Vec<Value> =
        std::fs::read_to_string(d.join("all.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let m = matrix(d, &["--cols", "document"]);
    let mut by_doc: HashMap<(String, String), f64> = HashMap::new();
    for l in &lines {
        *by_doc.entry((l["code"].as_str().unwrap().into(), l["document"].as_str().unwrap().into())).or_default() += 1.0;
    }
    for row in &m.rows {
        for col in &m.cols {
            assert_eq!(m.cell(row, col), by_doc.get(&(row.clone(), col.clone())).copied().unwrap_or(0.0), "{row} x {col}");
        }
    }
    shares_of_documents_equal_a_count_from_the_json_lines_export(d, &lines);
}

/// The share of documents containing each code, counted in the simplest way from the JSON lines
/// export (and the variables table written for the folder), for every kind of column.
fn shares_of_documents_equal_a_count_from_the_json_lines_export(d: &Path, lines: &[Value]) {
    use std::collections::BTreeSet;
    let s = |v: &Value| v.as_str().unwrap().to_owned();
    let documents: Vec<String> = (0..6).map(|n| format!("item{n}.txt")).collect();
    let group = |doc: &str| if ["item0.txt", "item2.txt", "item4.txt"].contains(&doc) { "north" } else { "south" };
    let close = |found: f64, want: f64, what: &str| assert!((found - want).abs() < 1e-9, "{what}: {found} != {want}");
    // (code, document) and (code, coder, document) that occur; the documents each coder coded.
    let with_code: BTreeSet<(String, String)> = lines.iter().map(|l| (s(&l["code"]), s(&l["document"]))).collect();
    let by_coder: BTreeSet<(String, String, String)> =
        lines.iter().map(|l| (s(&l["code"]), s(&l["coder"]), s(&l["document"]))).collect();
    let coded: BTreeSet<(String, String)> = lines.iter().map(|l| (s(&l["coder"]), s(&l["document"]))).collect();

    let m = matrix(d, &["--cols", "document", "--share"]);
    assert_eq!(m.cols, documents);
    for row in &m.rows {
        for col in &m.cols {
            let want = if with_code.contains(&(row.clone(), col.clone())) { 1.0 } else { 0.0 };
            close(m.cell(row, col), want, &format!("{row} x {col}"));
        }
    }
    let m = matrix(d, &["--cols", "coder", "--share", "documents"]);
    assert_eq!(m.cols, ["ana", "bruno"]);
    for row in &m.rows {
        for col in &m.cols {
            let of = coded.iter().filter(|(c, _)| c == col).count() as f64;
            let have = by_coder.iter().filter(|(code, c, _)| code == row && c == col).count() as f64;
            close(m.cell(row, col), have / of, &format!("{row} x {col}"));
        }
    }
    let m = matrix(d, &["--cols", "var:group", "--share"]);
    assert_eq!(m.cols, ["north", "south"]);
    for row in &m.rows {
        for col in &m.cols {
            // item5.txt (south) has no annotation and still counts among the south documents.
            let of = documents.iter().filter(|doc| group(doc) == col).count() as f64;
            let have = with_code.iter().filter(|(code, doc)| code == row && group(doc) == col).count() as f64;
            close(m.cell(row, col), have / of, &format!("{row} x {col}"));
        }
    }
    // Code x code: the documents where a pair of the two codes co-occurs (same coder, overlap).
    let mut together: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (i, a) in lines.iter().enumerate() {
        for b in &lines[i + 1..] {
            if a["document"] != b["document"] || a["coder"] != b["coder"] || a["start"].is_null() || b["start"].is_null() {
                continue;
            }
            if a["start"].as_u64() < b["end"].as_u64() && b["start"].as_u64() < a["end"].as_u64() {
                together.insert((s(&a["code"]), s(&b["code"]), s(&a["document"])));
                together.insert((s(&b["code"]), s(&a["code"]), s(&a["document"])));
            }
        }
    }
    let m = matrix(d, &["--cols", "code", "--share"]);
    let mut nonzero = 0;
    for row in &m.rows {
        for col in &m.cols {
            let have = together.iter().filter(|(x, y, _)| x == row && y == col).count() as f64;
            close(m.cell(row, col), have / documents.len() as f64, &format!("{row} x {col}"));
            nonzero += usize::from(have > 0.0);
        }
    }
    assert!(nonzero > 5, "the generated corpus has codes that co-occur");
}

// ---------------------------------------------------------------------------------------------
// Autocode

fn annotations(dir: &Path, doc: &str) -> Vec<Value> {
    json(dir, &["list", doc, "--format", "json"]).as_array().unwrap().clone()
}

/// Cleo's annotations of a document (her own sidecar).
fn cleos(dir: &Path, doc: &str) -> Vec<Value> {
    json(dir, &["list", doc, "--coder", "cleo", "--format", "json"]).as_array().unwrap().clone()
}

#[test]
fn dry_run_lists_matches_with_context_and_changes_nothing() {
    let dir = folder();
    let d = dir.path();
    let before = std::fs::read_to_string(d.join("market.txt.annotations.ron")).unwrap();
    let out = ok(d, &["autocode", ".", "--pattern", "(?i)cheaper \\w+", "--code", "demand", "--dry-run"]);
    assert!(out.contains("harbour.txt:4:16\tResidents want [cheaper fares] now."), "{out}");
    assert!(out.contains("market.txt:3:"), "{out}");
    assert!(out.contains("2 match(es) in 2 document(s) (of 3 searched)"), "counted as the app counts: {out}");
    assert_eq!(std::fs::read_to_string(d.join("market.txt.annotations.ron")).unwrap(), before);
}

#[test]
fn autocode_adds_one_undo_step_per_document_and_never_twice() {
    let dir = folder();
    let d = dir.path();
    let out = ok(d, &["autocode", ".", "--pattern", "board|council", "--code", "Attribution", "--coder", "cleo"]);
    // "board" twice in harbour, "Councillor" does not match (case), "council" once in school.
    assert!(out.contains("3 match(es); 3 annotation(s)"), "{out}");
    // Cleo's marks go into her own sidecar, never another coder's.
    let harbour: Vec<Value> = cleos(d, "harbour.txt");
    assert_eq!(harbour.iter().map(|a| a["exact"].as_str().unwrap()).collect::<Vec<_>>(), ["board", "board"]);
    // Run again: nothing new.
    let out = ok(d, &["autocode", ".", "--pattern", "board|council", "--code", "attribution", "--coder", "cleo"]);
    assert!(out.contains("3 match(es); 0 annotation(s)") && out.contains("3 already coded"), "{out}");
    // One undo takes a document's whole run back.
    let mut s =
        marginalia::Session::open(&d.join("harbour.txt"), Some(&d.join("harbour.txt.cleo.annotations.ron")), "cleo").unwrap();
    let n = s.edits.annotations().len();
    let spans = marginalia::autocode::find(&s.doc, &marginalia::autocode::compile("ferry|fares", false).unwrap());
    let action = marginalia::autocode::action(&s.doc, s.edits.annotations(), &spans, "demand", "cleo").unwrap();
    s.apply(action).unwrap();
    assert_eq!(s.edits.annotations().len(), n + 2);
    assert_eq!(s.edits.undo_label(), Some("auto-code"));
    assert!(s.undo());
    assert_eq!(s.edits.annotations().len(), n);
}

#[test]
fn whole_words_and_graphemes() {
    let dir = folder();
    let d = dir.path();
    let out = ok(d, &["autocode", "school.md", "--pattern", "roof", "--code", "factual-assertion", "--whole-words", "--dry-run"]);
    assert!(out.contains("2 match(es)"), "{out}");
    let out = ok(d, &["autocode", "harbour.txt", "--pattern", "ar", "--code", "demand", "--whole-words", "--dry-run"]);
    assert!(out.contains("0 match(es)"), "{out}");
    // A match on part of an emoji codes the whole emoji: the rain cloud with its variation
    // selector, the family with every joined person.
    ok(d, &["autocode", "school.md", "--pattern", "\u{1F327}|\u{1F469}", "--code", "opinion", "--coder", "cleo"]);
    let coded: Vec<String> = cleos(d, "school.md").into_iter().map(|a| a["exact"].as_str().unwrap().to_owned()).collect();
    assert_eq!(coded, ["🌧️", "👨‍👩‍👧"]);
    let out = run(d, &["autocode", ".", "--pattern", "(unclosed", "--code", "demand"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a valid regular expression"), "{}", out.stderr);
    let out = run(d, &["autocode", ".", "--pattern", "roof", "--code", "gossip"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no code \"gossip\"") && out.stderr.contains("demand"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Merging in git

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.org")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.org")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "git {args:?}: {text}");
    text
}

fn id_of(dir: &Path, doc: &str, quote: &str) -> uuid::Uuid {
    let s = marginalia::Session::open(&dir.join(doc), None, "ana").unwrap();
    s.edits.annotations().iter().find(|a| a.exact == quote).unwrap_or_else(|| panic!("no {quote}")).id
}

fn set_note(dir: &Path, doc: &str, quote: &str, note: &str) {
    let id = id_of(dir, doc, quote);
    let mut s = marginalia::Session::open(&dir.join(doc), None, "ana").unwrap();
    s.apply(marginalia::Action::SetNote { id, note: note.to_owned() }).unwrap();
    s.save().unwrap();
}

#[test]
fn two_branches_editing_different_annotations_merge_without_conflict_or_loss() {
    let dir = folder();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    let setup = ok(d, &["git-setup", "."]);
    assert!(setup.contains("*.annotations.ron merge=marginalia"), "{setup}");
    assert!(git(d, &["config", "--local", "merge.marginalia.driver"]).contains("merge-driver %O %A %B %P"));
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "coded"]);

    git(d, &["checkout", "-q", "-b", "ana-notes"]);
    add(d, "harbour.txt", "The harbour board met on Tuesday", "factual-assertion", "ana", "");
    set_note(d, "harbour.txt", "Residents want cheaper fares now", "fares doubled in 2023");
    let gone = id_of(d, "harbour.txt", "Councillor Idris Vane said");
    let mut s = marginalia::Session::open(&d.join("harbour.txt"), None, "ana").unwrap();
    s.apply(marginalia::Action::Delete(gone)).unwrap();
    s.save().unwrap();
    git(d, &["commit", "-q", "-am", "notes"]);

    git(d, &["checkout", "-q", "main"]);
    add(d, "harbour.txt", "The board will decide in March", "prediction", "ana", "");
    let ferry = id_of(d, "harbour.txt", "the ferry must run every hour");
    let mut s = marginalia::Session::open(&d.join("harbour.txt"), None, "ana").unwrap();
    s.apply(marginalia::Action::SetCode { id: ferry, code: "call-to-action".into() }).unwrap();
    s.save().unwrap();
    git(d, &["commit", "-q", "-am", "recode"]);

    let merged = git(d, &["merge", "--no-edit", "ana-notes"]);
    assert!(!merged.contains("CONFLICT"), "{merged}");
    assert!(git(d, &["status", "--porcelain"]).trim().is_empty());
    let text = std::fs::read_to_string(d.join("harbour.txt.annotations.ron")).unwrap();
    assert!(!text.contains("<<<<<<<"), "{text}");
    let rows = annotations(d, "harbour.txt");
    let by_quote: HashMap<&str, &Value> = rows.iter().map(|a| (a["exact"].as_str().unwrap(), a)).collect();
    assert_eq!(rows.len(), 5, "{rows:#?}");
    assert!(by_quote.contains_key("The harbour board met on Tuesday"), "added on the branch");
    assert!(by_quote.contains_key("The board will decide in March"), "added on main");
    assert!(!by_quote.contains_key("Councillor Idris Vane said"), "deleted on the branch, unchanged on main");
    assert_eq!(by_quote["Residents want cheaper fares now"]["note"], "fares doubled in 2023");
    assert_eq!(by_quote["the ferry must run every hour"]["code"], "call-to-action");
    let check = run(d, &["check", "harbour.txt"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

#[test]
fn an_annotation_changed_on_both_sides_is_kept_twice_and_reported() {
    let dir = folder();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    ok(d, &["git-setup", "."]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "coded"]);
    git(d, &["checkout", "-q", "-b", "other"]);
    set_note(d, "market.txt", "traders want cheaper rents", "rents up 30%");
    let promise = id_of(d, "market.txt", "The mayor promised a decision by spring");
    let mut s = marginalia::Session::open(&d.join("market.txt"), None, "ana").unwrap();
    s.apply(marginalia::Action::Delete(promise)).unwrap();
    s.save().unwrap();
    git(d, &["commit", "-q", "-am", "note one"]);
    git(d, &["checkout", "-q", "main"]);
    set_note(d, "market.txt", "traders want cheaper rents", "see the survey");
    set_note(d, "market.txt", "The mayor promised a decision by spring", "a date at last");
    git(d, &["commit", "-q", "-am", "note two"]);
    let out = Command::new("git")
        .args(["merge", "--no-edit", "other"])
        .current_dir(d)
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.org")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.org")
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("changed on both sides"), "{said}");
    let notes: Vec<String> = annotations(d, "market.txt")
        .into_iter()
        .filter(|a| a["exact"] == "traders want cheaper rents")
        .map(|a| a["note"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(notes.len(), 2);
    assert!(notes.contains(&"rents up 30%".to_owned()) && notes.contains(&"see the survey".to_owned()), "{notes:?}");
    // The merged file marks both versions, each pointing to the other, and the annotation
    // changed on main but deleted on the branch, so that the app can list them.
    let path = d.join("market.txt.annotations.ron");
    let merged = marginalia::sidecar::Sidecar::from_ron(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
    let rents: Vec<&marginalia::Annotation> =
        merged.annotations.iter().filter(|a| a.exact == "traders want cheaper rents").collect();
    assert_eq!(rents[0].conflict, Some(marginalia::Conflict::ChangedOnBothSides(rents[1].id)));
    assert_eq!(rents[1].conflict, Some(marginalia::Conflict::ChangedOnBothSides(rents[0].id)));
    let kept = merged.annotations.iter().find(|a| a.exact == "The mayor promised a decision by spring").unwrap();
    assert_eq!((kept.note.as_str(), kept.conflict), ("a date at last", Some(marginalia::Conflict::ChangedAndDeleted)));
    assert!(said.contains("changed here and deleted on the other side"), "{said}");
    let check = run(d, &["check", "market.txt"]);
    // Two conflicts: one annotation changed on both sides (two versions), one changed and deleted.
    assert!(check.stdout.contains("2 merge conflict(s) to settle, in 3 annotation(s)"), "{}", check.stdout);
    assert_eq!(check.code, 1, "conflicts are left to settle");
}

#[test]
fn refi_qda_projects_carry_the_variables_as_source_variables() {
    let dir = with_variables();
    let d = dir.path();
    ok(d, &["export", ".", "--format", "qdpx", "-o", "project.qdpx"]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(d.join("project.qdpx")).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();
    assert!(qde.contains("name=\"pages\" typeOfVariable=\"Float\""), "{qde}");
    assert!(qde.contains("name=\"date\" typeOfVariable=\"Date\""), "{qde}");
    assert!(qde.contains("name=\"outlet\" typeOfVariable=\"Text\""), "{qde}");
    let market = &qde[qde.find("name=\"market.txt\"").unwrap()..];
    let market = &market[..market.find("</TextSource>").unwrap()];
    assert!(market.contains("<FloatValue>12</FloatValue>"), "{market}");
    assert!(market.contains("<DateValue>2024-04-10</DateValue>"), "{market}");
    assert!(market.contains("<TextValue>Quay Weekly</TextValue>"), "{market}");
    // Valid against the REFI-QDA project schema where xmllint is installed.
    if Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success()) {
        std::fs::write(d.join("project.qde"), &qde).unwrap();
        let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi/Project-mrt2019.xsd");
        let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(d.join("project.qde")).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    } else {
        assert!(std::env::var_os("CI").is_none(), "xmllint is required on CI (install libxml2-utils)");
    }
}

#[test]
fn an_unreadable_sidecar_is_named_left_out_and_the_exit_code_says_so() {
    let dir = with_variables();
    let d = dir.path();
    std::fs::write(d.join("market.txt.annotations.ron"), "(format: \"marginalia-annotations\", version: 1, oops").unwrap();
    for args in [
        &["retrieve", ".", "--code", "demand", "--format", "json"][..],
        &["matrix", ".", "--rows", "code", "--cols", "document", "--format", "json"],
    ] {
        let out = run(d, args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("market.txt.annotations.ron"), "{args:?}: {}", out.stderr);
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        assert!(!v.to_string().contains("traders want cheaper rents"), "{v}");
    }
    let v: Value = serde_json::from_str(&run(d, &["retrieve", ".", "--code", "demand", "--format", "json"]).stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3, "the rest of the folder is still retrieved");
    // A broken variables file is named too; the annotations are still there.
    std::fs::write(
        d.join("marginalia-variables.ron"),
        "(format: \"marginalia-variables\", version: 1, variables: [], documents: {}, extra: 1)",
    )
    .unwrap();
    let out = run(d, &["vars", "export", "."]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("marginalia-variables.ron:1:") && out.stderr.contains("`extra`"), "{}", out.stderr);
}

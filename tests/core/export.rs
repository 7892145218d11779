//! Exports as their readers see them: every position slices the exported text, brat offsets
//! agree with the .txt, the W3C output passes the reference validator, the HTML report is
//! escaped and self-contained, and brat and W3C survive export → import → export.

use crate::common;

use std::path::{Path, PathBuf};

use common::{files_under, make_corpus, marginalia, slice};
use marginalia::export::{self, Format, Options};
use serde_json::Value;

fn text_of(dir: &Path, document: &str) -> String {
    std::fs::read_to_string(dir.join(document)).unwrap()
}

fn export_to(path: &Path, format: Format, options: Options, out: &Path) -> export::Summary {
    let corpus = marginalia::corpus::load(path).unwrap();
    export::write(&corpus, format, &options, out, &|_, _| true).unwrap()
}

#[test]
fn csv_rows_slice_the_text_and_formulas_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("out.csv");
    let status = marginalia(&["export", dir.path().to_str().unwrap(), "--format", "csv", "-o", out.to_str().unwrap(), "--excel"]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "--excel writes a BOM");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    for col in [
        "document",
        "coder",
        "code",
        "code_name",
        "code_group",
        "start",
        "end",
        "exact",
        "note",
        "attr:checkable",
        "attr:verdict",
        "attr:addressee",
        "status",
        "id",
    ] {
        assert!(header.contains(&col.to_owned()), "missing column {col} in {header:?}");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut rows = 0;
    let mut neutralised = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        rows += 1;
        let text = text_of(dir.path(), &rec[col("document")]);
        let (start, end): (usize, usize) = (rec[col("start")].parse().unwrap(), rec[col("end")].parse().unwrap());
        let want = slice(&text, start, end);
        let exact = &rec[col("exact")];
        if want.starts_with(['=', '+', '-', '@']) {
            assert_eq!(exact, format!("'{want}"), "formula-like quote neutralised");
            neutralised += 1;
        } else {
            assert_eq!(exact, want, "row {rows}: {start}..{end}");
        }
        if rec[col("note")].starts_with("'=1+1") {
            neutralised += 1;
        }
        if rec[col("code")] == *"factual-assertion" && rec[col("coder")] == *"ana" {
            assert_eq!(&rec[col("attr:verdict")], "unverified");
            assert_eq!(&rec[col("attr:checkable")], "yes");
        }
        if rec[col("code")] == *"réplique" {
            assert_eq!(&rec[col("code_name")], "Réplique cinglante");
            assert_eq!(&rec[col("code_group")], "Opinion or value judgement");
        }
    }
    assert_eq!(rows, 9, "every coder's annotations");
    assert!(neutralised >= 4, "quotes and the note starting with = - @ are neutralised ({neutralised})");
}

#[test]
fn jsonl_keeps_the_exact_text() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("out.jsonl");
    export_to(dir.path(), Format::Jsonl, Options::default(), &out);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 9);
    for v in &lines {
        let doc = text_of(dir.path(), v["document"].as_str().unwrap());
        let (s, e) = (v["start"].as_u64().unwrap() as usize, v["end"].as_u64().unwrap() as usize);
        assert_eq!(v["exact"].as_str().unwrap(), slice(&doc, s, e));
    }
    let fa = lines.iter().find(|v| v["code"] == "factual-assertion" && v["coder"] == "ana").unwrap();
    assert_eq!(fa["attributes"]["verdict"], "unverified");
    assert!(lines.iter().any(|v| v["note"] == "=1+1 looks like a formula"), "no neutralising in jsonl");
}

/// The reference validator, when it and python3 are here.
fn validator() -> Option<PathBuf> {
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 is not installed: the W3C validator was not run");
        return None;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("MARGINALIA_W3C_VALIDATOR").map(PathBuf::from),
        Some(manifest.join("../shared/reference/w3c-annotation/validate.py")),
        Some(manifest.join("shared/reference/w3c-annotation/validate.py")),
        Some(PathBuf::from("/work/shared/reference/w3c-annotation/validate.py")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.is_file());
    if found.is_none() {
        eprintln!("validate.py was not found (set MARGINALIA_W3C_VALIDATOR): the W3C validator was not run");
    }
    found
}

fn validate(file: &Path) {
    let Some(script) = validator() else { return };
    for strict in [false, true] {
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(&script);
        if strict {
            cmd.arg("--strict");
        }
        let out = cmd.arg(file).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "validator failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("9 passed, 0 failed"), "{stdout}");
    }
}

fn w3c_items(file: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file).unwrap();
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => v["first"]["items"].as_array().unwrap().clone(),
        Err(_) => text.lines().map(|l| serde_json::from_str(l).unwrap()).collect(),
    }
}

#[test]
fn w3c_passes_the_validator_and_positions_slice_the_text() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    for jsonl in [false, true] {
        let out = dir.path().join(if jsonl { "out.jsonl" } else { "out.jsonld" });
        export_to(dir.path(), Format::W3c, Options { jsonl, ..Options::default() }, &out);
        validate(&out);
        let items = w3c_items(&out);
        assert_eq!(items.len(), 9);
        for a in &items {
            assert_eq!(a["@context"], "http://www.w3.org/ns/anno.jsonld");
            assert_eq!(a["type"], "Annotation");
            assert!(a["id"].as_str().unwrap().starts_with("urn:uuid:"));
            let source = a["target"]["source"].as_str().unwrap();
            assert!(source.starts_with("file:///"), "{source}");
            let name = marginalia::import::w3c::source_name(source);
            let doc = text_of(dir.path(), &name);
            let sel = a["target"]["selector"].as_array().unwrap();
            let quote = sel.iter().find(|s| s["type"] == "TextQuoteSelector").unwrap();
            let pos = sel.iter().find(|s| s["type"] == "TextPositionSelector").unwrap();
            let (s, e) = (pos["start"].as_u64().unwrap() as usize, pos["end"].as_u64().unwrap() as usize);
            assert_eq!(quote["exact"].as_str().unwrap(), slice(&doc, s, e));
            let code = &a["body"][0];
            assert_eq!(code["purpose"], "classifying");
            assert!(code["source"]["id"].as_str().unwrap().starts_with("urn:marginalia:code:"));
        }
        let fa = items.iter().find(|a| a["creator"]["name"] == "bruno").unwrap();
        assert_eq!(fa["body"][1]["purpose"], "commenting");
        assert_eq!(fa["body"][1]["value"], "Ça se vérifie.");
    }
}

/// One brat T line: type, fragments, text.
type TLine = (String, Vec<(usize, usize)>, String);

/// Parses the T lines of a brat .ann.
fn t_lines(ann: &str) -> Vec<TLine> {
    ann.lines()
        .filter(|l| l.starts_with('T'))
        .map(|l| {
            let f: Vec<&str> = l.splitn(3, '\t').collect();
            let (ty, offs) = f[1].split_once(' ').unwrap();
            let frags = offs
                .split(';')
                .map(|p| {
                    let (a, b) = p.split_once(' ').unwrap();
                    (a.parse().unwrap(), b.parse().unwrap())
                })
                .collect();
            (ty.to_owned(), frags, f[2].to_owned())
        })
        .collect()
}

#[test]
fn brat_offsets_slice_the_txt_and_conf_files_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("brat");
    let summary = export_to(dir.path(), Format::Brat, Options::default(), &out);
    assert!(summary.notes.iter().any(|n| n.contains("folder named after the coder")), "{:?}", summary.notes);
    let files = files_under(&out);
    for f in ["annotation.conf", "visual.conf", "ana/speech.txt", "ana/speech.ann", "ana/letter.ann", "bruno/speech.ann"] {
        assert!(files.contains(&PathBuf::from(f)), "{f} missing from {files:?}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("ana/speech.txt")).unwrap(),
        common::SPEECH,
        "text exactly as decoded, CRLF kept"
    );
    let mut checked = 0;
    for (txt, ann) in
        [("ana/speech.txt", "ana/speech.ann"), ("ana/letter.txt", "ana/letter.ann"), ("bruno/speech.txt", "bruno/speech.ann")]
    {
        let text = std::fs::read_to_string(out.join(txt)).unwrap();
        let ann = std::fs::read_to_string(out.join(ann)).unwrap();
        for (ty, frags, field) in t_lines(&ann) {
            assert!(ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "type {ty}");
            let parts: Vec<String> = frags.iter().map(|&(s, e)| slice(&text, s, e)).collect();
            for p in &parts {
                assert!(!p.contains(['\n', '\r']), "fragment {p:?} crosses a line break");
            }
            assert_eq!(parts.join(" "), field);
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
    let speech = std::fs::read_to_string(out.join("ana/speech.ann")).unwrap();
    assert!(speech.contains("\tdemand "), "{speech}");
    assert!(speech.lines().any(|l| l.contains("demand") && l.contains(';')), "the CRLF-crossing span is split: {speech}");
    assert!(speech.contains("AnnotatorNotes T"), "{speech}");
    assert!(speech.lines().any(|l| l.starts_with('A') && l.ends_with(" unverified")), "{speech}");
    assert!(speech.lines().any(|l| l.starts_with('A') && l.contains("checkable T")), "{speech}");
    let conf = std::fs::read_to_string(out.join("annotation.conf")).unwrap();
    assert!(conf.contains("[entities]\n") && conf.contains("\n\tr_plique\n"), "group children indented: {conf}");
    assert!(conf.contains("verdict\tArg:factual-assertion, Value:accurate|false|misleading|unverified"), "{conf}");
    let visual = std::fs::read_to_string(out.join("visual.conf")).unwrap();
    assert!(visual.contains("r_plique | Réplique cinglante"), "{visual}");
    assert!(visual.contains("r_plique\tbgColor:#332288"), "{visual}");
}

#[test]
fn html_report_is_escaped_and_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("report.html");
    export_to(dir.path(), Format::Html, Options::default(), &out);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("&lt;b&gt;pas gras&lt;/b&gt; &amp; co."), "document text escaped");
    assert!(!html.contains("<b>pas gras</b>"));
    assert!(html.contains("&lt;i&gt;ironique&lt;/i&gt; ?"), "notes escaped");
    for forbidden in ["http://", "https://", "<script", "<link", " src=", "@import", "url("] {
        assert!(!html.contains(forbidden), "report contains {forbidden}");
    }
    assert!(html.contains("Réplique cinglante") && html.contains("Legend"));
    assert!(html.contains(" overlap\""), "overlaps are marked");
    assert!(html.contains("<sup class=\"m\""), "a label that is not colour");
    assert!(html.contains("#E69F00"), "code colours used");
    assert!(html.contains("Ça se vérifie."), "second coder's note listed");
    assert!(html.contains("speech.txt") && html.contains("letter.md"));
}

#[test]
fn cancelling_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let corpus = marginalia::corpus::load(dir.path()).unwrap();
    for format in Format::ALL {
        let out = dir.path().join(format!("cancelled-{format:?}"));
        let err = export::write(&corpus, format, &Options::default(), &out, &|done, _| done < 1).unwrap_err();
        assert!(err.message.contains("cancelled"), "{err}");
        assert!(!out.exists(), "{format:?} wrote something");
    }
}

#[test]
fn brat_survives_export_import_export() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let first = dir.path().join("brat1");
    export_to(dir.path(), Format::Brat, Options::default(), &first);
    let into = tempfile::tempdir().unwrap();
    let ann = first.join("ana/speech.ann");
    let out = marginalia(&["import", ann.to_str().unwrap(), "--into", into.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("6 of 6 annotation(s) imported"), "{stdout}");
    // The export's annotation.conf gives the id brat's name could not hold back.
    assert!(stdout.contains("réplique") && !stdout.contains("r_plique"), "{stdout}");
    let second = dir.path().join("brat2");
    export_to(&into.path().join("speech.txt"), Format::Brat, Options::default(), &second);
    assert_eq!(
        std::fs::read_to_string(second.join("speech.ann")).unwrap(),
        std::fs::read_to_string(&ann).unwrap(),
        "the same annotations after a round trip"
    );
    // ana's folder of the export: her own sidecar.
    let sidecar = std::fs::read_to_string(into.path().join("speech.txt.ana.annotations.ron")).unwrap();
    assert!(sidecar.contains("Réplique cinglante"), "the new code is named from visual.conf");
}

fn comparable(items: Vec<Value>) -> Vec<Value> {
    let mut items: Vec<Value> = items
        .into_iter()
        .map(|mut a| {
            let src = a["target"]["source"].as_str().unwrap().to_owned();
            a["target"]["source"] = Value::String(marginalia::import::w3c::source_name(&src));
            a
        })
        .collect();
    items.sort_by_key(|a| a["id"].as_str().unwrap().to_owned());
    items
}

#[test]
fn w3c_survives_export_import_export() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let first = dir.path().join("first.jsonld");
    export_to(dir.path(), Format::W3c, Options::default(), &first);
    let into = tempfile::tempdir().unwrap();
    std::fs::write(into.path().join("speech.txt"), common::SPEECH).unwrap();
    std::fs::write(into.path().join("letter.md"), common::LETTER).unwrap();
    let summary = marginalia::import::import(&first, Some(into.path()), "someone").unwrap();
    assert!(summary.not_carried.is_empty(), "{:?}", summary.not_carried);
    assert!(summary.carried.iter().any(|l| l.contains("7 of 7 annotation(s) imported for speech.txt")), "{:?}", summary.carried);
    let second = dir.path().join("second.jsonld");
    export_to(into.path(), Format::W3c, Options::default(), &second);
    validate(&second);
    assert_eq!(comparable(w3c_items(&second)), comparable(w3c_items(&first)));
    // Importing the same file again adds nothing.
    let again = marginalia::import::import(&first, Some(into.path()), "someone").unwrap();
    assert!(again.carried.iter().any(|l| l.contains("0 of 7") && l.contains("7 were there already")), "{:?}", again.carried);
}

#[test]
fn cli_options_that_do_not_fit_the_format_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("x.jsonld");
    let run = marginalia(&["export", dir.path().to_str().unwrap(), "--format", "w3c", "--excel", "-o", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--excel applies to --format csv only"));
    assert!(!out.exists());
    let run = marginalia(&["export", dir.path().to_str().unwrap(), "--format", "w3c", "--jsonl", "-o", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 9, "one annotation per line");
}

/// A document with `count` generated annotations (overlapping, mixed scripts), saved beside it.
fn large_corpus(dir: &Path, count: usize) -> PathBuf {
    use marginalia::{codebook::Codebook, document::Document, sidecar};
    let path = dir.join("long.txt");
    let text = marginalia::testdata::generate_text(200_000, 7);
    std::fs::write(&path, &text).unwrap();
    let mut doc = Document::from_text(text);
    doc.set_path(path.clone());
    let annotations = marginalia::testdata::generate_annotations(&doc, &Codebook::default(), count, 7);
    let reference =
        sidecar::DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let sidecar = sidecar::Sidecar::new(reference, "tester", Codebook::default(), annotations);
    sidecar::save(&sidecar::default_path(&path), &sidecar, None).unwrap();
    path
}

#[test]
fn a_long_document_reports_progress_as_it_goes_and_cancels_mid_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = large_corpus(dir.path(), 2500);
    let corpus = marginalia::corpus::load(&path).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    for format in Format::ALL {
        let out = out_dir.path().join(format!("all-{format:?}"));
        let calls = std::cell::RefCell::new(Vec::new());
        let summary = export::write(&corpus, format, &Options::default(), &out, &|done, total| {
            calls.borrow_mut().push((done, total));
            true
        })
        .unwrap();
        assert_eq!(summary.annotations, 2500);
        let calls = calls.into_inner();
        assert_eq!(calls.last(), Some(&(2500, 2500)), "{format:?} ends at the total");
        if !matches!(format, Format::Html | Format::Brat) {
            assert!(
                calls.contains(&(1000, 2500)) && calls.contains(&(2000, 2500)),
                "{format:?} reports within the document: {calls:?}"
            );
        }
    }
    // Cancelling after the first thousand annotations leaves no file, not even a temporary one.
    let before = files_under(out_dir.path()).len();
    for format in [Format::Csv, Format::Xlsx, Format::Jsonl, Format::W3c, Format::Semeval, Format::Qdpx] {
        let out = out_dir.path().join(format!("cancelled-{format:?}"));
        let err = export::write(&corpus, format, &Options::default(), &out, &|done, _| done < 1000).unwrap_err();
        assert!(err.message.contains("cancelled"), "{err}");
        assert!(!out.exists(), "{format:?} wrote something");
    }
    assert_eq!(files_under(out_dir.path()).len(), before, "no temporary files left behind");
    // A W3C collection streamed annotation by annotation is still one valid document.
    let items = w3c_items(&out_dir.path().join("all-W3c"));
    assert_eq!(items.len(), 2500);
}

// ---------------------------------------------------------------------------------------------
// Excel workbooks.

/// The CSV export's records (header first), with the leading `'` that neutralises formula-like
/// cells taken off again, so that they compare with a spreadsheet's cells.
fn csv_records(dir: &Path) -> Vec<Vec<String>> {
    let out = dir.join("compare.csv");
    export_to(dir, Format::Csv, Options::default(), &out);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(&out).unwrap();
    let records = reader
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|c| match c.strip_prefix('\'') {
                    Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
                    _ => c.to_owned(),
                })
                .collect()
        })
        .collect();
    std::fs::remove_file(&out).unwrap();
    records
}

#[test]
fn xlsx_has_the_csv_rows_with_typed_cells_and_a_frozen_filtered_header() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("out.xlsx");
    let status = marginalia(&["export", dir.path().to_str().unwrap(), "--format", "xlsx", "-o", out.to_str().unwrap()]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let expected = csv_records(dir.path());

    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(book.sheet_names(), ["Annotations"]);
    let range = book.worksheet_range("Annotations").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), expected.len(), "a header and one row per annotation");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, expected[0], "the CSV's columns, coder among them");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut formula_like = 0;
    for (row, want) in rows[1..].iter().zip(&expected[1..]) {
        for (i, cell) in row.iter().enumerate() {
            let name = header[i].as_str();
            match name {
                "start" | "end" => {
                    assert!(matches!(cell, Data::Float(_) | Data::Int(_)), "{name} is a number: {cell:?}");
                    assert_eq!(cell.to_string(), want[i]);
                }
                "created" | "modified" => {
                    let Data::DateTime(dt) = cell else { panic!("{name} is a date: {cell:?}") };
                    let (y, mo, d, h, mi, s) =
                        (&want[i][0..4], &want[i][5..7], &want[i][8..10], &want[i][11..13], &want[i][14..16], &want[i][17..19]);
                    let shown = dt.as_datetime().unwrap().to_string();
                    assert_eq!(shown, format!("{y}-{mo}-{d} {h}:{mi}:{s}"), "{name}");
                }
                _ => {
                    if let Data::String(s) = cell
                        && s.starts_with(['=', '-', '@'])
                    {
                        formula_like += 1;
                    }
                    assert_eq!(cell.to_string(), want[i], "column {name}");
                }
            }
        }
        let coder = row[col("coder")].to_string();
        assert!(coder == "ana" || coder == "bruno", "{coder}");
    }
    assert!(formula_like >= 3, "formula-like text is kept as text, exactly");

    // The header row is frozen and filtered.
    let sheet = {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut s).unwrap();
        s
    };
    assert!(sheet.contains("state=\"frozen\"") && sheet.contains("ySplit=\"1\""), "{sheet}");
    assert!(sheet.contains("<autoFilter ref=\"A1:"), "{sheet}");
}

/// LibreOffice opens the workbook and converts it to the same rows as the CSV export. Skipped
/// where LibreOffice is not installed (the reader-crate test above still runs).
#[test]
fn xlsx_opens_in_libreoffice_with_the_csv_rows() {
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|cmd| std::process::Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(soffice) = soffice else {
        eprintln!("LibreOffice not found: the conversion check is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("out.xlsx");
    export_to(dir.path(), Format::Xlsx, Options::default(), &out);
    let converted = dir.path().join("converted");
    let profile = dir.path().join("lo-profile");
    let status = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir"])
        .arg(&converted)
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(converted.join("out.csv")).unwrap();
    let got: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    // LibreOffice keeps a line break inside a cell as LF: a CRLF in the text (the workbook
    // holds it, as the reader-crate test shows) comes out of its conversion as LF.
    let lf = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter().map(|r| r.into_iter().map(|c| c.replace("\r\n", "\n")).collect()).collect()
    };
    let want = csv_records(dir.path());
    assert!(want.iter().flatten().any(|c| c.contains("\r\n")), "the corpus has CRLF inside cells");
    assert_eq!(lf(got), lf(want));
}

// ---------------------------------------------------------------------------------------------
// SemEval-2020 Task 11.

#[test]
fn semeval_export_slices_the_text_and_says_what_is_not_a_technique() {
    let dir = tempfile::tempdir().unwrap();
    make_corpus(dir.path());
    let out = dir.path().join("semeval");
    let summary = export_to(dir.path(), Format::Semeval, Options::default(), &out);
    assert!(summary.notes.iter().any(|n| n.contains("not SemEval-2020 techniques")), "{:?}", summary.notes);
    assert!(summary.notes.iter().any(|n| n.contains("not named article<ID>.txt")), "{:?}", summary.notes);
    assert!(summary.notes.iter().any(|n| n.contains("notes or attributes")), "{:?}", summary.notes);
    // Two coders: a folder each.
    let labels = std::fs::read_to_string(out.join("ana/speech.task-flc-tc.labels")).unwrap();
    let text = std::fs::read_to_string(out.join("ana/speech.txt")).unwrap();
    assert_eq!(text, common::SPEECH);
    assert_eq!(labels.lines().count(), 6);
    for line in labels.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "{line}");
        assert_eq!(f[0], "speech");
        let (b, e): (usize, usize) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        assert!(b < e && e <= text.chars().count());
    }
    assert!(labels.contains("\tdemand\t"), "{labels}");
    assert!(out.join("bruno/speech.task-si.labels").is_file());
    // -o must be a folder.
    let file = dir.path().join("x.labels");
    std::fs::write(&file, "").unwrap();
    let corpus = marginalia::corpus::load(dir.path()).unwrap();
    let err = export::write(&corpus, Format::Semeval, &Options::default(), &file, &|_, _| true).unwrap_err();
    assert!(err.to_string().contains("SemEval-2020 Task 11 labels exports write a folder"), "{err}");
}

#[test]
fn html_report_keeps_each_coders_marks_apart_and_leaves_out_empty_documents() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("handout.txt");
    std::fs::write(&doc, "The mayor promised a new library by May.\nNobody asked the readers.\n").unwrap();
    std::fs::write(dir.path().join("blank.txt"), "A text nobody has marked yet.\n").unwrap();
    for (coder, sidecar) in [("Key", "handout.txt.key.annotations.ron"), ("Ana", "handout.txt.annotations.ron")] {
        let out = marginalia(&[
            "add",
            doc.to_str().unwrap(),
            "--quote",
            "a new library by May",
            "--code",
            "prediction",
            "--coder",
            coder,
            "--sidecar",
            dir.path().join(sidecar).to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = dir.path().join("report.html");
    export_to(dir.path(), Format::Html, Options::default(), &out);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<html lang=\"und\">"), "the language is said to be undetermined, not left empty");
    // The same passage marked by both: two marks, each with its coder's own line and name.
    let marks: Vec<&str> = html.match_indices("<span class=\"hl by").map(|(i, _)| &html[i..i + 120]).collect();
    assert_eq!(marks.len(), 2, "one mark per coder, not one merged band: {marks:?}");
    assert_ne!(marks[0], marks[1], "the two coders' marks look different");
    assert!(html.contains("Key</span> (") && html.contains("Ana</span> ("), "a legend of whose line is whose");
    assert!(html.contains("&#160;Key</sup>") && html.contains("&#160;Ana</sup>"), "each number names its coder");
    // The unmarked document is left out, and the report says so; asked for, it is listed.
    assert!(!html.contains("blank.txt"), "a document without annotations is left out");
    assert!(html.contains("1 document(s) without annotations are left out"));
    export_to(dir.path(), Format::Html, Options { include_empty: true, ..Options::default() }, &out);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("blank.txt") && html.contains("No annotations."));
    let cli =
        marginalia(&["export", dir.path().to_str().unwrap(), "--format", "html", "--include-empty", "-o", out.to_str().unwrap()]);
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().contains("blank.txt"));
}

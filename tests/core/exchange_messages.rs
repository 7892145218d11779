//! Exchanges and messages as a user meets them with the binary: a codebook-only REFI-QDA
//! project (as ATLAS.ti exports one), carriage returns in xlsx cells, an import piped into
//! `head`, and what messages quote from hostile files.
//!
//! `MARGINALIA_BIN=/path/to/marginalia` runs these against another build of the binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common;
use common::{Out, bin};

fn run(args: &[&str]) -> Out {
    common::run_as(args, "ana")
}

fn ok(args: &[&str]) -> String {
    common::ok_as(args, "ana")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
}

/// Validates a project.qde against the REFI-QDA schema when xmllint is installed.
fn valid_project(qde: &str) {
    if !Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("project.qde");
    std::fs::write(&file, qde).unwrap();
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi/Project-mrt2019.xsd");
    let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---------------------------------------------------------------------------------------------
// A REFI-QDA project holding a codebook and no text.

/// A project as ATLAS.ti exports a codebook alone: users, codes (one level nested, upper-case
/// GUIDs, descriptions), no sources.
const ATLAS_CODEBOOK: &str = r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd" name="Mietstreik – Codebuch" origin="ATLAS.ti 23.2.1 (Windows)" creatingUserGUID="8E2B6F3A-1C4D-4E5F-9A0B-1C2D3E4F5A6B" creationDateTime="2024-03-05T10:12:33Z" modifyingUserGUID="8E2B6F3A-1C4D-4E5F-9A0B-1C2D3E4F5A6B" modifiedDateTime="2024-03-07T16:40:02Z">
  <Users>
    <User guid="8E2B6F3A-1C4D-4E5F-9A0B-1C2D3E4F5A6B" name="Jana Novák" />
    <User guid="0F9D8C7B-6A5E-4D3C-8B2A-1F0E9D8C7B6A" name="Tom" />
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D" name="Beschwerde" isCodable="true" color="#D55E00">
        <Description>Eine Klage über Miete, Zustand oder Vermieter.</Description>
        <Code guid="B2C3D4E5-F6A7-4B8C-9D0E-1F2A3B4C5D6E" name="Mieterhöhung" isCodable="true" color="#E69F00" />
        <Code guid="C3D4E5F6-A7B8-4C9D-8E1F-2A3B4C5D6E7F" name="Schimmel" isCodable="true" color="#CC79A7" />
      </Code>
      <Code guid="D4E5F6A7-B8C9-4D0E-9F2A-3B4C5D6E7F80" name="Forderung" isCodable="true" color="#0072B2">
        <Description>Was die Mieter verlangen.</Description>
      </Code>
      <Code guid="E5F6A7B8-C9D0-4E1F-8A3B-4C5D6E7F8091" name="Zitat" isCodable="true" color="#009E73" />
    </Codes>
  </CodeBook>
</Project>
"##;

#[test]
fn a_codebook_only_project_imports_its_codebook() {
    valid_project(ATLAS_CODEBOOK);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("Mietstreik.qdpx");
    zip(&project, &[("project.qde", ATLAS_CODEBOOK.as_bytes())]);
    let into = dir.path().join("corpus");
    let stdout = ok(&["import", s(&project), "--into", s(&into)]);
    assert!(stdout.contains("5 code(s)"), "{stdout}");
    assert!(stdout.contains("holds no text source, only a codebook"), "{stdout}");
    let codebook = into.join("codebook.ron");
    assert!(stdout.contains(&format!("wrote {}", codebook.display())), "{stdout}");
    let cb = marginalia::codebook::Codebook::load(&codebook).unwrap();
    let names: Vec<&str> = cb.codes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Beschwerde", "Mieterhöhung", "Schimmel", "Forderung", "Zitat"]);
    // The folder's documents are coded with it.
    let letter = into.join("brief.txt");
    std::fs::write(&letter, "Die Miete steigt schon wieder, und im Bad wächst Schimmel.\n").unwrap();
    ok(&["add", s(&letter), "--code", "Schimmel", "--quote", "im Bad wächst Schimmel"]);
    // Imported again, nothing changes; into a folder with another codebook, it is refused.
    let stdout = ok(&["import", s(&project), "--into", s(&into)]);
    assert!(stdout.contains("has already"), "{stdout}");
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("codebook.ron"), marginalia::codebook::Codebook::default().to_ron()).unwrap();
    let before = std::fs::read(other.join("codebook.ron")).unwrap();
    let out = run(&["import", s(&project), "--into", s(&other)]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("exists already; nothing was written"), "{}", out.stderr);
    assert!(out.stderr.contains("marginalia codebook import"), "{}", out.stderr);
    assert_eq!(std::fs::read(other.join("codebook.ron")).unwrap(), before);

    // `codebook import` reads a project's codebook too.
    let ron = dir.path().join("miete.ron");
    let stdout = ok(&["codebook", "import", s(&project), "-o", s(&ron)]);
    assert!(stdout.contains("imported 5 codes"), "{stdout}");
    assert_eq!(marginalia::codebook::Codebook::load(&ron).unwrap(), cb);
}

// ---------------------------------------------------------------------------------------------
// Carriage returns in xlsx cells.

/// A letter with Windows line ends.
const CRLF_LETTER: &str = "Madame, Monsieur,\r\nNous refusons la hausse de 18 %.\r\nVeuillez agréer nos salutations.\r\n";

#[test]
fn xlsx_cells_keep_carriage_returns_as_every_reader_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("lettre.txt");
    std::fs::write(&doc, CRLF_LETTER).unwrap();
    let quote = "Nous refusons la hausse de 18 %.\r\nVeuillez agréer";
    ok(&["add", s(&doc), "--code", "demand", "--quote", quote, "--note", "_x000D_ écrit tel quel"]);
    ok(&["add", s(&doc), "--code", "opinion", "--quote", "Madame, Monsieur,"]);
    let out = dir.path().join("out.xlsx");
    ok(&["export", s(&doc), "--format", "xlsx", "-o", s(&out)]);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    assert!(strings.contains("&#13;"), "{strings}");
    assert!(!strings.replace("_x005F_x000D_", "").contains("_x000D_"), "a carriage return as Excel's escape: {strings}");

    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    let range = book.worksheet_range("Annotations").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let row = |exact: &str| rows.iter().find(|r| r[col("exact")] == exact).unwrap_or_else(|| panic!("{exact:?}: {rows:?}"));
    assert_eq!(row(quote)[col("note")], "_x000D_ écrit tel quel");
    assert!(row(quote)[col("prefix")].ends_with(",\r\n"), "{:?}", row(quote)[col("prefix")]);
    // A cell that starts with a line end keeps it.
    let suffix = &row("Madame, Monsieur,")[col("suffix")];
    assert!(suffix.starts_with("\r\nNous refusons"), "{suffix:?}");

    // openpyxl (and pandas, which reads with it) shows the carriage return, not "_x000D_".
    let script = "import sys, openpyxl\nws = openpyxl.load_workbook(sys.argv[1])['Annotations']\nprint(repr([[c.value for c in r] for r in ws.iter_rows(min_row=2)]))\n";
    let python = Command::new("python3").arg("-c").arg(script).arg(&out).output();
    match python {
        Ok(p) if p.status.success() => {
            let shown = String::from_utf8_lossy(&p.stdout);
            assert!(shown.contains("18 %.\\r\\nVeuillez"), "{shown}");
            assert!(!shown.contains("_x000D_\\n"), "{shown}");
        }
        _ => eprintln!("python3 with openpyxl not found: the openpyxl check is skipped"),
    }
}

// ---------------------------------------------------------------------------------------------
// Output closed early.

#[test]
fn an_import_piped_into_a_closed_output_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("avis.html");
    std::fs::write(&page, "<h1>Avis</h1><p>Réunion <b>jeudi</b>.</p><img src=a.png><script>x()</script>").unwrap();
    let mut child = Command::new(bin())
        .args(["import", s(&page), "--into", s(&dir.path().join("out"))])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // As `| head -0` does: the reading end is closed before anything is printed.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(dir.path().join("out/avis.html.txt").is_file());
}

// ---------------------------------------------------------------------------------------------
// The exchange documentation.

#[test]
fn the_exchange_documentation_says_each_thing_once() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/exports.md")).unwrap();
    let mut prose = String::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    let mut repeated = Vec::new();
    for section in prose.split("\n#") {
        let flat = section.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut sentences: Vec<&str> = Vec::new();
        let mut from = 0;
        for (at, c) in flat.char_indices() {
            if matches!(c, '.' | '!' | '?') && flat[at + 1..].starts_with(' ') {
                sentences.push(flat[from..=at].trim());
                from = at + 2;
            }
        }
        sentences.push(flat[from.min(flat.len())..].trim());
        let long: Vec<&str> = sentences.into_iter().filter(|s| s.split(' ').count() >= 4).collect();
        for (i, a) in long.iter().enumerate() {
            for (j, b) in long.iter().enumerate() {
                if i != j && (a == b || b.ends_with(&format!(" {a}"))) {
                    repeated.push(a.to_string());
                }
            }
        }
    }
    assert!(repeated.is_empty(), "said twice: {repeated:?}");
}

// ---------------------------------------------------------------------------------------------
// Long names in files.

fn assert_short(what: &str, text: &str) {
    for line in text.lines() {
        let shown: String = line.chars().take(200).collect();
        assert!(line.chars().count() < 400, "{what}: a line of {} characters: {shown}…", line.chars().count());
    }
    assert!(!text.contains("disk"), "{what}: {text}");
}

#[test]
fn messages_quote_at_most_a_few_words_of_a_long_name() {
    let dir = tempfile::tempdir().unwrap();
    let long = "Ä".repeat(10_000);
    let doc = dir.path().join("bail.txt");
    std::fs::write(&doc, "Le bail est résilié au 30 juin.\n").unwrap();
    let file = dir.path().join("long.json");
    let annotation = |id: &str, creator: &str, body: serde_json::Value, selector: serde_json::Value| {
        serde_json::json!({
            "type": "Annotation", "id": id, "creator": {"type": "Person", "name": creator}, "body": body,
            "target": {"source": "bail.txt", "selector": selector}
        })
    };
    let quote = serde_json::json!({"type": "TextQuoteSelector", "exact": "Le bail est résilié"});
    let w3c = serde_json::json!([
        annotation(
            "urn:uuid:11111111-2222-4333-8444-555555555555",
            &long,
            serde_json::json!({"type": "TextualBody", "purpose": "tagging", "value": long}),
            quote.clone()
        ),
        annotation(
            "urn:uuid:11111111-2222-4333-8444-666666666666",
            "ana",
            serde_json::json!([{"type": "TextualBody", "purpose": "tagging", "value": "Demand"},
                               {"type": "TextualBody", "purpose": long, "value": "x"}]),
            serde_json::json!([{"type": long}, quote])
        ),
    ]);
    std::fs::write(&file, w3c.to_string()).unwrap();
    let out = run(&["import", s(&file)]);
    assert_eq!(out.code, 0, "{}", &out.stderr[..out.stderr.len().min(500)]);
    assert_short("w3c import", &out.stdout);
    for p in marginalia::sidecar::find_sidecars(&doc) {
        assert!(p.file_name().unwrap().len() < 160, "{}", p.display());
    }

    // REFI-QDA: a user with a very long name, a position thousands of digits long, a source
    // whose name is very long.
    let text = "Le loyer augmente de 12 % cette année.\n";
    let qde = |users: &str, first: &str, source_name: &str| {
        format!(
            r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Loyers" origin="MAXQDA 24">
<Users>{users}</Users>
<CodeBook><Codes><Code guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5f60" name="Grievance" isCodable="true" color="#D55E00"/></Codes></CodeBook>
<Sources><TextSource guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5faa" name="{source_name}" plainTextPath="internal://6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5faa.txt">
<PlainTextSelection guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fb1" {first} creatingUser="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fe1"><Coding guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fc1" creatingUser="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fe1"><CodeRef targetGUID="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5f60"/></Coding></PlainTextSelection>
<PlainTextSelection guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fb2" startPosition="10" endPosition="18" creatingUser="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fe2"><Coding guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fc2" creatingUser="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fe2"><CodeRef targetGUID="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5f60"/></Coding></PlainTextSelection>
</TextSource></Sources></Project>
"##
        )
    };
    let users = |first: &str| {
        format!(
            r#"<User guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fe1" name="{first}"/><User guid="6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5fe2" name="Bruno"/>"#
        )
    };
    let source = "sources/6f8a1c2e-0b1d-4c5e-9f7a-1b2c3d4e5faa.txt";
    let cases = [
        ("long-user", qde(&users(&"N".repeat(10_000)), r#"startPosition="0" endPosition="9""#, "loyer"), true),
        (
            "long-position",
            qde(&users("Ana"), &format!(r#"startPosition="{}" endPosition="9""#, "9".repeat(4000)), "loyer"),
            false,
        ),
        ("long-source", qde(&users("Ana"), r#"startPosition="0" endPosition="900""#, &"S".repeat(10_000)), false),
    ];
    for (name, qde, imports) in cases {
        // A position thousands of digits long is an xs:integer by the letter of the schema, but
        // some libxml2 versions refuse it; the other cases are valid projects everywhere.
        if name != "long-position" {
            valid_project(&qde);
        }
        let project = dir.path().join(format!("{name}.qdpx"));
        zip(&project, &[("project.qde", qde.as_bytes()), (source, text.as_bytes())]);
        let into = dir.path().join(name);
        let out = run(&["import", s(&project), "--into", s(&into)]);
        assert_eq!(out.code, if imports { 0 } else { 2 }, "{name}: {}", &out.stderr[..out.stderr.len().min(300)]);
        assert_short(name, &out.stderr);
        assert_short(name, &out.stdout);
        if imports {
            let sidecars = marginalia::sidecar::find_sidecars(&into.join("loyer.txt"));
            assert_eq!(sidecars.len(), 2, "{sidecars:?}");
        } else {
            assert!(!into.exists(), "{name}: nothing is written");
        }
    }
}

//! Imports as a user meets them: documents from HTML and .docx, annotations from brat and W3C,
//! and hostile files refused with a clear message and nothing written outside (or inside) the
//! target folder.

mod common;

use std::io::Write;
use std::path::Path;

use common::{files_under, marginalia};
use marginalia::import::import;

const TEXT: &str = "Communiqué de la mairie — 3 mars\r\nLe marché “bio” ouvrira le samedi 🍎.\r\nVenez nombreux !\r\n";

/// The code points (start, end) of `quote` in `TEXT`.
fn cp(quote: &str) -> (usize, usize) {
    let start = TEXT.find(quote).map(|b| TEXT[..b].chars().count()).unwrap();
    (start, start + quote.chars().count())
}

fn write(path: &Path, content: &[u8]) {
    std::fs::write(path, content).unwrap();
}

/// A workspace: `src/` holds the input, `target/` is where the import goes, and the workspace
/// itself must stay as it was apart from `target/`.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::create_dir(dir.path().join("target")).unwrap();
        Self { dir }
    }
    fn src(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join("src").join(name)
    }
    fn target(&self) -> std::path::PathBuf {
        self.dir.path().join("target")
    }
    fn all_files(&self) -> Vec<std::path::PathBuf> {
        files_under(self.dir.path())
    }
}

#[test]
fn brat_import_makes_a_sidecar_and_reports_what_it_left_out() {
    let ws = Workspace::new();
    write(&ws.src("press.txt"), TEXT.as_bytes());
    let (s1, e1) = cp("Le marché “bio” ouvrira le samedi 🍎");
    let (s2, e2) = cp("Venez nombreux");
    let ann = format!(
        "T1\tAnnonce {s1} {e1}\tLe marché “bio” ouvrira le samedi 🍎\nT2\tcall-to-action {s2} {e2}\tVenez nombreux\n#1\tAnnotatorNotes T1\tà vérifier\nA1\tUrgent T1\nR1\tSuite Arg1:T1 Arg2:T2\n"
    );
    write(&ws.src("press.ann"), ann.as_bytes());
    let out = marginalia(&["import", ws.src("press.ann").to_str().unwrap(), "--into", ws.target().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("2 of 2 annotation(s) imported"), "{stdout}");
    assert!(stdout.contains("added 1 code(s) to the codebook: Annonce"), "{stdout}");
    assert!(stdout.contains("not carried: 1 relations"), "{stdout}");
    let session = marginalia::Session::open(&ws.target().join("press.txt"), None, "ana").unwrap();
    let anns = session.edits.annotations();
    assert_eq!(anns.len(), 2);
    assert_eq!(anns[0].exact, "Le marché “bio” ouvrira le samedi 🍎");
    assert_eq!(anns[0].note, "à vérifier");
    assert_eq!(anns[0].attributes.get("Urgent").map(String::as_str), Some("yes"));
    assert_eq!(anns[1].code, "call-to-action");
}

fn assert_refused(ws: &Workspace, before: &[std::path::PathBuf], err: &marginalia::Error, needle: &str) {
    assert!(err.to_string().contains(needle), "message {err} lacks {needle:?}");
    assert_eq!(ws.all_files(), before, "nothing may be written");
}

#[test]
fn brat_offsets_outside_the_text_are_refused() {
    let ws = Workspace::new();
    write(&ws.src("press.txt"), TEXT.as_bytes());
    write(&ws.src("press.ann"), b"T1\tDemand 10 9999\tLe march\n");
    let before = ws.all_files();
    let err = import(&ws.src("press.ann"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "outside the text");
    // Byte offsets (as some tools write) do not slice the same text: refused with a hint.
    let byte_start = TEXT.find("Le marché").unwrap();
    write(&ws.src("press.ann"), format!("T1\tDemand {byte_start} {}\tLe marché “bio”\n", byte_start + 22).as_bytes());
    let err = import(&ws.src("press.ann"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "code points");
    assert_eq!(err.place.map(|p| p.line), Some(1));
}

fn w3c_annotation(source: &str, start: i64, end: i64, exact: &str) -> String {
    serde_json::json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "urn:uuid:9b2f3c1e-2a4d-4c5b-8e6f-7a8b9c0d1e2f",
        "type": "Annotation",
        "motivation": "tagging",
        "body": [{"type": "TextualBody", "purpose": "tagging", "value": "Prediction"},
                 {"type": "Image", "id": "file:///tmp/pic.png"}],
        "target": {"source": source, "selector": [
            {"type": "TextQuoteSelector", "exact": exact},
            {"type": "TextPositionSelector", "start": start, "end": end}]}
    })
    .to_string()
}

#[test]
fn w3c_import_finds_the_document_by_name_and_reports_unsupported_bodies() {
    let ws = Workspace::new();
    write(&ws.target().join("press.txt"), TEXT.as_bytes());
    let (start, end) = cp("Le marché “bio” ouvrira le samedi 🍎");
    write(
        &ws.src("a.jsonl"),
        w3c_annotation("file:///elsewhere/press.txt", start as i64, end as i64, "Le marché “bio” ouvrira le samedi 🍎")
            .as_bytes(),
    );
    let summary = import(&ws.src("a.jsonl"), Some(&ws.target()), "ana").unwrap();
    assert!(summary.carried.iter().any(|l| l.contains("1 of 1 annotation(s) imported for press.txt")), "{summary:?}");
    assert!(summary.not_carried.iter().any(|l| l.contains("web resources")), "{summary:?}");
    let session = marginalia::Session::open(&ws.target().join("press.txt"), None, "ana").unwrap();
    assert_eq!(session.edits.annotations()[0].code, "prediction");
}

#[test]
fn w3c_import_names_the_missing_document_and_refuses_bad_positions() {
    let ws = Workspace::new();
    write(&ws.src("a.jsonl"), w3c_annotation("file:///x/press%20notes.txt", 0, 4, "Comm").as_bytes());
    let before = ws.all_files();
    let err = import(&ws.src("a.jsonl"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "put the document \"press notes.txt\" there");

    write(&ws.target().join("press notes.txt"), TEXT.as_bytes());
    write(&ws.src("a.jsonl"), w3c_annotation("file:///x/press%20notes.txt", 70, 900, "nowhere").as_bytes());
    let before = ws.all_files();
    let err = import(&ws.src("a.jsonl"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "outside the text");

    write(&ws.src("a.jsonl"), w3c_annotation("file:///x/..%2F..%2Fescape.txt", 0, 4, "Comm").as_bytes());
    let err = import(&ws.src("a.jsonl"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "not a plain file name");
}

#[test]
fn html_import_keeps_visible_paragraphs() {
    let ws = Workspace::new();
    let page = "<!DOCTYPE html><html><head><title>Fête</title><style>body{color:red}</style><script>var x = '<p>caché</p>';</script></head>\n<body><h1>Fête du quartier</h1><p>Rendez-vous   place “Lamartine”\n à 18&nbsp;h.</p><script>track()</script><p>Apportez&amp;partagez 🎉<br>Merci !</p><img src=\"a.png\" alt=\"\"></body></html>";
    write(&ws.src("page.html"), page.as_bytes());
    let out = marginalia(&["import", ws.src("page.html").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(ws.src("page.html.txt")).unwrap();
    assert_eq!(text, "Fête du quartier\n\nRendez-vous place “Lamartine” à 18\u{a0}h.\n\nApportez&partagez 🎉\nMerci !\n");
    assert!(stdout.contains("not carried: 1 <script> element(s)"), "{stdout}");
    assert!(stdout.contains("not carried: 1 <img> element(s)"), "{stdout}");
    // A second import with a different page does not overwrite the text.
    write(&ws.src("page.html"), b"<p>autre</p>");
    let err = import(&ws.src("page.html"), None, "ana").unwrap_err();
    assert!(err.to_string().contains("exists already"), "{err}");
    assert_eq!(std::fs::read_to_string(ws.src("page.html.txt")).unwrap(), text);
}

fn docx(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const DOC_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>Lettre à M.</w:t></w:r><w:r><w:t xml:space="preserve"> Ñúñez &amp; fils</w:t></w:r></w:p>
<w:p><w:r><w:t>Objet :</w:t><w:tab/><w:t>le “pont” 🌉</w:t><w:br/><w:t>deuxième ligne</w:t></w:r><w:del><w:r><w:delText>effacé</w:delText></w:r></w:del></w:p>
<w:p/>
<w:p><w:r><w:t>Cordialement — Renée</w:t></w:r></w:p>
</w:body></w:document>"#;

#[test]
fn docx_import_reads_paragraphs_tabs_and_breaks() {
    let ws = Workspace::new();
    write(&ws.src("lettre.docx"), &docx(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", DOC_XML.as_bytes())]));
    let summary = import(&ws.src("lettre.docx"), Some(&ws.target()), "ana").unwrap();
    let text = std::fs::read_to_string(ws.target().join("lettre.docx.txt")).unwrap();
    assert_eq!(text, "Lettre à M. Ñúñez & fils\n\nObjet :\tle “pont” 🌉\ndeuxième ligne\n\nCordialement — Renée\n");
    assert!(summary.not_carried.iter().any(|l| l.contains("1 deleted revisions")), "{summary:?}");
}

#[test]
fn docx_with_an_unsafe_entry_path_is_refused() {
    let ws = Workspace::new();
    write(&ws.src("evil.docx"), &docx(&[("word/document.xml", DOC_XML.as_bytes()), ("../../escaped.txt", b"gotcha")]));
    let before = ws.all_files();
    let err = import(&ws.src("evil.docx"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "unsafe path");
    assert!(!ws.dir.path().parent().unwrap().join("escaped.txt").exists());
}

#[test]
fn docx_zip_bomb_is_refused() {
    let ws = Workspace::new();
    let mut xml = String::from(
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"#,
    );
    xml.push_str(&" ".repeat(4 << 20));
    xml.push_str("</w:t></w:r></w:p></w:body></w:document>");
    write(&ws.src("bomb.docx"), &docx(&[("word/document.xml", xml.as_bytes())]));
    let before = ws.all_files();
    let err = import(&ws.src("bomb.docx"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "zip bomb");
}

#[test]
fn docx_with_a_doctype_is_refused() {
    let ws = Workspace::new();
    let xml = r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"#;
    write(&ws.src("xxe.docx"), &docx(&[("word/document.xml", xml.as_bytes())]));
    let before = ws.all_files();
    let err = import(&ws.src("xxe.docx"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "DOCTYPE");
}

#[test]
fn unknown_files_are_refused_with_a_hint() {
    let ws = Workspace::new();
    write(&ws.src("notes.pdf"), b"%PDF-1.4");
    let out = marginalia(&["import", ws.src("notes.pdf").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("brat .ann"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn hostile_html_is_read_safely_or_refused() {
    let ws = Workspace::new();
    // Deep nesting, as pages have it, is read.
    let deep = format!("{}<p>au fond “ici”</p>{}", "<div>".repeat(200), "</div>".repeat(200));
    write(&ws.src("deep.html"), deep.as_bytes());
    import(&ws.src("deep.html"), Some(&ws.target()), "ana").unwrap();
    assert_eq!(std::fs::read_to_string(ws.target().join("deep.html.txt")).unwrap(), "au fond “ici”\n");
    // Nesting no page has (the parser's work per tag grows with it) is refused at its line.
    let deeper = format!("<html>\n<body>\n{}<p>au fond</p>{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
    write(&ws.src("deeper.html"), deeper.as_bytes());
    let before = ws.all_files();
    let err = import(&ws.src("deeper.html"), Some(&ws.target()), "ana").unwrap_err();
    assert_eq!(err.place.map(|p| p.line), Some(3));
    assert_refused(&ws, &before, &err, "nests elements more than 256 levels deep");
    // A page whose only text is in scripts has nothing to import.
    write(&ws.src("script.html"), b"<html><body><script>document.write('<p>texte</p>')</script></body></html>");
    let before = ws.all_files();
    let err = import(&ws.src("script.html"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "no visible text");
}

#[test]
fn docx_that_lies_about_its_expanded_size_is_refused() {
    let ws = Workspace::new();
    let mut xml = String::from(
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"#,
    );
    xml.push_str(&"bla ".repeat(1 << 20));
    xml.push_str("</w:t></w:r></w:p></w:body></w:document>");
    let mut bytes = docx(&[("word/document.xml", xml.as_bytes())]);
    // Declare 2,000 bytes expanded in the local and the central header.
    let declared = 2_000u32.to_le_bytes();
    let find = |bytes: &[u8], sig: &[u8]| bytes.windows(4).position(|w| w == sig).unwrap();
    let local = find(&bytes, b"PK\x03\x04");
    bytes[local + 22..local + 26].copy_from_slice(&declared);
    let central = find(&bytes, b"PK\x01\x02");
    bytes[central + 24..central + 28].copy_from_slice(&declared);
    write(&ws.src("liar.docx"), &bytes);
    let before = ws.all_files();
    let err = import(&ws.src("liar.docx"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "word/document.xml");
}

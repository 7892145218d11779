//! Imports as a user meets them: documents from HTML and .docx, annotations from brat and W3C,
//! and hostile files refused with a clear message and nothing written outside (or inside) the
//! target folder.

use crate::common;

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
    // Into a new folder, the codebook holds the file's types and no others.
    assert!(stdout.contains("added 2 code(s) to the codebook: Annonce, call-to-action"), "{stdout}");
    assert!(stdout.contains("1 of 1 relation(s) imported as links"), "{stdout}");
    assert!(stdout.contains("added 1 link type(s) to the codebook: Suite"), "{stdout}");
    assert!(!stdout.contains("not carried"), "{stdout}");
    let session = marginalia::Session::open(&ws.target().join("press.txt"), None, "ana").unwrap();
    let anns = session.edits.annotations();
    assert_eq!(anns.len(), 2);
    let links = session.edits.links();
    assert_eq!(links.len(), 1);
    assert_eq!((links[0].origin, links[0].target), (anns[0].id, anns[1].id));
    assert_eq!(session.edits.codebook().link_type(&links[0].link_type).map(|t| t.name.as_str()), Some("Suite"));
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

// ---------------------------------------------------------------------------------------------
// Files as other tools write them.

/// A brat document shaped like brat's own tutorial data: entities, an event with its trigger,
/// a relation, notes on the event and the relation as well as on an entity, and an attribute
/// on the event. The relation becomes a link with its note; the event is counted.
#[test]
fn brat_notes_on_events_are_counted_and_the_rest_imports() {
    let ws = Workspace::new();
    let text = "Le maire Ñúñez a promis un pont 🌉 avant 2027.\nLa préfète l'a contredit.\n";
    write(&ws.src("promesse.txt"), text.as_bytes());
    let at = |q: &str| {
        let s = text.find(q).map(|b| text[..b].chars().count()).unwrap();
        (s, s + q.chars().count())
    };
    let (m1, m2) = at("Le maire Ñúñez");
    let (p1, p2) = at("promis");
    let (b1, b2) = at("un pont 🌉");
    let (f1, f2) = at("La préfète");
    let ann = format!(
        "T1\tPerson {m1} {m2}\tLe maire Ñúñez\n\
         T2\tPromise {p1} {p2}\tpromis\n\
         T3\tArtifact {b1} {b2}\tun pont 🌉\n\
         T4\tPerson {f1} {f2}\tLa préfète\n\
         E1\tPromise:T2 Agent:T1 Theme:T3\n\
         R1\tContradicts Arg1:T4 Arg2:T1\n\
         A1\tNegation E1\n\
         #1\tAnnotatorNotes E1\tdate to check\n\
         #2\tAnnotatorNotes R1\tsee the council minutes\n\
         #3\tAnnotatorNotes T3\tthe Orvel bridge\n"
    );
    write(&ws.src("promesse.ann"), ann.as_bytes());
    let out = marginalia(&["import", ws.src("promesse.ann").to_str().unwrap(), "--into", ws.target().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("4 of 4 annotation(s) imported"), "{stdout}");
    assert!(stdout.contains("not carried: 1 notes on events, normalisations or relations not carried"), "{stdout}");
    assert!(stdout.contains("not carried: 1 events"), "{stdout}");
    assert!(stdout.contains("1 of 1 relation(s) imported as links"), "{stdout}");
    assert!(!stdout.contains("not carried: 1 relations"), "{stdout}");
    assert!(stdout.contains("not carried: 1 attributes of relations or events"), "{stdout}");
    let session = marginalia::Session::open(&ws.target().join("promesse.txt"), None, "ana").unwrap();
    let bridge = session.edits.annotations().iter().find(|a| a.exact == "un pont 🌉").unwrap();
    assert_eq!(bridge.note, "the Orvel bridge");
    let link = &session.edits.links()[0];
    let end = |id| session.edits.get(id).unwrap().exact.clone();
    assert_eq!((end(link.origin).as_str(), end(link.target).as_str()), ("La préfète", "Le maire Ñúñez"));
    assert_eq!(link.note, "see the council minutes");
    // A note on an id the file does not define at all is still an error, with its line.
    write(&ws.src("promesse.ann"), format!("{ann}#4\tAnnotatorNotes T9\tnowhere\n").as_bytes());
    let err = import(&ws.src("promesse.ann"), Some(&ws.target()), "ana").unwrap_err();
    assert!(err.to_string().contains("T9, which the file does not define"), "{err}");
    assert_eq!(err.place.map(|p| p.line), Some(11));
}

/// A brat folder where one document's text is a link to a file outside it: the link is not
/// followed, the document is skipped and reported, the others import.
#[cfg(unix)]
#[test]
fn brat_import_does_not_follow_links_out_of_the_folder() {
    let ws = Workspace::new();
    let (s, e) = cp("Venez nombreux");
    write(&ws.src("press.txt"), TEXT.as_bytes());
    write(&ws.src("press.ann"), format!("T1\tcall-to-action {s} {e}\tVenez nombreux\n").as_bytes());
    // secret.txt → /etc/passwd (or any file outside the folder); secret.ann is plain.
    let outside = ws.dir.path().join("outside-secret.txt");
    write(&outside, b"root:x:0:0:root:/root:/bin/bash\n");
    std::os::unix::fs::symlink(&outside, ws.src("secret.txt")).unwrap();
    write(&ws.src("secret.ann"), b"T1\tPerson 0 4\troot\n");
    // linked.ann is itself a link (to the good .ann).
    std::os::unix::fs::symlink(ws.src("press.ann"), ws.src("linked.ann")).unwrap();
    write(&ws.src("linked.txt"), TEXT.as_bytes());

    let out = marginalia(&["import", ws.src("").to_str().unwrap(), "--into", ws.target().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 of 1 annotation(s) imported"), "{stdout}");
    assert!(stdout.contains("not carried: 2 brat document(s) skipped"), "{stdout}");
    assert!(stdout.contains("secret.txt is a symbolic link"), "{stdout}");
    assert!(stdout.contains("linked.ann is a symbolic link"), "{stdout}");
    let written: Vec<String> =
        files_under(&ws.target()).iter().map(|p| p.to_string_lossy().into_owned()).filter(|p| !p.contains(".bak")).collect();
    assert_eq!(written, ["codebook.ron", "press.txt", "press.txt.annotations.ron"]);
    assert!(!ws.target().join("secret.txt").exists());

    // Given alone, the linked document is refused and nothing is written.
    let before = ws.all_files();
    let err = import(&ws.src("secret.ann"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "symbolic link");
    let err = import(&ws.src("linked.ann"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "symbolic link");
}

const FAMILY_TEXT: &str = "Notre famille 👩\u{200d}👩\u{200d}👧 vote oui. Le pont sera prêt en 2027, dit-on.\n";

fn family_cp(quote: &str) -> (i64, i64) {
    let s = FAMILY_TEXT.find(quote).map(|b| FAMILY_TEXT[..b].chars().count()).unwrap();
    (s as i64, (s + quote.chars().count()) as i64)
}

fn tagged(id: &str, target: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "id": id, "type": "Annotation", "motivation": "tagging",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": "Prediction"},
        "target": target
    })
}

/// A collection shaped like the W3C model's examples: web-page annotations (a plain URI
/// target, a FragmentSelector refined by a quote) mixed with annotations of the text.
#[test]
fn w3c_collection_imports_what_it_can_place_and_lists_the_rest() {
    let ws = Workspace::new();
    write(&ws.target().join("vote.txt"), FAMILY_TEXT.as_bytes());
    let (q1, q2) = family_cp("Le pont sera prêt en 2027");
    let (f1, _) = family_cp("👩\u{200d}👩\u{200d}👧");
    let collection = serde_json::json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "http://example.org/collection1",
        "type": "AnnotationCollection",
        "label": "Mixed annotations",
        "total": 5,
        "first": {
            "id": "http://example.org/page1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": [
                {"id": "http://example.org/anno1", "type": "Annotation",
                 "body": "http://example.net/comment1", "target": "http://example.com/page1"},
                tagged("http://example.org/anno2", serde_json::json!({
                    "source": "http://example.com/vote.txt",
                    "selector": {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/",
                                 "value": "t=30,60",
                                 "refinedBy": {"type": "TextQuoteSelector", "exact": "vote oui"}}})),
                tagged("http://example.org/anno3", serde_json::json!({
                    "source": "http://example.com/vote.txt",
                    "selector": [{"type": "TextQuoteSelector", "exact": "Le pont sera prêt en 2027"},
                                 {"type": "TextPositionSelector", "start": q1, "end": q2}]})),
                tagged("http://example.org/anno4", serde_json::json!({
                    "source": "http://example.com/vote.txt",
                    "selector": {"type": "TextQuoteSelector", "exact": "dit-on", "prefix": "2027, "}})),
                // Ends after the first woman of the family: inside the ZWJ sequence.
                tagged("http://example.org/anno5", serde_json::json!({
                    "source": "http://example.com/vote.txt",
                    "selector": {"type": "TextPositionSelector", "start": f1, "end": f1 + 2}})),
            ]
        }
    });
    write(&ws.src("collection1.json"), collection.to_string().as_bytes());
    let out = marginalia(&["import", ws.src("collection1.json").to_str().unwrap(), "--into", ws.target().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("3 of 3 annotation(s) imported for vote.txt"), "{stdout}");
    assert!(
        stdout.contains("not carried: http://example.org/anno1 has no TextQuoteSelector or TextPositionSelector"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not carried: http://example.org/anno2 has its TextQuoteSelector inside the refinedBy of a FragmentSelector \"t=30,60\""),
        "{stdout}"
    );
    assert!(!stdout.contains("position did not hold it"), "no position was given: {stdout}");
    assert!(stdout.contains("1 annotation(s) with a quote and no position were placed"), "{stdout}");
    assert!(stdout.contains("1 position(s) split a character"), "{stdout}");
    assert!(stdout.contains("http://example.org/anno5"), "{stdout}");
    let session = marginalia::Session::open(&ws.target().join("vote.txt"), None, "ana").unwrap();
    let quotes: Vec<&str> = session.edits.annotations().iter().map(|a| a.exact.as_str()).collect();
    assert!(quotes.contains(&"👩\u{200d}👩\u{200d}👧"), "widened to the whole family: {quotes:?}");
    assert!(quotes.contains(&"dit-on") && quotes.contains(&"Le pont sera prêt en 2027"), "{quotes:?}");

    // A file where nothing can be placed is refused, saying why, and nothing is written.
    let only_web = serde_json::json!([
        {"id": "http://example.org/anno1", "type": "Annotation", "body": "http://example.net/c", "target": "http://example.com/page1"}
    ]);
    write(&ws.src("web.json"), only_web.to_string().as_bytes());
    let before = ws.all_files();
    let err = import(&ws.src("web.json"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "http://example.org/anno1 has no TextQuoteSelector");
}

// ---------------------------------------------------------------------------------------------
// SemEval-2020 Task 11.

const ARTICLE_111: &str = "Le « Comité » a encore frappé : ces bureaucrates irresponsables veulent taxer nos bateaux 🚤.\n\nPensez-y : soit vous votez non, soit le port meurt. Soit vous votez non !\r\nLe port, notre fierté, notre âme.\n";
const ARTICLE_222: &str = "Un article sans technique, mais avec un é et un 🐟.\n";

/// The code points (begin, end) of the `n`-th occurrence of `quote` in `text`.
fn nth_cp(text: &str, quote: &str, n: usize) -> (usize, usize) {
    let b = text.match_indices(quote).nth(n).map(|(b, _)| b).unwrap();
    let s = text[..b].chars().count();
    (s, s + quote.chars().count())
}

/// The labels of article 111, in the documented order (begin, end, technique).
fn labels_111() -> String {
    let mut rows = [
        (nth_cp(ARTICLE_111, "bureaucrates irresponsables", 0), "Name_Calling,Labeling"),
        (nth_cp(ARTICLE_111, "irresponsables", 0), "Loaded_Language"),
        (nth_cp(ARTICLE_111, "soit vous votez non, soit le port meurt", 0), "Black-and-White_Fallacy"),
        (nth_cp(ARTICLE_111, "vous votez non", 1), "Repetition"),
        (nth_cp(ARTICLE_111, "Le port, notre fierté, notre âme", 0), "Flag-Waving"),
        (nth_cp(ARTICLE_111, "Le port, notre fierté, notre âme", 0), "Slogans"),
    ];
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    rows.iter().map(|((b, e), t)| format!("111\t{t}\t{b}\t{e}\n")).collect()
}

/// The data set's layout: `train-articles/` beside `train-labels-task-flc-tc/` (and an SI
/// folder), one empty labels file for an article without techniques.
fn semeval_dataset(root: &Path) -> std::path::PathBuf {
    let articles = root.join("datasets/train-articles");
    let tc = root.join("datasets/train-labels-task-flc-tc");
    std::fs::create_dir_all(&articles).unwrap();
    std::fs::create_dir_all(&tc).unwrap();
    write(&articles.join("article111.txt"), ARTICLE_111.as_bytes());
    write(&articles.join("article222.txt"), ARTICLE_222.as_bytes());
    write(&tc.join("article111.task-flc-tc.labels"), labels_111().as_bytes());
    write(&tc.join("article222.task-flc-tc.labels"), b"");
    tc
}

#[test]
fn semeval_labels_import_and_export_byte_identical() {
    let ws = Workspace::new();
    let tc = semeval_dataset(&ws.src(""));
    let out = marginalia(&["import", tc.to_str().unwrap(), "--into", ws.target().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("6 annotation(s) from 6 row(s) imported into 2 article(s)"), "{stdout}");
    assert!(stdout.contains("nothing was left out"), "{stdout}");

    // Technique names keep their commas, and the built-in codebook needs no mapping.
    let session = marginalia::Session::open(&ws.target().join("article111.txt"), None, "ana").unwrap();
    let cb = session.edits.codebook();
    assert_eq!(cb.name, "SemEval-2020 propaganda techniques");
    assert_eq!(cb.codes.len(), 14, "no code was added: {:?}", cb.codes.iter().map(|c| &c.id).collect::<Vec<_>>());
    let name_calling = session.edits.annotations().iter().find(|a| a.code == "Name_Calling,Labeling").unwrap();
    assert_eq!(name_calling.exact, "bureaucrates irresponsables");
    assert_eq!(cb.code("Name_Calling,Labeling").unwrap().name, "Name calling or labelling");

    let export = ws.dir.path().join("export");
    let out = marginalia(&["export", ws.target().to_str().unwrap(), "--format", "semeval", "-o", export.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("not SemEval-2020 techniques"), "{stdout}");
    assert_eq!(std::fs::read_to_string(export.join("article111.task-flc-tc.labels")).unwrap(), labels_111());
    assert_eq!(std::fs::read(export.join("article222.task-flc-tc.labels")).unwrap(), b"");
    assert_eq!(std::fs::read_to_string(export.join("article111.txt")).unwrap(), ARTICLE_111);
    // The SI file: each span once, same order, "irresponsables" merged into the span around
    // it (the task's span scorer refuses overlapping spans).
    let si = std::fs::read_to_string(export.join("article111.task-si.labels")).unwrap();
    assert_eq!(si.lines().count(), 4, "{si}");
    assert!(si.lines().all(|l| l.split('\t').count() == 3), "{si}");

    // The SI file goes round too: imported alone (code "propaganda"), exported the same.
    let ws2 = Workspace::new();
    write(&ws2.src("article111.txt"), ARTICLE_111.as_bytes());
    write(&ws2.src("article111.task-si.labels"), si.as_bytes());
    let summary = import(&ws2.src("article111.task-si.labels"), Some(&ws2.target()), "ana").unwrap();
    assert!(summary.carried[0].contains("4 annotation(s)"), "{summary:?}");
    let export2 = ws2.dir.path().join("export");
    let out = marginalia(&["export", ws2.target().to_str().unwrap(), "--format", "semeval", "-o", export2.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(export2.join("article111.task-si.labels")).unwrap(), si);
    assert_eq!(std::fs::read(export2.join("article111.task-flc-tc.labels")).unwrap(), b"", "no technique was given");

    // Python slices the exported text with the exported offsets to the same quotes.
    let python = std::process::Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !python {
        assert!(std::env::var_os("CI").is_none(), "python3 is required on CI");
        eprintln!("python3 not found: the slicing check is skipped");
        return;
    }
    let script = r#"
import sys
text = open(sys.argv[1], encoding="utf-8", newline="").read()
for line in open(sys.argv[2], encoding="utf-8", newline=""):
    article, technique, begin, end = line.rstrip("\n").split("\t")
    print(technique + "|" + text[int(begin):int(end)].replace("\n", "\\n").replace("\r", "\\r"))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(export.join("article111.txt"))
        .arg(export.join("article111.task-flc-tc.labels"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let python_slices = String::from_utf8(out.stdout).unwrap();
    let ours: String = session
        .edits
        .annotations()
        .iter()
        .map(|a| (a.start, a.end, a.code.clone(), a.exact.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|(_, _, code, exact)| format!("{code}|{}\n", exact.replace('\n', "\\n").replace('\r', "\\r")))
        .collect();
    assert_eq!(python_slices, ours);
    assert!(python_slices.contains("Slogans|Le port, notre fierté, notre âme"), "{python_slices}");
}

/// The task's scorer compares rows in file order: rows come back in theirs, a repeated row once.
#[test]
fn semeval_rows_out_of_order_keep_their_order_and_duplicates_come_back_once() {
    let ws = Workspace::new();
    write(&ws.src("article111.txt"), ARTICLE_111.as_bytes());
    let sorted = labels_111();
    let mut rows: Vec<&str> = sorted.lines().collect();
    rows.reverse();
    let reversed: String = rows.iter().map(|r| format!("{r}\n")).collect();
    rows.push(rows[0]);
    let shuffled: String = rows.iter().map(|r| format!("{r}\n")).collect();
    write(&ws.src("article111.task-flc-tc.labels"), shuffled.as_bytes());
    let summary = import(&ws.src(""), Some(&ws.target()), "ana").unwrap();
    assert!(summary.not_carried.iter().any(|l| l.contains("1 row(s) repeating another row")), "{summary:?}");
    let export = ws.dir.path().join("export");
    let out = marginalia(&["export", ws.target().to_str().unwrap(), "--format", "semeval", "-o", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(export.join("article111.task-flc-tc.labels")).unwrap(), reversed);
}

#[test]
fn semeval_bad_labels_are_refused_with_their_line() {
    let ws = Workspace::new();
    write(&ws.src("article111.txt"), ARTICLE_111.as_bytes());
    let cases: [(&str, &str, usize); 5] = [
        ("111\tLoaded_Language\t10\n", "has 3 tab-separated field(s)", 1),
        ("111\tDoubt\t1\t5\n111\tLoaded_Language\tten\t20\n", "\"ten\" is not a whole number", 2),
        ("111\tDoubt\t9\t5\n", "empty or reversed", 1),
        ("111\tDoubt\t1\t9999\n", "runs past the end", 1),
        // Comma-separated rows (as a spreadsheet might save them) are not split on commas.
        ("111,Name_Calling,Labeling,1,5\n", "has 1 tab-separated field(s)", 1),
    ];
    for (labels, needle, line) in cases {
        write(&ws.src("article111.task-flc-tc.labels"), labels.as_bytes());
        let before = ws.all_files();
        let err = import(&ws.src("article111.task-flc-tc.labels"), Some(&ws.target()), "ana").unwrap_err();
        assert_refused(&ws, &before, &err, needle);
        assert_eq!(err.place.map(|p| p.line), Some(line), "{err}");
    }
    // Labels without their article's text: refused, saying where the text was looked for.
    std::fs::remove_file(ws.src("article111.txt")).unwrap();
    write(&ws.src("article111.task-flc-tc.labels"), b"111\tDoubt\t1\t5\n");
    let before = ws.all_files();
    let err = import(&ws.src("article111.task-flc-tc.labels"), Some(&ws.target()), "ana").unwrap_err();
    assert_refused(&ws, &before, &err, "no text for article111.txt");
}

/// Mutated labels files give an error or an import, never a panic.
#[test]
fn mutated_semeval_labels_never_panic() {
    use marginalia::import::semeval::{Task, parse};
    let good = labels_111();
    let bytes = good.as_bytes();
    let path = Path::new("article111.task-flc-tc.labels");
    let mut seed = 0x2545_f491_u64;
    for round in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut m = bytes.to_vec();
        let at = (seed as usize) % m.len();
        match round % 4 {
            0 => m.truncate(at),
            1 => m[at] = b"\t\n,-9x\r "[(seed >> 20) as usize % 8],
            2 => m.insert(at, (seed >> 8) as u8),
            _ => {
                m.remove(at);
            }
        }
        let text = String::from_utf8_lossy(&m);
        for task in [Task::Tc, Task::Si] {
            if let Ok(rows) = parse(path, &text, task) {
                assert!(rows.iter().all(|r| r.begin < r.end));
            }
        }
    }
}

/// Mutated brat, W3C and SemEval files, imported for real: each gives an import or an error
/// with a message, never a panic.
#[test]
fn mutated_import_files_never_panic() {
    let ws = Workspace::new();
    write(&ws.src("press.txt"), TEXT.as_bytes());
    write(&ws.src("article111.txt"), ARTICLE_111.as_bytes());
    let (s1, e1) = cp("Le marché “bio” ouvrira le samedi 🍎");
    let brat = format!(
        "T1\tAnnonce {s1} {e1}\tLe marché “bio” ouvrira le samedi 🍎\nE1\tAnnonce:T1\n#1\tAnnotatorNotes E1\tx\n#2\tAnnotatorNotes T1\ty\nA1\tUrgent T1\n"
    );
    let w3c = w3c_annotation("file:///x/press.txt", s1 as i64, e1 as i64, "Le marché “bio” ouvrira le samedi 🍎");
    let labels = labels_111();
    let inputs: [(&str, &[u8]); 3] =
        [("press.ann", brat.as_bytes()), ("a.json", w3c.as_bytes()), ("article111.task-flc-tc.labels", labels.as_bytes())];
    let mut seed = 0x9e37_79b9_u64;
    for (name, good) in inputs {
        for round in 0..150 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut m = good.to_vec();
            let at = (seed as usize) % m.len();
            match round % 3 {
                0 => m.truncate(at),
                1 => {
                    let pool = b"\t\n:;{}\"0-9 ";
                    m[at] = pool[(seed >> 20) as usize % pool.len()];
                }
                _ => {
                    m.remove(at);
                }
            }
            write(&ws.src(name), &m);
            let into = ws.dir.path().join(format!("into-{round}"));
            std::fs::create_dir_all(&into).unwrap();
            std::fs::copy(ws.src("press.txt"), into.join("press.txt")).unwrap();
            if let Err(e) = import(&ws.src(name), Some(&into), "ana") {
                assert!(!e.to_string().trim().is_empty());
            }
        }
    }
}

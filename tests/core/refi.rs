//! REFI-QDA exchange: codebooks (.qdc) and projects (.qdpx) written by Marginalia validate
//! against the REFI-QDA schemas, read back to what was written, files from other programs are
//! read, and hostile archives are refused without writing anything outside the target folder.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use marginalia::codebook::{self, Codebook};
use marginalia::edits::Action;
use marginalia::refi::{qdc, qdpx};
use marginalia::{Annotation, Session, Span};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/refi/other-tool.qdc");

/// The REFI-QDA schemas (MIT licensed, www.qdasoftware.org), kept beside the fixtures.
fn schema(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi").join(name)
}

/// Validates `xml` against `xsd` with xmllint. Without xmllint the check is skipped locally
/// but fails on CI (where `CI` is set).
fn assert_valid(xml: &str, xsd: &str) {
    let available = Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success());
    if !available {
        assert!(std::env::var_os("CI").is_none(), "xmllint is required on CI (install libxml2-utils)");
        eprintln!("xmllint not found: schema validation skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, xml).unwrap();
    let xsd_path = schema(xsd);
    assert!(xsd_path.is_file(), "missing schema {}", xsd_path.display());
    let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd_path).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{xsd} rejects the file:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        xml.chars().take(3000).collect::<String>()
    );
}

/// A codebook that uses every field, with groups and an escaped description.
fn custom_codebook() -> Codebook {
    Codebook::from_ron(
        r##"(
    name: "Harbour letters",
    description: "Letters to the editor about the harbour.",
    codes: [
        (id: "tone", name: "Tone", description: "How the letter sounds.", colour: "#999999", cue: Box),
        (id: "angry", name: "Angry <loud> & rude", description: "Shouting: \"enough!\" — or 'worse'.",
         example: "This is an outrage!", colour: "#D55E00", cue: Wavy, key: Some('1'), parent: Some("tone")),
        (id: "calm", name: "Calm", description: "", colour: "#0072B2", cue: Solid, key: Some('2'), parent: Some("tone")),
        (id: "proposal", name: "Proposal", description: "Suggests a change.", colour: "#009E73", cue: Dashed, key: Some('3'),
         attributes: [(id: "cost", name: "Cost mentioned", kind: Flag)]),
    ],
)"##,
    )
    .unwrap()
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Carried {
    name: String,
    colour: String,
    description: String,
    example: String,
    group: Option<String>,
    is_group: bool,
}

/// What QDC carries of a codebook, by name.
fn carried(cb: &Codebook) -> Vec<Carried> {
    let mut v: Vec<Carried> = cb
        .codes
        .iter()
        .map(|c| Carried {
            name: c.name.clone(),
            colour: c.colour.to_uppercase(),
            description: c.description.clone(),
            example: c.example.clone(),
            group: cb.group_name(&c.id).map(str::to_owned),
            is_group: cb.is_group(&c.id),
        })
        .collect();
    v.sort();
    v
}

#[test]
fn ron_to_qdc_to_ron_keeps_what_qdc_carries() {
    let mut books: Vec<Codebook> = codebook::builtin().into_iter().map(|(_, cb)| cb).collect();
    books.push(custom_codebook());
    for cb in books {
        let xml = qdc::export(&cb);
        assert_valid(&xml, "Codebook.xsd");
        let back = qdc::import(&xml).unwrap_or_else(|e| panic!("{}: {e}", cb.name));
        assert_eq!(carried(&back), carried(&cb), "{}", cb.name);
        // Through RON and back: the same codebook, and exporting again gives the same file.
        let again = Codebook::from_ron(&back.to_ron()).unwrap();
        assert_eq!(again, back);
        assert_eq!(qdc::export(&again), xml, "{}: re-export differs", cb.name);
        // Keys and cues are assigned so that codes stay distinguishable.
        assert!(back.indistinguishable().is_empty(), "{}", cb.name);
    }
}

#[test]
fn qdc_export_is_stable_and_escaped() {
    let cb = custom_codebook();
    let xml = qdc::export(&cb);
    assert_eq!(xml, qdc::export(&cb.clone()));
    assert!(xml.contains("name=\"Angry &lt;loud&gt; &amp; rude\""), "{xml}");
    assert!(xml.contains("isCodable=\"false\""), "the group is not codable: {xml}");
    // GUIDs are derived from the ids, so they survive renaming a code.
    let mut renamed = cb.clone();
    renamed.code_mut("calm").unwrap().name = "Composed".into();
    let guid_of = |xml: &str, name: &str| {
        let at = xml.find(&format!("name=\"{name}\"")).unwrap();
        let before = &xml[..at];
        let g = before.rfind("guid=\"").unwrap() + 6;
        xml[g..g + 36].to_owned()
    };
    assert_eq!(guid_of(&xml, "Calm"), guid_of(&qdc::export(&renamed), "Composed"));
}

#[test]
fn a_codebook_from_another_tool_imports() {
    let xml = std::fs::read_to_string(FIXTURE).unwrap();
    assert_valid(&xml, "Codebook.xsd");
    let imported = qdc::import_detailed(&xml, "Council").unwrap();
    let cb = &imported.codebook;
    cb.validate().unwrap();
    assert_eq!(cb.codes.len(), 8);
    let services = cb.resolve("Public services").unwrap();
    assert_eq!(services.colour, "#FF0000", "#F00 is widened");
    assert_eq!(services.description, "Everything about services the council runs & pays for.");
    assert!(services.parent.is_none());
    assert_eq!(services.id, "3f2a9c10-7b4e-4d21-9a0b-11c2d3e4f501", "the GUID, without braces, is the id");
    let transport = cb.resolve("Transport").unwrap();
    assert_eq!(transport.colour, "#00AA00");
    assert_eq!(transport.description, "Buses, ferries <and> the new tram line.");
    assert_eq!(transport.parent.as_deref(), Some(services.id.as_str()));
    // Three levels deep: moved up under the top-level group, with a note.
    let fares = cb.resolve("Fares").unwrap();
    assert_eq!(fares.parent.as_deref(), Some(services.id.as_str()));
    assert_eq!(fares.description, "What a ticket costs: \"too much\", say the letters — or 'fair'?");
    assert!(imported.notes.iter().any(|n| n.contains("\"Fares\"") && n.contains("3 levels")), "{:?}", imported.notes);
    // Two codes named "Other" are told apart by their path.
    let others: Vec<&str> = cb.codes.iter().filter(|c| c.name.contains("Other")).map(|c| c.name.as_str()).collect();
    assert_eq!(others.len(), 2);
    assert!(others.contains(&"Other") && others.iter().any(|n| n.contains("Tone / Other")), "{others:?}");
    assert_eq!(cb.resolve("Tone / Other").unwrap().colour, "#999999");
    // A code without a colour gets one from the safe palette; groups have no key.
    let tone = cb.resolve("Tone").unwrap();
    assert!(codebook::SAFE_PALETTE.iter().any(|(hex, _)| *hex == tone.colour));
    assert_eq!(tone.key, None);
    assert!(cb.resolve("Angry").unwrap().key.is_some());
    assert!(cb.indistinguishable().is_empty());
    // Re-exported, the original GUIDs are kept.
    let again = qdc::export(cb);
    assert_valid(&again, "Codebook.xsd");
    assert!(again.contains("guid=\"3f2a9c10-7b4e-4d21-9a0b-11c2d3e4f503\""));
}

#[test]
fn the_cli_imports_a_qdc_and_exports_one() {
    let dir = tempfile::tempdir().unwrap();
    let ron = dir.path().join("council.ron");
    let out =
        Command::new(env!("CARGO_BIN_EXE_marginalia")).args(["codebook", "import", FIXTURE, "-o"]).arg(&ron).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Fares"), "the flattening is reported");
    let cb = Codebook::load(&ron).unwrap();
    assert!(cb.resolve("Fares").is_some());
    let qdc_out = dir.path().join("council.qdc");
    let status = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["codebook", "export", "--format", "qdc", "--from"])
        .arg(&ron)
        .arg("-o")
        .arg(&qdc_out)
        .status()
        .unwrap();
    assert!(status.success());
    let xml = std::fs::read_to_string(&qdc_out).unwrap();
    assert_eq!(carried(&qdc::import(&xml).unwrap()), carried(&cb));
}

#[test]
fn doctype_and_entities_are_refused() {
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE CodeBook [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="3f2a9c10-7b4e-4d21-9a0b-11c2d3e4f501" name="&secret;" isCodable="true"/>
</Codes></CodeBook>"#;
    let err = qdc::import(xxe).unwrap_err();
    assert!(err.message.contains("DOCTYPE"), "{err}");
    assert_eq!(err.place.map(|p| p.line), Some(2));
    let undefined = r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="3f2a9c10-7b4e-4d21-9a0b-11c2d3e4f501" name="x" isCodable="true"><Description>a &nbsp; b</Description></Code>
</Codes></CodeBook>"#;
    let err = qdc::import(undefined).unwrap_err();
    assert!(err.message.contains("&nbsp;"), "{err}");
    let broken = "<CodeBook><Codes><Code guid=\"x\" name=\"a\" isCodable=\"true\"></Codes></CodeBook>";
    let err = qdc::import(broken).unwrap_err();
    assert!(err.message.contains("not well-formed") && err.place.is_some(), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Projects

/// A letter with CRLF line ends, curly quotes, dashes, accents and an emoji.
const LETTER: &str = "Dear Editor,\r\n\r\nMrs Åsa Lindqvist wrote that the “new ferry” will cost €2 more — I say it will cost us the island. 🚢 \
The council must publish the figures before Friday.\r\n\r\nYours, José Ñúñez\r\n";
const SPEECH: &str = "Friends — neighbours — we were promised a tram by 2030.\nThey will say it cannot be done. 🙂 It can.\n";

/// (quote, code, note, attributes)
type Item<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

fn annotate(doc: &Path, sidecar: Option<PathBuf>, coder: &str, items: &[Item]) {
    let mut s = Session::open(doc, sidecar.as_deref(), coder).unwrap();
    for (quote, code, note, attrs) in items {
        let byte = s.doc.text().find(quote).unwrap_or_else(|| panic!("{quote}"));
        let start = s.doc.char_of(byte);
        let span = Span::new(start, start + quote.chars().count());
        let mut a = Annotation::new(&s.doc, span, code, coder);
        a.note = (*note).to_owned();
        for (k, v) in *attrs {
            a.attributes.insert((*k).to_owned(), (*v).to_owned());
        }
        s.apply(Action::Add(a)).unwrap();
    }
    s.save().unwrap();
}

/// A folder with two documents and two coders.
fn sample_corpus(dir: &Path) -> PathBuf {
    let folder = dir.join("letters");
    std::fs::create_dir(&folder).unwrap();
    let letter = folder.join("letter-åsa.txt");
    std::fs::write(&letter, LETTER).unwrap();
    let speech = folder.join("speech.txt");
    std::fs::write(&speech, SPEECH).unwrap();
    annotate(
        &letter,
        None,
        "maría",
        &[
            (
                "the “new ferry” will cost €2 more",
                "factual-assertion",
                "Check the fare table — line 2.\r\nSecond line & <tags>.",
                &[("verdict", "misleading"), ("checkable", "yes")],
            ),
            ("I say it will cost us the island. 🚢", "opinion", "", &[]),
            ("The council must publish the figures before Friday.", "demand", "", &[("addressee", "the council\nand its clerk")]),
        ],
    );
    let second = marginalia::sidecar::coder_path(&letter, "tom");
    annotate(
        &letter,
        Some(second),
        "tom",
        &[("the “new ferry” will cost €2 more", "prediction", "I read it as a forecast.", &[])],
    );
    annotate(
        &speech,
        None,
        "maría",
        &[("we were promised a tram by 2030", "factual-assertion", "", &[]), ("🙂", "opinion", "emoji only", &[])],
    );
    folder
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    document: String,
    coder: String,
    start: usize,
    end: usize,
    exact: String,
    code: String,
    note: String,
    attributes: Vec<(String, String)>,
}

fn seen(folder: &Path) -> Vec<Seen> {
    let corpus = marginalia::corpus::load(folder).unwrap();
    let mut v = Vec::new();
    for d in &corpus.documents {
        for sc in &d.sidecars {
            for a in &sc.sidecar.annotations {
                v.push(Seen {
                    document: d.doc.file_name(),
                    coder: a.coder.clone(),
                    start: a.start,
                    end: a.end,
                    exact: a.exact.clone(),
                    code: sc.sidecar.codebook.code(&a.code).map(|c| c.name.clone()).unwrap_or_default(),
                    note: a.note.clone(),
                    attributes: a.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                });
            }
        }
    }
    v.sort();
    v
}

fn read_entry(archive: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
    s
}

#[test]
fn a_project_exports_validates_and_imports_to_the_same_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let folder = sample_corpus(dir.path());
    let corpus = marginalia::corpus::load(&folder).unwrap();
    let out = dir.path().join("letters.qdpx");
    let mut calls = Vec::new();
    let report = qdpx::export(&corpus, &out, |done, total| {
        calls.push((done, total));
        true
    })
    .unwrap();
    assert_eq!((report.documents, report.annotations, report.coders), (2, 6, 2));
    // Progress counts annotations, reported after each document.
    assert_eq!(calls.len(), 2);
    assert!(calls[0].0 < 6 && calls[1] == (6, 6), "{calls:?}");

    let qde = read_entry(&out, "project.qde");
    assert_valid(&qde, "Project-mrt2019.xsd");
    assert!(qde.contains("<User guid=") && qde.contains("name=\"maría\"") && qde.contains("name=\"tom\""));
    // Positions are code points: the emoji is one position, CRLF two.
    let text = LETTER;
    let quote = "I say it will cost us the island. 🚢";
    let start = text[..text.find(quote).unwrap()].chars().count();
    assert!(qde.contains(&format!("startPosition=\"{start}\" endPosition=\"{}\"", start + quote.chars().count())), "{qde}");
    // The note and the attributes are in the description, escaped.
    assert!(qde.contains("Second line &amp; &lt;tags&gt;."), "{qde}");
    assert!(qde.contains(qdpx::ATTRIBUTES_HEADER) && qde.contains("verdict: misleading"));
    // The sources are the texts, byte for byte.
    let source = qde.split("plainTextPath=\"internal://").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let body = read_entry(&out, &format!("sources/{source}"));
    assert!(body == LETTER || body == SPEECH);

    // Exporting again gives the same archive.
    let out2 = dir.path().join("again.qdpx");
    qdpx::export(&corpus, &out2, |_, _| true).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&out2).unwrap());

    let target = dir.path().join("imported");
    let summary = qdpx::import(&out, &target).unwrap();
    assert_eq!(summary.documents.len(), 2);
    assert_eq!(summary.annotations, 6);
    assert!(summary.not_imported.is_empty(), "{:?}", summary.not_imported);
    assert!(target.join("letter-åsa.txt").is_file() && target.join("codebook.ron").is_file());
    assert_eq!(std::fs::read_to_string(target.join("letter-åsa.txt")).unwrap(), LETTER);
    assert!(target.join("letter-åsa.txt.tom.annotations.ron").is_file());
    assert_eq!(seen(&target), seen(&folder));

    // Importing again into the same folder never replaces what is there.
    let summary = qdpx::import(&out, &target).unwrap();
    assert!(summary.documents.iter().all(|p| p.file_name().unwrap().to_string_lossy().contains("(2)")), "{summary:?}");
    assert!(summary.codebook_path.is_none());
    assert_eq!(std::fs::read_to_string(target.join("letter-åsa.txt")).unwrap(), LETTER);
}

/// Writes a .qdpx with the given entries (name, bytes).
fn make_qdpx(path: &Path, entries: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

const SOURCE_GUID: &str = "0a1b2c3d-0000-4000-8000-000000000001";

fn project_qde(selection: &str, path: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Other tool">
  <Users><User guid="0a1b2c3d-0000-4000-8000-0000000000aa" name="Kim"/></Users>
  <CodeBook><Codes>
    <Code guid="{{0A1B2C3D-0000-4000-8000-0000000000C1}}" name="Housing" isCodable="true" color="#F00"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE_GUID}" name="notes.docx" plainTextPath="{path}">
      {selection}
    </TextSource>
    <PictureSource guid="0a1b2c3d-0000-4000-8000-000000000002" name="map.png" path="internal://0a1b2c3d-0000-4000-8000-000000000002.png">
      <PictureSelection guid="0a1b2c3d-0000-4000-8000-000000000003" firstX="1" firstY="1" secondX="9" secondY="9">
        <Coding guid="0a1b2c3d-0000-4000-8000-000000000004"><CodeRef targetGUID="0a1b2c3d-0000-4000-8000-0000000000c1"/></Coding>
      </PictureSelection>
    </PictureSource>
  </Sources>
  <Notes>
    <Note guid="0a1b2c3d-0000-4000-8000-0000000000e1" name="memo"><PlainTextContent>Ask Kim about this.</PlainTextContent></Note>
  </Notes>
  <Sets><Set guid="0a1b2c3d-0000-4000-8000-0000000000f1" name="Key codes"/></Sets>
</Project>
"##
    )
}

const NOTES_TEXT: &str = "Rent rose 40 % in Sørby — “unbearable”, says a tenant. 🏠\r\nThe end.";

fn good_selection() -> String {
    r#"<PlainTextSelection guid="0a1b2c3d-0000-4000-8000-000000000010" startPosition="0" endPosition="19" creatingUser="0a1b2c3d-0000-4000-8000-0000000000aa">
        <Description>Check the source.</Description>
        <Coding guid="0a1b2c3d-0000-4000-8000-000000000011" creatingUser="0a1b2c3d-0000-4000-8000-0000000000aa"><CodeRef targetGUID="{0A1B2C3D-0000-4000-8000-0000000000C1}"/></Coding>
        <NoteRef targetGUID="0a1b2c3d-0000-4000-8000-0000000000e1"/>
      </PlainTextSelection>
      <PlainTextSelection guid="0a1b2c3d-0000-4000-8000-000000000012" startPosition="55" endPosition="56"/>"#
        .to_owned()
}

#[test]
fn a_project_from_another_tool_imports_and_lists_what_it_cannot_carry() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("other.qdpx");
    let qde = project_qde(&good_selection(), &format!("internal://{SOURCE_GUID}.txt"));
    assert_valid(&qde, "Project-mrt2019.xsd");
    let source = format!("Sources/{}.TXT", SOURCE_GUID.to_uppercase());
    make_qdpx(&archive, &[("project.qde", qde.as_bytes()), (&source, NOTES_TEXT.as_bytes())]);
    let target = dir.path().join("in");
    let summary = qdpx::import(&archive, &target).unwrap();
    assert_eq!(summary.documents, vec![target.join("notes.txt")]);
    assert_eq!(summary.annotations, 1);
    let all = summary.not_imported.join("\n");
    assert!(all.contains("picture source \"map.png\" with 1 coding"), "{all}");
    assert!(all.contains("set"), "{all}");
    assert!(all.contains("has no code"), "the uncoded selection is listed: {all}");
    let found = seen(&target);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].exact, "Rent rose 40 % in S");
    assert_eq!(found[0].code, "Housing");
    assert_eq!(found[0].coder, "Kim");
    assert_eq!(found[0].note, "Check the source.\n\nAsk Kim about this.");
    assert!(summary.report().contains("not imported: the picture source"));
}

/// The hostile archive is refused with a message containing `expected`, the target folder is
/// not created, and nothing appears beside it.
fn assert_refused(entries: &[(&str, &[u8])], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("hostile.qdpx");
    make_qdpx(&archive, entries);
    let before: BTreeSet<PathBuf> = walk(dir.path());
    let target = dir.path().join("sub").join("target");
    let err = qdpx::import(&archive, &target).expect_err("a hostile archive must be refused");
    assert!(err.to_string().contains(expected), "expected \"{expected}\" in: {err}");
    assert!(!target.exists(), "nothing may be written");
    assert_eq!(walk(dir.path()), before, "nothing may be written anywhere");
}

fn walk(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.insert(p);
    }
    out
}

fn ok_qde() -> String {
    project_qde(&good_selection(), &format!("internal://{SOURCE_GUID}.txt"))
}

#[test]
fn entries_escaping_the_archive_are_refused() {
    let qde = ok_qde();
    let source = format!("sources/{SOURCE_GUID}.txt");
    for evil in ["../../escaped.txt", "/tmp/absolute.txt", "sources/../../up.txt", "C:/windows.txt", "sources\\..\\..\\b.txt"] {
        assert_refused(
            &[("project.qde", qde.as_bytes()), (&source, NOTES_TEXT.as_bytes()), (evil, b"gotcha")],
            "points outside the archive",
        );
    }
}

#[test]
fn source_paths_escaping_the_sources_folder_are_refused() {
    let qde = project_qde(&good_selection(), "internal://../../../etc/passwd");
    assert_refused(&[("project.qde", qde.as_bytes())], "outside the archive's sources folder");
}

#[test]
fn decompression_bombs_are_refused() {
    let qde = ok_qde();
    let source = format!("sources/{SOURCE_GUID}.txt");
    let zeros = vec![b'a'; 64 * 1024 * 1024];
    assert_refused(&[("project.qde", qde.as_bytes()), (&source, &zeros)], "decompression bomb");
}

#[test]
fn a_doctype_in_the_project_is_refused() {
    let qde = ok_qde().replacen("<Project", "<!DOCTYPE Project [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<Project", 1);
    let source = format!("sources/{SOURCE_GUID}.txt");
    assert_refused(&[("project.qde", qde.as_bytes()), (&source, NOTES_TEXT.as_bytes())], "DOCTYPE");
}

#[test]
fn selections_outside_the_text_are_refused() {
    let sel = good_selection().replace("endPosition=\"19\"", "endPosition=\"5000\"");
    let qde = project_qde(&sel, &format!("internal://{SOURCE_GUID}.txt"));
    let source = format!("sources/{SOURCE_GUID}.txt");
    assert_refused(&[("project.qde", qde.as_bytes()), (&source, NOTES_TEXT.as_bytes())], "outside the text's");
}

#[test]
fn a_file_that_is_not_a_zip_is_refused() {
    assert_refused(&[], "holds no project.qde");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.qdpx");
    std::fs::write(&p, "not a zip").unwrap();
    let err = qdpx::import(&p, &dir.path().join("t")).unwrap_err();
    assert!(err.to_string().contains("zip archive"), "{err}");
}

/// The general `export` and `import` commands carry REFI-QDA projects too.
#[test]
fn export_and_import_commands_carry_qdpx() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("letter.txt");
    std::fs::write(&doc, "Dear Mayor Ōtake,\r\nplease keep the night buses running. 🚌 Thank you!\r\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_marginalia");
    let run = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "add".as_ref(),
        doc.as_os_str(),
        "--quote".as_ref(),
        "keep the night buses running".as_ref(),
        "--code".as_ref(),
        "demand".as_ref(),
        "--note".as_ref(),
        "polite but firm".as_ref(),
    ]);
    let project = dir.path().join("out.qdpx");
    run(&["export".as_ref(), doc.as_os_str(), "--format".as_ref(), "qdpx".as_ref(), "-o".as_ref(), project.as_os_str()]);
    let into = dir.path().join("imported");
    let summary = run(&["import".as_ref(), project.as_os_str(), "--into".as_ref(), into.as_os_str()]);
    assert!(summary.contains("1 annotation"), "{summary}");
    let docs: Vec<_> = std::fs::read_dir(&into)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    assert_eq!(docs.len(), 1);
    let listed = run(&["list".as_ref(), docs[0].as_os_str(), "--format".as_ref(), "json".as_ref()]);
    let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(rows[0]["exact"], "keep the night buses running");
    assert_eq!(rows[0]["note"], "polite but firm");
}

// ---------------------------------------------------------------------------------------------
// Projects and codebooks as other programs write them.

/// A schema-valid project whose text sources give `plainTextPath` as a path inside the archive
/// without `internal://`, and have no `name`.
#[test]
fn sources_by_plain_archive_path_and_without_names_import() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("other.qdpx");
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Other tool">
  <CodeBook><Codes>
    <Code guid="0a1b2c3d-0000-4000-8000-0000000000c1" name="Housing" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE_GUID}" plainTextPath="sources/rent-letter.txt">
      <PlainTextSelection guid="0a1b2c3d-0000-4000-8000-000000000010" startPosition="0" endPosition="9">
        <Coding guid="0a1b2c3d-0000-4000-8000-000000000011"><CodeRef targetGUID="0a1b2c3d-0000-4000-8000-0000000000c1"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="0a1b2c3d-0000-4000-8000-000000000020">
      <PlainTextContent>An inline text without a name.</PlainTextContent>
    </TextSource>
    <TextSource guid="0a1b2c3d-0000-4000-8000-000000000030" name="elsewhere" plainTextPath="file:///C:/Users/kim/elsewhere.txt"/>
  </Sources>
</Project>
"##
    );
    assert_valid(&qde, "Project-mrt2019.xsd");
    make_qdpx(&archive, &[("project.qde", qde.as_bytes()), ("sources/rent-letter.txt", NOTES_TEXT.as_bytes())]);
    let target = dir.path().join("in");
    let summary = qdpx::import(&archive, &target).unwrap();
    assert_eq!(
        summary.documents,
        vec![target.join("rent-letter.txt"), target.join("0a1b2c3d-0000-4000-8000-000000000020.txt")],
        "{summary:?}"
    );
    assert!(!summary.not_imported.iter().any(|n| n.contains("rent-letter")), "{summary:?}");
    assert!(summary.not_imported.iter().any(|n| n.contains("\"elsewhere\": its text is outside the archive")), "{summary:?}");
    assert_eq!(seen(&target)[0].exact, "Rent rose");
    assert!(summary.notes.iter().any(|n| n.contains("without a name was named \"rent-letter.txt\"")), "{summary:?}");
    assert!(!target.join("(unnamed).txt").exists());
}

/// Codes of the same name three levels down under two parents of the same name: the second
/// gets its path once, not twice.
#[test]
fn duplicate_code_names_get_their_path_once() {
    let xml = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
  <Code guid="0a1b2c3d-0000-4000-8000-000000000101" name="Economy" isCodable="true">
    <Code guid="0a1b2c3d-0000-4000-8000-000000000102" name="Jobs" isCodable="true">
      <Code guid="0a1b2c3d-0000-4000-8000-000000000103" name="Wages" isCodable="true"/>
    </Code>
  </Code>
  <Code guid="0a1b2c3d-0000-4000-8000-000000000201" name="Politics" isCodable="true">
    <Code guid="0a1b2c3d-0000-4000-8000-000000000202" name="Jobs" isCodable="true">
      <Code guid="0a1b2c3d-0000-4000-8000-000000000203" name="Wages" isCodable="true"/>
    </Code>
  </Code>
</Codes></CodeBook>"##;
    assert_valid(xml, "Codebook.xsd");
    let imported = qdc::import_detailed(xml, "Topics").unwrap();
    let names: Vec<&str> = imported.codebook.codes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Economy", "Jobs", "Wages", "Politics", "Politics / Jobs", "Politics / Jobs / Wages"]);
    assert!(
        imported.notes.iter().any(|n| n.contains("\"Wages\" occurs twice; the second is named \"Politics / Jobs / Wages\"")),
        "{:?}",
        imported.notes
    );
}

/// `isCodable` as another program wrote it (a codable parent, a folder that is not a parent)
/// comes back out of `codebook import` then `codebook export` unchanged.
#[test]
fn is_codable_survives_codebook_import_and_export() {
    let xml = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
  <Code guid="0a1b2c3d-0000-4000-8000-000000000301" name="Housing" isCodable="true" color="#E69F00">
    <Code guid="0a1b2c3d-0000-4000-8000-000000000302" name="Rent" isCodable="true" color="#56B4E9"/>
  </Code>
  <Code guid="0a1b2c3d-0000-4000-8000-000000000401" name="Themes" isCodable="false" color="#999999">
    <Code guid="0a1b2c3d-0000-4000-8000-000000000402" name="Safety" isCodable="true" color="#009E73"/>
  </Code>
  <Code guid="0a1b2c3d-0000-4000-8000-000000000501" name="Unsorted" isCodable="false" color="#332288"/>
</Codes></CodeBook>"##;
    assert_valid(xml, "Codebook.xsd");
    let dir = tempfile::tempdir().unwrap();
    let qdc_in = dir.path().join("in.qdc");
    std::fs::write(&qdc_in, xml).unwrap();
    let ron = dir.path().join("topics.ron");
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["codebook", "import"])
        .arg(&qdc_in)
        .arg("-o")
        .arg(&ron)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let qdc_out = dir.path().join("out.qdc");
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["codebook", "export", "--format", "qdc", "--from"])
        .arg(&ron)
        .arg("-o")
        .arg(&qdc_out)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = std::fs::read_to_string(&qdc_out).unwrap();
    assert_valid(&again, "Codebook.xsd");
    let flag = |name: &str| {
        let at = again.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("{name} missing:\n{again}"));
        let rest = &again[at..];
        let v = rest.find("isCodable=\"").unwrap() + "isCodable=\"".len();
        rest[v..].split('"').next().unwrap().to_owned()
    };
    assert_eq!(flag("Housing"), "true", "a codable parent stays codable:\n{again}");
    assert_eq!(flag("Rent"), "true");
    assert_eq!(flag("Themes"), "false");
    assert_eq!(flag("Unsorted"), "false", "a folder without codes stays a folder");
    // The RON says only what differs from the default.
    let text = std::fs::read_to_string(&ron).unwrap();
    assert_eq!(text.matches("codable:").count(), 2, "{text}");
}

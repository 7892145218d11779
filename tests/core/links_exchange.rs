//! Links in the formats other tools read: brat relations survive import → export with every
//! relation kept, W3C `linking` annotations pass the reference validator and come back, the
//! REFI-QDA project validates against its schema and comes back, and the JSON lines, HTML and
//! agreement outputs show them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use marginalia::export::{self, Format, Options};
use marginalia::refi::qdpx;
use marginalia::{Action, Annotation, Link, Session, Span};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/brat").join(name)
}

/// Relations of a brat .ann as (type, (entity type, start, end) of Arg1, same of Arg2).
type Relation = (String, (String, usize, usize), (String, usize, usize));

fn relations(ann: &str) -> BTreeSet<Relation> {
    let mut entities: BTreeMap<&str, (String, usize, usize)> = BTreeMap::new();
    for line in ann.lines().filter(|l| l.starts_with('T')) {
        let fields: Vec<&str> = line.split('\t').collect();
        let head: Vec<&str> = fields[1].split(' ').collect();
        entities.insert(fields[0], (head[0].to_owned(), head[1].parse().unwrap(), head[2].parse().unwrap()));
    }
    ann.lines()
        .filter(|l| l.starts_with('R'))
        .map(|line| {
            let body = line.split('\t').nth(1).unwrap();
            let parts: Vec<&str> = body.split(' ').collect();
            let arg = |p: &str| entities[p.split_once(':').unwrap().1].clone();
            (parts[0].to_owned(), arg(parts[1]), arg(parts[2]))
        })
        .collect()
}

#[test]
fn brat_relations_survive_import_and_export_with_every_relation_kept() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for name in ["essay.txt", "essay.ann"] {
        std::fs::copy(fixture(name), src.join(name)).unwrap();
    }
    let folder = dir.path().join("project");
    std::fs::create_dir(&folder).unwrap();
    // A project with the built-in codebook, whose link types the essay's relations name.
    std::fs::write(folder.join("codebook.ron"), marginalia::codebook::CLAIMS_RON).unwrap();
    let summary = marginalia::import::import(&src.join("essay.ann"), Some(&folder), "ana").unwrap();
    assert!(summary.carried.iter().any(|c| c.contains("4 of 4 relation(s) imported as links")), "{summary:?}");
    assert!(summary.carried.iter().any(|c| c.contains("added 1 link type(s) to the codebook: Rebuts")), "{summary:?}");
    assert!(summary.not_carried.is_empty(), "{:?}", summary.not_carried);
    let session = Session::open(&folder.join("essay.txt"), None, "ana").unwrap();
    let noted = session.edits.links().iter().find(|l| l.link_type == "attacks").unwrap();
    assert_eq!(noted.note, "conceded, then answered");

    let out = dir.path().join("brat");
    let corpus = marginalia::corpus::load(&folder).unwrap();
    export::write(&corpus, Format::Brat, &Options::default(), &out, &|_, _| true).unwrap();
    let original = std::fs::read_to_string(fixture("essay.ann")).unwrap();
    let exported = std::fs::read_to_string(out.join("essay.ann")).unwrap();
    let expected = relations(&original);
    assert_eq!(expected.len(), 4);
    assert_eq!(relations(&exported), expected, "{exported}");
    assert!(exported.contains("#1\tAnnotatorNotes R"), "the relation's note goes back out: {exported}");
    // The configuration declares the relations, with the codes they may join, and labels them.
    let conf = std::fs::read_to_string(out.join("annotation.conf")).unwrap();
    let relations_section = conf.split("[relations]\n").nth(1).unwrap().split("[events]").next().unwrap();
    for line in [
        "supports\tArg1:<ENTITY>, Arg2:<ENTITY>",
        "Rebuts\tArg1:<ENTITY>, Arg2:<ENTITY>",
        "source-of\tArg1:attribution, Arg2:<ENTITY>",
    ] {
        assert!(relations_section.lines().any(|l| l == line), "{line:?} missing from:\n{relations_section}");
    }
    let visual = std::fs::read_to_string(out.join("visual.conf")).unwrap();
    assert!(visual.contains("evidence-for | Evidence for\n") && visual.contains("supports\tcolor:#009E73\n"), "{visual}");
}

#[test]
fn a_brat_relation_its_link_type_does_not_allow_is_counted_and_the_rest_imports() {
    let dir = tempfile::tempdir().unwrap();
    let text = "The rent rose 40%. Freeze it now.\n";
    std::fs::write(dir.path().join("rent.txt"), text).unwrap();
    // Evidence starts at a factual assertion or an attribution, not at a demand.
    let ann = "T1\tfactual-assertion 0 18\tThe rent rose 40%.\nT2\tdemand 19 33\tFreeze it now.\n\
               R1\tevidence-for Arg1:T1 Arg2:T2\nR2\tevidence-for Arg1:T2 Arg2:T1\n";
    std::fs::write(dir.path().join("rent.ann"), ann).unwrap();
    let folder = dir.path().join("project");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("codebook.ron"), marginalia::codebook::CLAIMS_RON).unwrap();
    let summary = marginalia::import::import(&dir.path().join("rent.ann"), Some(&folder), "ana").unwrap();
    assert!(summary.carried.iter().any(|c| c.contains("1 of 2 relation(s) imported as links")), "{summary:?}");
    assert!(
        summary.not_carried.iter().any(|c| c.contains("1 relation(s): already in the sidecar, or between codes")),
        "{summary:?}"
    );
    let view = link_view(&folder.join("rent.txt"));
    let only: Vec<_> = view.into_iter().map(|(o, t, g, _)| (o, t, g)).collect();
    assert_eq!(only, [("The rent rose 40%.".to_owned(), "evidence-for".to_owned(), "Freeze it now.".to_owned())]);
}

/// The speech of these tests: a fact, its source, a demand and a reply, with links among them.
const SPEECH: &str = "Rents rose forty percent in three years, says the Tenants’ Union 🏠.\r\n\
The council must freeze rents now.\r\n\
Freezing rents would empty the market, replies the landlords’ club.\r\n";

fn span_of(text: &str, quote: &str) -> Span {
    let start = text[..text.find(quote).unwrap()].chars().count();
    Span::new(start, start + quote.chars().count())
}

/// Writes the speech and its sidecar into `dir`; returns the document's path and the links.
fn linked_speech(dir: &Path, coder: &str) -> (PathBuf, Vec<Link>) {
    let doc = dir.join("speech.txt");
    if !doc.exists() {
        std::fs::write(&doc, SPEECH).unwrap();
    }
    let sidecar = (coder != "ana").then(|| marginalia::sidecar::coder_path(&doc, coder));
    let mut s = Session::open(&doc, sidecar.as_deref(), coder).unwrap();
    let mut add = |quote: &str, code: &str| {
        let a = Annotation::new(&s.doc, span_of(SPEECH, quote), code, coder);
        let id = a.id;
        s.apply(Action::Add(a)).unwrap();
        id
    };
    let fact = add("Rents rose forty percent in three years", "factual-assertion");
    let source = add("says the Tenants’ Union", "attribution");
    let demand = add("The council must freeze rents now.", "demand");
    let reply = add("Freezing rents would empty the market", "opinion");
    let mut evidence = Link::new("evidence-for", fact, demand, coder);
    evidence.note = "the figure <backs> the \"demand\"".into();
    for link in [evidence, Link::new("source-of", source, fact, coder), Link::new("attacks", reply, demand, coder)] {
        s.apply(Action::AddLink(link)).unwrap();
    }
    s.save().unwrap();
    (doc, s.edits.links().to_vec())
}

/// (origin quote, type, target quote, note) of the links of a document's sidecar.
fn link_view(doc: &Path) -> BTreeSet<(String, String, String, String)> {
    let s = Session::open(doc, None, "ana").unwrap();
    let quote = |id| s.edits.get(id).unwrap().exact.clone();
    s.edits.links().iter().map(|l| (quote(l.origin), l.link_type.clone(), quote(l.target), l.note.clone())).collect()
}

/// The reference validator, when it and python3 are here (as tests/core/export.rs finds it).
fn w3c_validator() -> Option<PathBuf> {
    Command::new("python3").arg("--version").output().ok()?;
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("MARGINALIA_W3C_VALIDATOR").map(PathBuf::from),
        Some(manifest.join("../shared/reference/w3c-annotation/validate.py")),
        Some(PathBuf::from("/work/shared/reference/w3c-annotation/validate.py")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.is_file());
    if found.is_none() {
        eprintln!("validate.py was not found (set MARGINALIA_W3C_VALIDATOR): the W3C validator was not run");
    }
    found
}

#[test]
fn w3c_links_are_linking_annotations_that_validate_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, links) = linked_speech(dir.path(), "ana");
    let corpus = marginalia::corpus::load(&doc).unwrap();
    for jsonl in [false, true] {
        let out = dir.path().join(if jsonl { "speech.jsonl" } else { "speech.jsonld" });
        export::write(&corpus, Format::W3c, &Options { jsonl, ..Options::default() }, &out, &|_, _| true).unwrap();
        if let Some(script) = w3c_validator() {
            for strict in [false, true] {
                let mut cmd = Command::new("python3");
                cmd.arg(&script);
                if strict {
                    cmd.arg("--strict");
                }
                let run = cmd.arg(&out).output().unwrap();
                let stdout = String::from_utf8_lossy(&run.stdout);
                assert!(run.status.success(), "validator failed:\n{stdout}{}", String::from_utf8_lossy(&run.stderr));
                assert!(stdout.contains("7 passed, 0 failed"), "four annotations and three links: {stdout}");
            }
        }
        let text = std::fs::read_to_string(&out).unwrap();
        let items: Vec<Value> = if jsonl {
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
        } else {
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["total"], 7);
            v["first"]["items"].as_array().unwrap().clone()
        };
        let linking: Vec<&Value> = items.iter().filter(|i| i["motivation"] == "linking").collect();
        assert_eq!(linking.len(), 3);
        for l in &links {
            let item = linking.iter().find(|i| i["id"] == format!("urn:uuid:{}", l.id)).unwrap();
            assert_eq!(item["target"], format!("urn:uuid:{}", l.origin));
            assert_eq!(item["body"][0], format!("urn:uuid:{}", l.target));
            assert_eq!(item["body"][1]["source"]["id"], format!("urn:marginalia:link-type:{}", l.link_type));
        }
    }
    // Imported into a folder with the same text, the links come back between the same passages.
    let back = dir.path().join("back");
    std::fs::create_dir(&back).unwrap();
    std::fs::write(back.join("speech.txt"), SPEECH).unwrap();
    let summary = marginalia::import::import(&dir.path().join("speech.jsonld"), Some(&back), "ana").unwrap();
    assert!(summary.carried.iter().any(|c| c.contains("3 of 3 link(s) imported")), "{summary:?}");
    assert!(summary.not_carried.is_empty(), "{:?}", summary.not_carried);
    assert_eq!(link_view(&back.join("speech.txt")), link_view(&doc));
}

#[test]
fn refi_links_validate_against_the_schema_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, links) = linked_speech(dir.path(), "ana");
    let corpus = marginalia::corpus::load(&doc).unwrap();
    let out = dir.path().join("speech.qdpx");
    let report = qdpx::export(&corpus, &out, |_, _| true).unwrap();
    assert_eq!(report.links, 3);
    assert!(report.notes.iter().any(|n| n.contains("1 link note(s) were not exported")), "{:?}", report.notes);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();
    for l in &links {
        assert!(qde.contains(&format!("originGUID=\"{}\" targetGUID=\"{}\"", l.origin, l.target)), "{qde}");
    }
    assert!(qde.contains("name=\"Evidence for\" direction=\"OneWay\" color=\"#0072B2\""), "{qde}");
    if Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let file = dir.path().join("project.qde");
        std::fs::write(&file, &qde).unwrap();
        let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi/Project-mrt2019.xsd");
        let run = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(&file).output().unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    } else {
        assert!(std::env::var_os("CI").is_none(), "xmllint is required on CI (install libxml2-utils)");
        eprintln!("xmllint not found: schema validation skipped");
    }
    let back = dir.path().join("back");
    let summary = qdpx::import(&out, &back).unwrap();
    assert_eq!(summary.links, 3);
    assert!(summary.not_imported.is_empty(), "{:?}", summary.not_imported);
    // The types come back by name; the note stayed behind, as the export said.
    let without_notes = |v: BTreeSet<(String, String, String, String)>| -> BTreeSet<(String, String, String)> {
        v.into_iter().map(|(o, t, g, _)| (o, t, g)).collect()
    };
    assert_eq!(without_notes(link_view(&back.join("speech.txt"))), without_notes(link_view(&doc)));
}

#[test]
fn json_lines_and_the_html_report_show_the_links() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, links) = linked_speech(dir.path(), "ana");
    let corpus = marginalia::corpus::load(&doc).unwrap();
    let out = dir.path().join("speech.jsonl");
    export::write(&corpus, Format::Jsonl, &Options::default(), &out, &|_, _| true).unwrap();
    let records: Vec<Value> = std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let evidence = links.iter().find(|l| l.link_type == "evidence-for").unwrap();
    let fact = records.iter().find(|r| r["id"] == evidence.origin.to_string()).unwrap();
    let out_links = fact["links"].as_array().unwrap();
    assert_eq!(out_links.len(), 1);
    assert_eq!(out_links[0]["type"], "evidence-for");
    assert_eq!(out_links[0]["type_name"], "Evidence for");
    assert_eq!(out_links[0]["target"], evidence.target.to_string());
    assert_eq!(out_links[0]["note"], "the figure <backs> the \"demand\"");
    assert_eq!(records.iter().map(|r| r["links"].as_array().unwrap().len()).sum::<usize>(), 3);

    // The CSV (and the xlsx, the same columns) has the outgoing links in its last column.
    let csv_path = dir.path().join("speech.csv");
    export::write(&corpus, Format::Csv, &Options::default(), &csv_path, &|_, _| true).unwrap();
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header.last().map(String::as_str), Some("links"));
    let id_col = header.iter().position(|h| h == "id").unwrap();
    let cells: BTreeMap<String, String> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[id_col].to_owned(), r[header.len() - 1].to_owned())).collect();
    assert_eq!(cells[&evidence.origin.to_string()], format!("evidence-for:{}", evidence.target));
    assert_eq!(cells[&evidence.target.to_string()], "");

    let html_path = dir.path().join("speech.html");
    export::write(&corpus, Format::Html, &Options::default(), &html_path, &|_, _| true).unwrap();
    let html = std::fs::read_to_string(&html_path).unwrap();
    let section = html.split("<h3>Links</h3>").nth(1).expect("the report lists the links");
    // Annotations are numbered in reading order: fact 1, source 2, demand 3, reply 4.
    assert!(section.contains("<tr><td>1</td><td><span class=\"swatch\" style=\"background:#0072B2\"></span> Evidence for →</td><td>3</td><td>the figure &lt;backs&gt; the &quot;demand&quot;</td><td>ana</td></tr>"), "{section}");
    assert!(
        section.contains("<td>2</td><td><span class=\"swatch\" style=\"background:#CC79A7\"></span> Source of →</td><td>1</td>"),
        "{section}"
    );
    assert!(
        section.contains("<td>4</td><td><span class=\"swatch\" style=\"background:#D55E00\"></span> Attacks →</td><td>3</td>"),
        "{section}"
    );
}

#[test]
fn agree_reports_link_agreement_per_type() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, _) = linked_speech(dir.path(), "ana");
    // Bo marks the same passages and links, but calls the reply's link a response.
    let (_, bo_links) = linked_speech(dir.path(), "bo");
    let bo_path = marginalia::sidecar::coder_path(&doc, "bo");
    let mut bo = Session::open(&doc, Some(&bo_path), "bo").unwrap();
    let attack = bo_links.iter().find(|l| l.link_type == "attacks").unwrap().id;
    bo.apply(Action::SetLinkType { id: attack, link_type: "responds-to".into() }).unwrap();
    bo.save().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["agree", doc.to_str().unwrap()])
        .arg(marginalia::sidecar::default_path(&doc))
        .arg(&bo_path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |t: &str| json["links"].as_array().unwrap().iter().find(|r| r["type"] == t).unwrap().clone();
    // All types: 3 and 3 links, 2 the same: P = R = F1 = 2/3.
    let all = row("all");
    assert_eq!((all["count_a"].as_u64(), all["count_b"].as_u64(), all["matched_exact"].as_u64()), (Some(3), Some(3), Some(2)));
    assert!((all["f1_exact"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(row("evidence-for")["f1_overlap"], 1.0);
    // Attacks: ana 1, bo 0. Precision is undefined (bo drew none), recall 0.
    let attacks = row("attacks");
    assert_eq!(attacks["precision_exact"], Value::Null);
    assert!(attacks["undefined"]["precision_exact"].as_str().unwrap().contains("bo drew no link"));
    assert_eq!(attacks["recall_exact"], 0.0);
    assert_eq!(row("responds-to")["count_b"], 1);
    let table = Command::new(env!("CARGO_BIN_EXE_marginalia"))
        .args(["agree", doc.to_str().unwrap()])
        .arg(marginalia::sidecar::default_path(&doc))
        .arg(&bo_path)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("Links (a link matches when its type is equal and both ends match"), "{table}");
    assert!(table.contains("Evidence for"), "{table}");
}

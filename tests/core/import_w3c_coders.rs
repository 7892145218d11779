//! W3C imports as the binary does them, on collections shaped as Marginalia, Hypothesis and
//! Recogito write them: each creator's annotations go into their own sidecar, comments and
//! highlights come in with the code "Note", imports wait for a sidecar's lock instead of
//! failing, and the time taken grows with the number of annotations, not with its square.
//!
//! `MARGINALIA_BIN=/path/to/marginalia` runs these against another build of the binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use marginalia::Session;
use marginalia::document::Span;
use serde_json::{Value, json};

use crate::common;
use common::bin;

fn ok(args: &[&str]) -> String {
    common::ok_as(args, "someone")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A council meeting's minutes, written for these tests: accents, curly quotes, an emoji, CRLF.
const MINUTES: &str = "Conseil de quartier — 12 mars\r\nMme Okafor : « Les loyers ont augmenté de 18 % en deux ans. »\r\nM. Brandt répond que la ville « n’a aucun levier » 🏘️.\r\nNous demandons un moratoire sur les expulsions avant l’hiver.\r\nProchaine réunion : le 9 avril.\r\n";

fn span_of(text: &str, quote: &str) -> Span {
    let byte = text.find(quote).unwrap_or_else(|| panic!("no {quote:?}"));
    let start = text[..byte].chars().count();
    Span::new(start, start + quote.chars().count())
}

/// Five people code the minutes, each in their own sidecar (named after them, the header
/// naming them), with a note here and there.
fn five_coders(dir: &Path) -> PathBuf {
    let doc = dir.join("minutes.txt");
    std::fs::write(&doc, MINUTES).unwrap();
    let work: [(&str, &[(&str, &str, &str)]); 5] = [
        ("Amara Okafor", &[("Les loyers ont augmenté de 18 % en deux ans.", "factual-assertion", "source ?")]),
        (
            "ben.brandt",
            &[
                ("la ville « n’a aucun levier »", "opinion", ""),
                ("Nous demandons un moratoire sur les expulsions", "demand", "à suivre"),
            ],
        ),
        ("Chen Wei", &[("Les loyers ont augmenté de 18 % en deux ans.", "factual-assertion", "")]),
        ("Dara", &[("Nous demandons un moratoire sur les expulsions avant l’hiver.", "call-to-action", "")]),
        ("Émile Zola-Dupont", &[("M. Brandt répond", "attribution", ""), ("🏘️", "opinion", "emoji seul")]),
    ];
    for (coder, marks) in work {
        let key = marginalia::coder::file_key(coder);
        let mut session = Session::open(&doc, Some(&marginalia::sidecar::coder_path(&doc, &key)), coder).unwrap();
        for (quote, code, note) in marks {
            let mut a = marginalia::Annotation::new(&session.doc, span_of(MINUTES, quote), code, coder);
            a.note = (*note).to_owned();
            session.apply(marginalia::Action::Add(a)).unwrap();
        }
        session.save().unwrap();
    }
    doc
}

/// (sidecar header's coder, [(annotation coder, code, span, note)]) for every sidecar of `doc`.
fn coders_work(doc: &Path) -> Vec<(String, Vec<(String, String, Span, String)>)> {
    let mut out: Vec<_> = marginalia::sidecar::find_sidecars(doc)
        .into_iter()
        .map(|p| {
            let sc = marginalia::sidecar::read(&p).unwrap().unwrap();
            let mut marks: Vec<_> =
                sc.annotations.iter().map(|a| (a.coder.clone(), a.code.clone(), a.span(), a.note.clone())).collect();
            marks.sort();
            (sc.coder, marks)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_five_coder_collection_comes_back_as_five_coders_sidecars() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    std::fs::create_dir(&from).unwrap();
    let doc = five_coders(&from);
    let before = coders_work(&doc);
    assert_eq!(before.len(), 5);
    let collection = dir.path().join("minutes.jsonld");
    ok(&["export", s(&from), "--format", "w3c", "-o", s(&collection)]);

    let into = dir.path().join("into");
    std::fs::create_dir(&into).unwrap();
    std::fs::write(into.join("minutes.txt"), MINUTES).unwrap();
    let stdout = ok(&["import", s(&collection), "--into", s(&into)]);
    assert!(stdout.contains("7 of 7 annotation(s) imported for minutes.txt"), "{stdout}");
    assert!(stdout.contains("in 5 coders' own sidecars"), "{stdout}");
    let imported = into.join("minutes.txt");
    let after = coders_work(&imported);
    assert_eq!(after, before, "each coder's annotations in a sidecar of their own, named for them");
    for (header, marks) in &after {
        assert!(marks.iter().all(|(coder, ..)| coder == header), "{header}: {marks:?}");
    }
    // Each file is named after its coder, in a form any file system holds.
    let names: Vec<String> = marginalia::sidecar::find_sidecars(&imported)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for key in ["Amara Okafor", "ben-brandt", "Chen Wei", "Dara", "Émile Zola-Dupont"] {
        assert!(names.contains(&format!("minutes.txt.{key}.annotations.ron")), "{key}: {names:?}");
    }

    // Exported again, the same collection; imported again, nothing new.
    let again = dir.path().join("again.jsonld");
    ok(&["export", s(&into), "--format", "w3c", "-o", s(&again)]);
    let items = |p: &Path| -> Vec<Value> {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let mut items: Vec<Value> = v["first"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a["target"]["source"] = Value::Null;
                a
            })
            .collect();
        items.sort_by_key(|a| a["id"].as_str().unwrap().to_owned());
        items
    };
    assert_eq!(items(&again), items(&collection));
    let stdout = ok(&["import", s(&collection), "--into", s(&into)]);
    assert!(stdout.contains("0 of 7 annotation(s) imported for minutes.txt (7 were there already)"), "{stdout}");
    assert_eq!(marginalia::sidecar::find_sidecars(&imported).len(), 5, "no new file");
    // The command line finds each coder's own file by the name in its header.
    let listed = ok(&["list", s(&imported), "--coder", "ben.brandt"]);
    assert!(listed.contains("2 annotation(s)"), "{listed}");
}

/// A page as a newspaper site serves it, imported as text first, then annotated elsewhere.
const RENT_PAGE: &str = r#"<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Loyers : la colère monte</title>
<script>window.dataLayer = [];</script></head>
<body><nav><a href="/">Accueil</a></nav>
<main><article>
<h1>Loyers : la colère monte</h1>
<p>Selon l’observatoire, les loyers ont augmenté de 18 % en deux ans.</p>
<p>« Il faut un moratoire », affirme une locataire du quartier.</p>
<p>La mairie n’a pas répondu à nos questions.</p>
</article></main></body></html>
"#;

#[test]
fn hypothesis_and_recogito_creators_get_their_own_sidecars_and_comments_come_in_as_notes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rent.html"), RENT_PAGE).unwrap();
    ok(&["import", s(&dir.path().join("rent.html"))]);
    let text = std::fs::read_to_string(dir.path().join("rent.html.txt")).unwrap();
    // Hypothesis: the page's address, `acct:` creators, XPath ranges beside text selectors
    // whose positions count in the page (so the quotes place them), a comment without a tag,
    // a highlight without any body, a tagged comment.
    let hyp = |id: &str, user: &str, body: Value, exact: &str, prefix: &str| {
        json!({
            "@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "id": format!("https://hypothes.is/a/{id}"),
            "created": "2024-02-11T09:14:03.402154+00:00", "modified": "2024-02-11T09:20:41.000000+00:00",
            "creator": format!("acct:{user}@hypothes.is"),
            "body": body,
            "target": [{
                "source": "https://www.example-journal.fr/2024/02/rent.html",
                "selector": [
                    {"type": "RangeSelector",
                     "startSelector": {"type": "XPathSelector", "value": "/main[1]/article[1]/p[1]"},
                     "endSelector": {"type": "XPathSelector", "value": "/main[1]/article[1]/p[1]"},
                     "startOffset": 0, "endOffset": 20},
                    {"type": "TextPositionSelector", "start": 1204, "end": 1204 + exact.chars().count()},
                    {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": ""}
                ]
            }]
        })
    };
    let hypothesis = json!([
        hyp(
            "Xq1",
            "okafor_a",
            json!([{"type": "TextualBody", "value": "Quel observatoire ? **Source** manquante.", "format": "text/markdown"}]),
            "les loyers ont augmenté de 18 % en deux ans",
            "Selon l’observatoire, "
        ),
        hyp("Xq2", "okafor_a", json!([]), "La mairie n’a pas répondu", ""),
        hyp(
            "Xq3",
            "brandt",
            json!([
            {"type": "TextualBody", "value": "Citation anonyme.", "format": "text/markdown"},
            {"type": "TextualBody", "purpose": "tagging", "value": "demand"}]),
            "« Il faut un moratoire »",
            ""
        ),
    ]);
    let h_file = dir.path().join("hypothesis.json");
    std::fs::write(&h_file, serde_json::to_string_pretty(&hypothesis).unwrap()).unwrap();
    let stdout = ok(&["import", s(&h_file), "--into", s(dir.path())]);
    assert!(stdout.contains("3 of 3 annotation(s) imported for rent.html.txt"), "{stdout}");
    assert!(
        stdout.contains("2 annotation(s) without a code (comments, highlights) were imported with the code \"Note\""),
        "{stdout}"
    );
    assert!(stdout.contains("placed by their quote"), "{stdout}");
    let doc = dir.path().join("rent.html.txt");
    let work = coders_work(&doc);
    let headers: Vec<&str> = work.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(headers, ["brandt", "okafor_a"], "{work:?}");
    let okafor = &work[1].1;
    assert_eq!(okafor.len(), 2);
    assert!(okafor.iter().all(|(_, code, ..)| code == "note"), "{okafor:?}");
    assert!(okafor.iter().any(|(.., note)| note == "Quel observatoire ? **Source** manquante."), "{okafor:?}");
    assert!(okafor.iter().any(|(.., note)| note.is_empty()), "the highlight: {okafor:?}");
    assert_eq!(work[0].1[0].1, "demand");
    let okafor_file = marginalia::sidecar::find_sidecars(&doc)
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy() == "rent.html.txt.okafor_a.annotations.ron")
        .unwrap();
    let sc = marginalia::sidecar::read(&okafor_file).unwrap().unwrap();
    assert!(sc.codebook.codes.iter().any(|c| c.id == "note" && c.name == "Note"), "the code is added to the codebook");

    // Recogito: the creator is on each body, the target has no position.
    let s1 = span_of(&text, "Il faut un moratoire").start;
    let recogito = json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "AnnotationCollection",
        "first": {"type": "AnnotationPage", "items": [
            {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
             "id": "#3f2c9e7a-41a1-4f0e-8a59-0b7d8a2c1e55",
             "body": [{"type": "TextualBody", "purpose": "tagging", "value": "Call to action",
                       "creator": {"id": "https://recogito.example.org/users/lea", "name": "Léa"},
                       "created": "2024-03-01T10:00:00.000Z"},
                      {"type": "TextualBody", "purpose": "commenting", "value": "Reprend un slogan.",
                       "creator": {"id": "https://recogito.example.org/users/lea", "name": "Léa"}}],
             "target": {"source": "https://recogito.example.org/document/rent.html",
                        "selector": [{"type": "TextQuoteSelector", "exact": "Il faut un moratoire"},
                                     {"type": "TextPositionSelector", "start": s1, "end": s1 + 20}]}},
            {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
             "id": "#9a0b4c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d",
             "body": [{"type": "TextualBody", "purpose": "commenting", "value": "Quel quartier ?",
                       "creator": "https://recogito.example.org/users/tomasz"}],
             "target": {"source": "https://recogito.example.org/document/rent.html",
                        "selector": [{"type": "TextQuoteSelector", "exact": "une locataire du quartier"}]}}
        ]}
    });
    let r_file = dir.path().join("recogito.jsonld");
    std::fs::write(&r_file, serde_json::to_string_pretty(&recogito).unwrap()).unwrap();
    let stdout = ok(&["import", s(&r_file), "--into", s(dir.path())]);
    assert!(stdout.contains("2 of 2 annotation(s) imported for rent.html.txt"), "{stdout}");
    assert!(stdout.contains("1 annotation(s) without a code"), "{stdout}");
    let work = coders_work(&doc);
    let headers: Vec<&str> = work.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(headers, ["Léa", "brandt", "okafor_a", "tomasz"], "{work:?}");
    let lea = &work[0].1;
    assert_eq!(lea[0].1, "call-to-action");
    assert_eq!(lea[0].3, "Reprend un slogan.");
}

#[test]
fn a_selector_without_a_type_is_counted_as_such() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("minutes.txt"), MINUTES).unwrap();
    let sp = span_of(MINUTES, "Prochaine réunion");
    let file = dir.path().join("a.json");
    let anno = json!({
        "type": "Annotation", "id": "urn:uuid:0d6f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": "Prediction"},
        "target": {"source": "minutes.txt", "selector": [
            {"start": 3, "end": 9}, {"start": 4},
            {"type": "TextPositionSelector", "start": sp.start, "end": sp.end}]}
    });
    std::fs::write(&file, anno.to_string()).unwrap();
    let stdout = ok(&["import", s(&file)]);
    assert!(stdout.contains("not carried: 2 selectors without a type"), "{stdout}");
    assert!(!stdout.contains("of type \n") && !stdout.contains("of type  "), "{stdout}");
}

/// A document of `paragraphs` paragraphs and `count` annotations on it by five creators, as
/// W3C JSON (quote, context and position, as Marginalia writes them).
fn generated(paragraphs: usize, count: usize) -> (String, String) {
    let words = ["loyer", "moratoire", "l’hiver", "Okafor", "quartier", "🏘️", "réunion", "ville", "levier", "«", "»", "18"];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut text = String::new();
    let mut chars = 0;
    // (start, end) in code points of every word, by paragraph.
    let mut spans: Vec<Vec<(usize, usize)>> = Vec::new();
    for p in 0..paragraphs {
        let mut these = Vec::new();
        for w in 0..40 {
            let word = words[(next() % words.len() as u64) as usize];
            these.push((chars, chars + word.chars().count()));
            text.push_str(word);
            chars += word.chars().count();
            text.push(if w == 39 { '.' } else { ' ' });
            chars += 1;
        }
        let end = format!(" §{p}\r\n");
        chars += end.chars().count();
        text.push_str(&end);
        spans.push(these);
    }
    let all: Vec<char> = text.chars().collect();
    let slice = |a: usize, b: usize| all[a..b].iter().collect::<String>();
    let creators = ["Amara Okafor", "ben.brandt", "Chen Wei", "Dara", "Émile"];
    let mut items = Vec::with_capacity(count);
    for i in 0..count {
        // From the start of a word to the end of another of the same paragraph.
        let words = &spans[(next() % paragraphs as u64) as usize];
        let first = (next() % 34) as usize;
        let (a, b) = (words[first].0, words[first + 1 + (next() % 5) as usize].1);
        items.push(json!({
            "id": format!("urn:uuid:{}", uuid_of(i as u64)),
            "type": "Annotation", "motivation": "classifying",
            "creator": {"type": "Person", "name": creators[i % creators.len()]},
            "created": "2026-01-05T10:00:00Z", "modified": "2026-01-05T10:00:00Z",
            "body": [{"type": "SpecificResource", "purpose": "classifying",
                      "source": {"id": "urn:marginalia:code:opinion", "label": "Opinion or value judgement"}}],
            "target": {"source": "file:///corpus/debate.txt", "selector": [
                {"type": "TextQuoteSelector", "exact": slice(a, b),
                 "prefix": slice(a.saturating_sub(32), a), "suffix": slice(b, (b + 32).min(all.len()))},
                {"type": "TextPositionSelector", "start": a, "end": b}]}
        }));
    }
    let collection = json!({"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection",
        "total": count, "first": {"type": "AnnotationPage", "items": items}});
    (text, collection.to_string())
}

fn uuid_of(n: u64) -> String {
    let tail = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) & 0xffff_ffff_ffff;
    format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{tail:012x}", n as u32, (n >> 32) as u16, n % 4096, (n / 7) % 4096)
}

/// The fastest of two imports of `count` generated annotations into a fresh folder.
fn import_time(count: usize) -> Duration {
    let (text, collection) = generated(count / 10, count);
    (0..2)
        .map(|round| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("debate.txt"), &text).unwrap();
            let file = dir.path().join("debate.jsonld");
            std::fs::write(&file, &collection).unwrap();
            let started = Instant::now();
            let stdout = ok(&["import", s(&file)]);
            let took = started.elapsed();
            if round == 0 {
                assert!(stdout.contains(&format!("{count} of {count} annotation(s) imported for debate.txt")), "{stdout}");
                assert_eq!(marginalia::sidecar::find_sidecars(&dir.path().join("debate.txt")).len(), 5);
            }
            took
        })
        .min()
        .unwrap()
}

/// Four times the annotations takes about four times as long, not sixteen (the import used to
/// take 0.5 s for 12,500 annotations, 7.8 s for 50,000 and up to 35 s for 100,000).
#[test]
fn import_time_grows_with_the_number_of_annotations_not_its_square() {
    let small = import_time(5_000);
    let large = import_time(20_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(0.001);
    assert!(ratio < 8.0, "5,000 annotations: {small:?}, 20,000: {large:?} ({ratio:.1} times as long)");
}

/// Imports and `add`s of the same document at once: every import waits for the sidecar's
/// lock, as `add` does, and nothing is lost.
#[test]
fn imports_wait_for_the_sidecar_lock_while_adds_run() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("minutes.txt");
    std::fs::write(&doc, MINUTES).unwrap();
    let quotes = [
        "Conseil de quartier",
        "Les loyers ont augmenté",
        "18 %",
        "M. Brandt répond",
        "aucun levier",
        "moratoire",
        "Prochaine réunion",
    ];
    // Imports of one annotation each by "ana", who is also adding: one sidecar for all.
    let mut files = Vec::new();
    for i in 0..12 {
        let quote = quotes[i % quotes.len()];
        let sp = span_of(MINUTES, quote);
        let anno = json!({
            "type": "Annotation", "id": format!("urn:uuid:{}", uuid_of(1000 + i as u64)),
            "creator": {"type": "Person", "name": "ana"},
            "body": {"type": "TextualBody", "purpose": "tagging", "value": "Opinion"},
            "bodyValue": format!("import {i}"),
            "target": {"source": "minutes.txt", "selector": [
                {"type": "TextQuoteSelector", "exact": quote},
                {"type": "TextPositionSelector", "start": sp.start, "end": sp.end}]}
        });
        let file = dir.path().join(format!("import-{i}.json"));
        std::fs::write(&file, anno.to_string()).unwrap();
        files.push(file);
    }
    let mut children = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let quote = quotes[(i + 3) % quotes.len()];
        let mut add = Command::new(bin());
        add.args(["add", s(&doc), "--code", "opinion", "--quote", quote, "--note", &format!("add {i}"), "--coder", "ana"]);
        let mut import = Command::new(bin());
        import.args(["import", s(file), "--coder", "ana"]);
        for mut cmd in [add, import] {
            cmd.env("MARGINALIA_LOCK_TIMEOUT_MS", "60000");
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
            children.push((format!("{cmd:?}"), cmd.spawn().unwrap()));
        }
    }
    let mut failed = Vec::new();
    for (what, child) in children {
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            failed.push(format!("{what}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    assert!(failed.is_empty(), "{} of 24 commands failed:\n{}", failed.len(), failed.join("\n"));
    let sidecars = marginalia::sidecar::find_sidecars(&doc);
    assert_eq!(sidecars.len(), 1, "{sidecars:?}");
    let sc = marginalia::sidecar::read(&sidecars[0]).unwrap().unwrap();
    for i in 0..12 {
        assert!(sc.annotations.iter().any(|a| a.note == format!("import {i}")), "import {i} is kept");
        assert!(sc.annotations.iter().any(|a| a.note == format!("add {i}")), "add {i} is kept");
    }
}

/// A collection of five coders' work writes all five sidecars or none: when one of them cannot
/// be written (here: another program holds its lock past the wait), the ones written before it
/// are taken back, and the message says so.
#[test]
fn a_w3c_import_writes_every_coders_sidecar_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    std::fs::create_dir(&from).unwrap();
    five_coders(&from);
    let collection = dir.path().join("minutes.jsonld");
    ok(&["export", s(&from), "--format", "w3c", "-o", s(&collection)]);
    for key in ["Amara Okafor", "ben-brandt", "Chen Wei", "Dara", "Émile Zola-Dupont"] {
        let into = dir.path().join(format!("into-{key}"));
        std::fs::create_dir(&into).unwrap();
        let doc = into.join("minutes.txt");
        std::fs::write(&doc, MINUTES).unwrap();
        let held = marginalia::sidecar::coder_path(&doc, key);
        let lock = marginalia::io::lock(&marginalia::io::resolve(&held).unwrap()).unwrap();
        let out = Command::new(bin())
            .args(["import", s(&collection), "--into", s(&into)])
            .env("MARGINALIA_CODER", "someone")
            .env("MARGINALIA_LOCK_TIMEOUT_MS", "300")
            .output()
            .unwrap();
        drop(lock);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key}: {stderr}");
        let left = marginalia::sidecar::find_sidecars(&doc);
        assert!(left.is_empty(), "{key} held: {left:?} were left written\n{stderr}");
        assert!(stderr.contains("nothing was written") || stderr.contains("taken back"), "{key}: {stderr}");
    }
}

/// The bench case runs and reports its figures (`marginalia bench --w3c-import` imports
/// 100,000 annotations; here a few hundred).
#[cfg(feature = "gui")]
#[test]
fn the_bench_command_times_a_w3c_import() {
    let out = ok(&["bench", "--w3c-import", "--annotations", "500", "--json"]);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    let figure = &v["w3c_import"];
    assert_eq!(figure["annotations"], 500);
    assert_eq!(figure["sidecars_written"], 5, "one sidecar per coder");
    assert!(figure["seconds"].as_f64().is_some_and(|s| s > 0.0), "{figure}");
}

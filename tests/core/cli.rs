//! The command line as a user runs it: `add`, `list` and `check` on files in a temporary folder.

use std::path::Path;

use serde_json::Value;

/// Code points: "Vote" 0..4, " " 4, "👋" 5, "🏽" 6, " " 7, ...
const SPEECH: &str = "Vote 👋🏽 for Zoë Ibáñez — “vote early, vote often.”\r\n\
The council must freeze rents now. 👨‍👩‍👧‍👦 🇮🇸\r\n\
Rents rose forty percent in three years.\r\n";

use crate::common;
use common::{ok, run};

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("speech.txt"), SPEECH).unwrap();
    dir
}

fn list(dir: &Path) -> Vec<Value> {
    let json: Value = serde_json::from_str(&ok(dir, &["list", "speech.txt", "--format", "json"])).unwrap();
    json.as_array().unwrap().clone()
}

#[test]
fn a_range_inside_an_emoji_is_widened_to_the_whole_emoji() {
    let dir = setup();
    // 6..7 is only the skin-tone modifier of 👋🏽; the annotation takes the whole emoji.
    ok(dir.path(), &["add", "speech.txt", "--range", "6..7", "--code", "opinion", "--coder", "amara"]);
    // 1..6 starts inside "Vote" and ends between 👋 and its modifier: widened at the end only.
    ok(dir.path(), &["add", "speech.txt", "--range", "1..6", "--code", "demand", "--coder", "amara"]);
    let rows = list(dir.path());
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0]["start"].as_u64(), rows[0]["end"].as_u64()), (Some(1), Some(7)));
    assert_eq!(rows[0]["exact"], "ote 👋🏽");
    assert_eq!((rows[1]["start"].as_u64(), rows[1]["end"].as_u64()), (Some(5), Some(7)));
    assert_eq!(rows[1]["exact"], "👋🏽");
}

#[test]
fn a_quote_picks_the_requested_occurrence() {
    let dir = setup();
    ok(dir.path(), &["add", "speech.txt", "--quote", "vote", "--occurrence", "2", "--code", "call-to-action"]);
    let rows = list(dir.path());
    let start = rows[0]["start"].as_u64().unwrap() as usize;
    let expected = SPEECH.chars().collect::<Vec<_>>();
    let second = SPEECH.match_indices("vote").nth(1).unwrap().0;
    assert_eq!(start, SPEECH[..second].chars().count());
    assert_eq!(expected[start + 4..start + 11].iter().collect::<String>(), " often.");
    assert_eq!(rows[0]["prefix"].as_str().unwrap().chars().last(), Some(' '));
    // Asking for an occurrence that does not exist says how many there are.
    let out = run(dir.path(), &["add", "speech.txt", "--quote", "vote", "--occurrence", "3", "--code", "demand"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("occurs 2 time(s)") && out.stderr.contains("--occurrence 1 to 2"), "{}", out.stderr);
    // A quote spanning a CRLF line break is found, and kept with its CR.
    ok(dir.path(), &["add", "speech.txt", "--quote", "🇮🇸\r\nRents rose", "--code", "factual-assertion"]);
    assert!(list(dir.path()).iter().any(|r| r["exact"] == "🇮🇸\r\nRents rose"));
}

#[test]
fn codes_are_found_by_name_or_id_in_any_case_and_unknown_ones_list_the_choices() {
    let dir = setup();
    ok(dir.path(), &["add", "speech.txt", "--quote", "The council must freeze rents now.", "--code", "dEmAnD"]);
    ok(dir.path(), &["add", "speech.txt", "--quote", "“vote early, vote often.”", "--code", "CALL TO ACTION"]);
    ok(dir.path(), &["add", "speech.txt", "--quote", "three years", "--code", "Factual-Assertion"]);
    let codes: Vec<String> = list(dir.path()).iter().map(|r| r["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes, ["call-to-action", "demand", "factual-assertion"]);

    let before = std::fs::read(dir.path().join("speech.txt.annotations.ron")).unwrap();
    let out = run(dir.path(), &["add", "speech.txt", "--quote", "Vote", "--code", "slogan"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no code \"slogan\""), "{}", out.stderr);
    for choice in ["Demand (demand)", "Call to action (call-to-action)", "Prediction (prediction)", "Rhetorical question"] {
        assert!(out.stderr.contains(choice), "{choice} not offered: {}", out.stderr);
    }
    assert_eq!(std::fs::read(dir.path().join("speech.txt.annotations.ron")).unwrap(), before);
}

#[test]
fn list_json_has_every_field() {
    let dir = setup();
    let added = ok(
        dir.path(),
        &[
            "add",
            "speech.txt",
            "--quote",
            "Zoë Ibáñez",
            "--code",
            "attribution",
            "--note",
            "Named — “in full”.",
            "--coder",
            "Zoë",
        ],
    );
    let rows = list(dir.path());
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(added.split('\t').next().unwrap(), r["id"].as_str().unwrap(), "add prints the new id first");
    assert_eq!(r["id"].as_str().unwrap().len(), 36);
    assert_eq!(r["code"], "attribution");
    assert_eq!(r["code_name"], "Attribution");
    assert_eq!(r["start"], 12);
    assert_eq!(r["end"], 22);
    assert_eq!(r["exact"], "Zoë Ibáñez");
    assert_eq!(r["note"], "Named — “in full”.");
    assert_eq!(r["coder"], "Zoë");
    assert_eq!(r["status"], "anchored");
    assert_eq!(r["prefix"], "Vote 👋🏽 for ");
    for time in ["created", "modified"] {
        assert!(r[time].as_str().unwrap().ends_with('Z'), "{time}: {}", r[time]);
    }
    // The table lists it too, with the code's name.
    let table = ok(dir.path(), &["list", "speech.txt"]);
    assert!(table.contains("Attribution") && table.contains("Zoë Ibáñez") && table.contains("1 annotation(s)"), "{table}");
}

#[test]
fn check_reports_anchored_reanchored_and_orphaned_with_exit_codes() {
    let dir = setup();
    let doc = dir.path().join("speech.txt");
    let sidecar = dir.path().join("speech.txt.annotations.ron");
    ok(dir.path(), &["add", "speech.txt", "--quote", "The council must freeze rents now.", "--code", "demand"]);
    ok(dir.path(), &["add", "speech.txt", "--quote", "Rents rose forty percent", "--code", "factual-assertion"]);
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("2 anchored, 0 re-anchored, 0 orphaned"), "{}", out.stdout);

    // An edit before the quotes moves them: re-anchored, exit 1, and the file is not touched.
    std::fs::write(&doc, format!("Good evening, Valmora! 🎉\r\n{SPEECH}")).unwrap();
    let saved = std::fs::read(&sidecar).unwrap();
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("0 anchored, 2 re-anchored, 0 orphaned"), "{}", out.stdout);
    assert!(out.stdout.contains("now at 3:1"), "{}", out.stdout);
    assert_eq!(std::fs::read(&sidecar).unwrap(), saved, "check must not write");

    // One quote vanishes from the text: orphaned, exit 1; the orphan is kept.
    std::fs::write(&doc, format!("Good evening, Valmora! 🎉\r\n{}", SPEECH.replace("Rents rose forty percent", "Costs went up")))
        .unwrap();
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("1 re-anchored, 1 orphaned"), "{}", out.stdout);
    assert!(out.stdout.contains("orphaned") && out.stdout.contains("not found"), "{}", out.stdout);
    assert!(std::fs::read_to_string(&sidecar).unwrap().contains("Rents rose forty percent"));
    // A later save (any add) writes the new positions and keeps the orphan, marked as such.
    ok(dir.path(), &["add", "speech.txt", "--quote", "Valmora", "--code", "opinion"]);
    let rows = list(dir.path());
    let orphan = rows.iter().find(|r| r["exact"] == "Rents rose forty percent").expect("the orphan was dropped");
    assert_eq!(orphan["status"], "orphaned");
    assert!(std::fs::read_to_string(&sidecar).unwrap().contains("status: Orphaned"));
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 1, "an orphan still needs attention: {}", out.stdout);
    assert!(out.stdout.contains("2 anchored, 0 re-anchored, 1 orphaned"), "{}", out.stdout);
}

#[test]
fn check_exits_2_on_a_malformed_sidecar() {
    let dir = setup();
    ok(dir.path(), &["add", "speech.txt", "--quote", "The council must freeze rents now.", "--code", "demand"]);
    let sidecar = dir.path().join("speech.txt.annotations.ron");
    let text = std::fs::read_to_string(&sidecar).unwrap().replacen("start: ", "start: -", 1);
    std::fs::write(&sidecar, &text).unwrap();
    let out = run(dir.path(), &["check", "speech.txt"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error: speech.txt.annotations.ron:"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&sidecar).unwrap(), text);
}

#[test]
fn a_second_coder_writes_their_own_sidecar() {
    let dir = setup();
    ok(dir.path(), &["add", "speech.txt", "--quote", "vote early", "--code", "call-to-action", "--coder", "amara"]);
    ok(
        dir.path(),
        &[
            "add",
            "speech.txt",
            "--sidecar",
            "speech.txt.bruno.annotations.ron",
            "--quote",
            "vote early",
            "--code",
            "opinion",
            "--coder",
            "bruno",
        ],
    );
    let out = ok(dir.path(), &["list", "speech.txt", "--sidecar", "speech.txt.bruno.annotations.ron", "--format", "json"]);
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["coder"], "bruno");
    assert_eq!(rows[0]["code"], "opinion");
    assert_eq!(list(dir.path())[0]["coder"], "amara");
}

#[test]
fn bad_ranges_are_usage_errors() {
    let dir = setup();
    for (range, says) in [("9..3", "backwards"), ("3-9", "is not START..END"), ("0..500", "past the end")] {
        let out = run(dir.path(), &["add", "speech.txt", "--range", range, "--code", "demand"]);
        assert_eq!(out.code, 2, "{range}");
        assert!(out.stderr.contains(says), "{range}: {}", out.stderr);
    }
    assert!(!dir.path().join("speech.txt.annotations.ron").exists());
}

/// `list --format json` as it was printed before it was streamed: one JSON object per
/// annotation (keys sorted, as JSON objects keep them), the whole array pretty-printed.
fn json_list_as_built_whole(session: &marginalia::Session) -> String {
    let cb = session.edits.codebook();
    let rows: Vec<Value> = session
        .edits
        .annotations()
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id.to_string(),
                "code": a.code,
                "code_name": cb.code(&a.code).map(|c| c.name.clone()).unwrap_or_default(),
                "start": a.start,
                "end": a.end,
                "exact": a.exact,
                "prefix": a.prefix,
                "suffix": a.suffix,
                "note": a.note,
                "attributes": a.attributes,
                "coder": a.coder,
                "created": a.created,
                "modified": a.modified,
                "status": a.status.label(),
                "links": session.edits.links_from(a.id).map(|l| serde_json::json!({
                    "id": l.id.to_string(),
                    "type": l.link_type,
                    "type_name": cb.link_type(&l.link_type).map(|t| t.name.clone()).unwrap_or_default(),
                    "target": l.target.to_string(),
                    "note": l.note,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    format!("{}\n", serde_json::to_string_pretty(&rows).unwrap())
}

#[test]
fn the_streamed_json_list_is_byte_for_byte_the_list_built_whole() {
    let dir = setup();
    let doc = dir.path().join("speech.txt");
    // No sidecar yet: an empty array, as before.
    assert_eq!(ok(dir.path(), &["list", "speech.txt", "--format", "json"]), "[]\n");

    let notes = ["", "tab\there, \"quotes\", back\\slash", "line\r\nbreak \u{7} bell \u{1b}[31m", "-à revoir 👨‍👩‍👧‍👦 🇮🇸"];
    let quotes = ["Vote 👋🏽", "Zoë Ibáñez", "“vote early, vote often.”", "freeze rents", "Rents rose forty percent"];
    let codes = ["demand", "opinion", "attribution", "prediction", "factual-assertion"];
    for (i, quote) in quotes.iter().enumerate() {
        let note = format!("--note={}", notes[i % notes.len()]);
        ok(dir.path(), &["add", "speech.txt", "--quote", quote, "--code", codes[i], &note]);
    }
    // Attribute values, and a text edit that moves some annotations and orphans one.
    let mut session = marginalia::Session::open(&doc, None, "amara").unwrap();
    let id = session.edits.annotations()[1].id;
    for (attribute, value) in [("checkable", "yes"), ("verdict", "ünverified \"really\"")] {
        let action = marginalia::Action::SetAttribute { id, attribute: attribute.into(), value: Some(value.into()) };
        session.apply(action).unwrap();
    }
    // A link from the first annotation to the second, with a note to escape.
    let (from, to) = (session.edits.annotations()[0].id, id);
    let mut link = marginalia::Link::new("responds-to", from, to, "amara");
    link.note = "a \"reply\"\tto it".into();
    session.apply(marginalia::Action::AddLink(link)).unwrap();
    session.save().unwrap();
    std::fs::write(&doc, format!("Preface 🎉\r\n{}", SPEECH.replace("Rents rose forty percent", "Costs went up"))).unwrap();

    let session = marginalia::Session::open(&doc, None, "amara").unwrap();
    let statuses: Vec<_> = session.edits.annotations().iter().map(|a| a.status).collect();
    assert!(statuses.contains(&marginalia::AnchorStatus::Reanchored) && statuses.contains(&marginalia::AnchorStatus::Orphaned));
    let printed = ok(dir.path(), &["list", "speech.txt", "--format", "json"]);
    assert_eq!(printed, json_list_as_built_whole(&session));
}

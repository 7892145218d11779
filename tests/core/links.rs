//! Links between annotations as users meet them: drawn with `add-link`, listed, kept in the
//! sidecar (version 2) through re-anchoring and orphaning, and version 1 files upgraded.

use std::path::Path;
use std::process::Command;

use marginalia::sidecar;
use marginalia::{Action, Session};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_marginalia");

const SPEECH: &str = "Rents rose forty percent in three years, says the Tenants’ Union 🏠.\r\n\
The council must freeze rents now.\r\n\
Freezing rents would empty the market, replies the landlords’ club.\r\n";

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    // Amara codes throughout: her adds go into the sidecar she made (a coder writes only her own).
    let out = Command::new(BIN).args(args).current_dir(dir).env("MARGINALIA_CODER", "amara").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(dir, args);
    assert_eq!(code, 0, "{args:?}: {stdout}{stderr}");
    stdout
}

/// The speech with a fact, its source, a demand and a reply; returns their ids.
fn setup() -> (tempfile::TempDir, [String; 4]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("speech.txt"), SPEECH).unwrap();
    let add = |quote: &str, code: &str| {
        let out = ok(dir.path(), &["add", "speech.txt", "--quote", quote, "--code", code, "--coder", "amara"]);
        out.split('\t').next().unwrap().to_owned()
    };
    let fact = add("Rents rose forty percent in three years", "factual-assertion");
    let source = add("says the Tenants’ Union", "attribution");
    let demand = add("The council must freeze rents now.", "demand");
    let reply = add("Freezing rents would empty the market", "opinion");
    (dir, [fact, source, demand, reply])
}

fn list(dir: &Path) -> Vec<Value> {
    serde_json::from_str::<Value>(&ok(dir, &["list", "speech.txt", "--format", "json"])).unwrap().as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter().find(|r| r["id"] == id).unwrap()
}

#[test]
fn add_link_draws_links_that_list_shows_on_their_origin() {
    let (dir, [fact, source, demand, reply]) = setup();
    let d = dir.path();
    let out =
        ok(d, &["add-link", "speech.txt", "--from", &fact, "--to", &demand, "--type", "Evidence for", "--note", "-the figure"]);
    let link_id = out.split('\t').next().unwrap().to_owned();
    // A unique start of an id is enough, and the type may be given by id.
    ok(d, &["add-link", "speech.txt", "--from", &source[..8], "--to", &fact[..8], "--type", "source-of"]);
    ok(d, &["add-link", "speech.txt", "--from", &reply, "--to", &demand, "--type", "ATTACKS"]);
    let rows = list(d);
    let links = row(&rows, &fact)["links"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["id"], link_id.as_str());
    assert_eq!(links[0]["type"], "evidence-for");
    assert_eq!(links[0]["type_name"], "Evidence for");
    assert_eq!(links[0]["target"], demand.as_str());
    assert_eq!(links[0]["note"], "-the figure");
    assert_eq!(row(&rows, &source)["links"][0]["target"], fact.as_str());
    assert_eq!(row(&rows, &reply)["links"][0]["type"], "attacks");
    assert_eq!(row(&rows, &demand)["links"].as_array().unwrap().len(), 0, "incoming links are listed on their origin");
    assert!(ok(d, &["list", "speech.txt"]).contains("4 annotation(s), 3 link(s);"));
    let text = std::fs::read_to_string(d.join("speech.txt.annotations.ron")).unwrap();
    assert!(text.contains("    version: 2,\n"));
    assert!(text.contains("            type: \"evidence-for\",\n"), "{text}");
}

#[test]
fn add_link_refuses_unknown_ids_and_types_and_writes_nothing() {
    let (dir, [fact, _source, demand, reply]) = setup();
    let d = dir.path();
    let path = d.join("speech.txt.annotations.ron");
    let before = std::fs::read(&path).unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--from", "00000000-0000-0000-0000-000000000000", "--to", &demand, "--type", "supports"], "--from"),
        (&["--from", &fact, "--to", "nothing", "--type", "supports"], "--to"),
        (&["--from", &fact, "--to", &demand, "--type", "proves"], "no link type \"proves\""),
        (&["--from", &fact, "--to", &fact, "--type", "supports"], "the same"),
        // A source starts at an attribution; an opinion is not one.
        (&["--from", &reply, "--to", &demand, "--type", "source-of"], "cannot start at"),
        (&["--from", &fact, "--to", &demand, "--type", "supports", "--type", "attacks"], "--type"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["add-link", "speech.txt"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = run(d, &all);
        assert_ne!(code, 0, "{all:?}: {stdout}");
        assert!(stderr.contains(expected), "{all:?}: {stderr}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{all:?} wrote the sidecar");
    }
    let (_, _, stderr) = run(d, &["add-link", "speech.txt", "--from", &fact, "--to", &demand, "--type", "proves"]);
    assert!(stderr.contains("Supports (supports)") && stderr.contains("Responds to (responds-to)"), "{stderr}");
}

#[test]
fn links_survive_reanchoring_and_orphaning_and_are_saved_again() {
    let (dir, [fact, source, demand, _reply]) = setup();
    let d = dir.path();
    ok(d, &["add-link", "speech.txt", "--from", &fact, "--to", &demand, "--type", "evidence-for"]);
    ok(d, &["add-link", "speech.txt", "--from", &source, "--to", &fact, "--type", "source-of"]);
    // The fact moves (a line is added before it) and the demand disappears from the text.
    let changed = format!("Good evening.\r\n{}", SPEECH.replace("The council must freeze rents now.\r\n", ""));
    std::fs::write(d.join("speech.txt"), changed).unwrap();
    let mut session = Session::open(&d.join("speech.txt"), None, "amara").unwrap();
    assert_eq!((session.report.reanchored, session.report.orphaned), (3, 1));
    let ids = |s: &Session| {
        let mut v: Vec<(String, String, String)> =
            s.edits.links().iter().map(|l| (l.origin.to_string(), l.link_type.clone(), l.target.to_string())).collect();
        v.sort();
        v
    };
    let mut expected =
        vec![(fact.clone(), "evidence-for".to_owned(), demand.clone()), (source.clone(), "source-of".to_owned(), fact.clone())];
    expected.sort();
    assert_eq!(ids(&session), expected);
    session.save().unwrap();
    let again = Session::open(&d.join("speech.txt"), None, "amara").unwrap();
    assert_eq!(ids(&again), expected);
    // Deleting the orphan takes its link with it; undo brings both back.
    let orphan = again.edits.orphans().next().unwrap().id;
    let mut again = again;
    again.apply(Action::Delete(orphan)).unwrap();
    assert_eq!(again.edits.links().len(), 1);
    again.undo();
    assert_eq!(ids(&again), expected);
}

#[test]
fn a_version_1_sidecar_is_read_and_written_back_as_version_2() {
    let (dir, _) = setup();
    let d = dir.path();
    let path = d.join("speech.txt.annotations.ron");
    // What a Marginalia that knew only version 1 wrote: no links, no link types.
    let mut loaded = sidecar::load(&path).unwrap().unwrap().sidecar;
    loaded.codebook.link_types.clear();
    let v2 = loaded.to_ron();
    let v1 = v2.replacen("    version: 2,\n", "    version: 1,\n", 1).replacen("    links: [],\n", "", 1);
    assert_ne!(v1, v2);
    std::fs::write(&path, &v1).unwrap();
    let read = sidecar::load(&path).unwrap().unwrap().sidecar;
    assert_eq!(read.annotations, loaded.annotations);
    assert!(read.links.is_empty());
    assert_eq!(ok(d, &["check", "speech.txt"]).lines().count(), 1);
    let rows = list(d);
    let (a, b) = (rows[0]["id"].as_str().unwrap().to_owned(), rows[1]["id"].as_str().unwrap().to_owned());
    // A codebook without link types offers none.
    let (code, _, stderr) = run(d, &["add-link", "speech.txt", "--from", &a, "--to", &b, "--type", "supports"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("add link types to the codebook"), "{stderr}");
    // Any save writes version 2.
    ok(d, &["add", "speech.txt", "--quote", "the market", "--code", "opinion"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("    version: 2,\n    document:") && text.contains("    links: [],\n    annotations: ["), "{text}");
}

#[test]
fn a_newer_sidecar_or_a_broken_link_is_refused_with_its_place_and_left_untouched() {
    let (dir, [fact, _source, demand, _reply]) = setup();
    let d = dir.path();
    ok(d, &["add-link", "speech.txt", "--from", &fact, "--to", &demand, "--type", "supports"]);
    let path = d.join("speech.txt.annotations.ron");
    let good = std::fs::read_to_string(&path).unwrap();
    let cases = [
        (good.replacen("    version: 2,\n", "    version: 3,\n", 1), "version 3; this Marginalia reads up to version 2"),
        (
            good.replacen(&format!("target: \"{demand}\""), "target: \"00000000-0000-0000-0000-00000000000a\"", 1),
            "not an annotation",
        ),
        (good.replacen("type: \"supports\"", "type: \"proves\"", 1), "the type \"proves\", which its codebook does not define"),
        (
            good.replacen(
                "            note: \"\",\n            coder",
                "            weight: 2,\n            note: \"\",\n            coder",
                1,
            ),
            "`weight` in a link",
        ),
    ];
    for (text, expected) in cases {
        assert_ne!(text, good);
        std::fs::write(&path, &text).unwrap();
        let (code, stdout, stderr) = run(d, &["add", "speech.txt", "--quote", "the market", "--code", "opinion"]);
        assert_eq!(code, 2, "{stdout}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        assert!(stderr.contains("speech.txt.annotations.ron:"), "the message names the place: {stderr}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "the file was left untouched");
    }
}

//! Merging sidecars in git through the real binary and a real `git merge` (set up with
//! `marginalia git-setup`): links added, changed and deleted on either side survive; a link to
//! an annotation the other side deleted is kept as a conflict; a merge the driver refuses keeps
//! their version beside the file; another document's sidecar is refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, Out};
use marginalia::link::LinkConflict;
use marginalia::sidecar::Sidecar;
use marginalia::{Action, Conflict, Session};
use uuid::Uuid;

const SPEECH: &str = "The ferry must run every hour. Residents want cheaper fares. \
The board will decide in March. Quay Street will be empty by 2030.\n";
const LETTER: &str = "Dear editor,\nThe council must repair the school roof before September, \
and the parents who wrote to you last winter are still waiting for an answer from anyone at all.\n";

fn run(dir: &Path, args: &[&str]) -> Out {
    common::run_in(dir, args, Some("ana"))
}

fn ok(dir: &Path, args: &[&str]) -> String {
    common::ok_in(dir, args, Some("ana"))
}

/// Runs git in `dir` with a fixed identity and no user or system configuration: (success,
/// what it printed).
fn git_run(dir: &Path, args: &[&str]) -> (bool, String) {
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
    (out.status.success(), text)
}

fn git(dir: &Path, args: &[&str]) -> String {
    let (success, text) = git_run(dir, args);
    assert!(success, "git {args:?}: {text}");
    text
}

/// `marginalia add`; the new annotation's id.
fn add(dir: &Path, doc: &str, quote: &str, code: &str) -> Uuid {
    let out = ok(dir, &["add", doc, "--quote", quote, "--code", code, "--coder", "ana"]);
    out.split('\t').next().unwrap().trim().parse().unwrap()
}

/// `marginalia add-link`; the new link's id.
fn add_link(dir: &Path, doc: &str, from: Uuid, to: Uuid, kind: &str) -> Uuid {
    let (from, to) = (from.to_string(), to.to_string());
    let out = ok(dir, &["add-link", doc, "--from", &from, "--to", &to, "--type", kind, "--coder", "ana"]);
    out.split('\t').next().unwrap().trim().parse().unwrap()
}

/// Applies one change as the app does (deleting an annotation deletes its links) and saves.
fn apply(dir: &Path, doc: &str, action: Action) {
    let mut s = Session::open(&dir.join(doc), None, "ana").unwrap();
    s.apply(action).unwrap();
    s.save().unwrap();
}

fn sidecar_path(dir: &Path, doc: &str) -> PathBuf {
    dir.join(format!("{doc}.annotations.ron"))
}

fn sidecar(dir: &Path, doc: &str) -> Sidecar {
    let path = sidecar_path(dir, doc);
    Sidecar::from_ron(&std::fs::read_to_string(&path).unwrap(), &path).unwrap()
}

/// The `.theirs-….ron` copies beside `doc`'s sidecar.
fn theirs_copies(dir: &Path, doc: &str) -> Vec<PathBuf> {
    let prefix = format!("{doc}.annotations.theirs-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&prefix))
        .collect();
    found.sort();
    found
}

/// The four annotations of the speech, in text order.
struct Speech {
    ferry: Uuid,
    fares: Uuid,
    board: Uuid,
    quay: Uuid,
}

/// A repository (documents in `folder` under its top) whose speech has four annotations and
/// two links (ferry supports fares, fares attacks board), committed on `main`.
fn repo(folder: &str) -> (tempfile::TempDir, PathBuf, Speech) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join(folder);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("speech.txt"), SPEECH).unwrap();
    std::fs::write(d.join("letter.txt"), LETTER).unwrap();
    let speech = Speech {
        ferry: add(&d, "speech.txt", "The ferry must run every hour.", "demand"),
        fares: add(&d, "speech.txt", "Residents want cheaper fares.", "opinion"),
        board: add(&d, "speech.txt", "The board will decide in March.", "prediction"),
        quay: add(&d, "speech.txt", "Quay Street will be empty by 2030.", "prediction"),
    };
    add(&d, "letter.txt", "The council must repair the school roof", "demand");
    add_link(&d, "speech.txt", speech.ferry, speech.fares, "supports");
    add_link(&d, "speech.txt", speech.fares, speech.board, "attacks");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let setup = ok(&d, &["git-setup", "."]);
    assert!(setup.contains("merge=marginalia"), "{setup}");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "coded"]);
    (dir, d, speech)
}

fn link_between(s: &Sidecar, origin: Uuid, target: Uuid) -> Option<&marginalia::Link> {
    s.links.iter().find(|l| l.origin == origin && l.target == target)
}

#[test]
fn the_driver_keeps_the_links_of_three_identical_versions() {
    let (dir, d, _) = repo(".");
    let side = sidecar_path(&d, "speech.txt");
    for name in ["O", "A", "B"] {
        std::fs::copy(&side, dir.path().join(name)).unwrap();
    }
    let out = run(dir.path(), &["merge-driver", "O", "A", "B", "speech.txt.annotations.ron"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let merged = std::fs::read_to_string(dir.path().join("A")).unwrap();
    assert_eq!(merged, std::fs::read_to_string(&side).unwrap(), "merging a file with itself changes nothing");
    assert!(out.stderr.contains("0 link(s) added, 0 changed, 0 deleted"), "{}", out.stderr);
}

#[test]
fn links_added_changed_and_deleted_on_either_side_survive_a_git_merge() {
    let (dir, d, s) = repo(".");
    let top = dir.path();
    let fares_board = link_between(&sidecar(&d, "speech.txt"), s.fares, s.board).unwrap().id;
    let ferry_fares = link_between(&sidecar(&d, "speech.txt"), s.ferry, s.fares).unwrap().id;

    git(top, &["checkout", "-q", "-b", "other"]);
    let theirs_link = add_link(&d, "speech.txt", s.board, s.quay, "responds-to");
    apply(&d, "speech.txt", Action::SetLinkNote { id: ferry_fares, note: "an hourly ferry makes fares cheaper".into() });
    git(top, &["commit", "-q", "-am", "links on the branch"]);

    git(top, &["checkout", "-q", "main"]);
    let ours_link = add_link(&d, "speech.txt", s.quay, s.ferry, "attacks");
    apply(&d, "speech.txt", Action::DeleteLink(fares_board));
    git(top, &["commit", "-q", "-am", "links on main"]);

    let (merged_ok, said) = git_run(top, &["merge", "--no-edit", "other"]);
    assert!(merged_ok && !said.contains("CONFLICT"), "{said}");
    assert!(said.contains("1 link(s) added, 1 changed, 0 deleted"), "{said}");
    assert!(git(top, &["status", "--porcelain"]).trim().is_empty());
    let merged = sidecar(&d, "speech.txt");
    let ids: Vec<Uuid> = merged.links.iter().map(|l| l.id).collect();
    assert_eq!(merged.links.len(), 3, "{:#?}", merged.links);
    assert!(ids.contains(&theirs_link), "added on the branch");
    assert!(ids.contains(&ours_link), "added on main");
    assert!(!ids.contains(&fares_board), "deleted on main, unchanged on the branch");
    let note = &merged.links.iter().find(|l| l.id == ferry_fares).unwrap().note;
    assert_eq!(note, "an hourly ferry makes fares cheaper", "changed on the branch only");
    assert!(merged.links.iter().all(|l| l.conflict.is_none()));
    assert_eq!(merged.annotations.len(), 4);
    let check = run(&d, &["check", "speech.txt"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

#[test]
fn a_link_to_an_annotation_deleted_on_the_other_side_is_kept_as_a_conflict() {
    let (dir, d, s) = repo(".");
    let top = dir.path();
    git(top, &["checkout", "-q", "-b", "other"]);
    // The branch deletes "quay" (it had no links) and "board" with its link.
    apply(&d, "speech.txt", Action::Delete(s.quay));
    apply(&d, "speech.txt", Action::Delete(s.board));
    git(top, &["commit", "-q", "-am", "fewer predictions"]);
    git(top, &["checkout", "-q", "main"]);
    // Main links to both, without changing either.
    let to_quay = add_link(&d, "speech.txt", s.ferry, s.quay, "supports");
    let to_board = add_link(&d, "speech.txt", s.board, s.ferry, "responds-to");
    git(top, &["commit", "-q", "-am", "more links"]);

    let (merged_ok, said) = git_run(top, &["merge", "--no-edit", "other"]);
    assert!(!merged_ok, "git stops for a person to look: {said}");
    assert!(said.contains("CONFLICT"), "{said}");
    assert!(said.contains("deleted on one side but linked to on the other"), "{said}");
    let text = std::fs::read_to_string(sidecar_path(&d, "speech.txt")).unwrap();
    assert!(!text.contains("<<<<<<<"), "{text}");
    let merged = sidecar(&d, "speech.txt");
    for (end, link) in [(s.quay, to_quay), (s.board, to_board)] {
        let kept = merged.annotations.iter().find(|a| a.id == end).expect("the linked annotation is kept");
        assert_eq!(kept.conflict, Some(Conflict::ChangedAndDeleted));
        let link = merged.links.iter().find(|l| l.id == link).expect("the link is kept");
        assert_eq!(link.conflict, Some(LinkConflict::EndDeleted(end)));
    }
    // The branch's deletion of "board" took its link to "fares"; with "board" kept for a person
    // to settle, that link is kept (marked) as well, so that keeping "board" keeps all of it.
    let fares_board = link_between(&merged, s.fares, s.board).expect("kept with its end");
    assert_eq!(fares_board.conflict, Some(LinkConflict::EndDeleted(s.board)));
    assert_eq!(merged.annotations.len(), 4);
    assert_eq!(merged.links.len(), 4);
    let check = run(&d, &["check", "speech.txt"]);
    assert!(check.code != 2, "the merged file loads: {}{}", check.stdout, check.stderr);
}

#[test]
fn an_unreadable_version_is_not_merged_and_theirs_is_kept_beside_the_file() {
    let (dir, d, s) = repo("corpus");
    let top = dir.path();
    git(top, &["checkout", "-q", "-b", "other"]);
    apply(&d, "speech.txt", Action::SetNote { id: s.fares, note: "from a newer Marginalia".into() });
    // Their side was written by a Marginalia with a newer sidecar format.
    let path = sidecar_path(&d, "speech.txt");
    let newer = std::fs::read_to_string(&path).unwrap().replacen("version: 2,", "version: 3,", 1);
    std::fs::write(&path, &newer).unwrap();
    git(top, &["commit", "-q", "-am", "newer"]);
    git(top, &["checkout", "-q", "main"]);
    apply(&d, "speech.txt", Action::SetNote { id: s.ferry, note: "ours".into() });
    git(top, &["commit", "-q", "-am", "ours"]);
    let ours = std::fs::read_to_string(&path).unwrap();

    // Run from the documents' folder: the copy still lands beside the sidecar.
    let (merged_ok, said) = git_run(&d, &["merge", "--no-edit", "other"]);
    assert!(!merged_ok, "{said}");
    assert!(said.contains("version 3"), "{said}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), ours, "the file holds our version, untouched");
    let copies = theirs_copies(&d, "speech.txt");
    assert_eq!(copies.len(), 1, "{said}");
    assert_eq!(std::fs::read_to_string(&copies[0]).unwrap(), newer, "theirs, byte for byte");
    let name = copies[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(said.contains(&name), "the message names the copy: {said}");
    assert!(git(top, &["status", "--porcelain"]).contains(&format!("?? corpus/{name}")));
    // Settling by `git add` (keeping ours) still leaves theirs recoverable.
    git(top, &["add", "corpus/speech.txt.annotations.ron"]);
    git(top, &["commit", "-q", "--no-edit"]);
    assert_eq!(std::fs::read_to_string(&copies[0]).unwrap(), newer);
}

#[test]
fn another_documents_sidecar_as_theirs_is_refused_and_kept_beside_the_file() {
    let (dir, d, _) = repo(".");
    let top = dir.path();
    git(top, &["checkout", "-q", "-b", "other"]);
    // Someone copied the letter's sidecar over the speech's.
    let letter = std::fs::read_to_string(sidecar_path(&d, "letter.txt")).unwrap();
    std::fs::write(sidecar_path(&d, "speech.txt"), &letter).unwrap();
    git(top, &["commit", "-q", "-am", "oops"]);
    git(top, &["checkout", "-q", "main"]);
    add(&d, "speech.txt", "every hour", "demand");
    git(top, &["commit", "-q", "-am", "ours"]);
    let ours = std::fs::read_to_string(sidecar_path(&d, "speech.txt")).unwrap();

    let (merged_ok, said) = git_run(top, &["merge", "--no-edit", "other"]);
    assert!(!merged_ok, "{said}");
    assert!(said.contains("speech.txt") && said.contains("letter.txt") && said.contains("another document"), "{said}");
    assert_eq!(std::fs::read_to_string(sidecar_path(&d, "speech.txt")).unwrap(), ours);
    let copies = theirs_copies(&d, "speech.txt");
    assert_eq!(copies.len(), 1, "{said}");
    assert_eq!(std::fs::read_to_string(&copies[0]).unwrap(), letter);
    let check = run(&d, &["check", "speech.txt"]);
    assert_eq!(check.code, 0, "ours still loads with its text: {}{}", check.stdout, check.stderr);
}

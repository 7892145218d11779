//! Whose work a hand-in is: the person (their id), not the name. Two students with one name
//! are both collected, kept apart; the same student handing in again replaces her work; a
//! name alone (a hand-in without an id) never replaces anyone's; a name with a dot or a slash
//! hands in and collects. Through the real binary on temporary folders, and a property over
//! generated sequences of hand-ins.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use marginalia::annotation::Annotation;
use marginalia::codebook::Codebook;
use marginalia::coder::{self, Coder};
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use uuid::Uuid;

use crate::common;
use common::{ok, run};

const SPEECH: &str = "Taxes will fall next year. The bridge must be rebuilt. Our town is the finest in the valley. \
                      Jobs will return soon. Vote for me on Sunday.\n";
const LETTER: &str = "Dear council,\nthe library should open on Mondays. Readers will come back.\nYours, a neighbour\n";

/// A class folder (`class/`, two texts) packed as `package` in a temporary root.
fn class_root(package: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let class = root.path().join("class");
    std::fs::create_dir(&class).unwrap();
    std::fs::write(class.join("speech.txt"), SPEECH).unwrap();
    std::fs::write(class.join("letter.md"), LETTER).unwrap();
    ok(root.path(), &["class", "pack", "class", "-o", package]);
    root
}

/// Unpacks `package` into `folder` and writes the sidecar of speech.txt of the person `name`
/// (with `id` in its header when given) marking each (quote, code); returns the folder.
fn student(dir: &Path, package: &str, folder: &str, name: &str, id: Option<Uuid>, marks: &[(&str, &str)]) -> PathBuf {
    let folder = dir.join(folder);
    ok(dir, &["class", "unpack", package, folder.to_str().unwrap()]);
    write_marks(&folder.join("speech.txt"), name, id, marks);
    folder
}

/// Writes `name`'s sidecar of `doc_path` where the app would (their own file), replacing it.
fn write_marks(doc_path: &Path, name: &str, id: Option<Uuid>, marks: &[(&str, &str)]) -> PathBuf {
    let doc = Document::open(doc_path).unwrap();
    let anns: Vec<Annotation> = marks
        .iter()
        .map(|(quote, code)| {
            let start = doc.char_of(doc.text().find(quote).unwrap_or_else(|| panic!("{quote} not in the text")));
            Annotation::new(&doc, Span::new(start, start + quote.chars().count()), code, name)
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let path = match id {
        Some(id) => coder::sidecar_for(doc_path, &Coder { id, name: name.to_owned() }),
        None => sidecar::coder_path(doc_path, &coder::file_key(name)),
    };
    let mut sc = Sidecar::new(doc_ref, name, Codebook::default(), anns);
    sc.coder_id = id;
    let _ = std::fs::remove_file(&path);
    sidecar::save(&path, &sc, None).unwrap();
    path
}

/// Hands in the work of `name` (with `--coder-id` when `id` is given) from `folder` to `out`.
fn hand_in(dir: &Path, folder: &Path, name: &str, id: Option<Uuid>, out: &str) -> PathBuf {
    let out_path = dir.join(out);
    if let Some(parent) = out_path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let id_text = id.map(|id| id.to_string());
    let mut args = vec!["class", "handin", folder.to_str().unwrap(), "--coder", name, "-o", out];
    if let Some(id) = &id_text {
        args.extend(["--coder-id", id.as_str()]);
    }
    ok(dir, &args);
    out_path
}

/// The (quote, code) pairs of a sidecar on disk.
fn marks_in(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sc = Sidecar::from_ron(&text, path).unwrap();
    sc.annotations.iter().map(|a| (a.exact.clone(), a.code.clone())).collect()
}

fn owned(marks: &[(&str, &str)]) -> Vec<(String, String)> {
    marks.iter().map(|(q, c)| ((*q).to_owned(), (*c).to_owned())).collect()
}

fn zip_names(path: &Path) -> Vec<String> {
    let zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    names.sort();
    names
}

fn zip_entry(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The sidecars of speech.txt in the class folder, by file name.
fn speech_sidecars(class: &Path) -> Vec<String> {
    let mut names: Vec<String> = sidecar::find_sidecars(&class.join("speech.txt"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const FIRST: [(&str, &str); 1] = [("Taxes will fall next year", "prediction")];
const SECOND: [(&str, &str); 1] = [("The bridge must be rebuilt", "demand")];

#[test]
fn two_students_with_one_name_are_both_collected_kept_apart() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    // Both skipped the name prompt: both are "anonymous", each with an id of their own.
    let (one, two) = (Uuid::new_v4(), Uuid::new_v4());
    let f1 = student(dir, "week1.marginalia-assignment", "s1", "anonymous", Some(one), &FIRST);
    let f2 = student(dir, "week1.marginalia-assignment", "s2", "anonymous", Some(two), &SECOND);
    hand_in(dir, &f1, "anonymous", Some(one), "one/week1-anonymous.marginalia-handin");
    hand_in(dir, &f2, "anonymous", Some(two), "two/week1-anonymous.marginalia-handin");

    let out = run(
        dir,
        &["class", "collect", "class", "one/week1-anonymous.marginalia-handin", "two/week1-anonymous.marginalia-handin"],
    );
    let all = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "a hand-in kept apart is for the teacher to see:\n{all}");
    assert!(all.contains("one/week1-anonymous.marginalia-handin: collected 1 sidecar(s) of anonymous"), "{all}");
    let apart = format!("anonymous-{}", coder::short_id(two));
    assert!(all.contains("two/week1-anonymous.marginalia-handin"), "{all}");
    assert!(all.contains("same name as another student's hand-in"), "{all}");
    assert!(all.contains(&format!("kept apart as {apart}")), "{all}");

    // Nobody's work is lost.
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "anonymous")), owned(&FIRST));
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), &apart)), owned(&SECOND));
    let class_ron = std::fs::read_to_string(class.join("class.ron")).unwrap();
    assert!(class_ron.contains(&one.to_string()) && class_ron.contains(&two.to_string()), "{class_ron}");

    // Both are students of the class, told apart.
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    write_marks(&class.join("speech.txt"), "teacher", None, &FIRST);
    let table = ok(dir, &["class", "grade", "class"]);
    assert!(table.lines().any(|l| l.starts_with(&apart)), "{table}");
    assert!(table.lines().any(|l| l.starts_with("anonymous ")), "{table}");

    // Collecting both again changes nothing and loses nothing.
    let out = run(
        dir,
        &["class", "collect", "class", "two/week1-anonymous.marginalia-handin", "one/week1-anonymous.marginalia-handin"],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout.matches("already collected").count(), 2, "{}", out.stdout);
    assert_eq!(
        speech_sidecars(&class),
        [
            format!("speech.txt.{apart}.annotations.ron"),
            "speech.txt.anonymous.annotations.ron".into(),
            "speech.txt.teacher.annotations.ron".into()
        ]
    );
}

#[test]
fn the_same_student_handing_in_again_replaces_her_work_whatever_her_name() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    let ana = Uuid::new_v4();
    let folder = student(dir, "week1.marginalia-assignment", "ana", "ana", Some(ana), &FIRST);
    hand_in(dir, &folder, "ana", Some(ana), "first.marginalia-handin");
    ok(dir, &["class", "collect", "class", "first.marginalia-handin"]);
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "ana")), owned(&FIRST));

    // She works on, then hands in again.
    write_marks(&folder.join("speech.txt"), "ana", Some(ana), &SECOND);
    hand_in(dir, &folder, "ana", Some(ana), "second.marginalia-handin");
    let out = run(dir, &["class", "collect", "class", "second.marginalia-handin"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("second.marginalia-handin: collected 1 sidecar(s) of ana"), "{}", out.stdout);
    assert!(out.stdout.contains("replacing first.marginalia-handin"), "{}", out.stdout);
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "ana")), owned(&SECOND));

    // Under a new name (she changed it in the app): still her, still one student.
    let both: Vec<(&str, &str)> = FIRST.iter().chain(SECOND.iter()).copied().collect();
    let path = write_marks(&folder.join("speech.txt"), "ana", Some(ana), &both);
    coder::rename(&folder, &Coder { id: ana, name: "ana".into() }, "Ana Lima").unwrap();
    assert_eq!(path, sidecar::coder_path(&folder.join("speech.txt"), "ana"));
    hand_in(dir, &folder, "Ana Lima", Some(ana), "third.marginalia-handin");
    let out = run(dir, &["class", "collect", "class", "third.marginalia-handin"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("replacing second.marginalia-handin"), "{}", out.stdout);
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "ana")), owned(&both));
    assert_eq!(speech_sidecars(&class), ["speech.txt.ana.annotations.ron"]);
}

#[test]
fn a_hand_in_without_an_id_never_replaces_a_collected_student() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    let ana = Uuid::new_v4();
    let folder = student(dir, "week1.marginalia-assignment", "ana", "ana", Some(ana), &FIRST);
    hand_in(dir, &folder, "ana", Some(ana), "ana.marginalia-handin");
    ok(dir, &["class", "collect", "class", "ana.marginalia-handin"]);
    let before = std::fs::read(sidecar::coder_path(&class.join("speech.txt"), "ana")).unwrap();

    // Someone else's work, signed only with the name "ana" (no id), handed in later.
    let other = student(dir, "week1.marginalia-assignment", "other", "ana", None, &SECOND);
    let claim = hand_in(dir, &other, "ana", None, "claim.marginalia-handin");
    let manifest = zip_entry(&claim, "manifest.ron");
    assert!(!manifest.contains("coder_id"), "the command line without --coder-id knows no id:\n{manifest}");
    let out = run(dir, &["class", "collect", "class", "claim.marginalia-handin"]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "{all}");
    assert!(all.contains("claim.marginalia-handin") && all.contains("kept apart as ana-"), "{all}");
    assert_eq!(std::fs::read(sidecar::coder_path(&class.join("speech.txt"), "ana")).unwrap(), before, "ana's work is hers");
    let names = speech_sidecars(&class);
    assert_eq!(names.len(), 2, "{names:?}");
    let apart = class.join(names.iter().find(|n| n.starts_with("speech.txt.ana-")).unwrap());
    assert_eq!(marks_in(&apart), owned(&SECOND));

    // The same file again: nothing new, nothing lost, no third copy.
    let out = run(dir, &["class", "collect", "class", "claim.marginalia-handin"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("already collected"), "{}", out.stdout);
    assert_eq!(speech_sidecars(&class).len(), 2);
}

#[test]
fn a_class_folder_from_before_ids_keeps_its_students_and_a_newcomer_with_their_name_apart() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join("class-week1");
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let class = dir.join("class");
    std::fs::create_dir(&class).unwrap();
    for entry in std::fs::read_dir(sample.join("class")).unwrap().flatten() {
        std::fs::copy(entry.path(), class.join(entry.file_name())).unwrap();
    }
    let package = sample.join("week1.marginalia-assignment");
    ok(dir, &["class", "unpack", package.to_str().unwrap(), "newcomer"]);
    let bike = dir.join("newcomer/bike-lanes.txt");
    let doc = Document::open(&bike).unwrap();
    let quote = doc.text().split('.').next().unwrap().to_owned();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let a = Annotation::new(&doc, Span::new(0, quote.chars().count()), "claim", "ana");
    let codebook = Codebook::load(&dir.join("newcomer/codebook.ron")).unwrap();
    sidecar::save(&sidecar::coder_path(&bike, "ana"), &Sidecar::new(doc_ref, "ana", codebook, vec![a]), None).unwrap();
    ok(dir, &["class", "handin", "newcomer", "--coder", "ana", "-o", "week1-ana.marginalia-handin"]);

    let before = std::fs::read(class.join("bike-lanes.txt.ana.annotations.ron")).unwrap();
    let out = run(dir, &["class", "collect", "class", "week1-ana.marginalia-handin"]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "{all}");
    assert!(all.contains("kept apart as ana-"), "{all}");
    assert_eq!(std::fs::read(class.join("bike-lanes.txt.ana.annotations.ron")).unwrap(), before);
    // The class manifest still reads, with the students collected before it had ids.
    let manifest = marginalia::class::load_class(&class).unwrap().unwrap();
    assert!(manifest.collected.contains_key("ana") && manifest.collected.contains_key("ben"));
    assert_eq!(manifest.collected.len(), 3, "{:?}", manifest.collected);
}

#[test]
fn a_name_with_a_dot_or_a_slash_hands_in_and_collects() {
    let root = class_root("week.1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    let id = Uuid::new_v4();
    let folder = student(dir, "week.1.marginalia-assignment", "s", "ana.lima", Some(id), &FIRST);
    // Written where the name prompt's name leads: its file-name part.
    assert!(sidecar::coder_path(&folder.join("speech.txt"), "ana-lima").is_file());
    let id_text = id.to_string();
    let out = ok(dir, &["class", "handin", "s", "--coder", "ana.lima", "--coder-id", &id_text]);
    let handin = dir.join("week-1-ana-lima.marginalia-handin");
    assert!(out.contains("week-1-ana-lima.marginalia-handin"), "{out}");
    assert_eq!(zip_names(&handin), ["manifest.ron", "speech.txt.ana-lima.annotations.ron"]);
    let manifest = zip_entry(&handin, "manifest.ron");
    assert!(manifest.contains("coder: \"ana.lima\"") && manifest.contains(&id_text), "{manifest}");
    let stored = zip_entry(&handin, "speech.txt.ana-lima.annotations.ron");
    assert!(stored.contains("coder: \"ana.lima\"") && stored.contains(&id_text), "{stored}");

    let out = run(dir, &["class", "collect", "class", "week-1-ana-lima.marginalia-handin"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("collected 1 sidecar(s) of ana.lima"), "{}", out.stdout);
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "ana-lima")), owned(&FIRST));

    // A slash is a part of a name too, never of a path.
    let other = Uuid::new_v4();
    let folder = student(dir, "week.1.marginalia-assignment", "t", "../7/b", Some(other), &SECOND);
    let other_text = other.to_string();
    ok(dir, &["class", "handin", folder.to_str().unwrap(), "--coder", "../7/b", "--coder-id", &other_text]);
    let handin = dir.join("week-1-7-b.marginalia-handin");
    assert!(handin.is_file());
    ok(dir, &["class", "collect", "class", "week-1-7-b.marginalia-handin"]);
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "7-b")), owned(&SECOND));
    assert!(!dir.join("x").exists() && !dir.join("7").exists());
}

#[test]
fn a_name_that_would_read_as_the_answer_keys_file_is_kept_apart_and_the_key_untouched() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    let key = write_marks(&class.join("speech.txt"), "teacher", None, &FIRST);
    let key_bytes = std::fs::read(&key).unwrap();
    let id = Uuid::new_v4();
    let folder = student(dir, "week1.marginalia-assignment", "s", "teacher.", Some(id), &SECOND);
    hand_in(dir, &folder, "teacher.", Some(id), "t.marginalia-handin");
    let out = run(dir, &["class", "collect", "class", "t.marginalia-handin"]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "{all}");
    assert!(all.contains(&format!("kept apart as teacher-{}", coder::short_id(id))), "{all}");
    assert_eq!(std::fs::read(&key).unwrap(), key_bytes);
    // The key's own name is still refused.
    let folder = student(dir, "week1.marginalia-assignment", "k", "teacher", Some(Uuid::new_v4()), &SECOND);
    hand_in(dir, &folder, "teacher", None, "k.marginalia-handin");
    let out = run(dir, &["class", "collect", "class", "k.marginalia-handin"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("the name of the answer key"), "{}", out.stderr);
    assert_eq!(std::fs::read(&key).unwrap(), key_bytes);
}

// ---- One file must not break a class. ----

/// Rewrites the manifest of the hand-in `path` with `change`, keeping every other entry.
fn rewrite_manifest(path: &Path, change: impl Fn(&str) -> String) {
    let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let name = entry.name().to_owned();
        if name == "manifest.ron" {
            bytes = change(&String::from_utf8(bytes).unwrap()).into_bytes();
        }
        entries.push((name, bytes));
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut out, &bytes).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// Replaces the `time: "…"` of a hand-in manifest.
fn with_time(manifest: &str, time: &str) -> String {
    let start = manifest.find("time: \"").unwrap() + "time: \"".len();
    let end = start + manifest[start..].find('"').unwrap();
    format!("{}{time}{}", &manifest[..start], &manifest[end..])
}

#[test]
fn a_hand_in_holding_another_texts_sidecar_is_skipped_and_grading_goes_on_for_everyone_else() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    write_marks(&class.join("speech.txt"), "teacher", None, &FIRST);
    let (ana, ben) = (Uuid::new_v4(), Uuid::new_v4());
    let f = student(dir, "week1.marginalia-assignment", "ana", "ana", Some(ana), &FIRST);
    hand_in(dir, &f, "ana", Some(ana), "ana.marginalia-handin");
    // Ben's speech sidecar is his letter sidecar, copied over (a file manager slip).
    let g = student(dir, "week1.marginalia-assignment", "ben", "ben", Some(ben), &SECOND);
    let letter = write_marks(&g.join("letter.md"), "ben", Some(ben), &[("Readers will come back", "prediction")]);
    let speech = coder::sidecar_for(&g.join("speech.txt"), &Coder { id: ben, name: "ben".into() });
    std::fs::copy(&letter, &speech).unwrap();
    std::fs::remove_file(&letter).unwrap();
    hand_in(dir, &g, "ben", Some(ben), "ben.marginalia-handin");

    let out = run(dir, &["class", "collect", "class", "ana.marginalia-handin", "ben.marginalia-handin"]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "{all}");
    assert!(all.contains("ana.marginalia-handin: collected 1 sidecar(s) of ana"), "{all}");
    assert!(
        out.stderr.contains("skipped: ben.marginalia-handin") && out.stderr.contains("made for another text (\"letter.md\""),
        "{all}"
    );
    assert_eq!(speech_sidecars(&class), ["speech.txt.ana.annotations.ron", "speech.txt.teacher.annotations.ron"]);

    // Such a file in the class folder anyway (copied in by hand, or collected by an older
    // version): ana is graded, ben is listed as not graded, and both commands say so.
    let collected_letter = write_marks(&class.join("letter.md"), "ben", Some(ben), &[("Readers will come back", "prediction")]);
    std::fs::rename(&collected_letter, sidecar::coder_path(&class.join("speech.txt"), "ben")).unwrap();
    let out = run(dir, &["class", "grade", "class"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.lines().any(|l| l.starts_with("ana ")), "{}", out.stdout);
    assert!(!out.stdout.lines().any(|l| l.starts_with("ben ")), "{}", out.stdout);
    assert!(
        out.stdout.contains("not graded: ben is not graded") && out.stdout.contains("speech.txt.ben.annotations.ron"),
        "{}",
        out.stdout
    );
    let out = run(dir, &["class", "grade", "class", "--format", "csv"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("ana") && !out.stdout.contains("ben"), "{}", out.stdout);
    assert!(out.stderr.contains("not graded: ben"), "{}", out.stderr);
    let pages = dir.join("pages");
    let out = run(dir, &["class", "feedback", "class", "-o", pages.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("feedback-ana.html"), "{}", out.stdout);
    assert!(out.stderr.contains("not graded: ben"), "{}", out.stderr);
    let out = run(dir, &["class", "feedback", "class", "-o", pages.to_str().unwrap(), "--student", "ben"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("made for another text"), "{}", out.stderr);
}

#[test]
fn a_hand_in_dated_in_the_future_is_flagged_and_never_locks_out_the_real_later_one() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    let ana = Uuid::new_v4();
    let folder = student(dir, "week1.marginalia-assignment", "ana", "ana", Some(ana), &FIRST);
    let first = hand_in(dir, &folder, "ana", Some(ana), "first.marginalia-handin");
    rewrite_manifest(&first, |m| with_time(m, "2999-01-01T00:00:00Z"));
    let out = run(dir, &["class", "collect", "class", "first.marginalia-handin"]);
    assert_eq!(out.code, 1, "a date in the future is for the teacher to see: {}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("dated 2999-01-01T00:00:00Z, in the future"), "{}", out.stderr);

    // Her real, later hand-in replaces it, and says why dates were not used.
    write_marks(&folder.join("speech.txt"), "ana", Some(ana), &SECOND);
    hand_in(dir, &folder, "ana", Some(ana), "second.marginalia-handin");
    let out = run(dir, &["class", "collect", "class", "second.marginalia-handin"]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 1, "{all}");
    assert!(all.contains("replacing first.marginalia-handin"), "{all}");
    assert!(out.stderr.contains("dates cannot say which is newer"), "{all}");
    assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "ana")), owned(&SECOND));

    // Collecting both again (a folder of hand-ins, in any order) keeps the later one.
    for order in
        [["first.marginalia-handin", "second.marginalia-handin"], ["second.marginalia-handin", "first.marginalia-handin"]]
    {
        let out = run(dir, &["class", "collect", "class", order[0], order[1]]);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("skipped: first.marginalia-handin") && all.contains("is older"), "{all}");
        assert!(all.contains("second.marginalia-handin: already collected"), "{all}");
        assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "ana")), owned(&SECOND));
    }

    // Dates from the same clock still order hand-ins: an older one given after a newer one is
    // skipped.
    let third = hand_in(dir, &folder, "ana", Some(ana), "third.marginalia-handin");
    write_marks(&folder.join("speech.txt"), "ana", Some(ana), &FIRST);
    let old = hand_in(dir, &folder, "ana", Some(ana), "old.marginalia-handin");
    rewrite_manifest(&old, |m| with_time(m, "2020-01-01T00:00:00Z"));
    ok(dir, &["class", "collect", "class", third.to_str().unwrap()]);
    let out = run(dir, &["class", "collect", "class", "old.marginalia-handin"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("is older (2020-01-01T00:00:00Z)"), "{}", out.stderr);
}

#[test]
fn lookalike_names_are_flagged_and_invisible_characters_refused() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let class = dir.join("class");
    ok(dir, &["class", "key", "class", "--coder", "Teacher"]);
    let ana = Uuid::new_v4();
    let f = student(dir, "week1.marginalia-assignment", "ana", "ana", Some(ana), &FIRST);
    hand_in(dir, &f, "ana", Some(ana), "ana.marginalia-handin");
    ok(dir, &["class", "collect", "class", "ana.marginalia-handin"]);

    // Cyrillic "а", full-width letters: other file names, the same look.
    for (n, name) in ["\u{0430}na", "ａｎａ", "TEACHER"].into_iter().enumerate() {
        let id = Uuid::new_v4();
        let folder = student(dir, "week1.marginalia-assignment", &format!("s{n}"), name, Some(id), &SECOND);
        let file = format!("s{n}.marginalia-handin");
        hand_in(dir, &folder, name, Some(id), &file);
        let out = run(dir, &["class", "collect", "class", &file]);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert_eq!(out.code, 1, "{name}: {all}");
        let whose =
            if name == "TEACHER" { "the answer key (\"Teacher\")" } else { "\"ana\", collected from ana.marginalia-handin" };
        assert!(all.contains(whose), "{name}: {all}");
        // Nothing lost: ana's work is hers.
        assert_eq!(marks_in(&sidecar::coder_path(&class.join("speech.txt"), "ana")), owned(&FIRST));
    }
    let out = run(dir, &["class", "collect", "class", "s0.marginalia-handin"]);
    assert_eq!(out.code, 0, "collected before: nothing new to check\n{}{}", out.stdout, out.stderr);

    // A zero-width space or a right-to-left override in a name: refused, the file named.
    for (n, name) in ["an\u{200B}a", "ana\u{202E}"].into_iter().enumerate() {
        let zed = Uuid::new_v4();
        let folder = student(dir, "week1.marginalia-assignment", &format!("z{n}"), "zed", Some(zed), &SECOND);
        let file = hand_in(dir, &folder, "zed", Some(zed), &format!("z{n}.marginalia-handin"));
        rewrite_manifest(&file, |m| m.replace("coder: \"zed\"", &format!("coder: \"{name}\"")));
        let out = run(dir, &["class", "collect", "class", file.to_str().unwrap()]);
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("skipped:") && out.stderr.contains("invisible character"), "{}", out.stderr);
    }
}

#[test]
fn an_assignment_package_given_to_collect_is_named_for_what_it_is() {
    let root = class_root("week1.marginalia-assignment");
    let dir = root.path();
    let out = run(dir, &["class", "collect", "class", "week1.marginalia-assignment"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("is an assignment package"), "{}", out.stderr);
    assert!(!out.stderr.contains("field"), "{}", out.stderr);
}

// ---- Any sequence of hand-ins: nobody's work is lost. ----

use proptest::prelude::*;

/// Names from a small set, so that they collide: one with a dot, two that differ only in
/// case, one whose file name would be the answer key's.
const NAMES: [&str; 5] = ["ana", "Ana", "ana.lima", "anonymous", "teacher."];
const QUOTES: [&str; 3] = ["Taxes will fall next year", "Jobs will return soon", "Vote for me on Sunday"];

/// One step of a generated class: a new hand-in, or a file handed in before, given again.
#[derive(Debug, Clone)]
enum Step {
    New {
        name: usize,
        /// 0: no id (made before ids); else one of three people.
        person: usize,
        /// Seconds after a fixed time (in the past), or in the year 2999 (a clock set wrong)
        /// when `future`.
        second: i64,
        future: bool,
        /// Which quotes of the speech are marked (a bit each, never none).
        marks: u8,
        letter: bool,
    },
    Again(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..NAMES.len(), 0..4usize, 0..3i64, proptest::bool::weighted(0.2), 1..8u8, any::<bool>())
            .prop_map(|(name, person, second, future, marks, letter)| Step::New { name, person, second, future, marks, letter }),
        1 => (0..8usize).prop_map(Step::Again),
    ]
}

/// A hand-in made for the property: its id, its time and the sidecars it holds (file name of
/// the text → the bytes stored in the hand-in).
struct Made {
    file: PathBuf,
    id: Option<Uuid>,
    time: time::OffsetDateTime,
    sidecars: Vec<(String, Vec<u8>)>,
}

fn make_handin(dir: &Path, package: &Path, n: usize, step: &Step) -> Made {
    let Step::New { name, person, second, future, marks, letter } = *step else { unreachable!() };
    let name = NAMES[name];
    let id = (person > 0).then(|| Uuid::new_v5(&Uuid::NAMESPACE_OID, &[person as u8]));
    let folder = dir.join(format!("student-{n}"));
    marginalia::class::unpack(package, &folder).unwrap();
    let chosen: Vec<(&str, &str)> =
        QUOTES.iter().enumerate().filter(|(i, _)| marks & (1 << i) != 0).map(|(_, q)| (*q, "prediction")).collect();
    write_marks(&folder.join("speech.txt"), name, id, &chosen);
    if letter {
        write_marks(&folder.join("letter.md"), name, id, &[("Readers will come back", "prediction")]);
    }
    let start =
        if future { time::macros::datetime!(2999-01-01 10:00 UTC) } else { time::macros::datetime!(2026-12-01 10:00 UTC) };
    let time = start + time::Duration::seconds(second);
    let file = dir.join(format!("handin-{n}.marginalia-handin"));
    match id {
        Some(id) => marginalia::class::handin(&folder, &Coder { id, name: name.to_owned() }, Some(&file), time).unwrap(),
        None => marginalia::class::handin_by_name(&folder, name, Some(&file), time).unwrap(),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(&file).unwrap())).unwrap();
    let mut sidecars = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let entry_name = entry.name().to_owned();
        if entry_name == "manifest.ron" {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let doc = ["speech.txt", "letter.md"].into_iter().find(|d| entry_name.starts_with(&format!("{d}."))).unwrap();
        sidecars.push((doc.to_owned(), bytes));
    }
    Made { file, id, time, sidecars }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Collecting any sequence of hand-ins (twice over) keeps every hand-in's sidecars, byte
    /// for byte, unless a hand-in of the same id, as new or newer, came later; every student
    /// (every id, every distinct hand-in without one) has a place of their own in class.ron;
    /// the only hand-ins skipped are older ones of the same person; the key is never touched.
    #[test]
    fn collecting_never_loses_a_hand_in(steps in proptest::collection::vec(step(), 1..8)) {
        let root = class_root("a.marginalia-assignment");
        let dir = root.path();
        let class = dir.join("class");
        ok(dir, &["class", "key", "class", "--coder", "teacher"]);
        let key = write_marks(&class.join("speech.txt"), "teacher", None, &FIRST);
        let key_bytes = std::fs::read(&key).unwrap();

        let mut made: Vec<Made> = Vec::new();
        let mut order: Vec<usize> = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            match step {
                Step::New { .. } => {
                    made.push(make_handin(dir, &dir.join("a.marginalia-assignment"), n, step));
                    order.push(made.len() - 1);
                }
                Step::Again(k) if !made.is_empty() => order.push(k % made.len()),
                Step::Again(_) => {}
            }
        }
        let files: Vec<PathBuf> = order.iter().map(|&i| made[i].file.clone()).collect();

        // What must be there in the end: per id, the last of its newest hand-ins, where a
        // hand-in replaced or skipped once never comes back and a date in the future decides nothing (the
        // later collected wins); every hand-in without an id.
        let future = |i: usize| made[i].time.year() > 2900;
        let mut winners: std::collections::BTreeMap<Uuid, usize> = Default::default();
        let mut replaced: std::collections::BTreeSet<usize> = Default::default();
        let mut kept: Vec<usize> = Vec::new();
        for &i in order.iter().chain(order.iter()) {
            match made[i].id {
                Some(id) => {
                    let w = winners.entry(id).or_insert(i);
                    if *w != i && !replaced.contains(&i) {
                        if made[i].time >= made[*w].time || future(*w) {
                            replaced.insert(*w);
                            *w = i;
                        } else {
                            // Skipped as older: older for good.
                            replaced.insert(i);
                        }
                    }
                }
                None if !kept.contains(&i) => kept.push(i),
                None => {}
            }
        }
        kept.extend(winners.values().copied());

        for _ in 0..2 {
            let outcomes = marginalia::class::collect(&class, &files).unwrap();
            for (file, outcome) in &outcomes {
                match outcome {
                    marginalia::class::CollectOutcome::Skipped { reason } => {
                        prop_assert!(reason.contains("is older"), "{}: {reason}", file.display());
                    }
                    marginalia::class::CollectOutcome::Collected { warning, .. }
                    | marginalia::class::CollectOutcome::Replaced { warning, .. } => {
                        // Every hand-in dated in the future is flagged when it comes in.
                        let i = made.iter().position(|m| &m.file == file).unwrap();
                        if future(i) {
                            prop_assert!(warning.as_deref().is_some_and(|w| w.contains("in the future")), "{warning:?}");
                        }
                    }
                    _ => {}
                }
            }
            prop_assert_eq!(std::fs::read(&key).unwrap(), key_bytes.clone());
            let on_disk: Vec<Vec<u8>> = ["speech.txt", "letter.md"]
                .iter()
                .flat_map(|d| sidecar::find_sidecars(&class.join(d)))
                .map(|p| std::fs::read(p).unwrap())
                .collect();
            for &i in &kept {
                for (doc, bytes) in &made[i].sidecars {
                    prop_assert!(
                        on_disk.contains(bytes),
                        "{}'s sidecar of {doc} is lost; outcomes: {outcomes:#?}",
                        made[i].file.display()
                    );
                }
            }
            let manifest = marginalia::class::load_class(&class).unwrap().unwrap();
            prop_assert_eq!(manifest.collected.len(), kept.len(), "{:#?}", manifest.collected);
        }
    }
}

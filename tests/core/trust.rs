//! Nothing lost, nothing hangs, nothing unsafe printed: several writers of one sidecar at once,
//! fields this build does not know, files that are not regular files, hostile strings, the
//! permissions and links of shared files. Every case runs the real binary on real files in a
//! temporary folder and checks the message, the exit code and every file afterwards.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use marginalia::sidecar;

const BIN: &str = env!("CARGO_BIN_EXE_marginalia");

/// A short text written for these tests: 200 positions are plenty for 200 adds.
const TEXT: &str = "The harbour committee met on Tuesday. It says the ferry will run every hour from May. \
Residents want the night service back and ask the council to publish the budget. \
Nobody at the meeting could say who pays for the new pier.\n";

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).env("MARGINALIA_CODER", "tester").output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("minutes.txt");
    std::fs::write(&doc, TEXT).unwrap();
    (dir, doc)
}

fn add(dir: &Path, range: &str, note: &str) -> Output {
    run_in(dir, &["add", "minutes.txt", "--range", range, "--code", "opinion", "--note", note])
}

/// The ids printed by successful adds (the first column of `add`'s output).
fn printed_id(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).split('\t').next().unwrap_or_default().to_owned()
}

fn stray_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.ends_with(".lock"))
        .collect()
}

fn loaded(path: &Path) -> sidecar::Sidecar {
    sidecar::load(path).unwrap().unwrap().sidecar
}

#[test]
fn two_hundred_adds_eight_at_a_time_all_land() {
    let (dir, _doc) = setup();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= 200 {
                        break;
                    }
                    let out = add(dir.path(), &format!("{i}..{}", i + 4), &format!("n{i}"));
                    results.lock().unwrap().push((i, out));
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    let on_disk = loaded(&dir.path().join("minutes.txt.annotations.ron"));
    let ids: std::collections::HashSet<String> = on_disk.annotations.iter().map(|a| a.id.to_string()).collect();
    let mut succeeded = 0;
    for (i, out) in &results {
        if out.status.success() {
            succeeded += 1;
            assert!(ids.contains(&printed_id(out)), "add {i} exited 0 but is not in the sidecar");
        } else {
            // A writer that gives up says why, on one line.
            assert_eq!(out.status.code(), Some(2), "add {i}: {}", stderr(out));
            assert!(stderr(out).contains("another program"), "add {i}: {}", stderr(out));
        }
    }
    assert_eq!(on_disk.annotations.len(), succeeded);
    // On a quiet machine every one of them lands (each waits its turn for a few seconds at most).
    assert_eq!(succeeded, 200, "all adds should land");
    assert_eq!(stray_files(dir.path()), Vec::<String>::new(), "no temporary or lock files are left");
}

#[test]
fn the_apps_saver_and_command_line_adds_never_lose_each_others_work() {
    use marginalia::{Action, Annotation, ErrorKind, Session};
    let (dir, doc) = setup();
    let path = dir.path().join("minutes.txt.annotations.ron");
    // The app's side: a session that adds and saves through the same job its save thread runs,
    // and, on a conflict, reloads and adds again (what "Reload theirs" does).
    let app = std::thread::spawn({
        let doc = doc.clone();
        move || {
            // The same person as the command line's (MARGINALIA_CODER=tester): one sidecar.
            let mut session = Session::open(&doc, None, "tester").unwrap();
            let mut mine = Vec::new();
            for i in 0..40 {
                let span = session.doc.snap(marginalia::Span::new(100 + i, 104 + i));
                let a = Annotation::new(&session.doc, span, "demand", "tester");
                mine.push(a.id);
                session.apply(Action::Add(a.clone())).unwrap();
                loop {
                    let job = session.save_job();
                    match job.run() {
                        Ok(stamp) => {
                            session.finish_save(job.revision, stamp);
                            break;
                        }
                        Err(e) if e.kind == ErrorKind::Conflict => {
                            session.reload().unwrap();
                            session.apply(Action::Add(a.clone())).unwrap();
                        }
                        Err(e) => panic!("the app's save failed: {e}"),
                    }
                }
            }
            mine
        }
    });
    let mut cli = Vec::new();
    for i in 0..40 {
        let out = add(dir.path(), &format!("{i}..{}", i + 3), "from the command line");
        assert!(out.status.success(), "{}", stderr(&out));
        cli.push(printed_id(&out));
    }
    let mine = app.join().unwrap();
    let on_disk = loaded(&path);
    let ids: std::collections::HashSet<String> = on_disk.annotations.iter().map(|a| a.id.to_string()).collect();
    for id in cli.iter().cloned().chain(mine.iter().map(ToString::to_string)) {
        assert!(ids.contains(&id), "{id} is missing");
    }
    assert_eq!(on_disk.annotations.len(), 80);
    assert_eq!(stray_files(dir.path()), Vec::<String>::new());
}

/// A sidecar made by the real `add`, then edited as a person or a newer version might.
fn sidecar_with(edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let (dir, _doc) = setup();
    assert!(add(dir.path(), "4..12", "first").status.success());
    let path = dir.path().join("minutes.txt.annotations.ron");
    let edited = edit(&std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, &edited).unwrap();
    let _ = std::fs::remove_file(sidecar::backup_path(&path));
    (dir, path, edited.into_bytes())
}

#[test]
fn a_field_this_build_does_not_know_is_named_with_its_line_and_nothing_is_saved_over_it() {
    let cases: [(&str, &str, &str, &str); 5] = [
        ("    version: 2,\n", "    version: 2,\n    origin: \"newer\",\n", "origin", "at the top level"),
        ("        length: ", "        encoding: \"utf-8\",\n        length: ", "encoding", "in `document`"),
        ("        name: \"Claims\",\n", "        name: \"Claims\",\n        licence: \"CC0\",\n", "licence", "in the codebook"),
        ("            cue: ", "            icon: \"flag\",\n            cue: ", "icon", "in a code"),
        (
            "            note: \"first\",\n",
            "            note: \"first\",\n            confidence: \"high\",\n",
            "confidence",
            "in an annotation",
        ),
    ];
    for (find, replace, field, place) in cases {
        let (dir, path, bytes) = sidecar_with(|text| {
            assert!(text.contains(find), "{find:?} in\n{text}");
            text.replacen(find, replace, 1)
        });
        let line = String::from_utf8_lossy(&bytes).lines().position(|l| l.contains(&format!("{field}:"))).unwrap() + 1;
        for args in [
            vec!["check", "minutes.txt"],
            vec!["list", "minutes.txt"],
            vec!["add", "minutes.txt", "--range", "0..3", "--code", "demand"],
        ] {
            let out = run_in(dir.path(), &args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains(&format!(":{line}:")), "{field}: the line {line} is named: {err}");
            assert!(err.contains(&format!("has a field `{field}` {place} that this Marginalia does not know")), "{err}");
            assert!(err.contains("the file was left untouched"), "{err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{field}: the file is unchanged");
        assert!(!sidecar::backup_path(&path).exists(), "{field}: nothing was saved, so no backup either");
    }
}

#[test]
fn a_codebook_file_with_an_unknown_field_is_refused_too() {
    let (dir, _doc) = setup();
    let cb = marginalia::Codebook::default().to_ron().replacen("    codes: [", "    version: 3,\n    codes: [", 1);
    std::fs::write(dir.path().join("codebook.ron"), &cb).unwrap();
    let out = add(dir.path(), "0..3", "x");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("has a field `version` in the codebook"), "{}", stderr(&out));
    assert!(!dir.path().join("minutes.txt.annotations.ron").exists());
}

/// Runs the binary and fails the test (instead of hanging it) if it does not finish in time.
fn run_with_deadline(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("MARGINALIA_CODER", "tester")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("marginalia {args:?} was still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[cfg(unix)]
#[test]
fn a_named_pipe_as_document_or_sidecar_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe.txt"));
    for args in
        [vec!["check", "pipe.txt"], vec!["list", "pipe.txt"], vec!["add", "pipe.txt", "--range", "0..1", "--code", "opinion"]]
    {
        let out = run_with_deadline(dir.path(), &args, Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("pipe.txt: is a named pipe (FIFO), not a regular file"), "{}", stderr(&out));
    }
    let (dir, _doc) = setup();
    mkfifo(&dir.path().join("minutes.txt.annotations.ron"));
    for args in [vec!["check", "minutes.txt"], vec!["add", "minutes.txt", "--range", "0..1", "--code", "opinion"]] {
        let out = run_with_deadline(dir.path(), &args, Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("annotations.ron: is a named pipe"), "{}", stderr(&out));
    }
    let kept = std::fs::symlink_metadata(dir.path().join("minutes.txt.annotations.ron")).unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kept.file_type()), "the pipe was not replaced");
    // A codebook and an import source that are pipes are refused too.
    mkfifo(&dir.path().join("codebook.ron"));
    std::fs::remove_file(dir.path().join("minutes.txt.annotations.ron")).unwrap();
    let out =
        run_with_deadline(dir.path(), &["add", "minutes.txt", "--range", "0..1", "--code", "opinion"], Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("codebook.ron: is a named pipe"), "{}", stderr(&out));
}

#[test]
fn a_huge_quote_is_refused_quickly_with_a_short_message() {
    let big = "x".repeat(50_000_000);
    let (dir, path, bytes) = sidecar_with(|text| {
        let start = text.find("exact: \"").unwrap() + "exact: \"".len();
        let end = start + text[start..].find('"').unwrap();
        format!("{}{big}{}", &text[..start], &text[end..])
    });
    let out = run_with_deadline(dir.path(), &["check", "minutes.txt"], Duration::from_secs(60));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has a quote of 50000000 characters, longer than the whole text"), "{}", &err[..err.len().min(400)]);
    assert!(err.len() < 600, "the message stays short: {} bytes", err.len());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn messages_show_control_characters_escaped_on_one_line() {
    // A code id with an escape sequence, a bell and a line break, as a hostile file might hold.
    let (dir, path, bytes) = sidecar_with(|text| text.replacen("code: \"opinion\"", "code: \"\\u{1b}[2J\\u{7}evil\\nline\"", 1));
    for args in [vec!["check", "minutes.txt"], vec!["list", "minutes.txt"]] {
        let out = run_in(dir.path(), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(!err.bytes().any(|b| b == 0x1b || b == 0x07), "no raw control bytes: {err:?}");
        // The code is quoted (its control characters shown escaped or as spaces), never obeyed.
        assert!(err.contains("[2J") && err.contains("evil") && err.contains("line"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // A file name with a line break and an escape.
    let out = run_in(dir.path(), &["check", "no\nsuch\u{1b}[31m.txt"]);
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
    assert!(err.contains("no\\nsuch\\u{1b}[31m.txt"), "{err}");
}

#[test]
fn free_text_may_start_with_a_dash() {
    let (dir, _doc) = setup();
    let out = run_in(
        dir.path(),
        &["add", "minutes.txt", "--range", "0..3", "--code", "opinion", "--note", "-à revoir", "--coder", "-x-"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let a = &loaded(&dir.path().join("minutes.txt.annotations.ron")).annotations[0];
    assert_eq!((a.note.as_str(), a.coder.as_str()), ("-à revoir", "-x-"));
    let out = run_in(dir.path(), &["add", "minutes.txt", "--quote", "-", "--code", "opinion"]);
    assert_eq!(out.status.code(), Some(2), "a quote that is not in the text is refused, not parsed as an option");
    assert!(stderr(&out).contains("\"-\""), "{}", stderr(&out));
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_save_keeps_the_sidecars_mode_and_a_new_one_follows_the_umask() {
        let (dir, doc) = setup();
        assert!(add(dir.path(), "0..3", "a").status.success());
        let path = sidecar::default_path(&doc);
        // A new sidecar gets what any new file gets here (the test and the binary share a umask).
        let probe = dir.path().join("probe");
        std::fs::File::create(&probe).unwrap();
        assert_eq!(mode(&path), mode(&probe));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        let gid = std::fs::metadata(&path).unwrap().gid();
        assert!(add(dir.path(), "4..8", "b").status.success());
        assert_eq!(mode(&path), 0o664, "others sharing the folder keep their access");
        assert_eq!(std::fs::metadata(&path).unwrap().gid(), gid);
        assert_eq!(loaded(&path).annotations.len(), 2);
    }

    #[test]
    fn a_read_only_sidecar_is_not_replaced() {
        let (dir, doc) = setup();
        assert!(add(dir.path(), "0..3", "the key").status.success());
        let path = sidecar::default_path(&doc);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let before = std::fs::read(&path).unwrap();
        let out = add(dir.path(), "4..8", "a student's change");
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("annotations.ron: is read-only; nothing was written"), "{}", stderr(&out));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(mode(&path), 0o444);
        assert_eq!(stray_files(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_linked_sidecar_is_saved_through_the_link() {
        let (dir, doc) = setup();
        let synced = tempfile::tempdir().unwrap();
        let real = synced.path().join("minutes.txt.annotations.ron");
        assert!(add(dir.path(), "0..3", "first").status.success());
        std::fs::rename(sidecar::default_path(&doc), &real).unwrap();
        std::os::unix::fs::symlink(&real, sidecar::default_path(&doc)).unwrap();
        let out = add(dir.path(), "4..8", "second");
        assert!(out.status.success(), "{}", stderr(&out));
        let link = std::fs::symlink_metadata(sidecar::default_path(&doc)).unwrap();
        assert!(link.file_type().is_symlink(), "the link is still a link");
        assert_eq!(loaded(&real).annotations.len(), 2, "the target got the change");
        assert!(sidecar::backup_path(&real).exists(), "the backup is beside the target");
        assert!(!sidecar::backup_path(&sidecar::default_path(&doc)).exists());
        assert_eq!(stray_files(synced.path()), Vec::<String>::new());
    }

    #[test]
    fn a_hard_linked_sidecar_keeps_a_backup_of_its_own() {
        let (dir, doc) = setup();
        assert!(add(dir.path(), "0..3", "first").status.success());
        let path = sidecar::default_path(&doc);
        let other = dir.path().join("copy-for-the-teacher.ron");
        std::fs::hard_link(&path, &other).unwrap();
        let first = std::fs::read(&path).unwrap();
        assert!(add(dir.path(), "4..8", "second").status.success());
        assert_eq!(std::fs::read(&other).unwrap(), first, "the other name keeps the old content");
        let bak = sidecar::backup_path(&path);
        assert_eq!(std::fs::read(&bak).unwrap(), first);
        assert_ne!(std::fs::metadata(&bak).unwrap().ino(), std::fs::metadata(&other).unwrap().ino());
    }
}

//! A process that saves a sidecar over and over is killed with SIGKILL at random moments; the
//! file must always load and hold one whole saved state, never a mix or a torn write.
//!
//! The parent test re-runs this test binary as the child (`crash_child`, ignored in ordinary
//! runs), so the child goes through the same `sidecar::save` the app and the CLI use.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::{Annotation, Codebook, Document, Span};

const ENV: &str = "MARGINALIA_CRASH_SIDECAR";
const KILLS: usize = 200;

/// The text every state annotates: 4,000 code points with accents, emoji and CRLF.
fn document() -> Document {
    Document::from_text("Ça va, Zoë? — “Vote 🗳️ for Ibáñez” 👨‍👩‍👧‍👦 🇫🇷\r\n".repeat(100))
}

/// How many annotations state `k` has: varies, so a file mixing two states cannot pass as one.
fn count_for(k: u64) -> usize {
    20 + (k as usize * 7919) % 140
}

fn state(doc: &Document, k: u64) -> Sidecar {
    let codes = ["demand", "opinion", "prediction", "factual-assertion"];
    let annotations = (0..count_for(k))
        .map(|i| {
            let start = doc.grapheme_floor((i * 13 + k as usize) % 3_900);
            let span = doc.snap(Span::new(start, start + 1 + (i + k as usize) % 60));
            let mut a = Annotation::new(doc, span, codes[i % codes.len()], "crash");
            a.note = format!("state {k}, annotation {i} — “noted” ✍🏽");
            a
        })
        .collect();
    let doc_ref = DocumentRef { file_name: "speech.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    Sidecar::new(doc_ref, &format!("state-{k}"), Codebook::default(), annotations)
}

/// The state a sidecar holds, after checking that every part of it agrees on it.
fn state_of(path: &Path) -> Option<u64> {
    let loaded = sidecar::load(path).unwrap_or_else(|e| panic!("{} no longer loads: {e}", path.display()))?;
    let s = loaded.sidecar;
    let k: u64 = s.coder.strip_prefix("state-").and_then(|n| n.parse().ok()).expect("coder names the state");
    assert_eq!(s.annotations.len(), count_for(k), "state {k} has the wrong number of annotations");
    for a in &s.annotations {
        assert!(a.note.starts_with(&format!("state {k},")), "an annotation of another state in state {k}: {}", a.note);
    }
    // And it is exactly what state k writes, apart from ids and times.
    let expected = state(&document(), k);
    let strip = |s: &Sidecar| s.annotations.iter().map(|a| (a.start, a.end, a.exact.clone(), a.note.clone())).collect::<Vec<_>>();
    let mut got = strip(&s);
    let mut want = strip(&expected);
    got.sort();
    want.sort();
    assert_eq!(got, want, "state {k} differs from what was saved");
    Some(k)
}

/// The child: loads the sidecar, then saves the next state, forever (until killed).
#[test]
#[ignore = "run by sigkill_during_saves_never_tears_the_sidecar"]
fn crash_child() {
    let Some(path) = std::env::var_os(ENV).map(PathBuf::from) else { return };
    let doc = document();
    let loaded = sidecar::load(&path).expect("the child starts from a loadable sidecar");
    let mut k = loaded.as_ref().map_or(0, |l| l.sidecar.coder.trim_start_matches("state-").parse::<u64>().unwrap());
    let mut stamp = loaded.map(|l| l.stamp);
    loop {
        k += 1;
        stamp = Some(sidecar::save(&path, &state(&doc, k), stamp.as_ref()).expect("save"));
    }
}

/// A small xorshift generator; the seed is printed so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[cfg(unix)]
#[test]
fn sigkill_during_saves_never_tears_the_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("speech.txt.annotations.ron");
    let seed = std::env::var("MARGINALIA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1);
    println!("seed {seed} (set MARGINALIA_CRASH_SEED to replay)");
    let mut rng = Rng(seed);
    let exe = std::env::current_exe().unwrap();
    let spawn = || {
        Command::new(&exe)
            .args(["--exact", "crash::crash_child", "--nocapture", "--ignored", "--test-threads=1"])
            .env(ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run the child")
    };

    // Let the first child write a first state, so that every kill below can hit a save that
    // replaces an existing file.
    let mut child = spawn();
    let waited = Instant::now();
    while state_of(&path).is_none() {
        assert!(waited.elapsed() < Duration::from_secs(20), "the child never saved");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let started = Instant::now();
    let mut last = state_of(&path).unwrap();
    let first = last;
    let mut torn_temporaries = 0;
    for kill in 0..KILLS {
        let mut child = spawn();
        // The child needs a few milliseconds to start; kill it anywhere from before its first
        // save to several saves in.
        std::thread::sleep(Duration::from_micros(2_000 + rng.next() % 100_000));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "kill {kill}: the child ended by itself: {status}");

        let now = state_of(&path).expect("the sidecar exists");
        assert!(now >= last, "kill {kill}: the sidecar went back from state {last} to {now}");
        last = now;
        let backup = sidecar::backup_path(&path);
        if let Some(b) = state_of(&backup) {
            assert!(b + 1 == now || b == now, "kill {kill}: the backup holds state {b}, the sidecar {now}");
        }
        // A kill in the middle of writing leaves the temporary file behind, never the sidecar.
        torn_temporaries += std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .inspect(|e| std::fs::remove_file(e.path()).unwrap())
            .count();
    }
    println!(
        "{KILLS} kills in {:.1} s; states {first}..={last}; {torn_temporaries} kill(s) left a half-written temporary file",
        started.elapsed().as_secs_f64()
    );
    assert!(last > first, "no save finished between {KILLS} kills; the test did not exercise saving");
}

/// What a crash left mid-save is cleared the next time the document is opened; a temporary
/// file young enough to belong to a save under way elsewhere is left alone.
#[test]
fn temporaries_left_by_a_crash_are_cleared_on_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("speech.txt");
    std::fs::write(&doc_path, "Ça va, Zoë? — “Vote 🗳️ for Ibáñez”\r\n").unwrap();
    let path = sidecar::default_path(&doc_path);
    let doc = Document::open(&doc_path).unwrap();
    let doc_ref = DocumentRef { file_name: "speech.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    let kept = Annotation::new(&doc, doc.snap(Span::new(14, 20)), "demand", "crash");
    sidecar::save(&path, &Sidecar::new(doc_ref, "crash", Codebook::default(), vec![kept]), None).unwrap();

    let old = dir.path().join(".speech.txt.annotations.ron.aB3xQ9.tmp");
    let young = dir.path().join(".speech.txt.annotations.ron.Zk81mP.tmp");
    let unrelated = dir.path().join(".notes.txt.annotations.ron.aB3xQ9.tmp");
    for p in [&old, &young, &unrelated] {
        std::fs::write(p, "(format: \"marginalia-annotations\", ver").unwrap();
    }
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for p in [&old, &unrelated] {
        std::fs::File::options().write(true).open(p).unwrap().set_modified(an_hour_ago).unwrap();
    }

    let session = marginalia::session::Session::open(&doc_path, None, "crash").unwrap();
    assert_eq!(session.edits.annotations().len(), 1, "the sidecar itself is untouched");
    assert!(!old.exists(), "an hour-old temporary of this sidecar is removed");
    assert!(young.exists(), "a fresh temporary may be another save under way");
    assert!(unrelated.exists(), "another document's files are not touched");
}

//! A 10 MB text with 100,000 annotations: opening it with its sidecar, and re-anchoring every
//! annotation after an edit at the very start. Run with
//! `cargo test --release --no-default-features --test core scale:: -- --ignored --nocapture`;
//! it prints how long each step took (the figures are for reading, not asserted).

use std::time::Instant;

use marginalia::anchor::reanchor_all;
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::{AnchorStatus, Annotation, Codebook, Document, Session, Span};

#[test]
#[ignore = "slow in debug builds; a measurement, run on demand"]
fn ten_megabytes_and_a_hundred_thousand_annotations() {
    let mut text = String::with_capacity(10_500_000);
    let mut n = 0;
    while text.len() < 10_000_000 {
        text.push_str(&format!(
            "¶{n}: Señora Ibáñez said “rents rose forty percent” — the council must act 🏠👨‍👩‍👧‍👦 🇮🇸 before March.\r\n"
        ));
        n += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("long.txt");
    std::fs::write(&doc_path, &text).unwrap();

    let t = Instant::now();
    let doc = Document::open(&doc_path).unwrap();
    println!("decode {} MB, {} code points: {:?}", text.len() / 1_000_000, doc.len_chars(), t.elapsed());

    let t = Instant::now();
    let step = doc.len_chars() / 100_000;
    let annotations: Vec<Annotation> = (0..100_000)
        .map(|i| {
            let span = doc.snap(Span::new(i * step, i * step + 30));
            Annotation::new(&doc, span, ["demand", "opinion", "prediction"][i % 3], "scale")
        })
        .collect();
    println!("create 100,000 annotations: {:?}", t.elapsed());
    let doc_ref = DocumentRef { file_name: "long.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    let sc = Sidecar::new(doc_ref, "scale", Codebook::default(), annotations.clone());
    let t = Instant::now();
    sidecar::save(&sidecar::default_path(&doc_path), &sc, None).unwrap();
    println!("save sidecar: {:?}", t.elapsed());

    let t = Instant::now();
    let loaded = sidecar::load(&sidecar::default_path(&doc_path)).unwrap().unwrap();
    println!("load and validate the sidecar alone: {:?}", t.elapsed());
    let mut same = loaded.sidecar.annotations;
    let t = Instant::now();
    let report = reanchor_all(&doc, &mut same);
    println!("check 100,000 anchors in the unchanged text: {:?} ({})", t.elapsed(), report.summary());

    let t = Instant::now();
    let session = Session::open(&doc_path, None, "scale").unwrap();
    println!("open document + sidecar + check anchors: {:?} ({})", t.elapsed(), session.report.summary());
    assert_eq!(session.report.anchored, 100_000);

    // An edit at the very start moves every annotation.
    let edited = Document::from_text(format!("Good evening! 🎉\r\n{text}"));
    let mut moved = annotations.clone();
    let t = Instant::now();
    let report = reanchor_all(&edited, &mut moved);
    println!("re-anchor after an insertion at the start: {:?} ({})", t.elapsed(), report.summary());
    assert_eq!(report.reanchored, 100_000);
    for (a, b) in moved.iter().zip(&annotations) {
        assert_eq!(a.status, AnchorStatus::Reanchored);
        assert_eq!(a.start, b.start + 17);
        assert_eq!(a.exact, b.exact);
    }
}

// ---------------------------------------------------------------------------------------------
// The command line on huge inputs

/// Runs the release binary on a 200 MB text (`add`, `list`) and on a sidecar of 1,000,000
/// annotations (`list --format json`, `list`, `check`) and prints each command's wall time and
/// peak memory beside its target. Run with
/// `cargo test --release --no-default-features --test core scale::cli_on_huge -- --ignored --nocapture`.
///
/// The inputs are generated (seeded) into `$MARGINALIA_SCALE_DIR` when it is set, and kept there
/// for the next run (delete the folder to regenerate them), else into a temporary folder.
/// `$MARGINALIA_SCALE_BIN` measures another build of the binary (e.g. an older one) on the same
/// inputs. The figures are for reading, not asserted; what is asserted is that every command
/// succeeds and that the JSON list holds every annotation.
#[test]
#[ignore = "generates 300 MB of text and a 1,000,000-annotation sidecar; a measurement, run on demand"]
fn cli_on_huge_inputs() {
    let temp;
    let dir = match std::env::var_os("MARGINALIA_SCALE_DIR") {
        Some(d) => {
            std::fs::create_dir_all(&d).unwrap();
            std::path::PathBuf::from(d)
        }
        None => {
            temp = tempfile::tempdir().unwrap();
            temp.path().to_path_buf()
        }
    };
    let bin = std::env::var_os("MARGINALIA_SCALE_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_marginalia").into());

    let big = dir.join("big.txt");
    if !big.exists() {
        let t = Instant::now();
        std::fs::write(&big, generated_text(200_000_000, 1)).unwrap();
        println!("generated {}: {:?}", big.display(), t.elapsed());
    }
    let many = dir.join("many.txt");
    let many_sidecar = sidecar::default_path(&many);
    if !many_sidecar.exists() {
        let t = Instant::now();
        std::fs::write(&many, generated_text(100_000_000, 2)).unwrap();
        write_generated_sidecar(&many, 1_000_000, 3);
        println!("generated {} and a sidecar of 1,000,000 annotations: {:?}", many.display(), t.elapsed());
    }
    let _ = std::fs::remove_file(sidecar::default_path(&big));
    let _ = std::fs::remove_file(sidecar::backup_path(&sidecar::default_path(&big)));

    println!("{}", bin.display());
    // CPU time (user + system, all threads) moves less than wall time on a shared machine.
    println!("{:<40} {:>9} {:>8} {:>10}   target", "command", "wall (s)", "CPU (s)", "peak (MB)");
    let out = |name: &str| std::fs::File::create(dir.join(name)).unwrap();
    let cases: Vec<(&str, Vec<&str>, &str, &str)> = vec![
        ("add (200 MB, new sidecar)", vec!["add", "big.txt", "--range", "1000..1040", "--code", "opinion"], "add.out", "≤ 5 s"),
        (
            "add (200 MB, a second annotation)",
            vec!["add", "big.txt", "--range", "5000..5040", "--code", "demand"],
            "add.out",
            "≤ 5 s",
        ),
        ("list (200 MB)", vec!["list", "big.txt"], "list-big.out", ""),
        ("list --format json (1,000,000)", vec!["list", "many.txt", "--format", "json"], "list.json", "≤ 1500 MB"),
        ("list (1,000,000)", vec!["list", "many.txt"], "list.txt", ""),
        ("check (1,000,000)", vec!["check", "many.txt"], "check.out", ""),
    ];
    for (name, args, output, target) in cases {
        let (seconds, cpu, peak_mb, code) = measure(&bin, &dir, &args, out(output));
        println!("{name:<40} {seconds:>9.2} {cpu:>8.2} {peak_mb:>10.0}   {target}");
        assert_eq!(code, 0, "{args:?} failed; see {}", dir.join(output).display());
    }
    // The streamed JSON is one array holding every annotation.
    let json = std::fs::read(dir.join("list.json")).unwrap();
    assert!(json.starts_with(b"[\n  {\n") && json.ends_with(b"\n  }\n]\n"));
    assert_eq!(json.windows(5).filter(|w| w == b"\n  {\n").count(), 1_000_000);
}

/// Runs `bin args` in `dir` with stdout to `out`: (wall seconds, CPU seconds, peak resident
/// MB, exit code).
fn measure(bin: &std::path::Path, dir: &std::path::Path, args: &[&str], out: std::fs::File) -> (f64, f64, f64, i32) {
    let t = Instant::now();
    let child =
        std::process::Command::new(bin).args(args).current_dir(dir).env("MARGINALIA_CODER", "scale").stdout(out).spawn().unwrap();
    let (code, cpu, peak_kb) = wait_with_usage(child);
    (t.elapsed().as_secs_f64(), cpu, peak_kb as f64 / 1000.0, code)
}

/// Waits for the child and returns its exit code, its CPU seconds and its own peak resident
/// set size in KB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn wait_with_usage(child: std::process::Child) -> (i32, f64, i64) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes into the two locals only; the child is not waited for elsewhere.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (code, seconds(usage.ru_utime) + seconds(usage.ru_stime), usage.ru_maxrss)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn wait_with_usage(mut child: std::process::Child) -> (i32, f64, i64) {
    (child.wait().unwrap().code().unwrap_or(-1), 0.0, 0)
}

/// A seeded xorshift generator, so that every run measures the same texts.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// About `bytes` bytes of numbered paragraphs of generated sentences: accents, curly quotes,
/// dashes, some emoji and Greek, CRLF after some paragraphs.
fn generated_text(bytes: usize, seed: u64) -> String {
    const WORDS: [&str; 40] = [
        "the",
        "harbour",
        "committee",
        "voted",
        "against",
        "rents",
        "that",
        "rose",
        "every",
        "spring",
        "and",
        "we",
        "demand",
        "a",
        "fair",
        "budget",
        "for",
        "schools",
        "libraries",
        "ferries",
        "Mme",
        "Brontë",
        "Ibáñez",
        "Ødegård",
        "naïve",
        "café",
        "façade",
        "Øresund",
        "Łódź",
        "mañana",
        "déjà",
        "vu",
        "κοινό",
        "δήμος",
        "🚲",
        "🌧️",
        "👩🏽‍🏫",
        "🇳🇴",
        "minutes",
        "record",
    ];
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut text = String::with_capacity(bytes + 1024);
    let mut n = 0;
    while text.len() < bytes {
        n += 1;
        text.push_str(&format!("¶{n}. "));
        for s in 0..1 + rng.below(12) {
            if s > 0 {
                text.push(' ');
            }
            let quoted = rng.below(6) == 0;
            if quoted {
                text.push('“');
            }
            for w in 0..4 + rng.below(16) {
                if w > 0 {
                    text.push_str(if rng.below(25) == 0 { " — " } else { " " });
                }
                text.push_str(WORDS[rng.below(WORDS.len())]);
            }
            text.push_str(if quoted { ",” they said." } else { [".", ".", "!", "?", "…"][rng.below(5)] });
        }
        text.push_str(if rng.below(7) == 0 { "\r\n" } else { "\n" });
    }
    text
}

/// Writes the sidecar of `doc_path`: `count` annotations of one to two hundred characters
/// (a few up to a thousand), every code of the default codebook, a note on a third.
fn write_generated_sidecar(doc_path: &std::path::Path, count: usize, seed: u64) {
    let doc = Document::open(doc_path).unwrap();
    let codebook = Codebook::default();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let len = doc.len_chars();
    let annotations: Vec<Annotation> = (0..count)
        .map(|i| {
            let start = rng.below(len - 2_000);
            let long = if rng.below(20) == 0 { 1_000 } else { 200 };
            let span = doc.snap(Span::new(start, start + 1 + rng.below(long)));
            let code = &codebook.codes[rng.below(codebook.codes.len())].id;
            let mut a = Annotation::new(&doc, span, code, ["amara", "bruno", "chloé"][i % 3]);
            a.id = uuid::Uuid::from_u64_pair(seed, i as u64);
            if rng.below(3) == 0 {
                a.note = format!("Checked against the minutes of meeting {i} — “see p. {}”.", rng.below(400));
            }
            a
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    sidecar::save(&sidecar::default_path(doc_path), &Sidecar::new(doc_ref, "scale", codebook, annotations), None).unwrap();
}

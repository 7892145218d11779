//! Imports that say exactly what they did, on files shaped like the real ones: a brat folder
//! writes all its files or none and takes what brat itself accepts; offsets that count a
//! byte-order mark land on their text; a SemEval export passes the task's scorers' checks and
//! comes back; brat types keep their ids whatever their labels; each coder of a brat export
//! comes back in a sidecar of their own; a brat import brings only its own types.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{Out, files_under, run_in};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Runs the real binary in `dir` as the coder "ana".
fn run(dir: &Path, args: &[&str]) -> Out {
    run_in(dir, args, Some("ana"))
}

fn ok(dir: &Path, args: &[&str]) -> String {
    common::ok_in(dir, args, Some("ana"))
}

/// Files under `dir` (relative), without the backups and lock files saving leaves.
fn written(dir: &Path) -> Vec<String> {
    if !dir.exists() {
        return vec![];
    }
    files_under(dir)
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| !p.ends_with(".bak") && !p.ends_with(".lock"))
        .collect()
}

fn sidecar(path: &Path) -> marginalia::sidecar::Sidecar {
    marginalia::sidecar::read(path).unwrap().unwrap_or_else(|| panic!("no sidecar {}", path.display()))
}

/// (quote, code) of a sidecar's annotations, sorted.
fn quotes(path: &Path) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = sidecar(path).annotations.iter().map(|a| (a.exact.clone(), a.code.clone())).collect();
    q.sort();
    q
}

fn code_ids(path: &Path) -> Vec<String> {
    sidecar(path).codebook.codes.iter().map(|c| c.id.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// 9. A brat folder imports whole or not at all.

/// WNUT-2020-shaped protocols; one repeats a relation line (R9 = R3) and has a trailing space
/// in a text field, both of which brat itself accepts. The folder imports whole, and the
/// summary says what was merged and what was read past.
#[test]
fn a_brat_folder_with_a_repeated_relation_and_a_trailing_space_imports_whole() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("wlp");
    copy_dir(&fixture("brat-protocols"), &src);
    let out = run(dir.path(), &["import", "wlp", "--into", "corpus"]);
    assert_eq!(out.code, 0, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    let target = dir.path().join("corpus");
    for doc in ["protocol_101", "protocol_102", "protocol_103"] {
        assert!(target.join(format!("{doc}.txt")).exists(), "{doc}: {:?}", written(&target));
        assert!(target.join(format!("{doc}.txt.annotations.ron")).exists(), "{doc}: {:?}", written(&target));
    }
    assert!(out.stdout.contains("11 of 11 annotation(s) imported into"), "{}", out.stdout);
    assert!(out.stdout.contains("8 of 8 relation(s) imported as links"), "the repeated one merged: {}", out.stdout);
    assert!(out.stdout.contains("protocol_102.ann: 1 relation line(s) repeat"), "{}", out.stdout);
    assert!(out.stdout.contains("protocol_102.ann: 1 text field(s) go on after the annotated text"), "{}", out.stdout);
    let s = sidecar(&target.join("protocol_102.txt.annotations.ron"));
    assert_eq!(s.links.len(), 8);
    assert!(s.annotations.iter().any(|a| a.exact == "supernatant"), "the offsets are what counts");
}

/// A folder where one document cannot be imported (an offset past its text) is refused with
/// that document's file and line, and the target folder is left as it was: the documents
/// before it are not written either.
#[test]
fn a_refused_brat_folder_writes_nothing_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("wlp");
    copy_dir(&fixture("brat-protocols"), &src);
    std::fs::write(src.join("protocol_104.txt"), "Vortex briefly.\n").unwrap();
    std::fs::write(src.join("protocol_104.ann"), "T1\tAction 0 6\tVortex\nT2\tModifier 7 140\tbriefly\n").unwrap();
    let target = dir.path().join("corpus");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "already here\n").unwrap();
    let out = run(dir.path(), &["import", "wlp", "--into", "corpus"]);
    assert_eq!(out.code, 2, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    assert!(out.stderr.contains("protocol_104.ann"), "the message names the file: {}", out.stderr);
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert_eq!(written(&target), ["notes.txt"], "nothing was written");

    // A document that exists in the target with other content: refused before anything is
    // written, though the documents before it are fine.
    std::fs::remove_file(src.join("protocol_104.ann")).unwrap();
    std::fs::remove_file(src.join("protocol_104.txt")).unwrap();
    std::fs::write(target.join("protocol_103.txt"), "Another protocol.\n").unwrap();
    let out = run(dir.path(), &["import", "wlp", "--into", "corpus"]);
    assert_eq!(out.code, 2, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    assert!(out.stderr.contains("protocol_103.txt"), "{}", out.stderr);
    assert_eq!(written(&target), ["notes.txt", "protocol_103.txt"], "nothing was written");
}

/// A SemEval import whose second article is in the target with another text is refused before
/// the first is written.
#[test]
fn a_refused_semeval_import_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("semeval-ptc"), dir.path());
    let target = dir.path().join("corpus");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("article700002.txt"), "Another article.\n").unwrap();
    let out = run(dir.path(), &["import", "datasets/train-labels-task-flc-tc", "--into", "corpus"]);
    assert_eq!(out.code, 2, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    assert!(out.stderr.contains("article700002.txt") && out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert_eq!(written(&target), ["article700002.txt"]);
}

// ---------------------------------------------------------------------------------------------
// 10. Offsets that count a byte-order mark.

/// The data set's layout, with article700001.txt starting with a BOM its labels count (as the
/// task's own articles do). Imported spans land on their text; the export keeps the BOM and
/// the offsets that count it, so its labels are the data set's, byte for byte.
#[test]
fn semeval_offsets_that_count_a_bom_land_on_their_text_and_go_back_out_the_same() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("semeval-ptc"), dir.path());
    let stdout = ok(dir.path(), &["import", "datasets/train-labels-task-flc-tc", "--into", "corpus"]);
    let target = dir.path().join("corpus");
    let q = quotes(&target.join("article700001.txt.annotations.ron"));
    for (quote, code) in [
        ("a devastating letter", "Loaded_Language"),
        ("rammed through", "Loaded_Language"),
        ("career bureaucrats who have never worked a day at sea", "Name_Calling,Labeling"),
        ("so-called \"reform\"", "Doubt"),
    ] {
        assert!(q.contains(&(quote.to_owned(), code.to_owned())), "{quote:?} not found in {q:?}");
    }
    assert!(stdout.contains("byte-order mark"), "the summary says how the offsets were read: {stdout}");
    let q2 = quotes(&target.join("article700002.txt.annotations.ron"));
    assert!(q2.contains(&("Real patriots".to_owned(), "Flag-Waving".to_owned())), "no BOM, no shift: {q2:?}");

    ok(dir.path(), &["export", "corpus", "--format", "semeval", "-o", "out"]);
    let out = dir.path().join("out");
    let original = std::fs::read(dir.path().join("datasets/train-articles/article700001.txt")).unwrap();
    assert_eq!(std::fs::read(out.join("article700001.txt")).unwrap(), original, "the text keeps its BOM");
    for id in ["700001", "700002"] {
        let name = format!("article{id}.task-flc-tc.labels");
        assert_eq!(
            std::fs::read_to_string(out.join(&name)).unwrap(),
            std::fs::read_to_string(dir.path().join("datasets/train-labels-task-flc-tc").join(&name)).unwrap(),
            "{name} comes back as it was"
        );
    }
    // Imported again, the export lands on the same text.
    ok(dir.path(), &["import", "out", "--into", "again"]);
    assert_eq!(quotes(&dir.path().join("again/article700001.txt.annotations.ron")), q);
}

/// brat reads a text's BOM as its first character, so offsets brat wrote count it. Such a file
/// imports, and so does one whose offsets do not count it; the summary says which it was.
#[test]
fn brat_offsets_that_count_a_bom_are_read_as_brat_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Le maire a promis un pont avant l’été.\n";
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    std::fs::create_dir(dir.path().join("counted")).unwrap();
    std::fs::write(dir.path().join("counted/promesse.txt"), &bytes).unwrap();
    // As brat counts: the BOM is character 0, so "Le maire" is 1..9.
    std::fs::write(
        dir.path().join("counted/promesse.ann"),
        "T1\tPerson 1 9\tLe maire\nT2\tPromise 12 18\tpromis\nR1\tAgent Arg1:T2 Arg2:T1\n",
    )
    .unwrap();
    let out = run(dir.path(), &["import", "counted/promesse.ann", "--into", "a"]);
    assert_eq!(out.code, 0, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    assert!(out.stdout.contains("byte-order mark"), "{}", out.stdout);
    assert_eq!(
        quotes(&dir.path().join("a/promesse.txt.annotations.ron")),
        [("Le maire".to_owned(), "Person".to_owned()), ("promis".to_owned(), "Promise".to_owned())]
    );

    std::fs::create_dir(dir.path().join("uncounted")).unwrap();
    std::fs::write(dir.path().join("uncounted/promesse.txt"), &bytes).unwrap();
    std::fs::write(dir.path().join("uncounted/promesse.ann"), "T1\tPerson 0 8\tLe maire\n").unwrap();
    ok(dir.path(), &["import", "uncounted/promesse.ann", "--into", "b"]);
    assert_eq!(quotes(&dir.path().join("b/promesse.txt.annotations.ron")), [("Le maire".to_owned(), "Person".to_owned())]);
}

// ---------------------------------------------------------------------------------------------
// 11. The task's scorers accept the export.

/// The 14 techniques of the scorer's list (propaganda-techniques-names-semeval2020task11.txt).
const TECHNIQUES: [&str; 14] = [
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
];

/// Article id → its rows (technique, start, end) in file order.
type ScorerRows = BTreeMap<String, Vec<(String, i64, i64)>>;

/// Rows per article, in file order, as the scorers read them: each line right-stripped and
/// split on tabs into `columns` fields, offsets whole numbers with 0 <= start < end.
fn scorer_rows(text: &str, columns: usize) -> Result<ScorerRows, String> {
    let mut out = ScorerRows::new();
    for (n, line) in text.lines().enumerate() {
        let row: Vec<&str> = line.trim_end().split('\t').collect();
        if row.len() != columns {
            return Err(format!("row {} is supposed to have {columns} columns: {line:?}", n + 1));
        }
        let label = if columns == 4 { row[1].to_owned() } else { String::new() };
        if columns == 4 && !TECHNIQUES.contains(&label.as_str()) {
            return Err(format!("label {label} is not valid"));
        }
        let num = |s: &str| s.parse::<i64>().map_err(|_| format!("row {} has {s:?} for an offset", n + 1));
        let (start, end) = (num(row[columns - 2])?, num(row[columns - 1])?);
        if start < 0 || end <= start {
            return Err(format!("row {}: bad span {start}..{end}", n + 1));
        }
        out.entry(row[0].to_owned()).or_default().push((label, start, end));
    }
    Ok(out)
}

/// The TC scorer's format check (task-TC_scorer.py): the same articles; for each, the rows of
/// both files sorted by start offset (a stable sort, so rows with the same start stay in file
/// order) must have the same spans, one by one.
fn tc_scorer_accepts(gold: &str, submission: &str) -> Result<(), String> {
    let (gold, submission) = (scorer_rows(gold, 4)?, scorer_rows(submission, 4)?);
    if gold.keys().collect::<Vec<_>>() != submission.keys().collect::<Vec<_>>() {
        return Err("the two lists of article ids differ".into());
    }
    for (article, g) in &gold {
        let mut g = g.clone();
        let mut s = submission[article].clone();
        g.sort_by_key(|r| r.1);
        s.sort_by_key(|r| r.1);
        if g.len() != s.len() {
            return Err(format!("the number of annotations for article {article} differs"));
        }
        for (a, b) in g.iter().zip(&s) {
            if (a.1, a.2) != (b.1, b.2) {
                return Err(format!("the spans of article {article} do not match: {a:?} vs {b:?}"));
            }
        }
    }
    Ok(())
}

/// The SI scorer's check (task-SI_scorer.py without -m): no two spans of an article share a
/// character.
fn si_scorer_accepts(submission: &str) -> Result<(), String> {
    for (article, rows) in scorer_rows(submission, 3)? {
        for (i, a) in rows.iter().enumerate() {
            if let Some(b) = rows[..i].iter().find(|b| a.1 < b.2 && b.1 < a.2) {
                return Err(format!("in article {article}, [{}, {}] overlaps [{}, {}]", a.1, a.2, b.1, b.2));
            }
        }
    }
    Ok(())
}

fn concat(dir: &Path, suffix: &str) -> String {
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(suffix)).collect();
    names.sort();
    names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

#[test]
fn semeval_export_passes_the_task_scorers_checks() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("semeval-ptc"), dir.path());
    ok(dir.path(), &["import", "datasets/train-labels-task-flc-tc", "--into", "corpus"]);
    let stdout = ok(dir.path(), &["export", "corpus", "--format", "semeval", "-o", "out"]);
    let out = dir.path().join("out");
    let gold = concat(&dir.path().join("datasets/train-labels-task-flc-tc"), ".task-flc-tc.labels");
    tc_scorer_accepts(&gold, &concat(&out, ".task-flc-tc.labels")).unwrap();
    si_scorer_accepts(&concat(&out, ".task-si.labels")).unwrap();
    assert!(stdout.contains("overlapping"), "the summary says spans were merged: {stdout}");
}

/// A document not named article<ID>.txt goes out under its own name and comes back.
#[test]
fn semeval_export_of_a_document_with_another_name_imports_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("speeches")).unwrap();
    std::fs::write(dir.path().join("speeches/codebook.ron"), marginalia::codebook::SEMEVAL2020_RON).unwrap();
    std::fs::write(dir.path().join("speeches/harbour.txt"), "Our harbour, our pride: vote no, vote no!\n").unwrap();
    ok(dir.path(), &["add", "speeches/harbour.txt", "--code", "Slogans", "--quote", "vote no, vote no!"]);
    ok(dir.path(), &["add", "speeches/harbour.txt", "--code", "Flag-Waving", "--quote", "Our harbour, our pride"]);
    std::fs::write(dir.path().join("speeches/quiet.txt"), "Nothing to see here.\n").unwrap();
    ok(dir.path(), &["export", "speeches", "--format", "semeval", "-o", "out"]);
    let out = run(dir.path(), &["import", "out", "--into", "back"]);
    assert_eq!(out.code, 0, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    assert_eq!(
        quotes(&dir.path().join("back/harbour.txt.annotations.ron")),
        [("Our harbour, our pride".to_owned(), "Flag-Waving".to_owned()), ("vote no, vote no!".to_owned(), "Slogans".to_owned())]
    );
    assert!(dir.path().join("back/quiet.txt").exists(), "{:?}", written(&dir.path().join("back")));
}

// ---------------------------------------------------------------------------------------------
// 12. Types keep their ids.

/// A TDT-shaped dependency document whose visual.conf labels the second-layer type
/// `nsubj-exp` "nsubj", the name of another type; and a visual.conf that labels `Org` and
/// `Organization` alike. Each type keeps its own id.
#[test]
fn brat_types_keep_their_ids_whatever_their_labels() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("tdt");
    std::fs::create_dir(&src).unwrap();
    let text = "Kissa nukkuu ja koira valvoo.\n";
    std::fs::write(src.join("d001.txt"), text).unwrap();
    std::fs::write(
        src.join("d001.ann"),
        "T1\tN 0 5\tKissa\nT2\tV 6 12\tnukkuu\nT3\tC 13 15\tja\nT4\tN 16 21\tkoira\nT5\tV 22 28\tvalvoo\nT6\tPunct 28 29\t.\n\
         R1\tnsubj Arg1:T2 Arg2:T1\nR2\tcc Arg1:T2 Arg2:T3\nR3\tconj Arg1:T2 Arg2:T5\nR4\tnsubj Arg1:T5 Arg2:T4\n\
         R5\tnsubj-exp Arg1:T5 Arg2:T1\nR6\tpunct Arg1:T2 Arg2:T6\n",
    )
    .unwrap();
    std::fs::write(
        src.join("visual.conf"),
        "[labels]\n\nPunct | P\n\nnsubj-exp | nsubj\nconj-exp | conj\n\n[drawing]\n\nN\tbgColor:#a4bced\nV\tbgColor:#adf6a2\nnsubj-exp\tcolor:gray, dashArray:3-3\n",
    )
    .unwrap();
    let stdout = ok(dir.path(), &["import", "tdt", "--into", "tdt-corpus"]);
    let s = sidecar(&dir.path().join("tdt-corpus/d001.txt.annotations.ron"));
    let mut types: Vec<&str> = s.links.iter().map(|l| l.link_type.as_str()).collect();
    types.sort();
    assert_eq!(types, ["cc", "conj", "nsubj", "nsubj", "nsubj-exp", "punct"]);
    assert!(stdout.contains("nsubj-exp named \"nsubj (2)\""), "the shared label is reported: {stdout}");
    let name = |id: &str| s.codebook.link_type(id).unwrap().name.clone();
    assert_eq!(name("nsubj"), "nsubj");
    assert_ne!(name("nsubj-exp"), name("nsubj"), "two types, two names");
    assert!(name("nsubj-exp").starts_with("nsubj"), "{}", name("nsubj-exp"));
    ok(dir.path(), &["export", "tdt-corpus", "--format", "brat", "-o", "tdt-out"]);
    let ann = std::fs::read_to_string(dir.path().join("tdt-out/d001.ann")).unwrap();
    assert!(ann.contains("\tnsubj-exp Arg1:") && ann.matches("\tnsubj Arg1:").count() == 2, "{ann}");

    // Org and Organization, both labelled "Organization".
    let ner = dir.path().join("ner");
    std::fs::create_dir(&ner).unwrap();
    std::fs::write(ner.join("n1.txt"), "Harlco hired the Tenants’ Union.\n").unwrap();
    std::fs::write(ner.join("n1.ann"), "T1\tOrg 0 6\tHarlco\nT2\tOrganization 17 31\tTenants’ Union\n").unwrap();
    std::fs::write(ner.join("visual.conf"), "[labels]\nOrg | Organization\nOrganization | Organization | Org\n").unwrap();
    ok(dir.path(), &["import", "ner", "--into", "ner-corpus"]);
    assert_eq!(
        quotes(&dir.path().join("ner-corpus/n1.txt.annotations.ron")),
        [("Harlco".to_owned(), "Org".to_owned()), ("Tenants’ Union".to_owned(), "Organization".to_owned())]
    );

    // `Supports` into a folder whose codebook has the built-in `supports`: its own type.
    let claims = dir.path().join("claims");
    std::fs::create_dir(&claims).unwrap();
    std::fs::write(claims.join("codebook.ron"), marginalia::codebook::CLAIMS_RON).unwrap();
    let essay = dir.path().join("essay");
    std::fs::create_dir(&essay).unwrap();
    std::fs::write(essay.join("e.txt"), "Rents rose. Freeze them.\n").unwrap();
    std::fs::write(
        essay.join("e.ann"),
        "T1\tPremise 0 11\tRents rose.\nT2\tClaim 12 24\tFreeze them.\nR1\tSupports Arg1:T1 Arg2:T2\n",
    )
    .unwrap();
    ok(dir.path(), &["import", "essay/e.ann", "--into", "claims"]);
    let s = sidecar(&dir.path().join("claims/e.txt.annotations.ron"));
    assert_eq!(s.links[0].link_type, "Supports");
    assert!(s.codebook.link_type("supports").is_some(), "the built-in type is still there, apart");
}

/// Type names brat accepts go out as they are (a relation `_gt_N` from brat's CoNLL-ST 2006
/// data, an entity type `++`); an id brat cannot take (`Name_Calling,Labeling`) gets a brat
/// name and comes back as itself.
#[test]
fn brat_type_names_go_out_as_they_are_and_ids_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("conll");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("s1.txt"), "Han läser boken , och hon skriver .\n").unwrap();
    std::fs::write(
        src.join("s1.ann"),
        "T1\tPO 0 3\tHan\nT2\tVV 4 9\tläser\nT3\tNN 10 15\tboken\nT4\tIK 16 17\t,\nT5\t++ 18 21\toch\n\
         R1\tSS Arg1:T2 Arg2:T1\nR2\tOO Arg1:T2 Arg2:T3\nR3\t_gt_N Arg1:T3 Arg2:T4\nR4\tCC Arg1:T2 Arg2:T5\n",
    )
    .unwrap();
    ok(dir.path(), &["import", "conll", "--into", "c"]);
    ok(dir.path(), &["export", "c", "--format", "brat", "-o", "c-out"]);
    let ann = std::fs::read_to_string(dir.path().join("c-out/s1.ann")).unwrap();
    assert!(ann.contains("\t_gt_N Arg1:T"), "{ann}");
    assert!(ann.contains("\t++ 18 21\toch"), "{ann}");
    let conf = std::fs::read_to_string(dir.path().join("c-out/annotation.conf")).unwrap();
    assert!(conf.lines().any(|l| l.starts_with("_gt_N\t")), "{conf}");

    // SemEval technique ids have commas, which brat names cannot hold.
    copy_dir(&fixture("semeval-ptc"), &dir.path().join("ptc"));
    ok(dir.path(), &["import", "ptc/datasets/train-labels-task-flc-tc", "--into", "p"]);
    ok(dir.path(), &["export", "p", "--format", "brat", "-o", "p-out"]);
    let ann = std::fs::read_to_string(dir.path().join("p-out/article700002.ann")).unwrap();
    let types: Vec<&str> = ann.lines().filter(|l| l.starts_with('T')).map(|l| l.split(['\t', ' ']).nth(1).unwrap()).collect();
    assert!(types.contains(&"Name_Calling_Labeling") && !types.iter().any(|t| t.contains(',')), "{ann}");
    ok(dir.path(), &["import", "p-out", "--into", "p-back"]);
    assert_eq!(
        quotes(&dir.path().join("p-back/article700002.txt.annotations.ron")),
        quotes(&dir.path().join("p/article700002.txt.annotations.ron"))
    );
}

// ---------------------------------------------------------------------------------------------
// 13. Coders come back as themselves.

/// Two coders' work exported to brat (a folder per coder) and imported back: each into a
/// sidecar of their own, whether the whole export or each coder's folder is imported.
#[test]
fn a_brat_export_with_a_folder_per_coder_imports_back_one_sidecar_per_coder() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("speech.txt"), "The bridge will be ready in 2027. We demand answers now.\n").unwrap();
    std::fs::write(project.join("unread.txt"), "Nobody has coded this one yet.\n").unwrap();
    for (coder, quote, code) in
        [("ana", "The bridge will be ready in 2027.", "prediction"), ("bruno", "We demand answers now.", "demand")]
    {
        let sidecar = format!("project/speech.txt.{coder}.annotations.ron");
        ok(dir.path(), &["add", "project/speech.txt", "--code", code, "--quote", quote, "--coder", coder, "--sidecar", &sidecar]);
    }
    ok(dir.path(), &["export", "project", "--format", "brat", "-o", "out"]);
    assert!(dir.path().join("out/ana/speech.ann").exists() && dir.path().join("out/bruno/speech.ann").exists());

    let expect = |target: &Path| {
        for (coder, quote, code) in
            [("ana", "The bridge will be ready in 2027.", "prediction"), ("bruno", "We demand answers now.", "demand")]
        {
            let path = target.join(format!("speech.txt.{coder}.annotations.ron"));
            assert!(path.exists(), "{:?}", written(target));
            assert_eq!(sidecar(&path).coder, coder);
            assert_eq!(quotes(&path), [(quote.to_owned(), code.to_owned())]);
        }
        assert!(!target.join("speech.txt.annotations.ron").exists(), "{:?}", written(target));
    };
    let out = run(dir.path(), &["import", "out", "--into", "whole"]);
    assert_eq!(out.code, 0, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    expect(&dir.path().join("whole"));
    assert!(dir.path().join("whole/unread.txt").exists(), "{:?}", written(&dir.path().join("whole")));

    ok(dir.path(), &["import", "out/ana", "--into", "each"]);
    ok(dir.path(), &["import", "out/bruno", "--into", "each"]);
    expect(&dir.path().join("each"));
}

// ---------------------------------------------------------------------------------------------
// 14. Only what was imported.

/// Into a new folder, a brat import brings its own types and nothing else: no built-in
/// codebook in the sidecars, in the folder, or in a later export.
#[test]
fn brat_import_into_a_new_folder_brings_only_its_own_types() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("brat-protocols"), &dir.path().join("wlp"));
    ok(dir.path(), &["import", "wlp", "--into", "corpus"]);
    let ids = code_ids(&dir.path().join("corpus/protocol_101.txt.annotations.ron"));
    assert!(ids.contains(&"Action".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"factual-assertion".to_owned()), "no built-in code: {ids:?}");
    ok(dir.path(), &["export", "corpus", "--format", "brat", "-o", "out"]);
    let conf = std::fs::read_to_string(dir.path().join("out/annotation.conf")).unwrap();
    for builtin in ["factual-assertion", "demand", "supports", "evidence-for"] {
        assert!(!conf.contains(builtin), "{builtin} in {conf}");
    }
    for own in ["Action", "Reagent", "Acts-on", "Measure"] {
        assert!(conf.contains(own), "{own} not in {conf}");
    }
}

/// A span that ends with its line break (a paragraph selected whole) keeps it through brat.
#[test]
fn a_span_ending_with_a_line_break_keeps_it_through_brat() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let text = "We demand a vote.\r\nThe bridge is late.\n";
    std::fs::write(project.join("memo.txt"), text).unwrap();
    ok(dir.path(), &["add", "project/memo.txt", "--code", "demand", "--range", "0..19"]);
    ok(dir.path(), &["add", "project/memo.txt", "--code", "factual-assertion", "--range", "19..39"]);
    ok(dir.path(), &["export", "project", "--format", "brat", "-o", "out"]);
    ok(dir.path(), &["import", "out", "--into", "back"]);
    let spans: Vec<(usize, usize)> =
        sidecar(&dir.path().join("back/memo.txt.annotations.ron")).annotations.iter().map(|a| (a.start, a.end)).collect();
    assert_eq!(spans, [(0, 19), (19, 39)]);
}

//! The shape of the source tree, checked so that it stays as described in the README:
//! the core (everything under src/ but `ui` and `cli`) never uses egui, and no two top-level
//! modules use each other, directly or through others (no import loops).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without `//` comments (doc comments name other modules freely).
fn code_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Top-level module → the top-level modules its files use through `crate::`.
fn module_uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module_of = |p: &Path| {
        let first = p.strip_prefix(&src).unwrap().components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|p| module_of(p)).filter(|m| m != "main" && m != "lib").collect();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(file);
        if !modules.contains(&from) {
            continue;
        }
        let code = code_of(file);
        let mut used = BTreeSet::new();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                used.extend(group.split(',').map(|part| part.trim().split("::").next().unwrap_or("").to_owned()));
            } else {
                used.insert(rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect());
            }
        }
        let entry = uses.entry(from.clone()).or_default();
        entry.extend(used.into_iter().filter(|m| modules.contains(m) && *m != from));
    }
    uses
}

#[test]
fn no_two_modules_use_each_other_even_through_others() {
    let uses = module_uses();
    assert!(uses.len() > 10, "the modules were found: {uses:?}");
    // Everything reachable from each module; a loop is a module that reaches itself.
    for start in uses.keys() {
        let mut seen = BTreeSet::new();
        let mut path_to: BTreeMap<String, String> = BTreeMap::new();
        let mut todo = vec![start.clone()];
        while let Some(m) = todo.pop() {
            for next in uses.get(&m).into_iter().flatten() {
                if next == start {
                    let mut chain = vec![m.clone()];
                    while let Some(prev) = path_to.get(chain.last().unwrap()) {
                        chain.push(prev.clone());
                    }
                    chain.reverse();
                    panic!("an import loop: {start} -> {} -> {start}", chain[1..].join(" -> "));
                }
                if seen.insert(next.clone()) {
                    path_to.insert(next.clone(), m.clone());
                    todo.push(next.clone());
                }
            }
        }
    }
}

#[test]
fn the_core_does_not_use_the_gui() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        if ["ui", "cli", "main.rs", "lib.rs"].contains(&top.as_str()) {
            continue;
        }
        let code = code_of(&file);
        for word in ["egui", "eframe", "crate::ui", "crate::cli", "rfd::"] {
            assert!(!code.contains(word), "{} (core) uses {word}", rel.display());
        }
    }
}

//! The shape of the source tree, checked so that it stays as described in the README:
//! the core (everything under src/ but `ui`, `bench` and `cli`) never uses egui, no two top-level
//! modules use each other, directly or through others, and no two files do either (no import
//! loops at any level: a file names the files it uses through `crate::`, `super::` and
//! `self::` paths).

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
        if ["ui", "cli", "bench", "main.rs", "lib.rs"].contains(&top.as_str()) {
            continue;
        }
        let code = code_of(&file);
        for word in ["egui", "eframe", "crate::ui", "crate::cli", "rfd::"] {
            assert!(!code.contains(word), "{} (core) uses {word}", rel.display());
        }
    }
}

/// A file's module path: `src/ui/app.rs` is `ui::app`, `src/ui/mod.rs` is `ui`, `src/lib.rs` is
/// the root (empty).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code without its inline test modules (`#[cfg(test)] mod name { … }`), whose `super` is
/// the file itself.
fn without_test_modules(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = rest[at + "#[cfg(test)]".len()..].trim_start();
        let is_module = after.starts_with("mod ") && after.split('\n').next().is_some_and(|l| l.contains('{'));
        if !is_module {
            out.push_str(&rest[..at + 1]);
            rest = &rest[at + 1..];
            continue;
        }
        out.push_str(&rest[..at]);
        let open = rest[at..].find('{').unwrap() + at;
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Parses a path tree at the start of `s` (`a::b::{c, d::e as f, *}`) into whole paths.
fn path_tree(s: &str) -> Vec<Vec<String>> {
    fn ident(s: &str) -> (&str, &str) {
        let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
        (&s[..end], &s[end..])
    }
    fn tree(s: &str) -> (Vec<Vec<String>>, &str) {
        let mut prefix = Vec::new();
        let mut s = s.trim_start();
        loop {
            if let Some(group) = s.strip_prefix('{') {
                let mut all = Vec::new();
                let mut rest = group;
                loop {
                    rest = rest.trim_start();
                    if let Some(after) = rest.strip_prefix('}') {
                        return (all, after);
                    }
                    let (paths, after) = tree(rest);
                    all.extend(paths.into_iter().map(|p| prefix.iter().cloned().chain(p).collect()));
                    rest = after.trim_start();
                    // Skip a rename (`as x`) and the comma.
                    if let Some(after) = rest.strip_prefix("as ") {
                        rest = ident(after.trim_start()).1;
                    }
                    rest = rest.trim_start().strip_prefix(',').unwrap_or(rest);
                    if rest.is_empty() {
                        return (all, rest);
                    }
                }
            }
            let (name, after) = ident(s);
            if name.is_empty() {
                return (vec![prefix], s);
            }
            prefix.push(name.to_owned());
            match after.strip_prefix("::") {
                Some(more) => s = more.trim_start(),
                None => return (vec![prefix], after),
            }
        }
    }
    tree(s).0
}

/// File → the files it uses (other than itself), every `src` file included.
fn file_uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let by_module: BTreeMap<Vec<String>, String> =
        files.iter().map(|f| (module_path(&src, f), f.strip_prefix(&src).unwrap().to_string_lossy().into_owned())).collect();
    let mut uses = BTreeMap::new();
    for file in &files {
        let here = module_path(&src, file);
        let name = by_module[&here].clone();
        let code = without_test_modules(&code_of(file));
        let mut used = BTreeSet::new();
        for (i, _) in code.match_indices("::") {
            // The path's first segment: `crate`, `self` or one or more `super`s.
            let start = code[..i].rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).map_or(0, |p| p + 1);
            let whole = &code[start..];
            let head = &code[start..i];
            let (base, rest) = if head == "crate" {
                (Vec::new(), &whole["crate::".len()..])
            } else if head == "self" {
                (here.clone(), &whole["self::".len()..])
            } else if head.split("::").all(|p| p == "super") && !head.is_empty() {
                let ups = head.split("::").count();
                (here[..here.len().saturating_sub(ups)].to_vec(), &whole[head.len() + 2..])
            } else {
                continue;
            };
            if rest.starts_with("super::") {
                continue; // counted from its first `super`
            }
            for path in path_tree(rest) {
                let full: Vec<String> = base.iter().cloned().chain(path).collect();
                let target = (0..=full.len()).rev().find_map(|n| by_module.get(&full[..n]));
                if let Some(target) = target.filter(|t| **t != name) {
                    used.insert(target.clone());
                }
            }
        }
        uses.insert(name, used);
    }
    uses
}

#[test]
fn no_two_files_use_each_other_even_through_others() {
    let uses = file_uses();
    assert!(uses.get("ui/view.rs").is_some_and(|u| !u.is_empty()), "the files' imports were found: {uses:?}");
    let mut loops = Vec::new();
    for start in uses.keys() {
        // A shortest way back to `start`, if any.
        let mut path_to: BTreeMap<&String, &String> = BTreeMap::new();
        let mut todo = std::collections::VecDeque::from([start]);
        'search: while let Some(f) = todo.pop_front() {
            for next in uses.get(f).into_iter().flatten() {
                if next == start {
                    let mut chain = vec![f];
                    while let Some(prev) = path_to.get(chain.last().unwrap()) {
                        chain.push(prev);
                    }
                    chain.reverse();
                    let names: Vec<&str> = chain.iter().map(|s| s.as_str()).collect();
                    loops.push(format!("{} -> {start}", names.join(" -> ")));
                    break 'search;
                }
                if next != start && !path_to.contains_key(next) {
                    path_to.insert(next, f);
                    todo.push_back(next);
                }
            }
        }
    }
    assert!(loops.is_empty(), "{} files are in import loops:\n{}", loops.len(), loops.join("\n"));
}

/// The README's table of `ui` lists every file there is, and no file that is gone.
#[test]
fn the_readme_lists_every_ui_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = &readme[readme.find("Inside `ui`").expect("the README describes `ui`")..];
    let table = &table[..table.find("\n## ").unwrap_or(table.len())];
    let mut files = Vec::new();
    rust_files(&root.join("src/ui"), &mut files);
    let files: BTreeSet<String> =
        files.iter().map(|f| f.strip_prefix(root.join("src/ui")).unwrap().to_string_lossy().replace('\\', "/")).collect();
    let missing: Vec<&String> = files.iter().filter(|f| !table.contains(&format!("`{f}`"))).collect();
    assert!(missing.is_empty(), "README's `ui` table does not list {missing:?}");
    let listed: Vec<&str> = table.split('`').filter(|w| w.ends_with(".rs") && !w.starts_with("tests/")).collect();
    let gone: Vec<&&str> = listed.iter().filter(|f| !files.contains(**f)).collect();
    assert!(gone.is_empty(), "README's `ui` table lists files that do not exist: {gone:?}");
}

/// Views never start threads: background work belongs to the worker, the folder reader and
/// watcher, and the task starter (which views ask through a command, and the app uses to open
/// a large document).
#[test]
fn only_the_owners_of_background_work_start_threads() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let owners = ["worker.rs", "folder_load.rs", "watch.rs", "task.rs"];
    let mut files = Vec::new();
    rust_files(&ui, &mut files);
    let mut starting = Vec::new();
    for file in &files {
        let name = file.strip_prefix(&ui).unwrap().to_string_lossy().replace('\\', "/");
        let code = without_test_modules(&code_of(file));
        if !owners.contains(&name.as_str()) && (code.contains("thread::spawn") || code.contains("thread::Builder")) {
            starting.push(name);
        }
    }
    assert!(starting.is_empty(), "these ui files start threads of their own: {starting:?}");
}

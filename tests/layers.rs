//! The layers of the crate point one way (DESIGN.md §3): `ui` reads `app`, `app` asks `sync`
//! and `ops`, `aws` reads AWS, `model` depends on nothing. This reads the source under `src/`,
//! collects which top-level modules each one names (`crate::x::…`, `use crate::{x, …}`,
//! `super::` paths that climb to the crate root, in bodies as well as imports; comments,
//! doc comments and string literals are skipped) and fails on an edge [`ALLOWED`] does not
//! hold. It must not grow exceptions per file: an edge is allowed for a whole module or not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which top-level modules each top-level module may use, lowest layers first. Derived from
/// what the code does, checked against the design; a new edge is a design decision, made
/// here on purpose, never to make this test pass.
const ALLOWED: &[(&str, &[&str])] = &[
    // Domain types: no I/O, no SDK, nothing else of ours.
    ("model", &[]),
    ("paths", &[]),
    // Which profiles and regions to read: names only, before any call.
    ("sources", &[]),
    // `[alerts]` names the kinds of events (domain types).
    ("config", &["model", "paths", "sources"]),
    ("audit", &["model", "paths"]),
    // The simulator is its own world: it may share `model` types at most, and never reaches
    // into `app`, `ui` or `console`. Today it shares nothing.
    ("sim", &[]),
    // SDK adapters: never UI state, never actions.
    ("aws", &["config", "model"]),
    // What to fetch when: decides what `aws` reads, never renders.
    ("sync", &["aws", "config", "model"]),
    ("status", &["model", "sources"]),
    // A release gathered from the snapshots of its sources: no I/O.
    ("release", &["config", "model", "sources"]),
    // The evidence beside a decision, read around it and printed: never an action.
    ("evidence", &["aws", "config", "model"]),
    // `cli` parses arguments and picks a mode: the simulator's and `status`'s options, and
    // the verbs' subcommands, which each verb declares in its module.
    // The refresh's intervals and the events `watch` may filter on are named here.
    (
        "cli",
        &[
            "config", "evidence", "model", "ops", "release", "sim", "sources", "status", "sync",
        ],
    ),
    // Operator actions: never the argument parser, never the screen. An action over a
    // release plans from its gathered members and acts in each member's source. A plan on
    // the command line shows the evidence beside its decision.
    (
        "ops",
        &[
            "audit", "aws", "config", "evidence", "model", "release", "sources",
        ],
    ),
    // State and `update`; its runner carries commands out through `aws`, `ops` and `audit`.
    // Releases are gathered from the feeds' snapshots, each feed named as a source.
    // Its runner also reads the evidence beside a dialog's decision and writes a report.
    (
        "app",
        &[
            "audit", "aws", "config", "evidence", "model", "ops", "paths", "release", "report",
            "sources", "sync",
        ],
    ),
    // Drawing reads the state; from `ops` only the types of a dialog (see `NARROW`); a
    // release's members as gathered.
    ("ui", &["app", "model", "ops", "release"]),
    // A deployment's postmortem document: reads through `aws`, the audit log through
    // `audit`; its command (`report::cli`) takes the parsed arguments and the exit codes of
    // the command line.
    (
        "report",
        &["audit", "aws", "cli", "config", "model", "ops", "sources"],
    ),
    // Composes everything: the terminal, the clients, the runtime loop.
    // The bell and desktop notifications are built from the events.
    (
        "console",
        &[
            "app", "aws", "cli", "config", "model", "paths", "sim", "sources", "ui",
        ],
    ),
    // The console's refresh without a screen: the same app, runner and connections.
    (
        "watch",
        &[
            "app", "aws", "cli", "config", "console", "model", "ops", "paths",
        ],
    ),
    // One deployment read until it gets somewhere: reads only, exits as the actions do.
    ("wait", &["aws", "cli", "config", "model", "ops"]),
];

/// Edges allowed only for the items named: what `ui` may take from `ops` are the types a
/// dialog shows, never a call that prepares or sends an action.
const NARROW: &[(&str, &str, &[&str])] = &[("ui", "ops", &["Confirm", "Ended"])];

/// The files under `src/` that belong to no top-level module: the crate roots.
const ROOTS: &[&str] = &["lib.rs", "main.rs"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Dollar,
    Other,
}

/// One reference to a top-level module: `crate::ops::Ended` is `ops` with item `Ended`;
/// `use crate::ops;` or `crate::ops::{self, …}` names the whole module (no item).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    module: String,
    item: Option<String>,
    line: usize,
}

/// Reads Rust source into tokens, skipping comments (doc comments included), strings, byte
/// strings, raw strings and char literals, and counting lines.
struct Lexer {
    c: Vec<char>,
    i: usize,
    line: usize,
    out: Vec<(Token, usize)>,
}

impl Lexer {
    fn at(&self, i: usize) -> char {
        self.c.get(i).copied().unwrap_or('\0')
    }

    /// Steps over one char, counting lines.
    fn bump(&mut self) {
        self.line += usize::from(self.at(self.i) == '\n');
        self.i += 1;
    }

    fn block_comment(&mut self) {
        let mut depth = 0;
        while self.i < self.c.len() {
            if self.at(self.i) == '/' && self.at(self.i + 1) == '*' {
                depth += 1;
                self.i += 2;
            } else if self.at(self.i) == '*' && self.at(self.i + 1) == '/' {
                depth -= 1;
                self.i += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.bump();
            }
        }
    }

    /// From an opening `"` to just past its closing quote (and `hashes` `#` when raw).
    fn string(&mut self, raw_hashes: Option<usize>) {
        self.i += 1;
        while self.i < self.c.len() {
            match (self.at(self.i), raw_hashes) {
                ('\\', None) => self.i += 1,
                ('"', None) => {
                    self.i += 1;
                    return;
                }
                ('"', Some(n)) if (1..=n).all(|k| self.at(self.i + k) == '#') => {
                    self.i += 1 + n;
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// A char literal (`'a'`, `'\n'`, `'\u{1F600}'`) or a lifetime (`'a`).
    fn quote(&mut self) {
        if self.at(self.i + 1) == '\\' {
            self.i += 3;
            while self.i < self.c.len() && self.at(self.i) != '\'' {
                self.i += 1;
            }
            self.i += 1;
        } else if self.at(self.i + 2) == '\'' {
            self.i += 3;
        } else {
            self.i += 1;
        }
    }

    /// An identifier, or the prefix of a byte, C or raw string (`b"…"`, `r#"…"#`).
    fn word(&mut self) {
        let start = self.i;
        while self.i < self.c.len() && (self.c[self.i].is_alphanumeric() || self.c[self.i] == '_') {
            self.i += 1;
        }
        let word: String = self.c[start..self.i].iter().collect();
        let raw = word.ends_with('r');
        if matches!(word.as_str(), "r" | "b" | "br" | "c" | "cr") {
            let mut hashes = 0;
            while raw && self.at(self.i + hashes) == '#' {
                hashes += 1;
            }
            if self.at(self.i + hashes) == '"' {
                self.i += hashes;
                self.string(raw.then_some(hashes));
                return;
            }
            if word == "b" && self.at(self.i) == '\'' {
                return; // a byte literal: skipped next as a char literal
            }
        }
        self.out.push((Token::Ident(word), self.line));
    }

    fn punct(&mut self, ch: char) {
        let token = match ch {
            ':' if self.at(self.i + 1) == ':' => {
                self.i += 1;
                Token::PathSep
            }
            '{' => Token::Open,
            '}' => Token::Close,
            ',' => Token::Comma,
            '$' => Token::Dollar,
            _ => Token::Other,
        };
        self.out.push((token, self.line));
        self.i += 1;
    }
}

/// Tokens of Rust source, without comments, strings and char literals, each with its line.
fn tokens(source: &str) -> Vec<(Token, usize)> {
    let mut lexer = Lexer {
        c: source.chars().collect(),
        i: 0,
        line: 1,
        out: Vec::new(),
    };
    while lexer.i < lexer.c.len() {
        let (ch, next) = (lexer.at(lexer.i), lexer.at(lexer.i + 1));
        match ch {
            '/' if next == '/' => {
                while lexer.i < lexer.c.len() && lexer.at(lexer.i) != '\n' {
                    lexer.i += 1;
                }
            }
            '/' if next == '*' => lexer.block_comment(),
            '"' => lexer.string(None),
            '\'' => lexer.quote(),
            c if c.is_alphabetic() || c == '_' => lexer.word(),
            // Numbers, suffixes included (`1u64`, `0x1F`).
            c if c.is_ascii_digit() => {
                while lexer.i < lexer.c.len()
                    && (lexer.at(lexer.i).is_alphanumeric() || lexer.at(lexer.i) == '_')
                {
                    lexer.i += 1;
                }
            }
            c if c.is_whitespace() => lexer.bump(),
            c => lexer.punct(c),
        }
    }
    lexer.out
}

/// Reads a use tree or a path from `i` (just past `crate::`), pushing each leaf path; returns
/// where it stopped.
fn tree(
    t: &[(Token, usize)],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<Vec<String>>,
) -> usize {
    match t.get(i).map(|(token, _)| token) {
        Some(Token::Open) => {
            i += 1;
            loop {
                match t.get(i).map(|(token, _)| token) {
                    None => return i,
                    Some(Token::Close) => return i + 1,
                    Some(Token::Comma) => i += 1,
                    Some(_) => {
                        let next = tree(t, i, prefix, out);
                        // `Foo as Bar`: skip to the next item.
                        i = next.max(i + 1);
                        while let Some((token, _)) = t.get(i) {
                            if matches!(token, Token::Comma | Token::Close) {
                                break;
                            }
                            i += 1;
                        }
                    }
                }
            }
        }
        Some(Token::Ident(name)) => {
            let mut path = prefix.to_vec();
            path.push(name.clone());
            if t.get(i + 1).map(|(token, _)| token) == Some(&Token::PathSep) {
                tree(t, i + 2, &path, out)
            } else {
                out.push(path);
                i + 1
            }
        }
        _ => {
            out.push(prefix.to_vec());
            i
        }
    }
}

/// Every reference to a top-level module in one file's source. `depth` is how deep the file
/// sits below the crate root (`app/mod.rs` is 1, `app/rows.rs` 2), for `super::` paths.
fn references(source: &str, depth: usize) -> Vec<Reference> {
    let t = tokens(source);
    let token = |i: usize| t.get(i).map(|(token, _)| token);
    let ident = |i: usize, word: &str| matches!(token(i), Some(Token::Ident(w)) if w == word);
    let mut found = Vec::new();
    // Inline `mod x { … }` blocks make `super::` climb one level less far.
    let (mut braces, mut inline_mods) = (0usize, Vec::new());
    let mut i = 0;
    while i < t.len() {
        let line = t[i].1;
        let after_sep = i > 0 && token(i - 1) == Some(&Token::PathSep);
        let root = if ident(i, "crate") && token(i + 1) == Some(&Token::PathSep) {
            (i == 0 || token(i - 1) != Some(&Token::Dollar)).then_some(i + 2)
        } else if ident(i, "super") && !after_sep {
            let mut j = i;
            let mut climbs = 0;
            while ident(j, "super") && token(j + 1) == Some(&Token::PathSep) {
                climbs += 1;
                j += 2;
            }
            (climbs == depth + inline_mods.len()).then_some(j)
        } else {
            None
        };
        if let Some(start) = root {
            let mut paths = Vec::new();
            i = tree(&t, start, &[], &mut paths).max(i + 1);
            found.extend(
                paths
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| Reference {
                        module: p[0].clone(),
                        item: p.get(1).filter(|item| *item != "self").cloned(),
                        line,
                    }),
            );
            continue;
        }
        match token(i) {
            Some(Token::Ident(w))
                if w == "mod"
                    && matches!(token(i + 1), Some(Token::Ident(_)))
                    && token(i + 2) == Some(&Token::Open) =>
            {
                inline_mods.push(braces);
                braces += 1;
                i += 3;
                continue;
            }
            Some(Token::Open) => braces += 1,
            Some(Token::Close) => {
                braces = braces.saturating_sub(1);
                if inline_mods.last() == Some(&braces) {
                    inline_mods.pop();
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A source file under `src/`: its top-level module and how deep its module sits.
struct SourceFile {
    shown: String,
    module: String,
    depth: usize,
    text: String,
}

fn source_files() -> Vec<SourceFile> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&src).expect("under src").to_path_buf();
            let parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if parts.len() == 1 && ROOTS.contains(&parts[0].as_str()) {
                return None;
            }
            let module = parts[0].trim_end_matches(".rs").to_owned();
            let depth = parts.len() - usize::from(parts.last().is_some_and(|p| p == "mod.rs"));
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            let shown = format!("src/{}", parts.join("/"));
            Some(SourceFile {
                shown,
                module,
                depth,
                text,
            })
        })
        .collect()
}

fn allowed(from: &str) -> Option<&'static [&'static str]> {
    ALLOWED
        .iter()
        .find(|(m, _)| *m == from)
        .map(|(_, uses)| *uses)
}

/// Why `from` may not refer to `reference`, if it may not.
fn forbidden(from: &str, reference: &Reference) -> Option<String> {
    let to = reference.module.as_str();
    if to == from || allowed(to).is_none() {
        return None; // itself, or not a module (a macro or item at the crate root)
    }
    let uses = allowed(from)?;
    if !uses.contains(&to) {
        return Some(format!("`{from}` may use only [{}]", uses.join(", ")));
    }
    let narrow = NARROW.iter().find(|(f, t, _)| *f == from && *t == to);
    if let Some((_, _, items)) = narrow {
        let named = reference.item.as_deref();
        if !named.is_some_and(|item| items.contains(&item)) {
            return Some(format!(
                "from `{to}`, `{from}` may use only [{}]",
                items.join(", ")
            ));
        }
    }
    None
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let mut violations = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in source_files() {
        if allowed(&file.module).is_none() {
            violations.push(format!(
                "{}: the top-level module `{}` is not in the layers table of tests/layers.rs: \
                 add it with the modules it may use",
                file.shown, file.module
            ));
            continue;
        }
        for reference in references(&file.text, file.depth) {
            if reference.module != file.module && allowed(&reference.module).is_some() {
                let uses = edges.entry(file.module.clone()).or_default();
                uses.insert(reference.module.clone());
            }
            if let Some(why) = forbidden(&file.module, &reference) {
                let item = reference
                    .item
                    .as_deref()
                    .map_or(String::new(), |i| format!("::{i}"));
                violations.push(format!(
                    "{}:{}: forbidden edge {} -> {} (crate::{}{item}): {why}",
                    file.shown, reference.line, file.module, reference.module, reference.module,
                ));
            }
        }
    }
    for (from, uses) in &edges {
        println!(
            "{from} -> {}",
            uses.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    assert!(
        violations.is_empty(),
        "layers are broken (DESIGN.md §3, the table in tests/layers.rs):\n{}",
        violations.join("\n")
    );
}

/// The modules of `table` that sit on a cycle (and those that use them), if any: modules
/// whose uses are all peeled off are peeled off in turn; whatever is left cannot be.
fn on_a_cycle<'a>(table: &[(&'a str, &[&'a str])]) -> Vec<&'a str> {
    let uses = |m: &str| {
        table
            .iter()
            .find(|(n, _)| *n == m)
            .map_or(&[][..], |(_, u)| *u)
    };
    let mut left: Vec<&str> = table.iter().map(|(m, _)| *m).collect();
    loop {
        let remaining = left.clone();
        left.retain(|m| uses(m).iter().any(|to| *to != *m && remaining.contains(to)));
        if left.is_empty() || left.len() == remaining.len() {
            return left;
        }
    }
}

#[test]
fn the_allowed_layers_have_no_cycle() {
    for (from, uses) in ALLOWED {
        for to in *uses {
            assert!(
                allowed(to).is_some(),
                "`{from}` may use `{to}`, which is not in the table"
            );
            assert_ne!(from, to, "`{from}` lists itself");
        }
    }
    let cycle = on_a_cycle(ALLOWED);
    assert!(
        cycle.is_empty(),
        "the allowed layers have a cycle among {cycle:?}"
    );
}

#[test]
fn a_cycle_in_a_table_is_found() {
    let table: &[(&str, &[&str])] = &[
        ("model", &[]),
        ("app", &["model", "ui"]),
        ("ui", &["app"]),
        ("console", &["ui"]),
    ];
    assert_eq!(on_a_cycle(table), ["app", "ui", "console"]);
    assert!(on_a_cycle(&table[..2]).is_empty());
}

#[test]
fn the_scanner_sees_use_trees_paths_in_bodies_and_super_paths() {
    let source = "use crate::{app::{App, rows::Row}, model as m};\n\
                  fn f() { let _ = crate::ops::who(); }\n\
                  use super::ui::draw;\n\
                  mod tests { use super::super::paths; use super::config::Nope; }\n\
                  macro_rules! m { () => { $crate::sim::x() } }\n";
    let found: Vec<(String, Option<String>, usize)> = references(source, 1)
        .into_iter()
        .map(|r| (r.module, r.item, r.line))
        .collect();
    let expected = [
        ("app", Some("App"), 1),
        ("app", Some("rows"), 1),
        ("model", None, 1),
        ("ops", Some("who"), 2),
        ("ui", Some("draw"), 3),
        ("paths", None, 4),
    ];
    let expected: Vec<(String, Option<String>, usize)> = expected
        .iter()
        .map(|(m, i, l)| ((*m).to_owned(), i.map(str::to_owned), *l))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn the_scanner_skips_comments_strings_and_char_literals() {
    let source = "//! uses crate::ui\n/// crate::ui::draw\n// crate::ops\n/* crate::aws /* nested */ \
                  crate::sim */\nconst S: &str = \"crate::ui \\\" crate::ops\";\n\
                  const R: &str = r#\"crate::ui \" crate::ops\"#;\nconst B: &[u8] = b\"crate::ui\";\n\
                  const C: char = '\"'; fn g<'a>(x: &'a str) {}\nuse crate::model::Snapshot;\n";
    let found = references(source, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].module, "model");
    assert_eq!(found[0].line, 9);
}

#[test]
fn a_forbidden_edge_and_an_item_outside_a_narrow_edge_are_named() {
    let reference = |module: &str, item: Option<&str>| Reference {
        module: module.to_owned(),
        item: item.map(str::to_owned),
        line: 1,
    };
    assert!(forbidden("app", &reference("ui", Some("draw"))).is_some());
    assert!(forbidden("model", &reference("aws", None)).is_some());
    assert!(forbidden("sim", &reference("app", Some("App"))).is_some());
    assert!(forbidden("ui", &reference("ops", Some("execute"))).is_some());
    assert!(forbidden("ui", &reference("ops", None)).is_some());
    assert_eq!(forbidden("ui", &reference("ops", Some("Ended"))), None);
    assert_eq!(forbidden("ui", &reference("app", Some("App"))), None);
}

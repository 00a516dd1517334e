//! The evidence in a terminal's few words, a line each: `web  image  web:1.4.2 → web:1.5.0`,
//! `web  env  + FEATURE_X  − OLD_FLAG  ~ DB_URL`, `task  cpu 256 → 512`. Names only: a value
//! of an environment variable or a secret is never among them (the diff holds none).

use super::{Change, ContainerDiff, Diff, Evidence, Health, Names, Side};
use crate::model::deploy::short_task_definition;

impl Evidence {
    /// The evidence as lines for a terminal, without trailing newlines.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = &self.source {
            let short: String = c.id.chars().take(7).collect();
            let mut line = format!("source    {short}");
            if let Some(first) = c.message.as_deref().and_then(|m| m.lines().next()) {
                line.push(' ');
                line.push_str(first);
            }
            if let Some(author) = &c.author {
                line.push_str(&format!(" · by {author}"));
            }
            if let Some(url) = &c.url {
                line.push_str(&format!(" · {url}"));
            }
            out.push(line);
        }
        if let Some(side) = &self.running {
            out.push(format!("runs now  {}", side_text(side)));
        }
        if let Some(side) = &self.next {
            out.push(format!("will run  {}", side_text(side)));
        }
        if let Some(diff) = &self.diff {
            diff_lines(diff, &mut out);
        }
        if let Some(h) = &self.health {
            health_lines(h, &mut out);
        }
        for why in &self.unavailable {
            out.push(format!("evidence unavailable: {why}"));
        }
        out
    }
}

fn side_text(side: &Side) -> String {
    let td = short_task_definition(&side.task_definition);
    match &side.service {
        Some(service) => format!("{td} on {service} ({})", side.label),
        None => format!("{td} ({})", side.label),
    }
}

fn diff_lines(diff: &Diff, out: &mut Vec<String>) {
    let (from, to) = (
        short_task_definition(&diff.from),
        short_task_definition(&diff.to),
    );
    if diff.is_empty() {
        out.push(format!(
            "changes   none: {from} and {to} run the same images, settings and names"
        ));
        return;
    }
    out.push(format!("changes   {from} → {to}"));
    for change in &diff.task {
        out.push(format!("  task  {}", change_text(change)));
    }
    for c in &diff.containers {
        match c {
            ContainerDiff::Added { name, image } => {
                out.push(format!("  + {name}  {}", short_image(image)));
            }
            ContainerDiff::Removed { name, image } => {
                out.push(format!("  − {name}  {}", short_image(image)));
            }
            ContainerDiff::Changed {
                name,
                fields,
                environment,
                secrets,
            } => {
                for change in fields {
                    if change.field == "image" {
                        let (a, b) = images(change.from.as_deref(), change.to.as_deref());
                        out.push(format!("  {name}  image  {a} → {b}"));
                    } else {
                        out.push(format!("  {name}  {}", change_text(change)));
                    }
                }
                if !environment.is_empty() {
                    out.push(format!("  {name}  env  {}", names_text(environment)));
                }
                if !secrets.is_empty() {
                    out.push(format!("  {name}  secrets  {}", names_text(secrets)));
                }
            }
        }
    }
}

fn change_text(c: &Change) -> String {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "unset".to_owned());
    format!("{} {} → {}", c.field, show(&c.from), show(&c.to))
}

fn names_text(n: &Names) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(n.added.iter().map(|k| format!("+ {k}")));
    parts.extend(n.removed.iter().map(|k| format!("− {k}")));
    parts.extend(n.changed.iter().map(|k| format!("~ {k}")));
    parts.join("  ")
}

/// `web:1.5.0` from `123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.5.0`.
fn short_image(image: &str) -> &str {
    image.rsplit('/').next().unwrap_or(image)
}

/// Two images as short as they can be while still told apart (same name and tag from two
/// registries are shown whole).
fn images<'a>(from: Option<&'a str>, to: Option<&'a str>) -> (&'a str, &'a str) {
    let (from, to) = (from.unwrap_or("unset"), to.unwrap_or("unset"));
    if short_image(from) == short_image(to) {
        (from, to)
    } else {
        (short_image(from), short_image(to))
    }
}

fn health_lines(h: &Health, out: &mut Vec<String>) {
    let mut line = format!(
        "health    {}  {}/{} running",
        h.service, h.running, h.desired
    );
    if h.pending > 0 {
        line.push_str(&format!(", {} pending", h.pending));
    }
    match h.targets {
        Some((healthy, all)) => line.push_str(&format!(" · {healthy}/{all} targets healthy")),
        None => line.push_str(" · target health not read"),
    }
    out.push(line);
    for t in &h.unhealthy {
        let why = [t.reason.as_deref(), t.description.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
        out.push(
            format!("  {} {} {why}", t.id, t.state.as_str())
                .trim_end()
                .to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Container, Fingerprint, Point, TaskDefinition};
    use super::*;

    fn definition(arn: &str, image: &str, env: &[(&str, &str)], cpu: &str) -> TaskDefinition {
        TaskDefinition {
            arn: format!("arn:aws:ecs:eu-west-1:1:task-definition/{arn}"),
            cpu: Some(cpu.into()),
            memory: Some("512".into()),
            containers: vec![Container {
                name: "web".into(),
                image: format!("111122223333.dkr.ecr.eu-west-1.amazonaws.com/{image}"),
                environment: env
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Fingerprint::of(v)))
                    .collect(),
                ..Container::default()
            }],
        }
    }

    #[test]
    fn a_diff_reads_as_short_lines_naming_what_changed_and_never_a_value() {
        let from = definition(
            "web:7",
            "web:1.4.2",
            &[("DB_URL", "postgres://old-secret"), ("OLD_FLAG", "1")],
            "256",
        );
        let to = definition(
            "web:8",
            "web:1.5.0",
            &[("DB_URL", "postgres://new-secret"), ("FEATURE_X", "on")],
            "512",
        );
        let evidence = Evidence {
            point: Point::Ready {
                deployment: "d-ABCDEF123".into(),
            },
            source: None,
            running: None,
            next: None,
            diff: Some(Diff::between(&from, &to)),
            health: None,
            unavailable: vec![],
        };
        let lines = evidence.lines();
        assert_eq!(
            lines,
            [
                "changes   web:7 → web:8",
                "  task  cpu 256 → 512",
                "  web  image  web:1.4.2 → web:1.5.0",
                "  web  env  + FEATURE_X  − OLD_FLAG  ~ DB_URL",
            ]
        );
        let json = serde_json::to_string(&evidence).expect("json");
        for text in [lines.join("\n"), json] {
            assert!(!text.contains("secret"), "{text}");
            assert!(!text.contains("postgres"), "{text}");
        }
        let same = Evidence {
            diff: Some(Diff::between(&from, &from)),
            ..evidence
        };
        assert!(same.lines()[0].starts_with("changes   none: web:7 and web:7"));
    }
}

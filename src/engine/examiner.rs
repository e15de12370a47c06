//! Examiner tests: a form first when the test has `inputs`, then the script on
//! a thread; its result comes back as an event.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::outcome::{Outcome, Why};
use super::{Engine, FormField, Mode, Note, Request};
use crate::action::{Action, ExaminerTest};
use crate::model::ActionRef;
use crate::runtime::{self, examiner, Event};

impl Engine {
    pub(super) fn examiner_action(
        &mut self,
        r: ActionRef,
        a: &Action,
        t: &ExaminerTest,
    ) -> Outcome {
        let fields = form_fields(t.inputs.as_ref());
        if fields.is_empty() {
            return self.start_examiner(r, a, t, None);
        }
        match self.mode {
            Mode::Interactive => {
                self.notes.push(Note::Ask(
                    r,
                    Request::Form {
                        test: t.name.clone(),
                        fields,
                    },
                ));
                Outcome::NeedsPerson(Why::Input {
                    what: "waiting for the form's answers".into(),
                })
            }
            // In a test, a form is answered by `lectern: {answers}`, else its defaults.
            Mode::Test { .. } => {
                let given = a.common.test.answers.clone().unwrap_or_default();
                let missing: Vec<&str> = fields
                    .iter()
                    .filter(|f| f.default.is_empty() && !given.contains_key(&f.key))
                    .map(|f| f.key.as_str())
                    .collect();
                if !missing.is_empty() {
                    return Outcome::NeedsPerson(Why::Input {
                        what: format!(
                            "the form needs answers for {} (lectern: {{answers: ...}})",
                            missing.join(", ")
                        ),
                    });
                }
                let values = fields
                    .iter()
                    .map(|f| {
                        let v = given
                            .get(&f.key)
                            .cloned()
                            .unwrap_or_else(|| typed_value(&f.kind, &f.default));
                        (f.key.clone(), v)
                    })
                    .collect();
                self.start_examiner(r, a, t, Some(serde_json::Value::Object(values)))
            }
        }
    }

    pub(super) fn start_examiner(
        &mut self,
        r: ActionRef,
        a: &Action,
        t: &ExaminerTest,
        input: Option<serde_json::Value>,
    ) -> Outcome {
        let stop = Arc::new(AtomicBool::new(false));
        self.stop_examiners(Some(r));
        self.exam_stops.push((r, stop.clone()));
        if let (Mode::Test { budget }, None) = (self.mode, t.retries) {
            // "Until the learner leaves the page": here, until the budget ends.
            let (s, b) = (stop.clone(), a.common.test.budget.unwrap_or(budget));
            std::thread::spawn(move || {
                std::thread::sleep(b);
                s.store(true, std::sync::atomic::Ordering::Release);
            });
        }
        let (dir, cwd) = (self.ws.workshop_dir.clone(), self.ws.exercises_dir());
        let env = runtime::session_env(&self.ws, &self.store);
        let tx = self.rt.sender();
        let sessions = self.rt.sessions.clone();
        let sandbox = self.rt.sandbox.clone();
        let test = t.clone();
        std::thread::spawn(move || {
            let res = crate::runtime::guard::run("running an examiner test", || {
                examiner::run(
                    &examiner::Context {
                        workshop_dir: &dir,
                        cwd: &cwd,
                        env: &env,
                        sessions: &sessions,
                        sandbox: sandbox.as_ref(),
                    },
                    &test,
                    input.as_ref(),
                    &stop,
                )
            })
            .unwrap_or_else(|why| examiner::ExamResult {
                passed: false,
                output: why,
                attempts: 1,
                took: std::time::Duration::ZERO,
            });
            let _ = tx.send(Event::Examiner(r, res));
        });
        Outcome::Running {
            since: std::time::Instant::now(),
            what: Some(format!("checking {}", t.name)),
        }
    }
}

/// An answer typed as the form's field asks for.
pub fn typed_value(kind: &str, value: &str) -> serde_json::Value {
    use serde_json::Value;
    match kind {
        "integer" => value
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(value.into())),
        "number" => value
            .trim()
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or(Value::String(value.into())),
        "boolean" => Value::Bool(matches!(value.trim(), "y" | "yes" | "true" | "1")),
        _ => Value::String(value.into()),
    }
}

/// The fields of an examiner `inputs` form. Educates lists them under
/// `inputs.schema` (`name: {type, title, default}`); a JSON schema's
/// `properties` is read too.
pub fn form_fields(inputs: Option<&serde_json::Value>) -> Vec<FormField> {
    let Some(inputs) = inputs else {
        return Vec::new();
    };
    let schema = &inputs["schema"];
    let props = schema["properties"]
        .as_object()
        .or_else(|| schema.as_object())
        .or_else(|| inputs["properties"].as_object());
    props
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_object())
                .map(|(k, v)| {
                    let title = v["title"]
                        .as_str()
                        .or_else(|| v["description"].as_str())
                        .unwrap_or(k)
                        .trim();
                    let prompt = if title.ends_with(':') {
                        title.to_string()
                    } else {
                        format!("{title}:")
                    };
                    let default = match &v["default"] {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    FormField {
                        key: k.clone(),
                        prompt,
                        kind: v["type"].as_str().unwrap_or("string").to_string(),
                        default,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

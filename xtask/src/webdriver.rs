//! A minimal W3C WebDriver client over plain HTTP, enough for the desktop tests: open a session,
//! find elements by CSS selector, click them, type into them, read their text, run a script in
//! the page. (Screenshots come from the X server: `x11_screenshot`.)
//!
//! It only ever talks to tauri-driver on 127.0.0.1.

use std::{
    thread,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// The key under which W3C WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Keys as WebDriver spells them inside typed text.
pub mod keys {
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const CONTROL: &str = "\u{E009}";
    pub const TAB: &str = "\u{E004}";
}

pub struct Session {
    agent: ureq::Agent,
    base: String,
    id: String,
}

pub struct Element(String);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Waits until the WebDriver server on `port` answers `/status`.
pub fn wait_until_ready(port: u16, timeout: Duration) -> Result<()> {
    let agent = agent();
    let url = format!("http://127.0.0.1:{port}/status");
    let deadline = Instant::now() + timeout;
    loop {
        if agent.get(&url).call().is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("no WebDriver server answered on {url} within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(200));
    }
}

impl Session {
    /// Starts `application` through tauri-driver listening on `port`.
    pub fn start(port: u16, application: &str) -> Result<Self> {
        let agent = agent();
        let base = format!("http://127.0.0.1:{port}/session");
        let capabilities = json!({
            "capabilities": { "alwaysMatch": { "tauri:options": { "application": application } } }
        });
        let value = send(agent.post(&base).send_json(&capabilities), "new session")?;
        let id = value["sessionId"].as_str().context("new session: no sessionId in the reply")?.to_owned();
        Ok(Self { agent, base, id })
    }

    pub fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let url = format!("{}/{}/elements", self.base, self.id);
        let body = json!({ "using": "css selector", "value": css });
        let value = send(self.agent.post(&url).send_json(&body), "find elements")?;
        let found = value.as_array().context("find elements: reply is not a list")?;
        found
            .iter()
            .map(|element| {
                element[ELEMENT_KEY]
                    .as_str()
                    .map(|id| Element(id.to_owned()))
                    .context("find elements: reply holds no element reference")
            })
            .collect()
    }

    /// The elements matching `css` inside `parent`.
    pub fn find_within(&self, parent: &Element, css: &str) -> Result<Vec<Element>> {
        let url = format!("{}/{}/element/{}/elements", self.base, self.id, parent.0);
        let body = json!({ "using": "css selector", "value": css });
        let value = send(self.agent.post(&url).send_json(&body), "find elements within")?;
        let found = value.as_array().context("find elements within: reply is not a list")?;
        found
            .iter()
            .map(|element| {
                element[ELEMENT_KEY]
                    .as_str()
                    .map(|id| Element(id.to_owned()))
                    .context("find elements within: reply holds no element reference")
            })
            .collect()
    }

    /// Polls for `css` until it matches something or `timeout` passes.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Vec<Element>> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.find_all(css)?;
            if !found.is_empty() || Instant::now() > deadline {
                return Ok(found);
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    /// Polls for the first element matching `css`; an error names the selector on time-out.
    pub fn wait_one(&self, css: &str, timeout: Duration) -> Result<Element> {
        self.wait_for(css, timeout)?
            .into_iter()
            .next()
            .with_context(|| format!("nothing matched `{css}` within {timeout:?}"))
    }

    /// Polls until `check` holds for the page, returning its last answer on time-out as an error.
    pub fn wait_until(&self, what: &str, timeout: Duration, mut check: impl FnMut() -> Result<bool>) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if check()? {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{what}: not so within {timeout:?}");
            }
            thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn click(&self, element: &Element) -> Result<()> {
        let url = format!("{}/{}/element/{}/click", self.base, self.id, element.0);
        send(self.agent.post(&url).send_json(json!({})), "element click").map(drop)
    }

    /// Types `text` into the element (WebDriver key codes from [`keys`] press those keys).
    pub fn type_into(&self, element: &Element, text: &str) -> Result<()> {
        let url = format!("{}/{}/element/{}/value", self.base, self.id, element.0);
        send(self.agent.post(&url).send_json(json!({ "text": text })), "element send keys").map(drop)
    }

    pub fn clear(&self, element: &Element) -> Result<()> {
        let url = format!("{}/{}/element/{}/clear", self.base, self.id, element.0);
        send(self.agent.post(&url).send_json(json!({})), "element clear").map(drop)
    }

    /// Presses and releases `keys` together (e.g. Control and `k`), wherever the focus is.
    pub fn chord(&self, keys: &[&str]) -> Result<()> {
        let mut actions = Vec::new();
        for key in keys {
            actions.push(json!({ "type": "keyDown", "value": key }));
        }
        for key in keys.iter().rev() {
            actions.push(json!({ "type": "keyUp", "value": key }));
        }
        let url = format!("{}/{}/actions", self.base, self.id);
        let body = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] });
        send(self.agent.post(&url).send_json(&body), "perform actions")?;
        let release = format!("{}/{}/actions", self.base, self.id);
        send(self.agent.delete(&release).call(), "release actions").map(drop)
    }

    /// Types `text` one key after another, wherever the focus is (no element is clicked first).
    pub fn keys(&self, text: &str) -> Result<()> {
        let mut actions = Vec::new();
        for c in text.chars() {
            let key = c.to_string();
            actions.push(json!({ "type": "keyDown", "value": key }));
            actions.push(json!({ "type": "keyUp", "value": key }));
        }
        let url = format!("{}/{}/actions", self.base, self.id);
        let body = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] });
        send(self.agent.post(&url).send_json(&body), "perform actions")?;
        send(self.agent.delete(&url).call(), "release actions").map(drop)
    }

    /// An attribute of the element, `None` when it has none.
    pub fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let url = format!("{}/{}/element/{}/attribute/{name}", self.base, self.id, element.0);
        let value = send(self.agent.get(&url).call(), "element attribute")?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        let url = format!("{}/{}/execute/sync", self.base, self.id);
        send(self.agent.post(&url).send_json(json!({ "script": script, "args": args })), "execute script")
    }

    /// Like [`Session::execute`], but the script ends by calling its last argument with the result.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value> {
        let url = format!("{}/{}/execute/async", self.base, self.id);
        send(self.agent.post(&url).send_json(json!({ "script": script, "args": args })), "execute async script")
    }

    pub fn text(&self, element: &Element) -> Result<String> {
        let url = format!("{}/{}/element/{}/text", self.base, self.id, element.0);
        let value = send(self.agent.get(&url).call(), "element text")?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Ends the session, which closes the app.
    pub fn end(self) -> Result<()> {
        let url = format!("{}/{}", self.base, self.id);
        send(self.agent.delete(&url).call(), "delete session").map(drop)
    }
}

/// Unwraps a WebDriver reply: `{"value": …}`, or an error object inside `value`.
fn send(reply: Result<ureq::http::Response<ureq::Body>, ureq::Error>, what: &str) -> Result<Value> {
    let mut reply = reply.with_context(|| format!("{what}: request failed"))?;
    let status = reply.status();
    let body: Value = reply.body_mut().read_json().with_context(|| format!("{what}: reply is not JSON ({status})"))?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        let message = value["message"].as_str().unwrap_or_default();
        bail!("{what}: WebDriver error `{error}`: {message}");
    }
    if !status.is_success() {
        bail!("{what}: HTTP {status}");
    }
    Ok(value)
}

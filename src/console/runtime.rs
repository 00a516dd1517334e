//! The loop that owns the state: messages from finished commands first, then input, then the
//! clock; draw only when something changed and no message waits; the events each message
//! brought handed to `notify` (the bell, a desktop notification). The input stream is a
//! parameter, so a test can script keys. It lives here, where `app` and `ui` are composed, so
//! that `ui` reads `app` and `app` never reaches back into `ui`.

use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::app::runner::Runner;
use crate::app::{App, Msg, update};

/// How often time is told to `update`: enough for one-second countdowns and 2 s refreshes.
const TICK: Duration = Duration::from_millis(250);

pub async fn run<B, I>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    runner: &Runner,
    mut messages: UnboundedReceiver<Msg>,
    mut input: I,
    started: Instant,
    notify: &mut dyn FnMut(&[crate::model::events::Event]),
) -> std::io::Result<()>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
    I: Stream<Item = std::io::Result<crossterm::event::Event>> + Unpin,
{
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut input_open = true;
    while !app.quit {
        if app.dirty && messages.is_empty() {
            terminal
                .draw(|frame| crate::ui::draw(frame, app))
                .map_err(std::io::Error::other)?;
            app.dirty = false;
            app.drawn_at = app.now;
        }
        // `biased`: finished work is folded in before new input is read, so a key acts on
        // the freshest state, and the clock never starves either.
        let msg = tokio::select! {
            biased;
            Some(msg) = messages.recv() => msg,
            event = input.next(), if input_open => match event {
                Some(Ok(crossterm::event::Event::Key(key))) => Msg::Key(key),
                Some(Ok(crossterm::event::Event::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(crossterm::event::Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(error),
                None => {
                    input_open = false;
                    continue;
                }
            },
            _ = ticker.tick() => Msg::Tick(started.elapsed().as_millis() as u64),
        };
        for command in update(app, msg) {
            runner.run(command);
        }
        let events = app.alerts.take_outbox();
        if !events.is_empty() {
            notify(&events);
        }
    }
    Ok(())
}
